/* SPDX-License-Identifier: MIT */
/* Unit tests for arch/x86/vmx/ept_encode.c and ept_pointer(), alone and driven by kernel/nested_pt.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "arch/x86/vmx/ept.h"
#include "kernel/errno.h"
#include "kernel/mem.h"
#include "kernel/nested_pt.h"

#define KIB 1024ull
#define MIB (1024ull * KIB)
#define GIB (1024ull * MIB)

/* EPT entry bits as the Intel SDM (vol. 3C, "EPT Translation Mechanism") defines them, written out
 * here so the test does not trust ept.h. */
#define E_R 0x1ull
#define E_W 0x2ull
#define E_X 0x4ull
#define E_RWX 0x7ull
#define E_MT_MASK 0x38ull /* bits 5:3, memory type of a leaf */
#define E_MT_WB 0x30ull   /* 6 << 3 */
#define E_MT_UC 0x00ull
#define E_IPAT 0x40ull    /* bit 6: ignore PAT */
#define E_LARGE 0x80ull   /* bit 7: 2 MiB / 1 GiB leaf */
#define E_ADDR_4K 0x000ffffffffff000ull
#define E_ADDR_2M 0x000fffffffe00000ull
#define E_ADDR_1G 0x000fffffc0000000ull

#include "tests/unit/page_double.h"

/* ---- fixture -------------------------------------------------------------- */

static struct nested_pt pt;

static int setup(void **state)
{
	(void)state;
	nlive = allocs = frees = 0;
	allocs_left = -1;
	ept_format.max_leaf_level = 2;
	assert_int_equal(npt_init(&pt, &ept_format), 0);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	ept_format.max_leaf_level = 2;
	if (pt.root)
		npt_destroy(&pt);
	page_double_release_all();
	return 0;
}

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

static bool raw_is_large(uint64_t e, unsigned level)
{
	return (level == 2 || level == 3) && (e & E_LARGE);
}

static uint64_t *table_of(uint64_t entry)
{
	uint64_t pa = entry & E_ADDR_4K;

	if (live_index((void *)(uintptr_t)pa) < 0)
		fail_msg("entry %#llx points outside the allocated tables", (unsigned long long)entry);
	return (uint64_t *)(uintptr_t)pa;
}

/* Raw entry for gpa at `level`, walking from the root by hand; 0 when the walk ends earlier. */
static uint64_t raw_entry(uint64_t gpa, unsigned level)
{
	uint64_t *t = pt.root;

	for (unsigned l = 4; l > level; l--) {
		uint64_t e = t[idx(gpa, l)];

		if (!(e & E_RWX) || raw_is_large(e, l))
			return 0;
		t = table_of(e);
	}
	return t[idx(gpa, level)];
}

/* Counts reachable tables; every non-leaf entry must grant RWX and keep bits 7:3 clear (reserved
 * or "must be 0" in EPT entries that reference a table). */
