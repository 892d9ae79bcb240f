/* SPDX-License-Identifier: MIT */
/* Unit tests for the e820 builder: exact RAM accounting, the legacy hole, marks, limits, bad input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kernel/e820.h"
#include "kernel/errno.h"

#define MiB (1ull << 20)
#define GiB (1ull << 30)
#define HOLE (E820_LEGACY_END - E820_LEGACY_START)

static struct e820_entry map[E820_MAX_ENTRIES_ZEROPAGE];

/* Sorted, non-empty, non-overlapping, and no two touching entries of one type (they merge). */
static void check_well_formed(int n)
{
	assert_true(n >= 0);
	for (int i = 0; i < n; i++) {
		assert_true(map[i].size > 0);
		assert_true(map[i].type != 0);
		if (i == 0)
			continue;
		assert_true(map[i - 1].addr + map[i - 1].size <= map[i].addr);
		if (map[i - 1].addr + map[i - 1].size == map[i].addr)
			assert_int_not_equal(map[i - 1].type, map[i].type);
	}
}

static void expect_entry(int i, uint64_t addr, uint64_t end, uint32_t type)
{
	if (map[i].addr != addr || map[i].addr + map[i].size != end || map[i].type != type)
		fail_msg("entry %d is [0x%llx, 0x%llx) type %u; expected [0x%llx, 0x%llx) type %u", i,
			 (unsigned long long)map[i].addr, (unsigned long long)(map[i].addr + map[i].size),
			 map[i].type, (unsigned long long)addr, (unsigned long long)end, type);
}

static int build_flat(uint64_t ram_size)
{
	struct e820_ram ram = { 0, ram_size };
	int n = e820_build(&ram, 1, NULL, 0, map, E820_MAX_ENTRIES_ZEROPAGE);

	check_well_formed(n);
	return n;
}

static void test_flat_sizes(void **state)
{
	static const uint64_t sizes[] = { 2 * MiB, 64 * MiB, 3 * GiB };

	(void)state;
	for (unsigned i = 0; i < 3; i++) {
		uint64_t ram = sizes[i];

		assert_int_equal(build_flat(ram), 3);
		expect_entry(0, 0, E820_LEGACY_START, E820_RAM);
		expect_entry(1, E820_LEGACY_START, E820_LEGACY_END, E820_RESERVED);
		expect_entry(2, E820_LEGACY_END, ram, E820_RAM);
		/* Exactly the VM's RAM minus the hole: no byte more, none less. */
		assert_int_equal(e820_bytes_of_type(map, 3, E820_RAM), ram - HOLE);
		assert_int_equal(e820_bytes_of_type(map, 3, E820_RESERVED), HOLE);
	}
}

static void test_ram_below_hole_only(void **state)
{
	(void)state;
	assert_int_equal(build_flat(512 * 1024), 2);
	expect_entry(0, 0, 512 * 1024, E820_RAM);
	expect_entry(1, E820_LEGACY_START, E820_LEGACY_END, E820_RESERVED);
}

static void test_ram_ending_inside_hole(void **state)
{
	(void)state;
	assert_int_equal(build_flat(0xc0000), 2);
	expect_entry(0, 0, E820_LEGACY_START, E820_RAM);
	expect_entry(1, E820_LEGACY_START, E820_LEGACY_END, E820_RESERVED);
}

static void test_split_regions_unsorted(void **state)
{
	struct e820_ram ram[] = { { 4 * GiB, 2 * GiB }, { 1 * MiB, 1 * MiB }, { 0, 1 * MiB }, { 2 * MiB, 2 * GiB - 2 * MiB } };
	int n;

	(void)state;
	n = e820_build(ram, 4, NULL, 0, map, E820_MAX_ENTRIES_ZEROPAGE);
	check_well_formed(n);
	assert_int_equal(n, 4);
	expect_entry(0, 0, E820_LEGACY_START, E820_RAM);
	expect_entry(1, E820_LEGACY_START, E820_LEGACY_END, E820_RESERVED);
	expect_entry(2, E820_LEGACY_END, 2 * GiB, E820_RAM); /* three touching regions merged */
	expect_entry(3, 4 * GiB, 6 * GiB, E820_RAM);
	assert_int_equal(e820_bytes_of_type(map, 4, E820_RAM), 4 * GiB - HOLE);
}

