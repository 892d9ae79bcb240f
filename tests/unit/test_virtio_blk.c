/* SPDX-License-Identifier: MIT */
/* Unit tests for virtio-blk over a RAM disk, driven through the virtio-pci transport as a guest driver would. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "tests/unit/virtio_blk_guest.h"

/* ---- a backend without map, discard or write_zeroes, over the RAM disk, that can fail ---- */

static struct {
	struct blkdev bd;
	int fail; /* returned by every op when non-zero */
	unsigned reads, writes, flushes;
	uint64_t most; /* largest sectors of one call */
} nm;

static void nm_note(uint64_t sectors)
{
	if (sectors > nm.most)
		nm.most = sectors;
}

static int nm_read(struct blkdev *bd, uint64_t s, void *buf, uint64_t n)
{
	(void)bd;
	nm.reads++;
	nm_note(n);
	return nm.fail ? nm.fail : rd.bd.ops->read(&rd.bd, s, buf, n);
}

static int nm_write(struct blkdev *bd, uint64_t s, const void *buf, uint64_t n)
{
	(void)bd;
	nm.writes++;
	nm_note(n);
	return nm.fail ? nm.fail : rd.bd.ops->write(&rd.bd, s, buf, n);
}

static int nm_flush(struct blkdev *bd)
{
	(void)bd;
	nm.flushes++;
	return nm.fail;
}

static const struct blkdev_ops nm_ops = { .read = nm_read, .write = nm_write, .flush = nm_flush };

static int common_setup(bool read_only, bool plain)
{
	static uint8_t image[4096];

	h_setup_vm();
	g_avail = 0;
	for (unsigned i = 0; i < sizeof(image); i++)
		image[i] = (uint8_t)(i * 7 + 1);
	assert_int_equal(ramdisk_create(&rd, DISK_BYTES, image, sizeof(image), read_only, "test"), 0);
	memset(&nm, 0, sizeof(nm));
	nm.bd = (struct blkdev){ .ops = &nm_ops, .sectors = rd.bd.sectors, .max_io_sectors = 8,
				 .volatile_cache = true, .read_only = read_only, .id = "nomap-id" };
	vb = calloc(1, sizeof(*vb));
	dev = &vb->dev; /* first member: h_teardown's free(dev) frees vb */
	assert_int_equal(vpci_attach(vm), 0);
	assert_int_equal(virtio_blk_init(vb, vm, plain ? &nm.bd : &rd.bd), 0);
	assert_int_equal(virtio_pci_register(dev, vm, SLOT), 0);
	(void)fk_ops;
	return 0;
}

static int setup(void **state)
{
	(void)state;
	return common_setup(false, false);
}

static int setup_ro(void **state)
{
	(void)state;
	return common_setup(true, false);
}

static int setup_plain(void **state)
{
	(void)state;
	return common_setup(false, true);
}

static int teardown(void **state)
{
	d_after_read = NULL;
	d_on_map = NULL;
	ramdisk_destroy(&rd);
	return h_teardown(state);
}

static void fill(uint64_t gpa, uint32_t len, uint8_t seed)
{
	for (uint32_t i = 0; i < len; i++)
		((uint8_t *)d_host(gpa))[i] = (uint8_t)(seed + i * 13);
}

/* ---- identity, features, config ---- */

static void test_identity_features_config(void **state)
{
	uint64_t f;

	(void)state;
	bus_on();
	assert_int_equal(cfg_rd(PCI_DEVICE_ID, 2), 0x1042);
	assert_int_equal(cfg_rd(PCI_CLASS_PROG, 1) | cfg_rd(PCI_CLASS_PROG + 1, 2) << 8, 0x010000);
	assert_int_equal(cc_rd(CC(num_queues), 2), 1);
	cc_wr(CC(queue_select), 2, 0);
	assert_int_equal(cc_rd(CC(queue_size), 2), VIRTIO_BLK_QSIZE);
	f = g_features();
	assert_int_equal(f & 0xffffff, FB(VIRTIO_BLK_F_SIZE_MAX) | FB(VIRTIO_BLK_F_SEG_MAX) | FB(VIRTIO_BLK_F_BLK_SIZE) |
					       FB(VIRTIO_BLK_F_DISCARD) | FB(VIRTIO_BLK_F_WRITE_ZEROES));
	assert_true(f & F_V1);
	assert_int_equal(g_cfg(0, 8), DISK_BYTES / 512);
	assert_int_equal(g_cfg(0, 4) | g_cfg(4, 4) << 32, DISK_BYTES / 512); /* as Linux reads 64 bits */
	assert_int_equal(g_cfg(offsetof(struct virtio_blk_config, size_max), 4), VIRTIO_BLK_SIZE_MAX);
	assert_int_equal(g_cfg(offsetof(struct virtio_blk_config, seg_max), 4), 254);
	assert_int_equal(g_cfg(offsetof(struct virtio_blk_config, blk_size), 4), 512);
	assert_int_equal(g_cfg(offsetof(struct virtio_blk_config, num_queues), 2), 0);
	assert_int_equal(g_cfg(offsetof(struct virtio_blk_config, max_discard_sectors), 4), VIRTIO_BLK_RANGE_SECTORS);
	assert_int_equal(g_cfg(offsetof(struct virtio_blk_config, max_discard_seg), 4), VIRTIO_BLK_RANGES_MAX);
	assert_int_equal(g_cfg(offsetof(struct virtio_blk_config, discard_sector_alignment), 4), 1);
	assert_int_equal(g_cfg(offsetof(struct virtio_blk_config, max_write_zeroes_sectors), 4),
			 VIRTIO_BLK_RANGE_SECTORS);
	assert_int_equal(g_cfg(offsetof(struct virtio_blk_config, max_write_zeroes_seg), 4), VIRTIO_BLK_RANGES_MAX);
	assert_int_equal(g_cfg(offsetof(struct virtio_blk_config, write_zeroes_may_unmap), 1), 0);
	assert_int_equal(g_cfg(VIRTIO_BLK_CONFIG_SIZE, 4), 0); /* past the end */
	mmio_wr(region(VIRTIO_PCI_CAP_DEVICE_CFG), 4, 7);       /* read-only: ignored */
	assert_int_equal(g_cfg(0, 8), DISK_BYTES / 512);
}

