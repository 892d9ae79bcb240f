/* SPDX-License-Identifier: MIT */
/* Decoder test cases assembled by GAS: each case's bytes and length come from the assembler. */
#include "tests/unit/insn_cases.h"

/*
 * CASEP bits, kind, reg, rm, "prefix bytes", instruction: emits the bytes in .code<bits> and a
 * 16-byte record. GAS splits a line at ';' before macros see it, so prefixes are an argument.
 */
.macro CASEP bits:req, kind:req, reg:req, rm:req, pfx, insn:vararg
	.pushsection .text.insn_cases, "ax"
	.code\bits
c\@:
	.ifnb \pfx
	.byte \pfx
	.endif
	\insn
e\@:
	.code64
	.popsection
	.pushsection .data.insn_cases, "aw"
	.quad c\@
	.byte e\@ - c\@, \bits, \kind, \reg, \rm, 0, 0, 0
	.popsection
.endm

.macro CASE bits, kind, reg, rm, insn:vararg
	CASEP \bits, \kind, \reg, \rm, "", \insn
.endm

.macro K bits, kind, insn:vararg
	CASEP \bits, \kind, K_ANY, K_ANY, "", \insn
.endm

.macro KP bits, kind, pfx, insn:vararg
	CASEP \bits, \kind, K_ANY, K_ANY, "\pfx", \insn
.endm

	.pushsection .data.insn_cases, "aw"
	.globl insn_cases
	.balign 16
insn_cases:
	.popsection

/* ---- intercepted instructions, bare and with redundant prefixes, all modes ---- */
.irp b, 16, 32, 64
	K \b, K_CPUID, cpuid
	KP \b, K_CPUID, "0x66", cpuid
	KP \b, K_CPUID, "0x2e, 0x3e, 0x26, 0x64, 0x65, 0x36", cpuid
	K \b, K_RDMSR, rdmsr
	KP \b, K_RDMSR, "0xf2", rdmsr
	KP \b, K_WRMSR, "0xf3, 0x66", wrmsr
	K \b, K_HLT, hlt
	KP \b, K_HLT, "0xf3", hlt
	KP \b, K_HLT, "0x66, 0x67, 0xf2, 0x2e", hlt
	K \b, K_INVD, invd
	KP \b, K_WBINVD, "0x3e", wbinvd
	K \b, K_VMMCALL, vmmcall
	KP \b, K_VMMCALL, "0x2e", vmmcall
	KP \b, K_VMMCALL, "0x66, 0x26", vmmcall
	K \b, K_VMCALL, vmcall
	KP \b, K_VMCALL, "0x64", vmcall
	K \b, K_XSETBV, xsetbv
	KP \b, K_XSETBV, "0x66", xsetbv
	K \b, K_VMRUN, .byte 0x0f, 0x01, 0xd8
	K \b, K_VMLOAD, .byte 0x0f, 0x01, 0xda
	K \b, K_VMSAVE, .byte 0x65, 0x0f, 0x01, 0xdb
	K \b, K_STGI, stgi
	K \b, K_CLGI, clgi
	K \b, K_SKINIT, .byte 0x0f, 0x01, 0xde
	K \b, K_INVLPGA, .byte 0x0f, 0x01, 0xdf
	K \b, K_RDTSC, rdtsc
	KP \b, K_RDTSC, "0x66, 0xf3", rdtsc
	K \b, K_RDTSCP, rdtscp
	K \b, K_RDPMC, rdpmc
	K \b, K_MONITOR, .byte 0x0f, 0x01, 0xc8
	K \b, K_MWAIT, .byte 0x0f, 0x01, 0xc9
	K \b, K_IN, in $0x60, %al
	K \b, K_IN, in %dx, %eax
	KP \b, K_IN, "0x66", in %dx, %al
	K \b, K_OUT, out %al, $0x80
	K \b, K_OUT, out %ax, %dx
	K \b, K_INS, insb
	K \b, K_INS, rep insw
	K \b, K_OUTS, rep outsb
	KP \b, K_OUTS, "0x2e", outsl
.endr

