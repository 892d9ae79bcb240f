/* SPDX-License-Identifier: MIT */
/* virtio-blk: every request type on a RAM disk, read-only refusals, bad requests, and a misprogramming driver. */
#include "lib/guest.h"
#include "lib/vio.h"

/*
 * The config (tests/configs/vblk.dts) gives this VM:
 *   00:05.0  disk     RAM, 1 MiB, starting with image-data "BASALT-DISK-IMAGE\n" in sector 0
 *   00:06.0  disk-ro  RAM, 64 KiB, read-only
 * Two VMs run this same guest side by side; each checks its own disk, so a broken neighbour
 * device (the misprogramming part runs in both) must never stop the other's I/O.
 */
const char guest_name[] = "vblk";

#define T_IN 0
#define T_OUT 1
#define T_FLUSH 4
#define T_GET_ID 8
#define T_DISCARD 11
#define T_WRITE_ZEROES 13
#define S_OK 0
#define S_IOERR 1
#define S_UNSUPP 2
#define F_SEG_MAX (1ull << 2)
#define F_RO (1ull << 5)
#define F_BLK_SIZE (1ull << 6)
#define F_FLUSH (1ull << 9)
#define F_DISCARD (1ull << 13)
#define F_WRITE_ZEROES (1ull << 14)
#define SPINS 2000000u
#define STATUS_NEEDS_RESET 0x40u

struct blk_hdr {
	uint32_t type;
	uint32_t reserved;
	uint64_t sector;
};

struct dwz_seg {
	uint64_t sector;
	uint32_t num_sectors;
	uint32_t flags;
};

static struct vio_dev dev, ro;
static struct vio_queue q, roq;
static struct blk_hdr hdr;
static struct dwz_seg seg;
static volatile uint8_t status;
static uint8_t buf[3 * 4096] __attribute__((aligned(4096)));
static uint8_t check[3 * 4096];

#define ADDR(p) ((uint64_t)(uintptr_t)(p))

/* One request: header, data segments (nseg pieces of buf, split evenly), status; returns the status. */
static int request(struct vio_queue *vq, uint32_t type, uint64_t sector, void *data, uint32_t len, unsigned nseg,
		   bool data_write)
{
	struct vio_buf b[8];
	unsigned n = 0;
	uint32_t id, used_len;

	hdr = (struct blk_hdr){ .type = type, .sector = sector };
	status = 0xee;
	b[n++] = (struct vio_buf){ ADDR(&hdr), sizeof(hdr), false };
	for (unsigned i = 0; i < nseg; i++) {
		uint32_t piece = len / nseg, at = piece * i;

		b[n++] = (struct vio_buf){ ADDR((uint8_t *)data + at), i + 1 == nseg ? len - at : piece, data_write };
	}
	b[n++] = (struct vio_buf){ ADDR(&status), 1, true };
	vio_add(vq, b, n);
	vio_kick(vq);
	if (!vio_get(vq, &id, &used_len, SPINS))
		fail(guest_name, "request type %u sector %lu: no completion", type, (unsigned long)sector);
	return status;
}

static void expect_status(int got, int want, const char *what)
{
	if (got != want)
		fail(guest_name, "%s: status %d, expected %d", what, got, want);
}

static void open_disk(struct vio_dev *d, struct vio_queue *vq, unsigned slot, uint64_t want)
{
	int rc = vio_open(d, slot, 2, want);

	if (rc)
		fail(guest_name, "virtio-blk at 00:%02x.0: open failed at step %d", slot, -rc);
	if (vio_queue_init(d, vq, 0, 0))
		fail(guest_name, "00:%02x.0: queue 0 not enabled", slot);
	vio_driver_ok(d);
}

