/* SPDX-License-Identifier: MIT */
/* Unit tests for the Linux boot layout, boot tables and zero page (and Debian's kernel end to end if cached). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kernel/e820.h"
#include "kernel/errno.h"
#include "kernel/linux_loader.h"

#define KiB (1ull << 10)
#define MiB (1ull << 20)
#define GiB (1ull << 30)

static char why[256];

/* The numbers of Debian's 6.1.0-56-amd64 bzImage, as bzimage_parse reports them. */
static struct bzimage_info debian_like(void)
{
	struct bzimage_info k = {
		.version = 0x020f, .setup_sects = 39, .loadflags = LOADED_HIGH, .xloadflags = 0x7f,
		.header_end = BOOT_HDR_END, .setup_size = 0x5000, .pm_offset = 0x5000, .pm_size = 0x7d87c0,
		.pref_address = 0x1000000, .kernel_alignment = 0x200000, .init_size = 0x3f98000,
		.initrd_addr_max = 0x7fffffff, .cmdline_size = 2047, .payload_offset = 0x2cc,
		.payload_length = 0x7bf070,
	};
	return k;
}

static void expect_why(const char *needle)
{
	if (!strstr(why, needle))
		fail_msg("reason \"%s\" lacks \"%s\"", why, needle);
}

static int ranges_overlap(uint64_t a, uint64_t a_size, uint64_t b, uint64_t b_size)
{
	return a_size && b_size && a < b + b_size && b < a + a_size;
}

/* Everything a correct plan guarantees, whatever the inputs were. */
static void check_invariants(const struct bzimage_info *k, uint64_t ram, size_t initrd, size_t cmdline,
			     const struct linux_layout *l)
{
	uint64_t kernel_area = l->kernel_end - l->kernel_gpa;

	assert_int_equal(l->kernel_gpa % k->kernel_alignment, 0);
	assert_true(l->kernel_gpa >= k->pref_address && l->kernel_gpa >= MiB);
	assert_int_equal(kernel_area, k->init_size);
	assert_true(l->kernel_size <= kernel_area);
	assert_true(l->kernel_end <= ram && l->kernel_end <= l->ident_map_end);
	assert_int_equal(l->entry, l->kernel_gpa + 0x200);
	assert_int_equal(l->initrd_size, initrd);
	if (initrd) {
		assert_int_equal(l->initrd_gpa % 4096, 0);
		assert_true(l->initrd_gpa + initrd <= ram);
		assert_true(l->initrd_gpa + initrd - 1 <= k->initrd_addr_max);
		assert_false(ranges_overlap(l->initrd_gpa, initrd, l->kernel_gpa, kernel_area));
		assert_true(l->initrd_gpa >= LINUX_LOW_END);
	} else {
		assert_int_equal(l->initrd_gpa, 0);
	}
	assert_int_equal(l->cmdline_len, cmdline);
	assert_true(l->cmdline_gpa >= LINUX_TABLES_END && l->cmdline_gpa + cmdline + 1 <= LINUX_LOW_END);
	assert_false(ranges_overlap(l->boot_params_gpa, 4096, l->cmdline_gpa, cmdline + 1));
	assert_false(ranges_overlap(l->boot_params_gpa, 4096, 0, LINUX_TABLES_END));
	assert_true(l->ident_map_end >= (ram < 4 * GiB ? ram : 4 * GiB));
}

/* ---- linux_plan ----------------------------------------------------------------------------- */

static void test_plan_debian_256m(void **state)
{
	struct bzimage_info k = debian_like();
	struct linux_layout l;

	(void)state;
	assert_int_equal(linux_plan(&k, 256 * MiB, 1031166, 40, &l, why, sizeof(why)), 0);
	check_invariants(&k, 256 * MiB, 1031166, 40, &l);
	assert_int_equal(l.kernel_gpa, 0x1000000);
	assert_int_equal(l.entry, 0x1000200);
	assert_int_equal(l.kernel_end, 0x4f98000);
	assert_int_equal(l.initrd_gpa, (256 * MiB - 1031166) & ~0xfffull);
	assert_int_equal(l.boot_params_gpa, 0x7000);
	assert_int_equal(l.cmdline_gpa, 0x8000);
	assert_int_equal(l.cr3, 0x1000);
	assert_int_equal(l.stack_top, 0x1000);
	assert_int_equal(l.gdt_gpa, 0x500);
	assert_int_equal(l.gdt_limit, 47);
	assert_int_equal(l.cs, 0x10);
	assert_int_equal(l.ds, 0x18);
	assert_int_equal(l.tr, 0x20);
	assert_int_equal(l.ident_map_end, 256 * MiB);
}

