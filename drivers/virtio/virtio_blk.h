/* SPDX-License-Identifier: MIT */
/* virtio-blk (device id 2), one request queue, over a struct blkdev: the guest's disk. */
#ifndef BASALT_VIRTIO_BLK_H
#define BASALT_VIRTIO_BLK_H

#include <stddef.h>
#include <stdint.h>

#include "drivers/block/blkdev.h"
#include "drivers/virtio/virtio_pci.h"

#define VIRTIO_BLK_DEVICE_ID 2
#define VIRTIO_BLK_QSIZE 256
/* Data segments per request: a chain holds VIRTQ_CHAIN_MAX buffers, one for the header, one for
 * the status byte. */
#define VIRTIO_BLK_SEG_MAX (VIRTQ_CHAIN_MAX - 2)
#define VIRTIO_BLK_SIZE_MAX (128u << 10)   /* bytes of one segment, advertised (128 KiB) */
/* A read or write moves at most seg_max x size_max bytes (31.75 MiB): a larger one, which a
 * driver honouring size_max never makes, fails with IOERR instead of holding the host core while
 * it copies (the segments may all name one buffer, so guest RAM does not bound it). */
#define VIRTIO_BLK_REQUEST_MAX ((uint64_t)VIRTIO_BLK_SEG_MAX * VIRTIO_BLK_SIZE_MAX)
/* Bytes one notify moves (reads, writes, zeroes) before it stops and asks to be polled again. */
#define VIRTIO_BLK_KICK_BYTES (16u << 20)
#define VIRTIO_BLK_RANGE_SECTORS (1u << 16) /* one discard / write-zeroes range: 32 MiB */
#define VIRTIO_BLK_RANGES_MAX 32u           /* ranges in one discard / write-zeroes request */
#define VIRTIO_BLK_BOUNCE_SECTORS 256u      /* 128 KiB per-device bounce buffer, at most */

/* Feature bits (virtio 1.2, 5.2.3). */
#define VIRTIO_BLK_F_SIZE_MAX 1
#define VIRTIO_BLK_F_SEG_MAX 2
#define VIRTIO_BLK_F_GEOMETRY 4
#define VIRTIO_BLK_F_RO 5
#define VIRTIO_BLK_F_BLK_SIZE 6
#define VIRTIO_BLK_F_FLUSH 9
#define VIRTIO_BLK_F_TOPOLOGY 10
#define VIRTIO_BLK_F_CONFIG_WCE 11
#define VIRTIO_BLK_F_MQ 12
#define VIRTIO_BLK_F_DISCARD 13
#define VIRTIO_BLK_F_WRITE_ZEROES 14

/* Request types and status values (5.2.6). */
#define VIRTIO_BLK_T_IN 0
#define VIRTIO_BLK_T_OUT 1
#define VIRTIO_BLK_T_FLUSH 4
#define VIRTIO_BLK_T_GET_ID 8
#define VIRTIO_BLK_T_GET_LIFETIME 10
#define VIRTIO_BLK_T_DISCARD 11
#define VIRTIO_BLK_T_WRITE_ZEROES 13
#define VIRTIO_BLK_T_SECURE_ERASE 14
#define VIRTIO_BLK_S_OK 0
#define VIRTIO_BLK_S_IOERR 1
#define VIRTIO_BLK_S_UNSUPP 2
#define VIRTIO_BLK_WZ_F_UNMAP 1u /* the only flag of a discard / write-zeroes range */

/* The device config as far as it is exposed (through write_zeroes_may_unmap and its padding). */
struct virtio_blk_config {
	uint64_t capacity;                 /* 0x00: 512-byte sectors */
	uint32_t size_max;                 /* 0x08 */
	uint32_t seg_max;                  /* 0x0c */
	uint16_t cylinders;                /* 0x10: geometry (not offered, reads 0) */
	uint8_t heads;                     /* 0x12 */
	uint8_t sectors;                   /* 0x13 */
	uint32_t blk_size;                 /* 0x14 */
	uint8_t physical_block_exp;        /* 0x18: topology (not offered, reads 0) */
	uint8_t alignment_offset;          /* 0x19 */
	uint16_t min_io_size;              /* 0x1a */
	uint32_t opt_io_size;              /* 0x1c */
	uint8_t writeback;                 /* 0x20: only with CONFIG_WCE (not offered) */
	uint8_t unused0;                   /* 0x21 */
	uint16_t num_queues;               /* 0x22: only with MQ (not offered) */
	uint32_t max_discard_sectors;      /* 0x24 */
	uint32_t max_discard_seg;          /* 0x28 */
	uint32_t discard_sector_alignment; /* 0x2c */
	uint32_t max_write_zeroes_sectors; /* 0x30 */
	uint32_t max_write_zeroes_seg;     /* 0x34 */
	uint8_t write_zeroes_may_unmap;    /* 0x38 */
	uint8_t unused1[3];                /* 0x39 */
} __attribute__((packed));
#define VIRTIO_BLK_CONFIG_SIZE 0x3c
_Static_assert(sizeof(struct virtio_blk_config) == VIRTIO_BLK_CONFIG_SIZE, "virtio-blk config is 0x3c bytes here");
_Static_assert(offsetof(struct virtio_blk_config, size_max) == 0x08, "size_max at 0x08");
_Static_assert(offsetof(struct virtio_blk_config, seg_max) == 0x0c, "seg_max at 0x0c");
_Static_assert(offsetof(struct virtio_blk_config, cylinders) == 0x10, "geometry at 0x10");
_Static_assert(offsetof(struct virtio_blk_config, blk_size) == 0x14, "blk_size at 0x14");
_Static_assert(offsetof(struct virtio_blk_config, physical_block_exp) == 0x18, "topology at 0x18");
_Static_assert(offsetof(struct virtio_blk_config, opt_io_size) == 0x1c, "opt_io_size at 0x1c");
_Static_assert(offsetof(struct virtio_blk_config, writeback) == 0x20, "writeback at 0x20");
_Static_assert(offsetof(struct virtio_blk_config, num_queues) == 0x22, "num_queues at 0x22");
_Static_assert(offsetof(struct virtio_blk_config, max_discard_sectors) == 0x24, "max_discard_sectors at 0x24");
_Static_assert(offsetof(struct virtio_blk_config, max_discard_seg) == 0x28, "max_discard_seg at 0x28");
_Static_assert(offsetof(struct virtio_blk_config, discard_sector_alignment) == 0x2c, "discard alignment at 0x2c");
_Static_assert(offsetof(struct virtio_blk_config, max_write_zeroes_sectors) == 0x30, "max_write_zeroes at 0x30");
_Static_assert(offsetof(struct virtio_blk_config, max_write_zeroes_seg) == 0x34, "max_write_zeroes_seg at 0x34");
_Static_assert(offsetof(struct virtio_blk_config, write_zeroes_may_unmap) == 0x38, "may_unmap at 0x38");