static void test_features_read_only(void **state)
{
	(void)state;
	bus_on();
	assert_true(g_features() & FB(VIRTIO_BLK_F_RO));
	assert_false(g_features() & FB(VIRTIO_BLK_F_FLUSH)); /* a RAM disk has no volatile cache */
}

static void test_features_plain_backend(void **state)
{
	uint64_t f;

	(void)state;
	bus_on();
	f = g_features();
	assert_true(f & FB(VIRTIO_BLK_F_FLUSH));
	assert_false(f & FB(VIRTIO_BLK_F_DISCARD));
	assert_true(f & FB(VIRTIO_BLK_F_WRITE_ZEROES)); /* emulated */
	assert_false(f & FB(VIRTIO_BLK_F_RO));
	assert_false(f & FB(VIRTIO_BLK_F_MQ));
	assert_int_equal(g_cfg(offsetof(struct virtio_blk_config, max_discard_sectors), 4), 0);
	assert_non_null(vb->bounce);
	assert_int_equal(vb->bounce_sectors, 8);
}

static void test_init_refuses_bad_backend(void **state)
{
	struct virtio_blk *b = calloc(1, sizeof(*b));
	struct blkdev bad = nm.bd;

	(void)state;
	bad.max_io_sectors = 4;
	assert_int_equal(virtio_blk_init(b, vm, &bad), -EINVAL);
	bad = nm.bd;
	bad.sectors = 0;
	assert_int_equal(virtio_blk_init(b, vm, &bad), -EINVAL);
	assert_int_equal(virtio_blk_init(b, vm, NULL), -EINVAL);
	free(b);
}

/* ---- reads and writes ---- */

static void test_write_read_one_segment(void **state)
{
	(void)state;
	g_up(F_V1 | F_BLK_ALL);
	fill(BUF, 4096, 5);
	assert_int_equal(g_rw(VIRTIO_BLK_T_OUT, 8, 4096), VIRTIO_BLK_S_OK);
	assert_memory_equal(disk(8), d_host(BUF), 4096);
	assert_int_equal(g_used_len(0), 1);
	memset(d_host(BUF), 0, 4096);
	assert_int_equal(g_rw(VIRTIO_BLK_T_IN, 8, 4096), VIRTIO_BLK_S_OK);
	assert_memory_equal(d_host(BUF), disk(8), 4096);
	assert_int_equal(g_used_len(1), 4097);
	/* The image is where ramdisk_create put it. */
	assert_int_equal(g_rw(VIRTIO_BLK_T_IN, 0, 512), VIRTIO_BLK_S_OK);
	assert_int_equal(((uint8_t *)d_host(BUF))[3], 3 * 7 + 1);
	assert_int_equal(vb->stats.writes, 1);
	assert_int_equal(vb->stats.reads, 2);
	assert_int_equal(vb->stats.bytes_written, 4096);
	assert_int_equal(vb->stats.bytes_read, 4608);
	assert_int_equal(vb->stats.errors, 0);
	assert_false(status() & VIRTIO_STATUS_NEEDS_RESET);
}