static void test_plan_initrd_under_addr_max(void **state)
{
	struct bzimage_info k = debian_like();
	struct linux_layout l;

	(void)state;
	assert_int_equal(linux_plan(&k, 3 * GiB, 20 * MiB, 0, &l, why, sizeof(why)), 0);
	check_invariants(&k, 3 * GiB, 20 * MiB, 0, &l);
	assert_int_equal(l.initrd_gpa + l.initrd_size, 2 * GiB); /* initrd_addr_max + 1, not the top of RAM */
	assert_int_equal(linux_plan(&k, 8 * GiB, 20 * MiB, 0, &l, why, sizeof(why)), 0);
	check_invariants(&k, 8 * GiB, 20 * MiB, 0, &l);
	assert_int_equal(l.ident_map_end, 4 * GiB);
	k.initrd_addr_max = 0xffffffff;
	assert_int_equal(linux_plan(&k, 8 * GiB, 20 * MiB, 0, &l, why, sizeof(why)), 0);
	assert_int_equal(l.initrd_gpa + l.initrd_size, 4 * GiB);
}

static void test_plan_too_small_ram(void **state)
{
	struct bzimage_info k = debian_like();
	struct linux_layout l;

	(void)state;
	memset(&l, 0x5a, sizeof(l));
	assert_int_equal(linux_plan(&k, 64 * MiB, 0, 0, &l, why, sizeof(why)), -E2BIG);
	expect_why("64 MiB of RAM is too small: the kernel needs [0x1000000, 0x4f98000) (init_size 0x3f98000)");
	assert_int_equal(((uint8_t *)&l)[0], 0x5a); /* untouched on failure */
	assert_int_equal(linux_plan(&k, 0x4f98000, 0, 0, &l, why, sizeof(why)), 0); /* exactly enough */
	assert_int_equal(linux_plan(&k, 0x4f97fff, 0, 0, &l, why, sizeof(why)), -E2BIG);
	assert_int_equal(linux_plan(&k, 0, 0, 0, &l, why, sizeof(why)), -E2BIG);
}

static void test_plan_initrd_does_not_fit(void **state)
{
	struct bzimage_info k = debian_like();
	struct linux_layout l;

	(void)state;
	assert_int_equal(linux_plan(&k, 128 * MiB, 60 * MiB, 0, &l, why, sizeof(why)), -E2BIG);
	expect_why("initrd of 62914560 bytes does not fit between the kernel's end 0x4f98000 and 0x8000000");
	assert_int_equal(linux_plan(&k, 128 * MiB, 128 * MiB + 1, 0, &l, why, sizeof(why)), -E2BIG);
	/* Just enough room: the initrd ends at the top and starts right at the kernel's end. */
	assert_int_equal(linux_plan(&k, 128 * MiB, 128 * MiB - 0x4f98000, 0, &l, why, sizeof(why)), 0);
	assert_int_equal(l.initrd_gpa, 0x4f98000);
	assert_int_equal(linux_plan(&k, 128 * MiB, 128 * MiB - 0x4f98000 + 1, 0, &l, why, sizeof(why)), -E2BIG);
}

static void test_plan_cmdline_limits(void **state)
{
	struct bzimage_info k = debian_like();
	struct linux_layout l;

	(void)state;
	assert_int_equal(linux_plan(&k, 256 * MiB, 0, 2047, &l, why, sizeof(why)), 0);
	assert_int_equal(linux_plan(&k, 256 * MiB, 0, 2048, &l, why, sizeof(why)), -E2BIG);
	expect_why("command line of 2048 bytes exceeds the kernel's cmdline_size 2047");
	k.cmdline_size = 0xffffffff;
	assert_int_equal(linux_plan(&k, 256 * MiB, 0, LINUX_CMDLINE_MAX - 1, &l, why, sizeof(why)), 0);
	check_invariants(&k, 256 * MiB, 0, LINUX_CMDLINE_MAX - 1, &l);
	assert_int_equal(linux_plan(&k, 256 * MiB, 0, LINUX_CMDLINE_MAX, &l, why, sizeof(why)), -E2BIG);
	expect_why("exceeds Basalt's 32767-byte buffer");
}

