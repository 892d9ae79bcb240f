/* SPDX-License-Identifier: MIT */
/* RSDP, FACS, XSDT/RSDT, FADT, MADT and MCFG of a pc VM, laid out one after another in a buffer. */
#include "drivers/pc/vacpi_tables.h"

#include <stdbool.h>
#include <string.h>

#include "drivers/pc/acpi_tables.h"
#include "drivers/pc/aml.h"
#include "drivers/pc/pc_layout.h"
#include "drivers/pc/vacpi_pm.h"
#include "kernel/errno.h"

#define ROOT_MAX 3 /* FADT, MADT and (with ECAM) MCFG: the DSDT and FACS hang off the FADT */
#define RESET_VALUE 6u /* port 0xcf9: full reset (bit 2) with the "hard" bit (bit 1), as on ICH */
#define CMOS_CENTURY 0x32
#define C2_NOT_SUPPORTED 101u  /* latencies above 100 / 1000 us say "no C2 / C3" */
#define C3_NOT_SUPPORTED 1001u

uint8_t vacpi_checksum(const void *p, size_t len)
{
	const uint8_t *b = p;
	uint8_t sum = 0;

	for (size_t i = 0; i < len; i++)
		sum = (uint8_t)(sum + b[i]);
	return (uint8_t)(0x100 - sum);
}

/* A cursor over the buffer: each table starts aligned and the buffer end is never passed. */
struct cursor {
	uint8_t *buf;
	size_t size, used;
	uint32_t base;
	int err;
};

static uint32_t take(struct cursor *c, size_t len, size_t align)
{
	size_t at = (c->used + align - 1) & ~(align - 1);

	if (c->err || at > c->size || len > c->size - at) {
		c->err = -ENOSPC;
		return 0;
	}
	c->used = at + len;
	return (uint32_t)at;
}

void vacpi_fill_header(struct vacpi_header *h, const char *sig, uint32_t len, uint8_t rev)
{
	memcpy(h->signature, sig, 4);
	h->length = len;
	h->revision = rev;
	memcpy(h->oem_id, VACPI_OEM_ID, 6);
	memcpy(h->oem_table_id, VACPI_OEM_TABLE_ID, 8);
	h->oem_revision = 1;
	memcpy(&h->creator_id, VACPI_CREATOR_ID, 4);
	h->creator_revision = 1;
}

static void seal(struct vacpi_header *h)
{
	h->checksum = 0;
	h->checksum = vacpi_checksum(h, h->length);
}

static struct vacpi_gas io_gas(uint16_t port, unsigned bytes, uint8_t access)
{
	return (struct vacpi_gas){ .space_id = VACPI_GAS_IO, .bit_width = (uint8_t)(bytes * 8),
				   .access_size = access, .address = port };
}

/* Not hardware-reduced: the PM1a blocks, the PM timer and the SCI are fixed hardware (see vacpi.h). */
static void fill_fadt(struct vacpi_fadt *f, uint32_t facs_gpa, uint32_t dsdt_gpa)
{
	vacpi_fill_header(&f->h, "FACP", sizeof(*f), 6);
	/* One FACS pointer: with both set, Linux installs (and lists) the same FACS twice. */
	f->x_firmware_ctrl = facs_gpa;
	f->dsdt = dsdt_gpa;
	f->x_dsdt = dsdt_gpa;
	f->sci_int = PC_IRQ_SCI;
	f->pm1a_evt_blk = PC_ACPI_PM_BASE + VACPI_PM1_STS;
	f->pm1a_cnt_blk = PC_ACPI_PM_BASE + VACPI_PM1_CNT;
	f->pm_tmr_blk = PC_ACPI_PM_BASE + VACPI_PM_TMR;
	f->pm1_evt_len = VACPI_PM1_EVT_LEN;
	f->pm1_cnt_len = VACPI_PM1_CNT_LEN;
	f->pm_tmr_len = VACPI_PM_TMR_LEN;
	f->p_lvl2_lat = C2_NOT_SUPPORTED;
	f->p_lvl3_lat = C3_NOT_SUPPORTED;
	f->century = CMOS_CENTURY;
	f->iapc_boot_arch = VACPI_BOOT_LEGACY_DEVICES | VACPI_BOOT_NO_VGA; /* 8042 bit clear: none */
	f->flags = VACPI_FADT_WBINVD | VACPI_FADT_PROC_C1 | VACPI_FADT_SLP_BUTTON | VACPI_FADT_FIX_RTC |
		   VACPI_FADT_TMR_VAL_EXT | VACPI_FADT_RESET_REG_SUP; /* PWR_BUTTON clear: fixed button */
	f->reset_reg = io_gas(PC_RESET_PORT, 1, VACPI_ACCESS_BYTE);
	f->reset_value = RESET_VALUE;
	f->x_pm1a_evt_blk = io_gas(PC_ACPI_PM_BASE + VACPI_PM1_STS, VACPI_PM1_EVT_LEN, VACPI_ACCESS_WORD);
	f->x_pm1a_cnt_blk = io_gas(PC_ACPI_PM_BASE + VACPI_PM1_CNT, VACPI_PM1_CNT_LEN, VACPI_ACCESS_WORD);
	f->x_pm_tmr_blk = io_gas(PC_ACPI_PM_BASE + VACPI_PM_TMR, VACPI_PM_TMR_LEN, VACPI_ACCESS_DWORD);
	seal(&f->h);
}

