/* SPDX-License-Identifier: MIT */
/* Unit tests for drivers/pc/vpci*.c: CF8/CFC and ECAM, BARs, masks, capabilities, MSI, MSI-X, INTx. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "drivers/pc/pc_layout.h"
#include "drivers/pc/vpci.h"
#include "drivers/pc/vpci_testdev.h"
#include "tests/unit/vpci_doubles.h"

#define TD 0x08 /* devfn of the test function: 00:01.0 */

static struct vm *vm;

static int setup(void **state)
{
	(void)state;
	vm = calloc(1, sizeof(*vm));
	vm->mem[0] = (struct gmem_region){ 0, 256ull << 20, 0 };
	vm->nr_regions = 1;
	d_nmsi = 0;
	d_gsi_changes = 0;
	memset(d_gsi, 0, sizeof(d_gsi));
	assert_int_equal(vpci_attach(vm), 0);
	assert_int_equal(vpci_testdev_attach(vm), 0);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	free(vm);
	d_free_pages();
	return 0;
}

/* ---- config access through the guest-visible paths ---- */

static uint32_t cf8_read(unsigned bus, unsigned devfn, unsigned reg, unsigned size)
{
	uint32_t v = 0x80000000u | bus << 16 | devfn << 8 | (reg & 0xfc);

	assert_true(d_pio(vm, 0xcf8, 4, false, &v));
	d_pio(vm, (uint16_t)(0xcfc + (reg & 3)), (uint8_t)size, true, &v);
	return v;
}

static void cf8_write(unsigned bus, unsigned devfn, unsigned reg, unsigned size, uint32_t value)
{
	uint32_t v = 0x80000000u | bus << 16 | devfn << 8 | (reg & 0xfc);

	assert_true(d_pio(vm, 0xcf8, 4, false, &v));
	d_pio(vm, (uint16_t)(0xcfc + (reg & 3)), (uint8_t)size, false, &value);
}

static uint64_t ecam_addr(unsigned bus, unsigned devfn, unsigned reg)
{
	return PC_ECAM_BASE + ((uint64_t)bus << 20 | devfn << 12 | reg);
}

static uint64_t ecam_read(unsigned bus, unsigned devfn, unsigned reg, unsigned size)
{
	uint64_t v = 0;

	assert_true(d_mmio(vm, ecam_addr(bus, devfn, reg), size, false, &v));
	return v;
}

static void ecam_write(unsigned bus, unsigned devfn, unsigned reg, unsigned size, uint64_t value)
{
	assert_true(d_mmio(vm, ecam_addr(bus, devfn, reg), size, true, &value));
}

static uint64_t bar_addr(unsigned devfn, unsigned bar)
{
	uint64_t lo = ecam_read(0, devfn, 0x10 + 4 * bar, 4);

	if (lo & 1)
		return lo & ~3ull;
	if (lo & 4)
		return (lo & ~0xfull) | ecam_read(0, devfn, 0x14 + 4 * bar, 4) << 32;
	return lo & ~0xfull;
}

static void enable(unsigned devfn, uint16_t cmd)
{
	ecam_write(0, devfn, PCI_COMMAND, 2, cmd);
}

/* ---- tests ---- */

static void test_host_bridge(void **state)
{
	(void)state;
	assert_int_equal(cf8_read(0, 0, 0, 4), 0x00081b36);
	assert_int_equal(ecam_read(0, 0, 0, 4), 0x00081b36);
	assert_int_equal(cf8_read(0, 0, 0x08, 4) >> 8, 0x060000);
	assert_int_equal(cf8_read(0, 0, PCI_HEADER_TYPE, 1), 0);
}

static void test_cf8_register(void **state)
{
	uint32_t v = 0xffffffff;

	(void)state;
	assert_true(d_pio(vm, 0xcf8, 4, false, &v));
	assert_true(d_pio(vm, 0xcf8, 4, true, &v));
	assert_int_equal(v, 0x80fffffc);
	v = 0x12;
	assert_false(d_pio(vm, 0xcf8, 1, false, &v)); /* not CONFIG_ADDRESS: the empty bus */
	assert_false(d_pio(vm, 0xcf8, 2, true, &v));
	assert_int_equal(v, 0xffff);
	assert_true(d_pio(vm, 0xcf8, 4, true, &v));
	assert_int_equal(v, 0x80fffffc);
	v = 0; /* enable bit clear: the data port is plain empty I/O */
	assert_true(d_pio(vm, 0xcf8, 4, false, &v));
	assert_false(d_pio(vm, 0xcfc, 4, true, &v));
	assert_int_equal(v, 0xffffffff);
}

