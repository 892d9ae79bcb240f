/* SPDX-License-Identifier: MIT */
/* Interrupt and exception entry: 256 stubs 16 bytes apart, one common path into isr_dispatch(). */

	.text
	.p2align 4
	.globl isr_stubs
isr_stubs:
	.set vec, 0
	.rept 256
	.p2align 4
	/* Vectors 8, 10-14, 17, 21, 29, 30 push an error code; the others get a 0 so frames look alike. */
	.if !(vec == 8 || (vec >= 10 && vec <= 14) || vec == 17 || vec == 21 || vec == 29 || vec == 30)
	pushq $0
	.endif
	pushq $vec
	jmp isr_common
	.set vec, vec + 1
	.endr

/* Frame layout (struct isr_frame in arch/x86/idt.h): r15 ... rax, vector, error, rip, cs, rflags, rsp, ss. */
isr_common:
	cld
	push %rax
	push %rcx
	push %rdx
	push %rbx
	push %rbp
	push %rsi
	push %rdi
	push %r8
	push %r9
	push %r10
	push %r11
	push %r12
	push %r13
	push %r14
	push %r15
	mov %rsp, %rdi
	mov %rsp, %rbx
	and $-16, %rsp          /* the ABI wants a 16-byte aligned stack at the call */
	call isr_dispatch
	mov %rbx, %rsp
	pop %r15
	pop %r14
	pop %r13
	pop %r12
	pop %r11
	pop %r10
	pop %r9
	pop %r8
	pop %rdi
	pop %rsi
	pop %rbp
	pop %rbx
	pop %rdx
	pop %rcx
	pop %rax
	add $16, %rsp           /* vector and error code */
	iretq

	.section .note.GNU-stack, "", @progbits
