/* SPDX-License-Identifier: MIT */
/* VM entry and exit for VT-x: guest GPRs in, VMLAUNCH/VMRESUME, guest GPRs out at the host RIP. */

/* Offsets into struct guest_gprs (x86 register numbering, 8 bytes each; checked in kernel/vm.h). */
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
#define VMCS_HOST_RSP 0x6c14

	.text
	.globl vmx_enter_guest
	.type vmx_enter_guest, @function
/* int vmx_enter_guest(struct guest_gprs *gprs (rdi), int launched (esi)) */
vmx_enter_guest:
	push %rbp
	push %rbx
	push %r12
	push %r13
	push %r14
	push %r15
	push %rdi               /* gprs: found at 0(%rsp) by the exit path */

	mov $VMCS_HOST_RSP, %eax
	vmwrite %rsp, %rax      /* the exit lands on exactly this stack */
	test %esi, %esi         /* flags survive the loads below (mov does not touch them) */

	mov G_RAX(%rdi), %rax
	mov G_RCX(%rdi), %rcx
	mov G_RDX(%rdi), %rdx
	mov G_RBX(%rdi), %rbx
	mov G_RBP(%rdi), %rbp
	mov G_RSI(%rdi), %rsi
	mov G_R8(%rdi), %r8
	mov G_R9(%rdi), %r9
	mov G_R10(%rdi), %r10
	mov G_R11(%rdi), %r11
	mov G_R12(%rdi), %r12
	mov G_R13(%rdi), %r13
	mov G_R14(%rdi), %r14
	mov G_R15(%rdi), %r15
	mov G_RDI(%rdi), %rdi
	jnz 1f
	vmlaunch
	jmp 2f
1:	vmresume
2:	/* Only reached when the entry instruction failed (CF or ZF set). */
	add $8, %rsp
	mov $1, %eax
	jmp 3f

	.globl vmx_exit_point
vmx_exit_point:
	push %rdi               /* guest RDI; gprs pointer now at 8(%rsp) */
	mov 8(%rsp), %rdi
	mov %rax, G_RAX(%rdi)
	mov %rcx, G_RCX(%rdi)
	mov %rdx, G_RDX(%rdi)
	mov %rbx, G_RBX(%rdi)
	mov %rbp, G_RBP(%rdi)
	mov %rsi, G_RSI(%rdi)
	mov %r8, G_R8(%rdi)
	mov %r9, G_R9(%rdi)
	mov %r10, G_R10(%rdi)
	mov %r11, G_R11(%rdi)
	mov %r12, G_R12(%rdi)
	mov %r13, G_R13(%rdi)
	mov %r14, G_R14(%rdi)
	mov %r15, G_R15(%rdi)
	popq G_RDI(%rdi)
	add $8, %rsp            /* drop the gprs pointer */
	xor %eax, %eax
3:	pop %r15
	pop %r14
	pop %r13
	pop %r12
	pop %rbx
	pop %rbp
	ret
	.size vmx_enter_guest, . - vmx_enter_guest

	.section .note.GNU-stack, "", @progbits
