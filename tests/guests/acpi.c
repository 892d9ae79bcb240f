/* SPDX-License-Identifier: MIT */
/* ACPI as a guest sees it: RSDP by the BIOS-area scan, every table checksummed, MADT/FADT/DSDT (and
 * MCFG if listed) read with the specification's offsets (not Basalt's structs), the PM timer
 * against the clock, then S5 through PM1a_CNT with the SLP_TYP the DSDT's \_S5 gives. The harness expects "powered off". */
#include "drivers/pc/pc_layout.h"
#include "lib/guest.h"

const char guest_name[] = "acpi";

#define SCAN_START 0xe0000ul
#define SCAN_END 0x100000ul
#define EXPECT_VCPUS 2          /* tests/configs/acpi.dts */
#define PM_TIMER_HZ 3579545ull
#define MEASURE_NS 20000000ull  /* 20 ms */
#define BRACKET_NS 500000ull    /* 0.5 ms */
#define SLP_EN (1u << 13)

struct table {
	const uint8_t *p;
	uint32_t len;
};

static uint64_t clock_now(void)
{
	return (uint64_t)hypercall(BASALT_HC_CLOCK_NS, 0, 0, 0);
}

static uint32_t rd32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static uint16_t rd16(const uint8_t *p) { uint16_t v; memcpy(&v, p, 2); return v; }
static uint64_t rd64(const uint8_t *p) { uint64_t v; memcpy(&v, p, 8); return v; }

static bool sums_to_zero(const uint8_t *p, uint32_t n)
{
	uint8_t s = 0;

	for (uint32_t i = 0; i < n; i++)
		s = (uint8_t)(s + p[i]);
	return s == 0;
}

static const uint8_t *find_rsdp(void)
{
	for (uintptr_t a = SCAN_START; a < SCAN_END; a += 16) {
		const uint8_t *p = (const uint8_t *)a;

		if (memcmp(p, "RSD PTR ", 8) == 0 && sums_to_zero(p, 20))
			return p;
	}
	return NULL;
}

static struct table table_at(uint64_t gpa, const char *sig)
{
	const uint8_t *p = (const uint8_t *)(uintptr_t)gpa;
	struct table t = { p, 0 };

	if (gpa < SCAN_START || gpa >= SCAN_END)
		fail(guest_name, "%s at 0x%lx, outside the BIOS area", sig, gpa);
	if (memcmp(p, sig, 4) != 0)
		fail(guest_name, "expected %s at 0x%lx, found %c%c%c%c", sig, gpa, p[0], p[1], p[2], p[3]);
	t.len = rd32(p + 4);
	if (t.len < 36 || gpa + t.len > SCAN_END)
		fail(guest_name, "%s: length %u", sig, t.len);
	if (!sums_to_zero(p, t.len))
		fail(guest_name, "%s: bad checksum", sig);
	printf("acpi: %s at 0x%lx, %u bytes, checksum ok\n", sig, gpa, t.len);
	return t;
}

/* The XSDT's and the RSDT's entries, which must name the same tables. */
static void walk_roots(const uint8_t *rsdp, struct table *fadt, struct table *madt, struct table *mcfg)
{
	struct table x, r;
	unsigned n;

	if (rsdp[15] < 2 || rd32(rsdp + 20) != 36 || !sums_to_zero(rsdp, 36))
		fail(guest_name, "RSDP revision %u / length %u / extended checksum", rsdp[15], rd32(rsdp + 20));
	x = table_at(rd64(rsdp + 24), "XSDT");
	r = table_at(rd32(rsdp + 16), "RSDT");
	n = (x.len - 36) / 8;
	if ((r.len - 36) / 4 != n)
		fail(guest_name, "XSDT lists %u tables, RSDT %u", n, (r.len - 36) / 4);
	for (unsigned i = 0; i < n; i++) {
		uint64_t gpa = rd64(x.p + 36 + 8 * i);
		const uint8_t *p = (const uint8_t *)(uintptr_t)gpa;

		if (rd32(r.p + 36 + 4 * i) != gpa)
			fail(guest_name, "XSDT and RSDT differ at entry %u", i);
		if (memcmp(p, "FACP", 4) == 0)
			*fadt = table_at(gpa, "FACP");
		else if (memcmp(p, "APIC", 4) == 0)
			*madt = table_at(gpa, "APIC");
		else if (memcmp(p, "MCFG", 4) == 0)
			*mcfg = table_at(gpa, "MCFG");
		else
			table_at(gpa, "????");
	}
	if (!fadt->p || !madt->p)
		fail(guest_name, "FADT or MADT missing from the XSDT");
	printf("PASS acpi-rsdp-xsdt\n");
}

