/* SPDX-License-Identifier: MIT */
/* PCI: enumerate bus 0 by CF8/CFC and ECAM, size BARs, then MSI, MSI-X and INTx (via the IOAPIC) from the test function. */
#include "drivers/pc/pc_layout.h"
#include "drivers/pc/vpci_testdev.h"
#include "lib/guest.h"
#include "lib/hostile.h"

/*
 * PCI_PIO_ONLY (the pci-pio guest) uses nothing that needs MMIO emulation: CF8/CFC, the I/O BAR
 * and MSI to an x2APIC. The full guest adds ECAM, the memory BARs, MSI-X and the IOAPIC.
 */
#ifdef PCI_PIO_ONLY
const char guest_name[] = "pci-pio";
#else
const char guest_name[] = "pci";
#endif

#define TD_DEVFN (VPCI_TESTDEV_SLOT << 3)
#define VEC_MSI 0x41
#define VEC_MSIX 0x52
#define VEC_INTX 0x63
#define WAIT_SPINS 20000000u
#define MSR_APIC_BASE 0x1b
#define APIC_BASE_EXTD (1ull << 10)
#define APIC_BASE_EN (1ull << 11)
#define X2APIC_ID 0x802
#define X2APIC_EOI 0x80b
#define X2APIC_SVR 0x80f
#define PIC1_DATA 0x21
#define PIC2_DATA 0xa1

/* ---- config access ---- */

static uint32_t cf8_read(unsigned devfn, unsigned reg, unsigned size)
{
	outl(PC_PCI_CONFIG_ADDR, 0x80000000u | devfn << 8 | (reg & 0xfc));
	if (size == 1)
		return inb((uint16_t)(PC_PCI_CONFIG_DATA + (reg & 3)));
	if (size == 2)
		return inw((uint16_t)(PC_PCI_CONFIG_DATA + (reg & 2)));
	return inl(PC_PCI_CONFIG_DATA);
}

static void cf8_write(unsigned devfn, unsigned reg, unsigned size, uint32_t v)
{
	outl(PC_PCI_CONFIG_ADDR, 0x80000000u | devfn << 8 | (reg & 0xfc));
	if (size == 1)
		outb((uint16_t)(PC_PCI_CONFIG_DATA + (reg & 3)), (uint8_t)v);
	else if (size == 2)
		outw((uint16_t)(PC_PCI_CONFIG_DATA + (reg & 2)), (uint16_t)v);
	else
		outl(PC_PCI_CONFIG_DATA, v);
}

__attribute__((unused)) static volatile uint32_t *ecam32(unsigned devfn, unsigned reg)
{
	return (volatile uint32_t *)(uintptr_t)(PC_ECAM_BASE + ((uint64_t)devfn << 12) + reg);
}

__attribute__((unused)) static volatile uint32_t *mmio32(uint64_t addr)
{
	return (volatile uint32_t *)(uintptr_t)addr;
}

/* ---- the test function's registers: BAR0 (memory) or BAR4 (I/O) ---- */

static uint64_t bar0;
static uint16_t bar4;

static uint32_t reg_read(unsigned off)
{
#ifdef PCI_PIO_ONLY
	return inl((uint16_t)(bar4 + off));
#else
	return *mmio32(bar0 + off);
#endif
}

static void reg_write(unsigned off, uint32_t v)
{
#ifdef PCI_PIO_ONLY
	outl((uint16_t)(bar4 + off), v);
#else
	*mmio32(bar0 + off) = v;
#endif
}

/* ---- local APIC (x2APIC: MSRs, so MSI needs no MMIO) and IOAPIC ---- */

__attribute__((unused)) static uint32_t ioapic_read(unsigned reg)
{
	*mmio32(PC_IOAPIC_BASE) = reg;
	return *mmio32(PC_IOAPIC_BASE + 0x10);
}

__attribute__((unused)) static void ioapic_write(unsigned reg, uint32_t v)
{
	*mmio32(PC_IOAPIC_BASE) = reg;
	*mmio32(PC_IOAPIC_BASE + 0x10) = v;
}

static volatile unsigned hits[256];
static volatile bool intx_hold; /* the INTx handler leaves the line asserted once */

static void irq_handler(struct exc_frame *f)
{
	hits[f->vector]++;
	if (f->vector == VEC_INTX) {
		/* remote IRR is set while the level interrupt is in service */
		if (!(ioapic_read(0x10 + 2 * pc_pci_intx_gsi(VPCI_TESTDEV_SLOT, 0)) & (1u << 14)))
			fail(guest_name, "INTx handler: remote IRR clear while in service");
		if (!intx_hold)
			reg_write(VPCI_TESTDEV_REG_INTX, 1); /* ack: deassert INTA# */
		intx_hold = false;
	}
	wrmsr(X2APIC_EOI, 0);
}

static void wait_for(unsigned vector, unsigned count, const char *what)
{
	asm volatile("sti" ::: "memory");
	for (unsigned i = 0; i < WAIT_SPINS && hits[vector] < count; i++)
		asm volatile("pause" ::: "memory");
	asm volatile("cli" ::: "memory");
	if (hits[vector] != count)
		fail(guest_name, "%s: vector 0x%x taken %u times, expected %u", what, vector, hits[vector], count);
}

/* ---- checks ---- */

/* Byte and word reads through 0xcfc-0xcff give the lanes of the dword. */
static void check_widths(unsigned devfn)
{
	for (unsigned reg = 0; reg < 0x40; reg += 4) {
		uint32_t d = cf8_read(devfn, reg, 4);

		for (unsigned b = 0; b < 4; b++)
			if (cf8_read(devfn, reg + b, 1) != ((d >> (8 * b)) & 0xff) ||
			    (!(b & 1) && cf8_read(devfn, reg + b, 2) != ((d >> (8 * b)) & 0xffff)))
				fail(guest_name, "00:%02x.%u reg 0x%x: byte/word reads disagree with 0x%08x", devfn >> 3,
				     devfn & 7, reg + b, d);
	}
}

static void check_enumeration(void)
{
	unsigned present = 0;

	for (unsigned devfn = 0; devfn < 256; devfn++) {
		uint32_t id = cf8_read(devfn, 0, 4);

#ifndef PCI_PIO_ONLY
		if (*ecam32(devfn, 0) != id)
			fail(guest_name, "00:%02x.%u: CF8 reads 0x%08x, ECAM 0x%08x", devfn >> 3, devfn & 7, id,
			     *ecam32(devfn, 0));
#endif
		if (id == 0xffffffffu)
			continue;
		present++;
		check_widths(devfn);
#ifndef PCI_PIO_ONLY
		for (unsigned reg = 0; reg < 0x100; reg += 4)
			if (*ecam32(devfn, reg) != cf8_read(devfn, reg, 4))
				fail(guest_name, "00:%02x.%u reg 0x%x: CF8 and ECAM differ", devfn >> 3, devfn & 7, reg);
#endif
	}
	if (present != 2)
		fail(guest_name, "bus 0 has %u functions, expected the host bridge and the test function", present);
	if (cf8_read(0, 0x0a, 2) != 0x0600 || cf8_read(TD_DEVFN, 0, 4) != (VPCI_TESTDEV_DEVICE << 16 | VPCI_TESTDEV_VENDOR))
		fail(guest_name, "host bridge class 0x%x, test function ID 0x%08x", cf8_read(0, 0x0a, 2),
		     cf8_read(TD_DEVFN, 0, 4));
	outl(PC_PCI_CONFIG_ADDR, 0x80010000u); /* bus 1: nothing there */
	if (inl(PC_PCI_CONFIG_DATA) != 0xffffffffu)
		fail(guest_name, "bus 1 answers through CF8");
	outl(PC_PCI_CONFIG_ADDR, 0xffffffffu);
	if (inl(PC_PCI_CONFIG_ADDR) != 0x80fffffcu)
		fail(guest_name, "CONFIG_ADDRESS reads back 0x%x", inl(PC_PCI_CONFIG_ADDR));
#ifdef PCI_PIO_ONLY
	printf("pci: bus 0 enumerated through CF8/CFC, %u functions\n", present);
#else
	if (*ecam32(0x100 | 0, 0) != 0xffffffffu) /* bus 1 (ECAM offset 1 MiB): nothing there */
		fail(guest_name, "bus 1 answers");
	printf("pci: bus 0 enumerated, %u functions, CF8/CFC and ECAM agree\n", present);
#endif
}

static uint64_t size_bar(unsigned reg, uint32_t *flags)
{
	uint32_t saved = cf8_read(TD_DEVFN, reg, 4), probe;

	cf8_write(TD_DEVFN, reg, 4, 0xffffffffu);
	probe = cf8_read(TD_DEVFN, reg, 4);
	cf8_write(TD_DEVFN, reg, 4, saved);
	*flags = saved & (saved & 1 ? 3 : 0xf);
	return (uint32_t)(~(probe & (saved & 1 ? ~3u : ~0xfu)) + 1) & (saved & 1 ? 0xffffu : ~0u);
}

static void check_bars(void)
{
	uint32_t f0, f2, f4;
	uint64_t s0 = size_bar(0x10, &f0), s2 = size_bar(0x18, &f2), s4 = size_bar(0x20, &f4);

	if (s0 != 0x1000 || f0 != 0 || s2 != 0x1000 || f2 != 4 || s4 != 16 || f4 != 1)
		fail(guest_name, "BAR sizes 0x%lx/0x%lx/0x%lx flags %x/%x/%x", s0, s2, s4, f0, f2, f4);
	bar0 = cf8_read(TD_DEVFN, 0x10, 4) & ~0xfu;
	bar4 = (uint16_t)(cf8_read(TD_DEVFN, 0x20, 4) & ~3u);
	if (bar0 < PC_PCI_MMIO32_BASE || bar0 >= PC_PCI_MMIO32_BASE + PC_PCI_MMIO32_SIZE || bar4 < PC_PCI_IO_BASE)
		fail(guest_name, "BAR0 at 0x%lx, BAR4 at 0x%x: outside the PCI windows", bar0, bar4);
	if (inl(bar4) != 0xffffffffu)
		fail(guest_name, "BAR4 decoded with I/O space off");
	cf8_write(TD_DEVFN, 0x04, 2, 0x0007); /* I/O, memory, bus master */
	if (inl(bar4) != VPCI_TESTDEV_MAGIC)
		fail(guest_name, "BAR4 (I/O) ID register reads 0x%x", inl(bar4));
	/* move BAR4: the registers follow, the old ports float */
	cf8_write(TD_DEVFN, 0x20, 4, bar4 + 0x100u);
	if (inl((uint16_t)(bar4 + 0x100)) != VPCI_TESTDEV_MAGIC || inl(bar4) != 0xffffffffu)
		fail(guest_name, "BAR4 did not move");
	bar4 = (uint16_t)(bar4 + 0x100);
#ifndef PCI_PIO_ONLY
	if (*mmio32(bar0 + VPCI_TESTDEV_REG_ID) != VPCI_TESTDEV_MAGIC)
		fail(guest_name, "BAR0 ID register reads 0x%x", *mmio32(bar0 + VPCI_TESTDEV_REG_ID));
	/* move BAR0 within the window: the registers follow */
	cf8_write(TD_DEVFN, 0x10, 4, (uint32_t)(PC_PCI_MMIO32_BASE + 0x100000));
	if (*mmio32(PC_PCI_MMIO32_BASE + 0x100000 + VPCI_TESTDEV_REG_ID) != VPCI_TESTDEV_MAGIC ||
	    *mmio32(bar0 + VPCI_TESTDEV_REG_ID) != 0xffffffffu)
		fail(guest_name, "BAR0 did not move");
	bar0 = PC_PCI_MMIO32_BASE + 0x100000;
#endif
	reg_write(VPCI_TESTDEV_REG_SCRATCH, 0x5a5aa5a5);
	if (reg_read(VPCI_TESTDEV_REG_SCRATCH) != 0x5a5aa5a5)
		fail(guest_name, "scratch register does not hold its value");
	printf("pci: BARs sized (4 KiB mem32, 4 KiB mem64, 16 ports), decoded and moved\n");
}

static unsigned find_cap(unsigned id)
{
	for (unsigned off = cf8_read(TD_DEVFN, 0x34, 1); off; off = cf8_read(TD_DEVFN, off + 1, 1))
		if (cf8_read(TD_DEVFN, off, 1) == id)
			return off;
	fail(guest_name, "capability 0x%x missing", id);
}

