/* SPDX-License-Identifier: MIT */
/* Unit tests for kernel/console_filter.c and kernel/console_line.c: what a guest's bytes become on the terminal. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "kernel/console.h"
#include "kernel/console_filter.h"
#include "kernel/console_line.h"

/* ---- the filter on its own: units joined, and their lengths ------------------ */

static struct console_filter filter;
static char units[4096];
static size_t units_len;
static size_t unit_lens[1024];
static unsigned unit_count;

static void capture_unit(void *ctx, const char *unit, size_t len)
{
	(void)ctx;
	assert_true(len >= 1 && len <= CONSOLE_UNIT_MAX);
	assert_true(units_len + len < sizeof(units) && unit_count < 1024);
	memcpy(units + units_len, unit, len);
	units_len += len;
	units[units_len] = '\0';
	unit_lens[unit_count++] = len;
}

static int filter_reset(void **state)
{
	(void)state;
	console_filter_init(&filter);
	units_len = 0;
	units[0] = '\0';
	unit_count = 0;
	return 0;
}

static void feed(const char *bytes, size_t n, bool raw)
{
	for (size_t i = 0; i < n; i++)
		console_filter_put(&filter, (uint8_t)bytes[i], raw, capture_unit, NULL);
}

#define SAFE(s) feed((s), sizeof(s) - 1, false)
#define RAW(s) feed((s), sizeof(s) - 1, true)
#define EXPECT_UNITS(s)                                      \
	do {                                                 \
		assert_int_equal(units_len, sizeof(s) - 1);  \
		assert_memory_equal(units, (s), sizeof(s) - 1); \
	} while (0)

/* Feeds s afresh in safe mode and checks what comes out. */
static void expect_safe(const char *in, size_t in_len, const char *want)
{
	filter_reset(NULL);
	feed(in, in_len, false);
	assert_string_equal(units, want);
}
#define EXPECT_SAFE(in, want) expect_safe((in), sizeof(in) - 1, (want))

static void test_text_and_tab_pass(void **state)
{
	(void)state;
	SAFE("ls -l\t/ ~{}|\\");
	EXPECT_UNITS("ls -l\t/ ~{}|\\");
	assert_int_equal(unit_count, 13);
}

static void test_line_ends(void **state)
{
	(void)state;
	EXPECT_SAFE("a\nb\n", "a\nb\n");
	EXPECT_SAFE("a\r\nb\r\n", "a\nb\n");
	EXPECT_SAFE("a\r\r\n", "a\n");      /* a program's \r\n through the tty's ONLCR */
	EXPECT_SAFE("\r\r\r\n", "\\x0d\n"); /* beyond the hold: the oldest is shown */
}

static void test_lone_cr_is_shown_not_obeyed(void **state)
{
	(void)state;
	EXPECT_SAFE("\rbasalt: vm 'web' crashed\n", "\\x0dbasalt: vm 'web' crashed\n");
	EXPECT_SAFE(" 50%\r 60%", " 50%\\x0d 60%");
	EXPECT_SAFE("\r\rx", "\\x0d\\x0dx");
}

static void test_c0_controls_and_del_escaped(void **state)
{
	char want[8];

	(void)state;
	for (unsigned b = 0; b < 0x20; b++) {
		char in[2] = { (char)b, 'z' };

		if (b == '\t' || b == '\n' || b == '\r')
			continue;
		snprintf(want, sizeof(want), "\\x%02xz", b);
		expect_safe(in, 2, want);
	}
	EXPECT_SAFE("\x7f", "\\x7f");
	EXPECT_SAFE("ab\b\b\bc", "ab\\x08\\x08\\x08c"); /* a shell's echo cannot erase the prefix */
	EXPECT_SAFE("\a", "\\x07");
}

static void test_escape_sequences_shown(void **state)
{
	(void)state;
	EXPECT_SAFE("\x1b[1Aup", "\\x1b[1Aup");
	EXPECT_SAFE("\x1b[31mred\x1b[0m", "\\x1b[31mred\\x1b[0m");
	EXPECT_SAFE("\x1b]0;title\a", "\\x1b]0;title\\x07");
	EXPECT_SAFE("\x1b[6n", "\\x1b[6n");
}

static void test_raw_c1_bytes_escaped(void **state)
{
	char want[8];

	(void)state;
	for (unsigned b = 0x80; b <= 0x9f; b++) {
		char in[1] = { (char)b };

		snprintf(want, sizeof(want), "\\x%02x", b);
		expect_safe(in, 1, want);
	}
	EXPECT_SAFE("\x9b" "1A", "\\x9b1A"); /* 8-bit CSI */
}

