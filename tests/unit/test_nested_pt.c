/* SPDX-License-Identifier: MIT */
/* Unit tests for kernel/nested_pt.c with the AMD NPT encoder: mappings, splits, teardown, no leaks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "arch/x86/svm/npt.h"
#include "kernel/errno.h"
#include "kernel/mem.h"
#include "kernel/nested_pt.h"

#define KIB 1024ull
#define MIB (1024ull * KIB)
#define GIB (1024ull * MIB)

/* Entry bits as the AMD manual defines them, written out here so the test does not trust pte.h. */
#define E_P 0x1ull
#define E_RW 0x2ull
#define E_US 0x4ull
#define E_PWT 0x8ull
#define E_PCD 0x10ull
#define E_PS 0x80ull
#define E_NX 0x8000000000000000ull
#define E_ADDR 0x000ffffffffff000ull

#include "tests/unit/page_double.h"

/* ---- fixture -------------------------------------------------------------- */

static struct nested_pt pt;

static int setup(void **state)
{
	(void)state;
	nlive = allocs = frees = 0;
	allocs_left = -1;
	npt_nx_usable = true;
	npt_format_amd.max_leaf_level = 2;
	assert_int_equal(npt_init(&pt, &npt_format_amd), 0);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	npt_format_amd.max_leaf_level = 2;
	if (pt.root)
		npt_destroy(&pt);
	page_double_release_all();
	return 0;
}

/* Destroys the tables and checks that every page the builder took came back. */
static void destroy_no_leaks(void)
{
	npt_destroy(&pt);
	assert_null(pt.root);
	assert_int_equal(nlive, 0);
	assert_int_equal(allocs, frees);
}

/* ---- independent table walk ---------------------------------------------- */

static unsigned idx(uint64_t gpa, unsigned level)
{
	return (unsigned)(gpa >> (12 + 9 * (level - 1))) & 511;
}

static uint64_t *table_of(uint64_t entry)
{
	uint64_t pa = entry & E_ADDR;

	if (live_index((void *)(uintptr_t)pa) < 0)
		fail_msg("entry %#llx points outside the allocated tables", (unsigned long long)entry);
	return (uint64_t *)(uintptr_t)pa;
}

/* Raw entry for gpa at `level`, walking from the root by hand; 0 when a table on the way is absent. */
static uint64_t raw_entry(uint64_t gpa, unsigned level)
{
	uint64_t *t = pt.root;

	for (unsigned l = 4; l > level; l--) {
		uint64_t e = t[idx(gpa, l)];

		if (!(e & E_P) || (l <= 3 && (e & E_PS)))
			return 0;
		t = table_of(e);
	}
	return t[idx(gpa, level)];
}

/* Counts the tables reachable from `t` and checks every non-leaf entry points to a tracked page
 * with P, RW and US set (the nested walk is a user access at every level). */
static unsigned check_tree(const uint64_t *t, unsigned level)
{
	unsigned n = 1;

	for (unsigned i = 0; level > 1 && i < 512; i++) {
		uint64_t e = t[i];

		if (!(e & E_P) || (level <= 3 && (e & E_PS)))
			continue;
		assert_int_equal(e & (E_P | E_RW | E_US), E_P | E_RW | E_US);
		n += check_tree(table_of(e), level - 1);
	}
	return n;
}

static void check_all_tables(void)
{
	unsigned n = check_tree(pt.root, 4);

	assert_int_equal(n, nlive);
	assert_int_equal(n, pt.tables);
}

static void expect_map(uint64_t gpa, uint64_t hpa, unsigned perms, unsigned level)
{
	uint64_t got_hpa = 0;
	unsigned got_perms = 0, got_level = 0;

	assert_int_equal(npt_lookup(&pt, gpa, &got_hpa, &got_perms, &got_level), 0);
	assert_int_equal(got_hpa, hpa);
	assert_int_equal(got_perms, perms);
	assert_int_equal(got_level, level);
}

