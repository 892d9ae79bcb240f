/* SPDX-License-Identifier: MIT */
/* The guest driver side of the virtio-blk tests: a 256-entry queue, chains built from segment lists, one kick each. */
#ifndef BASALT_TESTS_VIRTIO_BLK_GUEST_H
#define BASALT_TESTS_VIRTIO_BLK_GUEST_H

#include "tests/unit/virtio_pci_harness.h"
#include "drivers/block/ramdisk.h"
#include "drivers/virtio/virtio_blk.h"

#define BQ 256                    /* the queue size this driver programs */
#define HDR (RAM_GPA + 0x8000)    /* request header */
#define STAT (RAM_GPA + 0x8100)   /* status byte */
#define RANGES (RAM_GPA + 0x8200) /* discard / write-zeroes ranges */
#define BUF (RAM_GPA + 0x10000)   /* data: up to RAM_GPA + RAM_SIZE */
#define BUF_MAX (RAM_SIZE - 0x10000)
#define DISK_BYTES (1u << 20)

struct seg {
	uint64_t gpa;
	uint32_t len;
	bool write;
};

static struct virtio_blk *vb;
static struct ramdisk rd;
static uint16_t g_avail;

static void g_desc(uint16_t i, uint64_t addr, uint32_t len, uint16_t flags, uint16_t next)
{
	struct virtq_desc d = { .addr = addr, .len = len, .flags = flags, .next = next };

	memcpy(d_host(DESC0 + 16ull * i), &d, sizeof(d));
}

static void g_publish(uint16_t head)
{
	uint16_t idx;

	memcpy(d_host(AVAIL0 + 4 + 2ull * (g_avail % BQ)), &head, 2);
	idx = ++g_avail;
	memcpy(d_host(AVAIL0 + 2), &idx, 2);
}

/* Links s[0 .. n) as descriptors first .. first+n-1 and makes the chain available. */
static void g_chain_at(uint16_t first, const struct seg *s, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		g_desc((uint16_t)(first + i), s[i].gpa, s[i].len,
		       (uint16_t)((s[i].write ? VIRTQ_DESC_F_WRITE : 0) | (i + 1 < n ? VIRTQ_DESC_F_NEXT : 0)),
		       (uint16_t)(first + i + 1));
	g_publish(first);
}

static uint16_t g_used(void)
{
	uint16_t v;

	memcpy(&v, d_host(USED0 + 2), 2);
	return v;
}

static uint32_t g_used_len(uint16_t n)
{
	uint32_t len;

	memcpy(&len, d_host(USED0 + 8 + 8ull * (n % BQ)), 4);
	return len;
}

static void g_hdr(uint32_t type, uint64_t sector)
{
	struct virtio_blk_req_hdr h = { .type = type, .reserved = 0, .sector = sector };

	memcpy(d_host(HDR), &h, sizeof(h));
}

/* Header, the data segments, status: one request, one kick. Returns the status byte (0xee: the
 * device did not write it) after checking the request was returned. */
static uint8_t g_req(uint32_t type, uint64_t sector, const struct seg *data, unsigned n)
{
	struct seg s[BQ];
	uint16_t before = g_used();

	assert_true(n + 2 <= BQ);
	g_hdr(type, sector);
	*(uint8_t *)d_host(STAT) = 0xee;
	s[0] = (struct seg){ HDR, 16, false };
	if (n)
		memcpy(s + 1, data, n * sizeof(*data));
	s[n + 1] = (struct seg){ STAT, 1, true };
	g_chain_at(0, s, n + 2);
	kick(0);
	assert_int_equal(g_used(), (uint16_t)(before + 1));
	return *(uint8_t *)d_host(STAT);
}

/* One data buffer of len bytes at BUF, in the direction of the type. */
static uint8_t g_rw(uint32_t type, uint64_t sector, uint32_t len)
{
	struct seg d = { BUF, len, type == VIRTIO_BLK_T_IN || type == VIRTIO_BLK_T_GET_ID };

	return g_req(type, sector, &d, len ? 1 : 0);
}

/* A discard / write-zeroes request with n ranges. */
static uint8_t g_ranges(uint32_t type, const struct virtio_blk_range *r, unsigned n)
{
	struct seg d = { RANGES, (uint32_t)(n * sizeof(*r)), false };

	memcpy(d_host(RANGES), r, n * sizeof(*r));
	return g_req(type, 0, &d, 1);
}

static uint64_t g_features(void)
{
	uint64_t f;

	cc_wr(CC(device_feature_select), 4, 0);
	f = cc_rd(CC(device_feature), 4);
	cc_wr(CC(device_feature_select), 4, 1);
	return f | cc_rd(CC(device_feature), 4) << 32;
}

/* As a driver does: what it wants of what the device offers. */
static void g_up(uint64_t features)
{
	bus_on();
	assert_true(negotiate(features & g_features()) & VIRTIO_STATUS_FEATURES_OK);
	program_queue(0, BQ, DESC0, AVAIL0, USED0);
	assert_int_equal(cc_rd(CC(queue_enable), 2), 1);
	cc_wr(CC(device_status), 1,
	      VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK | VIRTIO_STATUS_DRIVER_OK);
	assert_true(status() & VIRTIO_STATUS_DRIVER_OK);
}

static uint64_t g_cfg(uint32_t off, unsigned size)
{
	return mmio_rd(region(VIRTIO_PCI_CAP_DEVICE_CFG) + off, size);
}

#define FB(bit) (1ull << (bit))
#define F_BLK_ALL (FB(VIRTIO_BLK_F_SIZE_MAX) | FB(VIRTIO_BLK_F_SEG_MAX) | FB(VIRTIO_BLK_F_BLK_SIZE) | \
		   FB(VIRTIO_BLK_F_DISCARD) | FB(VIRTIO_BLK_F_WRITE_ZEROES) | FB(VIRTIO_BLK_F_FLUSH) | \
		   FB(VIRTIO_BLK_F_RO))

/* The disk's bytes, for checks. */
static uint8_t *disk(uint64_t sector)
{
	return rd.mem + sector * 512;
}

#endif
