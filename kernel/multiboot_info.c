/* SPDX-License-Identifier: MIT */
/* Multiboot v1: where modules go, and the information structure with its memory map and strings. */
#include "kernel/multiboot.h"

#include <stdarg.h>
#include <string.h>

#include "kernel/console.h"
#include "kernel/errno.h"

#define MB_PAGE 0x1000ull
#define KIB 1024u
#define LOADER_NAME "Basalt"

static uint64_t page_up(uint64_t x)
{
	return (x + MB_PAGE - 1) & ~(MB_PAGE - 1);
}

int mb_place_modules(const struct mb_image *k, uint64_t ram_bytes, const size_t *sizes, unsigned n,
		     uint32_t *start, uint32_t *end, char *why, size_t why_len)
{
	uint64_t limit = ram_bytes < MB_ADDR_LIMIT ? ram_bytes : MB_ADDR_LIMIT;
	uint64_t at = page_up(k->end > MB_MODULES_MIN ? k->end : MB_MODULES_MIN);

	if (n > MB_MAX_MODULES) {
		fmt_snprintf(why, why_len, "%u modules (at most %u)", n, MB_MAX_MODULES);
		return -E2BIG;
	}
	for (unsigned i = 0; i < n; i++) {
		if (at > limit || sizes[i] > limit - at) {
			fmt_snprintf(why, why_len, "module %u (%zu bytes) does not fit at 0x%llx below 0x%llx", i, sizes[i],
				     (unsigned long long)at, (unsigned long long)limit);
			return -E2BIG;
		}
		start[i] = (uint32_t)at;
		end[i] = (uint32_t)(at + sizes[i]);
		at = page_up(at + sizes[i]);
	}
	return 0;
}

/* A bump allocator over the caller's buffer; every piece is 8-byte aligned for the guest's sake. */
struct info_buf {
	uint8_t *buf;
	size_t size, used;
	uint32_t base;
};

static void *take(struct info_buf *b, size_t bytes, uint32_t *gpa)
{
	size_t at = (b->used + 7) & ~(size_t)7;

	if (at > b->size || bytes > b->size - at)
		return NULL;
	b->used = at + bytes;
	*gpa = b->base + (uint32_t)at;
	return b->buf + at;
}

static int put_string(struct info_buf *b, const char *s, uint32_t *gpa)
{
	size_t len = strlen(s) + 1;
	void *p = take(b, len, gpa);

	if (!p)
		return -E2BIG;
	memcpy(p, s, len);
	return 0;
}

/* mem_lower: conventional memory below the BIOS area; mem_upper: RAM from 1 MiB to the first hole. */
static void fill_memory(struct mb_info *info, const struct mb_info_in *in)
{
	for (unsigned i = 0; i < in->nr_ram; i++) {
		uint64_t start = in->ram[i].gpa, end = start + in->ram[i].size;

		if (start == 0)
			info->mem_lower = (uint32_t)((end < E820_LEGACY_START ? end : E820_LEGACY_START) / KIB);
		if (start <= MB_MODULES_MIN && end > MB_MODULES_MIN) {
			uint64_t top = end < MB_ADDR_LIMIT ? end : MB_ADDR_LIMIT;

			info->mem_upper = (uint32_t)((top - MB_MODULES_MIN) / KIB);
		}
	}
	info->flags |= MB_IF_MEMORY;
}

static int fill_mmap(struct mb_info *info, struct info_buf *b, const struct mb_info_in *in)
{
	struct e820_entry map[MB_MAX_MMAP];
	struct mb_mmap_entry *out;
	uint32_t gpa;
	int n = e820_build(in->ram, in->nr_ram, in->marks, in->nr_marks, map, MB_MAX_MMAP);

	if (n < 0)
		return n;
	out = take(b, (size_t)n * sizeof(*out), &gpa);
	if (!out)
		return -E2BIG;
	info->mmap_addr = gpa;
	for (int i = 0; i < n; i++) {
		struct mb_mmap_entry e = { sizeof(e) - sizeof(e.size), map[i].addr, map[i].size, map[i].type };

		memcpy(&out[i], &e, sizeof(e));
	}
	info->mmap_length = (uint32_t)((size_t)n * sizeof(*out));
	info->flags |= MB_IF_MMAP;
	return 0;
}

static int fill_modules(struct mb_info *info, struct info_buf *b, const struct mb_info_in *in)
{
	struct mb_module *mods;
	uint32_t gpa;

	if (in->nr_modules > MB_MAX_MODULES)
		return -EINVAL;
	/* take() of 0 bytes still yields an address: mods_addr is valid even with no module. */
	mods = take(b, in->nr_modules * sizeof(*mods), &gpa);
	if (!mods)
		return -E2BIG;
	info->mods_addr = gpa;
	for (unsigned i = 0; i < in->nr_modules; i++) {
		struct mb_module m = { in->mod_start[i], in->mod_end[i], 0, 0 };

		if (put_string(b, in->mod_string[i] ? in->mod_string[i] : "", &gpa))
			return -E2BIG;
		m.string = gpa;
		memcpy(&mods[i], &m, sizeof(m));
	}
	info->mods_count = in->nr_modules;
	info->flags |= MB_IF_MODS;
	return 0;
}

int mb_build_info(uint8_t *buf, size_t buf_size, uint32_t base_gpa, const struct mb_info_in *in, size_t *used)
{
	struct info_buf b = { buf, buf_size, 0, base_gpa };
	struct mb_info info = { 0 };
	uint32_t info_gpa, gpa = 0;
	int rc;

	memset(buf, 0, buf_size); /* alignment gaps carry no stale bytes into the guest */
	if (!take(&b, sizeof(info), &info_gpa))
		return -E2BIG;
	fill_memory(&info, in);
	rc = fill_modules(&info, &b, in);
	if (!rc)
		rc = fill_mmap(&info, &b, in);
	if (!rc)
		rc = put_string(&b, in->cmdline ? in->cmdline : "", &gpa);
	info.cmdline = gpa;
	if (!rc)
		rc = put_string(&b, LOADER_NAME, &gpa);
	info.boot_loader_name = gpa;
	if (rc)
		return rc;
	info.flags |= MB_IF_CMDLINE | MB_IF_LOADER_NAME;
	memcpy(buf, &info, sizeof(info));
	*used = b.used;
	return 0;
}
