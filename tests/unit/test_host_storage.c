/* SPDX-License-Identifier: MIT */
/* Unit tests for drivers/host/host_storage.c: ACPI MCFG -> fake ECAM -> fake NVMe with a GPT -> partition claims. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "arch/x86/acpi.h"
#include "drivers/host/host_storage.h"
#include "drivers/host/pci_host.h"
#include "kernel/errno.h"
#include "tests/unit/gpt_builder.h"
#include "tests/unit/nvme_fake.h"

#define DISK_BYTES (8u << 20)
#define GUID_D2 "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"

/* ---- doubles ------------------------------------------------------------------------------ */

static struct fake_nvme *fake;
static uint64_t now;
static char log_text[8192];
static size_t log_len;
static unsigned map_calls;
static uint64_t mapped[8][2];

uint64_t clock_ns(void)
{
	now += 1000 * 1000;
	if (fake)
		fake_step(fake);
	return now;
}

void kprintf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	int n = vsnprintf(log_text + log_len, sizeof(log_text) - log_len, fmt, ap);
	va_end(ap);
	if (n > 0 && log_len + (size_t)n < sizeof(log_text))
		log_len += (size_t)n;
}

void *pages_alloc(size_t count, uint64_t align)
{
	void *p = aligned_alloc(align, count * 4096);

	memset(p, 0, count * 4096);
	return p;
}

void pages_free(void *p, size_t count)
{
	(void)count;
	free(p);
}

int paging_map_uc(uint64_t pa, uint64_t size)
{
	if (map_calls < 8) {
		mapped[map_calls][0] = pa;
		mapped[map_calls][1] = size;
	}
	map_calls++;
	return 0;
}

/* ---- the machine: ACPI tables, one ECAM bus, an NVMe function, its disk -------------------- */

static uint8_t *acpi, *ecam, *ram;

static void fix_sum(uint8_t *p, size_t len, uint8_t *sum_byte)
{
	uint8_t s = 0;

	*sum_byte = 0;
	for (size_t i = 0; i < len; i++)
		s += p[i];
	*sum_byte = (uint8_t)-s;
}

static struct acpi_header *table(uint8_t *at, const char *sig, const void *body, uint32_t body_len)
{
	struct acpi_header *h = (struct acpi_header *)at;

	memset(h, 0, sizeof(*h));
	memcpy(h->signature, sig, 4);
	h->length = (uint32_t)sizeof(*h) + body_len;
	h->revision = 1;
	memcpy(at + sizeof(*h), body, body_len);
	fix_sum(at, h->length, &h->checksum);
	return h;
}

static uint64_t build_acpi(void)
{
	uint8_t mcfg_body[8 + 16] = { 0 };
	struct acpi_mcfg_alloc a = { (uint64_t)(uintptr_t)ecam, 0, 0, 0, 0 };
	struct acpi_rsdp *r = (struct acpi_rsdp *)acpi;

	memcpy(mcfg_body + 8, &a, sizeof(a));
	struct acpi_header *mcfg = table(acpi + 256, "MCFG", mcfg_body, sizeof(mcfg_body));
	uint64_t mcfg_pa = (uint64_t)(uintptr_t)mcfg;
	struct acpi_header *xsdt = table(acpi + 128, "XSDT", &mcfg_pa, 8);
	memset(r, 0, sizeof(*r));
	memcpy(r->signature, "RSD PTR ", 8);
	r->revision = 2;
	r->length = sizeof(*r);
	r->xsdt_address = (uint64_t)(uintptr_t)xsdt;
	fix_sum(acpi, 20, &r->checksum);
	fix_sum(acpi, sizeof(*r), &r->extended_checksum);
	return (uint64_t)(uintptr_t)r;
}

static void build_pci(void)
{
	uint8_t *hb = ecam, *nv = ecam + 3 * 8 * 4096;
	uint64_t bar = (uint64_t)(uintptr_t)fake->regs;
	uint32_t v;

	memset(ecam, 0xff, 1 << 20);
	memset(hb, 0, 4096);
	v = 0x29c08086;
	memcpy(hb, &v, 4);
	v = 0x06000000;
	memcpy(hb + 8, &v, 4);
	memset(nv, 0, 4096);
	v = 0x00101b36;
	memcpy(nv, &v, 4);
	v = 0x01080200;
	memcpy(nv + 8, &v, 4);
	v = (uint32_t)bar | 4; /* 64-bit memory BAR */
	memcpy(nv + 0x10, &v, 4);
	v = (uint32_t)(bar >> 32);
	memcpy(nv + 0x14, &v, 4);
}

static const struct tpart parts[] = {
	{ "web-root", 2048, 6143, NULL },
	{ "scratch", 6144, 8191, NULL },
	{ "data", 8192, 9215, NULL },
	{ "data", 9216, 10239, GUID_D2 },
};

static int init_rc;

static int group_setup(void **state)
{
	(void)state;
	acpi = calloc(1, 4096);
	ecam = aligned_alloc(4096, 1 << 20);
	ram = calloc(1, DISK_BYTES);
	fake = aligned_alloc(4096, sizeof(*fake));
	fake_init(fake, ram, DISK_BYTES / 512, 9);
	gptb_build(ram, DISK_BYTES, 512, 128, 128, parts, 4);
	build_pci();
	assert_int_equal(host_storage_init(0), 0); /* no ACPI: nothing found, not an error */
	init_rc = host_storage_init(build_acpi());
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	fake = NULL;
	free(acpi);
	free(ecam);
	free(ram);
	return 0; /* fake and the driver's memory stay: the registry points into them */
}