static void expect_unmapped(uint64_t gpa)
{
	uint64_t h;
	unsigned p, l;

	assert_int_equal(npt_lookup(&pt, gpa, &h, &p, &l), -ENOENT);
}

/* ---- tests ---------------------------------------------------------------- */

static void test_init_allocates_root(void **state)
{
	(void)state;
	assert_non_null(pt.root);
	assert_int_equal(pt.tables, 1);
	assert_int_equal(nlive, 1);
	assert_int_equal(npt_root_pa(&pt), (uint64_t)(uintptr_t)pt.root);
	assert_int_equal(npt_root_pa(&pt) % 4096, 0);
	expect_unmapped(0);
	destroy_no_leaks();
}

static void test_map_4k_and_lookup(void **state)
{
	(void)state;
	assert_int_equal(npt_map(&pt, 0x5000, 0x12345000, 0x1000, NPT_RWX), 0);
	expect_map(0x5000, 0x12345000, NPT_RWX, 1);
	expect_map(0x5abc, 0x12345abc, NPT_RWX, 1);
	expect_unmapped(0x4000);
	expect_unmapped(0x6000);
	assert_int_equal(pt.tables, 4); /* PML4, PDPT, PD, PT */
	check_all_tables();
	destroy_no_leaks();
}

static void test_map_4k_hand_walk(void **state)
{
	const uint64_t gpa = 0x7f1234567000ull, hpa = 0x00000abcdef01000ull;
	uint64_t *pml4 = pt.root, *pdpt, *pd, *ptab, e;

	(void)state;
	assert_int_equal(npt_map(&pt, gpa, hpa, 0x1000, NPT_READ | NPT_WRITE), 0);
	/* gpa 0x7f1234567000 -> indices 254 / 72 / 418 / 359 (worked out by hand). */
	e = pml4[254];
	assert_int_equal(e & (E_P | E_RW | E_US | E_PS), E_P | E_RW | E_US);
	pdpt = table_of(e);
	e = pdpt[72];
	assert_int_equal(e & (E_P | E_RW | E_US | E_PS), E_P | E_RW | E_US);
	pd = table_of(e);
	e = pd[418];
	assert_int_equal(e & (E_P | E_RW | E_US | E_PS), E_P | E_RW | E_US);
	ptab = table_of(e);
	e = ptab[359];
	assert_int_equal(e & E_ADDR, hpa);
	assert_true(e & E_P);
	assert_true(e & E_RW);
	assert_true(e & E_US);
	assert_true(e & E_NX);
	assert_int_equal(ptab[358], 0);
	assert_int_equal(ptab[360], 0);
	destroy_no_leaks();
}

static void test_map_2m_uses_one_leaf(void **state)
{
	uint64_t e;

	(void)state;
	assert_int_equal(npt_map(&pt, 2 * MIB, GIB, 2 * MIB, NPT_READ | NPT_WRITE), 0);
	assert_int_equal(pt.tables, 3); /* no page table below the 2 MiB leaf */
	e = raw_entry(2 * MIB, 2);
	assert_int_equal(e & (E_P | E_US | E_PS | E_RW | E_NX), E_P | E_US | E_PS | E_RW | E_NX);
	assert_int_equal(e & 0x000fffffffe00000ull, GIB);
	expect_map(2 * MIB, GIB, NPT_READ | NPT_WRITE, 2);
	expect_map(4 * MIB - 1, GIB + 2 * MIB - 1, NPT_READ | NPT_WRITE, 2);
	expect_unmapped(4 * MIB);
	expect_unmapped(2 * MIB - 1);
	destroy_no_leaks();
}

static void test_map_2m_exec_has_no_nx(void **state)
{
	uint64_t e;

	(void)state;
	assert_int_equal(npt_map(&pt, 0, 4 * MIB, 2 * MIB, NPT_READ | NPT_EXEC), 0);
	e = raw_entry(0, 2);
	assert_int_equal(e & (E_P | E_US | E_PS | E_RW | E_NX), E_P | E_US | E_PS);
	expect_map(0x1234, 4 * MIB + 0x1234, NPT_READ | NPT_EXEC, 2);
	destroy_no_leaks();
}

