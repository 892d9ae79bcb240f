/* SPDX-License-Identifier: MIT */
/* A block device inside the hypervisor: the one small interface virtio-blk drives and every backend implements. */
#ifndef BASALT_BLKDEV_H
#define BASALT_BLKDEV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Backends: a RAM disk (drivers/block/ramdisk.c), an NVMe namespace (drivers/host/nvme*.c) and a
 * window onto another block device (a GPT partition, drivers/block/partition.c). Sectors are 512
 * bytes whatever the medium's own block size; a backend with larger blocks refuses what it cannot
 * do and says so in its name at attach time.
 *
 * Calls are synchronous: when one returns 0 the data is where the call says (read: in buf; write:
 * accepted by the medium, durable only after a flush returns 0, unless the device is not
 * `volatile_cache`). Return values: 0; -EINVAL for a range outside the device or a length that is
 * not whole sectors (the caller checks first, a backend checks again); -EROFS for a write to a
 * read-only device; -EIO when the medium failed; -EOPNOTSUPP for an optional op it lacks.
 *
 * Locking: a backend may be used by several devices on several cores at once (one read-only
 * partition given to two VMs, two partitions of one drive), so each backend guards its own state;
 * callers hold their own device locks, never the backend's.
 */

#define BLKDEV_SECTOR_SIZE 512u
#define BLKDEV_SECTOR_SHIFT 9
#define BLKDEV_ID_BYTES 20   /* virtio-blk's GET_ID string: up to 20 bytes, NUL-padded */
#define BLKDEV_NAME_MAX 48

struct blkdev;

struct blkdev_ops {
	int (*read)(struct blkdev *bd, uint64_t sector, void *buf, uint64_t sectors);
	int (*write)(struct blkdev *bd, uint64_t sector, const void *buf, uint64_t sectors);
	/* Everything written before the call is on stable media when it returns 0. */
	int (*flush)(struct blkdev *bd);
	/* Optional (NULL: -EOPNOTSUPP). The sectors may read back as anything afterwards. */
	int (*discard)(struct blkdev *bd, uint64_t sector, uint64_t sectors);
	/* Optional (NULL: the caller writes zeroes itself). The sectors read back as zeroes. */
	int (*write_zeroes)(struct blkdev *bd, uint64_t sector, uint64_t sectors);
	/* Optional, for memory-backed devices: a host pointer to [sector, sector + sectors), which
	 * stays valid as long as the device, so the caller copies guest buffers straight in or out. */
	void *(*map)(struct blkdev *bd, uint64_t sector, uint64_t sectors);
};

struct blkdev {
	const struct blkdev_ops *ops;
	void *priv;
	uint64_t sectors;          /* capacity in 512-byte sectors */
	uint64_t max_io_sectors;   /* most sectors one read or write call takes (>= 8) */
	bool read_only;
	bool persistent;           /* false: the contents go when the host stops (a RAM disk) */
	bool volatile_cache;       /* a write is durable only after flush (virtio-blk then offers FLUSH) */
	char id[BLKDEV_ID_BYTES];  /* serial for GET_ID, NUL-padded, not necessarily terminated */
	char name[BLKDEV_NAME_MAX]; /* for messages: "ram:64 MiB", "nvme0n1p2 (web-root)" */
};

static inline bool blkdev_range_ok(const struct blkdev *bd, uint64_t sector, uint64_t sectors)
{
	return sector <= bd->sectors && sectors <= bd->sectors - sector;
}

#endif
