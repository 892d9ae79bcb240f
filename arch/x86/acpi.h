/* SPDX-License-Identifier: MIT */
/* Just enough ACPI to count the host CPUs (MADT) and find PCI ECAM (MCFG); plain C, unit-testable. */
#ifndef BASALT_X86_ACPI_H
#define BASALT_X86_ACPI_H

#include <stdbool.h>
#include <stdint.h>

struct acpi_rsdp {
	char signature[8];
	uint8_t checksum;
	char oem_id[6];
	uint8_t revision;
	uint32_t rsdt_address;
	uint32_t length;
	uint64_t xsdt_address;
	uint8_t extended_checksum;
	uint8_t reserved[3];
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_rsdp) == 36, "ACPI 2.0 RSDP");

struct acpi_header {
	char signature[4];
	uint32_t length;
	uint8_t revision;
	uint8_t checksum;
	char oem_id[6];
	char oem_table_id[8];
	uint32_t oem_revision;
	uint32_t creator_id;
	uint32_t creator_revision;
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_header) == 36, "ACPI table header");

#define ACPI_MAX_CPUS 64

/* One MCFG configuration-space allocation, as laid out in the table (after its 44-byte header). */
struct acpi_mcfg_alloc {
	uint64_t base;        /* ECAM address of bus 0 (bus b at base + (b << 20)) */
	uint16_t segment;
	uint8_t bus_start;
	uint8_t bus_end;
	uint32_t reserved;
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_mcfg_alloc) == 16, "MCFG allocation entry");
#define ACPI_MCFG_ENTRIES_OFFSET 44

/* Copies at most max MCFG allocations to out; returns how many the table has (0: no usable MCFG). */
unsigned acpi_find_mcfg(uint64_t rsdp_pa, struct acpi_mcfg_alloc *out, unsigned max);

/* Fills apic_ids with the enabled CPUs the MADT lists; returns their count (0 when ACPI is unusable). */
unsigned acpi_find_cpus(uint64_t rsdp_pa, uint32_t *apic_ids, unsigned max);

/* The host CPU list: the MADT's, unless the firmware's MP services saw more CPUs (Bochs' OVMF
 * MADT lists only the BSP), then theirs. Copies at most max APIC IDs to out (which may be either
 * input), returns how many and sets *from_fw when the firmware's list won. */
unsigned acpi_choose_cpus(const uint32_t *madt, unsigned madt_n, const uint32_t *fw, unsigned fw_n,
			  uint32_t *out, unsigned max, bool *from_fw);

#endif
