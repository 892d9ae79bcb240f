/* SPDX-License-Identifier: MIT */
/* Unit tests for the RAM-disk and partition block backends: sizes, ranges, overflow, read-only, forwarding. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "drivers/block/partition.h"
#include "drivers/block/ramdisk.h"
#include "kernel/errno.h"
#include "kernel/mem.h"

static unsigned live_allocs;
static bool fail_alloc;

void *pages_alloc(size_t count, uint64_t align)
{
	void *p;

	if (fail_alloc)
		return NULL;
	p = aligned_alloc(align, count * PAGE_SIZE);
	assert_non_null(p);
	memset(p, 0, count * PAGE_SIZE);
	live_allocs++;
	return p;
}

void pages_free(void *p, size_t count)
{
	(void)count;
	assert_true(live_allocs > 0);
	live_allocs--;
	free(p);
}

static struct ramdisk rd;

static int teardown(void **state)
{
	(void)state;
	if (rd.mem)
		ramdisk_destroy(&rd);
	fail_alloc = false;
	assert_int_equal(live_allocs, 0);
	return 0;
}

/* ---- ramdisk ---- */

static void test_ramdisk_sizes(void **state)
{
	static const uint8_t img[1000] = { 1, 2, 3 };

	(void)state;
	assert_int_equal(ramdisk_create(&rd, 0, img, sizeof(img), false, "a"), 0);
	assert_int_equal(rd.bd.sectors, 2); /* the image's size rounded up */
	assert_int_equal(rd.mem[0], 1);
	assert_int_equal(rd.mem[999], 0);
	assert_int_equal(rd.mem[1023], 0);
	ramdisk_destroy(&rd);
	assert_int_equal(ramdisk_create(&rd, 1025, img, sizeof(img), false, "a"), 0);
	assert_int_equal(rd.bd.sectors, 3);
	ramdisk_destroy(&rd);
	assert_int_equal(ramdisk_create(&rd, 1 << 20, NULL, 0, false, "a"), 0);
	assert_int_equal(rd.bd.sectors, 2048);
	for (unsigned i = 0; i < (1u << 20); i += 4093)
		assert_int_equal(rd.mem[i], 0);
	ramdisk_destroy(&rd);
	assert_int_equal(ramdisk_create(&rd, 0, NULL, 0, false, "a"), -EINVAL);
	assert_int_equal(ramdisk_create(&rd, 512, img, sizeof(img), false, "a"), -EINVAL); /* image too big */
	assert_int_equal(ramdisk_create(&rd, 4096, NULL, 10, false, "a"), -EINVAL);
	assert_int_equal(ramdisk_create(&rd, UINT64_MAX - 100, NULL, 0, false, "a"), -EINVAL);
	fail_alloc = true;
	assert_int_equal(ramdisk_create(&rd, 4096, NULL, 0, false, "a"), -ENOMEM);
	assert_null(rd.mem);
}

static void test_ramdisk_identity(void **state)
{
	(void)state;
	assert_int_equal(ramdisk_create(&rd, 4096, NULL, 0, true, "web-root-and-more"), 0);
	assert_memory_equal(rd.bd.id, "basalt-ram-web-root-", BLKDEV_ID_BYTES); /* cut to 20 */
	assert_string_equal(rd.bd.name, "ram:web-root-and-more");
	assert_true(rd.bd.read_only);
	assert_false(rd.bd.persistent);
	assert_false(rd.bd.volatile_cache);
	assert_true(rd.bd.max_io_sectors >= 8);
	ramdisk_destroy(&rd);
	assert_int_equal(ramdisk_create(&rd, 4096, NULL, 0, false, "x"), 0);
	assert_memory_equal(rd.bd.id, "basalt-ram-x\0\0\0\0\0\0\0\0", BLKDEV_ID_BYTES);
}

