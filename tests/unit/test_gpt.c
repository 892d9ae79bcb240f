/* SPDX-License-Identifier: MIT */
/* Unit tests for drivers/host/gpt.c and crc32.c: GPTs built on a RAM disk, then damaged. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "tests/unit/gpt_builder.h"

#define DISK_BYTES (4u << 20)   /* 8192 512-byte blocks, 1024 4K blocks */
#define GUID_A "0FC63DAF-8483-4772-8E79-3D69D8477DE4"

static uint8_t *mem;
static struct ramdisk rd;
static struct gpt_disk disk;
static struct gpt_layout lay;

static const struct tpart two[] = {
	{ "web-root", 34, 2081, GUID_A },   /* 1 MiB - 512 bytes on 512-byte blocks */
	{ "scratch", 4096, 8157, NULL },
};

static int setup(void **state)
{
	(void)state;
	mem = malloc(DISK_BYTES);
	assert_non_null(mem);
	ramdisk_init(&rd, mem, DISK_BYTES);
	lay = gptb_build(mem, DISK_BYTES, 512, 128, 128, two, 2);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	free(mem);
	return 0;
}

static void test_crc32_check_value(void **state)
{
	(void)state;
	assert_int_equal(crc32_ieee("123456789", 9), 0xcbf43926u);
	assert_int_equal(crc32_ieee("", 0), 0);
	assert_int_equal(crc32_update(crc32_update(0, "12345", 5), "6789", 4), 0xcbf43926u);
}

static void test_reads_partitions(void **state)
{
	(void)state;
	assert_int_equal(gpt_read(&rd.bd, 512, &disk), 0);
	assert_false(disk.used_backup);
	assert_int_equal(disk.count, 2);
	assert_int_equal(disk.rejected, 0);
	assert_int_equal(disk.first_usable, 34);
	assert_int_equal(disk.last_usable, 8158);
	assert_string_equal(disk.parts[0].name, "web-root");
	assert_true(disk.parts[0].name_ascii);
	assert_int_equal(disk.parts[0].index, 0);
	assert_int_equal(disk.parts[0].first_sector, 34);
	assert_int_equal(disk.parts[0].sectors, 2048);
	assert_int_equal(disk.parts[1].first_sector, 4096);
	assert_int_equal(disk.parts[1].sectors, 8157 - 4096 + 1);
}

static void test_lookup_by_name_and_guid(void **state)
{
	unsigned n = 9;

	(void)state;
	assert_int_equal(gpt_read(&rd.bd, 512, &disk), 0);
	assert_ptr_equal(gpt_find_by_name(&disk, "scratch", &n), &disk.parts[1]);
	assert_int_equal(n, 1);
	assert_null(gpt_find_by_name(&disk, "Scratch", &n));
	assert_int_equal(n, 0);
	assert_null(gpt_find_by_name(&disk, "web", NULL));
	assert_ptr_equal(gpt_find_by_guid(&disk, GUID_A), &disk.parts[0]);
	assert_ptr_equal(gpt_find_by_guid(&disk, "0fc63daf-8483-4772-8e79-3d69d8477de4"), &disk.parts[0]);
	assert_null(gpt_find_by_guid(&disk, "0fc63daf-8483-4772-8e79-3d69d8477de5"));
	assert_null(gpt_find_by_guid(&disk, "0fc63daf-8483-4772-8e79-3d69d8477de"));
	assert_null(gpt_find_by_guid(&disk, "0fc63daf-8483-4772-8e79-3d69d8477de4x"));
	assert_null(gpt_find_by_guid(&disk, "0fc63daf+8483-4772-8e79-3d69d8477de4"));
}

static void test_guid_byte_order(void **state)
{
	uint8_t g[16];
	char text[GPT_GUID_TEXT];
	static const uint8_t want[16] = { 0xaf, 0x3d, 0xc6, 0x0f, 0x83, 0x84, 0x72, 0x47,
					  0x8e, 0x79, 0x3d, 0x69, 0xd8, 0x47, 0x7d, 0xe4 };

	(void)state;
	assert_int_equal(gpt_guid_parse(GUID_A, g), 0);
	assert_memory_equal(g, want, 16);
	gpt_guid_format(g, text);
	assert_string_equal(text, "0fc63daf-8483-4772-8e79-3d69d8477de4");
	assert_int_equal(gpt_guid_parse("0fc63daf-8483-4772-8e79-3d69d8477dg4", g), -22);
}

static void test_duplicate_names_counted(void **state)
{
	static const struct tpart dup[] = { { "data", 100, 199, NULL }, { "data", 200, 299, NULL } };
	unsigned n;

	(void)state;
	gptb_build(mem, DISK_BYTES, 512, 128, 128, dup, 2);
	assert_int_equal(gpt_read(&rd.bd, 512, &disk), 0);
	assert_non_null(gpt_find_by_name(&disk, "data", &n));
	assert_int_equal(n, 2);
}