static void test_utf8_c1_escaped(void **state)
{
	char want[16];

	(void)state;
	for (unsigned b = 0x80; b <= 0x9f; b++) {
		char in[2] = { (char)0xc2, (char)b };

		snprintf(want, sizeof(want), "\\xc2\\x%02x", b);
		expect_safe(in, 2, want);
	}
	EXPECT_SAFE("\xc2\xa0", "\xc2\xa0"); /* U+00A0, the first code point after C1, is text */
}

static void test_valid_utf8_passes_whole(void **state)
{
	static const char *const chars[] = {
		"\xc3\xa9",         /* é */
		"\xe2\x86\x92",     /* → */
		"\xe2\x94\x80",     /* ─ */
		"\xe2\x95\x94",     /* ╔ */
		"\xed\x9f\xbf",     /* U+D7FF, just below the surrogates */
		"\xee\x80\x80",     /* U+E000, just above them */
		"\xef\xbf\xbd",     /* U+FFFD */
		"\xf0\x9f\x98\x80", /* an emoji */
		"\xf4\x8f\xbf\xbf", /* U+10FFFF */
	};

	(void)state;
	for (size_t i = 0; i < sizeof(chars) / sizeof(chars[0]); i++) {
		filter_reset(NULL);
		feed(chars[i], strlen(chars[i]), false);
		assert_string_equal(units, chars[i]);
		assert_int_equal(unit_count, 1);
	}
	EXPECT_SAFE("caf\xc3\xa9 \xe2\x86\x92 ok\n", "caf\xc3\xa9 \xe2\x86\x92 ok\n");
}

static void test_invalid_utf8_escaped(void **state)
{
	(void)state;
	EXPECT_SAFE("\x80", "\\x80");                       /* stray continuation */
	EXPECT_SAFE("\xbf" "a", "\\xbfa");
	EXPECT_SAFE("\xc0\x80", "\\xc0\\x80");              /* overlong NUL */
	EXPECT_SAFE("\xc1\xbf", "\\xc1\\xbf");
	EXPECT_SAFE("\xe0\x80\x80", "\\xe0\\x80\\x80");     /* overlong 3-byte */
	EXPECT_SAFE("\xe0\x9f\xbf", "\\xe0\\x9f\\xbf");
	EXPECT_SAFE("\xf0\x80\x80\x80", "\\xf0\\x80\\x80\\x80");
	EXPECT_SAFE("\xf0\x8f\xbf\xbf", "\\xf0\\x8f\\xbf\\xbf");
	EXPECT_SAFE("\xed\xa0\x80", "\\xed\\xa0\\x80");     /* surrogate U+D800 */
	EXPECT_SAFE("\xed\xbf\xbf", "\\xed\\xbf\\xbf");
	EXPECT_SAFE("\xf4\x90\x80\x80", "\\xf4\\x90\\x80\\x80"); /* U+110000 */
	EXPECT_SAFE("\xf5\x80", "\\xf5\\x80");
	EXPECT_SAFE("\xff\xfe", "\\xff\\xfe");
}

static void test_interrupted_sequence_restarts(void **state)
{
	(void)state;
	EXPECT_SAFE("\xe2\x86x", "\\xe2\\x86x");
	EXPECT_SAFE("\xe2\xc3\xa9", "\\xe2\xc3\xa9");        /* a new lead byte starts over */
	EXPECT_SAFE("\xe2\x86\n", "\\xe2\\x86\n");
	EXPECT_SAFE("\xc3\r\n", "\\xc3\n");
	EXPECT_SAFE("\xf0\x9f\x98\x1b[H", "\\xf0\\x9f\\x98\\x1b[H");
}

static void test_split_across_calls(void **state)
{
	(void)state;
	SAFE("\xe2");
	EXPECT_UNITS("");
	SAFE("\x86");
	EXPECT_UNITS("");
	SAFE("\x92");
	EXPECT_UNITS("\xe2\x86\x92");
	SAFE("a\r");
	EXPECT_UNITS("\xe2\x86\x92" "a");
	SAFE("\n");
	EXPECT_UNITS("\xe2\x86\x92" "a\n");
	SAFE("\xc2");
	SAFE("\x9b");
	EXPECT_UNITS("\xe2\x86\x92" "a\n\\xc2\\x9b");
}

static void test_release_shows_held_bytes(void **state)
{
	(void)state;
	SAFE("\xe2\x86");
	console_filter_release(&filter, false, capture_unit, NULL);
	EXPECT_UNITS("\\xe2\\x86");
	filter_reset(NULL);
	SAFE("x\r");
	console_filter_release(&filter, false, capture_unit, NULL);
	EXPECT_UNITS("x\\x0d");
	filter_reset(NULL);
	RAW("x\r");
	console_filter_release(&filter, true, capture_unit, NULL);
	EXPECT_UNITS("x\r");
}