static void test_ramdisk_ops(void **state)
{
	struct blkdev *bd = &rd.bd;
	uint8_t buf[1024], back[1024];

	(void)state;
	for (unsigned i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(i * 3 + 1);
	assert_int_equal(ramdisk_create(&rd, 8 * 512, NULL, 0, false, "o"), 0);
	assert_int_equal(bd->ops->write(bd, 6, buf, 2), 0);
	assert_int_equal(bd->ops->read(bd, 6, back, 2), 0);
	assert_memory_equal(back, buf, 1024);
	assert_ptr_equal(bd->ops->map(bd, 6, 2), rd.mem + 6 * 512);
	assert_int_equal(bd->ops->flush(bd), 0);
	/* Ranges: the last sector is fine, one more is not, nor anything that wraps. */
	assert_int_equal(bd->ops->read(bd, 7, back, 1), 0);
	assert_int_equal(bd->ops->read(bd, 7, back, 2), -EINVAL);
	assert_int_equal(bd->ops->read(bd, 8, back, 1), -EINVAL);
	assert_int_equal(bd->ops->write(bd, UINT64_MAX, buf, 2), -EINVAL);
	assert_int_equal(bd->ops->discard(bd, 1, UINT64_MAX), -EINVAL);
	assert_int_equal(bd->ops->write_zeroes(bd, 8, 1), -EINVAL);
	assert_null(bd->ops->map(bd, 7, 2));
	assert_null(bd->ops->map(bd, UINT64_MAX, 1));
	/* Discard and write-zeroes leave zeroes. */
	assert_int_equal(bd->ops->discard(bd, 6, 1), 0);
	assert_int_equal(rd.mem[6 * 512], 0);
	assert_int_equal(rd.mem[7 * 512], buf[512]);
	assert_int_equal(bd->ops->write_zeroes(bd, 7, 1), 0);
	assert_int_equal(rd.mem[7 * 512 + 511], 0);
}

static void test_ramdisk_read_only(void **state)
{
	static const uint8_t img[512] = { 9 };
	struct blkdev *bd = &rd.bd;
	uint8_t buf[512] = { 1 };

	(void)state;
	assert_int_equal(ramdisk_create(&rd, 0, img, sizeof(img), true, "r"), 0);
	assert_int_equal(bd->ops->write(bd, 0, buf, 1), -EROFS);
	assert_int_equal(bd->ops->discard(bd, 0, 1), -EROFS);
	assert_int_equal(bd->ops->write_zeroes(bd, 0, 1), -EROFS);
	assert_int_equal(rd.mem[0], 9);
	assert_int_equal(bd->ops->read(bd, 0, buf, 1), 0);
	assert_int_equal(buf[0], 9);
}

/* ---- partition ---- */

/* A parent that records what reaches it, with only the mandatory ops. */
static struct {
	struct blkdev bd;
	uint64_t sector, sectors;
	unsigned calls, flushes;
} pp;

static int pp_rw(struct blkdev *bd, uint64_t s, uint64_t n)
{
	(void)bd;
	pp.calls++;
	pp.sector = s;
	pp.sectors = n;
	return 0;
}

static int pp_read(struct blkdev *bd, uint64_t s, void *buf, uint64_t n)
{
	(void)buf;
	return pp_rw(bd, s, n);
}

static int pp_write(struct blkdev *bd, uint64_t s, const void *buf, uint64_t n)
{
	(void)buf;
	return pp_rw(bd, s, n);
}

static int pp_flush(struct blkdev *bd)
{
	(void)bd;
	pp.flushes++;
	return -EIO; /* passed through as it is */
}

static const struct blkdev_ops pp_ops = { .read = pp_read, .write = pp_write, .flush = pp_flush };

static void pp_init(bool read_only)
{
	memset(&pp, 0, sizeof(pp));
	pp.bd = (struct blkdev){ .ops = &pp_ops, .sectors = 1000, .max_io_sectors = 64, .read_only = read_only,
				 .persistent = true, .volatile_cache = true, .id = "PARENT-SERIAL" };
}

static void test_partition_init_checks(void **state)
{
	struct partition p;

	(void)state;
	pp_init(false);
	assert_int_equal(partition_init(&p, &pp.bd, 0, 1000, false, "whole", "id"), 0);
	assert_int_equal(partition_init(&p, &pp.bd, 999, 1, false, "last", "id"), 0);
	assert_int_equal(partition_init(&p, &pp.bd, 999, 2, false, "over", "id"), -EINVAL);
	assert_int_equal(partition_init(&p, &pp.bd, 1000, 1, false, "past", "id"), -EINVAL);
	assert_int_equal(partition_init(&p, &pp.bd, 10, 0, false, "empty", "id"), -EINVAL);
	assert_int_equal(partition_init(&p, &pp.bd, 2, UINT64_MAX, false, "wrap", "id"), -EINVAL);
	assert_int_equal(partition_init(&p, &pp.bd, UINT64_MAX, 2, false, "wrap", "id"), -EINVAL);
	assert_int_equal(partition_init(&p, NULL, 0, 1, false, "none", "id"), -EINVAL);
}

static void test_partition_forwards_with_offset(void **state)
{
	struct partition p;
	struct blkdev *bd = &p.bd;
	uint8_t buf[4096];

	(void)state;
	pp_init(false);
	assert_int_equal(partition_init(&p, &pp.bd, 100, 50, false, "nvme0n1p2 (web-root)",
					"a-partition-id-longer-than-20"), 0);
	assert_int_equal(bd->sectors, 50);
	assert_int_equal(bd->max_io_sectors, 64);
	assert_true(bd->persistent && bd->volatile_cache);
	assert_false(bd->read_only);
	assert_memory_equal(bd->id, "a-partition-id-longe", 20);
	assert_string_equal(bd->name, "nvme0n1p2 (web-root)");
	/* The parent lacks the optional ops: so does the partition. */
	assert_null(bd->ops->discard);
	assert_null(bd->ops->write_zeroes);
	assert_null(bd->ops->map);
	assert_int_equal(bd->ops->read(bd, 0, buf, 8), 0);
	assert_int_equal(pp.sector, 100);
	assert_int_equal(pp.sectors, 8);
	assert_int_equal(bd->ops->write(bd, 42, buf, 8), 0);
	assert_int_equal(pp.sector, 142);
	assert_int_equal(bd->ops->flush(bd), -EIO);
	assert_int_equal(pp.flushes, 1);
	/* Out of the window: refused before the parent sees it. */
	pp.calls = 0;
	assert_int_equal(bd->ops->read(bd, 43, buf, 8), -EINVAL);
	assert_int_equal(bd->ops->write(bd, 50, buf, 1), -EINVAL);
	assert_int_equal(bd->ops->read(bd, UINT64_MAX - 3, buf, 8), -EINVAL);
	assert_int_equal(pp.calls, 0);
	/* NULL id: the parent's. */
	assert_int_equal(partition_init(&p, &pp.bd, 0, 1, false, NULL, NULL), 0);
	assert_memory_equal(p.bd.id, pp.bd.id, 20);
	assert_string_equal(p.bd.name, "");
}

static void test_partition_read_only(void **state)
{
	struct partition p;
	uint8_t buf[512];

	(void)state;
	pp_init(false);
	assert_int_equal(partition_init(&p, &pp.bd, 10, 10, true, "ro", "ro"), 0);
	assert_true(p.bd.read_only);
	assert_int_equal(p.bd.ops->write(&p.bd, 0, buf, 1), -EROFS);
	assert_int_equal(pp.calls, 0);
	assert_int_equal(p.bd.ops->read(&p.bd, 0, buf, 1), 0);
	pp_init(true); /* a read-only parent makes every partition read-only */
	assert_int_equal(partition_init(&p, &pp.bd, 10, 10, false, "rw?", "x"), 0);
	assert_true(p.bd.read_only);
	assert_int_equal(p.bd.ops->write(&p.bd, 0, buf, 1), -EROFS);
}

/* Over a RAM disk: map, discard and write-zeroes exist and land at the offset. */
static void test_partition_over_ramdisk(void **state)
{
	struct partition p, ro;
	uint8_t buf[512];

	(void)state;
	memset(buf, 0x77, sizeof(buf));
	assert_int_equal(ramdisk_create(&rd, 64 * 512, NULL, 0, false, "parent"), 0);
	memset(rd.mem, 0xaa, 64 * 512);
	assert_int_equal(partition_init(&p, &rd.bd, 16, 16, false, "p1", "p1"), 0);
	assert_ptr_equal(p.bd.ops->map(&p.bd, 2, 3), rd.mem + 18 * 512);
	assert_null(p.bd.ops->map(&p.bd, 15, 2));
	assert_int_equal(p.bd.ops->write(&p.bd, 0, buf, 1), 0);
	assert_int_equal(rd.mem[16 * 512], 0x77);
	assert_int_equal(rd.mem[15 * 512], 0xaa);
	assert_int_equal(p.bd.ops->discard(&p.bd, 1, 1), 0);
	assert_int_equal(rd.mem[17 * 512], 0);
	assert_int_equal(p.bd.ops->write_zeroes(&p.bd, 15, 1), 0);
	assert_int_equal(rd.mem[31 * 512], 0);
	assert_int_equal(rd.mem[32 * 512], 0xaa);
	assert_int_equal(p.bd.ops->discard(&p.bd, 15, 2), -EINVAL);
	assert_int_equal(p.bd.ops->write_zeroes(&p.bd, 16, 1), -EINVAL);
	assert_int_equal(rd.mem[32 * 512], 0xaa);
	/* A read-only window refuses even when the parent would not. */
	assert_int_equal(partition_init(&ro, &rd.bd, 0, 16, true, "ro", "ro"), 0);
	assert_int_equal(ro.bd.ops->discard(&ro.bd, 0, 1), -EROFS);
	assert_int_equal(ro.bd.ops->write_zeroes(&ro.bd, 0, 1), -EROFS);
	assert_int_equal(rd.mem[0], 0xaa);
	/* A partition of a partition adds the offsets. */
	assert_int_equal(partition_init(&ro, &p.bd, 4, 4, false, "nested", "n"), 0);
	assert_ptr_equal(ro.bd.ops->map(&ro.bd, 1, 1), rd.mem + 21 * 512);
	assert_null(ro.bd.ops->map(&ro.bd, 3, 2));
}

#define T(f) cmocka_unit_test_teardown(f, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_ramdisk_sizes), T(test_ramdisk_identity), T(test_ramdisk_ops), T(test_ramdisk_read_only),
		T(test_partition_init_checks), T(test_partition_forwards_with_offset), T(test_partition_read_only),
		T(test_partition_over_ramdisk),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
