/* SPDX-License-Identifier: MIT */
/* Hypervisor page allocation on top of the physical allocator (identity-mapped, zeroed). */
#include "kernel/mem.h"

#include <string.h>

#include "kernel/palloc.h"

void *pages_alloc(size_t count, uint64_t align)
{
	uint64_t pa = palloc_alloc(count * PAGE_SIZE, align, PALLOC_HYPERVISOR);

	if (!pa)
		return NULL;
	memset(phys_to_virt(pa), 0, count * PAGE_SIZE);
	return phys_to_virt(pa);
}

void *page_alloc(void)
{
	return pages_alloc(1, PAGE_SIZE);
}

void pages_free(void *p, size_t count)
{
	if (p)
		palloc_free(virt_to_phys(p), count * PAGE_SIZE, PALLOC_HYPERVISOR);
}