static void test_widths_agree(void **state)
{
	(void)state;
	for (unsigned devfn = 0; devfn <= TD; devfn += TD) {
		for (unsigned reg = 0; reg < 0x100; reg += 4) {
			uint32_t d = cf8_read(0, devfn, reg, 4);

			assert_int_equal(ecam_read(0, devfn, reg, 4), d);
			for (unsigned b = 0; b < 4; b++) {
				assert_int_equal(cf8_read(0, devfn, reg + b, 1), (d >> (8 * b)) & 0xff);
				assert_int_equal(ecam_read(0, devfn, reg + b, 1), (d >> (8 * b)) & 0xff);
			}
			for (unsigned w = 0; w < 4; w += 2) {
				assert_int_equal(cf8_read(0, devfn, reg + w, 2), (d >> (8 * w)) & 0xffff);
				assert_int_equal(ecam_read(0, devfn, reg + w, 2), (d >> (8 * w)) & 0xffff);
			}
		}
	}
	/* a word at 0xcfe.. and a dword at 0xcfd: the lanes past 0xcff float high */
	assert_int_equal(cf8_read(0, 0, 3, 2), 0xff00);
	assert_int_equal(ecam_read(0, 0, 3, 2), 0xffff);     /* crosses a dword: UR */
	assert_int_equal(ecam_read(0, 0, 0, 8), 0x00081b36ull | ((uint64_t)cf8_read(0, 0, 4, 4) << 32));
}

static void test_absent_functions(void **state)
{
	(void)state;
	for (unsigned devfn = 0; devfn < 256; devfn++) {
		bool present = devfn == 0 || devfn == TD;

		assert_int_equal(cf8_read(0, devfn, 0, 4) == 0xffffffffu, !present);
		assert_int_equal(ecam_read(0, devfn, 0, 4) == 0xffffffffu, !present);
	}
	assert_int_equal(cf8_read(1, 0, 0, 4), 0xffffffff);
	/* The ECAM window covers bus 0 only (PC_PCI_BUSES): bus 1 and up belong to no device. */
	uint64_t v = 0;
	assert_false(d_mmio(vm, ecam_addr(PC_PCI_BUSES, 0, 0), 4, false, &v));
	ecam_write(0, 0x38, 0x04, 4, 7); /* an absent function (slot 7): dropped */
	assert_int_equal(ecam_read(0, 0x38, 0x04, 2), 0xffff);
}

static void test_extended_space(void **state)
{
	(void)state;
	assert_int_equal(ecam_read(0, TD, 0x100, 4), 0); /* no extended capabilities */
	ecam_write(0, TD, 0xffc, 4, 0xdeadbeef);
	assert_int_equal(ecam_read(0, TD, 0xffc, 4), 0);
}

static void test_read_only_and_rw1c(void **state)
{
	struct vpci_func *fn = vpci_find(vm->pci, TD);

	(void)state;
	cf8_write(0, TD, 0, 4, 0);
	assert_int_equal(cf8_read(0, TD, 0, 4), VPCI_TESTDEV_DEVICE << 16 | VPCI_TESTDEV_VENDOR);
	cf8_write(0, TD, PCI_INT_PIN, 1, 3);
	assert_int_equal(cf8_read(0, TD, PCI_INT_PIN, 1), 1);
	cf8_write(0, TD, PCI_COMMAND, 2, 0xffff);
	assert_int_equal(cf8_read(0, TD, PCI_COMMAND, 2), 0x0547);
	/* an error bit the device set; writing 0 keeps it, 1 clears it, CAP_LIST stays */
	fn->cfg[PCI_STATUS + 1] |= 0x20;
	cf8_write(0, TD, PCI_STATUS, 2, 0);
	assert_int_equal(cf8_read(0, TD, PCI_STATUS, 2), 0x2010);
	cf8_write(0, TD, PCI_STATUS, 2, 0xffff);
	assert_int_equal(cf8_read(0, TD, PCI_STATUS, 2), 0x0010);
	cf8_write(0, TD, PCI_ROM, 4, 0xffffffff);
	assert_int_equal(cf8_read(0, TD, PCI_ROM, 4), 0); /* no expansion ROM */
	cf8_write(0, TD, PCI_INT_LINE, 1, 0x0b);
	assert_int_equal(cf8_read(0, TD, PCI_INT_LINE, 1), 0x0b);
}

