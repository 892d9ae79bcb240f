/* SPDX-License-Identifier: MIT */
/* Emulator test cases assembled by GAS, the native runner that executes them, and the shared buffer. */

/* IGN_* name the flags a case leaves architecturally undefined (not compared with the CPU). */
#define IGN_NONE 0
#define IGN_BT 1

/*
 * EC ign, instruction: 64-bit code the test runs both natively (native_exec calls it; a ret
 * follows) and in the emulator, then compares. Record: .quad address, .byte length, ignore id.
 */
.macro EC ign:req, insn:vararg
	.pushsection .text.emul_cases, "ax"
c\@:
	\insn
e\@:
	ret
	.popsection
	.pushsection .data.emul_cases, "aw"
	.quad c\@
	.byte e\@ - c\@, \ign, 0, 0, 0, 0, 0, 0
	.popsection
.endm

/* XC name, bits, instruction: a named emulator-only case (16/32-bit code, or 64-bit forms whose
 * addresses cannot be host addresses); the C test sets the state and checks the outcome itself. */
.macro XC name:req, bits:req, insn:vararg
	.pushsection .text.emul_x, "ax"
	.globl \name
	.hidden \name
	.code\bits
\name:
	\insn
	.code64
	.popsection
.endm

	.code64
	.pushsection .data.emul_cases, "aw"
	.balign 16
	.globl emul_cases
	.hidden emul_cases
emul_cases:
	.popsection

	.pushsection .bss.emul_buf, "aw", @nobits
	.balign 4096
	.globl emul_buf
	.hidden emul_buf
emul_buf:
	.skip 4096
	.popsection

/* MOV, every width and direction, immediates, REX byte registers, SIB, RIP-relative. */
	EC IGN_NONE, movb %al, (%rbx)
	EC IGN_NONE, movb %ah, 1(%rbx)
	EC IGN_NONE, movb %sil, 2(%rbx)
	EC IGN_NONE, movb %r8b, -3(%rbx)
	EC IGN_NONE, movw %ax, 2(%rbx)
	EC IGN_NONE, movl %eax, -4(%rbx)
	EC IGN_NONE, movq %rax, 0x10(%rbx,%rcx,8)
	EC IGN_NONE, movq %r15, 0x100(%r12)
	EC IGN_NONE, movb (%rbx), %al
	EC IGN_NONE, movb 5(%rbx), %dh
	EC IGN_NONE, movb 6(%rbx), %dil
	EC IGN_NONE, movw (%rbx), %r10w
	EC IGN_NONE, movl (%rbx), %r15d
	EC IGN_NONE, movq -8(%rbp), %rdx
	EC IGN_NONE, movl 0x10(%r12,%r9,4), %edx
	EC IGN_NONE, movl (%r13), %eax
	EC IGN_NONE, movq (%r13,%r9,2), %r8
	EC IGN_NONE, movb $0x5a, (%rbx)
	EC IGN_NONE, movw $0x1234, 2(%rbx)
	EC IGN_NONE, movl $0x89abcdef, 4(%rbx)
	EC IGN_NONE, movq $-5, 8(%rbx)
	EC IGN_NONE, movq $0x7fffffff, 0x18(%rbx,%r9,8)
	EC IGN_NONE, movl emul_buf+0x100(%rip), %eax
	EC IGN_NONE, movb $1, emul_buf+0x110(%rip)
	EC IGN_NONE, movq %rdx, emul_buf+0x118(%rip)
/* MOVZX, MOVSX, MOVSXD. */
	EC IGN_NONE, movzbl (%rbx), %eax
	EC IGN_NONE, movzbw 1(%rbx), %dx
	EC IGN_NONE, movzwl 2(%rbx), %r8d
	EC IGN_NONE, movzwq 2(%rbx), %r10
	EC IGN_NONE, movsbl (%rbx), %eax
	EC IGN_NONE, movsbw 3(%rbx), %ax
	EC IGN_NONE, movsbq 7(%rbx), %rdx
	EC IGN_NONE, movswl 4(%rbx), %eax
	EC IGN_NONE, movswq 6(%rbx), %r15
	EC IGN_NONE, movslq 8(%rbx), %rax
	EC IGN_NONE, movzbl (%rbx), %esi
	EC IGN_NONE, movsxd 8(%rbx), %edx
	EC IGN_NONE, .byte 0x66, 0x63, 0x53, 0x08
