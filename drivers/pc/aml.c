/* SPDX-License-Identifier: MIT */
/* AML encodings (ACPI 6 chapter 20) and resource descriptors (6.4) for Basalt's DSDT builder. */
#include "drivers/pc/aml.h"

#include <string.h>

#define AML_ZERO 0x00
#define AML_ONE 0x01
#define AML_ONES 0xff
#define AML_NAME_OP 0x08
#define AML_BYTE_PREFIX 0x0a
#define AML_WORD_PREFIX 0x0b
#define AML_DWORD_PREFIX 0x0c
#define AML_STRING_PREFIX 0x0d
#define AML_QWORD_PREFIX 0x0e
#define AML_SCOPE_OP 0x10
#define AML_BUFFER_OP 0x11
#define AML_PACKAGE_OP 0x12
#define AML_METHOD_OP 0x14
#define AML_DUAL_NAME 0x2e
#define AML_MULTI_NAME 0x2f
#define AML_EXT_PREFIX 0x5b
#define AML_DEVICE_OP 0x82 /* after AML_EXT_PREFIX */
#define AML_ROOT_CHAR 0x5c
#define AML_PARENT_CHAR 0x5e
#define AML_RETURN_OP 0xa4
#define PKGLEN_RESERVED 4 /* bytes the begin calls keep for the PkgLength */

/* Resource descriptor tags (small: type << 3 | length; large: 0x80 | type). */
#define RES_IRQ_NOFLAGS 0x22
#define RES_IO 0x47
#define RES_END_TAG 0x79
#define RES_DWORD_ADDR 0x87
#define RES_WORD_ADDR 0x88
#define RES_EXT_IRQ 0x89
#define RES_QWORD_ADDR 0x8a
#define RES_TYPE_MEMORY 0
#define RES_TYPE_IO 1
#define RES_TYPE_BUS 2
#define RES_GEN_MIN_FIXED (1u << 2)
#define RES_GEN_MAX_FIXED (1u << 3)
#define RES_IO_ENTIRE_RANGE 3u
#define RES_MEM_READ_WRITE 1u /* non-cacheable: device windows */

void aml_init(struct aml *a, void *buf, size_t cap)
{
	*a = (struct aml){ .buf = buf, .cap = cap };
}

static bool room(struct aml *a, size_t n)
{
	if (a->overflow || n > a->cap - a->len) {
		a->overflow = true;
		return false;
	}
	return true;
}

void aml_bytes(struct aml *a, const void *p, size_t n)
{
	if (!room(a, n))
		return;
	memcpy(a->buf + a->len, p, n);
	a->len += n;
}

void aml_byte(struct aml *a, uint8_t b)
{
	aml_bytes(a, &b, 1);
}

static void le(struct aml *a, uint64_t v, unsigned n)
{
	uint8_t b[8];

	for (unsigned i = 0; i < n; i++)
		b[i] = (uint8_t)(v >> (8 * i));
	aml_bytes(a, b, n);
}

/* ---- PkgLength ---------------------------------------------------------------- */

/* The length counts its own bytes: 1 byte holds up to 63, then 12, 20, 28 bits (0x3f fits 1). */
unsigned aml_pkglength_size(size_t body_len)
{
	if (body_len + 1 <= 0x3f)
		return 1;
	if (body_len + 2 <= 0xfff)
		return 2;
	if (body_len + 3 <= 0xfffff)
		return 3;
	if (body_len + 4 <= AML_PKGLENGTH_MAX)
		return 4;
	return 0;
}

unsigned aml_pkglength_encode(size_t body_len, uint8_t *out)
{
	unsigned n = aml_pkglength_size(body_len);
	size_t total = body_len + n;

	if (n == 1) {
		out[0] = (uint8_t)total;
	} else if (n) {
		/* Lead byte: bits 7-6 = following bytes, bits 3-0 = the low nibble; then 8 bits each. */
		out[0] = (uint8_t)(((n - 1) << 6) | (total & 0xf));
		for (unsigned i = 1; i < n; i++)
			out[i] = (uint8_t)(total >> (4 + 8 * (i - 1)));
	}
	return n;
}

/* ---- names ---------------------------------------------------------------------- */

static bool is_lead_char(char c)
{
	return (c >= 'A' && c <= 'Z') || c == '_';
}

static bool is_name_char(char c)
{
	return is_lead_char(c) || (c >= '0' && c <= '9');
}

/* Counts the dot-separated segments of p, checking each; 0 when one is malformed. */
static unsigned count_segments(const char *p)
{
	unsigned segs = 0, n = 0;

	for (;; p++) {
		if (*p == '.' || *p == '\0') {
			if (n == 0)
				return 0;
			segs++;
			n = 0;
			if (*p == '\0')
				return segs;
			continue;
		}
		if (n == 4 || !(n == 0 ? is_lead_char(*p) : is_name_char(*p)))
			return 0;
		n++;
	}
}