static void test_map_1g_leaf_when_allowed(void **state)
{
	uint64_t e;

	(void)state;
	npt_format_amd.max_leaf_level = 3;
	assert_int_equal(npt_map(&pt, GIB, 3 * GIB, GIB, NPT_RWX), 0);
	assert_int_equal(pt.tables, 2); /* PML4 and PDPT only */
	e = raw_entry(GIB, 3);
	assert_int_equal(e & (E_P | E_US | E_PS | E_RW | E_NX), E_P | E_US | E_PS | E_RW);
	assert_int_equal(e & 0x000fffffc0000000ull, 3 * GIB);
	expect_map(GIB + 0x12345678, 3 * GIB + 0x12345678, NPT_RWX, 3);
	destroy_no_leaks();
}

static void test_map_1g_not_used_at_max_level_2(void **state)
{
	(void)state;
	assert_int_equal(npt_map(&pt, GIB, 3 * GIB, GIB, NPT_RWX), 0);
	assert_int_equal(pt.tables, 3);
	expect_map(GIB + 0x12345678, 3 * GIB + 0x12345678, NPT_RWX, 2);
	expect_map(2 * GIB - 1, 4 * GIB - 1, NPT_RWX, 2);
	destroy_no_leaks();
}

static void test_unaligned_range_uses_small_pages_at_edges(void **state)
{
	const uint64_t off = 256 * MIB; /* keeps hpa and gpa equally aligned */

	(void)state;
	/* [0x1ff000, 0x601000): one 4K page, two 2 MiB leaves, one 4K page. */
	assert_int_equal(npt_map(&pt, 0x1ff000, 0x1ff000 + off, 0x402000, NPT_RWX), 0);
	expect_unmapped(0x1fe000);
	expect_map(0x1ff000, 0x1ff000 + off, NPT_RWX, 1);
	expect_map(0x200000, 0x200000 + off, NPT_RWX, 2);
	expect_map(0x3ff000, 0x3ff000 + off, NPT_RWX, 2);
	expect_map(0x400000, 0x400000 + off, NPT_RWX, 2);
	expect_map(0x5ff000, 0x5ff000 + off, NPT_RWX, 2);
	expect_map(0x600000, 0x600000 + off, NPT_RWX, 1);
	expect_unmapped(0x601000);
	assert_int_equal(pt.tables, 5); /* PML4, PDPT, PD, two PTs */
	check_all_tables();
	destroy_no_leaks();
}

static void test_misaligned_hpa_forces_4k(void **state)
{
	(void)state;
	assert_int_equal(npt_map(&pt, 2 * MIB, 2 * MIB + 0x1000, 2 * MIB, NPT_RWX), 0);
	expect_map(2 * MIB, 2 * MIB + 0x1000, NPT_RWX, 1);
	expect_map(4 * MIB - 0x1000, 4 * MIB, NPT_RWX, 1);
	assert_int_equal(pt.tables, 4);
	destroy_no_leaks();
}

static void test_read_only_has_no_rw_bit(void **state)
{
	uint64_t e;

	(void)state;
	assert_int_equal(npt_map(&pt, 0x3000, 0x9000, 0x1000, NPT_READ), 0);
	e = raw_entry(0x3000, 1);
	assert_true(e & E_P);
	assert_false(e & E_RW);
	assert_true(e & E_NX);
	expect_map(0x3000, 0x9000, NPT_READ, 1);
	destroy_no_leaks();
}

static void test_no_read_is_not_present(void **state)
{
	uint64_t e;

	(void)state;
	assert_int_equal(npt_map(&pt, 0x3000, 0x9000, 0x1000, NPT_WRITE | NPT_EXEC), 0);
	e = raw_entry(0x3000, 1);
	assert_false(e & E_P);
	expect_unmapped(0x3000);
	destroy_no_leaks();
}

