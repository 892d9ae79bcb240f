/* SPDX-License-Identifier: MIT */
/* VMRUN round trip: guest GPRs in, VMLOAD/VMRUN/VMSAVE, guest GPRs out, host state back. */

/* Offsets into struct guest_gprs (x86 register numbering, 8 bytes each; checked in kernel/vm.h). */
#define G_RCX 8
#define G_RDX 16
#define G_RBX 24
#define G_RBP 40
#define G_RSI 48
#define G_RDI 56
#define G_R8 64
#define G_R9 72
#define G_R10 80
#define G_R11 88
#define G_R12 96
#define G_R13 104
#define G_R14 112
#define G_R15 120

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

	mov %rsi, %rax
	mov G_RCX(%rdi), %rcx
	mov G_RDX(%rdi), %rdx
	mov G_RBX(%rdi), %rbx
	mov G_RBP(%rdi), %rbp
	mov G_RSI(%rdi), %rsi
	mov G_R8(%rdi), %r8
	mov G_R9(%rdi), %r9
	mov G_R10(%rdi), %r10
	mov G_R11(%rdi), %r11
	mov G_R12(%rdi), %r12
	mov G_R13(%rdi), %r13
	mov G_R14(%rdi), %r14
	mov G_R15(%rdi), %r15
	mov G_RDI(%rdi), %rdi

	vmload %rax
	vmrun %rax
	vmsave %rax

	push %rdi               /* guest RDI; gprs pointer is now at 8(%rsp) */
	mov 8(%rsp), %rdi
	mov %rcx, G_RCX(%rdi)
	mov %rdx, G_RDX(%rdi)
	mov %rbx, G_RBX(%rdi)
	mov %rbp, G_RBP(%rdi)
	mov %rsi, G_RSI(%rdi)
	mov %r8, G_R8(%rdi)
	mov %r9, G_R9(%rdi)
	mov %r10, G_R10(%rdi)
	mov %r11, G_R11(%rdi)
	mov %r12, G_R12(%rdi)
	mov %r13, G_R13(%rdi)
	mov %r14, G_R14(%rdi)
	mov %r15, G_R15(%rdi)
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