static void test_ram_above_1mib_only(void **state)
{
	struct e820_ram ram = { 16 * MiB, 48 * MiB };
	int n;

	(void)state;
	n = e820_build(&ram, 1, NULL, 0, map, E820_MAX_ENTRIES_ZEROPAGE);
	check_well_formed(n);
	assert_int_equal(n, 2);
	expect_entry(0, E820_LEGACY_START, E820_LEGACY_END, E820_RESERVED);
	expect_entry(1, 16 * MiB, 64 * MiB, E820_RAM);
}

static void test_marks(void **state)
{
	struct e820_ram ram = { 0, 256 * MiB };
	struct e820_entry marks[] = {
		{ 255 * MiB, 64 * 1024, E820_ACPI },            /* ACPI tables inside RAM */
		{ 0xe0000000ull, 256 * MiB, E820_RESERVED },    /* ECAM window outside RAM */
		{ 0xf0000, 0x10000, E820_ACPI },                /* RSDP area inside the legacy hole */
		{ 255 * MiB + 64 * 1024, 4096, E820_NVS },      /* touching the ACPI mark */
	};
	int n;

	(void)state;
	n = e820_build(&ram, 1, marks, 4, map, E820_MAX_ENTRIES_ZEROPAGE);
	check_well_formed(n);
	assert_int_equal(n, 8);
	expect_entry(0, 0, E820_LEGACY_START, E820_RAM);
	expect_entry(1, E820_LEGACY_START, 0xf0000, E820_RESERVED);
	expect_entry(2, 0xf0000, 0x100000, E820_ACPI);
	expect_entry(3, 0x100000, 255 * MiB, E820_RAM);
	expect_entry(4, 255 * MiB, 255 * MiB + 64 * 1024, E820_ACPI);
	expect_entry(5, 255 * MiB + 64 * 1024, 255 * MiB + 68 * 1024, E820_NVS);
	expect_entry(6, 255 * MiB + 68 * 1024, 256 * MiB, E820_RAM);
	expect_entry(7, 0xe0000000ull, 0xf0000000ull, E820_RESERVED);
	assert_int_equal(e820_bytes_of_type(map, n, E820_RAM), 256 * MiB - HOLE - 68 * 1024);
}

static void test_too_many_entries(void **state)
{
	struct e820_ram ram[] = { { 0, 64 * MiB }, { 128 * MiB, 64 * MiB } };
	struct e820_entry small[3];

	(void)state;
	assert_int_equal(e820_build(ram, 2, NULL, 0, small, 3), -E2BIG);
	assert_int_equal(e820_build(ram, 2, NULL, 0, small, 0), -E2BIG);
	assert_int_equal(e820_build(ram, 2, NULL, 0, map, 4), 4);
}

static void test_max_inputs(void **state)
{
	struct e820_ram ram[E820_MAX_INPUTS + 1];
	int n;

	(void)state;
	for (unsigned i = 0; i <= E820_MAX_INPUTS; i++)
		ram[i] = (struct e820_ram){ (2 + 2 * (uint64_t)i) * MiB, MiB };
	n = e820_build(ram, E820_MAX_INPUTS, NULL, 0, map, E820_MAX_ENTRIES_ZEROPAGE);
	check_well_formed(n);
	assert_int_equal(n, E820_MAX_INPUTS + 1);
	assert_int_equal(e820_build(ram, E820_MAX_INPUTS + 1, NULL, 0, map, E820_MAX_ENTRIES_ZEROPAGE), -EINVAL);
}

static void test_bad_input(void **state)
{
	struct e820_ram overlap[] = { { 0, 2 * MiB }, { MiB, 2 * MiB } };
	struct e820_ram empty = { MiB, 0 };
	struct e820_ram wraps = { ~0ull - MiB, 2 * MiB };
	struct e820_ram ram = { 0, 64 * MiB };
	struct e820_entry mark_overlap[] = { { MiB, MiB, E820_RESERVED }, { MiB + 4096, 4096, E820_ACPI } };
	struct e820_entry mark_ram = { MiB, MiB, E820_RAM };
	struct e820_entry mark_type0 = { MiB, MiB, 0 };
	struct e820_entry mark_empty = { MiB, 0, E820_RESERVED };

	(void)state;
	assert_int_equal(e820_build(overlap, 2, NULL, 0, map, 128), -EINVAL);
	assert_int_equal(e820_build(&empty, 1, NULL, 0, map, 128), -EINVAL);
	assert_int_equal(e820_build(&wraps, 1, NULL, 0, map, 128), -EINVAL);
	assert_int_equal(e820_build(&ram, 1, mark_overlap, 2, map, 128), -EINVAL);
	assert_int_equal(e820_build(&ram, 1, &mark_ram, 1, map, 128), -EINVAL);
	assert_int_equal(e820_build(&ram, 1, &mark_type0, 1, map, 128), -EINVAL);
	assert_int_equal(e820_build(&ram, 1, &mark_empty, 1, map, 128), -EINVAL);
	assert_int_equal(e820_build(NULL, 1, NULL, 0, map, 128), -EINVAL);
	assert_int_equal(e820_build(&ram, 1, NULL, 1, map, 128), -EINVAL);
}

