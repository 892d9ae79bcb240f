/* SPDX-License-Identifier: MIT */
/* Test helper: a RAM blkdev and a GPT writer with correct CRCs (primary and backup), for test_gpt and fuzz_gpt. */
#ifndef BASALT_TESTS_GPT_BUILDER_H
#define BASALT_TESTS_GPT_BUILDER_H

#include <stdint.h>
#include <string.h>

#include "drivers/block/blkdev.h"
#include "drivers/host/crc32.h"
#include "drivers/host/gpt.h"

struct ramdisk {
	struct blkdev bd;
	uint8_t *mem;
	int fail_reads;   /* nonzero: every read returns this */
	unsigned align;   /* nonzero: reads not in whole units of this many sectors fail (a 4K-LBA drive) */
	unsigned reads;
};

static int ram_read(struct blkdev *bd, uint64_t sector, void *buf, uint64_t sectors)
{
	struct ramdisk *r = bd->priv;

	if (r->fail_reads)
		return r->fail_reads;
	r->reads++;
	if (!blkdev_range_ok(bd, sector, sectors) || (r->align && (sector % r->align || sectors % r->align)))
		return -22;
	memcpy(buf, r->mem + sector * 512, sectors * 512);
	return 0;
}

static const struct blkdev_ops ram_ops = { .read = ram_read };

static inline void ramdisk_init(struct ramdisk *r, uint8_t *mem, uint64_t bytes)
{
	memset(r, 0, sizeof(*r));
	r->mem = mem;
	r->bd.ops = &ram_ops;
	r->bd.priv = r;
	r->bd.sectors = bytes / 512;
}

struct tpart {
	const char *name;      /* ASCII, widened to UTF-16LE */
	uint64_t first, last;  /* blocks */
	const char *guid;      /* unique GUID text; NULL: derived from the index */
};

struct gpt_layout {
	uint32_t bs;
	uint64_t blocks;
	uint32_t count, size;  /* entry array shape */
	uint64_t ablocks;      /* blocks the array takes */
};

static inline struct gpt_header *gptb_header(uint8_t *mem, const struct gpt_layout *l, uint64_t lba)
{
	return (struct gpt_header *)(mem + lba * l->bs);
}

/* Recomputes a header's own CRC (after a test changed a field). */
static inline void gptb_fix_header(uint8_t *mem, const struct gpt_layout *l, uint64_t lba)
{
	struct gpt_header *h = gptb_header(mem, l, lba);
	uint32_t size = h->header_size <= 512 ? h->header_size : 92;

	h->header_crc32 = 0;
	h->header_crc32 = crc32_ieee(h, size);
}

/* Recomputes the array CRC in the header at lba (when the header points inside the disk), then
 * the header's CRC. */
static inline void gptb_fix_crcs(uint8_t *mem, uint64_t disk_bytes, const struct gpt_layout *l, uint64_t lba)
{
	struct gpt_header *h = gptb_header(mem, l, lba);
	uint64_t bytes = (uint64_t)h->entry_count * h->entry_size;

	if (h->entries_lba < disk_bytes / l->bs && bytes <= disk_bytes - h->entries_lba * l->bs)
		h->entries_crc32 = crc32_ieee(mem + h->entries_lba * l->bs, bytes);
	gptb_fix_header(mem, l, lba);
}

static inline struct gpt_entry *gptb_entry(uint8_t *mem, const struct gpt_layout *l, uint64_t array_lba, unsigned i)
{
	return (struct gpt_entry *)(mem + array_lba * l->bs + (uint64_t)i * l->size);
}

static inline void gptb_write_header(uint8_t *mem, uint64_t disk_bytes, const struct gpt_layout *l, uint64_t my,
				     uint64_t alt, uint64_t array)
{
	struct gpt_header *h = gptb_header(mem, l, my);

	memset(h, 0, l->bs);
	memcpy(h->signature, GPT_SIGNATURE, 8);
	h->revision = GPT_REVISION_1_0;
	h->header_size = 92;
	h->my_lba = my;
	h->alternate_lba = alt;
	h->first_usable_lba = 2 + l->ablocks;
	h->last_usable_lba = l->blocks - 2 - l->ablocks;
	memset(h->disk_guid, 0x5a, 16);
	h->entries_lba = array;
	h->entry_count = l->count;
	h->entry_size = l->size;
	gptb_fix_crcs(mem, disk_bytes, l, my);
}

/* Writes a whole GPT (protective MBR byte signature, both headers, both arrays) onto mem. */
static inline struct gpt_layout gptb_build(uint8_t *mem, uint64_t disk_bytes, uint32_t bs, uint32_t count,
					   uint32_t size, const struct tpart *p, unsigned n)
{
	struct gpt_layout l = { bs, disk_bytes / bs, count, size, ((uint64_t)count * size + bs - 1) / bs };
	uint64_t backup_array = l.blocks - 1 - l.ablocks;

	memset(mem, 0, disk_bytes);
	mem[510] = 0x55;
	mem[511] = 0xaa;
	for (unsigned i = 0; i < n && i < count; i++) {
		struct gpt_entry *e = gptb_entry(mem, &l, 2, i);

		memset(e->type_guid, 0xaf, 16);
		if (p[i].guid)
			gpt_guid_parse(p[i].guid, e->unique_guid);
		else
			memset(e->unique_guid, 0x10 + i, 16);
		e->first_lba = p[i].first;
		e->last_lba = p[i].last;
		for (unsigned k = 0; p[i].name[k] && k < GPT_NAME_UNITS; k++)
			e->name[k] = (uint8_t)p[i].name[k];
	}
	memcpy(mem + backup_array * bs, mem + 2 * bs, l.ablocks * bs);
	gptb_write_header(mem, disk_bytes, &l, 1, l.blocks - 1, 2);
	gptb_write_header(mem, disk_bytes, &l, l.blocks - 1, 1, backup_array);
	return l;
}

#endif
