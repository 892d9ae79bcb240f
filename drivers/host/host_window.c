/* SPDX-License-Identifier: MIT */
/* Partition windows: range-checked, offset forwarding of blkdev calls to the whole drive. */
#include "drivers/host/host_window.h"

#include <string.h>

#include "kernel/console.h"
#include "kernel/errno.h"

#ifndef EROFS
#define EROFS 30
#endif

static struct host_window *win(struct blkdev *bd)
{
	return bd->priv;
}

static int w_read(struct blkdev *bd, uint64_t sector, void *buf, uint64_t sectors)
{
	struct host_window *w = win(bd);

	if (!blkdev_range_ok(bd, sector, sectors))
		return -EINVAL;
	return w->parent->ops->read(w->parent, w->first + sector, buf, sectors);
}

static int w_write(struct blkdev *bd, uint64_t sector, const void *buf, uint64_t sectors)
{
	struct host_window *w = win(bd);

	if (bd->read_only)
		return -EROFS;
	if (!blkdev_range_ok(bd, sector, sectors))
		return -EINVAL;
	return w->parent->ops->write(w->parent, w->first + sector, buf, sectors);
}

static int w_flush(struct blkdev *bd)
{
	struct host_window *w = win(bd);

	return w->parent->ops->flush(w->parent);
}

static int w_discard(struct blkdev *bd, uint64_t sector, uint64_t sectors)
{
	struct host_window *w = win(bd);

	if (bd->read_only)
		return -EROFS;
	if (!blkdev_range_ok(bd, sector, sectors))
		return -EINVAL;
	return w->parent->ops->discard(w->parent, w->first + sector, sectors);
}

static int w_write_zeroes(struct blkdev *bd, uint64_t sector, uint64_t sectors)
{
	struct host_window *w = win(bd);

	if (bd->read_only)
		return -EROFS;
	if (!blkdev_range_ok(bd, sector, sectors))
		return -EINVAL;
	return w->parent->ops->write_zeroes(w->parent, w->first + sector, sectors);
}

void host_window_init(struct host_window *w, struct blkdev *parent, uint64_t first, uint64_t sectors,
		      bool read_only, const char *name, const char *id)
{
	memset(w, 0, sizeof(*w));
	w->parent = parent;
	w->first = first;
	w->ops = (struct blkdev_ops){ .read = w_read, .write = w_write, .flush = w_flush };
	if (parent->ops->discard)
		w->ops.discard = w_discard;
	if (parent->ops->write_zeroes)
		w->ops.write_zeroes = w_write_zeroes;
	w->bd.ops = &w->ops;
	w->bd.priv = w;
	w->bd.sectors = sectors;
	w->bd.max_io_sectors = parent->max_io_sectors;
	w->bd.read_only = read_only || parent->read_only;
	w->bd.persistent = parent->persistent;
	w->bd.volatile_cache = parent->volatile_cache;
	strncpy(w->bd.id, id, sizeof(w->bd.id));
	fmt_snprintf(w->bd.name, sizeof(w->bd.name), "%s", name);
}
