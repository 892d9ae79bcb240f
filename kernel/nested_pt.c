/* SPDX-License-Identifier: MIT */
/* Builds, splits and tears down nested page tables; entry bits come from the vendor's npt_format. */
#include "kernel/nested_pt.h"

#include <stddef.h>

#include "kernel/errno.h"
#include "kernel/mem.h"

#define ENTRIES 512
#define MAX_GPA (1ull << 48)

static uint64_t level_size(unsigned level)
{
	return 1ull << (PAGE_SHIFT + 9 * (level - 1));
}

static unsigned level_index(uint64_t gpa, unsigned level)
{
	return (gpa >> (PAGE_SHIFT + 9 * (level - 1))) & (ENTRIES - 1);
}

static uint64_t *alloc_table(struct nested_pt *pt)
{
	uint64_t *t = page_alloc();

	if (t)
		pt->tables++;
	return t;
}

int npt_init(struct nested_pt *pt, const struct npt_format *fmt)
{
	pt->fmt = fmt;
	pt->tables = 0;
	pt->root = alloc_table(pt);
	return pt->root ? 0 : -ENOMEM;
}

uint64_t npt_root_pa(const struct nested_pt *pt)
{
	return virt_to_phys(pt->root);
}

/* Replaces a large leaf at `level` by a table of next-level leaves with the same translation. */
static uint64_t *split_leaf(struct nested_pt *pt, uint64_t *entry, unsigned level)
{
	const struct npt_format *f = pt->fmt;
	uint64_t base = f->entry_address(*entry, level);
	unsigned perms = f->entry_perms(*entry);
	uint64_t *t = alloc_table(pt);

	if (!t)
		return NULL;
	for (unsigned i = 0; i < ENTRIES; i++)
		t[i] = f->leaf_entry(base + i * level_size(level - 1), perms, level - 1);
	*entry = f->table_entry(virt_to_phys(t));
	return t;
}

/* Returns the table at `level - 1` below entry, creating or splitting as needed (create=false: NULL if absent). */
static uint64_t *next_table(struct nested_pt *pt, uint64_t *entry, unsigned level, bool create)
{
	const struct npt_format *f = pt->fmt;

	if (!f->is_present(*entry)) {
		if (!create)
			return NULL;
		uint64_t *t = alloc_table(pt);

		if (t)
			*entry = f->table_entry(virt_to_phys(t));
		return t;
	}
	if (f->is_leaf(*entry, level))
		return split_leaf(pt, entry, level);
	return phys_to_virt(f->entry_address(*entry, level));
}

/* Frees a table and all tables below it. */
static void free_tree(struct nested_pt *pt, uint64_t *table, unsigned level)
{
	const struct npt_format *f = pt->fmt;

	for (unsigned i = 0; level > 1 && i < ENTRIES; i++)
		if (f->is_present(table[i]) && !f->is_leaf(table[i], level))
			free_tree(pt, phys_to_virt(f->entry_address(table[i], level)), level - 1);
	page_free(table);
	pt->tables--;
}

static unsigned best_level(const struct nested_pt *pt, uint64_t gpa, uint64_t hpa, uint64_t left)
{
	for (unsigned level = pt->fmt->max_leaf_level; level > 1; level--) {
		uint64_t sz = level_size(level);

		if (IS_ALIGNED(gpa, sz) && IS_ALIGNED(hpa, sz) && left >= sz)
			return level;
	}
	return 1;
}

static int map_one(struct nested_pt *pt, uint64_t gpa, uint64_t hpa, unsigned leaf_level, unsigned perms)
{
	uint64_t *table = pt->root;

	for (unsigned level = 4; level > leaf_level; level--) {
		table = next_table(pt, &table[level_index(gpa, level)], level, true);
		if (!table)
			return -ENOMEM;
	}
	uint64_t *entry = &table[level_index(gpa, leaf_level)];

	/* A table under a new large leaf would leak: free it first. */
	if (leaf_level > 1 && pt->fmt->is_present(*entry) && !pt->fmt->is_leaf(*entry, leaf_level))
		free_tree(pt, phys_to_virt(pt->fmt->entry_address(*entry, leaf_level)), leaf_level - 1);
	*entry = pt->fmt->leaf_entry(hpa, perms, leaf_level);
	return 0;
}

int npt_map(struct nested_pt *pt, uint64_t gpa, uint64_t hpa, uint64_t size, unsigned perms)
{
	if (!IS_ALIGNED(gpa | hpa | size, PAGE_SIZE) || size == 0 || gpa + size > MAX_GPA || gpa + size < gpa)
		return -EINVAL;
	while (size) {
		unsigned level = best_level(pt, gpa, hpa, size);
		int rc = map_one(pt, gpa, hpa, level, perms);

		if (rc)
			return rc;
		gpa += level_size(level);
		hpa += level_size(level);
		size -= level_size(level);
	}
	return 0;
}

/* Clears the entry covering gpa at the highest level that fits in [gpa, end); returns bytes covered. */
static uint64_t unmap_one(struct nested_pt *pt, uint64_t gpa, uint64_t end)
{
	const struct npt_format *f = pt->fmt;
	uint64_t *table = pt->root;

	for (unsigned level = 4; level >= 1; level--) {
		uint64_t sz = level_size(level);
		uint64_t *entry = &table[level_index(gpa, level)];
		uint64_t span_end = ALIGN_DOWN(gpa, sz) + sz;

		if (!f->is_present(*entry))
			return (span_end < end ? span_end : end) - gpa;
		if (IS_ALIGNED(gpa, sz) && end - gpa >= sz) {
			if (!f->is_leaf(*entry, level) && level > 1)
				free_tree(pt, phys_to_virt(f->entry_address(*entry, level)), level - 1);
			*entry = 0;
			return sz;
		}
		table = next_table(pt, entry, level, false);
		if (!table)
			return 0;
	}
	return PAGE_SIZE;
}

int npt_unmap(struct nested_pt *pt, uint64_t gpa, uint64_t size)
{
	uint64_t end = gpa + size;

	if (!IS_ALIGNED(gpa | size, PAGE_SIZE) || end > MAX_GPA || end < gpa)
		return -EINVAL;
	while (gpa < end) {
		uint64_t done = unmap_one(pt, gpa, end);

		if (!done)
			return -ENOMEM;
		gpa += done;
	}
	return 0;
}

int npt_lookup(const struct nested_pt *pt, uint64_t gpa, uint64_t *hpa, unsigned *perms, unsigned *level_out)
{
	const struct npt_format *f = pt->fmt;
	const uint64_t *table = pt->root;

	/* Four levels translate 48 bits; a higher address would alias a lower one. */
	if (gpa >= MAX_GPA)
		return -ENOENT;
	for (unsigned level = 4; level >= 1; level--) {
		uint64_t e = table[level_index(gpa, level)];

		if (!f->is_present(e))
			return -ENOENT;
		if (level == 1 || f->is_leaf(e, level)) {
			*hpa = f->entry_address(e, level) + (gpa & (level_size(level) - 1));
			*perms = f->entry_perms(e);
			*level_out = level;
			return 0;
		}
		table = phys_to_virt(f->entry_address(e, level));
	}
	return -ENOENT;
}

void npt_destroy(struct nested_pt *pt)
{
	if (pt->root)
		free_tree(pt, pt->root, 4);
	pt->root = NULL;
}