static void fill_facs(struct vacpi_facs *f)
{
	memcpy(f->signature, "FACS", 4);
	f->length = sizeof(*f);
	f->version = 2;
}

static size_t madt_size(unsigned vcpus)
{
	return sizeof(struct vacpi_madt) + vcpus * sizeof(struct vacpi_madt_lapic) +
	       sizeof(struct vacpi_madt_ioapic) + 2 * sizeof(struct vacpi_madt_iso) +
	       sizeof(struct vacpi_madt_lapic_nmi);
}

static uint8_t *put_iso(uint8_t *p, uint8_t irq, uint32_t gsi, uint16_t flags)
{
	struct vacpi_madt_iso e = { VACPI_MADT_TYPE_ISO, sizeof(e), 0, irq, gsi, flags };

	memcpy(p, &e, sizeof(e));
	return p + sizeof(e);
}

static void fill_madt(struct vacpi_madt *m, unsigned vcpus)
{
	uint8_t *p = (uint8_t *)(m + 1);
	struct vacpi_madt_ioapic io = { VACPI_MADT_TYPE_IOAPIC, sizeof(io), PC_IOAPIC_ID, 0,
					(uint32_t)PC_IOAPIC_BASE, 0 };
	struct vacpi_madt_lapic_nmi nmi = { VACPI_MADT_TYPE_LAPIC_NMI, sizeof(nmi), 0xff, 0, 1 };

	vacpi_fill_header(&m->h, "APIC", (uint32_t)madt_size(vcpus), 4);
	m->lapic_address = (uint32_t)PC_LAPIC_BASE;
	m->flags = VACPI_MADT_PCAT_COMPAT; /* the 8259 pair exists */
	for (unsigned i = 0; i < vcpus; i++) {
		struct vacpi_madt_lapic l = { VACPI_MADT_TYPE_LAPIC, sizeof(l), (uint8_t)i, (uint8_t)i, 1 };

		memcpy(p, &l, sizeof(l));
		p += sizeof(l);
	}
	memcpy(p, &io, sizeof(io));
	p += sizeof(io);
	p = put_iso(p, PC_IRQ_PIT, PC_GSI_PIT, 0); /* bus defaults: edge, active high */
	p = put_iso(p, PC_IRQ_SCI, PC_IRQ_SCI, VACPI_INTI_ACTIVE_HIGH | VACPI_INTI_LEVEL);
	memcpy(p, &nmi, sizeof(nmi)); /* LINT1 is the NMI pin on every PC */
	seal(&m->h);
}

static void fill_mcfg(struct vacpi_mcfg *m)
{
	vacpi_fill_header(&m->h, "MCFG", sizeof(*m), 1);
	m->alloc[0] = (struct vacpi_mcfg_alloc){ .base = PC_ECAM_BASE, .segment = 0, .bus_start = 0,
						 .bus_end = (uint8_t)(PC_ECAM_SIZE / (1u << 20) - 1) };
	seal(&m->h);
}