static void test_plan_alignment_rules(void **state)
{
	struct bzimage_info k = debian_like();
	struct linux_layout l;

	(void)state;
	k.pref_address = 0x1100000; /* not aligned: rounded up */
	assert_int_equal(linux_plan(&k, 256 * MiB, 0, 0, &l, why, sizeof(why)), 0);
	assert_int_equal(l.kernel_gpa, 0x1200000);
	k.pref_address = 0; /* below 1 MiB: never into the legacy area */
	assert_int_equal(linux_plan(&k, 256 * MiB, 0, 0, &l, why, sizeof(why)), 0);
	assert_int_equal(l.kernel_gpa, 0x200000);
	k.kernel_alignment = 0x1000;
	assert_int_equal(linux_plan(&k, 256 * MiB, 0, 0, &l, why, sizeof(why)), 0);
	assert_int_equal(l.kernel_gpa, 0x100000);
	k.pref_address = 1ull << 60;
	assert_int_equal(linux_plan(&k, 256 * MiB, 0, 0, &l, why, sizeof(why)), -EINVAL);
	expect_why("pref_address 0x1000000000000000 is beyond any guest memory");
	assert_int_equal(linux_plan(NULL, 256 * MiB, 0, 0, &l, why, sizeof(why)), -EINVAL);
	assert_int_equal(linux_plan(&k, 1ull << 62, 0, 0, &l, NULL, 0), -EINVAL);
}

static void test_plan_kernel_above_4g_refused(void **state)
{
	struct bzimage_info k = debian_like();
	struct linux_layout l;

	(void)state;
	k.pref_address = 4 * GiB - 32 * MiB; /* its init_size area would cross what the tables map */
	assert_int_equal(linux_plan(&k, 8 * GiB, 0, 0, &l, why, sizeof(why)), -E2BIG);
	expect_why("above the 4 GiB the boot tables map");
}

/* Many RAM sizes (odd ones too) and initrd sizes: every success keeps every invariant. */
static void test_plan_sweep(void **state)
{
	static const uint64_t rams[] = { 80 * MiB, 96 * MiB + 4095, 100 * MiB + 12345, 256 * MiB, 1 * GiB + 1,
					 2 * GiB, 3 * GiB + 7 * MiB, 4 * GiB, 6 * GiB };
	static const size_t initrds[] = { 0, 1, 4095, 4096, 4097, 1031166, 16 * MiB, 300 * MiB, 2 * GiB };
	unsigned ok = 0;

	(void)state;
	for (unsigned alignment = 0x1000; alignment <= 0x1000000; alignment <<= 4) {
		struct bzimage_info k = debian_like();

		k.kernel_alignment = alignment;
		for (unsigned r = 0; r < sizeof(rams) / sizeof(rams[0]); r++)
			for (unsigned i = 0; i < sizeof(initrds) / sizeof(initrds[0]); i++) {
				struct linux_layout l;
				int rc = linux_plan(&k, rams[r], initrds[i], 100, &l, why, sizeof(why));

				if (rc == 0) {
					check_invariants(&k, rams[r], initrds[i], 100, &l);
					ok++;
				} else {
					assert_int_equal(rc, -E2BIG);
					assert_true(strlen(why) > 0);
				}
			}
	}
	assert_true(ok > 100);
}

/* ---- boot tables ---------------------------------------------------------------------------- */

static uint64_t get64(const uint8_t *low, uint64_t off)
{
	uint64_t v;

	memcpy(&v, low + off, sizeof(v));
	return v;
}

/* Walks the 4-level tables in the buffer; returns the physical address or ~0 if not mapped. */
static uint64_t translate(const uint8_t *low, uint64_t va)
{
	uint64_t pml4e = get64(low, 0x1000 + ((va >> 39) & 511) * 8), pdpte, pde;

	if (!(pml4e & 1) || (pml4e & ~0xfffull) + 4096 > LINUX_TABLES_END)
		return ~0ull;
	pdpte = get64(low, (pml4e & ~0xfffull) + ((va >> 30) & 511) * 8);
	if (!(pdpte & 1) || (pdpte & ~0xfffull) + 4096 > LINUX_TABLES_END)
		return ~0ull;
	pde = get64(low, (pdpte & ~0xfffull) + ((va >> 21) & 511) * 8);
	if (!(pde & 1) || !(pde & 0x80))
		return ~0ull;
	return (pde & 0x000fffffffe00000ull) | (va & 0x1fffff);
}

