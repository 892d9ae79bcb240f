/* SPDX-License-Identifier: MIT */
/* Unit tests for the multiboot v1 parser: header search, flags, a.out kludge, ELF32, hostile addresses, info. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kernel/errno.h"
#include "kernel/multiboot.h"

#define MiB (1ull << 20)
#define GiB (1ull << 30)
#define RAM (64 * MiB)

static uint8_t img[64 * 1024];
static struct mb_image k;
static char why[160];

static void put32(size_t off, uint32_t v)
{
	memcpy(img + off, &v, 4);
}

/* A header at off with flags and a matching checksum; the address fields follow when given. */
static void put_header(size_t off, uint32_t flags)
{
	put32(off, MB_HEADER_MAGIC);
	put32(off + 4, flags);
	put32(off + 8, (uint32_t)0 - MB_HEADER_MAGIC - flags);
}

static void put_addrs(size_t off, uint32_t header, uint32_t load, uint32_t load_end, uint32_t bss_end, uint32_t entry)
{
	put32(off + 12, header);
	put32(off + 16, load);
	put32(off + 20, load_end);
	put32(off + 24, bss_end);
	put32(off + 28, entry);
}

/* An a.out-kludge image of `size` bytes with its header at offset 0, loaded at load. */
static size_t aout(uint32_t load, size_t size, uint32_t load_end, uint32_t bss_end, uint32_t entry)
{
	memset(img, 0, sizeof(img));
	put_header(0, MB_HF_ADDRESSES | MB_HF_PAGE_ALIGN | MB_HF_MEMORY_INFO);
	put_addrs(0, load, load, load_end, bss_end, entry);
	return size;
}

static int parse(size_t size)
{
	why[0] = '\0';
	return mb_parse(img, size, RAM, &k, why, sizeof(why));
}

static void expect_refused(size_t size, int err, const char *text)
{
	int rc = parse(size);

	if (rc != err || !strstr(why, text))
		fail_msg("got %d \"%s\"; expected %d with \"%s\"", rc, why, err, text);
}

/* ---- header search, checksum, flags ---- */

static void test_no_header(void **state)
{
	(void)state;
	memset(img, 0, sizeof(img));
	expect_refused(4096, -EINVAL, "no multiboot header");
	expect_refused(0, -EINVAL, "no multiboot header");
	/* Past the first 8 KiB or unaligned, a header does not count. */
	put_header(8192, MB_HF_ADDRESSES);
	expect_refused(16384, -EINVAL, "no multiboot header");
	memset(img, 0, sizeof(img));
	put_header(2, MB_HF_ADDRESSES);
	expect_refused(4096, -EINVAL, "no multiboot header");
}

static void test_checksum(void **state)
{
	(void)state;
	aout(0x100000, 4096, 0, 0, 0x100000);
	put32(8, 0x12345678);
	expect_refused(4096, -EINVAL, "checksum is wrong");
	/* A bad candidate is skipped; the next one with a good checksum is the header. */
	put_header(64, MB_HF_ADDRESSES);
	put_addrs(64, 0x100040, 0x100000, 0, 0, 0x100000);
	assert_int_equal(parse(4096), 0);
	assert_int_equal(k.header_offset, 64);
}

static void test_required_flags(void **state)
{
	(void)state;
	for (unsigned bit = 3; bit < 16; bit++) {
		aout(0x100000, 4096, 0, 0, 0x100000);
		put_header(0, MB_HF_ADDRESSES | (1u << bit));
		expect_refused(4096, -ENOTSUP, "does not support");
	}
	/* Bits 17-31 are optional: ignored. */
	aout(0x100000, 4096, 0, 0, 0x100000);
	put_header(0, MB_HF_ADDRESSES | (1u << 20) | MB_HF_PAGE_ALIGN | MB_HF_MEMORY_INFO);
	assert_int_equal(parse(4096), 0);
	assert_false(k.video_ignored);
	/* A video request is noted, not refused: there is no display. */
	put_header(0, MB_HF_ADDRESSES | MB_HF_VIDEO_MODE);
	assert_int_equal(parse(4096), 0);
	assert_true(k.video_ignored);
}

