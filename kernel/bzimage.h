/* SPDX-License-Identifier: MIT */
/* Validates a Linux bzImage against what Basalt's 64-bit boot protocol loader needs. */
#ifndef BASALT_BZIMAGE_H
#define BASALT_BZIMAGE_H

#include <stddef.h>
#include <stdint.h>

#define BZIMAGE_MIN_VERSION 0x020cu          /* 2.12: xloadflags, the 64-bit entry flag */
#define BZIMAGE_MIN_ALIGNMENT 0x1000u        /* kernel_alignment below a page is nonsense */
#define BZIMAGE_MAX_ALIGNMENT (1u << 30)
#define BZIMAGE_MAX_INIT_SIZE (1u << 30)     /* a kernel wanting 1 GiB before its e820 is broken */
#define BZIMAGE_VERSION_MAX 64               /* bytes kept of the kernel's version string */

/* What a loader needs from a bzImage; offsets and sizes are within the file. */
struct bzimage_info {
	uint16_t version;          /* boot protocol, e.g. 0x020f for 2.15 */
	uint8_t setup_sects;       /* effective: 0 in the file means 4 */
	uint8_t loadflags;
	uint16_t xloadflags;
	size_t header_end;         /* 0x202 + jump byte: end of the setup header in the file */
	size_t setup_size;         /* (setup_sects + 1) * 512: boot sector + real-mode setup */
	size_t pm_offset;          /* protected-mode code: where it starts in the file (= setup_size) */
	size_t pm_size;            /* ... and its length: the rest of the file */
	uint64_t pref_address;     /* preferred load address */
	uint32_t kernel_alignment; /* load address alignment, a power of two >= 4 KiB */
	uint32_t init_size;        /* bytes the kernel needs from its load address while booting */
	uint32_t initrd_addr_max;  /* highest byte address the initrd may occupy */
	uint32_t cmdline_size;     /* longest command line without its NUL */
	uint32_t payload_offset;   /* compressed kernel, relative to pm_offset */
	uint32_t payload_length;
	char kernel_version[BZIMAGE_VERSION_MAX]; /* e.g. "6.1.0-56-amd64 (...) #1 SMP ...", or "" */
};

/*
 * Checks that image[0, size) is a bzImage Basalt can boot through the 64-bit entry: boot sector
 * and "HdrS" magic, protocol >= 2.12, loaded high, relocatable, with a 64-bit entry, a sane
 * alignment, init_size and command-line size, and a non-empty protected-mode part inside the file.
 * Fills *out and returns 0; otherwise returns -EINVAL and writes one line naming the field and its
 * value into why (always NUL-terminated when why_len > 0; why may be NULL). Reads only inside the
 * image. out is written only on success.
 */
int bzimage_parse(const void *image, size_t size, struct bzimage_info *out, char *why, size_t why_len);

#endif