static void test_boot_tables(void **state)
{
	static uint8_t low[LINUX_TABLES_END];
	struct bzimage_info k = debian_like();
	struct linux_layout l;

	(void)state;
	assert_int_equal(linux_plan(&k, 256 * MiB + 4096, 1 * MiB, 10, &l, why, sizeof(why)), 0);
	memset(low, 0xcc, sizeof(low));
	assert_int_equal(linux_build_boot_tables(low, sizeof(low), &l), 0);
	assert_int_equal(get64(low, 0x500), 0);
	assert_int_equal(get64(low, 0x508), 0);
	assert_int_equal(get64(low, 0x510), 0x00af9b000000ffffull); /* __BOOT_CS: 64-bit, execute/read */
	assert_int_equal(get64(low, 0x518), 0x00cf93000000ffffull); /* __BOOT_DS: flat read/write */
	assert_int_equal(get64(low, 0x520), 0x00008b0006000067ull); /* busy 64-bit TSS at 0x600 */
	assert_int_equal(get64(low, 0x528), 0);
	assert_int_equal(get64(low, 0), 0); /* no EBDA pointer, no stale bytes */
	assert_int_equal(get64(low, 0x1000), 0x2003);
	assert_int_equal(get64(low, 0x2000), 0x3003);
	assert_int_equal(get64(low, 0x2008), 0); /* only the first GiB is needed */
	assert_int_equal(get64(low, 0x3000 + 128 * 8), 0x10000083ull); /* RAM's odd tail: its 2 MiB page */
	assert_int_equal(get64(low, 0x3000 + 129 * 8), 0);
	{
		uint64_t probes[] = { 0, l.boot_params_gpa, l.cmdline_gpa, l.kernel_gpa, l.entry, l.kernel_end - 1,
				      l.initrd_gpa, l.initrd_gpa + l.initrd_size - 1, 256 * MiB + 4095 };

		for (unsigned i = 0; i < sizeof(probes) / sizeof(probes[0]); i++)
			assert_int_equal(translate(low, probes[i]), probes[i]);
	}
	assert_int_equal(linux_build_boot_tables(low, sizeof(low) - 1, &l), -EINVAL);
}

static void test_boot_tables_4g(void **state)
{
	static uint8_t low[LINUX_TABLES_END];
	struct bzimage_info k = debian_like();
	struct linux_layout l;

	(void)state;
	assert_int_equal(linux_plan(&k, 16 * GiB, 0, 0, &l, why, sizeof(why)), 0);
	assert_int_equal(linux_build_boot_tables(low, sizeof(low), &l), 0);
	for (unsigned i = 0; i < 4; i++)
		assert_int_equal(get64(low, 0x2000 + i * 8), (0x3000 + i * 0x1000) | 3);
	assert_int_equal(translate(low, 4 * GiB - 1), 4 * GiB - 1);
	assert_int_equal(translate(low, 4 * GiB), ~0ull);
}

/* ---- the zero page -------------------------------------------------------------------------- */

#define IMG_SETUP 0xa00
#define IMG_SIZE (IMG_SETUP + 0x4000)

static uint8_t *synthetic_image(void)
{
	static uint8_t img[IMG_SIZE];
	struct setup_header h = {
		.setup_sects = 4, .boot_flag = BOOT_FLAG_MAGIC, .jump = { 0xeb, BOOT_HDR_END - 0x202 },
		.header = BOOT_HDR_MAGIC, .version = 0x020f, .type_of_loader = 0x00,
		.loadflags = LOADED_HIGH | QUIET_FLAG | KEEP_SEGMENTS, .vid_mode = 0xffff,
		.initrd_addr_max = 0x7fffffff, .kernel_alignment = 0x200000, .relocatable_kernel = 1,
		.min_alignment = 21, .xloadflags = XLF_KERNEL_64, .cmdline_size = 0x7ff,
		.payload_offset = 0x100, .payload_length = 0x1000, .setup_data = 0x1234,
		.pref_address = 0x1000000, .init_size = 0x800000, .handover_offset = 0x190,
		.kernel_info_offset = 0x4321,
	};

	memset(img, 0x77, sizeof(img)); /* junk everywhere else: it must not reach the zero page */
	memcpy(img + BOOT_HDR_OFFSET, &h, sizeof(h));
	img[0x1ef] = 0xff;
	return img;
}

