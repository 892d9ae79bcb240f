/* SPDX-License-Identifier: MIT */
/* Interrupt stubs for vectors 0-255: build a struct exc_frame (lib/guest.h) and call exc_dispatch. */
	.text
	.code64

/* Vectors for which the CPU pushes an error code; the others get a zero. */
.macro ISR vec, has_error
isr_\vec:
	.if \has_error == 0
	pushq	$0
	.endif
	pushq	$\vec
	jmp	isr_common
.endm

.irp v, 0,1,2,3,4,5,6,7,9,15,16,18,19,20,22,23,24,25,26,27,28,31
	ISR \v, 0
.endr
.irp v, 8,10,11,12,13,14,17,21,29,30
	ISR \v, 1
.endr

/*
 * Vectors 32-255 (external interrupts, software INTs): one 16-byte stub each at
 * isr_irq_stubs + (vector - 32) * 16, so idt.c can compute the address.
 */
	.balign 16
	.global isr_irq_stubs
isr_irq_stubs:
	.set irqvec, 32
	.rept 224
	.balign 16
	pushq	$0
	pushq	$irqvec
	jmp	isr_common
	.set irqvec, irqvec + 1
	.endr

/* Push order is the reverse of struct exc_frame's field order (checked in idt.c). */
isr_common:
	pushq	%rax
	pushq	%rbx
	pushq	%rcx
	pushq	%rdx
	pushq	%rsi
	pushq	%rdi
	pushq	%rbp
	pushq	%r8
	pushq	%r9
	pushq	%r10
	pushq	%r11
	pushq	%r12
	pushq	%r13
	pushq	%r14
	pushq	%r15
	/* 5 CPU words + error + vector + 15 registers keep RSP 16-byte aligned. */
	movq	%rsp, %rdi
	cld
	call	exc_dispatch
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%r11
	popq	%r10
	popq	%r9
	popq	%r8
	popq	%rbp
	popq	%rdi
	popq	%rsi
	popq	%rdx
	popq	%rcx
	popq	%rbx
	popq	%rax
	addq	$16, %rsp
	iretq

	.section .rodata
	.balign 8
	.global isr_table
isr_table:
.irp v, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	.quad	isr_\v
.endr

	.section .note.GNU-stack, "", @progbits
