/* SPDX-License-Identifier: MIT */
/* Unit tests for bzimage_parse: synthetic headers for every refusal, plus Debian's kernel if cached. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kernel/bootparams.h"
#include "kernel/bzimage.h"
#include "kernel/errno.h"

/* ---- a synthetic bzImage ------------------------------------------------------------------- */

#define SETUP_SECTS 4
#define SETUP_SIZE ((SETUP_SECTS + 1) * 512)
#define PM_SIZE 0x3000
#define IMAGE_SIZE (SETUP_SIZE + PM_SIZE)
#define VERSION_OFF 0x300 /* kernel_version field: the string lives at this + 0x200 */

static uint8_t img[IMAGE_SIZE];
static char why[128];

static void put(size_t off, uint64_t v, unsigned bytes)
{
	for (unsigned i = 0; i < bytes; i++)
		img[off + i] = (uint8_t)(v >> (8 * i));
}

#define HDR(f) (BOOT_HDR_OFFSET + offsetof(struct setup_header, f))
#define SET(f, v) put(HDR(f), (v), sizeof(((struct setup_header *)0)->f))

/* A header shaped like Debian 6.1's: protocol 2.15, relocatable, 64-bit, 2 MiB alignment. */
static int setup_image(void **state)
{
	(void)state;
	memset(img, 0, sizeof(img));
	img[0x1ef] = 0xff; /* the sentinel, as real images have it */
	SET(setup_sects, SETUP_SECTS);
	SET(boot_flag, BOOT_FLAG_MAGIC);
	img[0x200] = 0xeb;
	img[0x201] = BOOT_HDR_END - 0x202;
	SET(header, BOOT_HDR_MAGIC);
	SET(version, 0x020f);
	SET(kernel_version, VERSION_OFF);
	SET(loadflags, LOADED_HIGH);
	SET(initrd_addr_max, 0x7fffffff);
	SET(kernel_alignment, 0x200000);
	SET(relocatable_kernel, 1);
	SET(min_alignment, 21);
	SET(xloadflags, XLF_KERNEL_64 | XLF_CAN_BE_LOADED_ABOVE_4G);
	SET(cmdline_size, 0x7ff);
	SET(payload_offset, 0x100);
	SET(payload_length, 0x2000);
	SET(pref_address, 0x1000000);
	SET(init_size, 0x800000);
	memcpy(img + VERSION_OFF + 0x200, "6.1.0-test (basalt) #1", 23);
	memset(why, 0, sizeof(why));
	return 0;
}

/* Parses a heap copy of exactly size bytes, so ASan sees any read past the end. */
static int parse_n(size_t size, struct bzimage_info *k)
{
	uint8_t *copy = malloc(size ? size : 1);
	int rc;

	assert_non_null(copy);
	memcpy(copy, img, size);
	rc = bzimage_parse(copy, size, k, why, sizeof(why));
	free(copy);
	return rc;
}

static void expect_refusal(size_t size, const char *needle)
{
	struct bzimage_info k;

	memset(&k, 0x5a, sizeof(k));
	assert_int_equal(parse_n(size, &k), -EINVAL);
	if (!strstr(why, needle))
		fail_msg("reason \"%s\" lacks \"%s\"", why, needle);
	for (size_t i = 0; i < sizeof(k); i++) /* out is written only on success */
		assert_int_equal(((uint8_t *)&k)[i], 0x5a);
}

/* ---- accepted ------------------------------------------------------------------------------- */

static void test_valid(void **state)
{
	struct bzimage_info k;

	(void)state;
	assert_int_equal(parse_n(IMAGE_SIZE, &k), 0);
	assert_string_equal(why, "");
	assert_int_equal(k.version, 0x020f);
	assert_int_equal(k.setup_sects, SETUP_SECTS);
	assert_int_equal(k.setup_size, SETUP_SIZE);
	assert_int_equal(k.pm_offset, SETUP_SIZE);
	assert_int_equal(k.pm_size, PM_SIZE);
	assert_int_equal(k.header_end, BOOT_HDR_END);
	assert_int_equal(k.pref_address, 0x1000000);
	assert_int_equal(k.kernel_alignment, 0x200000);
	assert_int_equal(k.init_size, 0x800000);
	assert_int_equal(k.initrd_addr_max, 0x7fffffff);
	assert_int_equal(k.cmdline_size, 0x7ff);
	assert_int_equal(k.payload_offset, 0x100);
	assert_int_equal(k.payload_length, 0x2000);
	assert_int_equal(k.loadflags, LOADED_HIGH);
	assert_int_equal(k.xloadflags, XLF_KERNEL_64 | XLF_CAN_BE_LOADED_ABOVE_4G);
	assert_string_equal(k.kernel_version, "6.1.0-test (basalt) #1");
}

static void test_setup_sects_zero_means_four(void **state)
{
	struct bzimage_info k;

	(void)state;
	SET(setup_sects, 0);
	assert_int_equal(parse_n(IMAGE_SIZE, &k), 0);
	assert_int_equal(k.setup_sects, 4);
	assert_int_equal(k.pm_offset, 5 * 512);
}

