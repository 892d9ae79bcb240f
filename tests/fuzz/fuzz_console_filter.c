/* SPDX-License-Identifier: MIT */
/* libFuzzer target: any guest bytes through a filtered console line; the terminal must get only prefixed, printable lines. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "kernel/console.h"
#include "kernel/console_line.h"
#include "tests/fuzz/fuzz_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define PREFIX "[g] "

static bool at_line_start = true;
static unsigned utf8_left; /* continuation bytes the current character still needs */
static uint8_t utf8_lead;

/* The second byte's range, as the filter's contract promises it (no overlongs, surrogates, C1). */
static void check_second(uint8_t b)
{
	uint8_t lo = 0x80, hi = 0xbf;

	if (utf8_lead == 0xc2 || utf8_lead == 0xe0)
		lo = 0xa0;
	else if (utf8_lead == 0xf0)
		lo = 0x90;
	else if (utf8_lead == 0xed)
		hi = 0x9f;
	else if (utf8_lead == 0xf4)
		hi = 0x8f;
	CHECK(b >= lo && b <= hi);
}

static void check_byte(uint8_t b)
{
	if (utf8_left) {
		if (utf8_lead)
			check_second(b);
		else
			CHECK(b >= 0x80 && b <= 0xbf);
		utf8_lead = 0;
		utf8_left--;
		return;
	}
	CHECK(b == '\n' || b == '\t' || (b >= 0x20 && b != 0x7f && (b < 0x80 || b >= 0xc2)));
	CHECK(b < 0xf5);
	if (b >= 0xc2) {
		utf8_lead = b;
		utf8_left = b >= 0xf0 ? 3 : b >= 0xe0 ? 2 : 1;
	}
}

/* Every line begins with the source's own prefix, so no guest text can pass for another's. */
static void check_sink(const char *text, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (at_line_start) {
			CHECK(len - i >= sizeof(PREFIX) - 1 && memcmp(text + i, PREFIX, sizeof(PREFIX) - 1) == 0);
			i += sizeof(PREFIX) - 1;
			at_line_start = false;
			if (i == len)
				break;
		}
		check_byte((uint8_t)text[i]);
		if (text[i] == '\n') {
			CHECK(!utf8_left);
			at_line_start = true;
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct console_line line;

	console_set_sink(check_sink);
	console_line_init(&line, "g");
	at_line_start = true;
	utf8_left = 0;
	/* A prefix always arrives whole in one sink call; a partial flush every 7th byte splits lines. */
	for (size_t i = 0; i < size; i++) {
		console_line_put(&line, data[i], false);
		if (i % 7 == 6)
			console_line_show_partial(&line, false);
	}
	console_line_end(&line, false);
	kprintf("%s", ""); /* ends a line left open by a partial flush */
	CHECK(!utf8_left);
	return 0;
}
