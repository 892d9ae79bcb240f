/* SPDX-License-Identifier: MIT */
/* What CPUID tells a guest: the host's answer, minus what Basalt does not virtualise, plus Basalt's leaves. */
#ifndef BASALT_CPUID_POLICY_H
#define BASALT_CPUID_POLICY_H

#include <stdbool.h>
#include <stdint.h>

struct cpuid_result {
	uint32_t eax, ebx, ecx, edx;
};

typedef void (*host_cpuid_fn)(uint32_t leaf, uint32_t subleaf, struct cpuid_result *out);

struct cpuid_guest {
	unsigned vcpu_id;
	unsigned nr_vcpus;
	uint32_t hypercall_kind;
	uint64_t tsc_hz; /* the guest TSC's rate, for CPUID leaf 0x15 on Intel; 0 = unknown */
	/* The vCPU has a local APIC (pc platform): leaf 1 shows APIC, x2APIC and TSC-deadline, and
	 * the timing leaves report its timer's input clock. */
	bool has_lapic;
	uint64_t lapic_bus_hz;
};

/* Where host values come from (the real instruction in the hypervisor, a table in tests). */
void cpuid_policy_set_host(host_cpuid_fn fn);
/* True when guests learn the TSC rate from leaf 0x15/0x16 (Intel hosts), which Linux reads. */
bool cpuid_policy_offers_tsc_rate(void);
void cpuid_policy_apply(const struct cpuid_guest *g, uint32_t leaf, uint32_t subleaf, struct cpuid_result *out);

/* Bits the policy touches, for tests and readers. */
#define CPUID_1_ECX_MONITOR (1u << 3)
#define CPUID_1_ECX_VMX (1u << 5)
#define CPUID_1_ECX_SMX (1u << 6)
#define CPUID_1_ECX_X2APIC (1u << 21)
#define CPUID_1_ECX_TSC_DEADLINE (1u << 24)
#define CPUID_1_ECX_XSAVE (1u << 26)
#define CPUID_1_ECX_OSXSAVE (1u << 27)
#define CPUID_1_ECX_AVX (1u << 28)
#define CPUID_1_ECX_HYPERVISOR (1u << 31)
#define CPUID_1_EDX_APIC (1u << 9)
#define CPUID_80000001_ECX_SVM (1u << 2)
#define CPUID_80000001_ECX_SKINIT (1u << 12)
#define CPUID_80000007_EDX_INVARIANT_TSC (1u << 8)

#endif
