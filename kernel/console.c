/* SPDX-License-Identifier: MIT */
/* Console front end: formats messages and hands them to the installed sink. */
#include "kernel/console.h"

static console_sink_fn console_sink;

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
	console_write(line, (size_t)n);
}

void kprintf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	kvprintf(fmt, ap);
	va_end(ap);
}
