/* SPDX-License-Identifier: MIT */
/* SVM exit codes to neutral exits, including the instruction length when the CPU has no NRIPS. */
#include "arch/x86/svm/svm_exit.h"

#include <stddef.h>

struct svm_exit_kind {
	uint8_t neutral;  /* enum vm_exit_code; 0 (VM_EXIT_NONE) marks codes Basalt does not intercept */
	uint8_t insn_len; /* fixed length without prefixes, used when next_rip is not reported */
	const char *name;
};

#define SVM_DENSE_CODES 0xa0 /* every intercept Basalt sets has a code below this, except NPF */

/* Indexed by exit code, so translation costs one load on the hot path. insn_len marks the
 * instructions whose handler moves RIP past them: without NRIPS (QEMU TCG) the core decodes the
 * instruction itself, prefixes included, so the number is only "this exit needs a length". */
static const struct svm_exit_kind svm_exit_kinds[SVM_DENSE_CODES] = {
	[SVM_EXIT_WRITE_CR4] = { VM_EXIT_CR_ACCESS, 3, "write-cr4" },
	[SVM_EXIT_WRITE_CR8] = { VM_EXIT_CR_ACCESS, 4, "write-cr8" },
	[SVM_EXIT_WRITE_DR0] = { VM_EXIT_DR_ACCESS, 3, "write-dr0" },
	[SVM_EXIT_WRITE_DR0 + 1] = { VM_EXIT_DR_ACCESS, 3, "write-dr1" },
	[SVM_EXIT_WRITE_DR0 + 2] = { VM_EXIT_DR_ACCESS, 3, "write-dr2" },
	[SVM_EXIT_WRITE_DR3] = { VM_EXIT_DR_ACCESS, 3, "write-dr3" },
	[SVM_EXIT_INTR] = { VM_EXIT_INTR, 0, "intr" },
	[SVM_EXIT_NMI] = { VM_EXIT_NMI, 0, "nmi" },
	[SVM_EXIT_SMI] = { VM_EXIT_INTR, 0, "smi" },
	[SVM_EXIT_VINTR] = { VM_EXIT_IRQ_WINDOW, 0, "vintr" },
	[SVM_EXIT_CPUID] = { VM_EXIT_CPUID, 2, "cpuid" },
	[SVM_EXIT_INVD] = { VM_EXIT_INVD, 2, "invd" },
	[SVM_EXIT_WBINVD] = { VM_EXIT_INVD, 2, "wbinvd" },
	[SVM_EXIT_HLT] = { VM_EXIT_HLT, 1, "hlt" },
	[SVM_EXIT_IOIO] = { VM_EXIT_IO, 0, "ioio" },
	[SVM_EXIT_MSR] = { VM_EXIT_MSR, 2, "msr" },
	[SVM_EXIT_SHUTDOWN] = { VM_EXIT_SHUTDOWN, 0, "shutdown" },
	[SVM_EXIT_VMRUN] = { VM_EXIT_VIRT_INSN, 3, "vmrun" },
	[SVM_EXIT_VMMCALL] = { VM_EXIT_HYPERCALL, 3, "vmmcall" },
	[SVM_EXIT_VMLOAD] = { VM_EXIT_VIRT_INSN, 3, "vmload" },
	[SVM_EXIT_VMSAVE] = { VM_EXIT_VIRT_INSN, 3, "vmsave" },
	[SVM_EXIT_STGI] = { VM_EXIT_VIRT_INSN, 3, "stgi" },
	[SVM_EXIT_CLGI] = { VM_EXIT_VIRT_INSN, 3, "clgi" },
	[SVM_EXIT_SKINIT] = { VM_EXIT_VIRT_INSN, 3, "skinit" },
	[SVM_EXIT_INVLPGA] = { VM_EXIT_VIRT_INSN, 3, "invlpga" },
	/* XSAVE is hidden by the CPUID policy, so XSETBV is an instruction the guest may not use. */
	[SVM_EXIT_XSETBV] = { VM_EXIT_VIRT_INSN, 3, "xsetbv" },
};

static const struct svm_exit_kind svm_exit_npf = { VM_EXIT_NPF, 0, "npf" };
static const struct svm_exit_kind svm_exit_invalid = { VM_EXIT_INVALID_STATE, 0, "invalid" };

static const struct svm_exit_kind *find_kind(uint64_t code)
{
	if (code < SVM_DENSE_CODES && svm_exit_kinds[code].neutral != VM_EXIT_NONE)
		return &svm_exit_kinds[code];
	if (code == SVM_EXIT_NPF)
		return &svm_exit_npf;
	if (code == SVM_EXIT_INVALID || code == SVM_EXIT_INVALID32)
		return &svm_exit_invalid;
	return NULL;
}

const char *svm_exit_name(uint64_t code)
{
	const struct svm_exit_kind *k = find_kind(code);

	if (k)
		return k->name;
	if (code >= SVM_EXIT_EXCP_BASE && code < SVM_EXIT_EXCP_BASE + 32)
		return "exception";
	return "unknown";
}

