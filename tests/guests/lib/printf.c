/* SPDX-License-Identifier: MIT */
/* A tiny printf for the test guests, writing to the Basalt console port. */
#include "guest.h"

struct spec {
	char pad;  /* ' ' or '0' */
	int width; /* minimum field width */
	bool is_long;
};

static void put_padding(int n, char pad)
{
	while (n-- > 0)
		console_putc(pad);
}

static void put_number(uint64_t v, unsigned base, bool negative, const struct spec *s)
{
	char buf[24];
	int n = 0, width = s->width;

	do {
		buf[n++] = "0123456789abcdef"[v % base];
		v /= base;
	} while (v);
	if (negative)
		width--;
	if (negative && s->pad == '0')
		console_putc('-');
	put_padding(width - n, s->pad);
	if (negative && s->pad != '0')
		console_putc('-');
	while (n)
		console_putc(buf[--n]);
}

static void put_signed(int64_t v, const struct spec *s)
{
	bool negative = v < 0;

	put_number(negative ? -(uint64_t)v : (uint64_t)v, 10, negative, s);
}

static void put_string(const char *str, const struct spec *s)
{
	int len = 0;

	if (!str)
		str = "(null)";
	while (str[len])
		len++;
	put_padding(s->width - len, ' ');
	console_puts(str);
}

/* Parses flags, width and length after a '%'; returns the conversion character's position. */
static const char *parse_spec(const char *fmt, struct spec *s)
{
	s->pad = ' ';
	s->width = 0;
	s->is_long = false;
	if (*fmt == '0') {
		s->pad = '0';
		fmt++;
	}
	while (*fmt >= '0' && *fmt <= '9')
		s->width = s->width * 10 + (*fmt++ - '0');
	while (*fmt == 'l') {
		s->is_long = true;
		fmt++;
	}
	return fmt;
}

void vprintf(const char *fmt, va_list ap)
{
	struct spec s;

	for (; *fmt; fmt++) {
		if (*fmt != '%') {
			console_putc(*fmt);
			continue;
		}
		fmt = parse_spec(fmt + 1, &s);
		switch (*fmt) {
		case 'd':
			put_signed(s.is_long ? va_arg(ap, long) : va_arg(ap, int), &s);
			break;
		case 'u':
		case 'x':
			put_number(s.is_long ? va_arg(ap, unsigned long) : va_arg(ap, unsigned int),
				   *fmt == 'u' ? 10 : 16, false, &s);
			break;
		case 'p':
			console_puts("0x");
			put_number((uintptr_t)va_arg(ap, void *), 16, false, &s);
			break;
		case 's':
			put_string(va_arg(ap, const char *), &s);
			break;
		case 'c':
			console_putc((char)va_arg(ap, int));
			break;
		case '\0':
			return;
		default: /* "%%" and anything unknown print as is */
			console_putc(*fmt);
			break;
		}
	}
}

/* The console port takes bytes, so the vCPUs of an SMP guest running on different host cores
 * would mix theirs within a line: one printf at a time, as an OS holds a console lock. The wait
 * is bounded, so an interrupt handler that prints while its own vCPU holds the lock (or a vCPU
 * stopped by INIT with it held) delays the line instead of hanging the guest. */
static volatile int console_lock_word;
#define CONSOLE_LOCK_SPINS (1u << 22)

static bool console_lock(void)
{
	for (unsigned i = 0; i < CONSOLE_LOCK_SPINS; i++) {
		if (!__atomic_exchange_n(&console_lock_word, 1, __ATOMIC_ACQUIRE))
			return true;
		__builtin_ia32_pause();
	}
	return false;
}

static void console_unlock(bool held)
{
	if (held)
		__atomic_store_n(&console_lock_word, 0, __ATOMIC_RELEASE);
}

void printf(const char *fmt, ...)
{
	va_list ap;
	bool held = console_lock();

	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	console_unlock(held);
}
