/* SPDX-License-Identifier: MIT */
/* For the entry assembly of both backends: offsets into struct guest_gprs and the moves that fill
 * and empty the CPU's registers. RAX, RSP and RDI are handled by each backend itself. */
#ifndef BASALT_X86_GUEST_GPRS_H
#define BASALT_X86_GUEST_GPRS_H

/* x86 register numbering, 8 bytes each; checked against struct guest_gprs in kernel/vm.h. */
#define G_RAX 0
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

#ifdef __ASSEMBLER__
/* Loads every guest GPR but RAX, RSP and RDI from the block at \base. */
.macro LOAD_GUEST_GPRS base
	mov G_RCX(\base), %rcx
	mov G_RDX(\base), %rdx
	mov G_RBX(\base), %rbx
	mov G_RBP(\base), %rbp
	mov G_RSI(\base), %rsi
	mov G_R8(\base), %r8
	mov G_R9(\base), %r9
	mov G_R10(\base), %r10
	mov G_R11(\base), %r11
	mov G_R12(\base), %r12
	mov G_R13(\base), %r13
	mov G_R14(\base), %r14
	mov G_R15(\base), %r15
.endm

/* Stores every guest GPR but RAX, RSP and RDI into the block at \base. */
.macro SAVE_GUEST_GPRS base
	mov %rcx, G_RCX(\base)
	mov %rdx, G_RDX(\base)
	mov %rbx, G_RBX(\base)
	mov %rbp, G_RBP(\base)
	mov %rsi, G_RSI(\base)
	mov %r8, G_R8(\base)
	mov %r9, G_R9(\base)
	mov %r10, G_R10(\base)
	mov %r11, G_R11(\base)
	mov %r12, G_R12(\base)
	mov %r13, G_R13(\base)
	mov %r14, G_R14(\base)
	mov %r15, G_R15(\base)
.endm
#endif

#endif
