/* SPDX-License-Identifier: MIT */
/* bzImage header validation: every check a 64-bit boot protocol loader must make before trusting it. */
#include "kernel/bzimage.h"

#include <stdarg.h>
#include <stdbool.h>
#include <string.h>

#include "kernel/bootparams.h"
#include "kernel/console.h"
#include "kernel/errno.h"

#define HDR(f) (BOOT_HDR_OFFSET + offsetof(struct setup_header, f)) /* file offset of a field */

/* The file is read byte by byte: no alignment assumptions, no access past what was checked. */
static uint32_t get_le(const uint8_t *p, size_t off, unsigned bytes)
{
	uint32_t v = 0;

	for (unsigned i = bytes; i-- > 0;)
		v = v << 8 | p[off + i];
	return v;
}

static uint64_t get_le64(const uint8_t *p, size_t off)
{
	return (uint64_t)get_le(p, off + 4, 4) << 32 | get_le(p, off, 4);
}

static int refuse(char *why, size_t why_len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int refuse(char *why, size_t why_len, const char *fmt, ...)
{
	va_list ap;

	if (why && why_len) {
		va_start(ap, fmt);
		fmt_vsnprintf(why, why_len, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

static bool is_pow2(uint32_t v)
{
	return v && !(v & (v - 1));
}

/* Magic numbers and the protocol version: is this a modern bzImage at all? */
static int check_identity(const uint8_t *p, size_t size, char *why, size_t why_len)
{
	uint32_t v;

	if (size < BOOT_HDR_END)
		return refuse(why, why_len, "image of %zu bytes is too small for a setup header (0x%x bytes)",
			      size, BOOT_HDR_END);
	v = get_le(p, HDR(boot_flag), 2);
	if (v != BOOT_FLAG_MAGIC)
		return refuse(why, why_len, "boot_flag is 0x%04x, not 0xaa55", v);
	v = get_le(p, HDR(header), 4);
	if (v != BOOT_HDR_MAGIC)
		return refuse(why, why_len, "setup header magic is 0x%08x, not \"HdrS\" (0x53726448)", v);
	v = get_le(p, HDR(version), 2);
	if (v < BZIMAGE_MIN_VERSION)
		return refuse(why, why_len, "protocol version 0x%04x is older than 2.12", v);
	return 0;
}

/* The setup header, boot sector and setup code all lie inside the file, and something follows them. */
static int check_extent(const uint8_t *p, size_t size, struct bzimage_info *k, char *why, size_t why_len)
{
	unsigned sects = p[HDR(setup_sects)];

	k->header_end = 0x202 + (size_t)p[HDR(jump) + 1];
	if (k->header_end < BOOT_HDR_END)
		return refuse(why, why_len, "setup header ends at 0x%zx, before init_size/handover_offset (0x%x)",
			      k->header_end, BOOT_HDR_END);
	k->setup_sects = (uint8_t)(sects ? sects : BOOT_DEFAULT_SETUP_SECTS);
	/* At least 2 sectors (0x400 bytes): the header, ending by 0x301, always fits in them. */
	k->setup_size = ((size_t)k->setup_sects + 1) * BOOT_SECTOR_SIZE;
	if (size < k->setup_size)
		return refuse(why, why_len, "setup_sects %u needs 0x%zx bytes but the image has only 0x%zx",
			      k->setup_sects, k->setup_size, size);
	if (size == k->setup_size)
		return refuse(why, why_len, "protected-mode part is empty (setup_sects %u covers all 0x%zx bytes)",
			      k->setup_sects, size);
	k->pm_offset = k->setup_size;
	k->pm_size = size - k->setup_size;
	return 0;
}

/* The flags that make the 64-bit, relocatable, loaded-high entry legal. */
static int check_flags(const uint8_t *p, struct bzimage_info *k, char *why, size_t why_len)
{
	k->loadflags = p[HDR(loadflags)];
	k->xloadflags = (uint16_t)get_le(p, HDR(xloadflags), 2);
	if (!(k->loadflags & LOADED_HIGH))
		return refuse(why, why_len, "loadflags 0x%02x lack LOADED_HIGH: not a bzImage", k->loadflags);
	if (!p[HDR(relocatable_kernel)])
		return refuse(why, why_len, "relocatable_kernel is 0: the kernel cannot be placed by Basalt");
	if (!(k->xloadflags & XLF_KERNEL_64))
		return refuse(why, why_len, "xloadflags 0x%04x lack XLF_KERNEL_64: no 64-bit entry", k->xloadflags);
	k->kernel_alignment = get_le(p, HDR(kernel_alignment), 4);
	if (!is_pow2(k->kernel_alignment) || k->kernel_alignment < BZIMAGE_MIN_ALIGNMENT ||
	    k->kernel_alignment > BZIMAGE_MAX_ALIGNMENT)
		return refuse(why, why_len, "kernel_alignment 0x%x is not a power of two in [4 KiB, 1 GiB]",
			      k->kernel_alignment);
	return 0;
}

/* Sizes that the layout is computed from: they must describe the file and a plausible kernel. */
static int check_sizes(const uint8_t *p, struct bzimage_info *k, char *why, size_t why_len)
{
	k->payload_offset = get_le(p, HDR(payload_offset), 4);
	k->payload_length = get_le(p, HDR(payload_length), 4);
	if (k->payload_offset > k->pm_size || k->payload_length > k->pm_size - k->payload_offset)
		return refuse(why, why_len, "payload [0x%x, +0x%x) lies outside the 0x%zx-byte protected-mode part",
			      k->payload_offset, k->payload_length, k->pm_size);
	k->init_size = get_le(p, HDR(init_size), 4);
	if (k->init_size < k->pm_size || k->init_size >= BZIMAGE_MAX_INIT_SIZE)
		return refuse(why, why_len, "init_size 0x%x is not in [0x%zx (protected-mode part), 1 GiB)",
			      k->init_size, k->pm_size);
	k->cmdline_size = get_le(p, HDR(cmdline_size), 4);
	if (k->cmdline_size == 0)
		return refuse(why, why_len, "cmdline_size is 0: no room for a command line");
	k->initrd_addr_max = get_le(p, HDR(initrd_addr_max), 4);
	if (k->initrd_addr_max < 0x100000)
		return refuse(why, why_len, "initrd_addr_max 0x%x is below 1 MiB", k->initrd_addr_max);
	k->pref_address = get_le64(p, HDR(pref_address));
	k->version = (uint16_t)get_le(p, HDR(version), 2);
	return 0;
}

/* The human-readable version string: optional, only ever read inside the setup area. */
static void copy_version(const uint8_t *p, struct bzimage_info *k)
{
	size_t off = get_le(p, HDR(kernel_version), 2);
	size_t n = 0;

	k->kernel_version[0] = '\0';
	if (off == 0)
		return;
	off += 0x200;
	while (off + n < k->setup_size && n + 1 < sizeof(k->kernel_version) && p[off + n] >= 0x20 &&
	       p[off + n] < 0x7f) {
		k->kernel_version[n] = (char)p[off + n];
		n++;
	}
	k->kernel_version[n] = '\0';
}

int bzimage_parse(const void *image, size_t size, struct bzimage_info *out, char *why, size_t why_len)
{
	const uint8_t *p = image;
	struct bzimage_info k;
	int rc;

	if (why && why_len)
		why[0] = '\0';
	if (!image)
		return refuse(why, why_len, "no image");
	memset(&k, 0, sizeof(k));
	rc = check_identity(p, size, why, why_len);
	if (!rc)
		rc = check_extent(p, size, &k, why, why_len);
	if (!rc)
		rc = check_flags(p, &k, why, why_len);
	if (!rc)
		rc = check_sizes(p, &k, why, why_len);
	if (rc)
		return rc;
	copy_version(p, &k);
	*out = k;
	return 0;
}