static void test_setup_sects_changes_split(void **state)
{
	struct bzimage_info k;

	(void)state;
	SET(setup_sects, 10);
	assert_int_equal(parse_n(IMAGE_SIZE, &k), 0);
	assert_int_equal(k.pm_offset, 11 * 512);
	assert_int_equal(k.pm_size, IMAGE_SIZE - 11 * 512);
}

static void test_version_string_bounded(void **state)
{
	struct bzimage_info k;

	(void)state;
	SET(kernel_version, 0); /* none */
	assert_int_equal(parse_n(IMAGE_SIZE, &k), 0);
	assert_string_equal(k.kernel_version, "");
	SET(kernel_version, 0xffff); /* points past the setup area: ignored, not read */
	assert_int_equal(parse_n(IMAGE_SIZE, &k), 0);
	assert_string_equal(k.kernel_version, "");
	SET(kernel_version, SETUP_SIZE - 0x200 - 3); /* runs into the end of the setup area */
	memcpy(img + SETUP_SIZE - 3, "abc", 3);
	assert_int_equal(parse_n(IMAGE_SIZE, &k), 0);
	assert_string_equal(k.kernel_version, "abc");
	SET(kernel_version, VERSION_OFF);
	memset(img + VERSION_OFF + 0x200, 'x', 200); /* longer than the copy: cut, terminated */
	assert_int_equal(parse_n(IMAGE_SIZE, &k), 0);
	assert_int_equal(strlen(k.kernel_version), BZIMAGE_VERSION_MAX - 1);
}

static void test_minimal_values_accepted(void **state)
{
	struct bzimage_info k;

	(void)state;
	SET(version, BZIMAGE_MIN_VERSION);
	SET(kernel_alignment, 0x1000);
	SET(init_size, PM_SIZE);
	SET(cmdline_size, 1);
	SET(initrd_addr_max, 0x100000);
	SET(payload_offset, PM_SIZE);
	SET(payload_length, 0);
	assert_int_equal(parse_n(IMAGE_SIZE, &k), 0);
}

/* ---- refused -------------------------------------------------------------------------------- */

static void test_truncated(void **state)
{
	(void)state;
	expect_refusal(0, "too small for a setup header");
	expect_refusal(0x1f0, "too small for a setup header");
	expect_refusal(BOOT_HDR_END - 1, "too small for a setup header");
	expect_refusal(BOOT_HDR_END, "setup_sects 4 needs 0xa00 bytes but the image has only 0x26c");
	expect_refusal(SETUP_SIZE - 1, "setup_sects 4 needs");
	expect_refusal(SETUP_SIZE, "protected-mode part is empty");
	expect_refusal(SETUP_SIZE + 0x10, "payload"); /* the payload no longer fits */
}

/* Every length from 0 to the full image: never a read outside, never success before the payload. */
static void test_every_truncation(void **state)
{
	struct bzimage_info k;

	(void)state;
	for (size_t n = 0; n <= IMAGE_SIZE; n++) {
		int rc = parse_n(n, &k);

		if (n < SETUP_SIZE + 0x2100)
			assert_int_equal(rc, -EINVAL);
		else
			assert_int_equal(rc, 0);
		assert_true(strlen(why) < sizeof(why));
	}
}

static void test_null_image(void **state)
{
	struct bzimage_info k;

	(void)state;
	assert_int_equal(bzimage_parse(NULL, 100, &k, why, sizeof(why)), -EINVAL);
	assert_string_equal(why, "no image");
}

static void test_bad_boot_flag(void **state)
{
	(void)state;
	SET(boot_flag, 0x55aa);
	expect_refusal(IMAGE_SIZE, "boot_flag is 0x55aa, not 0xaa55");
}

static void test_bad_magic(void **state)
{
	(void)state;
	SET(header, 0x53726449);
	expect_refusal(IMAGE_SIZE, "setup header magic is 0x53726449");
}

static void test_old_version(void **state)
{
	(void)state;
	SET(version, 0x0202);
	expect_refusal(IMAGE_SIZE, "protocol version 0x0202 is older than 2.12");
	assert_string_equal(why, "protocol version 0x0202 is older than 2.12");
	SET(version, 0x020b);
	expect_refusal(IMAGE_SIZE, "protocol version 0x020b is older than 2.12");
}

static void test_short_header(void **state)
{
	(void)state;
	img[0x201] = 0x5e; /* header ends at 0x260: no init_size */
	expect_refusal(IMAGE_SIZE, "setup header ends at 0x260");
}

static void test_not_loaded_high(void **state)
{
	(void)state;
	SET(loadflags, CAN_USE_HEAP);
	expect_refusal(IMAGE_SIZE, "loadflags 0x80 lack LOADED_HIGH");
}

static void test_not_relocatable(void **state)
{
	(void)state;
	SET(relocatable_kernel, 0);
	expect_refusal(IMAGE_SIZE, "relocatable_kernel is 0");
}

static void test_no_64bit_entry(void **state)
{
	(void)state;
	SET(xloadflags, XLF_CAN_BE_LOADED_ABOVE_4G | XLF_EFI_HANDOVER_64);
	expect_refusal(IMAGE_SIZE, "xloadflags 0x000a lack XLF_KERNEL_64");
}