/* XSDT (8-byte entries) or RSDT (4-byte entries) listing the tables at gpas. */
static void fill_root(struct vacpi_header *h, bool x, const uint32_t *gpas, unsigned n)
{
	uint8_t *p = (uint8_t *)(h + 1);
	unsigned width = x ? 8 : 4;

	vacpi_fill_header(h, x ? "XSDT" : "RSDT", (uint32_t)(sizeof(*h) + n * width), 1);
	for (unsigned i = 0; i < n; i++) {
		uint64_t v = gpas[i];

		memcpy(p + i * width, &v, width);
	}
	seal(h);
}

static void fill_rsdp(struct vacpi_rsdp *r, uint32_t rsdt_gpa, uint32_t xsdt_gpa)
{
	memcpy(r->signature, "RSD PTR ", 8);
	memcpy(r->oem_id, VACPI_OEM_ID, 6);
	r->revision = 2;
	r->rsdt_address = rsdt_gpa;
	r->length = sizeof(*r);
	r->xsdt_address = xsdt_gpa;
	r->checksum = vacpi_checksum(r, 20);
	r->ext_checksum = vacpi_checksum(r, sizeof(*r));
}

static int place_dsdt(struct cursor *c, const struct vacpi_params *p, struct vacpi_layout *l)
{
	struct aml a;

	l->dsdt = take(c, 0, 16);
	if (c->err)
		return c->err;
	aml_init(&a, c->buf + l->dsdt, c->size - l->dsdt);
	if (vacpi_build_dsdt(&a, p))
		return -ENOSPC;
	l->dsdt_len = (uint32_t)a.len;
	c->used += a.len;
	return 0;
}

static int place_tables(struct cursor *c, const struct vacpi_params *p, struct vacpi_layout *l)
{
	l->rsdp = take(c, sizeof(struct vacpi_rsdp), 16);
	l->facs = take(c, sizeof(struct vacpi_facs), 64); /* the FACS must be 64-byte aligned */
	l->xsdt = take(c, sizeof(struct vacpi_header) + ROOT_MAX * 8, 16);
	l->rsdt = take(c, sizeof(struct vacpi_header) + ROOT_MAX * 4, 16);
	l->fadt = take(c, sizeof(struct vacpi_fadt), 16);
	l->madt = take(c, madt_size(p->vcpus), 16);
	l->mcfg = p->ecam ? take(c, sizeof(struct vacpi_mcfg), 16) : 0;
	if (c->err)
		return c->err;
	return place_dsdt(c, p, l);
}

int vacpi_build_tables(void *buf, size_t size, uint64_t base_gpa, const struct vacpi_params *p,
		       struct vacpi_layout *out)
{
	struct cursor c = { .buf = buf, .size = size, .base = (uint32_t)base_gpa };
	struct vacpi_layout l = { 0 };
	uint32_t tables[ROOT_MAX];
	unsigned n = 0;
	int rc;

	if (!p->vcpus || p->vcpus > VACPI_MAX_VCPUS || base_gpa % 16 || base_gpa + size > (1ull << 32))
		return -EINVAL;
	memset(buf, 0, size);
	rc = place_tables(&c, p, &l);
	if (rc)
		return rc;
	fill_facs((struct vacpi_facs *)(c.buf + l.facs));
	fill_fadt((struct vacpi_fadt *)(c.buf + l.fadt), c.base + l.facs, c.base + l.dsdt);
	fill_madt((struct vacpi_madt *)(c.buf + l.madt), p->vcpus);
	tables[n++] = c.base + l.fadt;
	tables[n++] = c.base + l.madt;
	if (p->ecam) {
		fill_mcfg((struct vacpi_mcfg *)(c.buf + l.mcfg));
		tables[n++] = c.base + l.mcfg;
	}
	fill_root((struct vacpi_header *)(c.buf + l.xsdt), true, tables, n);
	fill_root((struct vacpi_header *)(c.buf + l.rsdt), false, tables, n);
	fill_rsdp((struct vacpi_rsdp *)(c.buf + l.rsdp), c.base + l.rsdt, c.base + l.xsdt);
	l.end = (uint32_t)c.used;
	*out = l;
	return 0;
}
