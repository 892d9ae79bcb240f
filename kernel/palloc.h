/* SPDX-License-Identifier: MIT */
/* Physical page allocator: free memory kept as sorted extents, split and merged on demand. */
#ifndef BASALT_PALLOC_H
#define BASALT_PALLOC_H

#include <stdbool.h>
#include <stdint.h>

#define PALLOC_MAX_EXTENTS 256

enum palloc_owner {
	PALLOC_HYPERVISOR = 0, /* page tables, VMCBs, stacks: never mapped into a guest */
	PALLOC_GUEST = 1,      /* guest RAM */
	PALLOC_OWNERS
};

/* Forgets everything: no free memory. */
void palloc_reset(void);
/* Adds [base, base+size) (page-aligned inwards) as free memory. Overlaps with free memory are an error. */
int palloc_add(uint64_t base, uint64_t size);
/* Removes [base, base+size) from the free memory, wherever it overlaps (used to protect ranges). */
void palloc_remove(uint64_t base, uint64_t size);
/* Allocates size bytes (rounded up to pages) aligned to align; returns the physical base or 0. */
uint64_t palloc_alloc(uint64_t size, uint64_t align, enum palloc_owner owner);
/* Returns a range obtained from palloc_alloc. */
void palloc_free(uint64_t base, uint64_t size, enum palloc_owner owner);
uint64_t palloc_free_bytes(void);
uint64_t palloc_largest_free(uint64_t align);
uint64_t palloc_used_bytes(enum palloc_owner owner);
/* True when [base, base+size) is entirely free (used by tests and sanity checks). */
bool palloc_is_free(uint64_t base, uint64_t size);

#endif