/* 254 data segments (seg_max) of odd, unequal sizes that add up to whole sectors. */
static void test_many_segments(void **state)
{
	struct seg s[VIRTIO_BLK_SEG_MAX];
	uint64_t off = 0;

	(void)state;
	g_up(F_V1 | F_BLK_ALL);
	for (unsigned i = 0; i < VIRTIO_BLK_SEG_MAX; i++) {
		uint32_t len = i % 2 ? 700 : 324; /* pairs of 1024 bytes */

		s[i] = (struct seg){ BUF + off + 8 * i, len, false }; /* gaps between the buffers */
		fill(s[i].gpa, len, (uint8_t)i);
		off += len;
	}
	assert_true(off + 8 * VIRTIO_BLK_SEG_MAX <= BUF_MAX);
	assert_int_equal(g_req(VIRTIO_BLK_T_OUT, 100, s, VIRTIO_BLK_SEG_MAX), VIRTIO_BLK_S_OK);
	off = 0;
	for (unsigned i = 0; i < VIRTIO_BLK_SEG_MAX; i++) {
		assert_memory_equal(disk(100) + off, d_host(s[i].gpa), s[i].len);
		off += s[i].len;
	}
	for (unsigned i = 0; i < VIRTIO_BLK_SEG_MAX; i++) {
		memset(d_host(s[i].gpa), 0, s[i].len);
		s[i].write = true;
	}
	assert_int_equal(g_req(VIRTIO_BLK_T_IN, 100, s, VIRTIO_BLK_SEG_MAX), VIRTIO_BLK_S_OK);
	off = 0;
	for (unsigned i = 0; i < VIRTIO_BLK_SEG_MAX; i++) {
		assert_memory_equal(d_host(s[i].gpa), disk(100) + off, s[i].len);
		off += s[i].len;
	}
	assert_int_equal(vb->stats.bytes_read, 254 / 2 * 1024);
}

/* Any layout: header and data in one readable buffer; data and status in one writable buffer;
 * the header itself split in two. */
static void test_any_layout(void **state)
{
	struct virtio_blk_req_hdr h = { .type = VIRTIO_BLK_T_OUT, .sector = 3 };
	struct seg s[3];

	(void)state;
	g_up(F_V1 | F_BLK_ALL);
	memcpy(d_host(BUF), &h, 16);
	fill(BUF + 16, 512, 9);
	s[0] = (struct seg){ BUF, 16 + 512, false };
	s[1] = (struct seg){ STAT, 1, true };
	*(uint8_t *)d_host(STAT) = 0xee;
	g_chain_at(0, s, 2);
	kick(0);
	assert_int_equal(*(uint8_t *)d_host(STAT), VIRTIO_BLK_S_OK);
	assert_memory_equal(disk(3), d_host(BUF + 16), 512);

	h.type = VIRTIO_BLK_T_IN;
	memcpy(d_host(HDR), &h, 16);
	s[0] = (struct seg){ HDR, 5, false };
	s[1] = (struct seg){ HDR + 5, 11, false };
	s[2] = (struct seg){ BUF + 0x1000, 513, true };
	*(uint8_t *)d_host(BUF + 0x1000 + 512) = 0xee;
	g_chain_at(10, s, 3);
	kick(0);
	assert_int_equal(*(uint8_t *)d_host(BUF + 0x1000 + 512), VIRTIO_BLK_S_OK);
	assert_memory_equal(d_host(BUF + 0x1000), disk(3), 512);
}

static void test_bounce_path_round_trip(void **state)
{
	struct seg s[2] = { { BUF, 0x6000, false }, { BUF + 0x8000, 0x2000, false } };

	(void)state;
	g_up(F_V1 | F_BLK_ALL);
	fill(BUF, 0x6000, 1);
	fill(BUF + 0x8000, 0x2000, 2);
	assert_int_equal(g_req(VIRTIO_BLK_T_OUT, 40, s, 2), VIRTIO_BLK_S_OK);
	assert_memory_equal(disk(40), d_host(BUF), 0x6000);
	assert_memory_equal(disk(40) + 0x6000, d_host(BUF + 0x8000), 0x2000);
	assert_int_equal(nm.writes, 0x8000 / 4096); /* chunks of max_io_sectors (8) */
	assert_int_equal(nm.most, 8);
	memset(d_host(BUF), 0, 0x10000);
	s[0].write = s[1].write = true;
	assert_int_equal(g_req(VIRTIO_BLK_T_IN, 40, s, 2), VIRTIO_BLK_S_OK);
	assert_memory_equal(d_host(BUF), disk(40), 0x6000);
	assert_memory_equal(d_host(BUF + 0x8000), disk(40) + 0x6000, 0x2000);
	assert_int_equal(nm.reads, 8);
}

static void test_backend_failure_is_ioerr(void **state)
{
	(void)state;
	g_up(F_V1 | F_BLK_ALL);
	nm.fail = -EIO;
	assert_int_equal(g_rw(VIRTIO_BLK_T_IN, 0, 4096), VIRTIO_BLK_S_IOERR);
	assert_int_equal(g_rw(VIRTIO_BLK_T_OUT, 0, 4096), VIRTIO_BLK_S_IOERR);
	assert_int_equal(g_rw(VIRTIO_BLK_T_FLUSH, 0, 0), VIRTIO_BLK_S_IOERR);
	assert_int_equal(vb->stats.errors, 3);
	assert_int_equal(vb->stats.reads + vb->stats.writes + vb->stats.flushes, 0);
	nm.fail = 0;
	assert_int_equal(g_rw(VIRTIO_BLK_T_FLUSH, 0, 0), VIRTIO_BLK_S_OK);
	assert_int_equal(nm.flushes, 2);
	assert_false(status() & VIRTIO_STATUS_NEEDS_RESET);
}

