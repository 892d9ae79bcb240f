/* SPDX-License-Identifier: MIT */
/* Instruction snippets for the mmio guest, assembled by GAS in 64-, 32- and 16-bit code, and their callers. */
#include "tests/guests/mmio_snips.h"

/* mmio_win is defined (absolute) in mmio.c: from another object it is a relocation, so GAS emits a
 * real RIP-relative displacement instead of taking the constant as the displacement itself. */
	.set DEV, 0xfeb00000

/* S name: a global label; E: the return for 64-bit snippets; E32: 32-bit far return. */
.macro S name
	.globl \name
\name:
.endm

	.text
	.code64
/* 64-bit: RBX holds the device base (the identity-mapped test device) unless a comment says. */
S m64_mov_b
	movb %al, 1(%rbx)
	ret
S m64_mov_ah
	movb %ah, 2(%rbx)
	ret
S m64_mov_w
	movw %ax, 4(%rbx)
	ret
S m64_mov_l
	movl %eax, 8(%rbx)
	ret
S m64_mov_q
	movq %rax, 0x10(%rbx)
	ret
S m64_mov_r8
	movq %rax, %r8
	movq %r8, 0x18(%rbx,%rcx,8)  /* RCX = 1: offset 0x20 */
	ret
S m64_ld_b
	movb 1(%rbx), %cl
	ret
S m64_ld_w
	movw 4(%rbx), %dx
	ret
S m64_ld_l
	movl 8(%rbx), %esi
	ret
S m64_ld_q
	movq 0x10(%rbx), %rdi
	ret
S m64_ld_sib
	movq (%rbx,%rcx,8), %rax    /* RCX = 2: offset 0x10 */
	ret
S m64_moffs_ld
	movabs DEV+0x10, %rax
	ret
S m64_moffs_st
	movabs %eax, DEV+0x28
	ret
S m64_imm_b
	movb $0x7e, 0x21(%rbx)
	ret
S m64_imm_w
	movw $0x1234, 0x22(%rbx)
	ret
S m64_imm_l
	movl $0x89abcdef, 0x24(%rbx)
	ret
S m64_imm_q
	movq $-2, 0x38(%rbx)
	ret
S m64_movzbl
	movzbl 0x24(%rbx), %eax
	ret
S m64_movzwq
	movzwq 0x24(%rbx), %rcx
	ret
S m64_movsbl
	movsbl 0x27(%rbx), %edx
	ret
S m64_movswq
	movswq 0x26(%rbx), %rsi
	ret
S m64_movslq
	movslq 0x24(%rbx), %rdi
	ret
S m64_set100
	movl $100, 0x30(%rbx)
	ret
S m64_add
	addl %eax, 0x30(%rbx)
	ret
S m64_sub83
	subl $3, 0x30(%rbx)
	ret
S m64_and81
	andl $0xff0, 0x30(%rbx)
	ret
S m64_or80
	orb $1, 0x30(%rbx)
	ret
S m64_xorw
	xorw %ax, 0x30(%rbx)
	ret
S m64_cmp
	cmpl %eax, 0x30(%rbx)
	ret
S m64_addreg
	addl 0x24(%rbx), %ecx
	ret
S m64_testb
	testb $0x80, 0x24(%rbx)
	ret
S m64_testq
	testq %rax, 0x10(%rbx)
	ret
S m64_xchg
	xchgl %eax, 8(%rbx)
	ret
S m64_xchgb
	xchgb %cl, 1(%rbx)
	ret
S m64_bt
	btl $3, 8(%rbx)
	ret
S m64_btsreg
	btsq %rcx, 0x10(%rbx)       /* RCX = 70: the qword at 0x18, bit 6 */
	ret
S m64_btr
	btrw $1, 4(%rbx)
	ret
S m64_btc
	btcl $31, 8(%rbx)
	ret
S m64_lockor
	lock orl $0x100, 8(%rbx)
	ret
/* RIP-relative into the guest's own window: its third page is the device. */
S m64_rip_st
	movl %eax, mmio_win+0x2040(%rip)
	ret
S m64_rip_ld
	movl mmio_win+0x2040(%rip), %edx
	ret
S m64_rip_cmp
	cmpb $0x44, mmio_win+0x2040(%rip)
	ret
S m64_repmovs_in
	rep movsq                   /* RAM -> device */
	ret
S m64_repmovs_out
	rep movsb                   /* device -> RAM */
	ret
S m64_repstos
	rep stosb
	ret
S m64_movs_dd
	movsl                       /* device -> device */
	ret
S m64_lods
	lodsq
	ret
S m64_straddle
	movq %rax, mmio_win+0x1ffc(%rip) /* 4 bytes RAM, 4 bytes device offset 0 */
	ret
S m64_tf_mov
	pushfq
	orq $0x100, (%rsp)
	popfq
	movl %eax, 0x48(%rbx)       /* the #DB comes after this one */
S m64_tf_after
	nop
	ret
/* Faults on the RAM side (the guest's tables): the handler resumes at the _end labels. */
S m64_pf_rep
	std
	rep movsq                   /* RSI walks down from read-only RAM into the hole */
	cld