static void test_header_truncated(void **state)
{
	(void)state;
	/* With bit 16 the header is 32 bytes: 12 at the end of the file are not enough. */
	memset(img, 0, sizeof(img));
	put_header(4096 - 12, MB_HF_ADDRESSES);
	expect_refused(4096, -EINVAL, "does not end within");
	/* Nor may it straddle the 8 KiB limit. */
	memset(img, 0, sizeof(img));
	put_header(8192 - 16, MB_HF_ADDRESSES);
	expect_refused(16384, -EINVAL, "does not end within");
	/* The video fields make it 48 bytes. */
	memset(img, 0, sizeof(img));
	put_header(4096 - 32, MB_HF_ADDRESSES | MB_HF_VIDEO_MODE);
	expect_refused(4096, -EINVAL, "does not end within");
}

/* ---- a.out kludge ---- */

static void test_aout_load(void **state)
{
	(void)state;
	aout(0x100000, 8192, 0x101800, 0x104000, 0x100020);
	assert_int_equal(parse(8192), 0);
	assert_true(k.aout_kludge);
	assert_int_equal(k.nr_segments, 1);
	assert_int_equal(k.seg[0].gpa, 0x100000);
	assert_int_equal(k.seg[0].file_offset, 0);
	assert_int_equal(k.seg[0].file_size, 0x1800);
	assert_int_equal(k.seg[0].mem_size, 0x4000);
	assert_int_equal(k.entry, 0x100020);
	assert_int_equal(k.end, 0x104000);
	/* load_end 0: the whole file; bss_end 0: no bss. */
	aout(0x200000, 6000, 0, 0, 0x200000);
	assert_int_equal(parse(6000), 0);
	assert_int_equal(k.seg[0].file_size, 6000);
	assert_int_equal(k.seg[0].mem_size, 6000);
}

static void test_aout_header_not_first(void **state)
{
	(void)state;
	/* The header at file offset 0x100 says it sits at 0x100100: the file starts at load_addr. */
	memset(img, 0, sizeof(img));
	put_header(0x100, MB_HF_ADDRESSES);
	put_addrs(0x100, 0x100100, 0x100000, 0, 0, 0x100000);
	assert_int_equal(parse(4096), 0);
	assert_int_equal(k.seg[0].file_offset, 0);
	/* ... or at 0x100080 with load_addr 0x100000: the load starts 0x80 bytes into the file. */
	put_addrs(0x100, 0x100080, 0x100000, 0, 0, 0x100000);
	assert_int_equal(parse(4096), 0);
	assert_int_equal(k.seg[0].file_offset, 0x80);
	assert_int_equal(k.seg[0].file_size, 4096 - 0x80);
	/* A load_addr that would start before the file's first byte. */
	put_addrs(0x100, 0x100200, 0x100000, 0, 0, 0x100000);
	expect_refused(4096, -EINVAL, "before the file");
}

static void test_aout_bad_fields(void **state)
{
	(void)state;
	aout(0x100000, 4096, 0, 0, 0x100000);
	put_addrs(0, 0x100000, 0x100010, 0, 0, 0x100010);
	expect_refused(4096, -EINVAL, "header_addr 0x100000 is below load_addr");
	aout(0x100000, 4096, 0x100000, 0, 0x100000);
	expect_refused(4096, -EINVAL, "load_end_addr 0x100000 is not above");
	aout(0x100000, 4096, 0x102000, 0, 0x100000);
	expect_refused(4096, -EINVAL, "the file has 0x1000");
	aout(0x100000, 4096, 0x100800, 0x100400, 0x100000);
	expect_refused(4096, -EINVAL, "bss_end_addr 0x100400 is below");
	aout(0x100000, 4096, 0, 0x200000, 0x200000);
	expect_refused(4096, -EINVAL, "entry 0x200000 is outside");
	/* The header must be part of what is loaded. */
	memset(img, 0, sizeof(img));
	put_header(0x800, MB_HF_ADDRESSES);
	put_addrs(0x800, 0x100800, 0x100000, 0x100400, 0, 0x100000);
	expect_refused(4096, -EINVAL, "outside the loaded bytes");
}