static void test_non_ascii_name_never_matches(void **state)
{
	(void)state;
	gptb_entry(mem, &lay, 2, 1)->name[2] = 0x00e9; /* "sc\u00e9atch" */
	gptb_fix_crcs(mem, DISK_BYTES, &lay, 1);
	assert_int_equal(gpt_read(&rd.bd, 512, &disk), 0);
	assert_false(disk.parts[1].name_ascii);
	assert_string_equal(disk.parts[1].name, "sc?atch");
	assert_null(gpt_find_by_name(&disk, "sc?atch", NULL));
	assert_int_equal(disk.parts[1].name16[2], 0x00e9);
}

static void test_bad_primary_signature_uses_backup(void **state)
{
	(void)state;
	mem[512] = 'X';
	assert_int_equal(gpt_read(&rd.bd, 512, &disk), 0);
	assert_true(disk.used_backup);
	assert_int_equal(disk.count, 2);
	assert_string_equal(disk.parts[0].name, "web-root");
}

static void test_bad_primary_header_crc_uses_backup(void **state)
{
	(void)state;
	gptb_header(mem, &lay, 1)->last_usable_lba -= 1; /* CRC left stale */
	assert_int_equal(gpt_read(&rd.bd, 512, &disk), 0);
	assert_true(disk.used_backup);
}

static void test_bad_entry_crc_uses_backup_then_fails(void **state)
{
	(void)state;
	gptb_entry(mem, &lay, 2, 0)->last_lba = 3000; /* primary array changed, CRC stale */
	assert_int_equal(gpt_read(&rd.bd, 512, &disk), 0);
	assert_true(disk.used_backup);
	assert_int_equal(disk.parts[0].last_lba, 2081);
	gptb_entry(mem, &lay, lay.blocks - 1 - lay.ablocks, 0)->last_lba = 3000;
	assert_int_equal(gpt_read(&rd.bd, 512, &disk), -2);
}

static void test_no_gpt(void **state)
{
	(void)state;
	memset(mem, 0, DISK_BYTES);
	assert_int_equal(gpt_read(&rd.bd, 512, &disk), -2);
	assert_int_equal(disk.count, 0);
}

static void test_entries_outside_usable_range_rejected(void **state)
{
	(void)state;
	gptb_entry(mem, &lay, 2, 2)->type_guid[0] = 1;          /* third entry: first = last = 0 */
	struct gpt_entry *e = gptb_entry(mem, &lay, 2, 3);
	e->type_guid[0] = 1;
	e->first_lba = 8100;
	e->last_lba = 9000;                                     /* past the end */
	e = gptb_entry(mem, &lay, 2, 4);
	e->type_guid[0] = 1;
	e->first_lba = 3000;
	e->last_lba = 2999;                                     /* inverted */
	gptb_fix_crcs(mem, DISK_BYTES, &lay, 1);
	assert_int_equal(gpt_read(&rd.bd, 512, &disk), 0);
	assert_false(disk.used_backup);
	assert_int_equal(disk.count, 2);
	assert_int_equal(disk.rejected, 3);
}

static void test_overlapping_entry_rejected(void **state)
{
	static const struct tpart ov[] = { { "a", 100, 199, NULL }, { "b", 199, 299, NULL }, { "c", 200, 299, NULL } };

	(void)state;
	gptb_build(mem, DISK_BYTES, 512, 128, 128, ov, 3);
	assert_int_equal(gpt_read(&rd.bd, 512, &disk), 0);
	assert_int_equal(disk.count, 2);
	assert_int_equal(disk.rejected, 1);
	assert_string_equal(disk.parts[1].name, "c");
}

/* Header fields that would send the parser outside the disk or into huge loops: both copies bad. */
static void damage_both(void (*f)(struct gpt_header *))
{
	f(gptb_header(mem, &lay, 1));
	gptb_fix_crcs(mem, DISK_BYTES, &lay, 1);
	f(gptb_header(mem, &lay, lay.blocks - 1));
	gptb_fix_crcs(mem, DISK_BYTES, &lay, lay.blocks - 1);
	assert_int_equal(gpt_read(&rd.bd, 512, &disk), -2);
}

static void huge_count(struct gpt_header *h) { h->entry_count = 100000; }
static void small_entries(struct gpt_header *h) { h->entry_size = 120; }
static void odd_entries(struct gpt_header *h) { h->entry_size = 132; }
static void array_past_end(struct gpt_header *h) { h->entries_lba = 8190; }
static void array_in_usable(struct gpt_header *h) { h->entries_lba = 100; }
static void usable_past_end(struct gpt_header *h) { h->last_usable_lba = 8191; }
static void usable_inverted(struct gpt_header *h) { h->first_usable_lba = h->last_usable_lba + 1; }
static void big_header(struct gpt_header *h) { h->header_size = 4096; }
static void rev2(struct gpt_header *h) { h->revision = 0x00020000; }