/* The request header, the first 16 readable bytes of every chain. */
struct virtio_blk_req_hdr {
	uint32_t type;     /* 0x0: VIRTIO_BLK_T_* */
	uint32_t reserved; /* 0x4 (ioprio in legacy devices): ignored */
	uint64_t sector;   /* 0x8: 512-byte sectors, for IN and OUT */
} __attribute__((packed));
_Static_assert(sizeof(struct virtio_blk_req_hdr) == 16, "virtio-blk request header is 16 bytes");
_Static_assert(offsetof(struct virtio_blk_req_hdr, sector) == 8, "sector at 8");

/* One range of a discard or write-zeroes request, following the header. */
struct virtio_blk_range {
	uint64_t sector;      /* 0x0 */
	uint32_t num_sectors; /* 0x8 */
	uint32_t flags;       /* 0xc: VIRTIO_BLK_WZ_F_UNMAP, the rest reserved */
} __attribute__((packed));
_Static_assert(sizeof(struct virtio_blk_range) == 16, "virtio-blk discard range is 16 bytes");
_Static_assert(offsetof(struct virtio_blk_range, flags) == 12, "range flags at 12");

/* Per-device counters; requests answered OK are counted by type, the others in errors/unsupported. */
struct virtio_blk_stats {
	uint64_t reads, writes, flushes, get_ids, discards, write_zeroes;
	uint64_t bytes_read, bytes_written; /* guest data moved by OK reads and writes */
	uint64_t errors;       /* answered IOERR: malformed, out of range, read-only, backend failure */
	uint64_t unsupported;  /* answered UNSUPP */
	uint64_t no_status;    /* chains without a writable byte: returned unanswered (0 bytes) */
	uint64_t kick_limited; /* notifies that stopped at their chain or byte bound with work left */
};

/*
 * One virtio-blk function. Locking: everything here is guarded by dev.lock (the transport holds it
 * around notify, config access and reset); the backend is called with it held and guards itself.
 * Requests complete inside notify, so nothing is ever in flight outside dev.lock.
 */
struct virtio_blk {
	struct virtio_pci_dev dev;
	struct vm *vm;
	struct blkdev *bd;
	struct virtio_dev_ops ops;        /* per device: the features depend on the backend */
	struct virtio_blk_config cfg;     /* fixed at init */
	struct virtq_chain chain;         /* the chain being served (too big for a stack) */
	struct virtio_blk_range ranges[VIRTIO_BLK_RANGES_MAX];
	uint8_t *bounce;                  /* bounce_sectors * 512 bytes, NULL for mapped backends */
	uint64_t bounce_sectors;
	uint64_t kick_bytes;              /* moved by the notify in progress */
	bool resume;                      /* a notify stopped at its bound: virtio_blk_poll goes on */
	/* Called (dev.lock held) when a notify stopped with work left, so the VM's own context calls
	 * virtio_blk_poll soon, with a guest entry (and the scheduler) in between; NULL: none. */
	void (*want_poll)(void *ctx);
	void *want_poll_ctx;
	struct virtio_blk_stats stats;
};

/* Sets up vb (zeroed by the caller) as a virtio-blk function of vm over bd, which outlives it; a
 * backend without map gets a bounce buffer from pages_alloc. Not on the bus yet. 0, -EINVAL (bd
 * without read/write/flush, no sectors, max_io_sectors < 8) or -ENOMEM. */
int virtio_blk_init(struct virtio_blk *vb, struct vm *vm, struct blkdev *bd);
/* Allocates one with pages_alloc, initialises it and registers it at 00:slot.0; *out (may be
 * NULL) gets it. 0 or -errno (then nothing is registered and the memory is freed). */
int virtio_blk_attach(struct vm *vm, struct blkdev *bd, unsigned slot, struct virtio_blk **out);
/* In the VM's own context (vm->lock held): serves the queue on if a notify stopped at its bound.
 * Takes dev.lock. */
void virtio_blk_poll(struct virtio_blk *vb);

#endif
