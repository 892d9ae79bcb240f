/* SPDX-License-Identifier: MIT */
/* Ring 3 set-up for the test guests: descriptors, TSS, user-accessible pages (see ring3.h). */
#include "ring3.h"

#define PTE_US (1ull << 2)
#define PTE_PS (1ull << 7)
#define PTE_ADDR 0x000ffffffffff000ull
#define CR4_SMEP (1ull << 20)
#define CR4_SMAP (1ull << 21)
#define STACK_BYTES 16384

struct tss64 {
	uint32_t reserved0;  /* 0x00 */
	uint64_t rsp[3];     /* 0x04 */
	uint64_t reserved1;  /* 0x1c */
	uint64_t ist[7];     /* 0x24 */
	uint64_t reserved2;  /* 0x5c */
	uint16_t reserved3;  /* 0x64 */
	uint16_t iopb;       /* 0x66: offset of the I/O bitmap; = limit + 1 means none */
} __attribute__((packed));
_Static_assert(sizeof(struct tss64) == 104, "64-bit TSS is 104 bytes");

struct __attribute__((packed)) gdt_ptr {
	uint16_t limit;
	uint64_t base;
};

static struct tss64 tss __attribute__((aligned(16)));
static uint64_t gdt[8] __attribute__((aligned(16)));
static uint8_t ring0_stack[STACK_BYTES] __attribute__((aligned(16)));
uint8_t ring3_stack[STACK_BYTES] __attribute__((aligned(16)));

extern const char ring3_gate[];

static void build_gdt(void)
{
	uint64_t base = (uint64_t)&tss, limit = sizeof(tss) - 1;

	gdt[0] = 0;
	gdt[1] = 0x00af9a000000ffffull; /* 0x08: 64-bit code, DPL 0 */
	gdt[2] = 0x00cf92000000ffffull; /* 0x10: data, DPL 0 */
	gdt[3] = 0;                     /* 0x18: unused */
	gdt[4] = 0x00cff2000000ffffull; /* 0x20: data, DPL 3 */
	gdt[5] = 0x00affa000000ffffull; /* 0x28: 64-bit code, DPL 3 */
	/* 0x30: available 64-bit TSS, two slots. */
	gdt[6] = (limit & 0xffff) | (base & 0xffffff) << 16 | 0x89ull << 40 | ((limit >> 16) & 0xf) << 48 |
		 ((base >> 24) & 0xff) << 56;
	gdt[7] = base >> 32;
}

static void load_gdt(void)
{
	struct gdt_ptr ptr = { sizeof(gdt) - 1, (uint64_t)gdt };

	asm volatile("lgdt %0\n\t"
		     "pushq %1\n\t"
		     "leaq 1f(%%rip), %%rax\n\t"
		     "pushq %%rax\n\t"
		     "lretq\n"
		     "1:\n\t"
		     "movw %w2, %%ax\n\t"
		     "movw %%ax, %%ds\n\t"
		     "movw %%ax, %%es\n\t"
		     "movw %%ax, %%ss\n\t"
		     "ltr %w3"
		     :
		     : "m"(ptr), "i"(SEL_KCODE), "r"(SEL_KDATA), "r"(SEL_TSS)
		     : "rax", "memory");
}

/* User bit on the walk to the first 2 MiB page: PML4[0] -> PDPT[0] -> PD[0] (a 2 MiB page). */
static void make_low_pages_user(void)
{
	uint64_t cr3, *pml4, *pdpt, *pd;

	asm volatile("mov %%cr3, %0" : "=r"(cr3));
	pml4 = (uint64_t *)(cr3 & PTE_ADDR);

	pml4[0] |= PTE_US;
	pdpt = (uint64_t *)(pml4[0] & PTE_ADDR);
	pdpt[0] |= PTE_US;
	if (pdpt[0] & PTE_PS)
		return;
	pd = (uint64_t *)(pdpt[0] & PTE_ADDR);
	pd[0] |= PTE_US;
	asm volatile("mov %%cr3, %%rax\n\tmov %%rax, %%cr3" : : : "rax", "memory");
}

void ring3_setup(void)
{
	uint64_t cr4;

	tss.rsp[0] = (uint64_t)(ring0_stack + STACK_BYTES);
	tss.iopb = sizeof(tss);
	build_gdt();
	load_gdt();
	make_low_pages_user();
	asm volatile("mov %%cr4, %0" : "=r"(cr4));
	if (cr4 & (CR4_SMEP | CR4_SMAP))
		asm volatile("mov %0, %%cr4" : : "r"(cr4 & ~(CR4_SMEP | CR4_SMAP)) : "memory");
	/* The gate jumps straight to ring3_gate, not through isr_common. */
	idt_set_raw(RING3_RETURN_VECTOR, (uint64_t)ring3_gate, 3);
}

int current_cpl(void)
{
	uint16_t cs;

	asm volatile("mov %%cs, %0" : "=r"(cs));
	return cs & 3;
}
