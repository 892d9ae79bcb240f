/* SPDX-License-Identifier: MIT */
/* Console front end: formats messages and hands them to the installed sink. */
#include "kernel/console.h"

#include <string.h>

static console_sink_fn console_sink;
static const void *midline_owner; /* the source that left the console in the middle of a line */
static const void *raw_writer;    /* the source whose raw output may have changed the terminal's state */

void console_note_raw(const void *owner)
{
	raw_writer = owner;
}

/* Another source is about to print: the raw writer's colours or character set must not make its
 * text unreadable. Only attributes are reset; a full reset would clear the screen the raw
 * program (and the operator's scrollback) still uses. */
static void reset_for(const void *owner)
{
	if (!raw_writer || raw_writer == owner)
		return;
	console_write(CONSOLE_RESET, sizeof(CONSOLE_RESET) - 1);
	raw_writer = NULL;
}

static void break_open_line(void)
{
	if (midline_owner && console_sink)
		console_sink("\n", 1);
	midline_owner = NULL;
}

static void start_line(const void *owner, const char *prefix)
{
	reset_for(owner);
	break_open_line();
	console_write(prefix, strlen(prefix));
}

void console_write_partial(const void *owner, const char *prefix, const char *text, size_t len)
{
	if (midline_owner != owner)
		start_line(owner, prefix);
	console_write(text, len);
	midline_owner = owner;
}

void console_finish_line(const void *owner, const char *prefix, const char *text, size_t len)
{
	if (midline_owner != owner)
		start_line(owner, prefix);
	console_write(text, len);
	console_write("\n", 1);
	midline_owner = NULL;
}

void console_set_sink(console_sink_fn sink)
{
	console_sink = sink;
}

void console_write(const char *text, size_t len)
{
	if (console_sink)
		console_sink(text, len);
}

void kvprintf(const char *fmt, va_list ap)
{
	char line[512];
	int n = fmt_vsnprintf(line, sizeof(line), fmt, ap);

	if (n > (int)sizeof(line) - 1)
		n = sizeof(line) - 1;
	reset_for(NULL);
	break_open_line();
	console_write(line, (size_t)n);
}

void kprintf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	kvprintf(fmt, ap);
	va_end(ap);
}