/* ---- flush, get-id ---- */

static void test_flush(void **state)
{
	(void)state;
	g_up(F_V1 | F_BLK_ALL);
	assert_int_equal(g_rw(VIRTIO_BLK_T_FLUSH, 12345, 0), VIRTIO_BLK_S_OK); /* sector ignored */
	assert_int_equal(vb->stats.flushes, 1);
	assert_int_equal(g_rw(VIRTIO_BLK_T_FLUSH, 0, 512), VIRTIO_BLK_S_IOERR); /* data with a flush */
}

static void test_get_id(void **state)
{
	(void)state;
	g_up(F_V1 | F_BLK_ALL);
	memset(d_host(BUF), 'z', 64);
	assert_int_equal(g_rw(VIRTIO_BLK_T_GET_ID, 0, 20), VIRTIO_BLK_S_OK);
	assert_memory_equal(d_host(BUF), "basalt-ram-test\0\0\0\0\0", 20);
	memset(d_host(BUF), 'z', 64);
	assert_int_equal(g_rw(VIRTIO_BLK_T_GET_ID, 0, 40), VIRTIO_BLK_S_OK); /* longer: 20 written */
	assert_int_equal(((uint8_t *)d_host(BUF))[20], 'z');
	memset(d_host(BUF), 'z', 64);
	assert_int_equal(g_rw(VIRTIO_BLK_T_GET_ID, 0, 6), VIRTIO_BLK_S_OK); /* shorter: cut */
	assert_memory_equal(d_host(BUF), "basaltz", 7);
	assert_int_equal(g_rw(VIRTIO_BLK_T_GET_ID, 0, 0), VIRTIO_BLK_S_IOERR); /* nowhere to put it */
	assert_int_equal(vb->stats.get_ids, 3);
}

/* ---- discard, write zeroes ---- */

static void test_discard(void **state)
{
	struct virtio_blk_range r[2] = { { 10, 4, 0 }, { 30, 2, 0 } };

	(void)state;
	g_up(F_V1 | F_BLK_ALL);
	memset(disk(0), 0xab, 64 * 512);
	assert_int_equal(g_ranges(VIRTIO_BLK_T_DISCARD, r, 2), VIRTIO_BLK_S_OK);
	for (unsigned s = 0; s < 64; s++) {
		bool gone = (s >= 10 && s < 14) || (s >= 30 && s < 32);

		assert_int_equal(disk(s)[0], gone ? 0 : 0xab);
		assert_int_equal(disk(s)[511], gone ? 0 : 0xab);
	}
	assert_int_equal(vb->stats.discards, 1);
}

static void test_discard_refusals(void **state)
{
	struct virtio_blk_range r = { 10, 4, VIRTIO_BLK_WZ_F_UNMAP };
	struct virtio_blk_range many[VIRTIO_BLK_RANGES_MAX + 1] = { { 0, 1, 0 } };
	struct seg odd = { RANGES, 24, false };

	(void)state;
	g_up(F_V1 | F_BLK_ALL);
	memset(disk(0), 0xab, 64 * 512);
	assert_int_equal(g_ranges(VIRTIO_BLK_T_DISCARD, &r, 1), VIRTIO_BLK_S_UNSUPP); /* unmap on discard */
	r.flags = 4;
	assert_int_equal(g_ranges(VIRTIO_BLK_T_DISCARD, &r, 1), VIRTIO_BLK_S_UNSUPP); /* reserved flag */
	r = (struct virtio_blk_range){ DISK_BYTES / 512 - 1, 2, 0 };
	assert_int_equal(g_ranges(VIRTIO_BLK_T_DISCARD, &r, 1), VIRTIO_BLK_S_IOERR); /* past the end */
	r = (struct virtio_blk_range){ ~0ull, 1, 0 };
	assert_int_equal(g_ranges(VIRTIO_BLK_T_DISCARD, &r, 1), VIRTIO_BLK_S_IOERR); /* wraps */
	r = (struct virtio_blk_range){ 0, VIRTIO_BLK_RANGE_SECTORS + 1, 0 };
	assert_int_equal(g_ranges(VIRTIO_BLK_T_DISCARD, &r, 1), VIRTIO_BLK_S_IOERR); /* more than advertised */
	assert_int_equal(g_ranges(VIRTIO_BLK_T_DISCARD, many, VIRTIO_BLK_RANGES_MAX + 1), VIRTIO_BLK_S_IOERR);
	assert_int_equal(g_req(VIRTIO_BLK_T_DISCARD, 0, &odd, 1), VIRTIO_BLK_S_IOERR); /* not whole ranges */
	assert_int_equal(g_req(VIRTIO_BLK_T_DISCARD, 0, NULL, 0), VIRTIO_BLK_S_IOERR); /* no range */
	/* A bad second range fails the whole request before the good first one is done. */
	many[0] = (struct virtio_blk_range){ 5, 1, 0 };
	many[1] = (struct virtio_blk_range){ DISK_BYTES / 512, 1, 0 };
	assert_int_equal(g_ranges(VIRTIO_BLK_T_DISCARD, many, 2), VIRTIO_BLK_S_IOERR);
	for (unsigned s = 0; s < 64; s++)
		assert_int_equal(disk(s)[0], 0xab);
	assert_int_equal(vb->stats.discards, 0);
	assert_int_equal(vb->stats.unsupported, 2);
	assert_int_equal(vb->stats.errors, 7);
}