S m64_pf_rep_end
	cld
	ret
S m64_pf_ro
	movsq                       /* device -> read-only RAM */
S m64_pf_ro_end
	ret
S m64_pf_cross
	movl %eax, mmio_win+0x2ffe(%rip) /* 2 bytes device, 2 bytes into the hole */
S m64_pf_cross_end
	ret
S m64_unclaimed
	movq (%rbx), %rax           /* RBX: guest-physical space nothing claims */
	movq %rax, (%rbx)
	movq (%rbx), %rcx
	ret
S m64_not
	notl 8(%rbx)                /* not emulated: ends the VM */
	ret

/* 32-bit compatibility mode: flat DS/ES/SS; FS based at the device. */
	.code32
S m32_mov_b
	movb %al, (%ebx)
	lret
S m32_mov_w
	movw %ax, 2(%ebx,%ecx,2)
	lret
S m32_mov_l
	movl %eax, (%ebx,%ecx,4)
	lret
S m32_ld
	movl DEV+0x10, %edx
	lret
S m32_moffs
	movl DEV+0x10, %eax
	lret
S m32_movzbl
	movzbl 0x11(%ebx), %ecx
	lret
S m32_movswl
	movswl 0x12(%ebx), %esi
	lret
S m32_add
	addl $5, 0x10(%ebx)
	lret
S m32_cmpb
	cmpb $0xf4, 0x10(%ebx)
	lret
S m32_xchg
	xchgl %eax, 0x10(%ebx)
	lret
S m32_bt
	btl $0, 0x10(%ebx)
	lret
S m32_test
	testl $0x100, 0x10(%ebx)
	lret
S m32_fs
	movl %eax, %fs:0x18
	lret
S m32_repmovs
	rep movsl
	lret
S m32_repstos
	rep stosb
	lret
S m32_repmovs_out
	rep movsb
	lret

/* 16-bit code: DS and ES point at the device (base DEV) for the snippet, restored after. */
.macro DEVSEGS
	push %ds
	push %es
	pushw $SEL_DEV16
	pop %ds
	pushw $SEL_DEV16
	pop %es
.endm
.macro FLATSEGS
	pop %es
	pop %ds
	lretl
.endm
	.code16
S m16_mov
	DEVSEGS
	movw %ax, (%bx,%si)
	FLATSEGS
S m16_ld_ds
	DEVSEGS
	movw %ds:(%bp,%di), %cx
	FLATSEGS
S m16_disp16
	DEVSEGS
	movw 0x32, %dx
	FLATSEGS
S m16_addr32
	DEVSEGS
	addr32 movl %eax, (%ebx)
	FLATSEGS
S m16_sub
	DEVSEGS
	subw $1, 0x32(%bx)
	FLATSEGS
S m16_wrap
	DEVSEGS
	movb %al, 0x10(%bx,%di)
	FLATSEGS
S m16_repstos
	DEVSEGS
	rep stosw
	FLATSEGS
S m16_bts
	DEVSEGS
	btsw %ax, (%bx)
	FLATSEGS

	.code64
/* call64(struct sregs *r, fn): RAX..RDI (not RSP) and RFLAGS from *r, call fn, store them back. */
	.globl call64
call64:
	push %rbx
	push %rbp
	push %r12
	push %r13
	push %r14
	push %r15
	push %rdi
	push %rsi                   /* the target, called through the stack */
	leaq 2f(%rip), %r13
	jmp 1f
/* call_compat(struct sregs *r, fn, sel): the same through a far call (m16:32 on the stack). */
	.globl call_compat
call_compat:
	push %rbx
	push %rbp
	push %r12
	push %r13
	push %r14
	push %r15
	push %rdi
	shl $32, %rdx
	or %rdx, %rsi
	push %rsi
	leaq 4f(%rip), %r13         /* far */
1:	mov 0(%rdi), %rax
	mov 8(%rdi), %rcx
	mov 16(%rdi), %rdx
	mov 24(%rdi), %rbx
	mov 40(%rdi), %rbp
	mov 48(%rdi), %rsi
	pushq 64(%rdi)
	mov 56(%rdi), %rdi
	popfq
	jmp *%r13                   /* the flags are the snippet's now: a jump keeps them */
2:	call *(%rsp)
	jmp 3f
4:	lcall *(%rsp)
3:	pushfq
	push %rdi
	mov 24(%rsp), %rdi
	mov %rax, 0(%rdi)
	mov %rcx, 8(%rdi)
	mov %rdx, 16(%rdi)
	mov %rbx, 24(%rdi)
	mov %rbp, 40(%rdi)
	mov %rsi, 48(%rdi)
	pop %rax
	mov %rax, 56(%rdi)
	pop %rax
	mov %rax, 64(%rdi)
	cld
	add $8, %rsp
	pop %rdi
	pop %r15
	pop %r14
	pop %r13
	pop %r12
	pop %rbp
	pop %rbx
	ret
	.section .note.GNU-stack, "", @progbits
