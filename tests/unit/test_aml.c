/* SPDX-License-Identifier: MIT */
/* Unit tests for drivers/pc/aml.c: PkgLength, integers, names, nested objects, resource templates. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "drivers/pc/aml.h"

static uint8_t buf[8192];
static struct aml a;

static int setup(void **state)
{
	(void)state;
	memset(buf, 0xcc, sizeof(buf));
	aml_init(&a, buf, sizeof(buf));
	return 0;
}

#define EXPECT_BYTES(...)                                                  \
	do {                                                               \
		static const uint8_t want_[] = { __VA_ARGS__ };            \
		assert_true(aml_ok(&a));                                   \
		assert_int_equal(a.len, sizeof(want_));                    \
		assert_memory_equal(buf, want_, sizeof(want_));            \
	} while (0)

/* PkgLength counts its own bytes; the one-byte form ends at 63 (ACPI 6 20.2.4). */
static void test_pkglength_boundaries(void **state)
{
	uint8_t out[4];

	(void)state;
	assert_int_equal(aml_pkglength_encode(0, out), 1);
	assert_int_equal(out[0], 1);
	assert_int_equal(aml_pkglength_encode(62, out), 1);
	assert_int_equal(out[0], 63);
	assert_int_equal(aml_pkglength_encode(63, out), 2); /* 65 = 0x41: lead 0x41, then 0x04 */
	assert_int_equal(out[0], 0x41);
	assert_int_equal(out[1], 0x04);
	assert_int_equal(aml_pkglength_encode(0xffd, out), 2); /* total 0xfff */
	assert_int_equal(out[0], 0x4f);
	assert_int_equal(out[1], 0xff);
	assert_int_equal(aml_pkglength_encode(0xffe, out), 3); /* total 0x1001 */
	assert_int_equal(out[0], 0x81);
	assert_int_equal(out[1], 0x00);
	assert_int_equal(out[2], 0x01);
	assert_int_equal(aml_pkglength_encode(0xffffc, out), 3);
	assert_int_equal(aml_pkglength_encode(0xffffd, out), 4);
	assert_int_equal(out[0], 0xc1); /* total 0x100001 */
	assert_int_equal(out[3], 0x01);
	assert_int_equal(aml_pkglength_size(0x0ffffffb), 4);
	assert_int_equal(aml_pkglength_size(0x0ffffffc), 0);
}

static void test_integers(void **state)
{
	(void)state;
	aml_integer(&a, 0);
	aml_integer(&a, 1);
	aml_integer(&a, ~0ull);
	aml_integer(&a, 2);
	aml_integer(&a, 0xff);
	aml_integer(&a, 0x100);
	aml_integer(&a, 0x10000);
	aml_integer(&a, 0x100000000ull);
	EXPECT_BYTES(0x00, 0x01, 0xff, 0x0a, 0x02, 0x0a, 0xff, 0x0b, 0x00, 0x01, 0x0c, 0x00, 0x00, 0x01, 0x00,
		     0x0e, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00);
}

static void test_names(void **state)
{
	(void)state;
	aml_name_string(&a, "_S5");
	aml_name_string(&a, "\\_SB.PCI0");
	aml_name_string(&a, "^AB.C.D");
	EXPECT_BYTES('_', 'S', '5', '_', 0x5c, 0x2e, '_', 'S', 'B', '_', 'P', 'C', 'I', '0', 0x5e, 0x2f, 3, 'A',
		     'B', '_', '_', 'C', '_', '_', '_', 'D', '_', '_', '_');
}

static void test_bad_names_overflow(void **state)
{
	static const char *const bad[] = { "", "TOOLONG", "A..B", "1ABC", "ab", "\\", "A.", "A-B" };

	(void)state;
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		aml_init(&a, buf, sizeof(buf));
		aml_name_string(&a, bad[i]);
		assert_false(aml_ok(&a));
	}
}