static void test_discard_not_negotiated(void **state)
{
	struct virtio_blk_range r = { 10, 4, 0 };

	(void)state;
	g_up(F_V1);
	memset(disk(10), 0xab, 512);
	assert_int_equal(g_ranges(VIRTIO_BLK_T_DISCARD, &r, 1), VIRTIO_BLK_S_UNSUPP);
	assert_int_equal(g_ranges(VIRTIO_BLK_T_WRITE_ZEROES, &r, 1), VIRTIO_BLK_S_UNSUPP);
	assert_int_equal(disk(10)[0], 0xab);
}

static void test_write_zeroes(void **state)
{
	struct virtio_blk_range r[2] = { { 2, 3, VIRTIO_BLK_WZ_F_UNMAP }, { 7, 1, 0 } };

	(void)state;
	g_up(F_V1 | F_BLK_ALL);
	memset(disk(0), 0xcd, 16 * 512);
	assert_int_equal(g_ranges(VIRTIO_BLK_T_WRITE_ZEROES, r, 2), VIRTIO_BLK_S_OK);
	for (unsigned s = 0; s < 16; s++)
		assert_int_equal(disk(s)[100], (s >= 2 && s < 5) || s == 7 ? 0 : 0xcd);
	assert_int_equal(vb->stats.write_zeroes, 1);
	r[0].flags = 2;
	assert_int_equal(g_ranges(VIRTIO_BLK_T_WRITE_ZEROES, r, 1), VIRTIO_BLK_S_UNSUPP);
}

/* Without write_zeroes (or map) in the backend: zero buffers written in max_io_sectors chunks. */
static void test_write_zeroes_emulated(void **state)
{
	struct virtio_blk_range r = { 20, 20, 0 };

	(void)state;
	g_up(F_V1 | F_BLK_ALL);
	memset(disk(0), 0xcd, 64 * 512);
	assert_int_equal(g_ranges(VIRTIO_BLK_T_WRITE_ZEROES, &r, 1), VIRTIO_BLK_S_OK);
	for (unsigned s = 0; s < 64; s++)
		assert_int_equal(disk(s)[0], s >= 20 && s < 40 ? 0 : 0xcd);
	assert_int_equal(nm.writes, 3); /* 8 + 8 + 4 */
	assert_int_equal(g_ranges(VIRTIO_BLK_T_DISCARD, &r, 1), VIRTIO_BLK_S_UNSUPP); /* not offered */
}

/* ---- refusals ---- */

static void test_read_only_refusals(void **state)
{
	struct virtio_blk_range r = { 0, 1, 0 };
	uint8_t before[512];

	(void)state;
	g_up(F_V1 | F_BLK_ALL);
	memcpy(before, disk(0), 512);
	fill(BUF, 512, 77);
	assert_int_equal(g_rw(VIRTIO_BLK_T_OUT, 0, 512), VIRTIO_BLK_S_IOERR);
	assert_int_equal(g_ranges(VIRTIO_BLK_T_DISCARD, &r, 1), VIRTIO_BLK_S_IOERR);
	assert_int_equal(g_ranges(VIRTIO_BLK_T_WRITE_ZEROES, &r, 1), VIRTIO_BLK_S_IOERR);
	assert_memory_equal(disk(0), before, 512);
	assert_int_equal(g_rw(VIRTIO_BLK_T_IN, 0, 512), VIRTIO_BLK_S_OK);
	assert_memory_equal(d_host(BUF), before, 512);
	assert_int_equal(g_rw(VIRTIO_BLK_T_FLUSH, 0, 0), VIRTIO_BLK_S_OK);
	assert_int_equal(vb->stats.errors, 3);
}

