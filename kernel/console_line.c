/* SPDX-License-Identifier: MIT */
/* Guest console lines: units from the filter are never split when a long line is wrapped. */
#include "kernel/console_line.h"

#include <string.h>

#include "kernel/console.h"

void console_line_init(struct console_line *l, const char *name)
{
	memset(l, 0, sizeof(*l));
	console_filter_init(&l->filter);
	fmt_snprintf(l->prefix, sizeof(l->prefix), "[%s] ", name);
}

/* Raw text may have changed colours or character sets: console.c resets them before anyone else. */
static void line_show(struct console_line *l, bool finish)
{
	if (finish)
		console_finish_line(l, l->prefix, l->text, l->len);
	else
		console_write_partial(l, l->prefix, l->text, l->len);
	l->len = 0;
	if (l->filter.touched)
		console_note_raw(l);
	l->filter.touched = false;
}

static void line_add_unit(void *ctx, const char *unit, size_t len)
{
	struct console_line *l = ctx;

	if (len == 1 && unit[0] == '\n') {
		line_show(l, true);
		return;
	}
	/* A raw terminal wraps by itself; an extra line break there would land inside its screen. */
	if (l->len + len > sizeof(l->text))
		line_show(l, !l->raw);
	memcpy(l->text + l->len, unit, len);
	l->len += (unsigned)len;
}

void console_line_put(struct console_line *l, uint8_t byte, bool raw)
{
	l->raw = raw;
	console_filter_put(&l->filter, byte, raw, line_add_unit, l);
}

void console_line_show_partial(struct console_line *l, bool raw)
{
	l->raw = raw;
	/* A raw program may be waiting with the cursor after a \r; a safe \r waits to see its \n. */
	if (raw)
		console_filter_release(&l->filter, raw, line_add_unit, l);
	if (l->len)
		line_show(l, false);
}

void console_line_end(struct console_line *l, bool raw)
{
	l->raw = raw;
	console_filter_release(&l->filter, raw, line_add_unit, l);
	if (l->len)
		line_show(l, true);
}