static void test_bar_sizing(void **state)
{
	uint32_t saved;

	(void)state;
	saved = ecam_read(0, TD, 0x10, 4);
	ecam_write(0, TD, 0x10, 4, 0xffffffff);
	assert_int_equal(ecam_read(0, TD, 0x10, 4), 0xfffff000); /* 4 KiB, 32-bit, not prefetchable */
	ecam_write(0, TD, 0x10, 4, saved);
	assert_int_equal(ecam_read(0, TD, 0x10, 4), saved);
	ecam_write(0, TD, 0x18, 4, 0xffffffff);
	ecam_write(0, TD, 0x1c, 4, 0xffffffff);
	assert_int_equal(ecam_read(0, TD, 0x18, 4), 0xfffff004); /* 64-bit */
	assert_int_equal(ecam_read(0, TD, 0x1c, 4), 0xffffffff);
	cf8_write(0, TD, 0x20, 4, 0xffffffff);
	assert_int_equal(cf8_read(0, TD, 0x20, 4), 0x0000fff1); /* 16 ports */
	for (unsigned bar = 0x14; bar <= 0x24; bar += 0x10) {
		cf8_write(0, TD, bar, 4, 0xffffffff);
		assert_int_equal(cf8_read(0, TD, bar, 4), 0); /* unimplemented BARs */
	}
	for (unsigned b = 0x10; b < 0x28; b += 4) {
		cf8_write(0, 0, b, 4, 0xffffffff);
		assert_int_equal(cf8_read(0, 0, b, 4), 0); /* the host bridge has none */
	}
}

