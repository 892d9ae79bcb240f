/* SPDX-License-Identifier: MIT */
/* Physical page allocator over free extents; it never touches the memory it manages. */
#include "kernel/palloc.h"

#include <stddef.h>

#include "kernel/errno.h"
#include "kernel/mem.h"
#include "sched/spinlock.h"

struct extent {
	uint64_t base;
	uint64_t end; /* exclusive */
};

/* Sorted by base, never overlapping, never touching (touching extents are merged). Every host CPU
 * allocates and frees (VM creation, page tables, a VM's release on the core its last vCPU left),
 * so free_list, free_count and used_bytes are guarded by palloc_lock; the public functions take
 * it, the static helpers run with it held. */
static spinlock_t palloc_lock = SPINLOCK_INIT;
static struct extent free_list[PALLOC_MAX_EXTENTS];
static unsigned free_count;
static uint64_t used_bytes[PALLOC_OWNERS];

void palloc_reset(void)
{
	free_count = 0;
	for (unsigned i = 0; i < PALLOC_OWNERS; i++)
		used_bytes[i] = 0;
}

static void remove_at(unsigned i)
{
	for (; i + 1 < free_count; i++)
		free_list[i] = free_list[i + 1];
	free_count--;
}

static int insert_at(unsigned i, uint64_t base, uint64_t end)
{
	if (free_count == PALLOC_MAX_EXTENTS)
		return -ENOSPC;
	for (unsigned j = free_count; j > i; j--)
		free_list[j] = free_list[j - 1];
	free_list[i] = (struct extent){ base, end };
	free_count++;
	return 0;
}

/* Inserts a free range, merging with neighbours. */
static int insert_free(uint64_t base, uint64_t end)
{
	unsigned i = 0;

	while (i < free_count && free_list[i].base < base)
		i++;
	if (i > 0 && free_list[i - 1].end > base)
		return -EEXIST;
	if (i < free_count && free_list[i].base < end)
		return -EEXIST;
	if (i > 0 && free_list[i - 1].end == base) {
		free_list[i - 1].end = end;
		if (i < free_count && free_list[i].base == end) {
			free_list[i - 1].end = free_list[i].end;
			remove_at(i);
		}
		return 0;
	}
	if (i < free_count && free_list[i].base == end) {
		free_list[i].base = base;
		return 0;
	}
	return insert_at(i, base, end);
}

static int palloc_add_locked(uint64_t base, uint64_t size)
{
	uint64_t start = ALIGN_UP(base, PAGE_SIZE);
	uint64_t end = ALIGN_DOWN(base + size, PAGE_SIZE);

	/* Page 0 stays out: a physical address of 0 means "allocation failed". */
	if (start == 0)
		start = PAGE_SIZE;
	if (end <= start)
		return 0;
	return insert_free(start, end);
}

/* Carves [base, end) out of extent i, which must contain it. */
static int carve(unsigned i, uint64_t base, uint64_t end)
{
	struct extent e = free_list[i];

	if (e.base == base && e.end == end) {
		remove_at(i);
		return 0;
	}
	if (e.base == base) {
		free_list[i].base = end;
		return 0;
	}
	if (e.end == end) {
		free_list[i].end = base;
		return 0;
	}
	/* A split needs a free slot: check before changing anything, so a failure loses nothing. */
	if (free_count == PALLOC_MAX_EXTENTS)
		return -ENOSPC;
	free_list[i].end = base;
	return insert_at(i + 1, end, e.end);
}

static void palloc_remove_locked(uint64_t base, uint64_t size)
{
	uint64_t start = ALIGN_DOWN(base, PAGE_SIZE);
	uint64_t end = ALIGN_UP(base + size, PAGE_SIZE);

	for (unsigned i = 0; i < free_count;) {
		uint64_t lo = free_list[i].base > start ? free_list[i].base : start;
		uint64_t hi = free_list[i].end < end ? free_list[i].end : end;
		unsigned before = free_count;

		if (lo >= hi) {
			i++;
			continue;
		}
		/* If the split table is full, drop the tail: losing free memory is safe, handing it out is not. */
		if (carve(i, lo, hi) < 0)
			free_list[i].end = lo;
		if (free_count >= before)
			i++;
	}
}

