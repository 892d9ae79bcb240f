/* SPDX-License-Identifier: MIT */
/* Unit tests for arch/x86/acpi.c: RSDP -> XSDT/RSDT -> MADT built in memory, CPUs counted from it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <cmocka.h>

#include "arch/x86/acpi.h"

#define IMG_SIZE 4096
#define SENTINEL 0xdeadbeefu

/* ---- building tables ---------------------------------------------------------- */

/* Bytes that make `len` bytes starting at p sum to zero, computed the long way. */
static uint8_t fix_sum(const void *p, size_t len, const uint8_t *checksum_byte)
{
	const uint8_t *b = p;
	unsigned sum = 0;

	for (size_t i = 0; i < len; i++)
		if (b + i != checksum_byte)
			sum += b[i];
	return (uint8_t)(256 - sum % 256);
}

struct img {
	uint8_t *mem;
	size_t used;
	struct acpi_rsdp *rsdp;
	struct acpi_header *root;
	struct acpi_header *madt;
};

static void *take(struct img *im, size_t n)
{
	void *p = im->mem + im->used;

	assert_true(im->used + n <= IMG_SIZE);
	im->used += (n + 15) & ~(size_t)15;
	return p;
}

static uint64_t pa(const void *p)
{
	return (uint64_t)(uintptr_t)p;
}

static struct acpi_header *add_table(struct img *im, const char *sig, const void *body, size_t body_len)
{
	struct acpi_header *h = take(im, sizeof(*h) + body_len);

	memset(h, 0, sizeof(*h));
	memcpy(h->signature, sig, 4);
	h->length = (uint32_t)(sizeof(*h) + body_len);
	h->revision = 1;
	memcpy(h->oem_id, "BASALT", 6);
	memcpy((uint8_t *)h + sizeof(*h), body, body_len);
	h->checksum = fix_sum(h, h->length, &h->checksum);
	return h;
}

/* MADT: local APIC address and flags, then the entries. */
static struct acpi_header *add_madt(struct img *im, const uint8_t *entries, size_t len)
{
	uint8_t body[512] = { 0x00, 0x00, 0xe0, 0xfe, 0x01, 0x00, 0x00, 0x00 }; /* 0xfee00000, PCAT_COMPAT */

	assert_true(8 + len <= sizeof(body));
	memcpy(body + 8, entries, len);
	return add_table(im, "APIC", body, 8 + len);
}

/* Root table (XSDT with 8-byte entries, or RSDT with 4-byte ones) listing `n` tables. */
static struct acpi_header *add_root(struct img *im, bool xsdt, struct acpi_header *const *tables, unsigned n)
{
	uint8_t body[64];
	unsigned width = xsdt ? 8 : 4;

	for (unsigned i = 0; i < n; i++) {
		uint64_t a = pa(tables[i]);

		if (!xsdt)
			assert_true(a <= UINT32_MAX);
		memcpy(body + i * width, &a, width);
	}
	return add_table(im, xsdt ? "XSDT" : "RSDT", body, n * width);
}

static struct acpi_rsdp *add_rsdp(struct img *im, uint8_t revision, struct acpi_header *root)
{
	struct acpi_rsdp *r = take(im, sizeof(*r));

	memset(r, 0, sizeof(*r));
	memcpy(r->signature, "RSD PTR ", 8);
	memcpy(r->oem_id, "BASALT", 6);
	r->revision = revision;
	if (revision >= 2) {
		r->xsdt_address = pa(root);
		r->length = sizeof(*r);
	} else {
		r->rsdt_address = (uint32_t)pa(root);
	}
	r->checksum = fix_sum(r, 20, &r->checksum);
	r->extended_checksum = fix_sum(r, sizeof(*r), &r->extended_checksum);
	return r;
}

/* MADT entries, as the ACPI spec lays them out (5.2.12.2 and 5.2.12.12). */
#define LAPIC(uid, id, flags) 0, 8, (uid), (id), (flags), 0, 0, 0
#define X2APIC(id, flags, uid) 9, 16, 0, 0, (id) & 0xff, ((id) >> 8) & 0xff, ((id) >> 16) & 0xff, 0, \
	(flags), 0, 0, 0, (uid), 0, 0, 0
#define IOAPIC(id) 1, 12, (id), 0, 0x00, 0x00, 0xc0, 0xfe, 0, 0, 0, 0
#define LAPIC_NMI 4, 6, 0xff, 0x05, 0x00, 0x01
#define ENABLED 1

static uint8_t *heap;   /* for XSDT images: an ordinary malloc'd buffer */
static uint8_t *low;    /* for RSDT images: 32-bit addresses needed */
static struct img im;