static void test_bad_alignment(void **state)
{
	static const uint32_t bad[] = { 0, 0x800, 0x3000, 0x200001, 0x80000000u, 0xffffffffu };

	(void)state;
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char needle[64];

		SET(kernel_alignment, bad[i]);
		snprintf(needle, sizeof(needle), "kernel_alignment 0x%x is not", bad[i]);
		expect_refusal(IMAGE_SIZE, needle);
	}
}

static void test_setup_sects_past_end(void **state)
{
	(void)state;
	SET(setup_sects, 200);
	expect_refusal(IMAGE_SIZE, "setup_sects 200 needs 0x19200 bytes but the image has only 0x3a00");
	SET(setup_sects, 28); /* exactly the whole file: nothing left for the kernel */
	expect_refusal(IMAGE_SIZE, "protected-mode part is empty (setup_sects 28");
}

static void test_payload_outside(void **state)
{
	(void)state;
	SET(payload_offset, PM_SIZE + 1);
	SET(payload_length, 0);
	expect_refusal(IMAGE_SIZE, "payload [0x3001, +0x0)");
	SET(payload_offset, 0x10);
	SET(payload_length, 0xfffffff8u); /* offset + length wraps in 32 bits */
	expect_refusal(IMAGE_SIZE, "payload [0x10, +0xfffffff8)");
}

static void test_bad_init_size(void **state)
{
	(void)state;
	SET(init_size, PM_SIZE - 1);
	expect_refusal(IMAGE_SIZE, "init_size 0x2fff is not in [0x3000");
	SET(init_size, 0x40000000);
	expect_refusal(IMAGE_SIZE, "init_size 0x40000000 is not in");
}

static void test_bad_cmdline_size(void **state)
{
	(void)state;
	SET(cmdline_size, 0);
	expect_refusal(IMAGE_SIZE, "cmdline_size is 0");
}

static void test_bad_initrd_addr_max(void **state)
{
	(void)state;
	SET(initrd_addr_max, 0xfffff);
	expect_refusal(IMAGE_SIZE, "initrd_addr_max 0xfffff is below 1 MiB");
}

static void test_reason_buffer_limits(void **state)
{
	struct bzimage_info k;
	char tiny[8];

	(void)state;
	SET(version, 0x0100);
	assert_int_equal(bzimage_parse(img, IMAGE_SIZE, &k, NULL, 0), -EINVAL);
	memset(tiny, 'z', sizeof(tiny));
	assert_int_equal(bzimage_parse(img, IMAGE_SIZE, &k, tiny, sizeof(tiny)), -EINVAL);
	assert_string_equal(tiny, "protoco");
}

/* ---- the real thing ------------------------------------------------------------------------- */

static uint8_t *read_file(const char *path, size_t *size)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf;
	long n;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)n);
	if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	*size = (size_t)n;
	return buf;
}

static void test_debian_kernel(void **state)
{
	const char *path = getenv("BASALT_VMLINUZ") ? getenv("BASALT_VMLINUZ") : "build/linux/vmlinuz";
	struct bzimage_info k;
	size_t size;
	uint8_t *image = read_file(path, &size);

	(void)state;
	if (!image) {
		print_message("%s not found (tools/build-linux-guest.sh makes it): skipped\n", path);
		skip();
	}
	assert_int_equal(bzimage_parse(image, size, &k, why, sizeof(why)), 0);
	print_message("%s: protocol %x.%02x, kernel \"%s\", setup 0x%zx, pm 0x%zx bytes, pref_address 0x%llx, "
		      "alignment 0x%x, init_size 0x%x, initrd_addr_max 0x%x, cmdline_size %u, xloadflags 0x%x\n",
		      path, k.version >> 8, k.version & 0xff, k.kernel_version, k.setup_size, k.pm_size,
		      (unsigned long long)k.pref_address, k.kernel_alignment, k.init_size, k.initrd_addr_max,
		      k.cmdline_size, k.xloadflags);
	assert_true(k.version >= 0x020c);
	assert_true(k.xloadflags & XLF_KERNEL_64);
	assert_int_equal(k.pm_offset + k.pm_size, size);
	assert_true(k.init_size > k.pm_size);
	assert_true(strlen(k.kernel_version) > 0);
	free(image);
}

#define T(f) cmocka_unit_test_setup(f, setup_image)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_valid), T(test_setup_sects_zero_means_four), T(test_setup_sects_changes_split),
		T(test_version_string_bounded), T(test_minimal_values_accepted), T(test_truncated),
		T(test_every_truncation), T(test_null_image), T(test_bad_boot_flag), T(test_bad_magic),
		T(test_old_version), T(test_short_header), T(test_not_loaded_high), T(test_not_relocatable),
		T(test_no_64bit_entry), T(test_bad_alignment), T(test_setup_sects_past_end),
		T(test_payload_outside), T(test_bad_init_size), T(test_bad_cmdline_size),
		T(test_bad_initrd_addr_max), T(test_reason_buffer_limits), T(test_debian_kernel),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
