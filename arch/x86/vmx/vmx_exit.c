/* SPDX-License-Identifier: MIT */
/* VMX exit reasons to neutral exits, and the name tables used in messages. */
#include "arch/x86/vmx/vmx_exit.h"

#include "arch/x86/vmx/vmcs.h"

struct vmx_exit_kind {
	uint8_t neutral; /* enum vm_exit_code; VM_EXIT_NONE marks reasons Basalt does not expect */
	const char *name;
};

static const struct vmx_exit_kind vmx_exit_kinds[VMX_EXIT_REASONS] = {
	[VMX_EXIT_EXCEPTION_NMI] = { VM_EXIT_EXCEPTION, "exception-or-nmi" },
	[VMX_EXIT_EXTERNAL_INTERRUPT] = { VM_EXIT_INTR, "external-interrupt" },
	[VMX_EXIT_TRIPLE_FAULT] = { VM_EXIT_SHUTDOWN, "triple-fault" },
	[VMX_EXIT_INIT] = { VM_EXIT_UNKNOWN, "init-signal" },
	[VMX_EXIT_SIPI] = { VM_EXIT_UNKNOWN, "sipi" },
	[VMX_EXIT_INTERRUPT_WINDOW] = { VM_EXIT_IRQ_WINDOW, "interrupt-window" },
	[VMX_EXIT_CPUID] = { VM_EXIT_CPUID, "cpuid" },
	[VMX_EXIT_GETSEC] = { VM_EXIT_VIRT_INSN, "getsec" },
	[VMX_EXIT_HLT] = { VM_EXIT_HLT, "hlt" },
	[VMX_EXIT_INVD] = { VM_EXIT_INVD, "invd" },
	[VMX_EXIT_VMCALL] = { VM_EXIT_HYPERCALL, "vmcall" },
	[VMX_EXIT_VMCLEAR] = { VM_EXIT_VIRT_INSN, "vmclear" },
	[VMX_EXIT_VMLAUNCH] = { VM_EXIT_VIRT_INSN, "vmlaunch" },
	[VMX_EXIT_VMPTRLD] = { VM_EXIT_VIRT_INSN, "vmptrld" },
	[VMX_EXIT_VMPTRST] = { VM_EXIT_VIRT_INSN, "vmptrst" },
	[VMX_EXIT_VMREAD] = { VM_EXIT_VIRT_INSN, "vmread" },
	[VMX_EXIT_VMRESUME] = { VM_EXIT_VIRT_INSN, "vmresume" },
	[VMX_EXIT_VMWRITE] = { VM_EXIT_VIRT_INSN, "vmwrite" },
	[VMX_EXIT_VMXOFF] = { VM_EXIT_VIRT_INSN, "vmxoff" },
	[VMX_EXIT_VMXON] = { VM_EXIT_VIRT_INSN, "vmxon" },
	[VMX_EXIT_CR_ACCESS] = { VM_EXIT_CR_ACCESS, "cr-access" },
	[VMX_EXIT_MOV_DR] = { VM_EXIT_DR_ACCESS, "mov-dr" },
	[VMX_EXIT_IO] = { VM_EXIT_IO, "io" },
	[VMX_EXIT_RDMSR] = { VM_EXIT_MSR, "rdmsr" },
	[VMX_EXIT_WRMSR] = { VM_EXIT_MSR, "wrmsr" },
	[VMX_EXIT_INVALID_GUEST_STATE] = { VM_EXIT_INVALID_STATE, "invalid-guest-state" },
	[VMX_EXIT_MSR_LOADING] = { VM_EXIT_INVALID_STATE, "msr-loading" },
	[VMX_EXIT_MWAIT] = { VM_EXIT_VIRT_INSN, "mwait" },
	[VMX_EXIT_MONITOR] = { VM_EXIT_VIRT_INSN, "monitor" },
	[VMX_EXIT_MACHINE_CHECK] = { VM_EXIT_INVALID_STATE, "machine-check-on-entry" },
	[VMX_EXIT_EPT_VIOLATION] = { VM_EXIT_NPF, "ept-violation" },
	[VMX_EXIT_EPT_MISCONFIG] = { VM_EXIT_UNKNOWN, "ept-misconfiguration" },
	[VMX_EXIT_INVEPT] = { VM_EXIT_VIRT_INSN, "invept" },
	[VMX_EXIT_PREEMPTION_TIMER] = { VM_EXIT_INTR, "preemption-timer" },
	[VMX_EXIT_INVVPID] = { VM_EXIT_VIRT_INSN, "invvpid" },
	[VMX_EXIT_WBINVD] = { VM_EXIT_INVD, "wbinvd" },
	/* XSAVE is hidden by the CPUID policy, so XSETBV is an instruction the guest may not use. */
	[VMX_EXIT_XSETBV] = { VM_EXIT_VIRT_INSN, "xsetbv" },
	[VMX_EXIT_VMFUNC] = { VM_EXIT_VIRT_INSN, "vmfunc" },
};

const char *vmx_exit_reason_name(uint32_t reason)
{
	reason &= 0xffff;
	if (reason < VMX_EXIT_REASONS && vmx_exit_kinds[reason].name)
		return vmx_exit_kinds[reason].name;
	return "unknown";
}

