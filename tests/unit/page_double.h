/* SPDX-License-Identifier: MIT */
/* Test double for the hypervisor's page allocator (kernel/mem.h): real 4 KiB-aligned pages, every
 * one tracked, so tests can count allocations, find leaks and stray pointers, and make it fail. */
#ifndef BASALT_TEST_PAGE_DOUBLE_H
#define BASALT_TEST_PAGE_DOUBLE_H

#define MAX_PAGES 8192

static void *live[MAX_PAGES];
static unsigned nlive;
static unsigned allocs, frees;
static int allocs_left = -1; /* >= 0: fail once this many more allocations succeeded */

void *pages_alloc(size_t count, uint64_t align)
{
	void *p;

	assert_int_equal(count, 1); /* nested tables are single pages */
	if (allocs_left == 0)
		return NULL;
	if (allocs_left > 0)
		allocs_left--;
	assert_true(nlive < MAX_PAGES);
	p = aligned_alloc(align, 4096);
	assert_non_null(p);
	memset(p, 0, 4096);
	live[nlive++] = p;
	allocs++;
	return p;
}

void *page_alloc(void)
{
	return pages_alloc(1, 4096);
}

static int live_index(const void *p)
{
	for (unsigned i = 0; i < nlive; i++)
		if (live[i] == p)
			return (int)i;
	return -1;
}

void pages_free(void *p, size_t count)
{
	int i = live_index(p);

	assert_int_equal(count, 1);
	if (i < 0)
		fail_msg("pages_free(%p): not a live page from page_alloc", p);
	live[i] = live[--nlive];
	frees++;
	free(p);
}

/* Frees every page still live (after a test that failed half-way) and forgets them. */
static inline void page_double_release_all(void)
{
	for (unsigned i = 0; i < nlive; i++)
		free(live[i]);
	nlive = 0;
}

#endif