static void test_uncached_sets_pcd_pwt(void **state)
{
	uint64_t e;

	(void)state;
	assert_int_equal(npt_map(&pt, 0xfee00000, 0xfee00000, 0x1000, NPT_READ | NPT_WRITE | NPT_UNCACHED), 0);
	e = raw_entry(0xfee00000, 1);
	assert_int_equal(e & (E_PCD | E_PWT), E_PCD | E_PWT);
	expect_map(0xfee00000, 0xfee00000, NPT_READ | NPT_WRITE | NPT_UNCACHED, 1);
	destroy_no_leaks();
}

static void test_no_nx_when_host_lacks_it(void **state)
{
	(void)state;
	npt_nx_usable = false;
	assert_int_equal(npt_map(&pt, 0x3000, 0x9000, 0x1000, NPT_READ), 0);
	assert_false(raw_entry(0x3000, 1) & E_NX);
	destroy_no_leaks();
}

static void test_unmap_middle_page_splits_large_leaf(void **state)
{
	const uint64_t hpa = 2 * GIB;

	(void)state;
	assert_int_equal(npt_map(&pt, 2 * MIB, hpa, 2 * MIB, NPT_READ | NPT_WRITE), 0);
	assert_int_equal(npt_unmap(&pt, 3 * MIB, 0x1000), 0);
	expect_unmapped(3 * MIB);
	expect_unmapped(3 * MIB + 0xfff);
	expect_map(2 * MIB, hpa, NPT_READ | NPT_WRITE, 1);
	expect_map(3 * MIB - 0x1000, hpa + MIB - 0x1000, NPT_READ | NPT_WRITE, 1);
	expect_map(3 * MIB + 0x1000, hpa + MIB + 0x1000, NPT_READ | NPT_WRITE, 1);
	expect_map(4 * MIB - 1, hpa + 2 * MIB - 1, NPT_READ | NPT_WRITE, 1);
	/* The split page-table entries are 4K leaves: no PS bit (bit 7 is PAT there). */
	assert_false(raw_entry(2 * MIB, 1) & E_PS);
	assert_int_equal(pt.tables, 4);
	check_all_tables();
	destroy_no_leaks();
}

static void test_map_4k_inside_1g_leaf_splits_twice(void **state)
{
	(void)state;
	npt_format_amd.max_leaf_level = 3;
	assert_int_equal(npt_map(&pt, 0, 4 * GIB, GIB, NPT_RWX), 0);
	assert_int_equal(npt_map(&pt, 5 * MIB, 0x7000, 0x1000, NPT_READ), 0);
	expect_map(5 * MIB, 0x7000, NPT_READ, 1);
	expect_map(5 * MIB + 0x1000, 4 * GIB + 5 * MIB + 0x1000, NPT_RWX, 1);
	expect_map(4 * MIB, 4 * GIB + 4 * MIB, NPT_RWX, 1); /* same 2 MiB block: split too */
	expect_map(6 * MIB, 4 * GIB + 6 * MIB, NPT_RWX, 2);
	expect_map(GIB - 1, 5 * GIB - 1, NPT_RWX, 2);
	assert_int_equal(pt.tables, 4);
	check_all_tables();
	destroy_no_leaks();
}

static void test_unmap_whole_range_frees_page_tables(void **state)
{
	(void)state;
	/* hpa off by 4K: 6 MiB of 4K pages under three page tables. */
	assert_int_equal(npt_map(&pt, 0, 0x1000, 6 * MIB, NPT_RWX), 0);
	assert_int_equal(pt.tables, 6);
	assert_int_equal(npt_unmap(&pt, 0, 6 * MIB), 0);
	for (uint64_t gpa = 0; gpa < 6 * MIB; gpa += 0x1000)
		expect_unmapped(gpa);
	assert_int_equal(pt.tables, 3);
	check_all_tables();
	destroy_no_leaks();
}

