/* SPDX-License-Identifier: MIT */
/* The AP start-up trampoline of the SMP test guests: copied below 1 MiB, entered in real mode at
 * SIPI vector SMP_TRAMP_BASE >> 12, it goes straight to long mode on the loader's tables and GDT. */
#include "smp_common.h"

	.section .text, "ax"
	.global smp_tramp_start, smp_tramp_end
	.code16
smp_tramp_start:
	cli
	cld
	movl	%edx, %esi		/* EDX after INIT: the CPU signature, checked in C */
	movl	%cr0, %edi		/* CR0 after INIT, checked in C */
	movw	%cs, %ax
	movw	%ax, %ds
	lgdtl	(tramp_gdtr - smp_tramp_start)
	movl	%cr4, %eax
	orl	$0x20, %eax		/* PAE */
	movl	%eax, %cr4
	movl	$SMP_LOADER_PML4, %eax
	movl	%eax, %cr3
	movl	$0xc0000080, %ecx	/* EFER.LME */
	rdmsr
	orl	$0x100, %eax
	wrmsr
	movl	%cr0, %eax
	andl	$0x9fffffff, %eax	/* caches on: CD and NW off */
	orl	$0x80010033, %eax	/* PG, WP, NE, ET, MP, PE */
	movl	%eax, %cr0
	ljmpl	$0x08, $(SMP_TRAMP_BASE + tramp_long - smp_tramp_start)
	.code64
tramp_long:
	movl	$0x10, %eax
	movl	%eax, %ds
	movl	%eax, %es
	movl	%eax, %ss
	movl	%eax, %fs
	movl	%eax, %gs
	movabsq	$smp_ap_entry64, %rax
	jmp	*%rax
	.balign 8
tramp_gdtr:
	.word	SMP_LOADER_GDT_LIMIT
	.long	SMP_LOADER_GDT
smp_tramp_end:

/* Back in the image at 1 MiB: a stack per APIC ID (CPUID 1 EBX[31:24]), then C. */
smp_ap_entry64:
	movl	$1, %eax
	cpuid
	shrl	$24, %ebx
	andl	$(SMP_MAX_CPUS - 1), %ebx
	incl	%ebx
	shlq	$SMP_STACK_SHIFT, %rbx
	leaq	smp_ap_stacks(%rip), %rsp
	addq	%rbx, %rsp
	xorl	%ebp, %ebp
	/* edi = CR0, esi = signature: smp_ap_start(signature, cr0) */
	movl	%edi, %eax
	movl	%esi, %edi
	movl	%eax, %esi
	call	smp_ap_start
1:	cli
	hlt
	jmp	1b

	.section .note.GNU-stack, "", @progbits