static void check_config(void)
{
	uint64_t f = dev.features;

	if ((f & (F_SEG_MAX | F_BLK_SIZE | F_DISCARD | F_WRITE_ZEROES)) != (F_SEG_MAX | F_BLK_SIZE | F_DISCARD | F_WRITE_ZEROES))
		fail(guest_name, "features 0x%lx lack SEG_MAX/BLK_SIZE/DISCARD/WRITE_ZEROES", (unsigned long)f);
	if (f & F_RO)
		fail(guest_name, "the writable disk offers RO");
	if (dev.notify_base || !dev.notify_port_base)
		fail(guest_name, "the first notify capability is not the port one");
	if (vio_cfg64(&dev, 0) != 2048)
		fail(guest_name, "capacity %lu sectors, expected 2048", (unsigned long)vio_cfg64(&dev, 0));
	if (vio_cfg32(&dev, 12) < 2 || vio_cfg32(&dev, 20) != 512)
		fail(guest_name, "seg_max %u, blk_size %u", vio_cfg32(&dev, 12), vio_cfg32(&dev, 20));
	printf("vblk: features 0x%lx, capacity 2048 sectors, seg_max %u\n", (unsigned long)f, vio_cfg32(&dev, 12));
}

static void check_read_write(void)
{
	expect_status(request(&q, T_IN, 0, buf, 512, 1, true), S_OK, "read sector 0");
	if (memcmp(buf, "BASALT-DISK-IMAGE\n", 18))
		fail(guest_name, "sector 0 does not hold the image-data");
	for (unsigned i = 0; i < sizeof(buf); i++)
		buf[i] = check[i] = (uint8_t)(i * 7 + 3);
	expect_status(request(&q, T_OUT, 40, buf, sizeof(buf), 5, false), S_OK, "write 24 sectors in 5 segments");
	memset(buf, 0, sizeof(buf));
	expect_status(request(&q, T_IN, 40, buf, sizeof(buf), 3, true), S_OK, "read 24 sectors in 3 segments");
	if (memcmp(buf, check, sizeof(buf)))
		fail(guest_name, "multi-segment read-back differs");
	expect_status(request(&q, T_IN, 2047, buf, 512, 1, true), S_OK, "read the last sector");
	printf("vblk: read, multi-segment write and read-back match\n");
}

static void check_other_types(void)
{
	if (dev.features & F_FLUSH)
		expect_status(request(&q, T_FLUSH, 0, buf, 0, 0, false), S_OK, "flush");
	memset(buf, 0, 64);
	expect_status(request(&q, T_GET_ID, 0, buf, 20, 1, true), S_OK, "get-id");
	if (memcmp(buf, "basalt-ram", 10))
		fail(guest_name, "get-id gave '%s'", (char *)buf);
	seg = (struct dwz_seg){ .sector = 41, .num_sectors = 2 };
	expect_status(request(&q, T_WRITE_ZEROES, 0, &seg, sizeof(seg), 1, false), S_OK, "write-zeroes");
	expect_status(request(&q, T_IN, 40, buf, 2048, 1, true), S_OK, "read after write-zeroes");
	for (unsigned i = 0; i < 2048; i++)
		if (buf[i] != ((i < 512 || i >= 1536) ? check[i] : 0))
			fail(guest_name, "write-zeroes: byte %u is 0x%x", i, buf[i]);
	seg = (struct dwz_seg){ .sector = 100, .num_sectors = 8 };
	expect_status(request(&q, T_DISCARD, 0, &seg, sizeof(seg), 1, false), S_OK, "discard");
	printf("vblk: flush, get-id, write-zeroes and discard\n");
}

static void check_bad_requests(void)
{
	expect_status(request(&q, T_IN, 2048, buf, 512, 1, true), S_IOERR, "read past the end");
	expect_status(request(&q, T_IN, 2047, buf, 1024, 1, true), S_IOERR, "read across the end");
	expect_status(request(&q, T_IN, ~0ull, buf, 512, 1, true), S_IOERR, "read at sector 2^64-1");
	expect_status(request(&q, T_IN, 0, buf, 100, 1, true), S_IOERR, "read of 100 bytes");
	expect_status(request(&q, T_IN, 0, buf, 512, 1, false), S_IOERR, "read into a device-readable buffer");
	expect_status(request(&q, 77, 0, buf, 512, 1, true), S_UNSUPP, "unknown request type");
	seg = (struct dwz_seg){ .sector = 2040, .num_sectors = 16 };
	expect_status(request(&q, T_DISCARD, 0, &seg, sizeof(seg), 1, false), S_IOERR, "discard past the end");
	printf("vblk: out-of-range, unaligned, wrong-direction and unknown requests refused\n");
}

