/* SPDX-License-Identifier: MIT */
/* Guest entry at 1 MiB: zero .bss, then call guest_start(ram_size, vcpu) on the loader's stack. */
	.section .text.start, "ax"
	.global _start
	.code64
_start:
	cli
	cld
	/* Keep the loader's RDI (RAM size) and RSI (vCPU index) across the .bss clear. */
	movq	%rdi, %r12
	movq	%rsi, %r13
	leaq	__bss_start(%rip), %rdi
	leaq	__bss_end(%rip), %rcx
	subq	%rdi, %rcx
	xorl	%eax, %eax
	rep stosb
	andq	$-16, %rsp
	xorl	%ebp, %ebp
	movq	%r12, %rdi
	movq	%r13, %rsi
	call	guest_start
1:	hlt
	jmp	1b

	.section .note.GNU-stack, "", @progbits
