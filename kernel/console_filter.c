/* SPDX-License-Identifier: MIT */
/* Guest console byte filter: a guest must not drive the operator's terminal or fake other lines. */
#include "kernel/console_filter.h"

#include <string.h>

void console_filter_init(struct console_filter *f)
{
	memset(f, 0, sizeof(*f));
}

/* Shows a byte the terminal would act on as text, so the operator still sees what was sent. */
static void emit_escape(uint8_t byte, console_unit_fn emit, void *ctx)
{
	static const char hex[] = "0123456789abcdef";
	const char unit[CONSOLE_UNIT_MAX] = { '\\', 'x', hex[byte >> 4], hex[byte & 0xf] };

	emit(ctx, unit, sizeof(unit));
}

static void emit_byte(uint8_t byte, bool raw, console_unit_fn emit, void *ctx)
{
	if (raw)
		emit(ctx, (const char *)&byte, 1);
	else
		emit_escape(byte, emit, ctx);
}

static void release_seq(struct console_filter *f, bool raw, console_unit_fn emit, void *ctx)
{
	for (unsigned i = 0; i < f->seq_len; i++)
		emit_byte(f->seq[i], raw, emit, ctx);
	f->seq_len = 0;
}

static void release_crs(struct console_filter *f, bool raw, console_unit_fn emit, void *ctx)
{
	for (; f->crs; f->crs--)
		emit_byte('\r', raw, emit, ctx);
}

void console_filter_release(struct console_filter *f, bool raw, console_unit_fn emit, void *ctx)
{
	release_seq(f, raw, emit, ctx);
	release_crs(f, raw, emit, ctx);
}

/* The range the next byte of the character in seq must fall in. The narrower second-byte ranges
 * refuse overlong forms (E0, F0), surrogates (ED), code points above U+10FFFF (F4) and, after C2,
 * the C1 controls U+0080..U+009F, which some terminals obey like their 8-bit forms. */
static bool is_next_in_seq(const struct console_filter *f, uint8_t byte)
{
	uint8_t lo = 0x80, hi = 0xbf;

	if (f->seq_len == 1) {
		if (f->seq[0] == 0xc2 || f->seq[0] == 0xe0)
			lo = 0xa0;
		else if (f->seq[0] == 0xf0)
			lo = 0x90;
		else if (f->seq[0] == 0xed)
			hi = 0x9f;
		else if (f->seq[0] == 0xf4)
			hi = 0x8f;
	}
	return byte >= lo && byte <= hi;
}

/* Length of the character a lead byte starts; 0 for bytes no valid character starts with. */
static uint8_t utf8_length(uint8_t byte)
{
	if (byte >= 0xc2 && byte <= 0xdf)
		return 2;
	if (byte >= 0xe0 && byte <= 0xef)
		return 3;
	if (byte >= 0xf0 && byte <= 0xf4)
		return 4;
	return 0;
}

static void put_seq_byte(struct console_filter *f, uint8_t byte, console_unit_fn emit, void *ctx)
{
	f->seq[f->seq_len++] = byte;
	if (f->seq_len == f->seq_need) {
		emit(ctx, (const char *)f->seq, f->seq_len);
		f->seq_len = 0;
	}
}

/* A \r is held until the next byte says whether it ends a line; beyond the hold the oldest goes out. */
static void hold_cr(struct console_filter *f, bool raw, console_unit_fn emit, void *ctx)
{
	if (f->crs == CONSOLE_FILTER_CR_HOLD)
		emit_byte('\r', raw, emit, ctx);
	else
		f->crs++;
}

static void put_safe(struct console_filter *f, uint8_t byte, console_unit_fn emit, void *ctx)
{
	uint8_t need = utf8_length(byte);

	if (byte == '\t' || (byte >= 0x20 && byte < 0x7f)) {
		emit(ctx, (const char *)&byte, 1);
	} else if (need) {
		f->seq_need = need;
		put_seq_byte(f, byte, emit, ctx);
	} else {
		emit_escape(byte, emit, ctx);
	}
}

/* Bytes that start escape or control sequences, switch character sets, or are C1 controls in
 * their 8-bit form; \t, \r and backspace only move the cursor. */
static bool is_state_changing(uint8_t byte)
{
	if (byte < 0x20)
		return byte != '\t' && byte != '\r' && byte != '\b';
	return byte >= 0x7f && byte <= 0x9f;
}

void console_filter_put(struct console_filter *f, uint8_t byte, bool raw, console_unit_fn emit, void *ctx)
{
	if (f->seq_len) {
		if (!raw && is_next_in_seq(f, byte)) {
			put_seq_byte(f, byte, emit, ctx);
			return;
		}
		release_seq(f, raw, emit, ctx); /* the byte did not continue it: look at it afresh */
	}
	if (byte == '\r') {
		hold_cr(f, raw, emit, ctx);
		return;
	}
	if (byte == '\n') {
		f->crs = 0;
		emit(ctx, "\n", 1);
		return;
	}
	release_crs(f, raw, emit, ctx);
	if (!raw) {
		put_safe(f, byte, emit, ctx);
		return;
	}
	if (is_state_changing(byte))
		f->touched = true;
	emit(ctx, (const char *)&byte, 1);
}