static void check_read_only(void)
{
	vio_mmio_notify = true; /* this disk rings the memory doorbells, the other the port ones */
	open_disk(&ro, &roq, 6, F_RO | F_FLUSH | F_DISCARD | F_WRITE_ZEROES);
	vio_mmio_notify = false;
	if (!ro.notify_base)
		fail(guest_name, "00:06.0 has no memory notify capability");
	if (!(ro.features & F_RO))
		fail(guest_name, "the read-only disk does not offer RO");
	expect_status(request(&roq, T_IN, 0, buf, 512, 1, true), S_OK, "read-only disk: read");
	expect_status(request(&roq, T_OUT, 0, buf, 512, 1, false), S_IOERR, "read-only disk: write");
	seg = (struct dwz_seg){ .sector = 0, .num_sectors = 1 };
	expect_status(request(&roq, T_WRITE_ZEROES, 0, &seg, sizeof(seg), 1, false), S_IOERR, "read-only disk: write-zeroes");
	printf("vblk: read-only disk refuses writes (memory doorbells; the other disk rings ports)\n");
}

/* A driver that gets things wrong: the device refuses or breaks, and a reset brings it back. */
static void check_misprogramming(void)
{
	struct vio_buf b = { 0xfff00000ull, 512, true }; /* outside this VM's 64 MiB of RAM */
	uint32_t id, len;

	/* Queue size 3: not a power of two, the device keeps its size. */
	vio_open(&dev, 5, 2, 0);
	vio_common_write16(&dev, 0x16, 0);
	vio_common_write16(&dev, 0x18, 3);
	if (vio_common_read16(&dev, 0x18) == 3)
		fail(guest_name, "the device took a queue size of 3");
	/* A notify before DRIVER_OK does nothing. */
	if (vio_queue_init(&dev, &q, 0, 0))
		fail(guest_name, "queue init after the bad size");
	hdr = (struct blk_hdr){ .type = T_IN };
	vio_add(&q, &b, 1);
	vio_kick(&q);
	if (vio_get(&q, &id, &len, 1000))
		fail(guest_name, "a request was served before DRIVER_OK");
	/* Now DRIVER_OK: the descriptor outside RAM breaks the device. */
	vio_driver_ok(&dev);
	vio_kick(&q);
	for (unsigned i = 0; i < SPINS && !(vio_status(&dev) & STATUS_NEEDS_RESET); i++)
		__asm__ volatile("pause");
	if (!(vio_status(&dev) & STATUS_NEEDS_RESET))
		fail(guest_name, "a descriptor outside RAM did not set DEVICE_NEEDS_RESET (status 0x%x)", vio_status(&dev));
	printf("vblk: bad queue size refused, no service before DRIVER_OK, bad descriptor -> NEEDS_RESET\n");
	/* Reset in the middle of it all, then a working device again. */
	open_disk(&dev, &q, 5, F_SEG_MAX | F_BLK_SIZE | F_FLUSH | F_DISCARD | F_WRITE_ZEROES);
	expect_status(request(&q, T_IN, 40, buf, 4096, 1, true), S_OK, "read after reset");
	if (memcmp(buf, check, 512))
		fail(guest_name, "data changed across the reset");
	printf("vblk: reset brings the device back with the data intact\n");
}

void guest_main(void)
{
	open_disk(&dev, &q, 5, F_SEG_MAX | F_BLK_SIZE | F_FLUSH | F_DISCARD | F_WRITE_ZEROES);
	check_config();
	check_read_write();
	check_other_types();
	check_bad_requests();
	check_read_only();
	check_misprogramming();
	pass(guest_name);
}
