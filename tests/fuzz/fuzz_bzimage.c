/* SPDX-License-Identifier: MIT */
/* libFuzzer target: any bytes as a bzImage; on success the layout, e820 map, tables and zero page must hold up. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/bzimage.h"
#include "kernel/e820.h"
#include "kernel/errno.h"
#include "kernel/linux_loader.h"
#include "tests/fuzz/fuzz_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MiB (1ull << 20)

static void check_reason(const char *why, size_t len)
{
	CHECK(memchr(why, '\0', len) != NULL);
	CHECK(why[0] != '\0');
}

static void check_info(const struct bzimage_info *k, size_t size)
{
	CHECK(k->version >= BZIMAGE_MIN_VERSION);
	CHECK(k->setup_sects >= 1 && k->setup_size == ((size_t)k->setup_sects + 1) * 512);
	CHECK(k->pm_offset == k->setup_size && k->pm_size > 0 && k->pm_offset + k->pm_size == size);
	CHECK(k->header_end >= BOOT_HDR_END && k->header_end <= k->setup_size);
	CHECK(k->kernel_alignment >= 4096 && !(k->kernel_alignment & (k->kernel_alignment - 1)));
	CHECK(k->init_size >= k->pm_size && k->init_size < BZIMAGE_MAX_INIT_SIZE);
	CHECK(k->payload_offset <= k->pm_size && k->payload_length <= k->pm_size - k->payload_offset);
	CHECK(k->cmdline_size > 0 && (k->xloadflags & XLF_KERNEL_64) && (k->loadflags & LOADED_HIGH));
	CHECK(memchr(k->kernel_version, '\0', sizeof(k->kernel_version)) != NULL);
}

static int overlap(uint64_t a, uint64_t a_size, uint64_t b, uint64_t b_size)
{
	return a_size && b_size && a < b + b_size && b < a + a_size;
}

static void check_layout(const struct bzimage_info *k, uint64_t ram, size_t initrd, const struct linux_layout *l)
{
	CHECK(l->kernel_gpa % k->kernel_alignment == 0 && l->kernel_gpa >= MiB);
	CHECK(l->kernel_end == l->kernel_gpa + k->init_size && l->kernel_end <= ram);
	CHECK(l->kernel_end <= l->ident_map_end && l->entry == l->kernel_gpa + 0x200);
	CHECK(l->initrd_size == initrd);
	if (initrd) {
		CHECK(l->initrd_gpa % 4096 == 0 && l->initrd_gpa >= LINUX_LOW_END);
		CHECK(l->initrd_gpa + initrd <= ram && l->initrd_gpa + initrd - 1 <= k->initrd_addr_max);
		CHECK(!overlap(l->initrd_gpa, initrd, l->kernel_gpa, k->init_size));
	}
	CHECK(l->cmdline_len <= k->cmdline_size && l->cmdline_gpa + l->cmdline_len < LINUX_LOW_END);
}

/* Everything downstream of a successful plan: e820 for that RAM, zero page, boot tables. */
static void check_boot_data(const uint8_t *img, const struct bzimage_info *k, uint64_t ram,
			    const struct linux_layout *l)
{
	static struct boot_params bp;
	static uint8_t low[LINUX_TABLES_END];
	struct e820_entry map[E820_MAX_ENTRIES_ZEROPAGE];
	struct e820_ram r = { 0, ram };
	int n = e820_build(&r, 1, NULL, 0, map, E820_MAX_ENTRIES_ZEROPAGE);

	CHECK(n >= 2 && n <= 3);
	CHECK(linux_fill_boot_params(&bp, img, k, l, map, (unsigned)n) == 0);
	CHECK(bp.hdr.boot_flag == BOOT_FLAG_MAGIC && bp.hdr.header == BOOT_HDR_MAGIC && bp.sentinel == 0);
	CHECK(bp.hdr.ramdisk_image == (uint32_t)l->initrd_gpa && bp.e820_entries == n);
	CHECK(bp.hdr.type_of_loader == BOOT_LOADER_UNDEFINED && bp.hdr.cmd_line_ptr == LINUX_CMDLINE_GPA);
	CHECK(linux_build_boot_tables(low, sizeof(low), l) == 0);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* The plan's other inputs come from the boot sector's first bytes, which the parser never reads. */
static void plan_all(const uint8_t *img, const struct bzimage_info *k)
{
	uint64_t rams[2] = { 256 * MiB, (16 + get32(img) % 16384) * MiB + (get32(img + 4) & 0xfff) };
	size_t initrd = get32(img + 8) % (512 * MiB);
	size_t cmdline = get32(img + 12) % 0x9000;
	char why[160];

	for (unsigned i = 0; i < 2; i++) {
		struct linux_layout l;
		int rc = linux_plan(k, rams[i], initrd, cmdline, &l, why, sizeof(why));

		CHECK(rc == 0 || rc == -E2BIG || rc == -EINVAL);
		if (rc) {
			check_reason(why, sizeof(why));
			continue;
		}
		check_layout(k, rams[i], initrd, &l);
		check_boot_data(img, k, rams[i], &l);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *img = malloc(size ? size : 1); /* exactly size bytes: ASan sees any read past the end */
	struct bzimage_info k;
	char why[160];
	int rc;

	if (!img)
		return 0;
	memcpy(img, data, size);
	rc = bzimage_parse(img, size, &k, why, sizeof(why));
	CHECK(rc == 0 || rc == -EINVAL);
	if (rc) {
		check_reason(why, sizeof(why));
	} else {
		check_info(&k, size);
		plan_all(img, &k);
	}
	free(img);
	return 0;
}
