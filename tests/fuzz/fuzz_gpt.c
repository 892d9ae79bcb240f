/* SPDX-License-Identifier: MIT */
/* libFuzzer target for drivers/host/gpt.c: a valid GPT on a RAM disk, then fields perturbed by the input. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tests/fuzz/fuzz_input.h"
#include "tests/unit/gpt_builder.h"

/*
 * Input: flags (1 byte: bit 0 4K blocks; bits 1/2 leave the primary/backup CRCs as perturbed;
 * bit 3 fuzz the backup header instead of the primary one), disk blocks (2 bytes), entry shape
 * (count 2 bytes, size 2 bytes), then up to 24 edits of (target 1 byte, value 8 bytes): targets
 * 0-12 are header fields, 16+ entry fields (entry = target / 4 % 8, field = target % 4).
 * The invariants checked are those gpt.h promises.
 */

#define MAX_BYTES (256u << 10)

static uint8_t *mem;

static void set_header_field(struct gpt_header *h, unsigned f, uint64_t v)
{
	switch (f) {
	case 0: memcpy(h->signature, &v, 8); break;
	case 1: h->revision = (uint32_t)v; break;
	case 2: h->header_size = (uint32_t)v; break;
	case 3: h->my_lba = v; break;
	case 4: h->first_usable_lba = v; break;
	case 5: h->last_usable_lba = v; break;
	case 6: h->entries_lba = v; break;
	case 7: h->entry_count = (uint32_t)v; break;
	case 8: h->entry_size = (uint32_t)v; break;
	case 9: h->first_usable_lba += (int8_t)v; break;
	case 10: h->last_usable_lba += (int8_t)v; break;
	case 11: h->entries_lba += (int8_t)v; break;
	default: h->entry_count = (uint32_t)(v & 0x7ff); break;
	}
}

static void set_entry_field(struct gpt_entry *e, unsigned f, uint64_t v)
{
	switch (f) {
	case 0: memcpy(e->type_guid, &v, 8); break;
	case 1: e->first_lba = v; break;
	case 2: e->last_lba = v; break;
	default: e->first_lba = v & 0xffff; e->last_lba = (v >> 16) & 0xffff; break;
	}
}

static void check(const struct gpt_disk *d, const struct blkdev *bd)
{
	uint64_t per = d->block_size / 512;

	if (d->count > GPT_MAX_PARTS || d->last_usable >= d->blocks - 1 || d->first_usable > d->last_usable)
		abort();
	for (unsigned i = 0; i < d->count; i++) {
		const struct gpt_part *p = &d->parts[i];

		if (p->first_lba < d->first_usable || p->last_lba > d->last_usable || p->first_lba > p->last_lba)
			abort();
		if (p->first_sector != p->first_lba * per || !p->sectors || p->first_sector + p->sectors > bd->sectors)
			abort();
		for (unsigned j = 0; j < i; j++)
			if (p->first_lba <= d->parts[j].last_lba && d->parts[j].first_lba <= p->last_lba)
				abort();
		if (p->name_ascii && !gpt_find_by_name(d, p->name, NULL))
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct gpt_disk disk;
	static const struct tpart parts[] = { { "a", 40, 49, NULL }, { "b", 50, 99, NULL }, { "c", 60, 70, NULL } };
	struct input in = { data, size };
	struct ramdisk rd;
	unsigned flags = (unsigned)take(&in, 1);
	uint32_t bs = (flags & 1) ? 4096 : 512;
	uint64_t blocks = 16 + take(&in, 2) % (MAX_BYTES / bs - 16);
	uint32_t count = 1 + (uint32_t)take(&in, 2) % 256;
	uint32_t esize = 128u << (take(&in, 1) % 3);

	if (!mem)
		mem = malloc(MAX_BYTES);
	uint64_t bytes = blocks * bs;
	uint64_t ablocks = ((uint64_t)count * esize + bs - 1) / bs;
	if (2 * ablocks + 4 > blocks)
		count = 4, esize = 128, ablocks = 1;
	struct gpt_layout l = gptb_build(mem, bytes, bs, count, esize, parts, 3);
	uint64_t hdr = (flags & 8) ? l.blocks - 1 : 1;
	uint64_t arr = (flags & 8) ? l.blocks - 1 - l.ablocks : 2;

	for (unsigned k = 0; k < 24 && in.left >= 9; k++) {
		unsigned t = (unsigned)take(&in, 1);
		uint64_t v = take(&in, 8);

		if (t < 16)
			set_header_field(gptb_header(mem, &l, hdr), t, v);
		else if ((t / 4 % 8) < count)
			set_entry_field(gptb_entry(mem, &l, arr, t / 4 % 8), t % 4, v);
	}
	if (!(flags & 2))
		gptb_fix_crcs(mem, bytes, &l, 1);
	if (!(flags & 4))
		gptb_fix_crcs(mem, bytes, &l, l.blocks - 1);
	ramdisk_init(&rd, mem, bytes);
	if (gpt_read(&rd.bd, bs, &disk) == 0)
		check(&disk, &rd.bd);
	return 0;
}
