/* SPDX-License-Identifier: MIT */
/* libFuzzer target: any bytes as a multiboot kernel; on success the plan, modules and info must hold up. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "kernel/errno.h"
#include "kernel/multiboot.h"
#include "tests/fuzz/fuzz_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MiB (1ull << 20)

static uint8_t info[MB_INFO_MAX];

static void check_reason(const char *why, size_t len)
{
	CHECK(memchr(why, '\0', len) != NULL);
	CHECK(why[0] != '\0');
}

/* Every segment in RAM, clear of Basalt's area, the BIOS area and each other; file bytes inside the image. */
static void check_plan(const struct mb_image *k, size_t size, uint64_t ram)
{
	uint64_t top = 0;
	bool entry_in = false;

	CHECK(k->nr_segments >= 1 && k->nr_segments <= MB_MAX_SEGMENTS);
	CHECK(k->header_offset % 4 == 0 && k->header_offset + 12 <= MB_SEARCH_BYTES && k->header_offset + 12 <= size);
	for (unsigned i = 0; i < k->nr_segments; i++) {
		const struct mb_segment *s = &k->seg[i];
		uint64_t end = (uint64_t)s->gpa + s->mem_size;

		CHECK(s->mem_size > 0 && s->file_size <= s->mem_size);
		CHECK((uint64_t)s->file_offset + s->file_size <= size);
		CHECK(s->gpa >= MB_LOW_END && end <= ram && end <= MB_ADDR_LIMIT);
		CHECK(end <= E820_LEGACY_START || s->gpa >= E820_LEGACY_END);
		for (unsigned j = 0; j < i; j++)
			CHECK(end <= k->seg[j].gpa || s->gpa >= (uint64_t)k->seg[j].gpa + k->seg[j].mem_size);
		entry_in |= k->entry >= s->gpa && k->entry < end;
		top = end > top ? end : top;
	}
	CHECK(entry_in && k->end == top);
}

static void check_modules_and_info(const struct mb_image *k, const uint8_t *data, size_t size, uint64_t ram)
{
	size_t sizes[3] = { size, size / 2, 0 };
	uint32_t start[3], end[3];
	const char *strings[3] = { "a", "b c", "" };
	const struct e820_ram regions[] = { { 0, ram } };
	char why[160];
	size_t used;

	if (mb_place_modules(k, ram, sizes, 3, start, end, why, sizeof(why))) {
		check_reason(why, sizeof(why));
		return;
	}
	for (unsigned i = 0; i < 3; i++) {
		CHECK(start[i] % 4096 == 0 && start[i] >= k->end && start[i] >= MB_MODULES_MIN);
		CHECK(end[i] - start[i] == sizes[i] && end[i] <= ram);
		CHECK(i == 0 || start[i] >= end[i - 1]);
	}
	struct mb_info_in in = { regions, 1, NULL, 0, (const char *)"fuzz", 3, start, end, strings };

	CHECK(mb_build_info(info, sizeof(info), MB_INFO_GPA, &in, &used) == 0);
	CHECK(used <= sizeof(info));
	(void)data;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint64_t rams[] = { 2 * MiB, 64 * MiB, 3ull << 30 };
	uint64_t ram = rams[size % 3];
	struct mb_image k;
	char why[160];
	int rc;

	why[0] = '\0';
	rc = mb_parse(data, size, ram, &k, why, sizeof(why));
	if (rc) {
		CHECK(rc == -EINVAL || rc == -E2BIG || rc == -ENOTSUP);
		check_reason(why, sizeof(why));
		return 0;
	}
	check_plan(&k, size, ram);
	/* Read the bytes the loader would copy, so ASan sees any read past the image. */
	for (unsigned i = 0; i < k.nr_segments; i++) {
		volatile uint8_t sink = 0;

		for (uint32_t b = 0; b < k.seg[i].file_size; b += 256)
			sink ^= data[k.seg[i].file_offset + b];
		if (k.seg[i].file_size)
			sink ^= data[k.seg[i].file_offset + k.seg[i].file_size - 1];
		(void)sink;
	}
	check_modules_and_info(&k, data, size, ram);
	return 0;
}
