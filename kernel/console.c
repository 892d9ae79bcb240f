/* SPDX-License-Identifier: MIT */
/* Console front end: formats messages and hands them to the installed sink. */
#include "kernel/console.h"

#include <string.h>

#include "sched/spinlock.h"

/* Every host CPU prints: console_lock keeps lines whole and guards midline_owner and raw_writer.
 * The public functions take it; the static helpers run with it held. Lock order: a VM's lock,
 * then run queue locks, then this one, which is last (nothing is taken while holding it). */
static spinlock_t console_lock = SPINLOCK_INIT;
static console_sink_fn console_sink;
static const void *midline_owner; /* the source that left the console in the middle of a line */
static const void *raw_writer;    /* the source whose raw output may have changed the terminal's state */

static void sink_write(const char *text, size_t len)
{
	if (console_sink)
		console_sink(text, len);
}

void console_note_raw(const void *owner)
{
	spin_lock(&console_lock);
	raw_writer = owner;
	spin_unlock(&console_lock);
}

/* The panic path, once every other CPU is stopped: one of them may have died holding the lock. */
void console_break_lock(void)
{
	spin_lock_init(&console_lock);
}

/* Another source is about to print: the raw writer's colours or character set must not make its
 * text unreadable. Only attributes are reset; a full reset would clear the screen the raw
 * program (and the operator's scrollback) still uses. */
static void reset_for(const void *owner)
{
	if (!raw_writer || raw_writer == owner)
		return;
	sink_write(CONSOLE_RESET, sizeof(CONSOLE_RESET) - 1);
	raw_writer = NULL;
}

static void break_open_line(void)
{
	if (midline_owner)
		sink_write("\n", 1);
	midline_owner = NULL;
}

static void start_line(const void *owner, const char *prefix)
{
	reset_for(owner);
	break_open_line();
	sink_write(prefix, strlen(prefix));
}

void console_write_partial(const void *owner, const char *prefix, const char *text, size_t len)
{
	spin_lock(&console_lock);
	if (midline_owner != owner)
		start_line(owner, prefix);
	sink_write(text, len);
	midline_owner = owner;
	spin_unlock(&console_lock);
}

void console_finish_line(const void *owner, const char *prefix, const char *text, size_t len)
{
	spin_lock(&console_lock);
	if (midline_owner != owner)
		start_line(owner, prefix);
	sink_write(text, len);
	sink_write("\n", 1);
	midline_owner = NULL;
	spin_unlock(&console_lock);
}

void console_set_sink(console_sink_fn sink)
{
	console_sink = sink;
}

void console_write(const char *text, size_t len)
{
	spin_lock(&console_lock);
	sink_write(text, len);
	spin_unlock(&console_lock);
}

void kvprintf(const char *fmt, va_list ap)
{
	char line[512];
	int n = fmt_vsnprintf(line, sizeof(line), fmt, ap);

	if (n > (int)sizeof(line) - 1)
		n = sizeof(line) - 1;
	spin_lock(&console_lock);
	reset_for(NULL);
	break_open_line();
	sink_write(line, (size_t)n);
	spin_unlock(&console_lock);
}

void kprintf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	kvprintf(fmt, ap);
	va_end(ap);
}
