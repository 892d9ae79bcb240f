/* SPDX-License-Identifier: MIT */
/* Durability under kills: finds the records earlier boots left, then appends one per write+flush and says so once the flush is done. */
#include "lib/guest.h"
#include "lib/vio.h"

/*
 * Record k lives in sector k: a magic, k itself, the boot that wrote it and a checksum. At start
 * the guest counts the valid records from sector 0 up ("vblk-kill: found N records, boot B"),
 * then writes record N, N+1, ... each followed by a FLUSH when the disk offers one, and prints
 * "vblk-kill: ack K" only after both completed. tests/checks/vblk-killpoints.sh kills QEMU at
 * random moments and checks, on the next boot, that every acknowledged record is still there.
 * The disk is the config's first disk (00:05.0): a partition of the host NVMe drive.
 */
const char guest_name[] = "vblk-kill";

#define T_IN 0
#define T_OUT 1
#define T_FLUSH 4
#define F_FLUSH (1ull << 9)
#define MAGIC 0x4c4c494b544c5342ull /* "BSLTKILL" */
#define SPINS 200000000u
#define MAX_PER_BOOT 1000u

struct blk_hdr {
	uint32_t type;
	uint32_t reserved;
	uint64_t sector;
};

struct record {
	uint64_t magic;
	uint64_t index;
	uint64_t boot;
	uint64_t check;
	uint8_t fill[512 - 32];
};
_Static_assert(sizeof(struct record) == 512, "a record is one sector");

static struct vio_dev dev;
static struct vio_queue q;
static struct blk_hdr hdr;
static volatile uint8_t status;
static struct record rec __attribute__((aligned(512)));

static uint64_t record_check(const struct record *r)
{
	return (r->magic ^ (r->index * 0x9e3779b97f4a7c15ull) ^ (r->boot << 17)) + 0x51ed27ull;
}

static int request(uint32_t type, uint64_t sector, void *data, uint32_t len, bool data_write)
{
	struct vio_buf b[3];
	unsigned n = 0;
	uint32_t id, used;

	hdr = (struct blk_hdr){ .type = type, .sector = sector };
	status = 0xee;
	b[n++] = (struct vio_buf){ (uint64_t)(uintptr_t)&hdr, sizeof(hdr), false };
	if (len)
		b[n++] = (struct vio_buf){ (uint64_t)(uintptr_t)data, len, data_write };
	b[n++] = (struct vio_buf){ (uint64_t)(uintptr_t)&status, 1, true };
	vio_add(&q, b, n);
	vio_kick(&q);
	if (!vio_get(&q, &id, &used, SPINS))
		fail(guest_name, "request type %u sector %lu: no completion", type, (unsigned long)sector);
	if (status != 0)
		fail(guest_name, "request type %u sector %lu: status %u", type, (unsigned long)sector, status);
	return 0;
}

static bool valid(uint64_t k)
{
	request(T_IN, k, &rec, sizeof(rec), true);
	return rec.magic == MAGIC && rec.index == k && rec.check == record_check(&rec);
}

void guest_main(void)
{
	uint64_t capacity, found = 0, boot = 0;
	int rc = vio_open(&dev, 5, 2, F_FLUSH);

	if (rc)
		fail(guest_name, "virtio-blk at 00:05.0: open failed at step %d", -rc);
	if (vio_queue_init(&dev, &q, 0, 0))
		fail(guest_name, "queue 0 not enabled");
	vio_driver_ok(&dev);
	capacity = vio_cfg64(&dev, 0);
	while (found < capacity && valid(found)) {
		boot = rec.boot + 1;
		found++;
	}
	printf("vblk-kill: found %lu records, boot %lu, flush %s\n", (unsigned long)found, (unsigned long)boot,
	       (dev.features & F_FLUSH) ? "offered" : "not offered (write-through)");
	for (uint64_t k = found; k < capacity && k < found + MAX_PER_BOOT; k++) {
		memset(&rec, 0, sizeof(rec));
		rec = (struct record){ .magic = MAGIC, .index = k, .boot = boot };
		for (unsigned i = 0; i < sizeof(rec.fill); i++)
			rec.fill[i] = (uint8_t)(k + i);
		rec.check = record_check(&rec);
		request(T_OUT, k, &rec, sizeof(rec), false);
		if (dev.features & F_FLUSH)
			request(T_FLUSH, 0, NULL, 0, false);
		printf("vblk-kill: ack %lu\n", (unsigned long)k);
	}
	pass(guest_name);
}
