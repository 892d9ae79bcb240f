/* SPDX-License-Identifier: MIT */
/* Walks RSDP -> XSDT/RSDT -> MADT or MCFG, checking signatures, lengths and checksums as it goes. */
#include "arch/x86/acpi.h"

#include <stdbool.h>
#include <string.h>

#include "kernel/mem.h"

#define MADT_LAPIC 0
#define MADT_X2APIC 9
#define MADT_ENABLED 1u
#define MADT_ONLINE_CAPABLE 2u
#define MADT_ENTRIES_OFFSET 44

static bool checksum_ok(const void *p, uint32_t len)
{
	const uint8_t *b = p;
	uint8_t sum = 0;

	for (uint32_t i = 0; i < len; i++)
		sum += b[i];
	return sum == 0;
}

static const struct acpi_header *table_at(uint64_t pa, const char *sig)
{
	const struct acpi_header *h = phys_to_virt(pa);

	if (!pa || memcmp(h->signature, sig, 4) != 0 || h->length < sizeof(*h) || !checksum_ok(h, h->length))
		return NULL;
	return h;
}

static const struct acpi_header *find_table(const struct acpi_rsdp *rsdp, const char *sig)
{
	bool x = rsdp->revision >= 2 && rsdp->xsdt_address;
	const struct acpi_header *root = x ? table_at(rsdp->xsdt_address, "XSDT") : table_at(rsdp->rsdt_address, "RSDT");
	unsigned width = x ? 8 : 4;

	if (!root)
		return NULL;
	const uint8_t *entries = (const uint8_t *)root + sizeof(*root);
	unsigned n = (root->length - sizeof(*root)) / width;

	for (unsigned i = 0; i < n; i++) {
		uint64_t pa = 0;

		memcpy(&pa, entries + i * width, width);
		const struct acpi_header *t = table_at(pa, sig);
		if (t)
			return t;
	}
	return NULL;
}

static unsigned collect_cpus(const struct acpi_header *madt, uint32_t *ids, unsigned max)
{
	const uint8_t *p = (const uint8_t *)madt + MADT_ENTRIES_OFFSET;
	const uint8_t *end = (const uint8_t *)madt + madt->length;
	unsigned n = 0;

	while (p + 2 <= end && p[1] >= 2 && p + p[1] <= end) {
		uint32_t flags = 0, id = 0;
		bool cpu = false;

		if (p[0] == MADT_LAPIC && p[1] >= 8) {
			id = p[3];
			memcpy(&flags, p + 4, 4);
			cpu = true;
		} else if (p[0] == MADT_X2APIC && p[1] >= 16) {
			memcpy(&id, p + 4, 4);
			memcpy(&flags, p + 8, 4);
			cpu = true;
		}
		if (cpu && (flags & (MADT_ENABLED | MADT_ONLINE_CAPABLE)) && n < max)
			ids[n++] = id;
		p += p[1];
	}
	return n;
}

static const struct acpi_header *find_from_rsdp(uint64_t rsdp_pa, const char *sig)
{
	const struct acpi_rsdp *rsdp = phys_to_virt(rsdp_pa);

	if (!rsdp_pa || memcmp(rsdp->signature, "RSD PTR ", 8) != 0 || !checksum_ok(rsdp, 20))
		return NULL;
	return find_table(rsdp, sig);
}

unsigned acpi_find_cpus(uint64_t rsdp_pa, uint32_t *apic_ids, unsigned max)
{
	const struct acpi_header *madt = find_from_rsdp(rsdp_pa, "APIC");

	if (!madt || madt->length < MADT_ENTRIES_OFFSET)
		return 0;
	return collect_cpus(madt, apic_ids, max);
}

unsigned acpi_choose_cpus(const uint32_t *madt, unsigned madt_n, const uint32_t *fw, unsigned fw_n,
			  uint32_t *out, unsigned max, bool *from_fw)
{
	const uint32_t *src = madt;
	unsigned n = madt_n;

	*from_fw = fw_n > madt_n;
	if (*from_fw) {
		src = fw;
		n = fw_n;
	}
	if (n > max)
		n = max;
	if (n)
		memmove(out, src, n * sizeof(*out));
	return n;
}

unsigned acpi_find_mcfg(uint64_t rsdp_pa, struct acpi_mcfg_alloc *out, unsigned max)
{
	const struct acpi_header *mcfg = find_from_rsdp(rsdp_pa, "MCFG");

	if (!mcfg || mcfg->length < ACPI_MCFG_ENTRIES_OFFSET)
		return 0;
	unsigned n = (mcfg->length - ACPI_MCFG_ENTRIES_OFFSET) / sizeof(*out);
	const uint8_t *p = (const uint8_t *)mcfg + ACPI_MCFG_ENTRIES_OFFSET;

	for (unsigned i = 0; i < n && i < max; i++)
		memcpy(&out[i], p + i * sizeof(*out), sizeof(*out));
	return n;
}
