/* SPDX-License-Identifier: MIT */
/* Picks the virtualisation backend from the CPU vendor, once at boot. */
#include <string.h>

#include "arch/x86/cpu.h"
#include "arch/x86/svm/svm.h"
#include "arch/x86/vmx/vmx.h"
#include "kernel/console.h"
#include "kernel/errno.h"
#include "kernel/vmm.h"

const struct vmm_ops *vmm;
struct vmm_features vmm_features;

static void cpu_vendor(char out[13])
{
	struct cpuid_regs r;

	cpuid_count(0, 0, &r);
	memcpy(out, &r.ebx, 4);
	memcpy(out + 4, &r.edx, 4);
	memcpy(out + 8, &r.ecx, 4);
	out[12] = '\0';
}

int vmm_select(void)
{
	char vendor[13];
	const struct vmm_ops *candidate = NULL;

	cpu_vendor(vendor);
	if (strcmp(vendor, "AuthenticAMD") == 0 || strcmp(vendor, "HygonGenuine") == 0) {
		candidate = &svm_ops;
	} else if (strcmp(vendor, "GenuineIntel") == 0) {
		candidate = &vmx_ops;
	} else {
		kprintf("basalt: unknown CPU vendor '%s': no virtualisation backend\n", vendor);
		return -ENODEV;
	}
	if (candidate->probe(&vmm_features))
		return -ENODEV;
	vmm = candidate;
	kprintf("basalt: backend %s on %s: nested paging, %s, %u address-space ids%s\n", vmm->name, vendor,
		vmm_features.next_rip ? "next-RIP from the CPU" : "next-RIP by decoding each intercepted instruction",
		vmm_features.asids, vmm_features.huge_pages ? ", 1 GiB pages" : "");
	return 0;
}
