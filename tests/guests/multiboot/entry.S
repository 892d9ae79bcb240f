/* SPDX-License-Identifier: MIT */
/* Multiboot test kernel entry: the header (ELF or a.out kludge), a stack, and the call to mb_main. */
#define MB_MAGIC 0x1badb002
#define MB_TEST_EXIT 0xf4 /* tests/configs/multiboot.dts */
#ifdef MB_AOUT
#define MB_FLAGS 0x00010003 /* page-aligned modules, memory info, address fields */
#else
#define MB_FLAGS 0x00000003 /* page-aligned modules, memory info */
#endif

	.section .multiboot, "a"
	.align 4
mb_header:
	.long MB_MAGIC
	.long MB_FLAGS
	.long -(MB_MAGIC + MB_FLAGS)
#ifdef MB_AOUT
#ifdef MB_BAD_LOAD
	/* A hostile header: it claims to load at 0x8000, over Basalt's information structure. */
	.long 0x8000                /* header_addr: the header is the file's first bytes */
	.long 0x8000                /* load_addr */
	.long 0
	.long 0
	.long _start - 0x100000 + 0x8000
#else
	.long mb_header    /* header_addr */
	.long __load_start /* load_addr */
	.long _edata       /* load_end_addr */
	.long _end         /* bss_end_addr */
	.long _start       /* entry_addr */
#endif
#endif

	.text
	.code32
	.globl _start
_start:
	/* The spec leaves ESP undefined: take our own stack before anything is pushed. */
	mov $stack_top, %esp
	push %ebx
	push %eax
	call mb_main
1:	cli
	hlt
	jmp 1b

/*
 * void mb_long_mode(uint32_t status): what real multiboot kernels do next, so the paging and
 * long-mode switch from Basalt's entry state is tested too. Identity-maps 1 GiB in 2 MiB pages,
 * sets PAE, EFER.LME and CR0.PG, jumps to 64-bit code, which says so on COM1 and writes status to
 * the test-exit port. A failed switch faults and the VM crashes: the test cannot pass by accident.
 */
	.globl mb_long_mode
mb_long_mode:
	mov 4(%esp), %esi
	xor %ecx, %ecx
1:	mov %ecx, %eax
	shl $21, %eax
	or $0x83, %eax               /* present, writable, 2 MiB */
	mov %eax, pd(, %ecx, 8)
	inc %ecx
	cmp $512, %ecx
	jne 1b
	mov $pd, %eax
	or $3, %eax
	mov %eax, pdpt
	mov $pdpt, %eax
	or $3, %eax
	mov %eax, pml4
	mov $pml4, %eax
	mov %eax, %cr3
	mov %cr4, %eax
	or $0x20, %eax               /* PAE */
	mov %eax, %cr4
	mov $0xc0000080, %ecx        /* EFER */
	rdmsr
	or $0x100, %eax              /* LME */
	wrmsr
	lgdt gdt64_desc
	mov %cr0, %eax
	or $0x80000000, %eax         /* PG: EFER.LMA follows */
	mov %eax, %cr0
	ljmp $0x08, $long64

	.code64
long64:
	mov $0x10, %eax
	mov %eax, %ds
	mov %eax, %ss
	lea long_msg(%rip), %rdi
	mov $0x3f8, %edx
2:	movb (%rdi), %al
	test %al, %al
	jz 3f
	outb %al, %dx
	inc %rdi
	jmp 2b
3:	mov %esi, %eax
	mov $MB_TEST_EXIT, %edx
	outl %eax, %dx
4:	cli
	hlt
	jmp 4b
	.code32

	.section .rodata
long_msg:
	.asciz "mb: ok 64-bit long mode entered from the multiboot state\n"
	.align 8
gdt64:
	.quad 0
	.quad 0x00af9b000000ffff     /* 64-bit code */
	.quad 0x00cf93000000ffff     /* data */
gdt64_desc:
	.word gdt64_desc - gdt64 - 1
	.long gdt64

	.bss
	.align 4096
pml4:	.skip 4096
pdpt:	.skip 4096
pd:	.skip 4096
	.align 16
	.skip 16384
stack_top:
