/* SPDX-License-Identifier: MIT */
/* The hypervisor's own GDT and TSS, one pair per host CPU: each CPU's IST stacks must be its own. */
#include "arch/x86/gdt.h"

#include <stddef.h>

#include "arch/x86/percpu.h"
#include "kernel/mem.h"

#define IST_STACK_SIZE 16384
#define IST_STACKS 4

struct gdt_ptr {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));

/* Per CPU, written only by that CPU's bring-up (gdt_init_cpu) before it loads them. The boot CPU's
 * IST stacks are static (no allocator yet when it loads its GDT); the APs' come from page_alloc. */
struct cpu_tables {
	uint64_t gdt[5] __attribute__((aligned(16)));
	struct tss64 tss __attribute__((aligned(16)));
};
static struct cpu_tables tables[MAX_CPUS];
static uint8_t boot_ist_stacks[IST_STACKS][IST_STACK_SIZE] __attribute__((aligned(16)));

#define GDT_CODE64_DESC 0x00af9a000000ffffull /* present, DPL0, code exec/read, L=1 */
#define GDT_DATA_DESC 0x00cf92000000ffffull   /* present, DPL0, data read/write, 4 GiB */

static void set_tss_descriptor(struct cpu_tables *t)
{
	uint64_t base = (uint64_t)(uintptr_t)&t->tss;
	uint64_t limit = sizeof(t->tss) - 1;

	t->gdt[3] = (limit & 0xffff) | ((base & 0xffffff) << 16) | (0x89ull << 40) | /* present, 64-bit TSS */
		    (((limit >> 16) & 0xf) << 48) | (((base >> 24) & 0xff) << 56);
	t->gdt[4] = base >> 32;
}

static void load_tables(struct cpu_tables *t)
{
	struct gdt_ptr ptr = { .limit = sizeof(t->gdt) - 1, .base = (uint64_t)(uintptr_t)t->gdt };

	/* GS is left alone: percpu_install sets its base, and loading a selector would clear it. */
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
			 "ltr %w3"
			 :
			 : "m"(ptr), "i"((uint64_t)GDT_CODE), "r"((uint64_t)GDT_DATA), "r"((uint64_t)GDT_TSS)
			 : "rax", "memory");
}

int gdt_init_cpu(unsigned cpu)
{
	struct cpu_tables *t;
	uint8_t *stacks;

	if (cpu >= MAX_CPUS)
		return -1;
	t = &tables[cpu];
	stacks = cpu == 0 ? &boot_ist_stacks[0][0] : pages_alloc(IST_STACKS * IST_STACK_SIZE / PAGE_SIZE, PAGE_SIZE);
	if (!stacks)
		return -1;
	for (int i = 0; i < IST_STACKS; i++)
		t->tss.ist[i] = (uint64_t)(uintptr_t)(stacks + (size_t)(i + 1) * IST_STACK_SIZE);
	t->tss.iomap_base = sizeof(t->tss); /* no I/O bitmap */
	t->gdt[0] = 0;
	t->gdt[1] = GDT_CODE64_DESC;
	t->gdt[2] = GDT_DATA_DESC;
	set_tss_descriptor(t);
	load_tables(t);
	return 0;
}

void gdt_init(void)
{
	gdt_init_cpu(0);
}

uint64_t gdt_base(void)
{
	return (uint64_t)(uintptr_t)tables[this_cpu_id()].gdt;
}

uint64_t tss_base(void)
{
	return (uint64_t)(uintptr_t)&tables[this_cpu_id()].tss;
}