static void test_unmap_partial_range_keeps_the_rest(void **state)
{
	(void)state;
	assert_int_equal(npt_map(&pt, 0, 0, 8 * MIB, NPT_RWX), 0);
	assert_int_equal(npt_unmap(&pt, MIB, 4 * MIB), 0); /* [1, 5) MiB */
	expect_map(MIB - 0x1000, MIB - 0x1000, NPT_RWX, 1);
	expect_unmapped(MIB);
	expect_unmapped(4 * MIB);
	expect_unmapped(5 * MIB - 0x1000);
	expect_map(5 * MIB, 5 * MIB, NPT_RWX, 1);
	expect_map(6 * MIB, 6 * MIB, NPT_RWX, 2);
	check_all_tables();
	destroy_no_leaks();
}

static void test_unmap_unmapped_is_harmless(void **state)
{
	(void)state;
	assert_int_equal(npt_unmap(&pt, 16 * GIB, 4 * GIB), 0);
	assert_int_equal(pt.tables, 1);
	assert_int_equal(npt_unmap(&pt, 0x1000, 0), 0);
	destroy_no_leaks();
}

static void test_large_leaf_over_table_frees_it(void **state)
{
	unsigned before;

	(void)state;
	assert_int_equal(npt_map(&pt, 2 * MIB, 0x1000, 2 * MIB, NPT_RWX), 0); /* 512 4K pages */
	before = nlive;
	assert_int_equal(npt_map(&pt, 2 * MIB, 8 * MIB, 2 * MIB, NPT_READ), 0);
	assert_int_equal(nlive, before - 1);
	assert_int_equal(pt.tables, nlive);
	expect_map(2 * MIB + 0x5000, 8 * MIB + 0x5000, NPT_READ, 2);
	check_all_tables();
	destroy_no_leaks();
}

static void test_1g_leaf_over_tables_frees_them(void **state)
{
	(void)state;
	npt_format_amd.max_leaf_level = 3;
	assert_int_equal(npt_map(&pt, 0, 0x1000, 4 * MIB, NPT_RWX), 0); /* PD + two PTs */
	assert_int_equal(pt.tables, 5);
	assert_int_equal(npt_map(&pt, 0, GIB, GIB, NPT_RWX), 0);
	assert_int_equal(pt.tables, 2);
	assert_int_equal(nlive, 2);
	expect_map(0x3000, GIB + 0x3000, NPT_RWX, 3);
	destroy_no_leaks();
}

static void test_invalid_arguments(void **state)
{
	(void)state;
	assert_int_equal(npt_map(&pt, 0x1001, 0x2000, 0x1000, NPT_RWX), -EINVAL);
	assert_int_equal(npt_map(&pt, 0x1000, 0x2001, 0x1000, NPT_RWX), -EINVAL);
	assert_int_equal(npt_map(&pt, 0x1000, 0x2000, 0x1001, NPT_RWX), -EINVAL);
	assert_int_equal(npt_map(&pt, 0x1000, 0x2000, 0, NPT_RWX), -EINVAL);
	assert_int_equal(npt_map(&pt, 1ull << 48, 0x2000, 0x1000, NPT_RWX), -EINVAL);
	assert_int_equal(npt_map(&pt, (1ull << 48) - 0x1000, 0x2000, 0x2000, NPT_RWX), -EINVAL);
	assert_int_equal(npt_map(&pt, 0xfffffffffffff000ull, 0x2000, 0x2000, NPT_RWX), -EINVAL);
	assert_int_equal(npt_unmap(&pt, 0x1001, 0x1000), -EINVAL);
	assert_int_equal(npt_unmap(&pt, 0x1000, 0x800), -EINVAL);
	assert_int_equal(npt_unmap(&pt, 0xfffffffffffff000ull, 0x2000), -EINVAL);
	assert_int_equal(pt.tables, 1); /* nothing was built */
	/* The last page below 2^48 is fine. */
	assert_int_equal(npt_map(&pt, (1ull << 48) - 0x1000, 0x2000, 0x1000, NPT_RWX), 0);
	expect_map((1ull << 48) - 0x1000, 0x2000, NPT_RWX, 1);
	destroy_no_leaks();
}

