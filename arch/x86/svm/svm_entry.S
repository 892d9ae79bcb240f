/* SPDX-License-Identifier: MIT */
/* VMRUN round trip: guest GPRs in, VMLOAD/VMRUN/VMSAVE, guest GPRs out, host state back. */

#include "arch/x86/guest_gprs.h"

	.text
	.globl svm_enter_guest
	.type svm_enter_guest, @function
/* void svm_enter_guest(struct guest_gprs *gprs (rdi), u64 vmcb_pa (rsi), u64 host_vmcb_pa (rdx)) */
svm_enter_guest:
	push %rbp
	push %rbx
	push %r12
	push %r13
	push %r14
	push %r15
	push %rdx               /* host VMCB, 8(%rsp) after the next push */
	push %rdi               /* gprs, 0(%rsp) */

	/* GIF=0 holds interrupts until the guest runs; IF=1 is what VMRUN saves as host RFLAGS,
	 * so the INTR intercept fires for host interrupts and they are taken at STGI below. */
	clgi
	sti

	mov %rsi, %rax          /* guest RAX lives in the VMCB */
	LOAD_GUEST_GPRS %rdi
	mov G_RDI(%rdi), %rdi

	vmload %rax
	vmrun %rax
	vmsave %rax

	push %rdi               /* guest RDI; gprs pointer is now at 8(%rsp) */
	mov 8(%rsp), %rdi
	SAVE_GUEST_GPRS %rdi
	popq G_RDI(%rdi)
	add $8, %rsp            /* drop the gprs pointer */
	pop %rax                /* host VMCB */
	vmload %rax             /* host TR (and its IST stacks), FS, GS, syscall MSRs */

	stgi                    /* a pending host interrupt is taken here */
	cli

	pop %r15
	pop %r14
	pop %r13
	pop %r12
	pop %rbx
	pop %rbp
	ret
	.size svm_enter_guest, . - svm_enter_guest

	.section .note.GNU-stack, "", @progbits