static void test_out_of_range(void **state)
{
	uint64_t cap = DISK_BYTES / 512;

	(void)state;
	g_up(F_V1 | F_BLK_ALL);
	assert_int_equal(g_rw(VIRTIO_BLK_T_IN, cap - 1, 1024), VIRTIO_BLK_S_IOERR);
	assert_int_equal(g_rw(VIRTIO_BLK_T_OUT, cap - 1, 1024), VIRTIO_BLK_S_IOERR);
	assert_int_equal(g_rw(VIRTIO_BLK_T_IN, cap, 512), VIRTIO_BLK_S_IOERR);
	assert_int_equal(g_rw(VIRTIO_BLK_T_IN, ~0ull, 512), VIRTIO_BLK_S_IOERR); /* sector + len wraps */
	assert_int_equal(g_rw(VIRTIO_BLK_T_IN, ~0ull - 7, 4096), VIRTIO_BLK_S_IOERR);
	assert_int_equal(g_rw(VIRTIO_BLK_T_IN, cap - 2, 1024), VIRTIO_BLK_S_OK); /* the last two */
	assert_int_equal(vb->stats.errors, 5);
}

static void test_unaligned_length(void **state)
{
	(void)state;
	g_up(F_V1 | F_BLK_ALL);
	memset(disk(0), 0x5a, 1024);
	fill(BUF, 1024, 3);
	assert_int_equal(g_rw(VIRTIO_BLK_T_OUT, 0, 513), VIRTIO_BLK_S_IOERR);
	assert_int_equal(g_rw(VIRTIO_BLK_T_IN, 0, 511), VIRTIO_BLK_S_IOERR);
	assert_int_equal(disk(0)[0], 0x5a);
	assert_int_equal(disk(1)[0], 0x5a);
}

/* Without a writable byte there is nowhere to answer: the chain comes back with 0 bytes, the
 * device goes on. */
static void test_missing_status(void **state)
{
	struct seg s[2] = { { HDR, 16, false }, { BUF, 512, false } };

	(void)state;
	g_up(F_V1 | F_BLK_ALL);
	memset(disk(0), 0x5a, 512);
	g_hdr(VIRTIO_BLK_T_OUT, 0);
	g_chain_at(0, s, 2);
	kick(0);
	assert_int_equal(g_used(), 1);
	assert_int_equal(g_used_len(0), 0);
	assert_int_equal(vb->stats.no_status, 1);
	assert_int_equal(disk(0)[0], 0x5a); /* nothing done */
	assert_false(status() & VIRTIO_STATUS_NEEDS_RESET);
	assert_int_equal(g_rw(VIRTIO_BLK_T_IN, 0, 512), VIRTIO_BLK_S_OK);
}

static void test_wrong_direction(void **state)
{
	struct seg in_readable = { BUF, 512, false }, out_writable = { BUF, 512, true };

	(void)state;
	g_up(F_V1 | F_BLK_ALL);
	memset(disk(0), 0x5a, 512);
	memset(d_host(BUF), 0x11, 512);
	assert_int_equal(g_req(VIRTIO_BLK_T_IN, 0, &in_readable, 1), VIRTIO_BLK_S_IOERR);
	assert_int_equal(((uint8_t *)d_host(BUF))[0], 0x11);
	assert_int_equal(g_req(VIRTIO_BLK_T_OUT, 0, &out_writable, 1), VIRTIO_BLK_S_IOERR);
	assert_int_equal(disk(0)[0], 0x5a);
	assert_int_equal(g_req(VIRTIO_BLK_T_GET_ID, 0, &in_readable, 1), VIRTIO_BLK_S_IOERR);
	assert_int_equal(g_req(VIRTIO_BLK_T_WRITE_ZEROES, 0, &out_writable, 1), VIRTIO_BLK_S_IOERR);
	assert_int_equal(vb->stats.errors, 4);
}

static void test_unknown_type(void **state)
{
	(void)state;
	g_up(F_V1 | F_BLK_ALL);
	assert_int_equal(g_rw(99, 0, 0), VIRTIO_BLK_S_UNSUPP);
	assert_int_equal(g_rw(VIRTIO_BLK_T_GET_LIFETIME, 0, 0), VIRTIO_BLK_S_UNSUPP);
	assert_int_equal(g_rw(VIRTIO_BLK_T_SECURE_ERASE, 0, 0), VIRTIO_BLK_S_UNSUPP);
	assert_int_equal(g_rw(0x80000000u, 0, 0), VIRTIO_BLK_S_UNSUPP);
	assert_int_equal(vb->stats.unsupported, 4);
}

static void test_header_too_short(void **state)
{
	struct seg s[2] = { { HDR, 15, false }, { STAT, 1, true } };

	(void)state;
	g_up(F_V1 | F_BLK_ALL);
	g_hdr(VIRTIO_BLK_T_FLUSH, 0);
	*(uint8_t *)d_host(STAT) = 0xee;
	g_chain_at(0, s, 2);
	kick(0);
	assert_int_equal(*(uint8_t *)d_host(STAT), VIRTIO_BLK_S_IOERR);
	assert_int_equal(vb->stats.flushes, 0);
	/* Only a status byte at all. */
	*(uint8_t *)d_host(STAT) = 0xee;
	g_chain_at(0, s + 1, 1);
	kick(0);
	assert_int_equal(*(uint8_t *)d_host(STAT), VIRTIO_BLK_S_IOERR);
	assert_int_equal(g_used(), 2);
}

/* ---- reset, kick bound, notification suppression, attach ---- */