static void test_out_of_memory_reports_enomem_without_leaks(void **state)
{
	(void)state;
	allocs_left = 2; /* PDPT and PD, then the page table fails */
	assert_int_equal(npt_map(&pt, 0x1000, 0x1000, 0x1000, NPT_RWX), -ENOMEM);
	expect_unmapped(0x1000);
	allocs_left = -1;
	assert_int_equal(npt_map(&pt, 0, 0, 2 * MIB, NPT_RWX), 0);
	allocs_left = 0; /* splitting the leaf needs a page */
	assert_int_equal(npt_unmap(&pt, 0x1000, 0x1000), -ENOMEM);
	expect_map(0x1000, 0x1000, NPT_RWX, 2);
	allocs_left = -1;
	check_all_tables();
	destroy_no_leaks();
}

static void test_many_mappings_all_entries_point_to_our_tables(void **state)
{
	(void)state;
	npt_format_amd.max_leaf_level = 3;
	assert_int_equal(npt_map(&pt, 0, 0, 4 * GIB, NPT_RWX), 0);
	assert_int_equal(npt_map(&pt, 0x100000000000ull, 0x3000, 0x801000, NPT_READ), 0);
	assert_int_equal(npt_map(&pt, 0xfee00000, 0xfee00000, 0x1000, NPT_READ | NPT_WRITE | NPT_UNCACHED), 0);
	assert_int_equal(npt_unmap(&pt, GIB + 0x5000, 0x3000), 0);
	assert_int_equal(npt_unmap(&pt, 0x100000400000ull, 2 * MIB), 0);
	check_all_tables();
	expect_unmapped(GIB + 0x6000);
	expect_map(GIB + 0x8000, GIB + 0x8000, NPT_RWX, 1);
	expect_map(2 * GIB, 2 * GIB, NPT_RWX, 3);
	expect_map(3 * GIB, 3 * GIB, NPT_RWX, 2); /* split by the 0xfee00000 page */
	expect_map(0x100000800000ull, 0x803000, NPT_READ, 1);
	expect_unmapped(0x100000400000ull);
	destroy_no_leaks();
}

/* Four levels translate 48 bits: an address above that must not alias the mapping at its low bits. */
static void test_lookup_beyond_48_bits_is_unmapped(void **state)
{
	(void)state;
	assert_int_equal(npt_map(&pt, 0x200000, 0x40000000, 0x1000, NPT_RWX), 0);
	expect_map(0x200000, 0x40000000, NPT_RWX, 1);
	expect_unmapped((1ull << 48) + 0x200000);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_init_allocates_root),
		T(test_lookup_beyond_48_bits_is_unmapped),
		T(test_map_4k_and_lookup),
		T(test_map_4k_hand_walk),
		T(test_map_2m_uses_one_leaf),
		T(test_map_2m_exec_has_no_nx),
		T(test_map_1g_leaf_when_allowed),
		T(test_map_1g_not_used_at_max_level_2),
		T(test_unaligned_range_uses_small_pages_at_edges),
		T(test_misaligned_hpa_forces_4k),
		T(test_read_only_has_no_rw_bit),
		T(test_no_read_is_not_present),
		T(test_uncached_sets_pcd_pwt),
		T(test_no_nx_when_host_lacks_it),
		T(test_unmap_middle_page_splits_large_leaf),
		T(test_map_4k_inside_1g_leaf_splits_twice),
		T(test_unmap_whole_range_frees_page_tables),
		T(test_unmap_partial_range_keeps_the_rest),
		T(test_unmap_unmapped_is_harmless),
		T(test_large_leaf_over_table_frees_it),
		T(test_1g_leaf_over_tables_frees_them),
		T(test_invalid_arguments),
		T(test_out_of_memory_reports_enomem_without_leaks),
		T(test_many_mappings_all_entries_point_to_our_tables),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
