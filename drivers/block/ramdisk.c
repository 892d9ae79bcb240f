/* SPDX-License-Identifier: MIT */
/* The RAM disk: every op is a bounds check and a memcpy or memset; map hands out the memory itself. */
#include "drivers/block/ramdisk.h"

#include <string.h>

#include "kernel/console.h"
#include "kernel/errno.h"
#include "kernel/mem.h"

static struct ramdisk *rd_of(struct blkdev *bd)
{
	return bd->priv;
}

static uint8_t *at(struct blkdev *bd, uint64_t sector)
{
	return rd_of(bd)->mem + (sector << BLKDEV_SECTOR_SHIFT);
}

static int rd_read(struct blkdev *bd, uint64_t sector, void *buf, uint64_t sectors)
{
	if (!blkdev_range_ok(bd, sector, sectors))
		return -EINVAL;
	memcpy(buf, at(bd, sector), sectors << BLKDEV_SECTOR_SHIFT);
	return 0;
}

static int rd_write(struct blkdev *bd, uint64_t sector, const void *buf, uint64_t sectors)
{
	if (bd->read_only)
		return -EROFS;
	if (!blkdev_range_ok(bd, sector, sectors))
		return -EINVAL;
	memcpy(at(bd, sector), buf, sectors << BLKDEV_SECTOR_SHIFT);
	return 0;
}

/* Memory has no cache to write back. */
static int rd_flush(struct blkdev *bd)
{
	(void)bd;
	return 0;
}

/* Discarded sectors read back as zeroes: as good as anything, and no stale data shows through. */
static int rd_zero(struct blkdev *bd, uint64_t sector, uint64_t sectors)
{
	if (bd->read_only)
		return -EROFS;
	if (!blkdev_range_ok(bd, sector, sectors))
		return -EINVAL;
	memset(at(bd, sector), 0, sectors << BLKDEV_SECTOR_SHIFT);
	return 0;
}

/* The caller writes through the pointer only for requests it checked against read_only. */
static void *rd_map(struct blkdev *bd, uint64_t sector, uint64_t sectors)
{
	if (!blkdev_range_ok(bd, sector, sectors))
		return NULL;
	return at(bd, sector);
}

static const struct blkdev_ops ramdisk_ops = {
	.read = rd_read,
	.write = rd_write,
	.flush = rd_flush,
	.discard = rd_zero,
	.write_zeroes = rd_zero,
	.map = rd_map,
};

static void set_names(struct blkdev *bd, const char *name)
{
	char id[BLKDEV_ID_BYTES + 1];
	int n = fmt_snprintf(id, sizeof(id), "basalt-ram-%s", name);

	memset(bd->id, 0, sizeof(bd->id));
	memcpy(bd->id, id, n < 0 ? 0 : (size_t)n < BLKDEV_ID_BYTES ? (size_t)n : BLKDEV_ID_BYTES);
	fmt_snprintf(bd->name, sizeof(bd->name), "ram:%s", name);
}

int ramdisk_create(struct ramdisk *rd, uint64_t bytes, const void *image, size_t image_size, bool read_only,
		   const char *name)
{
	if (!bytes)
		bytes = image_size;
	if (!bytes || image_size > bytes || (image_size && !image) || bytes > UINT64_MAX - PAGE_SIZE)
		return -EINVAL;
	bytes = (bytes + BLKDEV_SECTOR_SIZE - 1) & ~(uint64_t)(BLKDEV_SECTOR_SIZE - 1);
	memset(rd, 0, sizeof(*rd));
	rd->pages = (size_t)((bytes + PAGE_SIZE - 1) / PAGE_SIZE);
	rd->mem = pages_alloc(rd->pages, PAGE_SIZE); /* zeroed */
	if (!rd->mem)
		return -ENOMEM;
	if (image_size)
		memcpy(rd->mem, image, image_size);
	rd->bd = (struct blkdev){
		.ops = &ramdisk_ops,
		.priv = rd,
		.sectors = bytes >> BLKDEV_SECTOR_SHIFT,
		.max_io_sectors = RAMDISK_MAX_IO_SECTORS,
		.read_only = read_only,
		.persistent = false,
		.volatile_cache = false,
	};
	set_names(&rd->bd, name ? name : "");
	return 0;
}

void ramdisk_destroy(struct ramdisk *rd)
{
	if (rd->mem)
		pages_free(rd->mem, rd->pages);
	memset(rd, 0, sizeof(*rd));
}
