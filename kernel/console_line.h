/* SPDX-License-Identifier: MIT */
/* One guest's console: filtered bytes assembled into lines printed as "[name] text". */
#ifndef BASALT_CONSOLE_LINE_H
#define BASALT_CONSOLE_LINE_H

#include <stdbool.h>
#include <stdint.h>

#include "kernel/console_filter.h"

#define CONSOLE_LINE_MAX 160   /* longer lines are wrapped (safe) or shown in pieces (raw) */
#define CONSOLE_PREFIX_MAX 40  /* "[name] " for names up to CONFIG_NAME_MAX */

struct console_line {
	char prefix[CONSOLE_PREFIX_MAX];
	struct console_filter filter;
	char text[CONSOLE_LINE_MAX];
	unsigned len;
	bool raw; /* the mode of the byte being put */
};

/* Starts an empty line for a source called name; the line struct is also its console owner. */
void console_line_init(struct console_line *l, const char *name);

/* Adds one guest byte. raw: the source owns the terminal (kernel/console_filter.h says what passes). */
void console_line_put(struct console_line *l, uint8_t byte, bool raw);

/* Shows an unfinished line (a prompt) without ending it; later bytes continue it. */
void console_line_show_partial(struct console_line *l, bool raw);

/* The source's output ended: held bytes and an unfinished line are printed, the line is ended. */
void console_line_end(struct console_line *l, bool raw);

#endif
