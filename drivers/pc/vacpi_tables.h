/* SPDX-License-Identifier: MIT */
/* Builds a pc VM's ACPI tables from its shape into a buffer that becomes guest memory (pure C). */
#ifndef BASALT_DRIVERS_PC_VACPI_TABLES_H
#define BASALT_DRIVERS_PC_VACPI_TABLES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct aml;
struct vacpi_header;

#define VACPI_MAX_VCPUS 254 /* xAPIC IDs 0-253 need no x2APIC entries (255 is broadcast) */
#define VACPI_OEM_ID "BASALT"
#define VACPI_OEM_TABLE_ID "BASALTPC"
#define VACPI_CREATOR_ID "BSLT"

/* What the tables depend on. */
struct vacpi_params {
	unsigned vcpus;    /* 1..VACPI_MAX_VCPUS: one MADT local APIC and processor device each */
	uint64_t ram_end;  /* highest guest-physical RAM address + 1: the 64-bit PCI window sits above */
	bool ecam;         /* the VM emulates ECAM at PC_ECAM_BASE: only then MCFG (and its reservation
	                    * in the DSDT) exist, since Linux reads ECAM as soon as MCFG names it */
};

/* Where each table went, as offsets from the start of the buffer (add the base GPA for addresses). */
struct vacpi_layout {
	uint32_t rsdp, facs, xsdt, rsdt, fadt, madt, mcfg, dsdt; /* mcfg 0: none */
	uint32_t dsdt_len;
	uint32_t end; /* bytes used */
};

/*
 * Writes every table into buf, which the guest sees at base_gpa (below 4 GiB: the RSDT and the
 * FADT's 32-bit fields hold addresses): the RSDP at offset 0 (16-byte aligned for the BIOS-area
 * scan), then FACS, XSDT, RSDT, FADT, MADT, MCFG (if p->ecam), DSDT. The buffer is zeroed first.
 * 0, -EINVAL (bad params, base not 16-aligned or not below 4 GiB) or -ENOSPC (size too small).
 */
int vacpi_build_tables(void *buf, size_t size, uint64_t base_gpa, const struct vacpi_params *p,
		       struct vacpi_layout *out);

/* The DSDT's definition block (header included, checksummed) appended to a; 0 or -ENOSPC. */
int vacpi_build_dsdt(struct aml *a, const struct vacpi_params *p);

/* A table header with Basalt's OEM fields; the checksum is left 0 for the caller to seal. */
void vacpi_fill_header(struct vacpi_header *h, const char *sig, uint32_t len, uint8_t rev);

/* The byte that makes len bytes at p sum to zero, the checksum byte itself counted as 0. */
uint8_t vacpi_checksum(const void *p, size_t len);

#endif
