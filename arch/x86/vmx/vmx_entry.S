/* SPDX-License-Identifier: MIT */
/* VM entry and exit for VT-x: guest GPRs in, VMLAUNCH/VMRESUME, guest GPRs out at the host RIP. */

#include "arch/x86/guest_gprs.h"

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
	LOAD_GUEST_GPRS %rdi
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
	SAVE_GUEST_GPRS %rdi
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