/* MOV CR/DR: reg = CR/DR number, rm = GPR (REX extends both). */
	CASE 64, K_MOV_FROM_CR, 0, 0, mov %cr0, %rax
	CASE 64, K_MOV_TO_CR, 3, 1, mov %rcx, %cr3
	CASE 64, K_MOV_TO_CR, 4, 9, mov %r9, %cr4
	CASE 64, K_MOV_FROM_CR, 8, 15, mov %cr8, %r15
	CASEP 64, K_MOV_FROM_CR, 2, 7, "0x66", mov %cr2, %rdi
	CASE 64, K_MOV_TO_DR, 7, 2, mov %rdx, %db7
	CASE 64, K_MOV_FROM_DR, 6, 12, mov %db6, %r12
	CASE 32, K_MOV_FROM_CR, 0, 3, mov %cr0, %ebx
	CASEP 32, K_MOV_TO_CR, 4, 6, "0x3e", mov %esi, %cr4
	CASE 32, K_MOV_FROM_CR, 8, 0, .byte 0xf0, 0x0f, 0x20, 0xc0 /* AMD LOCK MOV CR0 = CR8 */
	CASE 32, K_MOV_TO_DR, 3, 0, mov %eax, %db3
	CASE 16, K_MOV_FROM_CR, 3, 5, mov %cr3, %ebp
	CASE 16, K_MOV_TO_DR, 0, 1, mov %ecx, %db0
	CASE 64, K_OTHER, K_ANY, K_ANY, .byte 0x44, 0x0f, 0x21, 0xc0 /* DR8: #UD */
	CASE 64, K_MOV_FROM_CR, 0, 1, .byte 0x0f, 0x20, 0x01 /* mod bits ignored: register form */

/* ---- general instructions, 64-bit ---- */
	K 64, K_OTHER, mov %al, (%rbx)
	K 64, K_OTHER, mov %ax, 0x10(%rbx)
	K 64, K_OTHER, mov %eax, 0x12345678(%rbx,%rcx,4)
	K 64, K_OTHER, mov %rax, (%r12)
	K 64, K_OTHER, mov %r8, (%r13)
	K 64, K_OTHER, movb $0x12, (%rax)
	K 64, K_OTHER, movw $0x1234, (%rax)
	K 64, K_OTHER, movl $0x12345678, 8(%rax)
	K 64, K_OTHER, movq $-1, -8(%rsp)
	K 64, K_OTHER, movabs $0x1122334455667788, %rax
	K 64, K_OTHER, movabs $0x1122334455667788, %r11
	K 64, K_OTHER, mov $0x12345678, %ecx
	KP 64, K_OTHER, "0x66", mov $0x1234, %cx
	K 64, K_OTHER, movabs 0x1122334455667788, %al
	K 64, K_OTHER, movabs %eax, 0x1122334455667788
	K 64, K_OTHER, movabs %rax, 0x1122334455667788
	K 64, K_OTHER, addr32 mov 0x12345678, %eax
	K 64, K_OTHER, movzbl (%rsi), %eax
	K 64, K_OTHER, movzwq 4(%rsi), %r10
	K 64, K_OTHER, movsbw %al, %ax
	K 64, K_OTHER, movslq (%rdi), %rax
	K 64, K_OTHER, rep movsb
	K 64, K_OTHER, rep movsq
	K 64, K_OTHER, rep stosl
	K 64, K_OTHER, repne scasb
	K 64, K_OTHER, lock addl $1, (%rax)
	K 64, K_OTHER, addq $0x12345678, 0x40(%rbp)
	K 64, K_OTHER, addw $0x1234, (%rax)
	K 64, K_OTHER, subb $1, (%rax)
	K 64, K_OTHER, andl $-2, (%rax)
	K 64, K_OTHER, orq $0x7f, (%rax)
	K 64, K_OTHER, xor %rax, %rax
	K 64, K_OTHER, cmp $0x12345678, %eax
	K 64, K_OTHER, cmp $0x12, %al
	K 64, K_OTHER, testb $0x80, (%rdx)
	K 64, K_OTHER, testl $0x80000000, (%rdx)
	K 64, K_OTHER, testw $0x8000, (%rdx)
	K 64, K_OTHER, test %eax, (%rdx)
	K 64, K_OTHER, notl (%rax)
	K 64, K_OTHER, negq 8(%rax)
	K 64, K_OTHER, xchg %rax, (%rbx)
	K 64, K_OTHER, xchg %eax, %r9d
	K 64, K_OTHER, btl $5, (%rax)
	K 64, K_OTHER, bts %rax, (%rbx)
	K 64, K_OTHER, lea (%rax,%rbx,8), %rcx
	K 64, K_OTHER, lea 0x10(%rsp), %rdx
	K 64, K_OTHER, lea 0x12345678(%rip), %rax
	K 64, K_OTHER, lea 0x1000(,%rax,2), %rax
	K 64, K_OTHER, lea (%rbp), %rax
	K 64, K_OTHER, lea (%r13), %rax
	K 64, K_OTHER, lea 0x7f(%r12,%r13,1), %rax
	K 64, K_OTHER, enter $0x1000, $1
	K 64, K_OTHER, ret $8
	K 64, K_OTHER, push $0x12345678
	K 64, K_OTHER, push $0x12
	K 64, K_OTHER, imul $0x1234, %eax, %ecx
	K 64, K_OTHER, shl $3, %rax
	K 64, K_OTHER, shrd $4, %eax, (%rbx)
	K 64, K_OTHER, call *0x10(%rax)
	K 64, K_OTHER, jmp *%rax
	K 64, K_OTHER, .byte 0xe8, 0, 0, 0, 0
	K 64, K_OTHER, .byte 0x0f, 0x84, 0, 0, 0, 0
	K 64, K_OTHER, cmpxchg16b (%rdi)
	K 64, K_OTHER, movdqa 0x10(%rax), %xmm1
	K 64, K_OTHER, pshufd $0x1b, %xmm0, %xmm1
	K 64, K_OTHER, pshufb %xmm1, %xmm2
	K 64, K_OTHER, palignr $3, %xmm1, %xmm2
	K 64, K_OTHER, pextrd $1, %xmm0, (%rax)
	K 64, K_OTHER, crc32q (%rax), %rax
	K 64, K_OTHER, fldt 0x10(%rbp)
	K 64, K_OTHER, fxsave (%rax)
	K 64, K_OTHER, lfence
	K 64, K_OTHER, nopw 0x0(%rax,%rax,1)
	K 64, K_OTHER, .byte 0x40, 0x66, 0x90 /* REX then 66: REX ignored */
	K 64, K_OTHER, .byte 0x48, 0x4c, 0x89, 0xc0 /* two REX: the last counts */