static void test_eisa_id(void **state)
{
	(void)state;
	aml_eisa_id(&a, "PNP0A03"); /* 0x030AD041 */
	aml_eisa_id(&a, "PNP0501");
	EXPECT_BYTES(0x0c, 0x41, 0xd0, 0x0a, 0x03, 0x0c, 0x41, 0xd0, 0x05, 0x01);
	aml_init(&a, buf, sizeof(buf));
	aml_eisa_id(&a, "PNP0a03"); /* lower-case hex is not an EISA ID */
	assert_false(aml_ok(&a));
}

static void test_name_string_value(void **state)
{
	(void)state;
	aml_name(&a, "_HID");
	aml_string(&a, "ACPI0007");
	EXPECT_BYTES(0x08, '_', 'H', 'I', 'D', 0x0d, 'A', 'C', 'P', 'I', '0', '0', '0', '7', 0x00);
}

/* A short body keeps a one-byte PkgLength: the reserved bytes are given back. */
static void test_device_and_package(void **state)
{
	aml_mark d, p;

	(void)state;
	d = aml_device_begin(&a, "DEV0");
	aml_name(&a, "PKG_");
	p = aml_package_begin(&a, 2);
	aml_integer(&a, 0);
	aml_integer(&a, 5);
	aml_end(&a, p);
	aml_end(&a, d);
	EXPECT_BYTES(0x5b, 0x82, 16, 'D', 'E', 'V', '0', 0x08, 'P', 'K', 'G', '_', 0x12, 5, 2, 0x00, 0x0a, 5);
}

static void test_scope_method(void **state)
{
	aml_mark s, m;

	(void)state;
	s = aml_scope_begin(&a, "\\_SB");
	m = aml_method_begin(&a, "_STA", 0, false);
	aml_return(&a);
	aml_integer(&a, 0x0f);
	aml_end(&a, m);
	aml_end(&a, s);
	EXPECT_BYTES(0x10, 16, 0x5c, '_', 'S', 'B', '_', 0x14, 9, '_', 'S', 'T', 'A', 0x00, 0xa4, 0x0a, 0x0f);
}

/* A body longer than 62 bytes moves up one byte for a two-byte PkgLength. */
static void test_long_body(void **state)
{
	aml_mark p;

	(void)state;
	p = aml_package_begin(&a, 100);
	for (unsigned i = 0; i < 100; i++)
		aml_integer(&a, 0);
	aml_end(&a, p);
	assert_true(aml_ok(&a));
	assert_int_equal(a.len, 1 + 2 + 1 + 100);
	assert_int_equal(buf[1], 0x40 | ((103) & 0xf));
	assert_int_equal(buf[2], 103 >> 4);
	assert_int_equal(buf[3], 100);
}

static uint8_t sum(const uint8_t *p, size_t n)
{
	uint8_t s = 0;

	for (size_t i = 0; i < n; i++)
		s = (uint8_t)(s + p[i]);
	return s;
}

/* Buffer { IO(Decode16, 0x3f8, 0x3f8, 1, 8) IRQNoFlags {4} EndTag }: size 13, checksum sums to 0. */
static void test_resource_template(void **state)
{
	aml_mark m;

	(void)state;
	m = aml_buffer_begin(&a);
	aml_res_io(&a, 0x3f8, 0x3f8, 1, 8);
	aml_res_irq_noflags(&a, 1u << 4);
	aml_res_end_tag(&a, m);
	aml_buffer_end(&a, m);
	assert_true(aml_ok(&a));
	assert_int_equal(a.len, 1 + 1 + 2 + 13);
	assert_int_equal(buf[0], 0x11);
	assert_int_equal(buf[1], 16);
	assert_int_equal(buf[2], 0x0a);
	assert_int_equal(buf[3], 13);
	static const uint8_t want[] = { 0x47, 0x01, 0xf8, 0x03, 0xf8, 0x03, 0x01, 0x08, 0x22, 0x10, 0x00, 0x79 };
	assert_memory_equal(buf + 4, want, sizeof(want));
	assert_int_equal(sum(buf + 4, 13), 0);
}