static void test_reset_mid_way(void **state)
{
	struct seg s[3] = { { HDR, 16, false }, { BUF, 512, false }, { STAT, 1, true } };

	(void)state;
	g_up(F_V1 | F_BLK_ALL);
	memset(disk(0), 0x5a, 512);
	g_hdr(VIRTIO_BLK_T_OUT, 0);
	g_chain_at(0, s, 3);
	/* The driver resets before the kick: the request is dropped, nothing is written. */
	cc_wr(CC(device_status), 1, 0);
	kick(0);
	assert_int_equal(disk(0)[0], 0x5a);
	assert_int_equal(g_used(), 0);
	/* A chain popped before a reset cannot be pushed after it. */
	g_avail = 0;
	memset(d_host(AVAIL0), 0, 4);
	memset(d_host(USED0), 0, 4);
	g_up(F_V1 | F_BLK_ALL);
	g_chain_at(0, s, 3);
	virtio_pci_lock(dev);
	assert_int_equal(virtq_pop(&dev->vqs[0], &vb->chain), 0);
	virtio_pci_unlock(dev);
	cc_wr(CC(device_status), 1, 0);
	assert_int_equal(virtq_push(&dev->vqs[0], &vb->chain, 1), -EINVAL);
	assert_int_equal(g_used(), 0);
	/* And the device works after the driver brings it up again. */
	g_avail = 0;
	memset(d_host(AVAIL0), 0, 4);
	memset(d_host(USED0), 0, 4);
	g_up(F_V1 | F_BLK_ALL);
	assert_int_equal(g_rw(VIRTIO_BLK_T_IN, 0, 512), VIRTIO_BLK_S_OK);
}

/* Another vCPU refills the ring as fast as the device drains it: one kick serves a bounded
 * number of chains and returns. */
static unsigned hdr_maps;

/* Called at every map: the header buffer is mapped twice per chain (checked by the walk, then read
 * by the device), so the refill comes once per chain, as the device reads the header. */
static void refill(uint64_t gpa, size_t len)
{
	(void)len;
	if (gpa == HDR && ++hdr_maps % 2 == 0)
		g_publish(0);
}

static void test_requests_per_kick_bounded(void **state)
{
	struct seg s[2] = { { HDR, 16, false }, { STAT, 1, true } };

	(void)state;
	g_up(F_V1 | F_EVENT | F_BLK_ALL);
	g_hdr(VIRTIO_BLK_T_FLUSH, 0);
	g_chain_at(0, s, 2);
	d_on_map = refill; /* the header is read through its mapping */
	kick(0);
	assert_int_equal(vb->stats.flushes, 4 * VIRTIO_BLK_QSIZE);
	assert_int_equal(vb->stats.kick_limited, 1);
	assert_int_equal(g_used(), (uint16_t)(4 * VIRTIO_BLK_QSIZE));
	d_on_map = NULL;
	kick(0); /* the one left waiting */
	assert_int_equal(vb->stats.flushes, 4 * VIRTIO_BLK_QSIZE + 1);
	assert_int_equal(vb->stats.kick_limited, 1);
	assert_false(status() & VIRTIO_STATUS_NEEDS_RESET);
}

/* A read or write above seg_max x size_max fails before the backend sees it, even when all its
 * segments name one buffer (so guest RAM would not bound the copying). */
static void test_oversized_request_refused(void **state)
{
	static struct seg s[VIRTIO_BLK_SEG_MAX];

	(void)state;
	g_up(F_V1 | F_BLK_ALL);
	nm.bd.sectors = 1ull << 30; /* the range check passes: only the size is wrong */
	s[0] = (struct seg){ BUF, 0x30000, true };
	for (unsigned i = 1; i < VIRTIO_BLK_SEG_MAX; i++)
		s[i] = (struct seg){ BUF, VIRTIO_BLK_SIZE_MAX, true };
	assert_int_equal(g_req(VIRTIO_BLK_T_IN, 0, s, VIRTIO_BLK_SEG_MAX), VIRTIO_BLK_S_IOERR);
	assert_int_equal(nm.reads, 0);
	assert_int_equal(vb->stats.errors, 1);
}

static unsigned polls_wanted;

static void count_poll_wish(void *ctx)
{
	assert_ptr_equal(ctx, &polls_wanted);
	polls_wanted++;
}

/* One notify moves at most VIRTIO_BLK_KICK_BYTES; the rest waits for virtio_blk_poll, which the
 * device asks for (the driver will not kick again for requests it already made available). */