static void test_raw_passes_and_marks(void **state)
{
	(void)state;
	RAW("plain text \xc3\xa9\tand\b\b\r");
	assert_false(filter.touched);
	RAW("\x1b[6n\x1b[1A\x9b");
	assert_true(filter.touched);
	RAW("\r\n\ry");
	EXPECT_UNITS("plain text \xc3\xa9\tand\b\b\r\x1b[6n\x1b[1A\x9b\n\ry");
	filter_reset(NULL);
	RAW("\x0e");
	assert_true(filter.touched); /* shift out: another character set */
}

static void test_switch_to_raw_releases_held_character(void **state)
{
	(void)state;
	SAFE("\xe2\x86");
	RAW("\x92");
	EXPECT_UNITS("\xe2\x86\x92");
	assert_int_equal(unit_count, 3);
}

/* ---- lines: the filter's units as the terminal gets them --------------------- */

static char screen[8192];
static size_t screen_len;

static void capture_screen(const char *text, size_t len)
{
	assert_true(screen_len + len < sizeof(screen));
	memcpy(screen + screen_len, text, len);
	screen_len += len;
	screen[screen_len] = '\0';
}

static struct console_line web, db;

static int line_reset(void **state)
{
	(void)state;
	screen_len = 0;
	screen[0] = '\0';
	console_set_sink(capture_screen);
	console_line_init(&web, "web");
	console_line_init(&db, "db");
	kprintf("start\n"); /* ends any open line or raw state a previous test left */
	screen_len = 0;
	screen[0] = '\0';
	return 0;
}

static void put(struct console_line *l, const char *bytes, size_t n, bool raw)
{
	for (size_t i = 0; i < n; i++)
		console_line_put(l, (uint8_t)bytes[i], raw);
}

#define PUT(l, s) put((l), (s), sizeof(s) - 1, false)
#define PUT_RAW(l, s) put((l), (s), sizeof(s) - 1, true)

static void test_line_prefixed_and_clean(void **state)
{
	(void)state;
	PUT(&web, "[    0.000000] Linux version 6.1\r\n/ # \xe2\x86\x92\r\n");
	assert_string_equal(screen, "[web] [    0.000000] Linux version 6.1\n[web] / # \xe2\x86\x92\n");
}

static void test_line_cannot_fake_hypervisor_line(void **state)
{
	(void)state;
	PUT(&web, "\rbasalt: vm 'db' crashed\n\x1b[1A\x1b[2Kbasalt: all fine\n");
	assert_string_equal(screen, "[web] \\x0dbasalt: vm 'db' crashed\n[web] \\x1b[1A\\x1b[2Kbasalt: all fine\n");
}

static void test_line_exactly_full_is_one_line(void **state)
{
	char in[CONSOLE_LINE_MAX + 1];

	(void)state;
	memset(in, 'a', CONSOLE_LINE_MAX);
	in[CONSOLE_LINE_MAX] = '\n';
	put(&web, in, sizeof(in), false);
	assert_int_equal(screen_len, 6 + CONSOLE_LINE_MAX + 1);
	assert_int_equal(screen[screen_len - 1], '\n');
	assert_int_equal(strchr(screen, '\n') - screen, (long)screen_len - 1);
}

/* Fills the line to CONSOLE_LINE_MAX - gap, then adds tail: the wrap must fall before it. */
static void fill_then(size_t gap, const char *tail, size_t tail_len)
{
	char in[CONSOLE_LINE_MAX];

	memset(in, 'a', sizeof(in));
	put(&web, in, CONSOLE_LINE_MAX - gap, false);
	put(&web, tail, tail_len, false);
	put(&web, "\n", 1, false);
}

static void expect_wrapped(size_t first_len, const char *second)
{
	char want[512];

	memset(want, 0, sizeof(want));
	memcpy(want, "[web] ", 6);
	memset(want + 6, 'a', first_len);
	snprintf(want + 6 + first_len, sizeof(want) - 6 - first_len, "\n[web] %s\n", second);
	assert_string_equal(screen, want);
}

static void test_wrap_never_splits_a_character(void **state)
{
	(void)state;
	fill_then(1, "\xe2\x86\x92", 3);
	expect_wrapped(CONSOLE_LINE_MAX - 1, "\xe2\x86\x92");
	line_reset(NULL);
	fill_then(3, "\xf0\x9f\x98\x80", 4);
	expect_wrapped(CONSOLE_LINE_MAX - 3, "\xf0\x9f\x98\x80");
	line_reset(NULL);
	fill_then(2, "\xc3\xa9", 2); /* fits exactly */
	assert_int_equal(screen_len, 6 + CONSOLE_LINE_MAX + 1);
}

static void test_wrap_never_splits_an_escape(void **state)
{
	(void)state;
	fill_then(3, "\x1b", 1);
	expect_wrapped(CONSOLE_LINE_MAX - 3, "\\x1b");
	line_reset(NULL);
	fill_then(1, "\xc2\x9b", 2);
	expect_wrapped(CONSOLE_LINE_MAX - 1, "\\xc2\\x9b");
}

