/* SPDX-License-Identifier: MIT */
/* Multiboot test kernel entry: the header (ELF or a.out kludge), a stack, and the call to mb_main. */
#define MB_MAGIC 0x1badb002
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

	.bss
	.align 16
	.skip 16384
stack_top:
