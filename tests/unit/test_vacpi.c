/* SPDX-License-Identifier: MIT */
/* Unit tests for the guest ACPI tables (drivers/pc/vacpi_tables.c, vacpi_dsdt.c).
 * The tables are also parsed back by the host's own ACPI walker (arch/x86/acpi.c). With
 * VACPI_DUMP_DIR set, every table of the 8-vCPU, 6 GiB VM is written there for `iasl -d`. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <cmocka.h>

#include "arch/x86/acpi.h"
#include "drivers/pc/acpi_tables.h"
#include "drivers/pc/pc_layout.h"
#include "drivers/pc/vacpi_tables.h"

#define AREA_SIZE (PC_ACPI_END - PC_ACPI_BASE)
#define GIB (1ull << 30)

static uint8_t *area; /* below 4 GiB (MAP_32BIT): its host address is the "guest" address too */
static struct vacpi_layout lay;

static uint64_t base(void)
{
	return (uint64_t)(uintptr_t)area;
}

static int setup(void **state)
{
	(void)state;
	area = mmap(NULL, AREA_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
	assert_true(area != MAP_FAILED);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	munmap(area, AREA_SIZE);
	return 0;
}

static uint8_t sum(const void *p, size_t n)
{
	const uint8_t *b = p;
	uint8_t s = 0;

	for (size_t i = 0; i < n; i++)
		s = (uint8_t)(s + b[i]);
	return s;
}

/* The table at a guest address: inside the area, signature, length and checksum right. */
static const struct vacpi_header *table_at(uint64_t gpa, const char *sig)
{
	const struct vacpi_header *h;

	assert_true(gpa >= base() && gpa + sizeof(*h) <= base() + AREA_SIZE);
	h = (const struct vacpi_header *)(uintptr_t)gpa;
	assert_memory_equal(h->signature, sig, 4);
	assert_true(h->length >= sizeof(*h) && gpa + h->length <= base() + lay.end);
	assert_int_equal(sum(h, h->length), 0);
	assert_memory_equal(h->oem_id, "BASALT", 6);
	return h;
}

static void build(unsigned vcpus, uint64_t ram_end, bool ecam)
{
	struct vacpi_params p = { .vcpus = vcpus, .ram_end = ram_end, .ecam = ecam };

	memset(&lay, 0xff, sizeof(lay));
	assert_int_equal(vacpi_build_tables(area, AREA_SIZE, base(), &p, &lay), 0);
	assert_true(lay.end <= AREA_SIZE);
}

static const struct vacpi_rsdp *check_rsdp(void)
{
	const struct vacpi_rsdp *r = (const void *)(area + lay.rsdp);

	assert_int_equal(lay.rsdp, 0); /* first thing the BIOS-area scan sees */
	assert_memory_equal(r->signature, "RSD PTR ", 8);
	assert_int_equal(r->revision, 2);
	assert_int_equal(r->length, 36);
	assert_int_equal(sum(r, 20), 0);
	assert_int_equal(sum(r, 36), 0);
	return r;
}

/* XSDT and RSDT list the same tables: FADT, MADT and, with ECAM, MCFG. */
static void check_roots(const struct vacpi_rsdp *r, bool ecam, uint64_t *fadt, uint64_t *madt, uint64_t *mcfg)
{
	const struct vacpi_header *x = table_at(r->xsdt_address, "XSDT"), *rs = table_at(r->rsdt_address, "RSDT");
	unsigned n = ecam ? 3 : 2;
	uint64_t e[3] = { 0 };
	uint32_t e32[3] = { 0 };
	static const char *const sigs[3] = { "FACP", "APIC", "MCFG" };

	assert_int_equal(x->length, 36 + n * 8);
	assert_int_equal(rs->length, 36 + n * 4);
	memcpy(e, x + 1, n * 8);
	memcpy(e32, rs + 1, n * 4);
	for (unsigned i = 0; i < n; i++) {
		assert_int_equal(e[i], e32[i]);
		table_at(e[i], sigs[i]);
	}
	*fadt = e[0];
	*madt = e[1];
	*mcfg = e[2];
	assert_int_equal(lay.mcfg != 0, ecam);
}

static void check_gas_io(const struct vacpi_gas *g, uint16_t port, unsigned bits)
{
	assert_int_equal(g->space_id, 1);
	assert_int_equal(g->bit_width, bits);
	assert_int_equal(g->bit_offset, 0);
	assert_int_equal(g->address, port);
}

static void check_fadt(uint64_t gpa)
{
	const struct vacpi_fadt *f = (const void *)table_at(gpa, "FACP");
	const struct vacpi_facs *facs;

	assert_int_equal(f->h.length, 276);
	assert_int_equal(f->h.revision, 6);
	assert_int_equal(f->sci_int, PC_IRQ_SCI);
	assert_int_equal(f->smi_cmd, 0);
	assert_int_equal(f->pm1a_evt_blk, PC_ACPI_PM_BASE);
	assert_int_equal(f->pm1a_cnt_blk, PC_ACPI_PM_BASE + 4);
	assert_int_equal(f->pm_tmr_blk, PC_ACPI_PM_BASE + 8);
	assert_int_equal(f->pm1b_evt_blk | f->pm1b_cnt_blk | f->pm2_cnt_blk | f->gpe0_blk | f->gpe1_blk, 0);
	assert_int_equal(f->pm1_evt_len, 4);
	assert_int_equal(f->pm1_cnt_len, 2);
	assert_int_equal(f->pm_tmr_len, 4);
	assert_int_equal(f->flags & VACPI_FADT_HW_REDUCED, 0);
	assert_int_equal(f->flags & VACPI_FADT_PWR_BUTTON, 0); /* fixed-feature power button */
	assert_true(f->flags & VACPI_FADT_TMR_VAL_EXT);
	assert_true(f->flags & VACPI_FADT_RESET_REG_SUP);
	assert_int_equal(f->iapc_boot_arch & (VACPI_BOOT_8042 | VACPI_BOOT_NO_VGA), VACPI_BOOT_NO_VGA);
	check_gas_io(&f->reset_reg, PC_RESET_PORT, 8);
	assert_int_equal(f->reset_value, 6);
	check_gas_io(&f->x_pm1a_evt_blk, PC_ACPI_PM_BASE, 32);
	check_gas_io(&f->x_pm1a_cnt_blk, PC_ACPI_PM_BASE + 4, 16);
	check_gas_io(&f->x_pm_tmr_blk, PC_ACPI_PM_BASE + 8, 32);
	assert_int_equal(f->x_pm1b_evt_blk.address | f->x_gpe0_blk.address, 0);
	assert_int_equal(f->x_dsdt, f->dsdt);
	assert_int_equal(f->firmware_ctrl, 0); /* only X_FIRMWARE_CTRL: one FACS, not two */
	assert_int_equal(f->x_firmware_ctrl % 64, 0);
	assert_int_equal(f->x_firmware_ctrl, base() + lay.facs);
	facs = (const void *)(uintptr_t)f->x_firmware_ctrl;
	assert_memory_equal(facs->signature, "FACS", 4);
	assert_int_equal(facs->length, 64);
	table_at(f->dsdt, "DSDT");
	assert_int_equal(f->dsdt, base() + lay.dsdt);
	assert_int_equal(((const struct vacpi_header *)(uintptr_t)f->dsdt)->revision, 2);
}

/* Entry by entry: the LAPICs in order, the IOAPIC, two overrides, the NMI on LINT1, nothing else. */
static void check_madt(uint64_t gpa, unsigned vcpus)
{
	const struct vacpi_madt *m = (const void *)table_at(gpa, "APIC");
	const uint8_t *p = (const uint8_t *)(m + 1), *end = (const uint8_t *)m + m->h.length;
	unsigned lapics = 0, ioapics = 0, isos = 0, nmis = 0;

	assert_int_equal(m->lapic_address, PC_LAPIC_BASE);
	assert_int_equal(m->flags, VACPI_MADT_PCAT_COMPAT);
	for (; p < end; p += p[1]) {
		assert_true(p[1] >= 2 && p + p[1] <= end);
		if (p[0] == VACPI_MADT_TYPE_LAPIC) {
			const struct vacpi_madt_lapic *l = (const void *)p;
			assert_int_equal(l->length, 8);
			assert_int_equal(l->processor_uid, lapics);
			assert_int_equal(l->apic_id, lapics);
			assert_int_equal(l->flags, 1);
			lapics++;
		} else if (p[0] == VACPI_MADT_TYPE_IOAPIC) {
			const struct vacpi_madt_ioapic *io = (const void *)p;
			assert_int_equal(io->length, 12);
			assert_int_equal(io->ioapic_id, PC_IOAPIC_ID);
			assert_int_equal(io->address, PC_IOAPIC_BASE);
			assert_int_equal(io->gsi_base, 0);
			ioapics++;
		} else if (p[0] == VACPI_MADT_TYPE_ISO) {
			const struct vacpi_madt_iso *o = (const void *)p;
			assert_int_equal(o->length, 10);
			assert_int_equal(o->bus, 0);
			if (o->source == 0) {
				assert_int_equal(o->gsi, 2);
				assert_int_equal(o->flags, 0);
			} else {
				assert_int_equal(o->source, 9);
				assert_int_equal(o->gsi, 9);
				assert_int_equal(o->flags, 0xd); /* level, active high */
			}
			isos++;
		} else {
			const struct vacpi_madt_lapic_nmi *n = (const void *)p;
			assert_int_equal(p[0], VACPI_MADT_TYPE_LAPIC_NMI);
			assert_int_equal(n->length, 6);
			assert_int_equal(n->processor_uid, 0xff);
			assert_int_equal(n->lint, 1);
			nmis++;
		}
	}
	assert_ptr_equal(p, end);
	assert_int_equal(lapics, vcpus);
	assert_int_equal(ioapics, 1);
	assert_int_equal(isos, 2);
	assert_int_equal(nmis, 1);
}

static void check_mcfg(uint64_t gpa)
{
	const struct vacpi_mcfg *m = (const void *)table_at(gpa, "MCFG");

	assert_int_equal(m->h.length, 60);
	assert_int_equal(m->alloc[0].base, PC_ECAM_BASE);
	assert_int_equal(m->alloc[0].segment, 0);
	assert_int_equal(m->alloc[0].bus_start, 0);
	assert_int_equal(m->alloc[0].bus_end, PC_PCI_BUSES - 1);
}

/* Finds n bytes in the DSDT; returns the offset or -1. */
static long dsdt_find(const void *needle, size_t n)
{
	const uint8_t *d = area + lay.dsdt;

	for (size_t i = 0; i + n <= lay.dsdt_len; i++)
		if (memcmp(d + i, needle, n) == 0)
			return (long)i;
	return -1;
}

static void check_dsdt(unsigned vcpus, uint64_t ram_end, bool ecam)
{
	/* The ECAM reservation in MRES: DWordMemory consumer over the ECAM window (bus 0: 0xe0000000-0xe00fffff). */
	static const uint8_t ecam_res[] = { 0x87, 0x17, 0x00, 0x00, 0x0d, 0x01, 0, 0, 0, 0, 0, 0, 0, 0xe0, 0xff, 0xff,
					    0x0f, 0xe0 };
	static const uint8_t pnp0a08[] = { 0x08, '_', 'H', 'I', 'D', 0x0c, 0x41, 0xd0, 0x0a, 0x08 };
	static const uint8_t pnp0a03[] = { 0x08, '_', 'C', 'I', 'D', 0x0c, 0x41, 0xd0, 0x0a, 0x03 };
	static const uint8_t s5[] = { 0x08, 0x5c, '_', 'S', '5', '_', 0x12, 0x08, 0x04, 0x0a, 0x05, 0x0a, 0x05, 0x00, 0x00 };
	uint64_t mmio64 = pc_mmio64_base(ram_end);
	uint8_t q[8], last_cpu[4];
	char name[8];

	assert_true(dsdt_find(pnp0a08, sizeof(pnp0a08)) > 0);
	assert_true(dsdt_find(pnp0a03, sizeof(pnp0a03)) > 0);
	assert_true(dsdt_find(s5, sizeof(s5)) > 0);
	assert_true(dsdt_find("\x0c\x41\xd0\x05\x01", 5) > 0); /* PNP0501 */
	assert_true(dsdt_find("ACPI0007", 8) > 0);
	memcpy(q, &mmio64, 8);
	assert_true(dsdt_find(q, 8) > 0); /* the 64-bit window starts above this VM's RAM */
	assert_true(mmio64 >= ram_end && mmio64 >= 4 * GIB);
	/* The _PRT's last entry: slot 31, pin D -> pc_pci_intx_gsi(31, 3). */
	uint8_t prt_last[] = { 0x12, 0x0c, 0x04, 0x0c, 0xff, 0xff, 0x1f, 0x00, 0x0a, 0x03, 0x00, 0x0a,
			       (uint8_t)pc_pci_intx_gsi(31, 3) };
	assert_true(dsdt_find(prt_last, sizeof(prt_last)) > 0);
	snprintf(name, sizeof(name), "C%03X", vcpus - 1);
	memcpy(last_cpu, name, 4);
	assert_true(dsdt_find(last_cpu, 4) > 0);
	snprintf(name, sizeof(name), "C%03X", vcpus);
	memcpy(last_cpu, name, 4);
	assert_true(dsdt_find(last_cpu, 4) < 0);
	assert_int_equal(dsdt_find(ecam_res, sizeof(ecam_res)) > 0, ecam);
}

static void dump(const char *file, const void *p, size_t n)
{
	const char *dir = getenv("VACPI_DUMP_DIR");
	char path[512];
	FILE *f;

	if (!dir)
		return;
	snprintf(path, sizeof(path), "%s/%s", dir, file);
	f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(p, 1, n, f), n);
	assert_int_equal(fclose(f), 0);
}