static void test_bar_placement_and_decode(void **state)
{
	uint64_t b0 = bar_addr(TD, 0), b2 = bar_addr(TD, 2), b4 = bar_addr(TD, 4);
	uint64_t v = 0;

	(void)state;
	assert_true(b0 >= PC_PCI_MMIO32_BASE && b0 + 0x1000 <= PC_PCI_MMIO32_BASE + PC_PCI_MMIO32_SIZE);
	assert_true(b2 >= PC_PCI_MMIO32_BASE && b2 + 0x1000 <= PC_PCI_MMIO32_BASE + PC_PCI_MMIO32_SIZE);
	assert_true(b4 >= PC_PCI_IO_BASE && b4 + 16 <= 0x10000);
	assert_int_equal(b0 & 0xfff, 0);
	assert_int_equal(b2 & 0xfff, 0);
	assert_int_equal(b4 & 0xf, 0);
	assert_true(b0 != b2);
	assert_false(d_mmio(vm, b0, 4, false, &v)); /* decode off after reset */
	enable(TD, PCI_CMD_MEM | PCI_CMD_IO);
	assert_true(d_mmio(vm, b0 + VPCI_TESTDEV_REG_ID, 4, false, &v));
	assert_int_equal(v, VPCI_TESTDEV_MAGIC);
	uint32_t p = 0;
	assert_true(d_pio(vm, (uint16_t)b4, 4, true, &p));
	assert_int_equal(p, VPCI_TESTDEV_MAGIC);
	/* moved inside the window: the old address is free, the new one answers */
	ecam_write(0, TD, 0x10, 4, 0xd0000000);
	assert_false(d_mmio(vm, b0, 4, false, &v));
	assert_true(d_mmio(vm, 0xd0000000, 4, false, &v));
	assert_int_equal(v, VPCI_TESTDEV_MAGIC);
	/* sizing pattern, RAM, the IOAPIC page, another BAR: not decoded */
	ecam_write(0, TD, 0x10, 4, 0xffffffff);
	assert_false(d_mmio(vm, 0xd0000000, 4, false, &v));
	ecam_write(0, TD, 0x10, 4, 0x00100000);
	assert_false(d_mmio(vm, 0x00100000, 4, false, &v));
	ecam_write(0, TD, 0x10, 4, (uint32_t)b2);
	assert_true(d_mmio(vm, b2, 4, false, &v)); /* BAR2 (MSI-X table) keeps its place */
	assert_int_equal(v, 0);                    /* entry 0 address: reset 0 */
	/* BAR2 leaves; BAR0 takes the address over */
	ecam_write(0, TD, 0x18, 4, 0xd1000004);
	assert_true(d_mmio(vm, b2 + VPCI_TESTDEV_REG_ID, 4, false, &v));
	assert_int_equal(v, VPCI_TESTDEV_MAGIC);
	/* 64-bit BAR in the high window decodes there */
	uint64_t hi = pc_mmio64_base(256ull << 20);
	ecam_write(0, TD, 0x18, 4, (uint32_t)hi | 4);
	ecam_write(0, TD, 0x1c, 4, (uint32_t)(hi >> 32));
	assert_true(d_mmio(vm, hi + 12, 4, false, &v));
	assert_int_equal(v, 1); /* entry 0 vector control: masked */
	/* an I/O BAR moved below the pre-assignment range still decodes; over COM1's ports it would not */
	cf8_write(0, TD, 0x20, 4, 0x2000);
	assert_true(d_pio(vm, 0x2000, 4, true, &p));
	assert_int_equal(p, VPCI_TESTDEV_MAGIC);
	assert_int_equal(vm_register_pio(vm, 0x3f8, 8, vm->pio[0].handler, NULL), 0); /* a "COM1" */
	cf8_write(0, TD, 0x20, 4, 0x3e0);
	assert_false(d_pio(vm, 0x2000, 4, true, &p));
	assert_true(d_pio(vm, 0x3e0, 4, true, &p) && p == VPCI_TESTDEV_MAGIC); /* 0x3e0-0x3ef is free */
	cf8_write(0, TD, 0x20, 4, 0x3f0); /* 0x3f0-0x3ff: half of it is COM1's */
	assert_int_equal(cf8_read(0, TD, 0x20, 4), 0x3f1);
	assert_false(d_pio(vm, 0x3f0, 4, true, &p));
	assert_false(d_pio(vm, 0x3e0, 4, true, &p));
	cf8_write(0, TD, 0x20, 4, 0x0001);
	assert_int_equal(cf8_read(0, TD, 0x20, 4), 1); /* port 0: unassigned, not decoded */
	cf8_write(0, TD, 0x20, 4, (uint32_t)b4);
	/* memory decode off: all gone */
	enable(TD, 0);
	assert_false(d_mmio(vm, b2, 4, false, &v));
	assert_false(d_mmio(vm, hi, 4, false, &v));
	assert_false(d_pio(vm, (uint16_t)b4, 4, true, &p));
}

static void test_capability_chain(void **state)
{
	unsigned seen_msi = 0, seen_msix = 0, steps = 0;
	unsigned off = cf8_read(0, TD, PCI_CAP_PTR, 1);

	(void)state;
	assert_true(cf8_read(0, TD, PCI_STATUS, 2) & PCI_STATUS_CAP_LIST);
	assert_false(cf8_read(0, 0, PCI_STATUS, 2) & PCI_STATUS_CAP_LIST);
	while (off) {
		unsigned id = cf8_read(0, TD, off, 1);

		assert_true(off >= 0x40 && !(off & 3));
		assert_true(++steps < 48);
		seen_msi += id == PCI_CAP_ID_MSI;
		seen_msix += id == PCI_CAP_ID_MSIX;
		if (id == PCI_CAP_ID_MSI)
			assert_int_equal(cf8_read(0, TD, off + 2, 2), 0x0184); /* 4 vectors, 64-bit, PVM */
		if (id == PCI_CAP_ID_MSIX) {
			assert_int_equal(cf8_read(0, TD, off + 2, 2), VPCI_TESTDEV_MSIX_VECTORS - 1);
			assert_int_equal(cf8_read(0, TD, off + 4, 4), 2);                          /* BIR 2 */
			assert_int_equal(cf8_read(0, TD, off + 8, 4), VPCI_TESTDEV_PBA_OFF | 2);
		}
		cf8_write(0, TD, off, 2, 0xffff); /* id and next are read-only */
		assert_int_equal(cf8_read(0, TD, off, 1), id);
		off = cf8_read(0, TD, off + 1, 1);
	}
	assert_int_equal(seen_msi, 1);
	assert_int_equal(seen_msix, 1);
}

