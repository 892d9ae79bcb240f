/* SPDX-License-Identifier: MIT */
/* A small vsnprintf for the hypervisor: enough formats for logs, no floating point. */
#include "kernel/console.h"

#include <stdbool.h>
#include <stdint.h>

struct fmt_out {
	char *buf;
	size_t size;
	size_t len;
};

struct fmt_spec {
	bool left;
	bool zero;
	int width;
	int precision;
	int length; /* 0 int, 1 long, 2 long long, 3 size_t */
};

static void out_char(struct fmt_out *o, char c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len] = c;
	o->len++;
}

static void out_padded(struct fmt_out *o, const char *s, size_t n, const struct fmt_spec *sp, char pad)
{
	size_t fill = sp->width > (int)n ? (size_t)sp->width - n : 0;

	if (!sp->left)
		while (fill--)
			out_char(o, pad);
	for (size_t i = 0; i < n; i++)
		out_char(o, s[i]);
	if (sp->left)
		while (fill--)
			out_char(o, ' ');
}

static void out_number(struct fmt_out *o, uint64_t v, bool negative, unsigned base, bool upper,
		       const struct fmt_spec *sp)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24];
	int n = 0;

	do {
		tmp[n++] = digits[v % base];
		v /= base;
	} while (v);
	if (negative && sp->zero && sp->width > 0) {
		struct fmt_spec narrower = *sp;

		out_char(o, '-');
		narrower.width--;
		char rev[24];
		for (int i = 0; i < n; i++)
			rev[i] = tmp[n - 1 - i];
		out_padded(o, rev, (size_t)n, &narrower, '0');
		return;
	}
	if (negative)
		tmp[n++] = '-';
	char rev[24];
	for (int i = 0; i < n; i++)
		rev[i] = tmp[n - 1 - i];
	out_padded(o, rev, (size_t)n, sp, sp->zero ? '0' : ' ');
}

static const char *parse_spec(const char *p, struct fmt_spec *sp, va_list *ap)
{
	*sp = (struct fmt_spec){ .precision = -1 };
	for (;; p++) {
		if (*p == '-')
			sp->left = true;
		else if (*p == '0')
			sp->zero = true;
		else
			break;
	}
	if (*p == '*') {
		sp->width = va_arg(*ap, int);
		if (sp->width < 0) { /* C: a negative '*' width means '-' and its magnitude */
			sp->left = true;
			sp->width = -sp->width;
		}
		p++;
	}
	while (*p >= '0' && *p <= '9')
		sp->width = sp->width * 10 + (*p++ - '0');
	if (*p == '.') {
		sp->precision = 0;
		if (p[1] == '*') {
			sp->precision = va_arg(*ap, int);
			p += 2;
		} else {
			while (*++p >= '0' && *p <= '9')
				sp->precision = sp->precision * 10 + (*p - '0');
		}
	}
	if (*p == 'z') {
		sp->length = 3;
		p++;
	}
	while (*p == 'l') {
		sp->length++;
		p++;
	}
	return p;
}

static uint64_t take_unsigned(va_list *ap, int length)
{
	if (length == 0)
		return va_arg(*ap, unsigned int);
	if (length == 3)
		return va_arg(*ap, size_t);
	return va_arg(*ap, unsigned long long);
}

static int64_t take_signed(va_list *ap, int length)
{
	if (length == 0)
		return va_arg(*ap, int);
	if (length == 3)
		return (int64_t)va_arg(*ap, size_t);
	return va_arg(*ap, long long);
}

static void format_one(struct fmt_out *o, char conv, const struct fmt_spec *sp, va_list *ap)
{
	switch (conv) {
	case 'd':
	case 'i': {
		int64_t v = take_signed(ap, sp->length);
		out_number(o, v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v, v < 0, 10, false, sp);
		break;
	}
	case 'u':
		out_number(o, take_unsigned(ap, sp->length), false, 10, false, sp);
		break;
	case 'x':
	case 'X':
		out_number(o, take_unsigned(ap, sp->length), false, 16, conv == 'X', sp);
		break;
	case 'p': {
		struct fmt_spec hex = { .width = 0 };

		out_char(o, '0');
		out_char(o, 'x');
		out_number(o, (uint64_t)(uintptr_t)va_arg(*ap, void *), false, 16, false, &hex);
		break;
	}
	case '%':
		out_char(o, '%');
		break;
	case 'c': {
		char c = (char)va_arg(*ap, int);

		out_padded(o, &c, 1, sp, ' ');
		break;
	}
	case 's': {
		const char *s = va_arg(*ap, const char *);
		size_t n = 0;

		if (!s)
			s = "(null)";
		while (s[n] && (sp->precision < 0 || n < (size_t)sp->precision))
			n++;
		out_padded(o, s, n, sp, ' ');
		break;
	}
	default:
		out_char(o, '%');
		if (conv)
			out_char(o, conv);
		break;
	}
}

int fmt_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct fmt_out o = { .buf = buf, .size = size };
	va_list args;

	va_copy(args, ap);
	for (const char *p = fmt; *p; p++) {
		struct fmt_spec sp;

		if (*p != '%') {
			out_char(&o, *p);
			continue;
		}
		p = parse_spec(p + 1, &sp, &args);
		if (!*p)
			break;
		format_one(&o, *p, &sp, &args);
	}
	va_end(args);
	if (size)
		buf[o.len < size ? o.len : size - 1] = '\0';
	return (int)o.len;
}

int fmt_snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = fmt_vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}