static void test_raw_long_line_is_not_broken(void **state)
{
	char in[CONSOLE_LINE_MAX + 10];

	(void)state;
	memset(in, 'r', sizeof(in));
	put(&web, in, sizeof(in), true);
	PUT_RAW(&web, "\r\n");
	assert_int_equal(screen_len, 6 + sizeof(in) + 1);
	assert_int_equal(strchr(screen, '\n') - screen, (long)screen_len - 1);
}

static void test_partial_prompt_then_rest(void **state)
{
	(void)state;
	PUT(&web, "/ # ");
	console_line_show_partial(&web, false);
	assert_string_equal(screen, "[web] / # ");
	PUT(&web, "ls\r\n");
	assert_string_equal(screen, "[web] / # ls\n");
}

static void test_partial_keeps_half_character(void **state)
{
	(void)state;
	PUT(&web, "x\xe2\x86");
	console_line_show_partial(&web, false);
	assert_string_equal(screen, "[web] x");
	PUT(&web, "\x92\n");
	assert_string_equal(screen, "[web] x\xe2\x86\x92\n");
}

static void test_raw_partial_releases_cr(void **state)
{
	(void)state;
	PUT_RAW(&web, "abc\r");
	console_line_show_partial(&web, true);
	assert_string_equal(screen, "[web] abc\r");
}

static void test_end_shows_held_bytes(void **state)
{
	(void)state;
	PUT(&web, "bye\xe2");
	console_line_end(&web, false);
	assert_string_equal(screen, "[web] bye\\xe2\n");
	console_line_end(&web, false);
	assert_string_equal(screen, "[web] bye\\xe2\n"); /* nothing left: no empty line */
}

static void test_reset_after_raw_escapes(void **state)
{
	(void)state;
	PUT_RAW(&web, "\x1b[31mred\r\n");
	kprintf("basalt: hello\n");
	PUT_RAW(&web, "more\r\n");
	assert_string_equal(screen, "[web] \x1b[31mred\n" CONSOLE_RESET "basalt: hello\n[web] more\n");
}

static void test_reset_before_other_vm(void **state)
{
	(void)state;
	PUT_RAW(&web, "\x1b(0qqq\r\n");
	PUT_RAW(&web, "x\r\n"); /* its own next line needs no reset */
	PUT(&db, "ok\n");
	PUT(&db, "ok\n");
	assert_string_equal(screen, "[web] \x1b(0qqq\n[web] x\n" CONSOLE_RESET "[db] ok\n[db] ok\n");
}

static void test_no_reset_after_plain_raw_text(void **state)
{
	(void)state;
	PUT_RAW(&web, "plain\r\n");
	PUT(&db, "ok\n");
	kprintf("basalt: x\n");
	assert_string_equal(screen, "[web] plain\n[db] ok\nbasalt: x\n");
}

static void test_reset_when_raw_prompt_interrupted(void **state)
{
	(void)state;
	PUT_RAW(&web, "\x1b[1m/ # ");
	console_line_show_partial(&web, true);
	PUT(&db, "ok\n");
	assert_string_equal(screen, "[web] \x1b[1m/ # " CONSOLE_RESET "\n[db] ok\n");
}

#define TF(f) cmocka_unit_test_setup(f, filter_reset)
#define TL(f) cmocka_unit_test_setup(f, line_reset)

int main(void)
{
	const struct CMUnitTest tests[] = {
		TF(test_text_and_tab_pass),
		TF(test_line_ends),
		TF(test_lone_cr_is_shown_not_obeyed),
		TF(test_c0_controls_and_del_escaped),
		TF(test_escape_sequences_shown),
		TF(test_raw_c1_bytes_escaped),
		TF(test_utf8_c1_escaped),
		TF(test_valid_utf8_passes_whole),
		TF(test_invalid_utf8_escaped),
		TF(test_interrupted_sequence_restarts),
		TF(test_split_across_calls),
		TF(test_release_shows_held_bytes),
		TF(test_raw_passes_and_marks),
		TF(test_switch_to_raw_releases_held_character),
		TL(test_line_prefixed_and_clean),
		TL(test_line_cannot_fake_hypervisor_line),
		TL(test_line_exactly_full_is_one_line),
		TL(test_wrap_never_splits_a_character),
		TL(test_wrap_never_splits_an_escape),
		TL(test_raw_long_line_is_not_broken),
		TL(test_partial_prompt_then_rest),
		TL(test_partial_keeps_half_character),
		TL(test_raw_partial_releases_cr),
		TL(test_end_shows_held_bytes),
		TL(test_reset_after_raw_escapes),
		TL(test_reset_before_other_vm),
		TL(test_no_reset_after_plain_raw_text),
		TL(test_reset_when_raw_prompt_interrupted),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
