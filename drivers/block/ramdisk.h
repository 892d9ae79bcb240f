/* SPDX-License-Identifier: MIT */
/* A RAM-backed block device: zeroed pages, optionally filled from an image, gone when the host stops. */
#ifndef BASALT_RAMDISK_H
#define BASALT_RAMDISK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "drivers/block/blkdev.h"

#define RAMDISK_MAX_IO_SECTORS (1u << 20) /* any size works; this keeps one call's work finite */

/*
 * Locking: none. The medium is plain memory and nothing else changes after ramdisk_create, so
 * concurrent calls race only on the data bytes, as two writers of one sector race on a real disk.
 */
struct ramdisk {
	struct blkdev bd; /* first: the struct blkdev * handed out is the struct ramdisk * */
	uint8_t *mem;  /* bd.sectors * 512 bytes from pages_alloc */
	size_t pages;
};

/*
 * Sets up rd: `bytes` rounded up to whole sectors (0: the image's size, rounded up), zeroed, the
 * first image_size bytes copied from image (may be NULL when image_size is 0). Not persistent, no
 * volatile cache; id "basalt-ram-<name>" cut to 20 bytes, name "ram:<name>". 0; -EINVAL (no size,
 * image larger than bytes, size overflow); -ENOMEM.
 */
int ramdisk_create(struct ramdisk *rd, uint64_t bytes, const void *image, size_t image_size, bool read_only,
		   const char *name);
/* Gives the memory back; rd->bd is unusable afterwards (its ops are gone: no device may still use it). */
void ramdisk_destroy(struct ramdisk *rd);

#endif
