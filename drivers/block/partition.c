/* SPDX-License-Identifier: MIT */
/* Partition backend: range checks against the window, then the parent's op at first + sector. */
#include "drivers/block/partition.h"

#include <string.h>

#include "kernel/errno.h"

static struct partition *part_of(struct blkdev *bd)
{
	return bd->priv;
}

static int part_read(struct blkdev *bd, uint64_t sector, void *buf, uint64_t sectors)
{
	struct partition *p = part_of(bd);

	if (!blkdev_range_ok(bd, sector, sectors))
		return -EINVAL;
	return p->parent->ops->read(p->parent, p->first + sector, buf, sectors);
}

static int part_write(struct blkdev *bd, uint64_t sector, const void *buf, uint64_t sectors)
{
	struct partition *p = part_of(bd);

	if (bd->read_only)
		return -EROFS;
	if (!blkdev_range_ok(bd, sector, sectors))
		return -EINVAL;
	return p->parent->ops->write(p->parent, p->first + sector, buf, sectors);
}

/* The parent's cache holds other partitions' writes too; flushing them as well is harmless. */
static int part_flush(struct blkdev *bd)
{
	struct partition *p = part_of(bd);

	return p->parent->ops->flush(p->parent);
}

static int part_discard(struct blkdev *bd, uint64_t sector, uint64_t sectors)
{
	struct partition *p = part_of(bd);

	if (bd->read_only)
		return -EROFS;
	if (!blkdev_range_ok(bd, sector, sectors))
		return -EINVAL;
	return p->parent->ops->discard(p->parent, p->first + sector, sectors);
}

static int part_write_zeroes(struct blkdev *bd, uint64_t sector, uint64_t sectors)
{
	struct partition *p = part_of(bd);

	if (bd->read_only)
		return -EROFS;
	if (!blkdev_range_ok(bd, sector, sectors))
		return -EINVAL;
	return p->parent->ops->write_zeroes(p->parent, p->first + sector, sectors);
}

static void *part_map(struct blkdev *bd, uint64_t sector, uint64_t sectors)
{
	struct partition *p = part_of(bd);

	if (!blkdev_range_ok(bd, sector, sectors))
		return NULL;
	return p->parent->ops->map(p->parent, p->first + sector, sectors);
}

/* Copies src into dst (size bytes) cut to fit, the rest NUL. */
static void copy_padded(char *dst, size_t size, const char *src)
{
	size_t n = src ? strlen(src) : 0;

	memset(dst, 0, size);
	if (n)
		memcpy(dst, src, n < size ? n : size);
}

int partition_init(struct partition *p, struct blkdev *parent, uint64_t first, uint64_t sectors, bool read_only,
		   const char *name, const char *id)
{
	const struct blkdev_ops *po = parent ? parent->ops : NULL;

	if (!po || !sectors || !blkdev_range_ok(parent, first, sectors))
		return -EINVAL;
	memset(p, 0, sizeof(*p));
	p->parent = parent;
	p->first = first;
	p->ops = (struct blkdev_ops){
		.read = part_read,
		.write = part_write,
		.flush = part_flush,
		.discard = po->discard ? part_discard : NULL,
		.write_zeroes = po->write_zeroes ? part_write_zeroes : NULL,
		.map = po->map ? part_map : NULL,
	};
	p->bd = (struct blkdev){
		.ops = &p->ops,
		.priv = p,
		.sectors = sectors,
		.max_io_sectors = parent->max_io_sectors,
		.read_only = read_only || parent->read_only,
		.persistent = parent->persistent,
		.volatile_cache = parent->volatile_cache,
	};
	if (id)
		copy_padded(p->bd.id, sizeof(p->bd.id), id);
	else
		memcpy(p->bd.id, parent->id, sizeof(p->bd.id));
	copy_padded(p->bd.name, sizeof(p->bd.name) - 1, name); /* always terminated */
	return 0;
}