/* ALU: every operation in the r/m,reg and reg,r/m forms, and group 1 with each immediate form. */
	.irp op, add, or, adc, sbb, and, sub, xor, cmp
	EC IGN_NONE, \op\()b %al, (%rbx)
	EC IGN_NONE, \op\()b %ah, 1(%rbx)
	EC IGN_NONE, \op\()w %dx, 2(%rbx)
	EC IGN_NONE, \op\()l %eax, 4(%rbx)
	EC IGN_NONE, \op\()q %rdx, 8(%rbx)
	EC IGN_NONE, \op\()q %r8, 0x10(%rbx,%r9,8)
	EC IGN_NONE, \op\()b (%rbx), %dl
	EC IGN_NONE, \op\()w 2(%rbx), %ax
	EC IGN_NONE, \op\()l 4(%rbx), %edx
	EC IGN_NONE, \op\()q 8(%rbx), %r8
	EC IGN_NONE, \op\()b $0x7f, (%rbx)
	EC IGN_NONE, \op\()b $0x80, 1(%rbx)
	EC IGN_NONE, \op\()w $0x1234, 2(%rbx)
	EC IGN_NONE, \op\()w $-2, 2(%rbx)
	EC IGN_NONE, \op\()l $0x80000001, 4(%rbx)
	EC IGN_NONE, \op\()l $5, 4(%rbx)
	EC IGN_NONE, \op\()q $-3, 8(%rbx)
	EC IGN_NONE, \op\()q $0x7fffffff, 8(%rbx)
	EC IGN_NONE, \op\()q $-0x80000000, 8(%rbx)
	EC IGN_NONE, \op\()l $7, emul_buf+0x120(%rip)
	.endr
	EC IGN_NONE, lock addl %eax, (%rbx)
	EC IGN_NONE, lock orb $0x10, 3(%rbx)
	EC IGN_NONE, lock subq %rdx, 8(%rbx)
/* TEST, XCHG. */
	EC IGN_NONE, testb %al, (%rbx)
	EC IGN_NONE, testw %dx, 2(%rbx)
	EC IGN_NONE, testl %eax, 4(%rbx)
	EC IGN_NONE, testq %rdx, 8(%rbx)
	EC IGN_NONE, testb $0x81, (%rbx)
	EC IGN_NONE, testw $0x8000, 2(%rbx)
	EC IGN_NONE, testl $0x80000000, 4(%rbx)
	EC IGN_NONE, testq $-1, 8(%rbx)
	EC IGN_NONE, xchgb %al, (%rbx)
	EC IGN_NONE, xchgb %dh, 1(%rbx)
	EC IGN_NONE, xchgw %r10w, 2(%rbx)
	EC IGN_NONE, xchgl %eax, 4(%rbx)
	EC IGN_NONE, xchgq %rdx, 8(%rbx)
/* BT family: register offsets beyond the operand (positive and negative) and immediates. */
	.irp op, bt, bts, btr, btc
	EC IGN_BT, \op\()q %r11, (%rbx)
	EC IGN_BT, \op\()l %r11d, 4(%rbx)
	EC IGN_BT, \op\()w %r9w, 2(%rbx)
	EC IGN_BT, \op\()l %r14d, (%rbx)
	EC IGN_BT, \op\()q %r14, 0x10(%rbx)
	EC IGN_BT, \op\()w %r14w, 0x10(%rbx)
	EC IGN_BT, \op\()l $35, 4(%rbx)
	EC IGN_BT, \op\()q $63, 8(%rbx)
	EC IGN_BT, \op\()w $9, 2(%rbx)
	.endr
	EC IGN_BT, lock btsl $3, (%rbx)
	EC IGN_BT, btl $3, emul_buf+0x11c(%rip)