static int setup(void **state)
{
	(void)state;
	heap = malloc(IMG_SIZE);
	assert_non_null(heap);
	memset(heap, 0, IMG_SIZE);
	im = (struct img){ .mem = heap };
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	free(heap);
	return 0;
}

/* Builds RSDP rev 2 -> XSDT -> { FACP decoy, MADT(entries) } in the heap buffer. */
static uint64_t build_xsdt(const uint8_t *entries, size_t len)
{
	static const uint8_t facp_body[8] = { 0 };
	struct acpi_header *tables[2];

	tables[0] = add_table(&im, "FACP", facp_body, sizeof(facp_body));
	tables[1] = im.madt = add_madt(&im, entries, len);
	im.root = add_root(&im, true, tables, 2);
	im.rsdp = add_rsdp(&im, 2, im.root);
	return pa(im.rsdp);
}

static void fill_sentinel(uint32_t *ids, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		ids[i] = SENTINEL;
}

/* ---- tests ---------------------------------------------------------------------- */

static const uint8_t mixed[] = {
	LAPIC(0, 0, ENABLED),
	IOAPIC(8),
	LAPIC(1, 2, ENABLED),
	LAPIC(2, 4, 0), /* disabled */
	LAPIC_NMI,
	X2APIC(0x100, ENABLED, 3),
	X2APIC(0x101, 0, 4), /* disabled */
	LAPIC(5, 6, ENABLED),
};

static void test_counts_enabled_lapic_and_x2apic(void **state)
{
	uint32_t ids[8];
	uint64_t rsdp = build_xsdt(mixed, sizeof(mixed));

	(void)state;
	fill_sentinel(ids, 8);
	assert_int_equal(acpi_find_cpus(rsdp, ids, 8), 4);
	assert_int_equal(ids[0], 0);
	assert_int_equal(ids[1], 2);
	assert_int_equal(ids[2], 0x100);
	assert_int_equal(ids[3], 6);
	assert_int_equal(ids[4], SENTINEL);
}

static void test_honours_max(void **state)
{
	uint32_t ids[4];
	uint64_t rsdp = build_xsdt(mixed, sizeof(mixed));

	(void)state;
	fill_sentinel(ids, 4);
	assert_int_equal(acpi_find_cpus(rsdp, ids, 2), 2);
	assert_int_equal(ids[0], 0);
	assert_int_equal(ids[1], 2);
	assert_int_equal(ids[2], SENTINEL);
	assert_int_equal(acpi_find_cpus(rsdp, ids, 0), 0);
}

static void test_xsdt_table_above_4g(void **state)
{
	uint32_t ids[8];

	(void)state;
	/* The host heap (plain or ASan's) lives above 4 GiB: all 8 bytes of an XSDT entry matter. */
	assert_int_equal(acpi_find_cpus(build_xsdt(mixed, sizeof(mixed)), ids, 8), 4);
	assert_int_not_equal(pa(im.madt) >> 32, 0);
}

static void test_bad_rsdp_signature(void **state)
{
	uint32_t ids[8];
	uint64_t rsdp = build_xsdt(mixed, sizeof(mixed));

	(void)state;
	memcpy(im.rsdp->signature, "RSD PTX ", 8);
	im.rsdp->checksum = fix_sum(im.rsdp, 20, &im.rsdp->checksum);
	assert_int_equal(acpi_find_cpus(rsdp, ids, 8), 0);
	assert_int_equal(acpi_find_cpus(0, ids, 8), 0);
}

static void test_bad_rsdp_checksum(void **state)
{
	uint32_t ids[8];
	uint64_t rsdp = build_xsdt(mixed, sizeof(mixed));

	(void)state;
	im.rsdp->checksum++;
	assert_int_equal(acpi_find_cpus(rsdp, ids, 8), 0);
}

static void test_bad_madt_checksum(void **state)
{
	uint32_t ids[8];
	uint64_t rsdp = build_xsdt(mixed, sizeof(mixed));

	(void)state;
	((uint8_t *)im.madt)[44 + 3] ^= 0x01; /* first LAPIC's id: 0 -> 1, checksum now wrong */
	assert_int_equal(acpi_find_cpus(rsdp, ids, 8), 0);
}

static void test_bad_xsdt_checksum(void **state)
{
	uint32_t ids[8];
	uint64_t rsdp = build_xsdt(mixed, sizeof(mixed));

	(void)state;
	im.root->checksum ^= 0x80;
	assert_int_equal(acpi_find_cpus(rsdp, ids, 8), 0);
}

static void test_zero_length_entry_stops_the_walk(void **state)
{
	static const uint8_t entries[] = {
		LAPIC(0, 1, ENABLED),
		0, 0, 0, 0, 0, 0, 0, 0, /* type 0, length 0: would never advance */
		LAPIC(1, 3, ENABLED),
	};
	uint32_t ids[8];
	uint64_t rsdp = build_xsdt(entries, sizeof(entries));

	(void)state;
	alarm(5); /* an endless loop kills the test binary instead of hanging the run */
	assert_int_equal(acpi_find_cpus(rsdp, ids, 8), 1);
	alarm(0);
	assert_int_equal(ids[0], 1);
}

