/* SPDX-License-Identifier: MIT */
/* Translation of VMX exit information into vendor-neutral struct vm_exit. Plain C, unit-tested. */
#ifndef BASALT_VMX_EXIT_H
#define BASALT_VMX_EXIT_H

#include <stdint.h>

#include "kernel/vm_exit.h"

/* The VMCS fields a translation needs, read by the backend after each exit. */
struct vmx_exit_info {
	uint32_t reason;        /* VMCS_EXIT_REASON */
	uint64_t qualification; /* VMCS_EXIT_QUALIFICATION */
	uint32_t insn_len;      /* VMCS_EXIT_INSN_LEN */
	uint64_t gpa;           /* VMCS_GUEST_PHYSICAL_ADDRESS (EPT exits) */
	uint32_t intr_info;     /* VMCS_EXIT_INTR_INFO */
	uint32_t intr_error;    /* VMCS_EXIT_INTR_ERROR */
	uint64_t guest_rcx;     /* MSR index for RDMSR/WRMSR */
};

void vmx_translate_exit(const struct vmx_exit_info *info, struct vm_exit *exit);
/* Name of a basic exit reason ("cpuid", "ept-violation", ...), "unknown" otherwise. */
const char *vmx_exit_reason_name(uint32_t reason);
/* Text for a VM-instruction error number (SDM vol. 3, "VM-Instruction Error Numbers"). */
const char *vmx_insn_error_name(uint32_t error);

#endif