static void test_aout_hostile_addresses(void **state)
{
	(void)state;
	aout(0x8000, 4096, 0, 0, 0x8000);
	expect_refused(4096, -EINVAL, "below 0x10000");
	aout(0, 4096, 0, 0, 0);
	expect_refused(4096, -EINVAL, "below 0x10000");
	aout(0x9f000, 4096, 0, 0, 0x9f000);
	expect_refused(4096, -EINVAL, "reserved BIOS area");
	aout(0x80000, 4096, 0, 0x200000, 0x80000); /* the bss runs through the BIOS area */
	expect_refused(4096, -EINVAL, "reserved BIOS area");
	aout((uint32_t)(RAM - 0x800), 4096, 0, 0, (uint32_t)(RAM - 0x800));
	expect_refused(4096, -E2BIG, "beyond guest RAM");
	aout(0x100000, 4096, 0, 0xf0000000, 0x100000);
	expect_refused(4096, -E2BIG, "beyond guest RAM");
	aout(0xfffff800, 4096, 0, 0, 0xfffff800);
	expect_refused(4096, -EINVAL, "below 4 GiB");
	/* Right up to the end of RAM is fine. */
	aout((uint32_t)(RAM - 4096), 4096, 0, 0, (uint32_t)(RAM - 4096));
	assert_int_equal(parse(4096), 0);
	assert_int_equal(k.end, RAM);
}

/* ---- ELF32 ---- */

struct phdr {
	uint32_t type, offset, vaddr, paddr, filesz, memsz, flags, align;
};

/* An ELF32 executable with n program headers at 0x34 and a header at 0x400. */
static void elf(const struct phdr *ph, unsigned n, uint32_t entry)
{
	memset(img, 0, sizeof(img));
	memcpy(img, "\x7f" "ELF\x01\x01\x01", 7);
	img[0x10] = 2;    /* ET_EXEC */
	img[0x12] = 3;    /* EM_386 */
	img[0x14] = 1;
	put32(0x18, entry);
	put32(0x1c, 0x34);
	img[0x2a] = 32;
	img[0x2c] = (uint8_t)n;
	memcpy(img + 0x34, ph, n * sizeof(*ph));
	put_header(0x400, MB_HF_PAGE_ALIGN | MB_HF_MEMORY_INFO);
}

static void test_elf_load(void **state)
{
	const struct phdr ph[] = {
		{ 1, 0x1000, 0xc0100000, 0x100000, 0x800, 0x1000, 5, 0x1000 },
		{ 6, 0, 0, 0, 0, 0, 0, 0 },                           /* PT_PHDR-like: not loaded */
		{ 1, 0x2000, 0xc0200000, 0x200000, 0x100, 0x3000, 6, 0x1000 },
		{ 1, 0x2100, 0xc0300000, 0x300000, 0, 0, 6, 0x1000 }, /* empty: skipped */
	};

	(void)state;
	elf(ph, 4, 0xc0100010);
	assert_int_equal(parse(0x3000), 0);
	assert_false(k.aout_kludge);
	assert_int_equal(k.nr_segments, 2);
	assert_int_equal(k.seg[0].gpa, 0x100000);
	assert_int_equal(k.seg[0].file_offset, 0x1000);
	assert_int_equal(k.seg[0].file_size, 0x800);
	assert_int_equal(k.seg[1].gpa, 0x200000);
	assert_int_equal(k.seg[1].mem_size, 0x3000);
	assert_int_equal(k.entry, 0x100010); /* virtual entry translated through its segment */
	assert_int_equal(k.end, 0x203000);
	/* A physical entry in an identity-mapped kernel. */
	elf((const struct phdr[]){ { 1, 0x1000, 0x100000, 0x100000, 0x100, 0x100, 5, 0 } }, 1, 0x100004);
	assert_int_equal(parse(0x2000), 0);
	assert_int_equal(k.entry, 0x100004);
}

static void test_elf_bad_headers(void **state)
{
	const struct phdr ph = { 1, 0x1000, 0x100000, 0x100000, 0x100, 0x100, 5, 0 };

	(void)state;
	elf(&ph, 1, 0x100000);
	img[0] = 0;
	expect_refused(0x2000, -EINVAL, "neither the address flag");
	elf(&ph, 1, 0x100000);
	img[4] = 2;
	expect_refused(0x2000, -EINVAL, "ELF32");
	elf(&ph, 1, 0x100000);
	img[5] = 2;
	expect_refused(0x2000, -EINVAL, "ELF32");
	elf(&ph, 1, 0x100000);
	img[0x12] = 62;
	expect_refused(0x2000, -EINVAL, "i386 executable");
	elf(&ph, 1, 0x100000);
	img[0x10] = 3;
	expect_refused(0x2000, -EINVAL, "i386 executable");
	elf(&ph, 1, 0x100000);
	img[0x2c] = 0;
	expect_refused(0x2000, -EINVAL, "program headers of");
	elf(&ph, 1, 0x100000);
	img[0x2a] = 40;
	expect_refused(0x2000, -EINVAL, "program headers of");
	elf(&ph, 1, 0x100000);
	put32(0x1c, 0x1ff0);
	expect_refused(0x2000, -EINVAL, "run past the end");
	elf(&ph, 1, 0x100000);
	put32(0x1c, 0xfffffff0);
	expect_refused(0x2000, -EINVAL, "run past the end");
	/* Too short to be an ELF header at all. */
	memset(img, 0, sizeof(img));
	put_header(0, 0);
	expect_refused(40, -EINVAL, "neither the address flag");
}