static const char *const vmx_insn_errors[] = {
	[1] = "VMCALL executed in VMX root operation",
	[2] = "VMCLEAR with invalid physical address",
	[3] = "VMCLEAR with VMXON pointer",
	[4] = "VMLAUNCH with non-clear VMCS",
	[5] = "VMRESUME with non-launched VMCS",
	[6] = "VMRESUME after VMXOFF",
	[7] = "VM entry with invalid control field(s)",
	[8] = "VM entry with invalid host-state field(s)",
	[9] = "VMPTRLD with invalid physical address",
	[10] = "VMPTRLD with VMXON pointer",
	[11] = "VMPTRLD with incorrect VMCS revision identifier",
	[12] = "VMREAD/VMWRITE from/to unsupported VMCS component",
	[13] = "VMWRITE to read-only VMCS component",
	[15] = "VMXON executed in VMX root operation",
	[16] = "VM entry with invalid executive-VMCS pointer",
	[17] = "VM entry with non-launched executive VMCS",
	[18] = "VM entry with executive-VMCS pointer not VMXON pointer",
	[19] = "VMCALL with non-clear VMCS",
	[20] = "VMCALL with invalid VM-exit control fields",
	[22] = "VMCALL with incorrect MSEG revision identifier",
	[23] = "VMXOFF under dual-monitor treatment of SMIs and SMM",
	[24] = "VMCALL with invalid SMM-monitor features",
	[25] = "VM entry with invalid VM-execution control fields in executive VMCS",
	[26] = "VM entry with events blocked by MOV SS",
	[28] = "invalid operand to INVEPT/INVVPID",
};

const char *vmx_insn_error_name(uint32_t error)
{
	if (error < sizeof(vmx_insn_errors) / sizeof(vmx_insn_errors[0]) && vmx_insn_errors[error])
		return vmx_insn_errors[error];
	return "unknown VM-instruction error";
}

static void translate_io(uint64_t q, struct vm_exit *exit)
{
	unsigned size = (unsigned)(q & VMX_IO_SIZE_MASK) + 1;

	exit->u.io.port = (uint16_t)(q >> VMX_IO_PORT_SHIFT);
	exit->u.io.size = (uint8_t)(size == 3 ? 4 : size);
	exit->u.io.in = q & VMX_IO_IN;
	exit->u.io.string = q & VMX_IO_STRING;
	exit->u.io.rep = q & VMX_IO_REP;
}

static void translate_ept(const struct vmx_exit_info *info, struct vm_exit *exit)
{
	uint64_t q = info->qualification;

	exit->u.npf.gpa = info->gpa;
	exit->u.npf.write = q & VMX_EPT_WRITE;
	exit->u.npf.exec = q & VMX_EPT_FETCH;
	exit->u.npf.read = q & VMX_EPT_READ; /* bit 0: a data read (set with bit 1 for read-modify-write) */
	exit->u.npf.present = q & VMX_EPT_PRESENT_MASK;
	exit->u.npf.insn_bytes_len = 0; /* VT-x hands over no instruction bytes */
}

_Static_assert(VM_CR_MOV_TO == 0 && VM_CR_MOV_FROM == 1 && VM_CR_CLTS == 2 && VM_CR_LMSW == 3,
	       "enum vm_cr_op follows the VMX access types");

/* The access types 0-3 of the qualification are MOV to CR, MOV from CR, CLTS and LMSW, the order
 * of enum vm_cr_op. */
static void translate_cr(uint64_t q, struct vm_exit *exit)
{
	exit->u.cr = (struct vm_exit_cr){ .cr = (uint8_t)VMX_CR_NUMBER(q), .gpr = (int8_t)VMX_CR_GPR(q),
					  .op = (uint8_t)VMX_CR_ACCESS_TYPE(q),
					  .lmsw_src = (uint16_t)VMX_CR_LMSW_SOURCE(q) };
}

static void translate_dr(uint64_t q, struct vm_exit *exit)
{
	exit->u.dr = (struct vm_exit_dr){ .dr = (uint8_t)VMX_DR_NUMBER(q), .gpr = (int8_t)VMX_DR_GPR(q),
					  .write = !(q & VMX_DR_FROM) };
}

static void translate_exception(const struct vmx_exit_info *info, struct vm_exit *exit)
{
	if ((info->intr_info & INTR_TYPE_MASK) == INTR_TYPE_NMI) {
		exit->code = VM_EXIT_NMI;
		return;
	}
	exit->u.exception.vector = (uint8_t)info->intr_info;
	exit->u.exception.has_error = info->intr_info & INTR_INFO_ERROR_VALID;
	exit->u.exception.error_code = info->intr_error;
}

void vmx_translate_exit(const struct vmx_exit_info *info, struct vm_exit *exit)
{
	uint32_t basic = info->reason & 0xffff;

	exit->raw_reason = info->reason;
	exit->insn_len = (uint8_t)info->insn_len;
	exit->decode = false; /* VMX reports the length of every instruction that exits */
	exit->code = basic < VMX_EXIT_REASONS && vmx_exit_kinds[basic].name ? vmx_exit_kinds[basic].neutral
									  : VM_EXIT_UNKNOWN;
	if (info->reason & VMX_EXIT_FAILED_ENTRY) {
		exit->code = VM_EXIT_INVALID_STATE;
		return;
	}
	switch (basic) {
	case VMX_EXIT_IO:
		translate_io(info->qualification, exit);
		break;
	case VMX_EXIT_EPT_VIOLATION:
		translate_ept(info, exit);
		break;
	case VMX_EXIT_RDMSR:
	case VMX_EXIT_WRMSR:
		exit->u.msr.index = (uint32_t)info->guest_rcx;
		exit->u.msr.write = basic == VMX_EXIT_WRMSR;
		break;
	case VMX_EXIT_EXCEPTION_NMI:
		translate_exception(info, exit);
		break;
	case VMX_EXIT_CR_ACCESS:
		translate_cr(info->qualification, exit);
		break;
	case VMX_EXIT_MOV_DR:
		translate_dr(info->qualification, exit);
		break;
	default:
		break;
	}
}
