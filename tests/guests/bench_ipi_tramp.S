/* SPDX-License-Identifier: MIT */
/* AP start-up for the ipi_round_trip guest: copied to BENCH_IPI_TRAMP_BASE, entered in real mode at
 * that SIPI page; real -> 32-bit protected -> long mode on its own GDT, then to bench_ipi_ap_entry. */
#include "bench_ipi.h"

#define TRAMP(sym) (BENCH_IPI_TRAMP_BASE + (sym) - bench_ipi_tramp_start)

	.section .text, "ax"
	.global bench_ipi_tramp_start, bench_ipi_tramp_end, bench_ipi_tramp_cr3
	.code16
bench_ipi_tramp_start:
	cli
	cld
	movw	%cs, %ax
	movw	%ax, %ds
	lgdtl	(tramp_gdtr - bench_ipi_tramp_start)
	movl	%cr0, %eax
	orl	$1, %eax			/* PE */
	movl	%eax, %cr0
	ljmpl	$0x18, $TRAMP(tramp_pm32)

	.code32
tramp_pm32:
	movl	$0x10, %eax
	movl	%eax, %ds
	movl	%eax, %es
	movl	%eax, %ss
	movl	%cr4, %eax
	orl	$0x20, %eax			/* PAE */
	movl	%eax, %cr4
	movl	TRAMP(bench_ipi_tramp_cr3), %eax	/* the BSP's tables, patched in before the copy */
	movl	%eax, %cr3
	movl	$0xc0000080, %ecx		/* EFER.LME */
	rdmsr
	orl	$0x100, %eax
	wrmsr
	movl	%cr0, %eax
	orl	$0x80000000, %eax		/* PG: long mode, compatibility code until the jump */
	movl	%eax, %cr0
	ljmpl	$0x08, $TRAMP(tramp_lm64)

	.code64
tramp_lm64:
	movabsq	$bench_ipi_ap_entry, %rax	/* the image is identity-mapped: absolute is fine */
	jmp	*%rax

	.balign 8
tramp_gdt:
	.quad	0
	.quad	0x00af9a000000ffff		/* 0x08: 64-bit code */
	.quad	0x00cf92000000ffff		/* 0x10: flat data */
	.quad	0x00cf9a000000ffff		/* 0x18: 32-bit code */
tramp_gdtr:
	.word	4 * 8 - 1
	.long	TRAMP(tramp_gdt)
	.balign 4
bench_ipi_tramp_cr3:
	.long	0
bench_ipi_tramp_end:

/* Long mode on the AP, in the image at its link address: a stack, the shared IDT, then C. */
	.global bench_ipi_ap_entry
bench_ipi_ap_entry:
	movl	$0x10, %eax
	movl	%eax, %ds
	movl	%eax, %es
	movl	%eax, %ss
	movq	bench_ipi_ap_stack_top(%rip), %rsp
	lidt	bench_ipi_idtr(%rip)
	xorl	%ebp, %ebp
	call	bench_ipi_ap_main
1:	cli
	hlt
	jmp	1b

	.section .note.GNU-stack, "", @progbits