static void test_elf_bad_segments(void **state)
{
	(void)state;
	elf((const struct phdr[]){ { 1, 0x1000, 0x100000, 0x100000, 0x200, 0x100, 5, 0 } }, 1, 0x100000);
	expect_refused(0x2000, -EINVAL, "exceeds memory size");
	elf((const struct phdr[]){ { 1, 0x1f00, 0x100000, 0x100000, 0x200, 0x200, 5, 0 } }, 1, 0x100000);
	expect_refused(0x2000, -EINVAL, "run past the file");
	elf((const struct phdr[]){ { 1, 0xffffff00, 0x100000, 0x100000, 0x200, 0x200, 5, 0 } }, 1, 0x100000);
	expect_refused(0x2000, -EINVAL, "run past the file");
	elf((const struct phdr[]){ { 1, 0x1000, 0xfffff000, 0xfffff000, 0x100, 0x2000, 5, 0 } }, 1, 0xfffff000);
	expect_refused(0x2000, -EINVAL, "wrap past 4 GiB");
	elf((const struct phdr[]){ { 1, 0x1000, 0x100000, 0x100000, 0x100, 0x100, 5, 0 },
				   { 1, 0x1000, 0x100080, 0x100080, 0x100, 0x100, 5, 0 } }, 2, 0x100000);
	expect_refused(0x2000, -EINVAL, "overlap");
	elf((const struct phdr[]){ { 1, 0x1000, 0x100000, 0x100000, 0x100, 0x100, 5, 0 } }, 1, 0x200000);
	expect_refused(0x2000, -EINVAL, "in no loadable segment");
	elf((const struct phdr[]){ { 2, 0x1000, 0x100000, 0x100000, 0x100, 0x100, 5, 0 } }, 1, 0x100000);
	expect_refused(0x2000, -EINVAL, "no loadable segment");
	elf((const struct phdr[]){ { 1, 0x1000, 0x1000, 0x1000, 0x100, 0x100, 5, 0 } }, 1, 0x1000);
	expect_refused(0x2000, -EINVAL, "below 0x10000");
	elf((const struct phdr[]){ { 1, 0x1000, 0xa0000, 0xa0000, 0x100, 0x100, 5, 0 } }, 1, 0xa0000);
	expect_refused(0x2000, -EINVAL, "reserved BIOS area");
	elf((const struct phdr[]){ { 1, 0x1000, 0x100000, 0x8000000, 0x100, 0x100, 5, 0 } }, 1, 0x100000);
	expect_refused(0x2000, -E2BIG, "beyond guest RAM");
}

static void test_elf_too_many_segments(void **state)
{
	struct phdr ph[MB_MAX_SEGMENTS + 1];

	(void)state;
	for (unsigned i = 0; i <= MB_MAX_SEGMENTS; i++)
		ph[i] = (struct phdr){ 1, 0x1000, 0x100000 + i * 0x1000, 0x100000 + i * 0x1000, 0x10, 0x10, 5, 0 };
	elf(ph, MB_MAX_SEGMENTS, 0x100000);
	assert_int_equal(parse(0x2000), 0);
	assert_int_equal(k.nr_segments, MB_MAX_SEGMENTS);
	elf(ph, MB_MAX_SEGMENTS + 1, 0x100000);
	expect_refused(0x2000, -E2BIG, "loadable program headers");
}

/* ---- modules ---- */

