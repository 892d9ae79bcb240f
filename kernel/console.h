/* SPDX-License-Identifier: MIT */
/* Hypervisor console: formatted output to whatever sink the platform installed (serial, or a test buffer). */
#ifndef BASALT_CONSOLE_H
#define BASALT_CONSOLE_H

#include <stdarg.h>
#include <stddef.h>

typedef void (*console_sink_fn)(const char *text, size_t len);

/* Installs the sink all console output goes to; NULL drops output. */
void console_set_sink(console_sink_fn sink);

/* printf-like: %s %c %d %i %u %x %X %p %%, flags '-' '0', width and precision (also '*'), precision for %s, length l ll z. */
void kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void kvprintf(const char *fmt, va_list ap);

/* Formats into buf (always NUL-terminated when size > 0); returns the length it wanted. */
int fmt_snprintf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int fmt_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);

/* Writes raw bytes to the sink. */
void console_write(const char *text, size_t len);

/* Lines from several sources share one console. A source may leave a line unfinished (a shell
 * prompt): console_write_partial prints its prefix once and the text; any other output first ends
 * that line; console_finish_line ends it (or prints a whole prefixed line when nothing is open). */
void console_write_partial(const void *owner, const char *prefix, const char *text, size_t len);
void console_finish_line(const void *owner, const char *prefix, const char *text, size_t len);

/* What precedes output from anyone else after a raw writer: SGR attributes off, G0 back to ASCII
 * and selected (ESC[0m, ESC(B, SI). */
#define CONSOLE_RESET "\x1b[0m\x1b(B\x0f"
/* owner's raw output may have changed the terminal's state: the next line from any other source
 * (another VM or the hypervisor) starts with CONSOLE_RESET. */
void console_note_raw(const void *owner);
/* Only for panic, after the other CPUs are stopped: frees the lock whoever held it. */
void console_break_lock(void);

#endif