static void check_madt(struct table m)
{
	unsigned lapics = 0, ioapics = 0;
	bool pit_override = false;

	if (rd32(m.p + 36) != 0xfee00000u)
		fail(guest_name, "MADT local APIC address 0x%x", rd32(m.p + 36));
	for (uint32_t off = 44; off + 2 <= m.len; off += m.p[off + 1]) {
		const uint8_t *e = m.p + off;

		if (e[1] < 2 || off + e[1] > m.len)
			fail(guest_name, "MADT entry at %u has length %u", off, e[1]);
		if (e[0] == 0 && (rd32(e + 4) & 1) && e[3] == lapics)
			lapics++;
		else if (e[0] == 1 && rd32(e + 4) == 0xfec00000u && rd32(e + 8) == 0)
			ioapics++;
		else if (e[0] == 2 && e[3] == 0 && rd32(e + 4) == 2)
			pit_override = true;
	}
	if (lapics != EXPECT_VCPUS || ioapics != 1 || !pit_override)
		fail(guest_name, "MADT: %u enabled LAPICs (want %u), %u IOAPICs, IRQ0->GSI2 %s", lapics,
		     EXPECT_VCPUS, ioapics, pit_override ? "yes" : "no");
	printf("PASS acpi-madt\n");
}

/* Basalt lists an MCFG only when the VM emulates ECAM (a PCI model is attached). */
static void check_mcfg(struct table m)
{
	if (!m.p) {
		printf("acpi: no MCFG (this VM has no ECAM)\n");
		return;
	}
	if (m.len < 60 || rd64(m.p + 44) != 0xe0000000ull || rd16(m.p + 52) != 0 || m.p[54] != 0 || m.p[55] != PC_PCI_BUSES - 1)
		fail(guest_name, "MCFG: base 0x%lx, segment %u, buses %u-%u", rd64(m.p + 44), rd16(m.p + 52), m.p[54],
		     m.p[55]);
	printf("PASS acpi-mcfg\n");
}

/* \_S5's first element, a constant integer (ZeroOp, OneOp or BytePrefix n). */
static unsigned s5_slp_typ(struct table d)
{
	for (uint32_t i = 36; i + 8 < d.len; i++) {
		const uint8_t *p = d.p + i;

		if (p[0] != 0x08 || memcmp(p + 1 + (p[1] == '\\'), "_S5_", 4) != 0)
			continue;
		p += 5 + (p[1] == '\\');
		if (p[0] != 0x12 || (p[1] & 0xc0))
			fail(guest_name, "\\_S5 is not a short Package");
		p += 3; /* PackageOp, one-byte PkgLength, NumElements */
		if (p[0] == 0x00 || p[0] == 0x01)
			return p[0];
		if (p[0] == 0x0a)
			return p[1];
		fail(guest_name, "\\_S5's SLP_TYP is not a constant (opcode 0x%x)", p[0]);
	}
	fail(guest_name, "the DSDT has no \\_S5");
}

/* A PM timer reading with the clock read just before and after it: the count belongs to a moment
 * in [before, after]. Retried until that bracket is narrow, so a preemption cannot skew it. */
struct sample {
	uint64_t before, after;
	uint32_t count;
};

static struct sample sample_pm(uint16_t port)
{
	struct sample s;

	for (int i = 0; i < 20; i++) {
		s.before = clock_now();
		s.count = inl(port);
		s.after = clock_now();
		if (s.after - s.before < BRACKET_NS)
			break;
	}
	return s;
}

