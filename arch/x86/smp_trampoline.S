/* SPDX-License-Identifier: MIT */
/* AP start-up: real mode at the SIPI page -> protected mode -> long mode -> the C entry. Copied to
 * a page below 1 MiB (smp.c) and run there; everything it needs is in its data block. */
#include "arch/x86/smp_trampoline.h"

#define CR0_PE 0x1
#define CR0_PG 0x80000000
#define CR4_PAE 0x20
#define MSR_EFER 0xc0000080

	.section .rodata.smp_trampoline, "a"
	.balign 16
	.globl smp_trampoline_start, smp_trampoline_end, smp_trampoline_pm32, smp_trampoline_lm64

	.code16
smp_trampoline_start:
	cli
	cld
	mov %cs, %ax            /* CS base = the trampoline page (SIPI vector << 12) */
	mov %ax, %ds
	xor %ebx, %ebx
	mov %ax, %bx
	shl $4, %ebx            /* ebx = the page's linear address, kept to the end */
	lgdtl TRAMP_DATA + TD_GDTR
	mov %cr0, %eax
	or $CR0_PE, %eax
	mov %eax, %cr0
	ljmpl *(TRAMP_DATA + TD_PM_JUMP)

	.code32
smp_trampoline_pm32:
	mov $TRAMP_SEL_DATA, %ax
	mov %ax, %ds
	mov %ax, %es
	mov %ax, %ss
	mov %cr4, %eax
	or $CR4_PAE, %eax
	mov %eax, %cr4
	mov TRAMP_DATA + TD_CR3_TMP(%ebx), %eax
	mov %eax, %cr3
	mov $MSR_EFER, %ecx
	mov TRAMP_DATA + TD_EFER(%ebx), %eax
	mov TRAMP_DATA + TD_EFER + 4(%ebx), %edx
	wrmsr
	mov %cr0, %eax
	or $(CR0_PG | CR0_PE), %eax
	mov %eax, %cr0
	ljmp *(TRAMP_DATA + TD_LM_JUMP)(%ebx)

	.code64
smp_trampoline_lm64:
	mov %ebx, %ebx          /* upper halves are undefined after the mode switch */
	mov TRAMP_DATA + TD_CR4(%rbx), %rax
	mov %rax, %cr4
	mov TRAMP_DATA + TD_CR3(%rbx), %rax
	mov %rax, %cr3
	mov TRAMP_DATA + TD_CR0(%rbx), %rax
	mov %rax, %cr0
	mov TRAMP_DATA + TD_STACK(%rbx), %rsp
	mov TRAMP_DATA + TD_ARG(%rbx), %rdi
	mov TRAMP_DATA + TD_ENTRY(%rbx), %rax
	xor %ebp, %ebp
	call *%rax
1:	cli
	hlt
	jmp 1b
smp_trampoline_end:
	.section .note.GNU-stack, "", @progbits