static unsigned check_tree(const uint64_t *t, unsigned level)
{
	unsigned n = 1;

	for (unsigned i = 0; level > 1 && i < 512; i++) {
		uint64_t e = t[i];

		if (!(e & E_RWX) || raw_is_large(e, level))
			continue;
		assert_int_equal(e & 0xffull, E_RWX);
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

/* ---- leaf encoding ---------------------------------------------------------- */

static uint64_t leaf(uint64_t pa, unsigned perms, unsigned level)
{
	return ept_format.leaf_entry(pa, perms, level);
}

static void test_leaf_4k_permission_bits(void **state)
{
	(void)state;
	assert_int_equal(leaf(0x12345000, NPT_READ, 1), 0x12345000 | E_R | E_MT_WB);
	assert_int_equal(leaf(0x12345000, NPT_READ | NPT_WRITE, 1), 0x12345000 | E_R | E_W | E_MT_WB);
	assert_int_equal(leaf(0x12345000, NPT_READ | NPT_EXEC, 1), 0x12345000 | E_R | E_X | E_MT_WB);
	assert_int_equal(leaf(0x12345000, NPT_RWX, 1), 0x12345000 | E_RWX | E_MT_WB);
}

static void test_leaf_write_implies_read(void **state)
{
	(void)state;
	/* Write-only (W=1, R=0) is an EPT misconfiguration; the encoder must add R. */
	assert_int_equal(leaf(0x5000, NPT_WRITE, 1), 0x5000 | E_R | E_W | E_MT_WB);
	assert_int_equal(leaf(0x5000, NPT_WRITE | NPT_EXEC, 1), 0x5000 | E_RWX | E_MT_WB);
}

static void test_leaf_execute_only(void **state)
{
	(void)state;
	assert_int_equal(leaf(0x5000, NPT_EXEC, 1), 0x5000 | E_X | E_MT_WB);
}

static void test_leaf_without_permissions_is_zero(void **state)
{
	(void)state;
	assert_int_equal(leaf(0x5000, 0, 1), 0);
	assert_int_equal(leaf(0x5000, NPT_UNCACHED, 1), 0);
	assert_int_equal(leaf(2 * MIB, 0, 2), 0);
}

static void test_leaf_uncached_memory_type(void **state)
{
	(void)state;
	assert_int_equal(leaf(0xfee00000, NPT_READ | NPT_WRITE | NPT_UNCACHED, 1), 0xfee00000 | E_R | E_W | E_MT_UC);
	assert_int_equal(leaf(0xc0000000, NPT_READ | NPT_UNCACHED, 2) & E_MT_MASK, E_MT_UC);
}

static void test_leaf_never_sets_ignore_pat(void **state)
{
	(void)state;
	assert_false(leaf(0x5000, NPT_RWX, 1) & E_IPAT);
	assert_false(leaf(0x5000, NPT_RWX | NPT_UNCACHED, 1) & E_IPAT);
}

static void test_leaf_2m_sets_bit7_and_masks_address(void **state)
{
	(void)state;
	assert_int_equal(leaf(0x40200000, NPT_RWX, 2), 0x40200000 | E_LARGE | E_MT_WB | E_RWX);
	/* Bits 20:12 of a 2 MiB leaf's address are reserved: the encoder drops them. */
	assert_int_equal(leaf(0x40201000, NPT_READ, 2) & E_ADDR_4K, 0x40200000);
}

static void test_leaf_1g_sets_bit7_and_masks_address(void **state)
{
	(void)state;
	assert_int_equal(leaf(3 * GIB, NPT_READ | NPT_WRITE, 3), 3 * GIB | E_LARGE | E_MT_WB | E_R | E_W);
	assert_int_equal(leaf(3 * GIB + 2 * MIB, NPT_READ, 3) & E_ADDR_4K, 3 * GIB);
}

static void test_leaf_4k_has_no_bit7(void **state)
{
	(void)state;
	assert_false(leaf(0x7000, NPT_RWX, 1) & E_LARGE);
}

static void test_leaf_address_limited_to_bit51(void **state)
{
	(void)state;
	/* Bits 63:52 carry no address in EPT entries (suppress-#VE is bit 63). */
	assert_int_equal(leaf(0xfff0000012345000ull, NPT_READ, 1), 0x12345000 | E_R | E_MT_WB);
	assert_int_equal(leaf(0x000ffffffffff000ull, NPT_READ, 1) & E_ADDR_4K, 0x000ffffffffff000ull);
}

/* ---- non-leaf entries and decoding --------------------------------------------- */

static void test_table_entry_grants_rwx_without_memtype(void **state)
{
	uint64_t e = ept_format.table_entry(0x1234000);

	(void)state;
	assert_int_equal(e, 0x1234000 | E_RWX);
	assert_int_equal(e & 0xf8, 0); /* memory type, ignore-PAT and bit 7 stay clear */
}

static void test_entry_address_per_level(void **state)
{
	(void)state;
	assert_int_equal(ept_format.entry_address(0x12345000 | E_RWX | E_MT_WB, 1), 0x12345000);
	assert_int_equal(ept_format.entry_address(0x40200000 | E_LARGE | E_MT_WB | E_R, 2), 0x40200000);
	assert_int_equal(ept_format.entry_address(0xc0000000 | E_LARGE | E_MT_WB | E_R, 3), 0xc0000000);
	/* Without bit 7 the entry references a 4K-aligned table. */
	assert_int_equal(ept_format.entry_address(0x40201000 | E_RWX, 2), 0x40201000);
	assert_int_equal(ept_format.entry_address(0xc0005000 | E_RWX, 3), 0xc0005000);
}

static void test_round_trip_perms_and_address(void **state)
{
	static const unsigned perms[] = { NPT_READ, NPT_READ | NPT_WRITE, NPT_READ | NPT_EXEC, NPT_RWX, NPT_EXEC,
					  NPT_READ | NPT_UNCACHED, NPT_RWX | NPT_UNCACHED };
	static const uint64_t pa[] = { 0, 0x7ffff000ull, 0x40200000ull, 0x40000000ull };

	(void)state;
	for (unsigned level = 1; level <= 3; level++)
		for (size_t i = 0; i < sizeof(perms) / sizeof(perms[0]); i++)
			for (size_t j = 0; j < sizeof(pa) / sizeof(pa[0]); j++) {
				uint64_t want_pa = pa[j] & (level == 3 ? E_ADDR_1G : level == 2 ? E_ADDR_2M : E_ADDR_4K);
				uint64_t e = leaf(want_pa, perms[i], level);

				assert_int_equal(ept_format.entry_perms(e), perms[i]);
				assert_int_equal(ept_format.entry_address(e, level), want_pa);
				assert_true(ept_format.is_leaf(e, level));
			}
}

static void test_is_present_any_permission_bit(void **state)
{
	(void)state;
	assert_true(ept_format.is_present(E_X));
	assert_true(ept_format.is_present(E_R));
	assert_true(ept_format.is_present(0x5000 | E_W | E_R));
	assert_false(ept_format.is_present(0));
	assert_false(ept_format.is_present(0x5000 | E_MT_WB | E_LARGE));
}

static void test_is_leaf_per_level(void **state)
{
	(void)state;
	assert_true(ept_format.is_leaf(0x5000 | E_R, 1));
	assert_true(ept_format.is_leaf(0x200000 | E_R | E_LARGE, 2));
	assert_false(ept_format.is_leaf(0x5000 | E_RWX, 2));
	assert_true(ept_format.is_leaf(GIB | E_R | E_LARGE, 3));
	assert_false(ept_format.is_leaf(0x5000 | E_RWX, 3));
	assert_false(ept_format.is_leaf(0x5000 | E_RWX | E_LARGE, 4)); /* bit 7 is reserved in a PML4E */
}

/* ---- EPT pointer ------------------------------------------------------------ */

static void test_ept_pointer_layout(void **state)
{
	(void)state;
	/* Bits 2:0 memory type WB (6), bits 5:3 walk length minus one (3), bit 6 (A/D) clear. */
	assert_int_equal(ept_pointer(0x12345000), 0x12345000 | (3 << 3) | 6);
	assert_int_equal(ept_pointer(0x12345000), 0x1234501eull);
	assert_int_equal(ept_pointer(0x12345fff), 0x1234501eull);
	assert_int_equal(ept_pointer(0xfff0000000001000ull), 0x101eull);
}

/* ---- mapping through nested_pt ------------------------------------------------ */

static void test_map_4k_hand_walk(void **state)
{
	const uint64_t gpa = 0x7f1234567000ull, hpa = 0x00000abcdef01000ull;
	uint64_t *t = pt.root, e;
	/* gpa 0x7f1234567000 -> indices 254 / 72 / 418 / 359 (worked out by hand). */
	static const unsigned upper_index[] = { 254, 72, 418 };

	(void)state;
	assert_int_equal(npt_map(&pt, gpa, hpa, 0x1000, NPT_READ | NPT_WRITE), 0);
	for (unsigned i = 0; i < 3; i++) {
		e = t[upper_index[i]];
		assert_int_equal(e & 0xff, E_RWX);
		t = table_of(e);
	}
	e = t[359];
	assert_int_equal(e, hpa | E_R | E_W | E_MT_WB);
	assert_int_equal(t[358], 0);
	assert_int_equal(t[360], 0);
	assert_int_equal(pt.tables, 4);
	expect_map(gpa + 0x123, hpa + 0x123, NPT_READ | NPT_WRITE, 1);
	destroy_no_leaks();
}

static void test_map_2m_leaf(void **state)
{
	(void)state;
	assert_int_equal(npt_map(&pt, 2 * MIB, GIB, 2 * MIB, NPT_RWX), 0);
	assert_int_equal(pt.tables, 3); /* no page table under the 2 MiB leaf */
	assert_int_equal(raw_entry(2 * MIB, 2), GIB | E_LARGE | E_MT_WB | E_RWX);
	expect_map(2 * MIB, GIB, NPT_RWX, 2);
	expect_map(4 * MIB - 1, GIB + 2 * MIB - 1, NPT_RWX, 2);
	expect_unmapped(4 * MIB);
	expect_unmapped(2 * MIB - 1);
	destroy_no_leaks();
}

static void test_map_1g_leaf_when_enabled(void **state)
{
	(void)state;
	ept_format.max_leaf_level = 3;
	assert_int_equal(npt_map(&pt, GIB, 3 * GIB, GIB, NPT_READ | NPT_EXEC), 0);
	assert_int_equal(pt.tables, 2);
	assert_int_equal(raw_entry(GIB, 3), 3 * GIB | E_LARGE | E_MT_WB | E_R | E_X);
	expect_map(GIB + 0x12345678, 3 * GIB + 0x12345678, NPT_READ | NPT_EXEC, 3);
	destroy_no_leaks();
}

static void test_map_1g_split_into_2m_by_default(void **state)
{
	(void)state;
	assert_int_equal(npt_map(&pt, GIB, 3 * GIB, GIB, NPT_RWX), 0);
	assert_int_equal(pt.tables, 3);
	expect_map(GIB + 0x12345678, 3 * GIB + 0x12345678, NPT_RWX, 2);
	destroy_no_leaks();
}

static void test_map_uncached_page(void **state)
{
	(void)state;
	assert_int_equal(npt_map(&pt, 0xfee00000, 0xfee00000, 0x1000, NPT_READ | NPT_WRITE | NPT_UNCACHED), 0);
	assert_int_equal(raw_entry(0xfee00000, 1), 0xfee00000 | E_R | E_W | E_MT_UC);
	expect_map(0xfee00000, 0xfee00000, NPT_READ | NPT_WRITE | NPT_UNCACHED, 1);
	destroy_no_leaks();
}

static void test_map_execute_only_is_present(void **state)
{
	(void)state;
	/* Unlike AMD NPT, EPT can express a translation without read access. */
	assert_int_equal(npt_map(&pt, 0x3000, 0x9000, 0x1000, NPT_EXEC), 0);
	assert_int_equal(raw_entry(0x3000, 1), 0x9000 | E_X | E_MT_WB);
	expect_map(0x3000, 0x9000, NPT_EXEC, 1);
	destroy_no_leaks();
}

static void test_map_write_only_becomes_read_write(void **state)
{
	(void)state;
	assert_int_equal(npt_map(&pt, 0x3000, 0x9000, 0x1000, NPT_WRITE), 0);
	expect_map(0x3000, 0x9000, NPT_READ | NPT_WRITE, 1);
	destroy_no_leaks();
}

static void test_unmap_splits_2m_leaf(void **state)
{
	const uint64_t hpa = 2 * GIB;

	(void)state;
	assert_int_equal(npt_map(&pt, 2 * MIB, hpa, 2 * MIB, NPT_READ | NPT_WRITE), 0);
	assert_int_equal(npt_unmap(&pt, 3 * MIB, 0x1000), 0);
	expect_unmapped(3 * MIB);
	expect_map(2 * MIB, hpa, NPT_READ | NPT_WRITE, 1);
	expect_map(3 * MIB - 0x1000, hpa + MIB - 0x1000, NPT_READ | NPT_WRITE, 1);
	expect_map(3 * MIB + 0x1000, hpa + MIB + 0x1000, NPT_READ | NPT_WRITE, 1);
	expect_map(4 * MIB - 1, hpa + 2 * MIB - 1, NPT_READ | NPT_WRITE, 1);
	/* The PD entry now references a table; the new 4K leaves carry WB and no bit 7. */
	assert_int_equal(raw_entry(2 * MIB, 2) & 0xff, E_RWX);
	assert_int_equal(raw_entry(2 * MIB, 1), hpa | E_R | E_W | E_MT_WB);
	assert_int_equal(pt.tables, 4);
	check_all_tables();
	destroy_no_leaks();
}

static void test_split_keeps_uncached_type(void **state)
{
	(void)state;
	assert_int_equal(npt_map(&pt, 0, 0xc0000000, 2 * MIB, NPT_READ | NPT_WRITE | NPT_UNCACHED), 0);
	assert_int_equal(npt_unmap(&pt, 0x5000, 0x1000), 0);
	assert_int_equal(raw_entry(0x6000, 1), 0xc0006000 | E_R | E_W | E_MT_UC);
	expect_map(0x4000, 0xc0004000, NPT_READ | NPT_WRITE | NPT_UNCACHED, 1);
	destroy_no_leaks();
}

static void test_unmap_inside_1g_leaf_splits_twice(void **state)
{
	(void)state;
	ept_format.max_leaf_level = 3;
	assert_int_equal(npt_map(&pt, 0, 4 * GIB, GIB, NPT_RWX), 0);
	assert_int_equal(npt_unmap(&pt, 5 * MIB, 0x1000), 0);
	expect_unmapped(5 * MIB);
	expect_map(5 * MIB + 0x1000, 4 * GIB + 5 * MIB + 0x1000, NPT_RWX, 1);
	expect_map(6 * MIB, 4 * GIB + 6 * MIB, NPT_RWX, 2);
	assert_int_equal(raw_entry(6 * MIB, 2), (4 * GIB + 6 * MIB) | E_LARGE | E_MT_WB | E_RWX);
	assert_int_equal(pt.tables, 4);
	check_all_tables();
	destroy_no_leaks();
}

static void test_1g_leaf_over_tables_frees_them(void **state)
{
	(void)state;
	ept_format.max_leaf_level = 3;
	assert_int_equal(npt_map(&pt, 0, 0x1000, 4 * MIB, NPT_RWX), 0); /* PD + two PTs */
	assert_int_equal(pt.tables, 5);
	assert_int_equal(npt_map(&pt, 0, GIB, GIB, NPT_RWX), 0);
	assert_int_equal(pt.tables, 2);
	assert_int_equal(nlive, 2);
	expect_map(0x3000, GIB + 0x3000, NPT_RWX, 3);
	destroy_no_leaks();
}

static void test_mixed_mappings_no_leaks(void **state)
{
	(void)state;
	ept_format.max_leaf_level = 3;
	assert_int_equal(npt_map(&pt, 0, 0, 4 * GIB, NPT_RWX), 0);
	assert_int_equal(npt_map(&pt, 0xfee00000, 0xfee00000, 0x1000, NPT_READ | NPT_WRITE | NPT_UNCACHED), 0);
	assert_int_equal(npt_map(&pt, 0x100000000000ull, 0x3000, 0x801000, NPT_READ), 0);
	assert_int_equal(npt_unmap(&pt, GIB + 0x5000, 0x3000), 0);
	assert_int_equal(npt_unmap(&pt, 0x100000400000ull, 2 * MIB), 0);
	check_all_tables();
	expect_map(2 * GIB, 2 * GIB, NPT_RWX, 3);
	expect_map(0xfee00000, 0xfee00000, NPT_READ | NPT_WRITE | NPT_UNCACHED, 1);
	expect_map(0xfee01000, 0xfee01000, NPT_RWX, 1);
	expect_unmapped(GIB + 0x6000);
	expect_unmapped(0x100000400000ull);
	assert_int_equal(npt_root_pa(&pt) & 0xfff, 0);
	destroy_no_leaks();
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_leaf_4k_permission_bits),
		T(test_leaf_write_implies_read),
		T(test_leaf_execute_only),
		T(test_leaf_without_permissions_is_zero),
		T(test_leaf_uncached_memory_type),
		T(test_leaf_never_sets_ignore_pat),
		T(test_leaf_2m_sets_bit7_and_masks_address),
		T(test_leaf_1g_sets_bit7_and_masks_address),
		T(test_leaf_4k_has_no_bit7),
		T(test_leaf_address_limited_to_bit51),
		T(test_table_entry_grants_rwx_without_memtype),
		T(test_entry_address_per_level),
		T(test_round_trip_perms_and_address),
		T(test_is_present_any_permission_bit),
		T(test_is_leaf_per_level),
		T(test_ept_pointer_layout),
		T(test_map_4k_hand_walk),
		T(test_map_2m_leaf),
		T(test_map_1g_leaf_when_enabled),
		T(test_map_1g_split_into_2m_by_default),
		T(test_map_uncached_page),
		T(test_map_execute_only_is_present),
		T(test_map_write_only_becomes_read_write),
		T(test_unmap_splits_2m_leaf),
		T(test_split_keeps_uncached_type),
		T(test_unmap_inside_1g_leaf_splits_twice),
		T(test_1g_leaf_over_tables_frees_them),
		T(test_mixed_mappings_no_leaks),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
