/* SPDX-License-Identifier: MIT */
/* Builds the host's own identity map, so nothing depends on the firmware's page tables after exit. */
#include "arch/x86/paging.h"

#include "arch/x86/cpu.h"
#include "arch/x86/pte.h"
#include "kernel/errno.h"
#include "kernel/mem.h"

#define FOUR_GIB (4ull << 30)

static bool is_memory(enum boot_mem_type t)
{
	return t == BOOT_MEM_USABLE || t == BOOT_MEM_BOOT_RECLAIM || t == BOOT_MEM_HYPERVISOR ||
	       t == BOOT_MEM_ACPI_RECLAIM || t == BOOT_MEM_ACPI_NVS || t == BOOT_MEM_FIRMWARE;
}

/* True when [base, base+size) overlaps memory: cacheable. Everything else is treated as a device. */
static bool overlaps_memory(const struct boot_info *info, uint64_t base, uint64_t size)
{
	for (unsigned i = 0; i < info->mem_count; i++) {
		const struct boot_mem_range *r = &info->mem[i];

		if (is_memory(r->type) && r->base < base + size && base < r->base + r->size)
			return true;
	}
	return false;
}

static uint64_t top_of_memory(const struct boot_info *info)
{
	uint64_t top = FOUR_GIB;

	for (unsigned i = 0; i < info->mem_count; i++)
		if (info->mem[i].base + info->mem[i].size > top)
			top = info->mem[i].base + info->mem[i].size;
	return ALIGN_UP(top, HUGE_PAGE_SIZE);
}

static int map_gigabyte(const struct boot_info *info, pte_t *pdpt, uint64_t gb)
{
	pte_t *pd = page_alloc();

	if (!pd)
		return -ENOMEM;
	for (unsigned i = 0; i < 512; i++) {
		uint64_t pa = gb * HUGE_PAGE_SIZE + i * LARGE_PAGE_SIZE;
		pte_t e = pa | PTE_P | PTE_RW | PTE_PS;

		if (!overlaps_memory(info, pa, LARGE_PAGE_SIZE))
			e |= PTE_PCD | PTE_PWT;
		pd[i] = e;
	}
	pdpt[gb % 512] = virt_to_phys(pd) | PTE_P | PTE_RW;
	return 0;
}

int paging_init(const struct boot_info *info)
{
	uint64_t top = top_of_memory(info);
	pte_t *pml4 = page_alloc();
	pte_t *pdpt = NULL;

	if (!pml4)
		return -ENOMEM;
	for (uint64_t gb = 0; gb * HUGE_PAGE_SIZE < top; gb++) {
		if (gb % 512 == 0) {
			pdpt = page_alloc();
			if (!pdpt)
				return -ENOMEM;
			pml4[gb / 512] = virt_to_phys(pdpt) | PTE_P | PTE_RW;
		}
		if (map_gigabyte(info, pdpt, gb))
			return -ENOMEM;
	}
	write_cr3(virt_to_phys(pml4));
	return 0;
}

/* The table entry e points to, allocating an empty one when it is not present. */
static pte_t *next_table(pte_t *e)
{
	if (!(*e & PTE_P)) {
		pte_t *t = page_alloc();

		if (!t)
			return NULL;
		*e = virt_to_phys(t) | PTE_P | PTE_RW;
	}
	return phys_to_virt(*e & PTE_ADDR_MASK);
}

int paging_map_uc(uint64_t pa, uint64_t size)
{
	uint64_t end = ALIGN_UP(pa + size, LARGE_PAGE_SIZE);
	pte_t *pml4 = phys_to_virt(read_cr3() & PTE_ADDR_MASK);

	if (!size || pa + size < pa || end > (1ull << 52))
		return -EINVAL;
	for (uint64_t a = ALIGN_DOWN(pa, LARGE_PAGE_SIZE); a < end; a += LARGE_PAGE_SIZE) {
		pte_t *pdpt = next_table(&pml4[(a >> 39) & 511]);
		if (!pdpt)
			return -ENOMEM;
		if (pdpt[(a >> 30) & 511] & PTE_PS)
			continue; /* a 1 GiB page already maps it */
		pte_t *pd = next_table(&pdpt[(a >> 30) & 511]);
		if (!pd)
			return -ENOMEM;
		if (!(pd[(a >> 21) & 511] & PTE_P))
			pd[(a >> 21) & 511] = a | PTE_P | PTE_RW | PTE_PS | PTE_PCD | PTE_PWT;
	}
	return 0;
}