/* The PM timer against the hypervisor clock over 20 ms; reads in between never go backwards. */
static void check_pm_timer(uint16_t port)
{
	struct sample a = sample_pm(port), b;
	uint32_t prev = a.count, now, reads = 0;
	uint64_t lo, hi, ticks;

	do {
		now = inl(port);
		if ((uint32_t)(now - prev) > 0x80000000u) /* 32-bit counter: differences wrap with it */
			fail(guest_name, "PM timer went backwards: 0x%x -> 0x%x", prev, now);
		prev = now;
		reads++;
	} while (clock_now() - a.after < MEASURE_NS);
	b = sample_pm(port);
	ticks = (uint32_t)(b.count - a.count);
	/* The elapsed time lies in [b.before - a.after, b.after - a.before]; allow 1% and 2 ticks. */
	lo = (b.before - a.after) * PM_TIMER_HZ / 1000000000ull;
	hi = (b.after - a.before) * PM_TIMER_HZ / 1000000000ull;
	printf("acpi: PM timer %lu ticks, clock says %lu-%lu (%u reads between)\n", ticks, lo, hi, reads);
	if (ticks + 2 < lo * 99 / 100 || ticks > hi * 101 / 100 + 2)
		fail(guest_name, "PM timer does not run at 3.579545 MHz");
	printf("PASS acpi-pm-timer\n");
}

static void check_fadt(struct table f, uint16_t *pm1a_cnt, uint16_t *pm_tmr, struct table *dsdt)
{
	uint32_t flags = rd32(f.p + 112);

	if (f.len < 244 || rd16(f.p + 46) != 9 || rd32(f.p + 48) != 0)
		fail(guest_name, "FADT: length %u, SCI %u, SMI_CMD 0x%x", f.len, rd16(f.p + 46), rd32(f.p + 48));
	if (!(flags & (1u << 8)) || !(flags & (1u << 10)) || (flags & (1u << 20)))
		fail(guest_name, "FADT flags 0x%x: want TMR_VAL_EXT, RESET_REG_SUP, not HW_REDUCED", flags);
	if (f.p[116] != 1 || rd64(f.p + 120) != 0xcf9 || f.p[128] != 6)
		fail(guest_name, "FADT reset register: space %u port 0x%lx value %u", f.p[116], rd64(f.p + 120), f.p[128]);
	*pm1a_cnt = (uint16_t)rd32(f.p + 64);
	*pm_tmr = (uint16_t)rd32(f.p + 76);
	if (rd64(f.p + 172 + 4) != *pm1a_cnt || rd64(f.p + 208 + 4) != *pm_tmr || f.p[89] != 2 || f.p[91] != 4)
		fail(guest_name, "FADT: X_ blocks disagree with the 32-bit ones");
	if ((inw(*pm1a_cnt) & 1) != 1)
		fail(guest_name, "SCI_EN is clear: the platform is not in ACPI mode");
	*dsdt = table_at(rd64(f.p + 140), "DSDT");
	if (rd32(f.p + 40) != (uint32_t)(uintptr_t)dsdt->p)
		fail(guest_name, "FADT DSDT and X_DSDT differ");
	printf("PASS acpi-fadt\n");
}

void guest_main(void)
{
	const uint8_t *rsdp = find_rsdp();
	struct table fadt = { 0 }, madt = { 0 }, mcfg = { 0 }, dsdt;
	uint16_t pm1a_cnt, pm_tmr;
	unsigned slp_typ;

	if (!rsdp)
		fail(guest_name, "no RSDP in 0x%lx-0x%lx", SCAN_START, SCAN_END);
	printf("acpi: RSDP at 0x%lx, OEM %c%c%c%c%c%c\n", (uintptr_t)rsdp, rsdp[9], rsdp[10], rsdp[11], rsdp[12],
	       rsdp[13], rsdp[14]);
	walk_roots(rsdp, &fadt, &madt, &mcfg);
	check_madt(madt);
	check_mcfg(mcfg);
	check_fadt(fadt, &pm1a_cnt, &pm_tmr, &dsdt);
	check_pm_timer(pm_tmr);
	slp_typ = s5_slp_typ(dsdt);
	printf("acpi: S5 through PM1a_CNT 0x%x, SLP_TYP %u\n", pm1a_cnt, slp_typ);
	guest_stopping = true;
	outw(pm1a_cnt, (uint16_t)(slp_typ << 10 | SLP_EN));
	fail(guest_name, "still running after SLP_EN");
}