static void test_module_placement(void **state)
{
	const size_t sizes[] = { 5000, 0, 4096, 1 };
	uint32_t start[4], end[4];

	(void)state;
	aout(0x100000, 4096, 0, 0x123456, 0x100000);
	assert_int_equal(parse(4096), 0);
	assert_int_equal(mb_place_modules(&k, RAM, sizes, 4, start, end, why, sizeof(why)), 0);
	assert_int_equal(start[0], 0x124000);
	assert_int_equal(end[0], 0x124000 + 5000);
	assert_int_equal(start[1], 0x126000);
	assert_int_equal(end[1], start[1]);
	assert_int_equal(start[2], 0x126000);
	assert_int_equal(start[3], 0x127000);
	for (unsigned i = 0; i < 4; i++)
		assert_int_equal(start[i] & 0xfff, 0);
	/* A kernel below 1 MiB: the modules still start at 1 MiB, clear of the BIOS area. */
	aout(0x10000, 4096, 0, 0, 0x10000);
	assert_int_equal(parse(4096), 0);
	assert_int_equal(mb_place_modules(&k, RAM, sizes, 1, start, end, why, sizeof(why)), 0);
	assert_int_equal(start[0], MB_MODULES_MIN);
}

static void test_module_limits(void **state)
{
	size_t sizes[MB_MAX_MODULES + 1] = { 0 };
	uint32_t start[MB_MAX_MODULES + 1], end[MB_MAX_MODULES + 1];

	(void)state;
	aout(0x100000, 4096, 0, 0, 0x100000);
	assert_int_equal(parse(4096), 0);
	assert_int_equal(mb_place_modules(&k, RAM, sizes, MB_MAX_MODULES, start, end, why, sizeof(why)), 0);
	assert_int_equal(mb_place_modules(&k, RAM, sizes, MB_MAX_MODULES + 1, start, end, why, sizeof(why)), -E2BIG);
	sizes[0] = RAM - 0x101000;
	assert_int_equal(mb_place_modules(&k, RAM, sizes, 1, start, end, why, sizeof(why)), 0);
	assert_int_equal(end[0], RAM);
	sizes[0]++;
	assert_int_equal(mb_place_modules(&k, RAM, sizes, 1, start, end, why, sizeof(why)), -E2BIG);
	assert_non_null(strstr(why, "does not fit"));
	/* A huge module cannot wrap the 32-bit address space. */
	sizes[0] = (size_t)-1;
	assert_int_equal(mb_place_modules(&k, 8 * GiB, sizes, 1, start, end, why, sizeof(why)), -E2BIG);
}

/* ---- the information structure ---- */

static uint8_t info[MB_INFO_MAX];

static const void *at(uint32_t gpa, size_t len)
{
	assert_true(gpa >= MB_INFO_GPA && gpa + len <= MB_INFO_GPA + sizeof(info));
	return info + (gpa - MB_INFO_GPA);
}

static void test_info_contents(void **state)
{
	const struct e820_ram ram[] = { { 0, RAM } };
	const uint32_t ms[] = { 0x200000, 0x202000 }, me[] = { 0x201388, 0x202010 };
	const char *strings[] = { "mod.bin first", "two.bin" };
	struct mb_info_in in = { ram, 1, NULL, 0, "kernel.elf console=ttyS0", 2, ms, me, strings };
	struct mb_info mi;
	struct mb_module mod;
	struct mb_mmap_entry e;
	size_t used = 0;

	(void)state;
	assert_int_equal(mb_build_info(info, sizeof(info), MB_INFO_GPA, &in, &used), 0);
	assert_true(used > sizeof(mi) && used <= sizeof(info));
	memcpy(&mi, info, sizeof(mi));
	assert_int_equal(mi.flags, MB_IF_MEMORY | MB_IF_CMDLINE | MB_IF_MODS | MB_IF_MMAP | MB_IF_LOADER_NAME);
	assert_int_equal(mi.mem_lower, 639);
	assert_int_equal(mi.mem_upper, (RAM - MiB) / 1024);
	assert_string_equal(at(mi.cmdline, 25), "kernel.elf console=ttyS0");
	assert_string_equal(at(mi.boot_loader_name, 7), "Basalt");
	assert_int_equal(mi.mods_count, 2);
	for (unsigned i = 0; i < 2; i++) {
		memcpy(&mod, at(mi.mods_addr + i * 16, 16), sizeof(mod));
		assert_int_equal(mod.mod_start, ms[i]);
		assert_int_equal(mod.mod_end, me[i]);
		assert_string_equal(at(mod.string, strlen(strings[i]) + 1), strings[i]);
	}
	assert_int_equal(mi.mmap_length, 3 * sizeof(e));
	memcpy(&e, at(mi.mmap_addr, sizeof(e)), sizeof(e));
	assert_int_equal(e.size, 20);
	assert_true(e.base_addr == 0 && e.length == E820_LEGACY_START && e.type == 1);
	memcpy(&e, at(mi.mmap_addr + 24, sizeof(e)), sizeof(e));
	assert_true(e.base_addr == E820_LEGACY_START && e.length == E820_LEGACY_END - E820_LEGACY_START && e.type == 2);
	memcpy(&e, at(mi.mmap_addr + 48, sizeof(e)), sizeof(e));
	assert_true(e.base_addr == MiB && e.length == RAM - MiB && e.type == 1);
	assert_int_equal(mi.mmap_addr % 4, 0);
	assert_int_equal(mi.mods_addr % 4, 0);
}

