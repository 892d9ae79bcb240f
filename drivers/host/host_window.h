/* SPDX-License-Identifier: MIT */
/* A blkdev that is a sector window onto another one (a GPT partition of a host drive). */
#ifndef BASALT_HOST_WINDOW_H
#define BASALT_HOST_WINDOW_H

#include <stdbool.h>
#include <stdint.h>

#include "drivers/block/blkdev.h"

/*
 * Private to host_storage until drivers/block/partition.{c,h} (written elsewhere, same idea)
 * lands; then host_storage switches to partition_init and this file goes. Requests are checked
 * against the window, shifted by `first` and passed to the parent, whose ops are offered only when
 * the parent has them. Locking: none of its own; the fields are fixed after init and the parent
 * guards itself.
 */
struct host_window {
	struct blkdev bd;
	struct blkdev *parent;
	uint64_t first;
	struct blkdev_ops ops;
};

/* Sets up w over parent's sectors [first, first + sectors), which must lie inside parent. */
void host_window_init(struct host_window *w, struct blkdev *parent, uint64_t first, uint64_t sectors,
		      bool read_only, const char *name, const char *id);

#endif
