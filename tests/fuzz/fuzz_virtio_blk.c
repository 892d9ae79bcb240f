/* SPDX-License-Identifier: MIT */
/* libFuzzer target: hostile virtio-blk requests built from the input (type, sector, segments, directions) over a RAM disk; invariants hold. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/block/ramdisk.h"
#include "drivers/virtio/virtio_blk.h"
#include "tests/unit/virtq_doubles.h"
#include "tests/unit/vpci_doubles.h"
#include "tests/fuzz/fuzz_input.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define SLOT 3
#define DEVFN (SLOT << 3)
#define RAM_GPA 0x100000ull
#define RAM_SIZE 0x40000ull
#define DESC (RAM_GPA + 0x0000)
#define AVAIL (RAM_GPA + 0x1000)
#define USED (RAM_GPA + 0x2000)
#define AREA (RAM_GPA + 0x3000) /* buffers are carved from here to the end of RAM */
#define QS 256
#define DISK (16u << 10) /* small: every request compares the whole disk */
#define MAX_SEGS QS

/* A backend without map, discard or write_zeroes: the bounce-buffer and emulation paths. */
static struct ramdisk rd;
static int pl_read(struct blkdev *bd, uint64_t s, void *buf, uint64_t n)
{
	(void)bd;
	return rd.bd.ops->read(&rd.bd, s, buf, n);
}
static int pl_write(struct blkdev *bd, uint64_t s, const void *buf, uint64_t n)
{
	(void)bd;
	return rd.bd.read_only ? -EROFS : rd.bd.ops->write(&rd.bd, s, buf, n);
}
static int pl_flush(struct blkdev *bd)
{
	(void)bd;
	return 0;
}
static const struct blkdev_ops plain_ops = { .read = pl_read, .write = pl_write, .flush = pl_flush };
static struct blkdev plain;

static struct vm vm_store;
static struct virtio_blk vb_store;
static uint8_t before[DISK], expect[DISK];
static uint8_t rstream[RAM_SIZE], wstream[RAM_SIZE]; /* flat copies of a chain's two parts */
static uint16_t avail_idx;

struct gseg {
	uint64_t gpa;
	uint32_t len;
	bool write;
};
static struct gseg segs[MAX_SEGS];
static unsigned nsegs;
static uint64_t carve; /* next free byte of AREA */

static void bar_wr(struct virtio_blk *vb, uint64_t off, unsigned size, uint64_t v)
{
	d_mmio(&vm_store, vb->dev.fn.bars[VIRTIO_PCI_BAR].decoded_at + off, size, true, &v);
}

static uint64_t bar_rd(struct virtio_blk *vb, uint64_t off, unsigned size)
{
	uint64_t v = 0;

	d_mmio(&vm_store, vb->dev.fn.bars[VIRTIO_PCI_BAR].decoded_at + off, size, false, &v);
	return v;
}

#define CCO(f) (VIRTIO_PCI_COMMON_OFF + offsetof(struct virtio_pci_common_cfg, f))

