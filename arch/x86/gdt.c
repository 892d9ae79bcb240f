/* SPDX-License-Identifier: MIT */
/* The hypervisor's own GDT and TSS: the firmware's live in memory we reuse after leaving it. */
#include "arch/x86/gdt.h"

#include <stddef.h>

#define IST_STACK_SIZE 16384

struct gdt_ptr {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));

static uint8_t ist_stacks[4][IST_STACK_SIZE] __attribute__((aligned(16)));
static struct tss64 tss;
static uint64_t gdt[5] __attribute__((aligned(16)));

#define GDT_CODE64_DESC 0x00af9a000000ffffull /* present, DPL0, code exec/read, L=1 */
#define GDT_DATA_DESC 0x00cf92000000ffffull   /* present, DPL0, data read/write, 4 GiB */

static void set_tss_descriptor(void)
{
	uint64_t base = (uint64_t)(uintptr_t)&tss;
	uint64_t limit = sizeof(tss) - 1;

	gdt[3] = (limit & 0xffff) | ((base & 0xffffff) << 16) | (0x89ull << 40) | /* present, 64-bit TSS */
		 (((limit >> 16) & 0xf) << 48) | (((base >> 24) & 0xff) << 56);
	gdt[4] = base >> 32;
}

void gdt_init(void)
{
	struct gdt_ptr ptr = { .limit = sizeof(gdt) - 1, .base = (uint64_t)(uintptr_t)gdt };

	for (int i = 0; i < 4; i++)
		tss.ist[i] = (uint64_t)(uintptr_t)&ist_stacks[i][IST_STACK_SIZE];
	tss.iomap_base = sizeof(tss); /* no I/O bitmap */
	gdt[0] = 0;
	gdt[1] = GDT_CODE64_DESC;
	gdt[2] = GDT_DATA_DESC;
	set_tss_descriptor();
	__asm__ volatile("lgdt %0\n\t"
			 "pushq %1\n\t"
			 "leaq 1f(%%rip), %%rax\n\t"
			 "pushq %%rax\n\t"
			 "lretq\n"
			 "1:\n\t"
			 "mov %2, %%ds\n\t"
			 "mov %2, %%es\n\t"
			 "mov %2, %%ss\n\t"
			 "xor %%eax, %%eax\n\t"
			 "mov %%ax, %%fs\n\t"
			 "mov %%ax, %%gs\n\t"
			 "ltr %w3"
			 :
			 : "m"(ptr), "i"((uint64_t)GDT_CODE), "r"((uint64_t)GDT_DATA), "r"((uint64_t)GDT_TSS)
			 : "rax", "memory");
}

uint64_t gdt_base(void)
{
	return (uint64_t)(uintptr_t)gdt;
}

uint64_t tss_base(void)
{
	return (uint64_t)(uintptr_t)&tss;
}