static void test_bytes_per_kick_bounded(void **state)
{
	struct seg s[10];
	unsigned n = VIRTIO_BLK_KICK_BYTES / (1u << 20) + 4;

	(void)state;
	g_up(F_V1 | F_BLK_ALL);
	vb->want_poll = count_poll_wish;
	vb->want_poll_ctx = &polls_wanted;
	polls_wanted = 0;
	g_hdr(VIRTIO_BLK_T_IN, 0);
	s[0] = (struct seg){ HDR, 16, false };
	for (unsigned i = 1; i <= 8; i++)
		s[i] = (struct seg){ BUF, 128u << 10, true }; /* 1 MiB a request, one buffer 8 times */
	s[9] = (struct seg){ STAT, 1, true };
	for (unsigned r = 0; r < n; r++)
		g_chain_at((uint16_t)(10 * r), s, 10);
	kick(0);
	assert_int_equal(vb->stats.reads, VIRTIO_BLK_KICK_BYTES / (1u << 20));
	assert_int_equal(vb->stats.kick_limited, 1);
	assert_true(vb->resume);
	assert_int_equal(polls_wanted, 1);
	virtio_blk_poll(vb);
	assert_int_equal(vb->stats.reads, n);
	assert_int_equal(g_used(), n);
	assert_false(vb->resume);
	virtio_blk_poll(vb); /* nothing left: a no-op */
	assert_int_equal(vb->stats.reads, n);
	assert_int_equal(polls_wanted, 1);
}

/* Discard and write-zeroes ranges count together against the advertised per-request maximum. */
static void test_ranges_total_bounded(void **state)
{
	struct virtio_blk_range r[2] = { { 0, VIRTIO_BLK_RANGE_SECTORS / 2 + 1, 0 }, { 0, VIRTIO_BLK_RANGE_SECTORS / 2, 0 } };

	(void)state;
	g_up(F_V1 | F_BLK_ALL);
	nm.bd.sectors = 1ull << 30;
	assert_int_equal(g_ranges(VIRTIO_BLK_T_WRITE_ZEROES, r, 2), VIRTIO_BLK_S_IOERR);
	assert_int_equal(nm.writes, 0);
	r[0].num_sectors = r[1].num_sectors = 8; /* small ones pass */
	nm.bd.sectors = rd.bd.sectors;
	assert_int_equal(g_ranges(VIRTIO_BLK_T_WRITE_ZEROES, r, 2), VIRTIO_BLK_S_OK);
}

/* Several requests, one kick: all served, one interrupt, and avail_event asks for the next one. */
static void test_batch_and_event_idx(void **state)
{
	struct seg s[2] = { { HDR, 16, false }, { STAT, 1, true } };
	uint16_t avail_event;

	(void)state;
	g_up(F_V1 | F_EVENT | F_BLK_ALL);
	g_hdr(VIRTIO_BLK_T_FLUSH, 0);
	for (unsigned i = 0; i < 5; i++)
		g_chain_at((uint16_t)(2 * i), s, 2);
	kick(0);
	assert_int_equal(g_used(), 5);
	assert_int_equal(vb->stats.flushes, 5);
	assert_true(isr_rd() & VIRTIO_ISR_QUEUE);
	memcpy(&avail_event, d_host(USED0 + VIRTQ_AVAIL_EVENT_OFF(BQ)), 2);
	assert_int_equal(avail_event, 5);
}

static void test_attach(void **state)
{
	struct vm *v = calloc(1, sizeof(*v));
	struct virtio_blk *out = NULL;
	struct blkdev bad = rd.bd;

	(void)state;
	d_vm = v;
	assert_int_equal(vpci_attach(v), 0);
	assert_int_equal(virtio_blk_attach(v, &rd.bd, 5, &out), 0);
	assert_non_null(out);
	assert_ptr_equal(out->bd, &rd.bd);
	assert_int_equal(vpci_config_read(v->pci, 0, 5 << 3, PCI_DEVICE_ID, 2), 0x1042);
	assert_int_equal(virtio_blk_attach(v, &rd.bd, 5, NULL), -EEXIST); /* slot taken: freed again */
	bad.max_io_sectors = 0;
	assert_int_equal(virtio_blk_attach(v, &bad, 6, NULL), -EINVAL);
	free(v);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
#define TRO(f) cmocka_unit_test_setup_teardown(f, setup_ro, teardown)
#define TP(f) cmocka_unit_test_setup_teardown(f, setup_plain, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_identity_features_config), TRO(test_features_read_only), TP(test_features_plain_backend),
		TP(test_init_refuses_bad_backend), T(test_write_read_one_segment), T(test_many_segments),
		T(test_any_layout), TP(test_bounce_path_round_trip), TP(test_backend_failure_is_ioerr),
		T(test_flush), T(test_get_id), T(test_discard), T(test_discard_refusals),
		T(test_discard_not_negotiated), T(test_write_zeroes), TP(test_write_zeroes_emulated),
		TRO(test_read_only_refusals), T(test_out_of_range), T(test_unaligned_length), T(test_missing_status),
		T(test_wrong_direction), T(test_unknown_type), T(test_header_too_short), T(test_reset_mid_way),
		T(test_requests_per_kick_bounded), TP(test_oversized_request_refused), T(test_bytes_per_kick_bounded),
		TP(test_ranges_total_bounded), T(test_batch_and_event_idx), T(test_attach),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
