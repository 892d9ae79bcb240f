/* SPDX-License-Identifier: MIT */
/* CPUID policy: hide SVM/VMX and unvirtualised features, announce Basalt. Plain C, unit-tested. */
#include "kernel/cpuid_policy.h"

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "kernel/basalt_abi.h"

/* Feature bits a guest may see, as whitelists: a new host feature stays hidden until Basalt
 * virtualises it (MSRs behind it, state it adds). Leaf 1 EDX: FPU VME DE PSE TSC MSR PAE CX8 PGE
 * CMOV PAT PSE36 CLFSH MMX FXSR SSE SSE2 -- no APIC (no virtual LAPIC yet: Linux uses the PIC),
 * no MTRR/MCE/MCA/ACPI/DS/TM (their MSRs are not emulated), no SEP (SYSENTER is unused in long mode). */
#define LEAF1_EDX_ALLOWED 0x078ba17fu
/* Leaf 1 ECX: SSE3 PCLMULQDQ SSSE3 CX16 SSE4.1 SSE4.2 MOVBE POPCNT AES RDRAND (+ hypervisor). */
#define LEAF1_ECX_ALLOWED 0x42d82203u
/* 0x80000001 EDX: SYSCALL NX MMXEXT PDPE1GB LM, and the legacy copies of leaf 1 bits. Not FFXSR:
 * its EFER bit is not offered (cr_rules.c), and CPUID must not promise what WRMSR refuses. */
#define EXT1_EDX_ALLOWED 0x25d3a97fu
/* 0x80000001 ECX: LAHF/SAHF ABM SSE4A MisalignSSE PREFETCHW. */
#define EXT1_ECX_ALLOWED 0x000001e1u

/* Leaf 7 features a guest may use as they are: no XSAVE-managed state, nothing that needs a VMM. */
#define LEAF7_EBX_ALLOWED ((1u << 0) | (1u << 3) | (1u << 7) | (1u << 8) | (1u << 9) | (1u << 18) | \
			   (1u << 19) | (1u << 20) | (1u << 23))

static host_cpuid_fn host_cpuid;

void cpuid_policy_set_host(host_cpuid_fn fn)
{
	host_cpuid = fn;
}

static void basalt_leaf(const struct cpuid_guest *g, uint32_t leaf, struct cpuid_result *out)
{
	*out = (struct cpuid_result){ 0 };
	if (leaf == BASALT_CPUID_BASE) {
		out->eax = BASALT_CPUID_MAX;
		memcpy(&out->ebx, BASALT_SIGNATURE, 4);
		memcpy(&out->ecx, BASALT_SIGNATURE + 4, 4);
		memcpy(&out->edx, BASALT_SIGNATURE + 8, 4);
	} else if (leaf == BASALT_CPUID_INFO) {
		out->eax = BASALT_ABI_VERSION;
		out->ebx = g->hypercall_kind;
	} else if (leaf == BASALT_CPUID_TIMING) {
		out->eax = (uint32_t)(g->tsc_hz / 1000);
		out->ebx = g->has_lapic ? (uint32_t)(g->lapic_bus_hz / 1000) : 0;
	}
}

static void filter_leaf1(const struct cpuid_guest *g, struct cpuid_result *out)
{
	/* Not allowed among others: MONITOR/MWAIT would idle the physical CPU; XSAVE/AVX state is not
	 * switched per guest yet; there is no virtual x2APIC or TSC-deadline timer; no VMX/SMX. */
	out->ecx = (out->ecx & LEAF1_ECX_ALLOWED) | CPUID_1_ECX_HYPERVISOR;
	out->edx &= LEAF1_EDX_ALLOWED;
	/* The virtual local APIC has both interfaces and the TSC-deadline timer, whatever the host has. */
	if (g->has_lapic) {
		out->edx |= CPUID_1_EDX_APIC;
		out->ecx |= CPUID_1_ECX_X2APIC | CPUID_1_ECX_TSC_DEADLINE;
	} else {
		out->edx &= ~CPUID_1_EDX_APIC;
	}
	/* EBX: initial APIC id in 31-24, logical processor count in 23-16. */
	out->ebx = (out->ebx & 0x0000ffffu) | ((uint32_t)g->vcpu_id << 24) | ((g->nr_vcpus & 0xffu) << 16);
}

#define LEAF_TSC_CRYSTAL 0x15u
#define LEAF_FREQ 0x16u

static bool host_is_intel(void)
{
	struct cpuid_result r;

	host_cpuid(0, 0, &r);
	return r.ebx == 0x756e6547u && r.edx == 0x49656e69u && r.ecx == 0x6c65746eu; /* "GenuineIntel" */
}