/* ---- 32-bit ---- */
	K 32, K_OTHER, inc %eax
	K 32, K_OTHER, dec %ecx
	K 32, K_OTHER, mov 0x12345678, %eax
	K 32, K_OTHER, addr16 mov 0x1234, %eax
	K 32, K_OTHER, mov %eax, (%esp)
	K 32, K_OTHER, mov 0x12(%ebp,%esi,2), %ax
	K 32, K_OTHER, mov (,%eax,4), %ebx
	K 32, K_OTHER, .byte 0x8b, 0x04, 0x25, 0x78, 0x56, 0x34, 0x12 /* SIB base 5, mod 0: disp32 */
	K 32, K_OTHER, ljmp $0x10, $0x12345678
	K 32, K_OTHER, lcall $0x10, $0x1234
	K 32, K_OTHER, data16 ljmp $0x10, $0x1234
	K 32, K_OTHER, call .+0x10
	K 32, K_OTHER, data16 push $0x1234
	K 32, K_OTHER, les (%eax), %ecx
	K 32, K_OTHER, bound %eax, (%ebx)
	K 32, K_OTHER, enter $8, $0
	K 32, K_OTHER, testl $1, (%eax)
	K 32, K_OTHER, aam $10
	K 32, K_OTHER, pusha
	K 32, K_OTHER, rep stosb
	K 32, K_OTHER, addr16 lea (%bx,%si), %eax

/* ---- 16-bit addressing ---- */
	K 16, K_OTHER, mov (%bx,%si), %ax
	K 16, K_OTHER, mov 0x12(%bp,%di), %al
	K 16, K_OTHER, mov 0x1234(%si), %cx
	K 16, K_OTHER, mov 0x1234, %ax
	K 16, K_OTHER, mov (%bp), %ax
	K 16, K_OTHER, mov %eax, 0x10(%ebx)
	K 16, K_OTHER, movw $0x1234, (%bx)
	K 16, K_OTHER, movl $0x12345678, (%bx)
	K 16, K_OTHER, mov $0x1234, %ax
	K 16, K_OTHER, mov $0x12345678, %eax
	K 16, K_OTHER, ljmp $0xf000, $0xfff0
	K 16, K_OTHER, .byte 0x66, 0xea, 0x78, 0x56, 0x34, 0x12, 8, 0
	K 16, K_OTHER, call .+0x10
	K 16, K_OTHER, testw $0x1234, (%di)
	K 16, K_OTHER, enter $4, $2
	K 16, K_OTHER, lret $2
	K 16, K_OTHER, int $0x10
	K 16, K_OTHER, rep movsw
	K 16, K_OTHER, addr32 mov 0x12345678, %al

	.pushsection .data.insn_cases, "aw"
	.globl insn_cases_end
insn_cases_end:
	.popsection
	.section .note.GNU-stack, "", @progbits