static void dump_all(uint64_t fadt, uint64_t madt, uint64_t mcfg)
{
	const struct vacpi_rsdp *r = (const void *)area;

	dump("rsdp.dat", r, sizeof(*r));
	dump("xsdt.dat", (void *)(uintptr_t)r->xsdt_address, 60);
	dump("rsdt.dat", (void *)(uintptr_t)r->rsdt_address, 48);
	dump("facp.dat", (void *)(uintptr_t)fadt, 276);
	dump("facs.dat", area + lay.facs, 64);
	dump("apic.dat", (void *)(uintptr_t)madt, ((const struct vacpi_header *)(uintptr_t)madt)->length);
	dump("mcfg.dat", (void *)(uintptr_t)mcfg, 60);
	dump("dsdt.dat", area + lay.dsdt, lay.dsdt_len);
}

static void check_vm(unsigned vcpus, uint64_t ram_end, bool ecam, bool dump_tables)
{
	uint64_t fadt, madt, mcfg;
	uint32_t ids[ACPI_MAX_CPUS];
	const struct vacpi_rsdp *r;

	build(vcpus, ram_end, ecam);
	r = check_rsdp();
	check_roots(r, ecam, &fadt, &madt, &mcfg);
	check_fadt(fadt);
	check_madt(madt, vcpus);
	if (ecam)
		check_mcfg(mcfg);
	check_dsdt(vcpus, ram_end, ecam);
	/* The host's own parser, written independently, finds the same CPUs. */
	if (vcpus <= ACPI_MAX_CPUS) {
		assert_int_equal(acpi_find_cpus(base(), ids, ACPI_MAX_CPUS), vcpus);
		for (unsigned i = 0; i < vcpus; i++)
			assert_int_equal(ids[i], i);
	}
	if (dump_tables)
		dump_all(fadt, madt, mcfg);
}