/* String forms: single, REP, every element size (DF comes from the random RFLAGS). */
	.irp sfx, b, w, l, q
	EC IGN_NONE, movs\sfx
	EC IGN_NONE, rep movs\sfx
	EC IGN_NONE, stos\sfx
	EC IGN_NONE, rep stos\sfx
	EC IGN_NONE, lods\sfx
	.endr

	.pushsection .data.emul_cases, "aw"
	.globl emul_cases_end
	.hidden emul_cases_end
emul_cases_end:
	.popsection

/* Emulator-only cases (see test_insn_emul.c for the state each one runs with). */
	XC x32_sib, 32, movl 0x10(%ebx,%ecx,4), %eax
	XC x32_ss, 32, movl -4(%ebp), %eax
	XC x32_fs, 32, movl %eax, %fs:8(%ebx)
	XC x32_wrap, 32, movl 0x20(%ebx), %eax
	XC x32_moffs, 32, movl 0x40, %eax
	XC x32_addr16, 32, addr16 movl (%bx,%si), %eax
	XC x32_repmovs, 32, rep movsl
	XC x32_repstos, 32, rep stosw
	XC x32_add, 32, addl %eax, (%ebx)
	XC x16_bpsi, 16, movw (%bp,%si), %ax
	XC x16_disp16, 16, movw 0x1234, %cx
	XC x16_wrap, 16, movb %al, 0x10(%bx,%di)
	XC x16_addr32, 16, addr32 movl (%ebx,%ecx,2), %eax
	XC x16_repmovs, 16, rep movsb
	XC x16_sub, 16, subw $1, (%bx)
	XC x16_btreg, 16, btsw %ax, (%bx)
	XC x64_addr32, 64, addr32 movl (%ebx), %eax
	XC x64_fs, 64, movq %fs:0x10(%rax), %rdx
	XC x64_repstos32, 64, addr32 rep stosb
	XC x64_add, 64, addl %eax, (%rbx)
	XC x64_not, 64, notl (%rbx)
	XC x64_inc, 64, incl (%rbx)
	XC x64_regform, 64, movl %eax, %ebx
	XC x64_lockmov, 64, .byte 0xf0, 0x89, 0x03
	XC x64_c6bad, 64, .byte 0xc6, 0x0b, 0x00

/* native_exec(struct nregs *r, const void *code): loads every GPR but RSP and RFLAGS from *r,
 * calls code (which ends in ret), stores them back. */
	.text
	.globl native_exec
	.hidden native_exec
native_exec:
	push %rbx
	push %rbp
	push %r12
	push %r13
	push %r14
	push %r15
	push %rdi
	mov %rsi, native_target(%rip)
	mov 0(%rdi), %rax
	mov 8(%rdi), %rcx
	mov 16(%rdi), %rdx
	mov 24(%rdi), %rbx
	mov 40(%rdi), %rbp
	mov 48(%rdi), %rsi
	mov 64(%rdi), %r8
	mov 72(%rdi), %r9
	mov 80(%rdi), %r10
	mov 88(%rdi), %r11
	mov 96(%rdi), %r12
	mov 104(%rdi), %r13
	mov 112(%rdi), %r14
	mov 120(%rdi), %r15
	pushq 128(%rdi)
	mov 56(%rdi), %rdi
	popfq
	call *native_target(%rip)
	pushfq
	push %rdi
	mov 16(%rsp), %rdi
	mov %rax, 0(%rdi)
	mov %rcx, 8(%rdi)
	mov %rdx, 16(%rdi)
	mov %rbx, 24(%rdi)
	mov %rbp, 40(%rdi)
	mov %rsi, 48(%rdi)
	mov %r8, 64(%rdi)
	mov %r9, 72(%rdi)
	mov %r10, 80(%rdi)
	mov %r11, 88(%rdi)
	mov %r12, 96(%rdi)
	mov %r13, 104(%rdi)
	mov %r14, 112(%rdi)
	mov %r15, 120(%rdi)
	pop %rax
	mov %rax, 56(%rdi)
	pop %rax
	mov %rax, 128(%rdi)
	cld
	pop %rdi
	pop %r15
	pop %r14
	pop %r13
	pop %r12
	pop %rbp
	pop %rbx
	ret

	.data
native_target:
	.quad 0
	.section .note.GNU-stack, "", @progbits