static void test_bad_header_fields(void **state)
{
	void (*cases[])(struct gpt_header *) = { huge_count, small_entries, odd_entries, array_past_end,
						  array_in_usable, usable_past_end, usable_inverted, big_header, rev2 };

	(void)state;
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		lay = gptb_build(mem, DISK_BYTES, 512, 128, 128, two, 2);
		damage_both(cases[i]);
	}
}

static void test_backup_my_lba_must_match(void **state)
{
	(void)state;
	mem[512] = 'X';
	gptb_header(mem, &lay, lay.blocks - 1)->my_lba = 1;
	gptb_fix_crcs(mem, DISK_BYTES, &lay, lay.blocks - 1);
	assert_int_equal(gpt_read(&rd.bd, 512, &disk), -2);
}

static void test_large_entries(void **state)
{
	(void)state;
	lay = gptb_build(mem, DISK_BYTES, 512, 64, 256, two, 2);
	assert_int_equal(gpt_read(&rd.bd, 512, &disk), 0);
	assert_int_equal(disk.count, 2);
	assert_int_equal(disk.first_usable, 2 + 32);
}

static void test_4k_blocks(void **state)
{
	static const struct tpart p4[] = { { "boot", 6, 261, NULL }, { "root", 262, 1000, GUID_A } };

	(void)state;
	lay = gptb_build(mem, DISK_BYTES, 4096, 128, 128, p4, 2);
	rd.align = 8; /* the drive takes whole 4 KiB blocks only */
	assert_int_equal(lay.ablocks, 4);
	assert_int_equal(gpt_read(&rd.bd, 512, &disk), -22); /* wrong block size: sector reads refused */
	rd.align = 0;
	assert_int_equal(gpt_read(&rd.bd, 512, &disk), -2); /* and nothing at 512-byte LBA 1 */
	rd.align = 8;
	assert_int_equal(gpt_read(&rd.bd, 4096, &disk), 0);
	assert_int_equal(disk.block_size, 4096);
	assert_int_equal(disk.blocks, 1024);
	assert_int_equal(disk.parts[0].first_sector, 48);
	assert_int_equal(disk.parts[0].sectors, 256 * 8);
	assert_ptr_equal(gpt_find_by_guid(&disk, GUID_A), &disk.parts[1]);
	mem[4096] = 0; /* primary gone: backup at the last 4K block */
	assert_int_equal(gpt_read(&rd.bd, 4096, &disk), 0);
	assert_true(disk.used_backup);
	assert_int_equal(disk.parts[1].last_lba, 1000);
}

static void test_bad_block_size_and_read_error(void **state)
{
	(void)state;
	assert_int_equal(gpt_read(&rd.bd, 1024, &disk), -22);
	rd.bd.sectors = 3;
	assert_int_equal(gpt_read(&rd.bd, 512, &disk), -22);
	rd.bd.sectors = DISK_BYTES / 512;
	rd.fail_reads = -5;
	assert_int_equal(gpt_read(&rd.bd, 512, &disk), -5);
}

static void test_too_many_partitions(void **state)
{
	static struct tpart many[130];
	static char names[130][8];

	(void)state;
	for (unsigned i = 0; i < 130; i++) {
		snprintf(names[i], sizeof(names[i]), "p%u", i);
		many[i] = (struct tpart){ names[i], 100 + 10 * i, 109 + 10 * i, NULL };
	}
	gptb_build(mem, DISK_BYTES, 512, 256, 128, many, 130);
	assert_int_equal(gpt_read(&rd.bd, 512, &disk), 0);
	assert_int_equal(disk.count, GPT_MAX_PARTS);
	assert_int_equal(disk.rejected, 2);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_crc32_check_value),
		T(test_reads_partitions),
		T(test_lookup_by_name_and_guid),
		cmocka_unit_test(test_guid_byte_order),
		T(test_duplicate_names_counted),
		T(test_non_ascii_name_never_matches),
		T(test_bad_primary_signature_uses_backup),
		T(test_bad_primary_header_crc_uses_backup),
		T(test_bad_entry_crc_uses_backup_then_fails),
		T(test_no_gpt),
		T(test_entries_outside_usable_range_rejected),
		T(test_overlapping_entry_rejected),
		T(test_bad_header_fields),
		T(test_backup_my_lba_must_match),
		T(test_large_entries),
		T(test_4k_blocks),
		T(test_bad_block_size_and_read_error),
		T(test_too_many_partitions),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