static void test_one_vcpu_small(void **state) { (void)state; check_vm(1, 256ull << 20, true, false); }
static void test_two_vcpus_3g(void **state) { (void)state; check_vm(2, 3 * GIB, true, false); }
static void test_eight_vcpus_above_4g(void **state) { (void)state; check_vm(8, 7 * GIB, true, true); }
static void test_many_vcpus(void **state) { (void)state; check_vm(64, 4 * GIB + 5, true, false); check_vm(254, 40 * GIB, true, false); }
static void test_without_ecam(void **state) { (void)state; check_vm(1, 256ull << 20, false, false); check_vm(8, 7 * GIB, false, false); }

static void test_rejects_bad_params(void **state)
{
	struct vacpi_params p = { .vcpus = 0, .ram_end = GIB };

	(void)state;
	assert_int_equal(vacpi_build_tables(area, AREA_SIZE, base(), &p, &lay), -22);
	p.vcpus = 255;
	assert_int_equal(vacpi_build_tables(area, AREA_SIZE, base(), &p, &lay), -22);
	p.vcpus = 1;
	assert_int_equal(vacpi_build_tables(area, AREA_SIZE, base() + 8, &p, &lay), -22);
	assert_int_equal(vacpi_build_tables(area, AREA_SIZE, 0xfffff000ull, &p, &lay), -22);
	assert_int_equal(vacpi_build_tables(area, 1024, base(), &p, &lay), -28); /* tables need more */
	assert_int_equal(vacpi_build_tables(area, 200, base(), &p, &lay), -28);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_one_vcpu_small),
		cmocka_unit_test(test_two_vcpus_3g),
		cmocka_unit_test(test_eight_vcpus_above_4g),
		cmocka_unit_test(test_many_vcpus),
		cmocka_unit_test(test_without_ecam),
		cmocka_unit_test(test_rejects_bad_params),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