static unsigned find_cap(unsigned devfn, unsigned id)
{
	for (unsigned off = cf8_read(0, devfn, PCI_CAP_PTR, 1); off; off = cf8_read(0, devfn, off + 1, 1))
		if (cf8_read(0, devfn, off, 1) == id)
			return off;
	fail();
	return 0;
}

static void doorbell(unsigned v)
{
	uint64_t val = v;

	assert_true(d_mmio(vm, bar_addr(TD, 0) + VPCI_TESTDEV_REG_DOORBELL, 4, true, &val));
}

static void test_msi(void **state)
{
	unsigned cap = find_cap(TD, PCI_CAP_ID_MSI);

	(void)state;
	enable(TD, PCI_CMD_MEM);
	cf8_write(0, TD, cap + 4, 4, 0xfee01003); /* bits 1:0 read-only */
	assert_int_equal(cf8_read(0, TD, cap + 4, 4), 0xfee01000);
	cf8_write(0, TD, cap + 8, 4, 0);
	cf8_write(0, TD, cap + 12, 2, 0x4030);
	cf8_write(0, TD, cap + 2, 2, 0x0011); /* enable, MME = 1: 2 vectors */
	doorbell(1);
	assert_int_equal(d_nmsi, 0); /* no bus mastering yet */
	enable(TD, PCI_CMD_MEM | PCI_CMD_MASTER);
	doorbell(1);
	assert_int_equal(d_nmsi, 1);
	assert_int_equal(d_msis[0].addr, 0xfee01000);
	assert_int_equal(d_msis[0].data, 0x4031);
	doorbell(3); /* only 2 enabled: shares vector 1 */
	assert_int_equal(d_msis[1].data, 0x4031);
	/* per-vector mask: pending while masked, sent on unmask */
	cf8_write(0, TD, cap + 0x10, 4, 0x1);
	doorbell(0);
	assert_int_equal(d_nmsi, 2);
	assert_int_equal(cf8_read(0, TD, cap + 0x14, 4), 1);
	cf8_write(0, TD, cap + 0x14, 4, 0); /* pending is read-only */
	assert_int_equal(cf8_read(0, TD, cap + 0x14, 4), 1);
	cf8_write(0, TD, cap + 0x10, 4, 0);
	assert_int_equal(d_nmsi, 3);
	assert_int_equal(d_msis[2].data, 0x4030);
	assert_int_equal(cf8_read(0, TD, cap + 0x14, 4), 0);
	assert_int_equal(d_gsi_changes, 0); /* INTx never used */
}

static void test_msix(void **state)
{
	unsigned cap = find_cap(TD, PCI_CAP_ID_MSIX);
	uint64_t t = bar_addr(TD, 2), v;

	(void)state;
	enable(TD, PCI_CMD_MEM | PCI_CMD_MASTER);
	v = 0xfee02000;
	d_mmio(vm, t + 16 * 2, 4, true, &v);
	v = 0;
	d_mmio(vm, t + 16 * 2 + 4, 4, true, &v);
	v = 0x0000000000000052ull; /* data 0x52, control 0 (unmasked) as one qword */
	d_mmio(vm, t + 16 * 2 + 8, 8, true, &v);
	d_mmio(vm, t + 16 * 2, 8, false, &v);
	assert_int_equal(v, 0xfee02000);
	cf8_write(0, TD, cap + 2, 2, 0xc000); /* enable + function mask */
	doorbell(2);
	assert_int_equal(d_nmsi, 0);
	d_mmio(vm, t + VPCI_TESTDEV_PBA_OFF, 8, false, &v);
	assert_int_equal(v, 1u << 2);
	cf8_write(0, TD, cap + 2, 2, 0x8000); /* function unmasked: the pending one goes */
	assert_int_equal(d_nmsi, 1);
	assert_int_equal(d_msis[0].addr, 0xfee02000);
	assert_int_equal(d_msis[0].data, 0x52);
	d_mmio(vm, t + VPCI_TESTDEV_PBA_OFF, 4, false, &v);
	assert_int_equal(v, 0);
	doorbell(1); /* entry 1 still masked from reset */
	assert_int_equal(d_nmsi, 1);
	d_mmio(vm, t + VPCI_TESTDEV_PBA_OFF, 4, false, &v);
	assert_int_equal(v, 2);
	v = 0xfee00000;
	d_mmio(vm, t + 16, 4, true, &v);
	v = 0x61;
	d_mmio(vm, t + 16 + 8, 4, true, &v);
	v = 0;
	d_mmio(vm, t + 16 + 12, 4, true, &v); /* unmask entry 1 */
	assert_int_equal(d_nmsi, 2);
	assert_int_equal(d_msis[1].data, 0x61);
	doorbell(9); /* no such entry */
	assert_int_equal(d_nmsi, 2);
	/* bad widths in the table are dropped */
	v = 0xff;
	d_mmio(vm, t + 16 + 8, 2, true, &v);
	d_mmio(vm, t + 16 + 8, 4, false, &v);
	assert_int_equal(v, 0x61);
	d_mmio(vm, t + 16 + 9, 1, false, &v);
	assert_int_equal(v, 0xff);
	v = ~0ull; /* the PBA is read-only */
	d_mmio(vm, t + VPCI_TESTDEV_PBA_OFF, 8, true, &v);
	d_mmio(vm, t + VPCI_TESTDEV_PBA_OFF, 8, false, &v);
	assert_int_equal(v, 0);
	assert_int_equal(d_gsi_changes, 0);
}

