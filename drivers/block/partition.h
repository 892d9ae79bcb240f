/* SPDX-License-Identifier: MIT */
/* A block device that is a window [first, first + sectors) of a parent: a GPT partition of a host drive. */
#ifndef BASALT_PARTITION_H
#define BASALT_PARTITION_H

#include <stdbool.h>
#include <stdint.h>

#include "drivers/block/blkdev.h"

/*
 * Every op is checked against the window and forwarded with the offset; the optional ops exist
 * exactly when the parent has them. Locking: none of its own (nothing changes after init); the
 * parent guards itself.
 */
struct partition {
	struct blkdev bd;
	struct blkdev *parent; /* outlives the partition */
	uint64_t first;        /* parent sector of the window's sector 0 */
	struct blkdev_ops ops; /* per partition: which optional ops exist depends on the parent */
};

/*
 * Sets up p over parent. read_only may be stricter than the parent's (it is or-ed); persistent,
 * volatile_cache and max_io_sectors are the parent's. name and id are copied (cut to fit; id
 * NUL-padded to 20 bytes; NULL id: the parent's). 0; -EINVAL for an empty window or one not inside
 * the parent (overflow-safe).
 */
int partition_init(struct partition *p, struct blkdev *parent, uint64_t first, uint64_t sectors, bool read_only,
		   const char *name, const char *id);

#endif