/* The driver's bring-up with the features the input picks from what is offered. */
static void bring_up(struct virtio_blk *vb, uint64_t want)
{
	uint64_t offered, f;

	bar_wr(vb, CCO(device_status), 1, 0);
	bar_wr(vb, CCO(device_status), 1, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	bar_wr(vb, CCO(device_feature_select), 4, 0);
	offered = bar_rd(vb, CCO(device_feature), 4);
	bar_wr(vb, CCO(device_feature_select), 4, 1);
	offered |= bar_rd(vb, CCO(device_feature), 4) << 32;
	f = (offered & want) | (1ull << VIRTIO_F_VERSION_1);
	bar_wr(vb, CCO(driver_feature_select), 4, 0);
	bar_wr(vb, CCO(driver_feature), 4, (uint32_t)f);
	bar_wr(vb, CCO(driver_feature_select), 4, 1);
	bar_wr(vb, CCO(driver_feature), 4, (uint32_t)(f >> 32));
	bar_wr(vb, CCO(device_status), 1, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK);
	bar_wr(vb, CCO(queue_select), 2, 0);
	bar_wr(vb, CCO(queue_size), 2, QS);
	bar_wr(vb, CCO(queue_desc), 8, DESC);
	bar_wr(vb, CCO(queue_driver), 8, AVAIL);
	bar_wr(vb, CCO(queue_device), 8, USED);
	bar_wr(vb, CCO(queue_enable), 2, 1);
	bar_wr(vb, CCO(device_status), 1,
	       VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK | VIRTIO_STATUS_DRIVER_OK);
	CHECK(vb->dev.status & VIRTIO_STATUS_DRIVER_OK);
	memset(d_host(AVAIL), 0, 0x2000); /* the rings start empty after a reset */
	avail_idx = 0;
}

/* A buffer of len bytes carved from AREA; false when the area is used up. */
static bool add_seg(uint32_t len, bool write)
{
	if (nsegs == MAX_SEGS || len > RAM_GPA + RAM_SIZE - AREA - carve)
		return false;
	segs[nsegs++] = (struct gseg){ AREA + carve, len, write };
	carve += len;
	return true;
}

/* Copies the readable (write=false) or writable stream, as the device sees it, into out; its length. */
static uint64_t gather(bool write, uint8_t *out)
{
	uint64_t n = 0;

	for (unsigned i = 0; i < nsegs; i++) {
		if (segs[i].write != write)
			continue;
		if (out)
			memcpy(out + n, d_host(segs[i].gpa), segs[i].len);
		n += segs[i].len;
	}
	return n;
}

static uint64_t stream_len(bool write)
{
	return gather(write, NULL);
}

/* Writes src at offset off of the readable stream (cut at its end). */
static void stream_put(uint64_t off, const void *src, size_t len)
{
	const uint8_t *p = src;

	for (unsigned i = 0; i < nsegs && len; i++) {
		uint64_t n;

		if (segs[i].write)
			continue;
		if (off >= segs[i].len) {
			off -= segs[i].len;
			continue;
		}
		n = segs[i].len - off < len ? segs[i].len - off : len;
		memcpy(d_host(segs[i].gpa + off), p, n);
		p += n;
		len -= n;
		off = 0;
	}
}

static uint32_t pick_type(struct input *in)
{
	static const uint32_t types[] = { VIRTIO_BLK_T_IN,      VIRTIO_BLK_T_OUT,         VIRTIO_BLK_T_FLUSH,
					  VIRTIO_BLK_T_GET_ID,  VIRTIO_BLK_T_DISCARD,     VIRTIO_BLK_T_WRITE_ZEROES,
					  VIRTIO_BLK_T_IN,      VIRTIO_BLK_T_OUT };
	unsigned t = (unsigned)take(in, 1);

	return t < 0xf0 ? types[t % 8] : (uint32_t)take(in, 4);
}

static uint64_t pick_sector(struct input *in, uint64_t cap)
{
	return take(in, 1) & 1 ? take(in, 1) % (cap + 8) : take(in, 8);
}

static uint32_t pick_len(struct input *in)
{
	unsigned m = (unsigned)take(in, 1);

	return m < 160 ? (1 + m % 8) * 512u : (uint32_t)take(in, 2) % 4097;
}

/* Discard / write-zeroes ranges into the readable stream after the header. */
static void put_ranges(struct input *in, uint64_t cap)
{
	uint64_t room = stream_len(false);

	for (uint64_t off = 16; off + 16 <= room; off += 16) {
		struct virtio_blk_range r = {
			.sector = pick_sector(in, cap),
			.num_sectors = take(in, 1) & 1 ? (uint32_t)take(in, 1) % 24 : (uint32_t)take(in, 4),
			.flags = take(in, 1) & 1 ? 0 : (uint32_t)take(in, 1) % 5,
		};

		stream_put(off, &r, sizeof(r));
	}
}

/* The chain: header buffer, data buffers, status buffer, each shape chosen by the input. */
static uint32_t build(struct input *in, uint64_t cap)
{
	unsigned mode = (unsigned)take(in, 1), ndata = mode & 0x20 ? (unsigned)take(in, 1) : (unsigned)take(in, 1) % 9;
	uint32_t type = pick_type(in);
	bool natural_write = type == VIRTIO_BLK_T_IN || type == VIRTIO_BLK_T_GET_ID;
	struct virtio_blk_req_hdr h = { .type = type, .sector = pick_sector(in, cap) };

	nsegs = 0;
	carve = 0;
	add_seg(mode & 0x10 ? (uint32_t)take(in, 1) % 24 : 16, false);
	for (unsigned i = 0; i < ndata; i++)
		if (!add_seg(pick_len(in), mode & 0x40 ? take(in, 1) & 1 : natural_write))
			break;
	if (!(mode & 0x80) || take(in, 1) & 1)
		add_seg(1 + (uint32_t)take(in, 1) % 3, true);
	for (unsigned i = 0; i < nsegs; i++)
		memset(d_host(segs[i].gpa), (int)(0x31 + i), segs[i].len);
	stream_put(0, &h, sizeof(h));
	if (type == VIRTIO_BLK_T_DISCARD || type == VIRTIO_BLK_T_WRITE_ZEROES)
		put_ranges(in, cap);
	return type;
}

static void publish_chain(void)
{
	for (unsigned i = 0; i < nsegs; i++) {
		struct virtq_desc d = { .addr = segs[i].gpa, .len = segs[i].len,
					.flags = (uint16_t)((segs[i].write ? VIRTQ_DESC_F_WRITE : 0) |
							    (i + 1 < nsegs ? VIRTQ_DESC_F_NEXT : 0)),
					.next = (uint16_t)(i + 1) };

		memcpy(d_host(DESC + 16ull * i), &d, sizeof(d));
	}
	memset(d_host(AVAIL + 4 + 2ull * (avail_idx % QS)), 0, 2); /* head 0 */
	avail_idx++;
	memcpy(d_host(AVAIL + 2), &avail_idx, 2);
}

/* Whether the library takes the chain: no readable buffer after a writable one (even empty). */
static bool well_formed(void)
{
	bool seen_write = false;

	for (unsigned i = 0; i < nsegs; i++) {
		if (!segs[i].write && seen_write)
			return false;
		seen_write |= segs[i].write;
	}
	return true;
}

static uint16_t used_idx(void)
{
	uint16_t v;

	memcpy(&v, d_host(USED + 2), 2);
	return v;
}

/* What an accepted write-type request must have done to the disk, applied to expect[]. */
static void apply(uint32_t type, uint64_t sector)
{
	uint64_t rlen = gather(false, rstream);

	if (type == VIRTIO_BLK_T_OUT) {
		CHECK(rlen >= 16 && (rlen - 16) % 512 == 0 && stream_len(true) == 1);
		CHECK(sector <= DISK / 512 && rlen - 16 <= DISK - sector * 512);
		memcpy(expect + sector * 512, rstream + 16, rlen - 16);
		return;
	}
	CHECK(rlen > 16 && (rlen - 16) % 16 == 0);
	for (uint64_t off = 16; off < rlen; off += 16) {
		struct virtio_blk_range r;

		memcpy(&r, rstream + off, sizeof(r));
		CHECK(r.sector <= DISK / 512 && r.num_sectors <= DISK / 512 - r.sector);
		CHECK(type == VIRTIO_BLK_T_WRITE_ZEROES || !r.flags);
		memset(expect + r.sector * 512, 0, (size_t)r.num_sectors * 512);
	}
}

static void check_in(uint64_t sector)
{
	uint64_t wlen = gather(true, wstream) - 1;

	CHECK(stream_len(false) == 16 && wlen % 512 == 0 && sector <= DISK / 512 && wlen <= DISK - sector * 512);
	CHECK(!memcmp(wstream, rd.mem + sector * 512, wlen));
}

/* One request, one kick, and everything it may and may not have done. */
static void one_request(struct virtio_blk *vb, struct input *in)
{
	struct virtio_blk_req_hdr h = { 0 };
	uint16_t used0 = used_idx();
	uint32_t type = build(in, DISK / 512);
	bool ok = well_formed(), needs_reset = vb->dev.status & VIRTIO_STATUS_NEEDS_RESET;
	uint64_t rlen = gather(false, rstream);
	uint8_t *st = NULL;

	memcpy(&h, rstream, rlen < 16 ? rlen : 16);
	for (unsigned i = 0; i < nsegs; i++)
		if (segs[i].write && segs[i].len) /* empty buffers are dropped by the library */
			st = d_host(segs[i].gpa + segs[i].len - 1); /* the last writable byte */
	if (st)
		*st = 0xee;
	memcpy(before, rd.mem, DISK);
	memcpy(expect, rd.mem, DISK);
	publish_chain();
	bar_wr(vb, VIRTIO_PCI_NOTIFY_OFF, 2, 0);
	CHECK(!spin_is_locked(&vb->dev.lock));
	if (needs_reset || !ok) {
		CHECK(used_idx() == used0);
		CHECK(ok || (vb->dev.status & VIRTIO_STATUS_NEEDS_RESET));
		CHECK(!memcmp(rd.mem, before, DISK));
		return;
	}
	CHECK(!(vb->dev.status & VIRTIO_STATUS_NEEDS_RESET));
	CHECK(used_idx() == (uint16_t)(used0 + 1));
	if (!st) {
		CHECK(!memcmp(rd.mem, before, DISK));
		return;
	}
	CHECK(*st <= VIRTIO_BLK_S_UNSUPP);
	if (*st == VIRTIO_BLK_S_OK && stream_len(false) >= 16) {
		CHECK(!rd.bd.read_only || h.type == VIRTIO_BLK_T_IN || h.type == VIRTIO_BLK_T_FLUSH ||
		      h.type == VIRTIO_BLK_T_GET_ID);
		if (h.type == VIRTIO_BLK_T_OUT || h.type == VIRTIO_BLK_T_DISCARD || h.type == VIRTIO_BLK_T_WRITE_ZEROES)
			apply(h.type, h.sector);
		if (h.type == VIRTIO_BLK_T_IN)
			check_in(h.sector);
	}
	CHECK(*st != VIRTIO_BLK_S_OK || stream_len(false) >= 16);
	CHECK(!memcmp(rd.mem, expect, DISK)); /* a failed request changed nothing */
	CHECK(type == h.type || stream_len(false) < 16);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t image[512] = { 0xde, 0xad };
	struct virtio_blk *vb = &vb_store;
	struct input in = { data, size };
	unsigned setup = (unsigned)take(&in, 1);
	struct blkdev *bd;

	memset(&vm_store, 0, sizeof(vm_store));
	memset(vb, 0, sizeof(*vb));
	vm_store.mem[0] = (struct gmem_region){ 0, 256ull << 20, 0 };
	vm_store.nr_regions = 1;
	d_ram = calloc(1, RAM_SIZE); /* exactly RAM: ASan sees any access past it */
	d_ram_gpa = RAM_GPA;
	d_ram_size = RAM_SIZE;
	d_vm = &vm_store;
	d_nmsi = 0;
	CHECK(ramdisk_create(&rd, DISK, image, sizeof(image), setup & 1, "fuzz") == 0);
	for (unsigned i = 0; i < DISK; i += 97)
		rd.mem[i] = (uint8_t)i;
	plain = (struct blkdev){ .ops = &plain_ops, .sectors = rd.bd.sectors, .max_io_sectors = 8 + (setup >> 4),
				 .read_only = setup & 1, .volatile_cache = true };
	bd = setup & 2 ? &plain : &rd.bd;
	CHECK(vpci_attach(&vm_store) == 0 && virtio_blk_init(vb, &vm_store, bd) == 0);
	CHECK(virtio_pci_register(&vb->dev, &vm_store, SLOT) == 0);
	vpci_config_write(vm_store.pci, 0, DEVFN, PCI_COMMAND, 2, PCI_CMD_MEM | PCI_CMD_MASTER);
	(void)d_pio;
	bring_up(vb, take(&in, 4));
	for (unsigned ops = 0; in.left && ops < 64; ops++) {
		if (take(&in, 1) == 0xff)
			bring_up(vb, take(&in, 4)); /* a reset between requests */
		else
			one_request(vb, &in);
		CHECK(vb->stats.bytes_read <= (uint64_t)DISK * 64 && vb->stats.bytes_written <= (uint64_t)DISK * 64);
	}
	free(d_ram);
	d_ram = NULL;
	d_free_pages();
	return 0;
}