static void test_intx(void **state)
{
	uint64_t v;
	uint64_t r = 0;
	unsigned gsi = pc_pci_intx_gsi(1, 0);

	(void)state;
	assert_int_equal(cf8_read(0, TD, PCI_INT_LINE, 1), gsi);
	enable(TD, PCI_CMD_MEM);
	doorbell(0);
	assert_true(d_gsi[gsi]);
	assert_true(cf8_read(0, TD, PCI_STATUS, 2) & PCI_STATUS_INTX);
	enable(TD, PCI_CMD_MEM | PCI_CMD_INTX_DISABLE);
	assert_false(d_gsi[gsi]);
	assert_true(cf8_read(0, TD, PCI_STATUS, 2) & PCI_STATUS_INTX); /* the device still wants it */
	enable(TD, PCI_CMD_MEM);
	assert_true(d_gsi[gsi]);
	d_mmio(vm, bar_addr(TD, 0) + VPCI_TESTDEV_REG_INTX, 4, false, &r);
	assert_int_equal(r, 1);
	v = 1;
	d_mmio(vm, bar_addr(TD, 0) + VPCI_TESTDEV_REG_INTX, 4, true, &v);
	assert_false(d_gsi[gsi]);
	assert_false(cf8_read(0, TD, PCI_STATUS, 2) & PCI_STATUS_INTX);
	assert_int_equal(d_gsi_changes, 4);
	/* MSI enabled: the function leaves INTx alone */
	cf8_write(0, TD, find_cap(TD, PCI_CAP_ID_MSI) + 2, 2, 1);
	doorbell(0);
	assert_false(d_gsi[gsi]);
	assert_int_equal(d_nmsi, 0); /* no bus master: nothing at all */
}

/* A second function on the same GSI: the line is the OR of both. */
static void bar_none(struct vpci_func *fn, unsigned bar, uint64_t off, unsigned size, bool write, uint64_t *value)
{
	(void)fn; (void)bar; (void)off; (void)size; (void)write; (void)value;
}

