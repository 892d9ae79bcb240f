/* SPDX-License-Identifier: MIT */
/* e820 map builder: cuts guest-physical space at every range boundary and types each piece. */
#include "kernel/e820.h"

#include <stdbool.h>
#include <stddef.h>

#include "kernel/errno.h"

#define MAX_POINTS (2 * (E820_MAX_INPUTS + 1))

static bool overlaps(uint64_t a, uint64_t a_end, uint64_t b, uint64_t b_end)
{
	return a < b_end && b < a_end;
}

static int check_ram(const struct e820_ram *ram, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		if (ram[i].size == 0 || ram[i].gpa + ram[i].size < ram[i].gpa)
			return -EINVAL;
		for (unsigned j = 0; j < i; j++)
			if (overlaps(ram[i].gpa, ram[i].gpa + ram[i].size, ram[j].gpa, ram[j].gpa + ram[j].size))
				return -EINVAL;
	}
	return 0;
}

static int check_marks(const struct e820_entry *m, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		uint64_t a = m[i].addr, a_end = m[i].addr + m[i].size;

		if (m[i].size == 0 || a_end < a || m[i].type == 0 || m[i].type == E820_RAM)
			return -EINVAL;
		for (unsigned j = 0; j < i; j++)
			if (overlaps(a, a_end, m[j].addr, m[j].addr + m[j].size))
				return -EINVAL;
	}
	return 0;
}

/* Sorted, de-duplicated boundaries of every input range: each gap between two has one type. */
static unsigned collect_points(const struct e820_ram *ram, unsigned nr_ram, const struct e820_entry *marks,
			       unsigned nr_marks, uint64_t *pt)
{
	unsigned n = 0, kept = 0;

	pt[n++] = E820_LEGACY_START;
	pt[n++] = E820_LEGACY_END;
	for (unsigned i = 0; i < nr_ram; i++) {
		pt[n++] = ram[i].gpa;
		pt[n++] = ram[i].gpa + ram[i].size;
	}
	for (unsigned i = 0; i < nr_marks; i++) {
		pt[n++] = marks[i].addr;
		pt[n++] = marks[i].addr + marks[i].size;
	}
	for (unsigned i = 1; i < n; i++) { /* insertion sort: at most 66 values */
		uint64_t v = pt[i];
		unsigned j = i;

		for (; j > 0 && pt[j - 1] > v; j--)
			pt[j] = pt[j - 1];
		pt[j] = v;
	}
	for (unsigned i = 0; i < n; i++)
		if (kept == 0 || pt[i] != pt[kept - 1])
			pt[kept++] = pt[i];
	return kept;
}

/* Type of the elementary piece starting at addr: a mark, else the legacy hole, else RAM, else none. */
static uint32_t type_at(uint64_t addr, const struct e820_ram *ram, unsigned nr_ram, const struct e820_entry *marks,
			unsigned nr_marks)
{
	for (unsigned i = 0; i < nr_marks; i++)
		if (addr >= marks[i].addr && addr - marks[i].addr < marks[i].size)
			return marks[i].type;
	if (addr >= E820_LEGACY_START && addr < E820_LEGACY_END)
		return E820_RESERVED;
	for (unsigned i = 0; i < nr_ram; i++)
		if (addr >= ram[i].gpa && addr - ram[i].gpa < ram[i].size)
			return E820_RAM;
	return 0;
}

/* Appends [addr, end) of type, merging with the previous entry when they touch. */
static int append(struct e820_entry *out, unsigned *n, unsigned max_out, uint64_t addr, uint64_t end, uint32_t type)
{
	struct e820_entry *last = *n ? &out[*n - 1] : NULL;

	if (last && last->type == type && last->addr + last->size == addr) {
		last->size += end - addr;
		return 0;
	}
	if (*n >= max_out)
		return -E2BIG;
	out[*n].addr = addr;
	out[*n].size = end - addr;
	out[*n].type = type;
	(*n)++;
	return 0;
}

int e820_build(const struct e820_ram *ram, unsigned nr_ram, const struct e820_entry *marks, unsigned nr_marks,
	       struct e820_entry *out, unsigned max_out)
{
	uint64_t pt[MAX_POINTS];
	unsigned npt, n = 0;
	int rc;

	if (nr_ram + nr_marks > E820_MAX_INPUTS || (nr_ram && !ram) || (nr_marks && !marks))
		return -EINVAL;
	rc = check_ram(ram, nr_ram);
	if (!rc)
		rc = check_marks(marks, nr_marks);
	if (rc)
		return rc;
	npt = collect_points(ram, nr_ram, marks, nr_marks, pt);
	for (unsigned i = 0; i + 1 < npt; i++) {
		uint32_t type = type_at(pt[i], ram, nr_ram, marks, nr_marks);

		if (type == 0)
			continue;
		rc = append(out, &n, max_out, pt[i], pt[i + 1], type);
		if (rc)
			return rc;
	}
	return (int)n;
}

uint64_t e820_bytes_of_type(const struct e820_entry *map, unsigned n, uint32_t type)
{
	uint64_t sum = 0;

	for (unsigned i = 0; i < n; i++)
		if (map[i].type == type)
			sum += map[i].size;
	return sum;
}