static void check_msi(uint32_t apic_id)
{
	unsigned cap = find_cap(0x05);

	cf8_write(TD_DEVFN, cap + 4, 4, 0xfee00000u | apic_id << 12);
	cf8_write(TD_DEVFN, cap + 8, 4, 0);
	cf8_write(TD_DEVFN, cap + 12, 2, VEC_MSI);
	cf8_write(TD_DEVFN, cap + 2, 2, 0x0001);
	reg_write(VPCI_TESTDEV_REG_DOORBELL, 0);
	wait_for(VEC_MSI, 1, "MSI");
	cf8_write(TD_DEVFN, cap + 0x10, 4, 1); /* masked: held pending */
	reg_write(VPCI_TESTDEV_REG_DOORBELL, 0);
	wait_for(VEC_MSI, 1, "MSI while masked");
	if (cf8_read(TD_DEVFN, cap + 0x14, 4) != 1)
		fail(guest_name, "MSI pending bit not set");
	cf8_write(TD_DEVFN, cap + 0x10, 4, 0);
	wait_for(VEC_MSI, 2, "MSI after unmask");
	cf8_write(TD_DEVFN, cap + 2, 2, 0);
	printf("pci: MSI delivered to the LAPIC, masked and pending, sent on unmask\n");
}

__attribute__((unused)) static void check_msix(uint32_t apic_id)
{
	unsigned cap = find_cap(0x11);
	uint64_t table = (cf8_read(TD_DEVFN, 0x18, 4) & ~0xfu) | (uint64_t)cf8_read(TD_DEVFN, 0x1c, 4) << 32;
	volatile uint32_t *e = mmio32(table + 16 * 3);

	e[0] = 0xfee00000u | apic_id << 12;
	e[1] = 0;
	e[2] = VEC_MSIX;
	e[3] = 0; /* unmask entry 3 */
	cf8_write(TD_DEVFN, cap + 2, 2, 0xc000); /* enable, function masked */
	reg_write(VPCI_TESTDEV_REG_DOORBELL, 3);
	wait_for(VEC_MSIX, 0, "MSI-X with the function masked");
	if (!(*mmio32(table + VPCI_TESTDEV_PBA_OFF) & (1u << 3)))
		fail(guest_name, "MSI-X pending bit 3 not set");
	cf8_write(TD_DEVFN, cap + 2, 2, 0x8000);
	wait_for(VEC_MSIX, 1, "MSI-X after function unmask");
	reg_write(VPCI_TESTDEV_REG_DOORBELL, 3);
	wait_for(VEC_MSIX, 2, "MSI-X");
	cf8_write(TD_DEVFN, cap + 2, 2, 0);
	printf("pci: MSI-X delivered, function mask and pending bit work\n");
}

__attribute__((unused)) static void check_intx(uint32_t apic_id)
{
	unsigned gsi = pc_pci_intx_gsi(VPCI_TESTDEV_SLOT, 0);
	unsigned reg = 0x10 + 2 * gsi;

	if (cf8_read(TD_DEVFN, 0x3d, 1) != 1 || cf8_read(TD_DEVFN, 0x3c, 1) != gsi)
		fail(guest_name, "interrupt pin %u line %u", cf8_read(TD_DEVFN, 0x3d, 1), cf8_read(TD_DEVFN, 0x3c, 1));
	ioapic_write(reg + 1, apic_id << 24);
	/* fixed, physical, level, active low (PCI INTx# wires, as the _PRT says), unmasked */
	ioapic_write(reg, VEC_INTX | 1u << 15 | 1u << 13);
	intx_hold = true; /* first time the handler EOIs with the line still up: delivered again */
	reg_write(VPCI_TESTDEV_REG_DOORBELL, 0);
	wait_for(VEC_INTX, 2, "INTx through the IOAPIC");
	if (ioapic_read(reg) & (1u << 14))
		fail(guest_name, "remote IRR still set after EOI");
	if (reg_read(VPCI_TESTDEV_REG_INTX) != 0 || (cf8_read(TD_DEVFN, 0x06, 2) & 8))
		fail(guest_name, "INTx still asserted after the ack");
	cf8_write(TD_DEVFN, 0x04, 2, 0x0407); /* INTx disable */
	reg_write(VPCI_TESTDEV_REG_DOORBELL, 0);
	wait_for(VEC_INTX, 2, "INTx with INTx disable set");
	if (!(cf8_read(TD_DEVFN, 0x06, 2) & 8))
		fail(guest_name, "interrupt status clear while the device asserts INTx");
	cf8_write(TD_DEVFN, 0x04, 2, 0x0007);
	wait_for(VEC_INTX, 3, "INTx after INTx disable cleared");
	printf("pci: INTx routed through IOAPIC pin %u, level, remote IRR cleared by EOI\n", gsi);
}