static void test_shared_gsi_and_register_errors(void **state)
{
	static const struct vpci_func_ops ops = { .bar_access = bar_none };
	struct vpci_func *a = calloc(1, sizeof(*a)), *b = calloc(1, sizeof(*b));
	unsigned gsi;

	(void)state;
	vpci_func_init(a, &ops, NULL, 0x1234, 1, 0xff0000, 0);
	vpci_func_set_intx(a, 1);
	assert_int_equal(vpci_register(vm, a, 1, 0), -EEXIST);
	assert_int_equal(vpci_register(vm, a, 0, 1), -EINVAL);
	assert_int_equal(vpci_register(vm, a, 32, 0), -EINVAL);
	assert_int_equal(vpci_register(vm, a, 9, 0), 0); /* (9 + 0) % 8 = (1 + 0) % 8: GSI 17 */
	gsi = pc_pci_intx_gsi(9, 0);
	assert_int_equal(gsi, pc_pci_intx_gsi(1, 0));
	vpci_func_init(b, &ops, NULL, 0x1234, 2, 0xff0000, 0);
	assert_int_equal(vpci_func_set_bar(b, 5, VPCI_BAR_MEM64, 0x1000), -EINVAL); /* no upper slot */
	assert_int_equal(vpci_func_set_bar(b, 0, VPCI_BAR_MEM32, 0x1800), -EINVAL);
	assert_int_equal(vpci_func_set_bar(b, 0, VPCI_BAR_MEM64, 0x1000), 0);
	assert_int_equal(vpci_func_set_bar(b, 1, VPCI_BAR_MEM32, 0x1000), -EINVAL); /* the upper half */
	assert_int_equal(vpci_register(vm, b, 9, 1), 0);
	assert_int_equal(cf8_read(0, 9 << 3, PCI_HEADER_TYPE, 1), 0x80); /* multi-function now */
	vpci_func_set_intx_level(a, true);
	enable(TD, 0);
	vpci_func_signal(vpci_find(vm->pci, TD), 0);
	assert_true(d_gsi[gsi]);
	vpci_func_set_intx_level(a, false);
	assert_true(d_gsi[gsi]); /* the test function still holds it */
	vpci_func_set_intx_level(vpci_find(vm->pci, TD), false);
	assert_false(d_gsi[gsi]);
	free(a);
	free(b);
}

/* A 32-bit MSI capability without masking: data at +8, mask writes go nowhere, 8 vectors. */
static void test_msi_32bit(void **state)
{
	struct vpci_func *f = calloc(1, sizeof(*f));
	unsigned devfn = 3 << 3, cap;

	(void)state;
	vpci_func_init(f, NULL, NULL, 0x1234, 3, 0xff0000, 0);
	assert_int_equal(vpci_func_add_msi(f, 3, false, false), 0);
	assert_int_equal(vpci_func_add_msi(f, 3, false, false), -EINVAL); /* one MSI capability */
	assert_int_equal(vpci_func_add_msix(f, 1, 0, 0, 0x800), -EINVAL);  /* BAR 0 does not exist */
	assert_int_equal(vpci_register(vm, f, 3, 0), 0);
	cap = find_cap(devfn, PCI_CAP_ID_MSI);
	assert_int_equal(cf8_read(0, devfn, cap + 2, 2), 0x0006); /* MMC = 3, 32-bit, no PVM */
	cf8_write(0, devfn, cap + 4, 4, 0xfee0f00c);
	cf8_write(0, devfn, cap + 8, 2, 0x00a8);
	cf8_write(0, devfn, cap + 2, 2, 0x0071); /* MME 7 > MMC 3: 8 vectors used */
	enable(devfn, PCI_CMD_MASTER);
	vpci_func_signal(f, 5);
	vpci_func_signal(f, 13); /* wraps to 5 */
	assert_int_equal(d_nmsi, 2);
	assert_int_equal(d_msis[0].addr, 0xfee0f00c);
	assert_int_equal(d_msis[0].data, 0x00ad);
	assert_int_equal(d_msis[1].data, 0x00ad);
	cf8_write(0, devfn, cap + 2, 2, 0); /* disabled: INTx, but the function has no pin */
	vpci_func_signal(f, 0);
	assert_int_equal(d_nmsi, 2);
	assert_int_equal(d_gsi_changes, 0);
	free(f);
}

static void test_cap_space_runs_out(void **state)
{
	struct vpci_func *f = calloc(1, sizeof(*f));
	int n = 0;

	(void)state;
	vpci_func_init(f, NULL, NULL, 1, 1, 0, 0);
	while (vpci_func_add_cap(f, PCI_CAP_ID_VNDR, 16) > 0)
		n++;
	assert_int_equal(n, (0x100 - 0x40) / 16);
	assert_int_equal(vpci_func_add_msi(f, 0, false, false), -ENOSPC);
	free(f);
}

int main(void)
{
#define T(t) cmocka_unit_test_setup_teardown(t, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_host_bridge), T(test_cf8_register), T(test_widths_agree), T(test_absent_functions),
		T(test_extended_space), T(test_read_only_and_rw1c), T(test_bar_sizing),
		T(test_bar_placement_and_decode), T(test_capability_chain), T(test_msi), T(test_msix),
		T(test_intx), T(test_shared_gsi_and_register_errors), T(test_msi_32bit), T(test_cap_space_runs_out),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
