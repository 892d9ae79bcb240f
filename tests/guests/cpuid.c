/* SPDX-License-Identifier: MIT */
/* Checks the CPUID view Basalt gives a guest: its own leaves, hypervisor bit set, VMX and SVM hidden. */
#include "lib/guest.h"

const char guest_name[] = "cpuid";

#define LEAF1_ECX_VMX (1u << 5)
#define LEAF1_ECX_HYPERVISOR (1u << 31)
#define EXT1_ECX_SVM (1u << 2)

static void check_basalt_leaves(void)
{
	struct cpuid_regs base = cpuid(BASALT_CPUID_BASE, 0);
	struct cpuid_regs info = cpuid(BASALT_CPUID_INFO, 0);
	char sig[13];

	memcpy(sig + 0, &base.ebx, 4);
	memcpy(sig + 4, &base.ecx, 4);
	memcpy(sig + 8, &base.edx, 4);
	for (int i = 0; i < 12; i++)
		if (sig[i] < 0x20 || sig[i] > 0x7e)
			sig[i] = '?';
	sig[12] = '\0';
	if (!basalt_present())
		fail(guest_name, "leaf 0x40000000 signature \"%s\" (ebx 0x%x ecx 0x%x edx 0x%x), expected \"%s\"",
		     sig, base.ebx, base.ecx, base.edx, BASALT_SIGNATURE);
	if (base.eax < BASALT_CPUID_INFO)
		fail(guest_name, "leaf 0x40000000 eax (max Basalt leaf) 0x%x, expected >= 0x%x", base.eax,
		     BASALT_CPUID_INFO);
	if (info.eax != BASALT_ABI_VERSION)
		fail(guest_name, "leaf 0x40000001 eax (ABI version) 0x%x, expected 0x%x", info.eax,
		     BASALT_ABI_VERSION);
	if (info.ebx != BASALT_HCALL_VMMCALL && info.ebx != BASALT_HCALL_VMCALL)
		fail(guest_name, "leaf 0x40000001 ebx (hypercall kind) %u, expected %u (vmmcall) or %u (vmcall)",
		     info.ebx, BASALT_HCALL_VMMCALL, BASALT_HCALL_VMCALL);
	printf("cpuid: signature %s, max leaf 0x%x, ABI 0x%x, hypercall %s\n", sig, base.eax, info.eax,
	       info.ebx == BASALT_HCALL_VMCALL ? "vmcall" : "vmmcall");
}

static void check_standard_leaves(void)
{
	struct cpuid_regs l0 = cpuid(0, 0);
	struct cpuid_regs l1;

	if (l0.eax < 1)
		fail(guest_name, "leaf 0 eax (max standard leaf) 0x%x, expected >= 1", l0.eax);
	l1 = cpuid(1, 0);
	if (!(l1.ecx & LEAF1_ECX_HYPERVISOR))
		fail(guest_name, "leaf 1 ecx 0x%x: bit 31 (hypervisor present) clear, expected set", l1.ecx);
	if (l1.ecx & LEAF1_ECX_VMX)
		fail(guest_name, "leaf 1 ecx 0x%x: bit 5 (VMX) set, expected clear", l1.ecx);
	printf("cpuid: max standard leaf 0x%x, leaf 1 ecx 0x%x\n", l0.eax, l1.ecx);
}

static void check_extended_leaves(void)
{
	struct cpuid_regs e0 = cpuid(0x80000000u, 0);
	struct cpuid_regs e1;

	if (e0.eax < 0x80000001u) {
		printf("cpuid: no leaf 0x80000001 (max extended leaf 0x%x), SVM cannot be advertised\n", e0.eax);
		return;
	}
	e1 = cpuid(0x80000001u, 0);
	if (e1.ecx & EXT1_ECX_SVM)
		fail(guest_name, "leaf 0x80000001 ecx 0x%x: bit 2 (SVM) set, expected clear", e1.ecx);
	printf("cpuid: max extended leaf 0x%x, leaf 0x80000001 ecx 0x%x\n", e0.eax, e1.ecx);
}

void guest_main(void)
{
	check_basalt_leaves();
	check_standard_leaves();
	check_extended_leaves();
	pass(guest_name);
}