static void test_entry_running_past_the_table_is_ignored(void **state)
{
	static const uint8_t entries[] = {
		LAPIC(0, 1, ENABLED),
		0, 8, 1, 9, ENABLED, 0, /* a local APIC entry cut off after 6 of its 8 bytes */
	};
	uint32_t ids[8];
	uint64_t rsdp = build_xsdt(entries, sizeof(entries));

	(void)state;
	alarm(5);
	assert_int_equal(acpi_find_cpus(rsdp, ids, 8), 1);
	alarm(0);
	assert_int_equal(ids[0], 1);
}

static void test_madt_shorter_than_its_header(void **state)
{
	uint32_t ids[8];
	static const uint8_t body[4] = { 0 };
	struct acpi_header *t;

	(void)state;
	t = add_table(&im, "APIC", body, sizeof(body)); /* 40 bytes: no room for the MADT fields */
	im.root = add_root(&im, true, &t, 1);
	im.rsdp = add_rsdp(&im, 2, im.root);
	assert_int_equal(acpi_find_cpus(pa(im.rsdp), ids, 8), 0);
}

static void test_no_madt(void **state)
{
	static const uint8_t body[8] = { 0 };
	uint32_t ids[8];
	struct acpi_header *t;

	(void)state;
	t = add_table(&im, "FACP", body, sizeof(body));
	im.root = add_root(&im, true, &t, 1);
	im.rsdp = add_rsdp(&im, 2, im.root);
	assert_int_equal(acpi_find_cpus(pa(im.rsdp), ids, 8), 0);
}

/* MCFG: 8 reserved bytes, then 16-byte allocations; found alongside a MADT. */
static void test_mcfg_ranges(void **state)
{
	uint8_t body[8 + 2 * 16] = { 0 };
	struct acpi_mcfg_alloc a[2] = { { 0xb0000000ull, 0, 0, 0xff, 0 }, { 0x1000000000ull, 1, 0x10, 0x1f, 0 } };
	struct acpi_mcfg_alloc out[4];
	static const uint8_t madt_entries[] = { LAPIC(0, 0, ENABLED) };
	struct acpi_header *t[2];

	(void)state;
	memcpy(body + 8, a, sizeof(a));
	t[0] = add_madt(&im, madt_entries, sizeof(madt_entries));
	t[1] = add_table(&im, "MCFG", body, sizeof(body));
	im.root = add_root(&im, true, t, 2);
	im.rsdp = add_rsdp(&im, 2, im.root);
	assert_int_equal(acpi_find_mcfg(pa(im.rsdp), out, 4), 2);
	assert_int_equal(out[0].base, 0xb0000000ull);
	assert_int_equal(out[0].bus_end, 0xff);
	assert_int_equal(out[1].base, 0x1000000000ull);
	assert_int_equal(out[1].segment, 1);
	assert_int_equal(out[1].bus_start, 0x10);
	assert_int_equal(acpi_find_mcfg(pa(im.rsdp), out, 1), 2); /* count reported, one stored */
	((uint8_t *)t[1])[9] ^= 1; /* checksum broken: no MCFG */
	assert_int_equal(acpi_find_mcfg(pa(im.rsdp), out, 4), 0);
}

/* ---- ACPI 1.0: RSDP revision 0 and a 32-bit RSDT ---------------------------------- */

