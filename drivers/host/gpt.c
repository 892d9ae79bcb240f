/* SPDX-License-Identifier: MIT */
/* GPT parsing: primary then backup header, CRC-checked entry array, partitions bounds-checked. */
#include "drivers/host/gpt.h"

#include <string.h>

#include "drivers/host/crc32.h"
#include "kernel/errno.h"

#define SECTOR BLKDEV_SECTOR_SIZE
#define HEADER_MAX 512u   /* header_size we accept: real tools write 92 */

/* len bytes at byte offset off of bd, read a whole block at a time into d->scratch (the reads at
 * boot are few, and a drive with 4 KiB blocks refuses anything smaller). */
static int read_bytes(struct blkdev *bd, struct gpt_disk *d, uint64_t off, void *buf, uint32_t len)
{
	uint32_t bs = d->block_size;
	uint8_t *out = buf;

	while (len) {
		uint64_t blk = off / bs;
		uint32_t in = (uint32_t)(off % bs);
		uint32_t n = bs - in < len ? bs - in : len;
		int rc = bd->ops->read(bd, blk * (bs / SECTOR), d->scratch, bs / SECTOR);

		if (rc)
			return rc;
		memcpy(out, d->scratch + in, n);
		out += n;
		off += n;
		len -= n;
	}
	return 0;
}

static int array_crc(struct blkdev *bd, struct gpt_disk *d, uint64_t off, uint64_t len, uint32_t *crc)
{
	uint32_t bs = d->block_size;

	*crc = 0;
	while (len) {
		uint32_t n = len < bs ? (uint32_t)len : bs;
		int rc = bd->ops->read(bd, off / SECTOR, d->scratch, bs / SECTOR);

		if (rc)
			return rc;
		*crc = crc32_update(*crc, d->scratch, n);
		off += n;
		len -= n;
	}
	return 0;
}

static bool ranges_overlap(uint64_t a0, uint64_t a1, uint64_t b0, uint64_t b1)
{
	return a0 <= b1 && b0 <= a1;
}

/* Every header field that locates something is checked against the disk here. */
static bool header_sane(const struct gpt_header *h, const struct gpt_disk *d, uint64_t lba)
{
	uint64_t bs = d->block_size;

	if (memcmp(h->signature, GPT_SIGNATURE, 8) != 0 || (h->revision >> 16) != 1 ||
	    h->header_size < sizeof(*h) || h->header_size > HEADER_MAX || h->my_lba != lba)
		return false;
	if (h->first_usable_lba < 2 || h->first_usable_lba > h->last_usable_lba || h->last_usable_lba >= d->blocks - 1)
		return false;
	if (h->entry_size < 128 || h->entry_size % 8 || h->entry_size > GPT_MAX_ENTRY_SIZE ||
	    h->entry_count > GPT_MAX_ENTRIES)
		return false;
	uint64_t ablocks = ((uint64_t)h->entry_count * h->entry_size + bs - 1) / bs;
	uint64_t a0 = h->entries_lba, a1 = h->entries_lba + ablocks - 1;

	if (!ablocks)
		return a0 >= 2 && a0 < d->blocks;
	if (a0 < 2 || a0 >= d->blocks || ablocks > d->blocks - a0)
		return false;
	return !ranges_overlap(a0, a1, h->first_usable_lba, h->last_usable_lba) && !ranges_overlap(a0, a1, lba, lba);
}

static int load_header(struct blkdev *bd, struct gpt_disk *d, uint64_t lba, struct gpt_header *h)
{
	uint8_t raw[HEADER_MAX];
	uint32_t crc;
	int rc = read_bytes(bd, d, lba * d->block_size, raw, HEADER_MAX);

	if (rc)
		return rc;
	memcpy(h, raw, sizeof(*h));
	if (!header_sane(h, d, lba))
		return -ENOENT;
	memset(raw + offsetof(struct gpt_header, header_crc32), 0, 4);
	if (crc32_ieee(raw, h->header_size) != h->header_crc32)
		return -ENOENT;
	rc = array_crc(bd, d, h->entries_lba * d->block_size, (uint64_t)h->entry_count * h->entry_size, &crc);
	if (rc)
		return rc;
	return crc == h->entries_crc32 ? 0 : -ENOENT;
}

static bool guid_is_zero(const uint8_t g[16])
{
	for (int i = 0; i < 16; i++)
		if (g[i])
			return false;
	return true;
}

static void copy_name(struct gpt_part *p, const struct gpt_entry *e)
{
	p->name_ascii = true;
	for (unsigned i = 0; i <= GPT_NAME_UNITS; i++) {
		uint16_t u = i < GPT_NAME_UNITS ? e->name[i] : 0;

		p->name16[i] = u;
		if (!u) {
			p->name[i] = 0;
			for (unsigned j = i; j <= GPT_NAME_UNITS; j++)
				p->name16[j] = 0;
			return;
		}
		bool ascii = u >= 0x20 && u < 0x7f;
		p->name[i] = ascii ? (char)u : '?';
		p->name_ascii &= ascii;
	}
}

