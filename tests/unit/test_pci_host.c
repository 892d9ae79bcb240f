/* SPDX-License-Identifier: MIT */
/* Unit tests for drivers/host/pci_host.c: a fake ECAM window with a bridge, multi-function and ghost devices. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "drivers/host/pci_host.h"

#define BUS_BYTES (1u << 20)
#define BUSES 2

static uint8_t *ecam;   /* buses 0 and 1; absent functions read all-ones like real ECAM */

static uint8_t *fn_cfg(unsigned bus, unsigned dev, unsigned fn)
{
	return ecam + bus * BUS_BYTES + (dev * 8 + fn) * 4096;
}

static void put32(uint8_t *cfg, unsigned off, uint32_t v)
{
	memcpy(cfg + off, &v, 4);
}

static uint32_t get32(const uint8_t *cfg, unsigned off)
{
	uint32_t v;

	memcpy(&v, cfg + off, 4);
	return v;
}

static uint8_t *add_fn(unsigned bus, unsigned dev, unsigned fn, uint16_t vendor, uint16_t device, uint32_t class_prog,
		       uint8_t header)
{
	uint8_t *c = fn_cfg(bus, dev, fn);

	memset(c, 0, 4096);
	put32(c, 0, vendor | (uint32_t)device << 16);
	put32(c, 8, class_prog << 8 | 0x02); /* revision 2 */
	c[0x0e] = header;
	return c;
}

static int setup(void **state)
{
	(void)state;
	ecam = aligned_alloc(4096, BUSES * BUS_BYTES);
	assert_non_null(ecam);
	memset(ecam, 0xff, BUSES * BUS_BYTES);
	add_fn(0, 0, 0, 0x8086, 0x29c0, 0x060000, 0x00);                /* host bridge */
	uint8_t *br = add_fn(0, 1, 0, 0x1b36, 0x000c, 0x060400, 0x01);  /* PCI-PCI bridge to bus 1 */
	put32(br, 0x10, 0xfe000000u);
	br[0x18] = 0;
	br[0x19] = 1;
	br[0x1a] = 1;
	uint8_t *nv = add_fn(0, 2, 0, 0x1b36, 0x0010, 0x010802, 0x80);  /* NVMe, multi-function */
	put32(nv, 0x10, 0xfebf0004u);                                   /* 64-bit memory BAR ... */
	put32(nv, 0x14, 0x00000008u);                                   /* ... at 0x8_febf_0000 */
	put32(nv, 0x18, 0x0000c001u);                                   /* I/O BAR */
	put32(nv, 0x04, 0x00100000u);                                   /* status: capabilities bit */
	add_fn(0, 2, 3, 0x1b36, 0x0011, 0x0c0330, 0x80);
	uint8_t *single = add_fn(0, 3, 0, 0x8086, 0x10d3, 0x020000, 0x00);
	memcpy(fn_cfg(0, 3, 1), single, 4096);                          /* a ghost on fn 1: ignored */
	uint8_t *behind = add_fn(1, 0, 0, 0x144d, 0xa808, 0x010802, 0x00);
	put32(behind, 0x10, 0x0000000cu);                               /* 64-bit prefetchable ... */
	put32(behind, 0x14, 0x00000010u);                               /* ... at 0x10_0000_0000 */
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	free(ecam);
	return 0;
}

static struct pci_ecam_range whole(void)
{
	return (struct pci_ecam_range){ (uint64_t)(uintptr_t)ecam, 0, 0, 1 };
}

