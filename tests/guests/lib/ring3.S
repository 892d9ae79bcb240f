/* SPDX-License-Identifier: MIT */
/* ring3_call: IRETQ into CPL 3 and back through the INT 0x80 gate (see lib/ring3.h). */
	.text
	.code64

/* void ring3_call(void (*fn)(void)): callee-saved registers and RSP survive in ring3_kernel_rsp. */
	.global ring3_call
ring3_call:
	pushq	%rbx
	pushq	%rbp
	pushq	%r12
	pushq	%r13
	pushq	%r14
	pushq	%r15
	movq	%rsp, ring3_kernel_rsp(%rip)
	/* User stack: fn's return address is ring3_exit; RSP = 8 mod 16 as at any function entry. */
	leaq	ring3_stack+16384(%rip), %rax
	leaq	ring3_exit(%rip), %rcx
	movq	%rcx, -8(%rax)
	subq	$8, %rax
	pushq	$0x23		/* SS: user data */
	pushq	%rax		/* RSP */
	pushq	$0x2		/* RFLAGS: IF 0, IOPL 0 */
	pushq	$0x2b		/* CS: user code */
	pushq	%rdi		/* RIP = fn */
	movw	$0x23, %ax
	movw	%ax, %ds
	movw	%ax, %es
	iretq

/* In ring 3: fn returned here. */
ring3_exit:
	int	$0x80
	ud2

/* The DPL 3 gate: back at CPL 0 on TSS.RSP0; drop the frame and return from ring3_call. */
	.global ring3_gate
ring3_gate:
	movw	$0x10, %ax
	movw	%ax, %ds
	movw	%ax, %es
	movw	%ax, %ss
	movq	ring3_kernel_rsp(%rip), %rsp
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%rbp
	popq	%rbx
	ret

	.bss
	.balign 8
ring3_kernel_rsp:
	.quad	0

	.section .note.GNU-stack, "", @progbits
