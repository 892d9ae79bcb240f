/* SPDX-License-Identifier: MIT */
/* Hypervisor memory: physical addresses are identity-mapped, and hypervisor pages come from here. */
#ifndef BASALT_MEM_H
#define BASALT_MEM_H

#include <stddef.h>
#include <stdint.h>

#define PAGE_SIZE 4096ull
#define PAGE_SHIFT 12
#define LARGE_PAGE_SIZE (2ull << 20)
#define HUGE_PAGE_SIZE (1ull << 30)

#define ALIGN_UP(x, a) (((x) + (a) - 1) & ~((uint64_t)(a) - 1))
#define ALIGN_DOWN(x, a) ((x) & ~((uint64_t)(a) - 1))
#define IS_ALIGNED(x, a) (((x) & ((uint64_t)(a) - 1)) == 0)

/* The hypervisor maps all physical memory 1:1, so these are casts (host tests use real pointers too). */
static inline uint64_t virt_to_phys(const void *p)
{
	return (uint64_t)(uintptr_t)p;
}

static inline void *phys_to_virt(uint64_t pa)
{
	return (void *)(uintptr_t)pa;
}

/* One zeroed 4 KiB page for hypervisor structures (page tables, VMCBs), or NULL when memory ran out. */
void *page_alloc(void);
/* `count` contiguous zeroed pages aligned to `align` bytes (a power of two >= 4 KiB), or NULL. */
void *pages_alloc(size_t count, uint64_t align);
void pages_free(void *p, size_t count);
static inline void page_free(void *p)
{
	pages_free(p, 1);
}

#endif
