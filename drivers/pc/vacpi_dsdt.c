/* SPDX-License-Identifier: MIT */
/* The DSDT of a pc VM: PCI root bridge with windows and _PRT, COM1, motherboard resources, CPUs, \_S5. */
#include "drivers/pc/vacpi_tables.h"

#include <string.h>

#include "drivers/pc/acpi_tables.h"
#include "drivers/pc/aml.h"
#include "drivers/pc/pc_layout.h"
#include "drivers/pc/vacpi_pm.h"
#include "kernel/errno.h"

#define DSDT_REVISION 2 /* 2: integers are 64 bits wide (the 64-bit PCI window needs them) */
#define PCI_SLOTS 32
#define PCI_PINS 4
#define COM1_BASE 0x3f8
#define COM1_PORTS 8

/* Name(_CRS, ResourceTemplate() { ... }): the caller adds the descriptors between begin and end. */
static aml_mark crs_begin(struct aml *a)
{
	aml_name(a, "_CRS");
	return aml_buffer_begin(a);
}

static void crs_end(struct aml *a, aml_mark m)
{
	aml_res_end_tag(a, m);
	aml_buffer_end(a, m);
}

static void pci0_crs(struct aml *a, const struct vacpi_params *p)
{
	uint64_t mmio64 = pc_mmio64_base(p->ram_end);
	aml_mark m = crs_begin(a);

	aml_res_word_bus(a, 0, PC_PCI_BUSES - 1);
	aml_res_io(a, PC_PCI_CONFIG_ADDR, PC_PCI_CONFIG_ADDR, 1, 8); /* 0xcf8-0xcff: the bridge itself */
	aml_res_word_io(a, 0x0000, PC_PCI_CONFIG_ADDR - 1);
	aml_res_word_io(a, PC_PCI_CONFIG_ADDR + 8, 0xffff);
	aml_res_dword_memory(a, 0, (uint32_t)PC_PCI_MMIO32_BASE,
			     (uint32_t)(PC_PCI_MMIO32_BASE + PC_PCI_MMIO32_SIZE - 1));
	aml_res_qword_memory(a, 0, mmio64, mmio64 + PC_PCI_MMIO64_SIZE - 1);
	crs_end(a, m);
}

/* Every slot's INTA-INTD straight to its IOAPIC input: Source 0 means SourceIndex is a GSI. */
static void pci0_prt(struct aml *a)
{
	aml_mark prt;

	aml_name(a, "_PRT");
	prt = aml_package_begin(a, (PCI_SLOTS - 1) * PCI_PINS);
	for (unsigned slot = 1; slot < PCI_SLOTS; slot++) {
		for (unsigned pin = 0; pin < PCI_PINS; pin++) {
			aml_mark e = aml_package_begin(a, 4);

			aml_integer(a, (uint64_t)slot << 16 | 0xffff); /* any function of the slot */
			aml_integer(a, pin);
			aml_integer(a, 0);
			aml_integer(a, pc_pci_intx_gsi(slot, pin));
			aml_end(a, e);
		}
	}
	aml_end(a, prt);
}

static void pci0(struct aml *a, const struct vacpi_params *p)
{
	aml_mark d = aml_device_begin(a, "PCI0");

	aml_name(a, "_HID");
	aml_eisa_id(a, "PNP0A08"); /* PCI Express root bridge (ECAM through MCFG) ... */
	aml_name(a, "_CID");
	aml_eisa_id(a, "PNP0A03"); /* ... which is also a PCI root bridge */
	aml_name(a, "_SEG");
	aml_integer(a, 0);
	aml_name(a, "_BBN");
	aml_integer(a, 0);
	aml_name(a, "_UID");
	aml_integer(a, 0);
	pci0_crs(a, p);
	pci0_prt(a);
	aml_end(a, d);
}

static void com1(struct aml *a)
{
	aml_mark d = aml_device_begin(a, "COM1"), m;

	aml_name(a, "_HID");
	aml_eisa_id(a, "PNP0501"); /* 16550A-compatible */
	aml_name(a, "_UID");
	aml_integer(a, 1);
	m = crs_begin(a);
	aml_res_io(a, COM1_BASE, COM1_BASE, 1, COM1_PORTS);
	aml_res_irq_noflags(a, 1u << PC_IRQ_COM1);
	crs_end(a, m);
	aml_end(a, d);
}

/* Motherboard resources: the PM ports, and the ECAM window that Linux only trusts for MMCONFIG
 * when firmware reserves it here (or in e820). */
static void motherboard(struct aml *a, bool ecam)
{
	aml_mark d = aml_device_begin(a, "MRES"), m;

	aml_name(a, "_HID");
	aml_eisa_id(a, "PNP0C02");
	aml_name(a, "_UID");
	aml_integer(a, 0);
	m = crs_begin(a);
	aml_res_io(a, PC_ACPI_PM_BASE, PC_ACPI_PM_BASE, 1, PC_ACPI_PM_LEN);
	if (ecam)
		aml_res_dword_memory(a, AML_RES_CONSUMER, (uint32_t)PC_ECAM_BASE,
				     (uint32_t)(PC_ECAM_BASE + PC_ECAM_SIZE - 1));
	crs_end(a, m);
	aml_end(a, d);
}

/* One processor device per vCPU, _UID = the MADT's processor UID (= the vCPU index). */
static void processors(struct aml *a, unsigned vcpus)
{
	static const char hex[] = "0123456789ABCDEF";

	for (unsigned i = 0; i < vcpus; i++) {
		char name[5] = { 'C', hex[(i >> 8) & 0xf], hex[(i >> 4) & 0xf], hex[i & 0xf], '\0' };
		aml_mark d = aml_device_begin(a, name);

		aml_name(a, "_HID");
		aml_string(a, "ACPI0007");
		aml_name(a, "_UID");
		aml_integer(a, i);
		aml_end(a, d);
	}
}

/* \_S5: SLP_TYP for PM1a and PM1b (absent), then two reserved values. */
static void sleep_states(struct aml *a)
{
	aml_mark m;

	aml_name(a, "\\_S5");
	m = aml_package_begin(a, 4);
	aml_integer(a, VACPI_SLP_TYP_S5);
	aml_integer(a, VACPI_SLP_TYP_S5);
	aml_integer(a, 0);
	aml_integer(a, 0);
	aml_end(a, m);
}

int vacpi_build_dsdt(struct aml *a, const struct vacpi_params *p)
{
	struct vacpi_header h = { 0 };
	size_t start = a->len;
	aml_mark sb;

	aml_bytes(a, &h, sizeof(h)); /* filled in once the length is known */
	sb = aml_scope_begin(a, "\\_SB");
	pci0(a, p);
	com1(a);
	motherboard(a, p->ecam);
	processors(a, p->vcpus);
	aml_end(a, sb);
	sleep_states(a);
	if (!aml_ok(a) || a->len - start > UINT32_MAX)
		return -ENOSPC;
	vacpi_fill_header(&h, "DSDT", (uint32_t)(a->len - start), DSDT_REVISION);
	memcpy(a->buf + start, &h, sizeof(h));
	h.checksum = vacpi_checksum(a->buf + start, h.length);
	memcpy(a->buf + start, &h, sizeof(h));
	return 0;
}