static void name_segments(struct aml *a, const char *p)
{
	while (*p) {
		char seg[4] = { '_', '_', '_', '_' };

		for (unsigned i = 0; *p && *p != '.'; i++)
			seg[i] = *p++;
		aml_bytes(a, seg, 4);
		if (*p == '.')
			p++;
	}
}

void aml_name_string(struct aml *a, const char *path)
{
	unsigned segs;

	if (*path == '\\') {
		aml_byte(a, AML_ROOT_CHAR);
		path++;
	}
	while (*path == '^') {
		aml_byte(a, AML_PARENT_CHAR);
		path++;
	}
	segs = count_segments(path);
	if (segs == 0 || segs > 255) {
		a->overflow = true;
		return;
	}
	if (segs == 2) {
		aml_byte(a, AML_DUAL_NAME);
	} else if (segs > 2) {
		aml_byte(a, AML_MULTI_NAME);
		aml_byte(a, (uint8_t)segs);
	}
	name_segments(a, path);
}

/* ---- data ------------------------------------------------------------------------- */

void aml_integer(struct aml *a, uint64_t v)
{
	if (v == 0)
		aml_byte(a, AML_ZERO);
	else if (v == 1)
		aml_byte(a, AML_ONE);
	else if (v == ~0ull)
		aml_byte(a, AML_ONES); /* all ones in a revision-2 (64-bit) table */
	else if (v <= 0xff)
		aml_byte(a, AML_BYTE_PREFIX), le(a, v, 1);
	else if (v <= 0xffff)
		aml_byte(a, AML_WORD_PREFIX), le(a, v, 2);
	else if (v <= 0xffffffffu)
		aml_byte(a, AML_DWORD_PREFIX), le(a, v, 4);
	else
		aml_byte(a, AML_QWORD_PREFIX), le(a, v, 8);
}