/* ---- tests -------------------------------------------------------------------------------- */

static void test_init_finds_drive_and_partitions(void **state)
{
	(void)state;
	assert_int_equal(init_rc, 4);
	assert_non_null(strstr(log_text, "basalt: nvme0: Fake NVMe Ctrl serial FAKE-SN-0001, 1 namespace, 8 MiB"));
	assert_non_null(strstr(log_text, "nvme0n1p1 'web-root' 2 MiB"));
	assert_non_null(strstr(log_text, "nvme0n1p4 'data' 512 KiB"));
	assert_non_null(strstr(log_text, GUID_D2));
	assert_true(map_calls >= 2);
	assert_int_equal(mapped[0][0], (uint64_t)(uintptr_t)ecam);
	assert_int_equal(mapped[0][1], 1 << 20);
	assert_int_equal(mapped[1][0], (uint64_t)(uintptr_t)fake->regs);
	uint32_t cmd;
	memcpy(&cmd, ecam + 3 * 8 * 4096 + 4, 4);
	assert_int_equal(cmd & (PCI_CMD_MEMORY | PCI_CMD_BUS_MASTER), PCI_CMD_MEMORY | PCI_CMD_BUS_MASTER);
}

static void test_writable_claim_is_exclusive(void **state)
{
	struct blkdev *bd = NULL, *other = NULL;
	char why[96];
	uint8_t sec[512];

	(void)state;
	assert_int_equal(host_storage_find_partition("web-root", NULL, false, &bd, why, sizeof(why)), 0);
	assert_non_null(bd);
	assert_false(bd->read_only);
	assert_true(bd->persistent);
	assert_int_equal(bd->sectors, 4096);
	assert_string_equal(bd->name, "nvme0n1p1 (web-root)");
	memset(sec, 0x5c, sizeof(sec));
	assert_int_equal(bd->ops->write(bd, 10, sec, 1), 0);
	assert_int_equal(ram[(2048 + 10) * 512], 0x5c);
	assert_int_equal(bd->ops->write(bd, 4096, sec, 1), -EINVAL);
	assert_int_equal(bd->ops->read(bd, 4095, sec, 2), -EINVAL);
	assert_int_equal(bd->ops->flush(bd), 0);
	assert_int_equal(host_storage_find_partition("web-root", NULL, false, &other, why, sizeof(why)), -EBUSY);
	assert_non_null(strstr(why, "web-root"));
	assert_int_equal(host_storage_find_partition("web-root", NULL, true, &other, why, sizeof(why)), -EBUSY);
	assert_null(other);
}

static void test_read_only_claims_share(void **state)
{
	struct blkdev *a = NULL, *b = NULL, *c = NULL;
	char why[96];
	uint8_t sec[512] = { 0 };

	(void)state;
	assert_int_equal(host_storage_find_partition("scratch", NULL, true, &a, why, sizeof(why)), 0);
	assert_int_equal(host_storage_find_partition("scratch", NULL, true, &b, why, sizeof(why)), 0);
	assert_ptr_equal(a, b);
	assert_true(a->read_only);
	assert_int_equal(a->ops->write(a, 0, sec, 1), -30);
	assert_int_equal(a->ops->read(a, 0, sec, 1), 0);
	assert_int_equal(host_storage_find_partition("scratch", NULL, false, &c, why, sizeof(why)), -EBUSY);
	assert_null(c);
}

static void test_ambiguous_missing_and_guid(void **state)
{
	struct blkdev *bd = NULL;
	char why[96];
	char upper[] = "AAAAAAAA-BBBB-CCCC-DDDD-EEEEEEEEEEEE";

	(void)state;
	assert_int_equal(host_storage_find_partition("data", NULL, false, &bd, why, sizeof(why)), -EEXIST);
	assert_non_null(strstr(why, "2 host partitions"));
	assert_int_equal(host_storage_find_partition("nope", NULL, true, &bd, why, sizeof(why)), -ENOENT);
	assert_non_null(strstr(why, "nope"));
	assert_int_equal(host_storage_find_partition(NULL, "not-a-guid", true, &bd, why, sizeof(why)), -EINVAL);
	assert_int_equal(host_storage_find_partition(NULL, NULL, true, &bd, why, sizeof(why)), -EINVAL);
	assert_int_equal(host_storage_find_partition("web-root", GUID_D2, true, &bd, why, sizeof(why)), -ENOENT);
	assert_null(bd);
	assert_int_equal(host_storage_find_partition("data", upper, false, &bd, why, sizeof(why)), 0);
	assert_non_null(bd);
	assert_int_equal(bd->sectors, 1024);
	assert_string_equal(bd->name, "nvme0n1p4 (data)");
	assert_memory_equal(bd->id, "aaaaaaaabbbbccccdddd", BLKDEV_ID_BYTES);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init_finds_drive_and_partitions),
		cmocka_unit_test(test_writable_claim_is_exclusive),
		cmocka_unit_test(test_read_only_claims_share),
		cmocka_unit_test(test_ambiguous_missing_and_guid),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