static void test_info_high_ram(void **state)
{
	const struct e820_ram ram[] = { { 0, 3 * GiB }, { 4 * GiB, 2 * GiB } };
	struct mb_info_in in = { ram, 2, NULL, 0, "", 0, NULL, NULL, NULL };
	struct mb_info mi;
	struct mb_mmap_entry e;
	size_t used;

	(void)state;
	assert_int_equal(mb_build_info(info, sizeof(info), MB_INFO_GPA, &in, &used), 0);
	memcpy(&mi, info, sizeof(mi));
	assert_int_equal(mi.mem_upper, (3 * GiB - MiB) / 1024);
	assert_int_equal(mi.mods_count, 0);
	assert_true(mi.flags & MB_IF_MODS);
	assert_string_equal(at(mi.cmdline, 1), "");
	assert_int_equal(mi.mmap_length, 4 * sizeof(e));
	memcpy(&e, at(mi.mmap_addr + 72, sizeof(e)), sizeof(e));
	assert_true(e.base_addr == 4 * GiB && e.length == 2 * GiB && e.type == 1);
	/* mem_upper stops at 4 GiB for a VM whose RAM at 0 is larger (no pc platform split). */
	in.ram = (const struct e820_ram[]){ { 0, 6 * GiB } };
	in.nr_ram = 1;
	assert_int_equal(mb_build_info(info, sizeof(info), MB_INFO_GPA, &in, &used), 0);
	memcpy(&mi, info, sizeof(mi));
	assert_int_equal(mi.mem_upper, (4 * GiB - MiB) / 1024);
}

static void test_info_limits(void **state)
{
	const struct e820_ram ram[] = { { 0, RAM } };
	struct mb_info_in in = { ram, 1, NULL, 0, "x", 0, NULL, NULL, NULL };
	size_t used;

	(void)state;
	assert_int_equal(mb_build_info(info, 100, MB_INFO_GPA, &in, &used), -E2BIG);
	assert_int_equal(mb_build_info(info, 200, MB_INFO_GPA, &in, &used), -E2BIG);
	in.nr_modules = MB_MAX_MODULES + 1;
	assert_int_equal(mb_build_info(info, sizeof(info), MB_INFO_GPA, &in, &used), -EINVAL);
	/* Overlapping RAM regions are a broken map: refused, not reported. */
	in.nr_modules = 0;
	in.ram = (const struct e820_ram[]){ { 0, RAM }, { MiB, RAM } };
	in.nr_ram = 2;
	assert_int_equal(mb_build_info(info, sizeof(info), MB_INFO_GPA, &in, &used), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_header),
		cmocka_unit_test(test_checksum),
		cmocka_unit_test(test_required_flags),
		cmocka_unit_test(test_header_truncated),
		cmocka_unit_test(test_aout_load),
		cmocka_unit_test(test_aout_header_not_first),
		cmocka_unit_test(test_aout_bad_fields),
		cmocka_unit_test(test_aout_hostile_addresses),
		cmocka_unit_test(test_elf_load),
		cmocka_unit_test(test_elf_bad_headers),
		cmocka_unit_test(test_elf_bad_segments),
		cmocka_unit_test(test_elf_too_many_segments),
		cmocka_unit_test(test_module_placement),
		cmocka_unit_test(test_module_limits),
		cmocka_unit_test(test_info_contents),
		cmocka_unit_test(test_info_high_ram),
		cmocka_unit_test(test_info_limits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