/* Zero everywhere the loader writes nothing (before the header: acpi_rsdp_addr and e820_entries). */
static void expect_zero_elsewhere(const struct boot_params *bp, unsigned e820_entries)
{
	const uint8_t *b = (const uint8_t *)bp;

	for (size_t i = 0; i < BOOT_HDR_OFFSET; i++)
		if ((i < 0x70 || i >= 0x78) && i != 0x1e8)
			assert_int_equal(b[i], 0);
	for (size_t i = BOOT_HDR_END; i < 0x2d0; i++)
		assert_int_equal(b[i], 0);
	for (size_t i = 0x2d0 + e820_entries * 20; i < sizeof(*bp); i++)
		assert_int_equal(b[i], 0);
}

static void test_fill_boot_params(void **state)
{
	static struct boot_params bp;
	const uint8_t *img = synthetic_image();
	struct e820_ram ram = { 0, 256 * MiB };
	struct e820_entry map[E820_MAX_ENTRIES_ZEROPAGE];
	struct bzimage_info k;
	struct linux_layout l;
	int n;

	(void)state;
	assert_int_equal(bzimage_parse(img, IMG_SIZE, &k, why, sizeof(why)), 0);
	assert_int_equal(linux_plan(&k, 256 * MiB, 3 * MiB + 5, 12, &l, why, sizeof(why)), 0);
	n = e820_build(&ram, 1, NULL, 0, map, E820_MAX_ENTRIES_ZEROPAGE);
	assert_int_equal(n, 3);
	l.acpi_rsdp_gpa = 0xf0000;
	memset(&bp, 0xee, sizeof(bp));
	assert_int_equal(linux_fill_boot_params(&bp, img, &k, &l, map, (unsigned)n), 0);

	assert_int_equal(bp.sentinel, 0);
	assert_int_equal(bp.hdr.header, BOOT_HDR_MAGIC);
	assert_int_equal(bp.hdr.version, 0x020f);
	assert_int_equal(bp.hdr.vid_mode, 0xffff);
	assert_int_equal(bp.hdr.handover_offset, 0x190);
	assert_int_equal(bp.hdr.kernel_info_offset, 0x4321);
	assert_int_equal(bp.hdr.init_size, 0x800000);
	assert_int_equal(bp.hdr.type_of_loader, 0xff);
	assert_int_equal(bp.hdr.loadflags, LOADED_HIGH | CAN_USE_HEAP);
	assert_int_equal(bp.hdr.heap_end_ptr, 0xfe00);
	assert_int_equal(bp.hdr.setup_data, 0);
	assert_int_equal(bp.hdr.ramdisk_image, l.initrd_gpa);
	assert_int_equal(bp.hdr.ramdisk_size, 3 * MiB + 5);
	assert_int_equal(bp.hdr.cmd_line_ptr, 0x8000);
	assert_int_equal(bp.ext_ramdisk_image, 0);
	assert_int_equal(bp.ext_ramdisk_size, 0);
	assert_int_equal(bp.ext_cmd_line_ptr, 0);
	assert_int_equal(bp.acpi_rsdp_addr, 0xf0000);
	assert_int_equal(bp.e820_entries, 3);
	assert_memory_equal(bp.e820_table, map, 3 * sizeof(map[0]));
	expect_zero_elsewhere(&bp, 3);
}

static void test_fill_boot_params_high_and_errors(void **state)
{
	static struct boot_params bp;
	const uint8_t *img = synthetic_image();
	struct e820_entry map[E820_MAX_ENTRIES_ZEROPAGE + 1];
	struct bzimage_info k;
	struct linux_layout l;

	(void)state;
	memset(map, 0, sizeof(map));
	assert_int_equal(bzimage_parse(img, IMG_SIZE, &k, why, sizeof(why)), 0);
	assert_int_equal(linux_plan(&k, 256 * MiB, 0, 0, &l, why, sizeof(why)), 0);
	l.initrd_gpa = 4 * GiB + 4096; /* a hand-made layout with the initrd above 4 GiB */
	l.initrd_size = 0x100000000ull + 16;
	assert_int_equal(linux_fill_boot_params(&bp, img, &k, &l, map, 1), -EINVAL); /* no XLF_..._ABOVE_4G */
	k.xloadflags |= XLF_CAN_BE_LOADED_ABOVE_4G;
	assert_int_equal(linux_fill_boot_params(&bp, img, &k, &l, map, 1), 0);
	assert_int_equal(bp.hdr.ramdisk_image, 4096);
	assert_int_equal(bp.ext_ramdisk_image, 1);
	assert_int_equal(bp.hdr.ramdisk_size, 16);
	assert_int_equal(bp.ext_ramdisk_size, 1);
	assert_int_equal(linux_fill_boot_params(&bp, img, &k, &l, map, E820_MAX_ENTRIES_ZEROPAGE), 0);
	assert_int_equal(bp.e820_entries, 128);
	assert_int_equal(linux_fill_boot_params(&bp, img, &k, &l, map, E820_MAX_ENTRIES_ZEROPAGE + 1), -E2BIG);
	assert_int_equal(linux_fill_boot_params(&bp, NULL, &k, &l, map, 1), -EINVAL);
	assert_int_equal(linux_fill_boot_params(&bp, img, &k, &l, NULL, 1), -EINVAL);
}