/* Accepts entry e as partition number idx unless it breaks the rules in gpt.h. */
static void add_entry(struct gpt_disk *d, const struct gpt_entry *e, unsigned idx)
{
	uint64_t per = d->block_size / SECTOR;

	if (guid_is_zero(e->type_guid))
		return;
	if (e->first_lba > e->last_lba || e->first_lba < d->first_usable || e->last_lba > d->last_usable ||
	    d->count >= GPT_MAX_PARTS) {
		d->rejected++;
		return;
	}
	for (unsigned i = 0; i < d->count; i++) {
		if (ranges_overlap(e->first_lba, e->last_lba, d->parts[i].first_lba, d->parts[i].last_lba)) {
			d->rejected++;
			return;
		}
	}
	struct gpt_part *p = &d->parts[d->count++];

	memset(p, 0, sizeof(*p));
	p->index = idx;
	memcpy(p->type_guid, e->type_guid, 16);
	memcpy(p->unique_guid, e->unique_guid, 16);
	p->first_lba = e->first_lba;
	p->last_lba = e->last_lba;
	p->first_sector = e->first_lba * per;
	p->sectors = (e->last_lba - e->first_lba + 1) * per;
	copy_name(p, e);
}

static int load_entries(struct blkdev *bd, struct gpt_disk *d, const struct gpt_header *h)
{
	struct gpt_entry e;

	d->first_usable = h->first_usable_lba;
	d->last_usable = h->last_usable_lba;
	for (uint32_t i = 0; i < h->entry_count; i++) {
		int rc = read_bytes(bd, d, h->entries_lba * d->block_size + (uint64_t)i * h->entry_size, &e, sizeof(e));

		if (rc)
			return rc;
		add_entry(d, &e, i);
	}
	return 0;
}

int gpt_read(struct blkdev *bd, uint32_t block_size, struct gpt_disk *disk)
{
	struct gpt_header h;
	uint64_t per = block_size / SECTOR;
	int rc;

	memset(disk, 0, sizeof(*disk));
	if ((block_size != 512 && block_size != 4096) || bd->sectors % per || bd->sectors / per < 4)
		return -EINVAL;
	disk->block_size = block_size;
	disk->blocks = bd->sectors / per;
	rc = load_header(bd, disk, 1, &h);
	if (rc == -ENOENT) {
		disk->used_backup = true;
		rc = load_header(bd, disk, disk->blocks - 1, &h);
	}
	return rc ? rc : load_entries(bd, disk, &h);
}

const struct gpt_part *gpt_find_by_name(const struct gpt_disk *disk, const char *name, unsigned *matches)
{
	const struct gpt_part *found = NULL;
	unsigned n = 0;

	for (unsigned i = 0; i < disk->count; i++) {
		const struct gpt_part *p = &disk->parts[i];

		if (p->name_ascii && strcmp(p->name, name) == 0) {
			if (!found)
				found = p;
			n++;
		}
	}
	if (matches)
		*matches = n;
	return found;
}

const struct gpt_part *gpt_find_by_guid(const struct gpt_disk *disk, const char *guid)
{
	uint8_t g[16];

	if (gpt_guid_parse(guid, g))
		return NULL;
	for (unsigned i = 0; i < disk->count; i++)
		if (memcmp(disk->parts[i].unique_guid, g, 16) == 0)
			return &disk->parts[i];
	return NULL;
}

/* Text position of each on-disk byte: groups 1-3 reversed (little-endian), 4-5 in order. */
static const uint8_t guid_text_pos[16] = { 6, 4, 2, 0, 11, 9, 16, 14, 19, 21, 24, 26, 28, 30, 32, 34 };

static int hex(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)(c | 0x20);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

int gpt_guid_parse(const char *text, uint8_t out[16])
{
	for (unsigned i = 0; i < GPT_GUID_TEXT - 1; i++) {
		bool dash = i == 8 || i == 13 || i == 18 || i == 23;

		if (!text[i] || (dash ? text[i] != '-' : hex(text[i]) < 0))
			return -EINVAL;
	}
	if (text[GPT_GUID_TEXT - 1])
		return -EINVAL;
	for (unsigned i = 0; i < 16; i++)
		out[i] = (uint8_t)(hex(text[guid_text_pos[i]]) << 4 | hex(text[guid_text_pos[i] + 1]));
	return 0;
}

void gpt_guid_format(const uint8_t guid[16], char out[GPT_GUID_TEXT])
{
	static const char digits[] = "0123456789abcdef";

	memset(out, '-', GPT_GUID_TEXT - 1);
	out[GPT_GUID_TEXT - 1] = 0;
	for (unsigned i = 0; i < 16; i++) {
		out[guid_text_pos[i]] = digits[guid[i] >> 4];
		out[guid_text_pos[i] + 1] = digits[guid[i] & 0xf];
	}
}
