/* SPDX-License-Identifier: MIT */
/* Layout of the AP start-up trampoline below 1 MiB, shared by smp_trampoline.S and smp.c. */
#ifndef BASALT_X86_SMP_TRAMPOLINE_H
#define BASALT_X86_SMP_TRAMPOLINE_H

/* Page 0: code and the data block; pages 1-3: a PML4, PDPT and PD identity-mapping the first
 * 2 MiB, so 32-bit code can enable long mode with a CR3 below 4 GiB. In 64-bit mode the AP
 * switches to the hypervisor's own page tables, which map the trampoline 1:1 too. */
#define TRAMP_PAGES 4
#define TRAMP_DATA 0xe00        /* offset of struct tramp_data in page 0 */

#define TD_GDTR 0x00            /* u16 limit, u32 linear base (LGDT's 32-bit operand) */
#define TD_PM_JUMP 0x08         /* u32 offset, u16 selector: far pointer into 32-bit code */
#define TD_LM_JUMP 0x10         /* the same into 64-bit code */
#define TD_CR3_TMP 0x18         /* u32: the trampoline's own PML4 */
#define TD_EFER 0x20            /* u64: EFER to set before paging (LME, NXE, SCE) */
#define TD_CR3 0x28             /* u64: the hypervisor's page tables */
#define TD_CR4 0x30
#define TD_CR0 0x38
#define TD_STACK 0x40           /* u64: top of the AP's stack */
#define TD_ENTRY 0x48           /* u64: void entry(void *arg), never returns */
#define TD_ARG 0x50
#define TD_GDT 0x60             /* 4 descriptors: null, code32, data, code64 */
#define TD_SIZE 0x80

#define TRAMP_SEL_CODE32 0x08
#define TRAMP_SEL_DATA 0x10
#define TRAMP_SEL_CODE64 0x18

#ifndef __ASSEMBLER__
#include <stdint.h>

struct tramp_data {
	uint16_t gdtr_limit;
	uint32_t gdtr_base;
	uint16_t pad0;
	uint32_t pm_offset;
	uint16_t pm_selector;
	uint16_t pad1;
	uint32_t lm_offset;
	uint16_t lm_selector;
	uint16_t pad2;
	uint32_t cr3_tmp;
	uint32_t pad3;
	uint64_t efer, cr3, cr4, cr0, stack, entry, arg;
	uint64_t pad4;
	uint64_t gdt[4];
} __attribute__((packed));
_Static_assert(__builtin_offsetof(struct tramp_data, gdtr_base) == TD_GDTR + 2, "gdtr");
_Static_assert(__builtin_offsetof(struct tramp_data, pm_offset) == TD_PM_JUMP, "pm jump");
_Static_assert(__builtin_offsetof(struct tramp_data, lm_offset) == TD_LM_JUMP, "lm jump");
_Static_assert(__builtin_offsetof(struct tramp_data, cr3_tmp) == TD_CR3_TMP, "cr3 tmp");
_Static_assert(__builtin_offsetof(struct tramp_data, efer) == TD_EFER, "efer");
_Static_assert(__builtin_offsetof(struct tramp_data, cr0) == TD_CR0, "cr0");
_Static_assert(__builtin_offsetof(struct tramp_data, arg) == TD_ARG, "arg");
_Static_assert(__builtin_offsetof(struct tramp_data, gdt) == TD_GDT, "gdt");
_Static_assert(sizeof(struct tramp_data) == TD_SIZE, "size");

extern const char smp_trampoline_start[], smp_trampoline_end[];
extern const char smp_trampoline_pm32[], smp_trampoline_lm64[];
#endif

#endif