/*
 * Leaf 0x15 with a local APIC: the crystal is the APIC timer's clock (Linux's native_calibrate_tsc
 * sets its APIC timer period from it) and EBX/EAX the TSC/crystal ratio. Linux multiplies
 * crystal_khz * EBX in 32 bits, so EBX stays below 2^32 / crystal_khz and EAX is as large as that
 * allows: at 25 MHz the rate is exact to ~6 ppm for a 3 GHz TSC.
 */
static void crystal_leaf(const struct cpuid_guest *g, struct cpuid_result *out)
{
	uint64_t crystal = g->lapic_bus_hz, ebx_max = 0xffffffffu / (crystal / 1000);
	uint64_t den = ebx_max * crystal / g->tsc_hz, num;

	if (!den)
		den = 1;
	num = (g->tsc_hz * den + crystal / 2) / crystal;
	if (num > ebx_max)
		num = ebx_max;
	*out = (struct cpuid_result){ .eax = (uint32_t)den, .ebx = (uint32_t)num, .ecx = (uint32_t)crystal };
}

/* Intel guests learn the TSC rate from leaf 0x15 (without a LAPIC: crystal = TSC, ratio 1:1) and,
 * with a LAPIC, the base and bus frequencies in MHz from 0x16 (Linux's cpu_khz_from_cpuid), so
 * Linux needs no PIT calibration, which fails when exits are slow (emulators). Leaves the host
 * lacks up to the highest one shown are 0. */
static bool tsc_leaf(const struct cpuid_guest *g, uint32_t leaf, struct cpuid_result *out)
{
	uint32_t max = g->has_lapic && g->lapic_bus_hz >= 1000 ? LEAF_FREQ : LEAF_TSC_CRYSTAL;
	struct cpuid_result r;

	if (!g->tsc_hz || g->tsc_hz > 0xffffffffu || !host_is_intel())
		return false;
	host_cpuid(0, 0, &r);
	if (leaf == 0) {
		*out = r;
		if (out->eax < max)
			out->eax = max;
		return true;
	}
	if (leaf == LEAF_TSC_CRYSTAL && max == LEAF_FREQ) {
		crystal_leaf(g, out);
		return true;
	}
	if (leaf == LEAF_TSC_CRYSTAL) {
		*out = (struct cpuid_result){ .eax = 1, .ebx = 1, .ecx = (uint32_t)g->tsc_hz };
		return true;
	}
	if (leaf == LEAF_FREQ && max == LEAF_FREQ) {
		uint32_t mhz = (uint32_t)(g->tsc_hz / 1000000);

		*out = (struct cpuid_result){ .eax = mhz, .ebx = mhz, .ecx = (uint32_t)(g->lapic_bus_hz / 1000000) };
		return true;
	}
	if (leaf > r.eax && leaf < max) {
		*out = (struct cpuid_result){ 0 };
		return true;
	}
	return false;
}

bool cpuid_policy_offers_tsc_rate(void)
{
	return host_is_intel();
}

void cpuid_policy_apply(const struct cpuid_guest *g, uint32_t leaf, uint32_t subleaf, struct cpuid_result *out)
{
	if (leaf >= 0x40000000u && leaf <= 0x400000ffu) {
		basalt_leaf(g, leaf, out);
		return;
	}
	if (leaf <= LEAF_FREQ && tsc_leaf(g, leaf, out))
		return;
	host_cpuid(leaf, subleaf, out);
	switch (leaf) {
	case 0x1:
		filter_leaf1(g, out);
		break;
	case 0x7:
		/* Only subleaf 0 is offered (EAX = 0: no further subleaves), and only the allowed bits. */
		out->eax = 0;
		out->ebx = subleaf == 0 ? out->ebx & LEAF7_EBX_ALLOWED : 0;
		out->ecx = 0;
		out->edx = 0;
		break;
	case 0x6:   /* thermal and power management MSRs are not emulated */
	case 0xa:   /* no performance counters */
	case 0xb:   /* host topology is not the guest's */
	case 0xd:   /* XSAVE is hidden */
	case 0x1f:
	case 0x8000000au: /* SVM features */
	case 0x8000001du: /* AMD cache and node topology, memory encryption */
	case 0x8000001eu:
	case 0x8000001fu:
		*out = (struct cpuid_result){ 0 };
		break;
	case 0x80000007u:
		/* Power management MSRs are not there; only the invariant-TSC bit stays when the host
		 * has it: the guest's TSC is the host's plus an offset, so it is as invariant (Linux then
		 * sets CONSTANT_TSC and NONSTOP_TSC on either vendor). */
		*out = (struct cpuid_result){ .edx = out->edx & CPUID_80000007_EDX_INVARIANT_TSC };
		break;
	case 0x80000001u:
		out->ecx &= EXT1_ECX_ALLOWED;
		out->edx &= EXT1_EDX_ALLOWED;
		break;
	default:
		break;
	}
}