static void test_enumerates_every_function(void **state)
{
	struct pci_ecam_range r = whole();
	struct pci_host_dev d[16];

	(void)state;
	assert_int_equal(pci_host_enumerate(&r, 1, d, 16), 6);
	assert_int_equal(d[0].vendor, 0x8086);
	assert_int_equal(d[0].device, 0x29c0);
	assert_int_equal(d[1].dev, 1);
	assert_int_equal(d[1].header_type & 0x7f, 1);
	assert_int_equal(d[1].secondary_bus, 1);
	assert_int_equal(d[1].bar[0].addr, 0xfe000000u);
	assert_int_equal(d[2].class_code, 0x01);
	assert_int_equal(d[2].subclass, 0x08);
	assert_int_equal(d[2].prog_if, 0x02);
	assert_int_equal(d[3].dev, 2);
	assert_int_equal(d[3].fn, 3);
	assert_int_equal(d[3].device, 0x0011);
	assert_int_equal(d[4].dev, 3);            /* fn 1 ghost skipped: next is bus 1 */
	assert_int_equal(d[5].bus, 1);
	assert_int_equal(d[5].vendor, 0x144d);
}

static void test_decodes_64bit_and_io_bars(void **state)
{
	struct pci_ecam_range r = whole();
	struct pci_host_dev d[16];

	(void)state;
	pci_host_enumerate(&r, 1, d, 16);
	assert_true(d[2].bar[0].is64);
	assert_false(d[2].bar[0].io);
	assert_int_equal(d[2].bar[0].addr, 0x8febf0000ull);
	assert_int_equal(d[2].bar[1].addr, 0);     /* the high half, not a BAR of its own */
	assert_true(d[2].bar[2].io);
	assert_int_equal(d[2].bar[2].addr, 0xc000);
	assert_true(d[5].bar[0].is64);
	assert_true(d[5].bar[0].prefetch);
	assert_int_equal(d[5].bar[0].addr, 0x1000000000ull);
}

static void test_max_and_count(void **state)
{
	struct pci_ecam_range r = whole();
	struct pci_host_dev d[2];

	(void)state;
	assert_int_equal(pci_host_enumerate(&r, 1, d, 2), 6);
	assert_int_equal(d[1].dev, 1);
	r.segment = 1; /* other segments are skipped */
	assert_int_equal(pci_host_enumerate(&r, 1, d, 2), 0);
}

static void test_range_starting_above_bus_0(void **state)
{
	/* MCFG base is bus 0's address even when the range starts at bus 1. */
	struct pci_ecam_range r = { (uint64_t)(uintptr_t)ecam, 0, 1, 1 };
	struct pci_host_dev d[4];

	(void)state;
	assert_int_equal(pci_host_enumerate(&r, 1, d, 4), 1);
	assert_int_equal(d[0].bus, 1);
	assert_int_equal(d[0].device, 0xa808);
	assert_null(pci_ecam_cfg(&r, 0, 0, 0));
	assert_null(pci_ecam_cfg(&r, 1, 32, 0));
	assert_null(pci_ecam_cfg(&r, 1, 0, 8));
}

static void test_enable_sets_memory_and_bus_master(void **state)
{
	struct pci_ecam_range r = whole();
	struct pci_host_dev d[16];

	(void)state;
	pci_host_enumerate(&r, 1, d, 16);
	pci_host_enable(&d[2]);
	uint32_t v = get32(fn_cfg(0, 2, 0), 4);
	assert_int_equal(v & 0xffff, PCI_CMD_MEMORY | PCI_CMD_BUS_MASTER | PCI_CMD_INTX_DISABLE);
	assert_int_equal(v >> 16, 0); /* status bits are write-one-to-clear: written as zero */
	assert_int_equal(pci_cfg_read16(&d[2], 2), 0x0010);
	assert_int_equal(pci_cfg_read8(&d[2], 0x0b), 0x01);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_enumerates_every_function, setup, teardown),
		cmocka_unit_test_setup_teardown(test_decodes_64bit_and_io_bars, setup, teardown),
		cmocka_unit_test_setup_teardown(test_max_and_count, setup, teardown),
		cmocka_unit_test_setup_teardown(test_range_starting_above_bus_0, setup, teardown),
		cmocka_unit_test_setup_teardown(test_enable_sets_memory_and_bus_master, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