static void test_address_space_descriptors(void **state)
{
	aml_mark m;
	const uint8_t *d;

	(void)state;
	m = aml_buffer_begin(&a);
	aml_res_word_bus(&a, 0, 255);
	aml_res_word_io(&a, 0xd00, 0xffff);
	aml_res_dword_memory(&a, 0, 0xc0000000u, 0xdfffffffu);
	aml_res_qword_memory(&a, AML_RES_CONSUMER, 0x200000000ull, 0x5ffffffffull);
	aml_res_ext_irq(&a, AML_RES_CONSUMER, true, false, true, 9);
	aml_res_end_tag(&a, m);
	aml_buffer_end(&a, m);
	assert_true(aml_ok(&a));
	d = buf + 1 + 2 + 2; /* BufferOp, 2-byte PkgLength (body > 62), BytePrefix size */
	assert_int_equal(buf[3], 0x0a);
	assert_int_equal(buf[4], 115);
	static const uint8_t bus[] = { 0x88, 0x0d, 0x00, 0x02, 0x0c, 0x00, 0, 0, 0, 0, 0xff, 0, 0, 0, 0x00, 0x01 };
	assert_memory_equal(d, bus, sizeof(bus));
	d += 16;
	static const uint8_t io[] = { 0x88, 0x0d, 0x00, 0x01, 0x0c, 0x03, 0, 0, 0x00, 0x0d, 0xff, 0xff, 0, 0, 0x00, 0xf3 };
	assert_memory_equal(d, io, sizeof(io));
	d += 16;
	assert_int_equal(d[0], 0x87);
	assert_int_equal(d[1], 23);
	assert_int_equal(d[4], 0x0c); /* producer, min and max fixed */
	assert_int_equal(d[5], 0x01); /* read/write, non-cacheable */
	assert_int_equal(d[22] | d[23] << 8 | d[24] << 16 | (uint32_t)d[25] << 24, 0x20000000u); /* length */
	d += 26;
	assert_int_equal(d[0], 0x8a);
	assert_int_equal(d[1], 43);
	assert_int_equal(d[4], 0x0d); /* consumer */
	assert_int_equal(d[14 + 4], 0x02); /* min 0x2_0000_0000: byte 4 of the minimum */
	assert_int_equal(d[38 + 4], 0x04); /* length 0x4_0000_0000 */
	d += 46;
	static const uint8_t ext[] = { 0x89, 0x06, 0x00, 0x09, 0x01, 0x09, 0x00, 0x00, 0x00 }; /* consumer, level, high, shared */
	assert_memory_equal(d, ext, sizeof(ext));
	d += 9;
	assert_int_equal(d[0], 0x79);
	assert_int_equal(sum(buf + 5, 115), 0);
	assert_int_equal((size_t)(d + 2 - buf), a.len);
}

static void test_overflow_is_sticky(void **state)
{
	uint8_t small[6];
	aml_mark m;

	(void)state;
	aml_init(&a, small, sizeof(small));
	m = aml_package_begin(&a, 3);
	aml_integer(&a, 0x12345678); /* 5 bytes: no room */
	aml_integer(&a, 0);          /* would fit, but the output is already broken */
	aml_end(&a, m);
	assert_false(aml_ok(&a));
	assert_true(a.len <= sizeof(small));
	aml_init(&a, small, sizeof(small));
	aml_method_begin(&a, "M", 8, false); /* at most 7 arguments */
	assert_false(aml_ok(&a));
	aml_init(&a, small, sizeof(small));
	aml_package_begin(&a, 256);
	assert_false(aml_ok(&a));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_pkglength_boundaries, setup),
		cmocka_unit_test_setup(test_integers, setup),
		cmocka_unit_test_setup(test_names, setup),
		cmocka_unit_test_setup(test_bad_names_overflow, setup),
		cmocka_unit_test_setup(test_eisa_id, setup),
		cmocka_unit_test_setup(test_name_string_value, setup),
		cmocka_unit_test_setup(test_device_and_package, setup),
		cmocka_unit_test_setup(test_scope_method, setup),
		cmocka_unit_test_setup(test_long_body, setup),
		cmocka_unit_test_setup(test_resource_template, setup),
		cmocka_unit_test_setup(test_address_space_descriptors, setup),
		cmocka_unit_test_setup(test_overflow_is_sticky, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
