/* SPDX-License-Identifier: MIT */
/* CPUID policy: hide SVM/VMX and unvirtualised features, announce Basalt. Plain C, unit-tested. */
#include "kernel/cpuid_policy.h"

#include <stddef.h>
#include <string.h>

#include "kernel/basalt_abi.h"

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
		out->eax = BASALT_CPUID_INFO;
		memcpy(&out->ebx, BASALT_SIGNATURE, 4);
		memcpy(&out->ecx, BASALT_SIGNATURE + 4, 4);
		memcpy(&out->edx, BASALT_SIGNATURE + 8, 4);
	} else if (leaf == BASALT_CPUID_INFO) {
		out->eax = BASALT_ABI_VERSION;
		out->ebx = g->hypercall_kind;
	}
}

static void filter_leaf1(const struct cpuid_guest *g, struct cpuid_result *out)
{
	/* MONITOR/MWAIT would idle the physical CPU; XSAVE/AVX state is not switched per guest yet;
	 * there is no virtual x2APIC or TSC-deadline timer. */
	out->ecx &= ~(CPUID_1_ECX_MONITOR | CPUID_1_ECX_VMX | CPUID_1_ECX_SMX | CPUID_1_ECX_X2APIC |
		      CPUID_1_ECX_TSC_DEADLINE | CPUID_1_ECX_XSAVE | CPUID_1_ECX_OSXSAVE | CPUID_1_ECX_AVX);
	out->ecx |= CPUID_1_ECX_HYPERVISOR;
	/* EBX: initial APIC id in 31-24, logical processor count in 23-16. */
	out->ebx = (out->ebx & 0x0000ffffu) | ((uint32_t)g->vcpu_id << 24) | ((g->nr_vcpus & 0xffu) << 16);
}

void cpuid_policy_apply(const struct cpuid_guest *g, uint32_t leaf, uint32_t subleaf, struct cpuid_result *out)
{
	if (leaf >= 0x40000000u && leaf <= 0x400000ffu) {
		basalt_leaf(g, leaf, out);
		return;
	}
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
	case 0xb:   /* host topology is not the guest's */
	case 0xd:   /* XSAVE is hidden */
	case 0x1f:
	case 0x8000000au: /* SVM features */
		*out = (struct cpuid_result){ 0 };
		break;
	case 0x80000001u:
		out->ecx &= ~(CPUID_80000001_ECX_SVM | CPUID_80000001_ECX_SKINIT);
		break;
	default:
		break;
	}
}
