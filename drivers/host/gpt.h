/* SPDX-License-Identifier: MIT */
/* GUID partition tables read from a blkdev: header and entry checks, lookup by name or GUID. */
#ifndef BASALT_HOST_GPT_H
#define BASALT_HOST_GPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "drivers/block/blkdev.h"

/*
 * The disk's contents are not trusted (a VM may have written its own disk's table; a drive may be
 * corrupt): every field is bounds-checked before use and every loop is bounded by GPT_MAX_ENTRIES.
 * The primary header (LBA 1) is used when it and its entry array are valid, else the backup (last
 * LBA). Entries that are unused (zero type GUID) are skipped; entries outside the usable range,
 * with first > last, or overlapping an earlier accepted entry are rejected (counted in
 * `rejected`, never returned), so two returned partitions never share a sector.
 *
 * Locking: none; a struct gpt_disk is filled once at boot and only read afterwards.
 */

#define GPT_SIGNATURE "EFI PART"
#define GPT_REVISION_1_0 0x00010000u
#define GPT_MAX_ENTRIES 1024u   /* entry count we accept in a header */
#define GPT_MAX_PARTS 128u      /* used entries we keep */
#define GPT_MAX_ENTRY_SIZE 4096u
#define GPT_NAME_UNITS 36
#define GPT_GUID_TEXT 37        /* "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx" and NUL */

struct gpt_header {
	char signature[8];          /* 0 */
	uint32_t revision;          /* 8 */
	uint32_t header_size;       /* 12 */
	uint32_t header_crc32;      /* 16: over header_size bytes with this field zero */
	uint32_t reserved;          /* 20 */
	uint64_t my_lba;            /* 24 */
	uint64_t alternate_lba;     /* 32 */
	uint64_t first_usable_lba;  /* 40 */
	uint64_t last_usable_lba;   /* 48 */
	uint8_t disk_guid[16];      /* 56 */
	uint64_t entries_lba;       /* 72 */
	uint32_t entry_count;       /* 80 */
	uint32_t entry_size;        /* 84 */
	uint32_t entries_crc32;     /* 88 */
} __attribute__((packed));
_Static_assert(sizeof(struct gpt_header) == 92, "GPT header");
_Static_assert(offsetof(struct gpt_header, entries_lba) == 72, "GPT header entry array LBA");
_Static_assert(offsetof(struct gpt_header, entries_crc32) == 88, "GPT header entry array CRC");

struct gpt_entry {
	uint8_t type_guid[16];      /* 0: all zero: unused */
	uint8_t unique_guid[16];    /* 16 */
	uint64_t first_lba;         /* 32 */
	uint64_t last_lba;          /* 40: inclusive */
	uint64_t attributes;        /* 48 */
	uint16_t name[GPT_NAME_UNITS]; /* 56: UTF-16LE */
} __attribute__((packed));
_Static_assert(sizeof(struct gpt_entry) == 128, "GPT entry");
_Static_assert(offsetof(struct gpt_entry, name) == 56, "GPT entry name");

struct gpt_part {
	unsigned index;             /* entry number in the array, from 0 (partition number - 1) */
	uint8_t type_guid[16];
	uint8_t unique_guid[16];    /* on-disk byte order */
	uint64_t first_lba, last_lba; /* in the disk's blocks */
	uint64_t first_sector;      /* in 512-byte sectors */
	uint64_t sectors;
	uint16_t name16[GPT_NAME_UNITS + 1]; /* NUL-terminated copy */
	char name[GPT_NAME_UNITS + 1];       /* ASCII rendering for messages: '?' for other units */
	bool name_ascii;            /* every unit was printable ASCII: only then can a name match */
};

struct gpt_disk {
	uint32_t block_size;        /* 512 or 4096 */
	uint64_t blocks;
	bool used_backup;           /* the primary header or array was bad */
	uint64_t first_usable, last_usable;
	unsigned count;
	unsigned rejected;          /* used entries refused (out of range, inverted, overlapping, beyond GPT_MAX_PARTS) */
	struct gpt_part parts[GPT_MAX_PARTS];
	uint8_t scratch[4096];      /* gpt_read's block buffer: reads are whole blocks (a 4K-LBA drive refuses less) */
};

/* Reads the GPT of bd, whose logical block is block_size bytes (512 or 4096; bd's sectors stay
 * 512 bytes). 0, -ENOENT (no valid GPT: no signature, or both copies bad), -EINVAL (block size,
 * disk too small) or the device's read error. */
int gpt_read(struct blkdev *bd, uint32_t block_size, struct gpt_disk *disk);

/* The partition whose name equals name (ASCII, exact, case-sensitive), NULL when none; *matches
 * (may be NULL) gets the number of partitions with that name, so callers can refuse ambiguity. */
const struct gpt_part *gpt_find_by_name(const struct gpt_disk *disk, const char *name, unsigned *matches);
/* The partition with that unique GUID (text form, case-insensitive), or NULL (also for bad text). */
const struct gpt_part *gpt_find_by_guid(const struct gpt_disk *disk, const char *guid);

/* Text form <-> on-disk bytes: the first three groups are little-endian on disk, the last two are
 * stored as written. parse: 0 or -EINVAL; format writes GPT_GUID_TEXT bytes (lower case). */
int gpt_guid_parse(const char *text, uint8_t out[16]);
void gpt_guid_format(const uint8_t guid[16], char out[GPT_GUID_TEXT]);

#endif
