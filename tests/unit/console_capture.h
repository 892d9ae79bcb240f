/* SPDX-License-Identifier: MIT */
/* What the code under test prints through kprintf, kept for the test to look at (include after cmocka.h). */
#ifndef BASALT_TESTS_CONSOLE_CAPTURE_H
#define BASALT_TESTS_CONSOLE_CAPTURE_H

#include <stddef.h>
#include <string.h>

static char console_text[16384];
static size_t console_len;

/* The console sink: console_set_sink(capture) in the test's setup. */
static void capture(const char *text, size_t len)
{
	if (len > sizeof(console_text) - 1 - console_len)
		len = sizeof(console_text) - 1 - console_len;
	memcpy(console_text + console_len, text, len);
	console_len += len;
	console_text[console_len] = '\0';
}

static inline void capture_clear(void)
{
	console_len = 0;
	console_text[0] = '\0';
}

static inline int count_lines(void)
{
	int n = 0;

	for (size_t i = 0; i < console_len; i++)
		n += console_text[i] == '\n';
	return n;
}

static inline void expect_output(const char *needle)
{
	if (!strstr(console_text, needle))
		fail_msg("console lacks \"%s\"; it holds:\n%s", needle, console_text);
}

#endif