static void translate_io(const struct vmcb *vmcb, struct vm_exit *exit)
{
	uint64_t info = vmcb->control.exit_info_1;
	unsigned sz = (info >> SVM_IOIO_SZ_SHIFT) & 7;

	exit->u.io.port = (uint16_t)(info >> SVM_IOIO_PORT_SHIFT);
	exit->u.io.size = sz & 4 ? 4 : sz & 2 ? 2 : 1;
	exit->u.io.in = info & SVM_IOIO_IN;
	exit->u.io.string = info & SVM_IOIO_STR;
	exit->u.io.rep = info & SVM_IOIO_REP;
	/* For IOIO the CPU always stores the next RIP in exit_info_2, NRIPS or not. */
	exit->insn_len = (uint8_t)(vmcb->control.exit_info_2 - vmcb->save.rip);
}

/* With decode assists the CPU also hands over up to 15 bytes it fetched at CS:RIP (0 when the
 * fetch itself failed), which spares the core a walk of the guest's page tables. */
static void translate_npf(const struct vmcb *vmcb, bool decode_assist, struct vm_exit *exit)
{
	uint64_t err = vmcb->control.exit_info_1;
	uint8_t n = decode_assist ? vmcb->control.insn_len & 0xf : 0;

	exit->u.npf.insn_bytes_len = n > 15 ? 15 : n;
	for (unsigned i = 0; i < exit->u.npf.insn_bytes_len; i++)
		exit->u.npf.insn_bytes[i] = vmcb->control.insn_bytes[i];

	exit->u.npf.gpa = vmcb->control.exit_info_2;
	exit->u.npf.present = err & SVM_NPF_PRESENT;
	exit->u.npf.write = err & SVM_NPF_WRITE;
	exit->u.npf.exec = err & SVM_NPF_FETCH;
	exit->u.npf.read = !exit->u.npf.write && !exit->u.npf.exec;
}

/* With decode assists the CPU names the register; otherwise the core decodes the instruction. */
static int8_t crdr_gpr(const struct vmcb *vmcb, bool decode_assist)
{
	uint64_t info = vmcb->control.exit_info_1;

	return decode_assist && (info & SVM_CRDR_INFO_VALID) ? (int8_t)SVM_CRDR_INFO_GPR(info) : -1;
}

static void translate_crdr(const struct vmcb *vmcb, uint64_t code, bool decode_assist, struct vm_exit *exit)
{
	if (exit->code == VM_EXIT_CR_ACCESS) {
		exit->u.cr = (struct vm_exit_cr){ .cr = (uint8_t)(code - SVM_EXIT_WRITE_CR0),
						  .gpr = crdr_gpr(vmcb, decode_assist), .op = VM_CR_MOV_TO };
		return;
	}
	exit->u.dr = (struct vm_exit_dr){ .dr = (uint8_t)(code - SVM_EXIT_WRITE_DR0),
					  .gpr = crdr_gpr(vmcb, decode_assist), .write = true };
}

void svm_translate_exit(const struct vmcb *vmcb, const struct vmm_features *f, uint64_t guest_rcx,
			struct vm_exit *exit)
{
	uint64_t code = vmcb->control.exit_code;
	const struct svm_exit_kind *k = find_kind(code);

	exit->raw_reason = (uint32_t)code;
	exit->insn_len = 0;
	exit->decode = false;
	if (!k && code >= SVM_EXIT_EXCP_BASE && code < SVM_EXIT_EXCP_BASE + 32) {
		exit->code = VM_EXIT_EXCEPTION;
		exit->u.exception.vector = (uint8_t)(code - SVM_EXIT_EXCP_BASE);
		exit->u.exception.has_error = false;
		exit->u.exception.error_code = (uint32_t)vmcb->control.exit_info_1;
		return;
	}
	exit->code = k ? k->neutral : VM_EXIT_UNKNOWN;
	if (!k)
		return;
	if (f->next_rip && vmcb->control.next_rip > vmcb->save.rip)
		exit->insn_len = (uint8_t)(vmcb->control.next_rip - vmcb->save.rip);
	else if (k->insn_len && k->neutral != VM_EXIT_VIRT_INSN) /* #UD needs no length */
		exit->decode = true;
	if (exit->code == VM_EXIT_CR_ACCESS || exit->code == VM_EXIT_DR_ACCESS)
		translate_crdr(vmcb, code, f->decode_assist, exit);
	else if (code == SVM_EXIT_IOIO)
		translate_io(vmcb, exit);
	else if (code == SVM_EXIT_NPF)
		translate_npf(vmcb, f->decode_assist, exit);
	else if (code == SVM_EXIT_MSR) {
		exit->u.msr.index = (uint32_t)guest_rcx;
		exit->u.msr.write = vmcb->control.exit_info_1 & 1;
	}
}