/* ---- Debian's kernel, end to end ------------------------------------------------------------ */

static uint8_t *read_file(const char *path, size_t *size)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	long n;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) > 0 && fseek(f, 0, SEEK_SET) == 0) {
		buf = malloc((size_t)n);
		if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
			free(buf);
			buf = NULL;
		}
		*size = (size_t)n;
	}
	fclose(f);
	return buf;
}

static void test_debian_end_to_end(void **state)
{
	static struct boot_params bp;
	struct e820_ram ram = { 0, 256 * MiB };
	struct e820_entry map[E820_MAX_ENTRIES_ZEROPAGE];
	struct bzimage_info k;
	struct linux_layout l;
	size_t size, initrd_size = 0;
	uint8_t *image = read_file("build/linux/vmlinuz", &size);
	uint8_t *initrd = read_file("build/linux/initrd.cpio.gz", &initrd_size);
	const char *cmdline = "console=ttyS0 earlyprintk=serial panic=-1";
	int n;

	(void)state;
	free(initrd);
	if (!image) {
		print_message("build/linux/vmlinuz not found (tools/build-linux-guest.sh makes it): skipped\n");
		skip();
	}
	assert_int_equal(bzimage_parse(image, size, &k, why, sizeof(why)), 0);
	assert_int_equal(linux_plan(&k, 256 * MiB, initrd_size, strlen(cmdline), &l, why, sizeof(why)), 0);
	check_invariants(&k, 256 * MiB, initrd_size, strlen(cmdline), &l);
	n = e820_build(&ram, 1, NULL, 0, map, E820_MAX_ENTRIES_ZEROPAGE);
	assert_int_equal(linux_fill_boot_params(&bp, image, &k, &l, map, (unsigned)n), 0);
	assert_memory_equal((uint8_t *)&bp + 0x1f1, image + 0x1f1, 0x210 - 0x1f1); /* header copied */
	print_message("256 MiB: kernel [0x%llx, 0x%llx) entry 0x%llx, initrd %zu bytes at 0x%llx, "
		      "boot_params 0x%llx, cmdline 0x%llx, e820 %d entries\n",
		      (unsigned long long)l.kernel_gpa, (unsigned long long)l.kernel_end, (unsigned long long)l.entry,
		      initrd_size, (unsigned long long)l.initrd_gpa, (unsigned long long)l.boot_params_gpa,
		      (unsigned long long)l.cmdline_gpa, n);
	assert_int_equal(linux_plan(&k, 64 * MiB, initrd_size, 10, &l, why, sizeof(why)), -E2BIG);
	print_message("64 MiB: %s\n", why);
	free(image);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plan_debian_256m),
		cmocka_unit_test(test_plan_initrd_under_addr_max),
		cmocka_unit_test(test_plan_too_small_ram),
		cmocka_unit_test(test_plan_initrd_does_not_fit),
		cmocka_unit_test(test_plan_cmdline_limits),
		cmocka_unit_test(test_plan_alignment_rules),
		cmocka_unit_test(test_plan_kernel_above_4g_refused),
		cmocka_unit_test(test_plan_sweep),
		cmocka_unit_test(test_boot_tables),
		cmocka_unit_test(test_boot_tables_4g),
		cmocka_unit_test(test_fill_boot_params),
		cmocka_unit_test(test_fill_boot_params_high_and_errors),
		cmocka_unit_test(test_debian_end_to_end),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