/* What hardware gives for the accesses the specs leave out: ECAM accesses that cross a dword
 * read all ones (unsupported request), IOAPIC registers take only aligned dwords, an IOREGSEL past
 * the last entry reads 0, version and arbitration are read-only. */
__attribute__((unused)) static void check_bad_accesses(void)
{
	volatile uint8_t *io8 = (volatile uint8_t *)(uintptr_t)PC_IOAPIC_BASE;
	uint32_t ver = ioapic_read(0x01);

	if (*(volatile uint16_t *)(uintptr_t)(PC_ECAM_BASE + 3) != 0xffff ||
	    *(volatile uint32_t *)(uintptr_t)(PC_ECAM_BASE + 2) != 0xffffffffu)
		fail(guest_name, "ECAM access across a dword did not read all ones");
	if (*(volatile uint16_t *)(uintptr_t)(PC_ECAM_BASE + 2) != 0x0008)
		fail(guest_name, "ECAM word read of the host bridge device ID");
	if (ver != 0x00170020u)
		fail(guest_name, "IOAPIC version register 0x%x, expected 24 entries, version 0x20", ver);
	ioapic_write(0x01, 0);
	ioapic_write(0x02, 0xffffffffu);
	if (ioapic_read(0x01) != ver || ioapic_read(0x02) != ioapic_read(0x00))
		fail(guest_name, "IOAPIC version or arbitration register took a write");
	if (ioapic_read(0x40) != 0 || ioapic_read(0xff) != 0)
		fail(guest_name, "IOAPIC registers past the table do not read 0");
	if (io8[0x10] != 0xff || *mmio32(PC_IOAPIC_BASE + 0x20) != 0xffffffffu)
		fail(guest_name, "IOAPIC byte or reserved-offset read not all ones");
	if (ioapic_read(0x10 + 2 * 23) != 0x10000u) /* pin 23 still masked from reset */
		fail(guest_name, "IOAPIC pin 23 0x%x after reset", ioapic_read(0x10 + 2 * 23));
	printf("pci: bad ECAM and IOAPIC accesses get what hardware gives\n");
}

/* Without an IOAPIC path: the interrupt status bit follows INTA#, INTx disable leaves it alone. */
static void check_intx_status(void)
{
	reg_write(VPCI_TESTDEV_REG_DOORBELL, 0);
	if (!(cf8_read(TD_DEVFN, 0x06, 2) & 8) || reg_read(VPCI_TESTDEV_REG_INTX) != 1)
		fail(guest_name, "INTx not asserted after the doorbell");
	cf8_write(TD_DEVFN, 0x04, 2, 0x0407);
	if (!(cf8_read(TD_DEVFN, 0x06, 2) & 8))
		fail(guest_name, "INTx disable cleared the interrupt status");
	reg_write(VPCI_TESTDEV_REG_INTX, 1);
	if (cf8_read(TD_DEVFN, 0x06, 2) & 8)
		fail(guest_name, "interrupt status still set after the ack");
	cf8_write(TD_DEVFN, 0x04, 2, 0x0007);
	printf("pci: INTx status and INTx disable follow the device\n");
}

void guest_main(void)
{
	uint32_t apic_id;

	outb(PIC1_DATA, 0xff);
	outb(PIC2_DATA, 0xff);
	check_enumeration();
	check_bars();
	wrmsr(MSR_APIC_BASE, rdmsr(MSR_APIC_BASE) | APIC_BASE_EN | APIC_BASE_EXTD);
	wrmsr(X2APIC_SVR, 0x1ff); /* software enable, spurious vector 0xff */
	apic_id = (uint32_t)rdmsr(X2APIC_ID);
	guest_set_handler(VEC_MSI, irq_handler);
	guest_set_handler(VEC_MSIX, irq_handler);
	guest_set_handler(VEC_INTX, irq_handler);
	check_intx_status();
	check_msi(apic_id);
#ifndef PCI_PIO_ONLY
	check_bad_accesses();
	check_msix(apic_id);
	check_intx(apic_id);
#endif
	pass(guest_name);
}