static void test_no_ram_at_all(void **state)
{
	(void)state;
	assert_int_equal(e820_build(NULL, 0, NULL, 0, map, 128), 1);
	expect_entry(0, E820_LEGACY_START, E820_LEGACY_END, E820_RESERVED);
}

/* ---- random layouts against a point-by-point reference ------------------------------------------ */

static uint32_t reference_type(uint64_t a, const struct e820_ram *ram, unsigned nr, const struct e820_entry *mk,
			       unsigned nm)
{
	for (unsigned i = 0; i < nm; i++)
		if (a >= mk[i].addr && a < mk[i].addr + mk[i].size)
			return mk[i].type;
	if (a >= E820_LEGACY_START && a < E820_LEGACY_END)
		return E820_RESERVED;
	for (unsigned i = 0; i < nr; i++)
		if (a >= ram[i].gpa && a < ram[i].gpa + ram[i].size)
			return E820_RAM;
	return 0;
}

static uint32_t map_type(uint64_t a, int n)
{
	for (int i = 0; i < n; i++)
		if (a >= map[i].addr && a < map[i].addr + map[i].size)
			return map[i].type;
	return 0;
}

/* Disjoint 4 KiB-granular ranges in [0, 1 GiB): slot i owns [i * 32 MiB, (i + 1) * 32 MiB). */
static void random_layout(struct e820_ram *ram, unsigned nr, struct e820_entry *mk, unsigned nm)
{
	for (unsigned i = 0; i < nr + nm; i++) {
		uint64_t slot = (uint64_t)i * 32 * MiB;
		uint64_t start = slot + (uint64_t)(rand() % 4096) * 4096;
		uint64_t size = (uint64_t)(1 + rand() % 4096) * 4096;

		if (i < nr)
			ram[i] = (struct e820_ram){ start, size };
		else
			mk[i - nr] = (struct e820_entry){ start, size, (uint32_t)(2 + rand() % 3) };
	}
	/* Shuffle the slots so RAM and marks are interleaved and unsorted. */
	for (unsigned i = nr; i > 1; i--) {
		unsigned j = (unsigned)rand() % i;
		struct e820_ram t = ram[i - 1];

		ram[i - 1] = ram[j];
		ram[j] = t;
	}
}

static void test_random_against_reference(void **state)
{
	struct e820_ram ram[12];
	struct e820_entry mk[8];

	(void)state;
	srand(1234);
	for (int round = 0; round < 300; round++) {
		unsigned nr = 1 + (unsigned)rand() % 12, nm = (unsigned)rand() % 8;
		int n;

		random_layout(ram, nr, mk, nm);
		/* Sometimes let a mark overlap RAM: move it onto a RAM range. */
		if (nm && rand() % 2)
			mk[0].addr = ram[0].gpa + 4096;
		n = e820_build(ram, nr, mk, nm, map, E820_MAX_ENTRIES_ZEROPAGE);
		check_well_formed(n);
		for (int i = 0; i < n; i++) { /* every boundary and its neighbours agree with the reference */
			uint64_t probes[] = { map[i].addr, map[i].addr + map[i].size - 1, map[i].addr + map[i].size };

			for (unsigned p = 0; p < 3; p++)
				assert_int_equal(map_type(probes[p], n), reference_type(probes[p], ram, nr, mk, nm));
		}
		for (int p = 0; p < 200; p++) {
			uint64_t a = (uint64_t)rand() % (1200 * MiB);

			assert_int_equal(map_type(a, n), reference_type(a, ram, nr, mk, nm));
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_flat_sizes),
		cmocka_unit_test(test_ram_below_hole_only),
		cmocka_unit_test(test_ram_ending_inside_hole),
		cmocka_unit_test(test_split_regions_unsorted),
		cmocka_unit_test(test_ram_above_1mib_only),
		cmocka_unit_test(test_marks),
		cmocka_unit_test(test_too_many_entries),
		cmocka_unit_test(test_max_inputs),
		cmocka_unit_test(test_bad_input),
		cmocka_unit_test(test_no_ram_at_all),
		cmocka_unit_test(test_random_against_reference),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