void aml_string(struct aml *a, const char *s)
{
	aml_byte(a, AML_STRING_PREFIX);
	aml_bytes(a, s, strlen(s) + 1);
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Three letters in 5 bits each ('A' = 1), then four hex digits; the DWord is stored with the
 * letters in its first two bytes (ACPI 6 19.6.35, EISAID). */
void aml_eisa_id(struct aml *a, const char *id)
{
	uint8_t b[4];
	int d[4];

	if (strlen(id) != 7 || !is_lead_char(id[0]) || !is_lead_char(id[1]) || !is_lead_char(id[2])) {
		a->overflow = true;
		return;
	}
	for (unsigned i = 0; i < 4; i++) {
		d[i] = hex_digit(id[3 + i]);
		if (d[i] < 0) {
			a->overflow = true;
			return;
		}
	}
	b[0] = (uint8_t)(((id[0] & 0x1f) << 2) | ((id[1] & 0x1f) >> 3));
	b[1] = (uint8_t)(((id[1] & 0x07) << 5) | (id[2] & 0x1f));
	b[2] = (uint8_t)(d[0] << 4 | d[1]);
	b[3] = (uint8_t)(d[2] << 4 | d[3]);
	aml_byte(a, AML_DWORD_PREFIX);
	aml_bytes(a, b, 4);
}

/* ---- nested objects ----------------------------------------------------------------- */

static aml_mark open_pkg(struct aml *a)
{
	aml_mark m = a->len;

	if (!room(a, PKGLEN_RESERVED))
		return 0;
	a->len += PKGLEN_RESERVED;
	return m;
}

void aml_end(struct aml *a, aml_mark m)
{
	uint8_t enc[PKGLEN_RESERVED];
	size_t body, body_start = m + PKGLEN_RESERVED;
	unsigned n;

	if (a->overflow || m == 0 || body_start > a->len)
		return;
	body = a->len - body_start;
	n = aml_pkglength_encode(body, enc);
	if (n == 0) {
		a->overflow = true;
		return;
	}
	memmove(a->buf + m + n, a->buf + body_start, body);
	memcpy(a->buf + m, enc, n);
	a->len = m + n + body;
}

void aml_name(struct aml *a, const char *path)
{
	aml_byte(a, AML_NAME_OP);
	aml_name_string(a, path);
}

aml_mark aml_scope_begin(struct aml *a, const char *path)
{
	aml_mark m;

	aml_byte(a, AML_SCOPE_OP);
	m = open_pkg(a);
	aml_name_string(a, path);
	return m;
}

aml_mark aml_device_begin(struct aml *a, const char *path)
{
	aml_mark m;

	aml_byte(a, AML_EXT_PREFIX);
	aml_byte(a, AML_DEVICE_OP);
	m = open_pkg(a);
	aml_name_string(a, path);
	return m;
}

aml_mark aml_method_begin(struct aml *a, const char *path, unsigned nargs, bool serialized)
{
	aml_mark m;

	if (nargs > 7) {
		a->overflow = true;
		return 0;
	}
	aml_byte(a, AML_METHOD_OP);
	m = open_pkg(a);
	aml_name_string(a, path);
	aml_byte(a, (uint8_t)(nargs | (serialized ? 1u << 3 : 0))); /* sync level 0 */
	return m;
}

aml_mark aml_package_begin(struct aml *a, unsigned count)
{
	aml_mark m;

	if (count > 255) {
		a->overflow = true;
		return 0;
	}
	aml_byte(a, AML_PACKAGE_OP);
	m = open_pkg(a);
	aml_byte(a, (uint8_t)count);
	return m;
}

aml_mark aml_buffer_begin(struct aml *a)
{
	aml_byte(a, AML_BUFFER_OP);
	return open_pkg(a);
}

/* The BufferSize integer goes in front of the bytes, which move up to make room for it. */
void aml_buffer_end(struct aml *a, aml_mark m)
{
	size_t start = m + PKGLEN_RESERVED, bytes;
	uint8_t tmp[9];
	struct aml t;

	if (a->overflow || m == 0 || start > a->len)
		return;
	bytes = a->len - start;
	aml_init(&t, tmp, sizeof(tmp));
	aml_integer(&t, bytes);
	if (!room(a, t.len))
		return;
	memmove(a->buf + start + t.len, a->buf + start, bytes);
	memcpy(a->buf + start, tmp, t.len);
	a->len += t.len;
	aml_end(a, m);
}

void aml_return(struct aml *a)
{
	aml_byte(a, AML_RETURN_OP);
}

/* ---- resource descriptors -------------------------------------------------------------- */

void aml_res_io(struct aml *a, uint16_t min, uint16_t max, uint8_t align, uint8_t len)
{
	aml_byte(a, RES_IO);
	aml_byte(a, 1); /* decodes 16 address bits */
	le(a, min, 2);
	le(a, max, 2);
	aml_byte(a, align);
	aml_byte(a, len);
}

void aml_res_irq_noflags(struct aml *a, uint16_t mask)
{
	aml_byte(a, RES_IRQ_NOFLAGS);
	le(a, mask, 2);
}

/* Address space descriptors share one shape; only the width of the five numbers differs. */
static void address_space(struct aml *a, uint8_t tag, unsigned width, uint8_t type, uint8_t gen,
			  uint8_t type_flags, uint64_t min, uint64_t max)
{
	aml_byte(a, tag);
	le(a, 3 + 5 * width, 2); /* bytes after the length field */
	aml_byte(a, type);
	aml_byte(a, (uint8_t)(gen | RES_GEN_MIN_FIXED | RES_GEN_MAX_FIXED));
	aml_byte(a, type_flags);
	le(a, 0, width);   /* granularity: fixed windows need none */
	le(a, min, width);
	le(a, max, width);
	le(a, 0, width);   /* translation offset: the host bridge maps 1:1 */
	le(a, max - min + 1, width);
}

void aml_res_word_bus(struct aml *a, uint16_t min, uint16_t max)
{
	address_space(a, RES_WORD_ADDR, 2, RES_TYPE_BUS, 0, 0, min, max);
}

void aml_res_word_io(struct aml *a, uint16_t min, uint16_t max)
{
	address_space(a, RES_WORD_ADDR, 2, RES_TYPE_IO, 0, RES_IO_ENTIRE_RANGE, min, max);
}

void aml_res_dword_memory(struct aml *a, unsigned flags, uint32_t min, uint32_t max)
{
	address_space(a, RES_DWORD_ADDR, 4, RES_TYPE_MEMORY, (uint8_t)(flags & AML_RES_CONSUMER),
		      RES_MEM_READ_WRITE, min, max);
}

void aml_res_qword_memory(struct aml *a, unsigned flags, uint64_t min, uint64_t max)
{
	address_space(a, RES_QWORD_ADDR, 8, RES_TYPE_MEMORY, (uint8_t)(flags & AML_RES_CONSUMER),
		      RES_MEM_READ_WRITE, min, max);
}

void aml_res_ext_irq(struct aml *a, unsigned flags, bool level, bool active_low, bool shared, uint32_t gsi)
{
	uint8_t f = (uint8_t)(flags & AML_RES_CONSUMER);

	f |= level ? 0 : 1u << 1; /* _HE: 1 = edge */
	f |= active_low ? 1u << 2 : 0;
	f |= shared ? 1u << 3 : 0;
	aml_byte(a, RES_EXT_IRQ);
	le(a, 6, 2); /* flags, count, one interrupt; no resource source */
	aml_byte(a, f);
	aml_byte(a, 1);
	le(a, gsi, 4);
}

/* The checksum makes every byte of the template, itself included, sum to zero. */
void aml_res_end_tag(struct aml *a, aml_mark buffer)
{
	size_t start = buffer + PKGLEN_RESERVED;
	uint8_t sum = RES_END_TAG;

	if (a->overflow || buffer == 0 || start > a->len)
		return;
	for (size_t i = start; i < a->len; i++)
		sum = (uint8_t)(sum + a->buf[i]);
	aml_byte(a, RES_END_TAG);
	aml_byte(a, (uint8_t)(0x100 - sum));
}