static uint64_t palloc_alloc_locked(uint64_t size, uint64_t align, enum palloc_owner owner)
{
	size = ALIGN_UP(size, PAGE_SIZE);
	if (align < PAGE_SIZE)
		align = PAGE_SIZE;
	if (size == 0 || owner >= PALLOC_OWNERS)
		return 0;
	/* Highest-addressed fit first: keeps low memory for things that need it later. */
	for (unsigned i = free_count; i-- > 0;) {
		struct extent e = free_list[i];

		if (e.end - e.base < size)
			continue;
		uint64_t base = ALIGN_DOWN(e.end - size, align);
		if (base < e.base)
			continue;
		if (carve(i, base, base + size) < 0)
			return 0;
		used_bytes[owner] += size;
		return base;
	}
	return 0;
}

static void palloc_free_locked(uint64_t base, uint64_t size, enum palloc_owner owner)
{
	size = ALIGN_UP(size, PAGE_SIZE);
	if (owner < PALLOC_OWNERS && insert_free(base, base + size) == 0)
		used_bytes[owner] -= size;
}

static uint64_t palloc_free_bytes_locked(void)
{
	uint64_t total = 0;

	for (unsigned i = 0; i < free_count; i++)
		total += free_list[i].end - free_list[i].base;
	return total;
}

static uint64_t palloc_largest_free_locked(uint64_t align)
{
	uint64_t best = 0;

	for (unsigned i = 0; i < free_count; i++) {
		uint64_t base = ALIGN_UP(free_list[i].base, align);

		if (base < free_list[i].end && free_list[i].end - base > best)
			best = free_list[i].end - base;
	}
	return best;
}

uint64_t palloc_used_bytes(enum palloc_owner owner)
{
	return owner < PALLOC_OWNERS ? used_bytes[owner] : 0;
}

static bool palloc_is_free_locked(uint64_t base, uint64_t size)
{
	for (unsigned i = 0; i < free_count; i++)
		if (free_list[i].base <= base && base + size <= free_list[i].end)
			return true;
	return false;
}

int palloc_add(uint64_t base, uint64_t size)
{
	int r;

	spin_lock(&palloc_lock);
	r = palloc_add_locked(base, size);
	spin_unlock(&palloc_lock);
	return r;
}

void palloc_remove(uint64_t base, uint64_t size)
{
	spin_lock(&palloc_lock);
	palloc_remove_locked(base, size);
	spin_unlock(&palloc_lock);
}

uint64_t palloc_alloc(uint64_t size, uint64_t align, enum palloc_owner owner)
{
	uint64_t r;

	spin_lock(&palloc_lock);
	r = palloc_alloc_locked(size, align, owner);
	spin_unlock(&palloc_lock);
	return r;
}

void palloc_free(uint64_t base, uint64_t size, enum palloc_owner owner)
{
	spin_lock(&palloc_lock);
	palloc_free_locked(base, size, owner);
	spin_unlock(&palloc_lock);
}

uint64_t palloc_free_bytes(void)
{
	uint64_t r;

	spin_lock(&palloc_lock);
	r = palloc_free_bytes_locked();
	spin_unlock(&palloc_lock);
	return r;
}

uint64_t palloc_largest_free(uint64_t align)
{
	uint64_t r;

	spin_lock(&palloc_lock);
	r = palloc_largest_free_locked(align);
	spin_unlock(&palloc_lock);
	return r;
}

bool palloc_is_free(uint64_t base, uint64_t size)
{
	bool r;

	spin_lock(&palloc_lock);
	r = palloc_is_free_locked(base, size);
	spin_unlock(&palloc_lock);
	return r;
}