static int setup_low(void **state)
{
	(void)state;
	/* RSDT entries are 32-bit physical addresses, so this image must sit below 4 GiB. */
	low = mmap(NULL, IMG_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
	assert_true(low != MAP_FAILED);
	im = (struct img){ .mem = low };
	return 0;
}

static int teardown_low(void **state)
{
	(void)state;
	munmap(low, IMG_SIZE);
	return 0;
}

static void test_rsdt_only(void **state)
{
	static const uint8_t entries[] = { LAPIC(0, 0, ENABLED), LAPIC(1, 1, ENABLED), LAPIC(2, 5, 0),
					   LAPIC(3, 7, ENABLED) };
	uint32_t ids[8];
	struct acpi_header *t;

	(void)state;
	t = im.madt = add_madt(&im, entries, sizeof(entries));
	im.root = add_root(&im, false, &t, 1);
	im.rsdp = add_rsdp(&im, 0, im.root);
	fill_sentinel(ids, 8);
	assert_int_equal(acpi_find_cpus(pa(im.rsdp), ids, 8), 3);
	assert_int_equal(ids[0], 0);
	assert_int_equal(ids[1], 1);
	assert_int_equal(ids[2], 7);
	assert_int_equal(ids[3], SENTINEL);
}

static void test_rev2_without_xsdt_uses_rsdt(void **state)
{
	static const uint8_t entries[] = { LAPIC(0, 4, ENABLED) };
	uint32_t ids[8];
	struct acpi_header *t;

	(void)state;
	t = add_madt(&im, entries, sizeof(entries));
	im.root = add_root(&im, false, &t, 1);
	im.rsdp = add_rsdp(&im, 2, im.root);
	im.rsdp->xsdt_address = 0;
	im.rsdp->rsdt_address = (uint32_t)pa(im.root);
	im.rsdp->checksum = fix_sum(im.rsdp, 20, &im.rsdp->checksum);
	im.rsdp->extended_checksum = fix_sum(im.rsdp, sizeof(*im.rsdp), &im.rsdp->extended_checksum);
	assert_int_equal(acpi_find_cpus(pa(im.rsdp), ids, 8), 1);
	assert_int_equal(ids[0], 4);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
#define TL(f) cmocka_unit_test_setup_teardown(f, setup_low, teardown_low)

/* ---- choosing between the MADT's list and the firmware MP services' --------------- */

static void test_choose_keeps_madt_when_firmware_agrees(void **state)
{
	const uint32_t madt[] = { 0, 2, 4, 6 }, fw[] = { 0, 1, 2, 3 };
	uint32_t out[8];
	bool from_fw = true;

	(void)state;
	fill_sentinel(out, 8);
	assert_int_equal(acpi_choose_cpus(madt, 4, fw, 4, out, 8, &from_fw), 4);
	assert_false(from_fw);
	assert_int_equal(out[1], 2);
	assert_int_equal(out[3], 6);
	assert_int_equal(out[4], SENTINEL);
}

static void test_choose_keeps_madt_without_firmware_list(void **state)
{
	const uint32_t madt[] = { 0, 1 };
	uint32_t out[4];
	bool from_fw = true;

	(void)state;
	assert_int_equal(acpi_choose_cpus(madt, 2, NULL, 0, out, 4, &from_fw), 2);
	assert_false(from_fw);
	assert_int_equal(out[1], 1);
}

/* Bochs' OVMF: a one-CPU (or absent) MADT, MP services that started two. */
static void test_choose_firmware_when_it_lists_more(void **state)
{
	const uint32_t madt[] = { 0 }, fw[] = { 0, 1 };
	uint32_t out[4];
	bool from_fw = false;

	(void)state;
	fill_sentinel(out, 4);
	assert_int_equal(acpi_choose_cpus(madt, 1, fw, 2, out, 4, &from_fw), 2);
	assert_true(from_fw);
	assert_int_equal(out[0], 0);
	assert_int_equal(out[1], 1);
	assert_int_equal(out[2], SENTINEL);
	from_fw = false;
	assert_int_equal(acpi_choose_cpus(NULL, 0, fw, 2, out, 4, &from_fw), 2);
	assert_true(from_fw);
}

static void test_choose_honours_max_and_in_place(void **state)
{
	uint32_t ids[8] = { 0, 1, 2, 3, 4, 5, SENTINEL, SENTINEL };
	const uint32_t fw[] = { 7, 8, 9, 10, 11, 12, 13 };
	bool from_fw;

	(void)state;
	assert_int_equal(acpi_choose_cpus(ids, 6, fw, 7, ids, 3, &from_fw), 3);
	assert_true(from_fw);
	assert_int_equal(ids[0], 7);
	assert_int_equal(ids[2], 9);
	assert_int_equal(ids[3], 3);
	assert_int_equal(acpi_choose_cpus(ids, 6, NULL, 0, ids, 2, &from_fw), 2);
	assert_false(from_fw);
	assert_int_equal(ids[1], 8);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_counts_enabled_lapic_and_x2apic),
		T(test_honours_max),
		T(test_xsdt_table_above_4g),
		T(test_bad_rsdp_signature),
		T(test_bad_rsdp_checksum),
		T(test_bad_madt_checksum),
		T(test_bad_xsdt_checksum),
		T(test_zero_length_entry_stops_the_walk),
		T(test_entry_running_past_the_table_is_ignored),
		T(test_madt_shorter_than_its_header),
		T(test_no_madt),
		T(test_mcfg_ranges),
		TL(test_rsdt_only),
		TL(test_rev2_without_xsdt_uses_rsdt),
		cmocka_unit_test(test_choose_keeps_madt_when_firmware_agrees),
		cmocka_unit_test(test_choose_keeps_madt_without_firmware_list),
		cmocka_unit_test(test_choose_firmware_when_it_lists_more),
		cmocka_unit_test(test_choose_honours_max_and_in_place),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
