/* SPDX-License-Identifier: MIT */
/* Unit tests for drivers/pc/vlapic.c, vlapic_timer.c and apic_bus.c: a three-vCPU VM on a fake clock. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "drivers/pc/apic_bus.h"
#include "drivers/pc/pc_layout.h"
#include "drivers/pc/vioapic.h"
#include "drivers/pc/vlapic.h"
#include "kernel/clock.h"
#include "kernel/mem.h"
#include "kernel/vm.h"
#include "kernel/vmm.h"

/* ---- the world the model lives in: a 1 GHz TSC (1 tick per ns), an IOAPIC that records EOIs ---- */
struct vmm_features vmm_features = { .guest_maxphyaddr = 40 };
static uint64_t now;
static uint8_t eoi_vectors[16];
static unsigned eoi_count;

uint64_t clock_ns(void) { return now; }
uint64_t clock_tsc_at_ns(uint64_t ns) { return ns; }
uint64_t clock_ns_at_tsc(uint64_t tsc) { return tsc; }
void *pages_alloc(size_t count, uint64_t align) { (void)align; return calloc(count, PAGE_SIZE); }
void pages_free(void *p, size_t count) { (void)count; free(p); }

int vm_register_mmio(struct vm *vm, uint64_t base, uint64_t size, mmio_fn handler, void *dev)
{
	(void)vm; (void)base; (void)size; (void)handler; (void)dev;
	return 0;
}

void vioapic_eoi(struct vioapic *io, uint8_t vector)
{
	(void)io;
	eoi_vectors[eoi_count++ % 16] = vector;
}

static unsigned kicks[8];
static unsigned resets;
void vcpu_kick(struct vcpu *v) { kicks[v->id]++; }
void vm_reset_requested(struct vm *vm, const char *how) { (void)vm; (void)how; resets++; }

#define NCPU 3
#define TSC_OFFSET 1000000ull
static struct vm vm;
static struct vcpu *cpus[NCPU];
static struct vlapic *lap[NCPU];

static int setup(void **state)
{
	(void)state;
	memset(&vm, 0, sizeof(vm));
	vm.tsc_offset = TSC_OFFSET;
	vm.nr_vcpus = NCPU;
	for (unsigned i = 0; i < NCPU; i++) {
		cpus[i] = calloc(1, sizeof(struct vcpu));
		cpus[i]->vm = &vm;
		cpus[i]->id = i;
		vm.vcpus[i] = cpus[i];
		assert_int_equal(vlapic_create(cpus[i]), 0);
		lap[i] = cpus[i]->lapic;
	}
	now = 1000;
	eoi_count = 0;
	memset(kicks, 0, sizeof(kicks));
	resets = 0;
	return 0;
}

/* The APs already started by INIT-SIPI-SIPI: a CPU waiting for SIPI accepts nothing else. */
static int setup_started(void **state)
{
	setup(state);
	for (unsigned i = 1; i < NCPU; i++)
		lap[i]->cpu_state = VLAPIC_CPU_RUNNING;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	for (unsigned i = 0; i < NCPU; i++) {
		vlapic_destroy(cpus[i]);
		assert_null(cpus[i]->lapic);
		free(cpus[i]);
	}
	return 0;
}

/* ---- access helpers: xAPIC page and x2APIC MSRs ---- */
static uint32_t mr(unsigned cpu, unsigned off)
{
	uint64_t v = 0xdeadbeef;

	assert_int_equal(vlapic_mmio(cpus[cpu], NULL, PC_LAPIC_BASE + off, 4, false, &v), 0);
	return (uint32_t)v;
}

static void mw(unsigned cpu, unsigned off, uint32_t val)
{
	uint64_t v = val;

	assert_int_equal(vlapic_mmio(cpus[cpu], NULL, PC_LAPIC_BASE + off, 4, true, &v), 0);
}

static int xr(unsigned cpu, unsigned reg, uint64_t *v) { return vlapic_msr_read(lap[cpu], 0x800 + reg, v, now); }
static int xw(unsigned cpu, unsigned reg, uint64_t v) { return vlapic_msr_write(lap[cpu], 0x800 + reg, v, now); }

static void to_x2apic(unsigned cpu)
{
	assert_int_equal(vlapic_msr_write(lap[cpu], MSR_IA32_APIC_BASE, lap[cpu]->apic_base | APIC_BASE_EXTD, now), 0);
}

static void sw_enable(unsigned cpu)
{
	mw(cpu, 0xf0, 0x1ff);
}

#define fixed(vec, lvl) ((struct apic_msg){ .vector = (vec), .delivery = APIC_DM_FIXED, .level_triggered = (lvl), .assert = true })

static bool irr(unsigned cpu, unsigned v) { return lap[cpu]->irr[v / 32] >> (v % 32) & 1; }
static bool isr(unsigned cpu, unsigned v) { return lap[cpu]->isr[v / 32] >> (v % 32) & 1; }

/* ---- reset state ---- */
static void test_reset_state(void **state)
{
	(void)state;
	assert_int_equal(lap[0]->apic_base, PC_LAPIC_BASE | APIC_BASE_EN | APIC_BASE_BSP);
	assert_int_equal(lap[1]->apic_base, PC_LAPIC_BASE | APIC_BASE_EN);
	assert_int_equal(mr(0, 0x30), 0x00060014); /* version 0x14, 7 LVTs (max LVT 6) */
	assert_int_equal(mr(1, 0x20), 1u << 24);
	assert_int_equal(mr(1, 0xf0), 0xff);       /* AP: software-disabled, every LVT masked */
	assert_int_equal(mr(1, 0x350), LVT_MASKED);
	assert_int_equal(mr(1, 0xe0), 0xffffffffu);
	/* BSP in virtual-wire mode, as firmware leaves it */
	assert_int_equal(mr(0, 0xf0) & 0x100, 0x100);
	assert_int_equal(mr(0, 0x350), 0x700);
	assert_int_equal(mr(0, 0x360), 0x400);
	assert_true(vlapic_accepts_extint(lap[0]));
	assert_false(vlapic_accepts_extint(lap[1]));
	assert_int_equal(lap[0]->cpu_state, VLAPIC_CPU_RUNNING);
	assert_int_equal(lap[1]->cpu_state, VLAPIC_CPU_WAIT_INIT);
}

/* ---- priorities ---- */
static void test_highest_irr_above_ppr(void **state)
{
	(void)state;
	assert_int_equal(vlapic_pending_vector(lap[0]), -1);
	assert_true(vlapic_accept(lap[0], &(struct apic_msg){ .vector = 0x31, .assert = true }));
	assert_true(vlapic_accept(lap[0], &(struct apic_msg){ .vector = 0x52, .assert = true }));
	assert_int_equal(vlapic_pending_vector(lap[0]), 0x52);
	vlapic_ack(lap[0], 0x52);
	assert_true(isr(0, 0x52));
	assert_false(irr(0, 0x52));
	assert_int_equal(mr(0, 0xa0), 0x50);                /* PPR = ISRV class */
	assert_int_equal(vlapic_pending_vector(lap[0]), -1); /* 0x31 is below class 5 */
	assert_true(vlapic_accept(lap[0], &(struct apic_msg){ .vector = 0x5f, .assert = true }));
	assert_int_equal(vlapic_pending_vector(lap[0]), -1); /* same class as in service: waits */
	mw(0, 0xb0, 0);
	assert_int_equal(vlapic_pending_vector(lap[0]), 0x5f);
	assert_int_equal(mr(0, 0x200 + 0x10 * (0x31 / 32)) >> (0x31 % 32) & 1, 1); /* IRR visible */
}

/* vlapic_has_request is the run loop's quick test: false only with IRR empty and no NMI, and then
 * there is no vector; a request held back by the PPR still counts. */
static void test_has_request(void **state)
{
	(void)state;
	assert_false(vlapic_has_request(lap[0]));
	assert_true(vlapic_accept(lap[0], &(struct apic_msg){ .vector = 0xe1, .assert = true }));
	assert_true(vlapic_has_request(lap[0]));
	vlapic_ack(lap[0], 0xe1);
	assert_false(vlapic_has_request(lap[0])); /* in service only */
	assert_true(vlapic_accept(lap[0], &(struct apic_msg){ .vector = 0x31, .assert = true }));
	assert_int_equal(vlapic_pending_vector(lap[0]), -1);
	assert_true(vlapic_has_request(lap[0])); /* blocked by the PPR: the full answer is needed */
	mw(0, 0xb0, 0);
	assert_int_equal(vlapic_pending_vector(lap[0]), 0x31);
	vlapic_ack(lap[0], 0x31);
	mw(0, 0xb0, 0);
	assert_false(vlapic_has_request(lap[0]));
	assert_true(vlapic_accept(lap[0], &(struct apic_msg){ .delivery = APIC_DM_NMI, .assert = true }));
	assert_true(vlapic_has_request(lap[0]));
	assert_true(vlapic_take_nmi(lap[0]));
	assert_false(vlapic_has_request(lap[0]));
}

static void test_tpr_ppr_and_cr8(void **state)
{
	(void)state;
	mw(0, 0x80, 0x4c);
	assert_int_equal(mr(0, 0x80), 0x4c);
	assert_int_equal(mr(0, 0xa0), 0x4c); /* PPR = TPR when nothing is in service */
	assert_int_equal(vlapic_get_cr8(lap[0]), 4);
	vlapic_accept(lap[0], &(struct apic_msg){ .vector = 0x45, .assert = true });
	assert_int_equal(vlapic_pending_vector(lap[0]), -1); /* class 4 is not above TPR class 4 */
	vlapic_set_cr8(lap[0], 3);
	assert_int_equal(mr(0, 0x80), 0x30);
	assert_int_equal(vlapic_pending_vector(lap[0]), 0x45);
	vlapic_ack(lap[0], 0x45);
	assert_int_equal(mr(0, 0xa0), 0x40); /* ISRV class 4 above TPR class 3 */
	vlapic_set_cr8(lap[0], 0xf);
	assert_int_equal(mr(0, 0xa0), 0xf0);
	assert_int_equal(mr(0, 0x90), 0xf0); /* APR follows TPR when it is highest */
}

static void test_eoi_order_nested(void **state)
{
	(void)state;
	vlapic_accept(lap[0], &(struct apic_msg){ .vector = 0x40, .assert = true });
	vlapic_ack(lap[0], (uint8_t)vlapic_pending_vector(lap[0]));
	vlapic_accept(lap[0], &(struct apic_msg){ .vector = 0x60, .assert = true });
	assert_int_equal(vlapic_pending_vector(lap[0]), 0x60); /* nests above 0x40 */
	vlapic_ack(lap[0], 0x60);
	mw(0, 0xb0, 0);
	assert_false(isr(0, 0x60)); /* the highest in service ends first */
	assert_true(isr(0, 0x40));
	mw(0, 0xb0, 0);
	assert_false(isr(0, 0x40));
	mw(0, 0xb0, 0); /* an EOI with nothing in service does nothing */
	assert_int_equal(mr(0, 0xa0), 0);
}

static void test_level_eoi_reaches_ioapic(void **state)
{
	(void)state;
	vm.ioapic = (struct vioapic *)0x1; /* opaque: only passed on */
	vlapic_accept(lap[0], &(struct apic_msg){ .vector = 0x70, .level_triggered = true, .assert = true });
	vlapic_accept(lap[0], &(struct apic_msg){ .vector = 0x50, .assert = true });
	assert_int_equal(mr(0, 0x180 + 0x10 * 3) >> (0x70 % 32) & 1, 1); /* TMR bit */
	vlapic_ack(lap[0], 0x70);
	mw(0, 0xb0, 0);
	assert_int_equal(eoi_count, 1);
	assert_int_equal(eoi_vectors[0], 0x70);
	vlapic_ack(lap[0], 0x50);
	mw(0, 0xb0, 0);
	assert_int_equal(eoi_count, 1); /* edge: no EOI message */
	vm.ioapic = NULL;
	vlapic_accept(lap[0], &(struct apic_msg){ .vector = 0x71, .level_triggered = true, .assert = true });
	vlapic_ack(lap[0], 0x71);
	mw(0, 0xb0, 0); /* no IOAPIC: nothing to tell */
	assert_int_equal(eoi_count, 1);
}

/* ---- timer ---- */
static void test_timer_oneshot_and_current_count(void **state)
{
	(void)state;
	mw(0, 0x3e0, 0xb);   /* divide by 1 */
	mw(0, 0x320, 0x41);  /* one-shot, vector 0x41 */
	mw(0, 0x380, 100);   /* 100 counts = 4 us at 25 MHz */
	assert_int_equal(mr(0, 0x380), 100);
	assert_int_equal(vlapic_timer_poll(lap[0], now), 1000 + 100 * 40);
	now = 3000;
	assert_int_equal(mr(0, 0x390), 50);
	now = 4999;
	vlapic_timer_poll(lap[0], now);
	assert_false(irr(0, 0x41)); /* not before the count reaches 0 */
	assert_int_equal(mr(0, 0x390), 1);
	now = 5000;
	assert_int_equal(vlapic_timer_poll(lap[0], now), UINT64_MAX);
	assert_true(irr(0, 0x41));
	assert_int_equal(mr(0, 0x390), 0);
	now = 90000;
	lap[0]->irr[0x41 / 32] = 0;
	vlapic_timer_poll(lap[0], now);
	assert_false(irr(0, 0x41)); /* one-shot: once */
	mw(0, 0x380, 0);             /* a zero count stops it */
	assert_int_equal(vlapic_timer_poll(lap[0], now), UINT64_MAX);
}

static void test_timer_divide_values(void **state)
{
	static const struct { uint32_t dcr; uint64_t div; } t[] = {
		{ 0x0, 2 }, { 0x1, 4 }, { 0x2, 8 }, { 0x3, 16 }, { 0x8, 32 }, { 0x9, 64 }, { 0xa, 128 }, { 0xb, 1 },
	};

	(void)state;
	mw(0, 0x320, 0x41);
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		mw(0, 0x3e0, t[i].dcr);
		assert_int_equal(mr(0, 0x3e0), t[i].dcr);
		mw(0, 0x380, 1000);
		assert_int_equal(vlapic_timer_poll(lap[0], now), now + 1000 * 40 * t[i].div);
		now += 40 * t[i].div * 10;
		assert_int_equal(mr(0, 0x390), 990);
	}
	mw(0, 0x3e0, 0xff);
	assert_int_equal(mr(0, 0x3e0), 0xb); /* only bits 0, 1 and 3 */
	/* a new divisor applies from the current count on */
	mw(0, 0x3e0, 0xb);
	mw(0, 0x380, 1000);
	now += 400;
	mw(0, 0x3e0, 0x0); /* / 2 from count 990 */
	now += 800;
	assert_int_equal(mr(0, 0x390), 980);
}

static void test_timer_periodic(void **state)
{
	uint64_t next;

	(void)state;
	mw(0, 0x3e0, 0xb);
	mw(0, 0x320, 0x20042);         /* periodic, vector 0x42 */
	mw(0, 0x380, 5000);            /* 200 us period */
	now += 200000;
	next = vlapic_timer_poll(lap[0], now);
	assert_true(irr(0, 0x42));
	assert_int_equal(next, now + 200000);
	assert_int_equal(mr(0, 0x390), 5000); /* reloaded */
	now += 50000;
	assert_int_equal(mr(0, 0x390), 3750);
	/* the host slept through three periods: one interrupt, the phase kept */
	lap[0]->irr[0x42 / 32] = 0;
	now += 150000 + 3 * 200000 + 1000;
	next = vlapic_timer_poll(lap[0], now);
	assert_true(irr(0, 0x42));
	assert_int_equal(next, now - 1000 + 200000);
	/* a tiny period does not make the host wake more often than VLAPIC_MIN_PERIOD_NS */
	mw(0, 0x380, 1);
	now += 40;
	next = vlapic_timer_poll(lap[0], now);
	assert_int_equal(next, now + VLAPIC_MIN_PERIOD_NS);
	assert_int_equal(mr(0, 0x390), 1);
}

static void test_timer_tsc_deadline(void **state)
{
	uint64_t v, guest_now = now + TSC_OFFSET;

	(void)state;
	mw(0, 0x320, 0x41);
	assert_int_equal(vlapic_msr_write(lap[0], MSR_IA32_TSC_DEADLINE, guest_now + 500, now), 0);
	assert_int_equal(vlapic_msr_read(lap[0], MSR_IA32_TSC_DEADLINE, &v, now), 0);
	assert_int_equal(v, 0); /* ignored outside TSC-deadline mode, and reads 0 */
	mw(0, 0x320, 0x40043);  /* TSC-deadline, vector 0x43 */
	mw(0, 0x380, 100);      /* the initial count is ignored in this mode */
	assert_int_equal(mr(0, 0x380), 0);
	assert_int_equal(vlapic_timer_poll(lap[0], now), UINT64_MAX);
	vlapic_msr_write(lap[0], MSR_IA32_TSC_DEADLINE, guest_now + 500, now);
	vlapic_msr_read(lap[0], MSR_IA32_TSC_DEADLINE, &v, now);
	assert_int_equal(v, guest_now + 500);
	assert_int_equal(vlapic_timer_poll(lap[0], now), now + 500);
	assert_int_equal(mr(0, 0x390), 0);
	vlapic_timer_poll(lap[0], now + 499);
	assert_false(irr(0, 0x43));
	now += 500;
	vlapic_timer_poll(lap[0], now);
	assert_true(irr(0, 0x43));
	vlapic_msr_read(lap[0], MSR_IA32_TSC_DEADLINE, &v, now);
	assert_int_equal(v, 0); /* disarmed once it fired */
	/* a deadline already past fires at once; 0 disarms */
	lap[0]->irr[0x43 / 32] = 0;
	vlapic_msr_write(lap[0], MSR_IA32_TSC_DEADLINE, 5, now);
	vlapic_timer_poll(lap[0], now);
	assert_true(irr(0, 0x43));
	lap[0]->irr[0x43 / 32] = 0;
	vlapic_msr_write(lap[0], MSR_IA32_TSC_DEADLINE, now + TSC_OFFSET + 100, now);
	vlapic_msr_write(lap[0], MSR_IA32_TSC_DEADLINE, 0, now);
	assert_int_equal(vlapic_timer_poll(lap[0], now + 1000), UINT64_MAX);
	assert_false(irr(0, 0x43));
	/* leaving the mode disarms */
	vlapic_msr_write(lap[0], MSR_IA32_TSC_DEADLINE, now + TSC_OFFSET + 100, now);
	mw(0, 0x320, 0x43);
	vlapic_timer_poll(lap[0], now + 1000);
	assert_false(irr(0, 0x43));
}

static void test_timer_masked(void **state)
{
	(void)state;
	mw(0, 0x3e0, 0xb);
	mw(0, 0x320, 0x10041 | 0x20000); /* periodic, masked */
	mw(0, 0x380, 100);
	assert_int_equal(vlapic_timer_poll(lap[0], now), UINT64_MAX); /* no reason to wake */
	now += 10000;
	vlapic_timer_poll(lap[0], now);
	assert_false(irr(0, 0x41));
	assert_true(mr(0, 0x390) > 0); /* it still counts */
	mw(0, 0x320, 0x20041);          /* unmasked: the next expiry interrupts, not a stale one */
	assert_false(irr(0, 0x41));
	now += 4000;
	vlapic_timer_poll(lap[0], now);
	assert_true(irr(0, 0x41));
}

static void test_lvt_masks_and_sw_disable(void **state)
{
	(void)state;
	mw(1, 0x350, 0x700); /* AP software-disabled: the mask stays set */
	assert_int_equal(mr(1, 0x350), 0x10700);
	assert_false(vlapic_accept(lap[1], &fixed(0x50, false))); /* fixed interrupts are not accepted */
	assert_true(vlapic_accept(lap[1], &(struct apic_msg){ .delivery = APIC_DM_NMI, .assert = true }));
	assert_true(vlapic_take_nmi(lap[1]));
	assert_false(vlapic_take_nmi(lap[1]));
	sw_enable(1);
	mw(1, 0x350, 0xffffffffu);
	assert_int_equal(mr(1, 0x350), 0x0001a7ff); /* only the writable bits; remote IRR/status ours */
	mw(1, 0x370, 0xffffffffu);
	assert_int_equal(mr(1, 0x370), 0x000100ff);
	mw(1, 0x320, 0xffffffffu);
	assert_int_equal(mr(1, 0x320), 0x000100ff | (0u << 17)); /* reserved mode 3 -> one-shot */
	mw(1, 0xf0, 0xff); /* software disable sets every mask */
	assert_int_equal(mr(1, 0x370) & LVT_MASKED, LVT_MASKED);
	/* LINT1 in NMI mode raises an NMI; masked, nothing */
	sw_enable(0);
	vlapic_raise_lvt(lap[0], LVT_LINT1);
	assert_true(vlapic_take_nmi(lap[0]));
	mw(0, 0x360, 0x10400);
	vlapic_raise_lvt(lap[0], LVT_LINT1);
	assert_false(vlapic_take_nmi(lap[0]));
	/* LINT0 ExtINT masked: the PIC no longer reaches the CPU */
	mw(0, 0x350, 0x10700);
	assert_false(vlapic_accepts_extint(lap[0]));
}

/* ---- IPIs ---- */
static void test_ipi_physical_and_shorthands(void **state)
{
	(void)state;
	for (unsigned i = 0; i < NCPU; i++)
		sw_enable(i);
	mw(0, 0x310, 1u << 24);
	mw(0, 0x300, 0x4051); /* fixed, physical, assert, vector 0x51 -> APIC 1 */
	assert_true(irr(1, 0x51));
	assert_false(irr(0, 0x51) || irr(2, 0x51));
	assert_int_equal(mr(0, 0x300) & (1u << 12), 0); /* delivery status idle */
	mw(0, 0x300, 0x40052 | 0x4000); /* self */
	assert_true(irr(0, 0x52));
	assert_false(irr(1, 0x52));
	mw(1, 0x300, 0xc0053 | 0x4000); /* all but self, from APIC 1 */
	assert_true(irr(0, 0x53) && irr(2, 0x53));
	assert_false(irr(1, 0x53));
	mw(2, 0x300, 0x80054 | 0x4000); /* all including self */
	assert_true(irr(0, 0x54) && irr(1, 0x54) && irr(2, 0x54));
	mw(0, 0x310, 0xffu << 24);
	mw(0, 0x300, 0x4055); /* physical broadcast 0xff */
	assert_true(irr(0, 0x55) && irr(1, 0x55) && irr(2, 0x55));
	mw(0, 0x310, 7u << 24);
	mw(0, 0x300, 0x4056); /* nobody has ID 7 */
	for (unsigned i = 0; i < NCPU; i++)
		assert_false(irr(i, 0x56));
	/* NMI IPI */
	mw(0, 0x310, 2u << 24);
	mw(0, 0x300, 0x4400);
	assert_true(vlapic_take_nmi(lap[2]));
	assert_false(vlapic_has_nmi(lap[1]));
}

static void test_ipi_logical_flat_and_cluster(void **state)
{
	(void)state;
	for (unsigned i = 0; i < NCPU; i++) {
		sw_enable(i);
		mw(i, 0xd0, (1u << i) << 24); /* flat: one bit each */
	}
	mw(0, 0x310, 0x06u << 24);
	mw(0, 0x300, 0x4861); /* logical, mask 0b110 */
	assert_false(irr(0, 0x61));
	assert_true(irr(1, 0x61) && irr(2, 0x61));
	/* cluster model: cluster 1 members 0x1 (APIC 0) and 0x2 (APIC 1), cluster 2 member 0x1 (APIC 2) */
	for (unsigned i = 0; i < NCPU; i++)
		mw(i, 0xe0, 0x0fffffffu);
	assert_int_equal(mr(0, 0xe0), 0x0fffffffu);
	mw(0, 0xd0, 0x11u << 24);
	mw(1, 0xd0, 0x12u << 24);
	mw(2, 0xd0, 0x21u << 24);
	mw(0, 0x310, 0x13u << 24);
	mw(0, 0x300, 0x4862);
	assert_true(irr(0, 0x62) && irr(1, 0x62));
	assert_false(irr(2, 0x62));
	mw(0, 0x310, 0x21u << 24);
	mw(0, 0x300, 0x4863);
	assert_true(irr(2, 0x63));
	assert_false(irr(0, 0x63));
	/* lowest priority among the matching: APIC 1 has the lowest TPR */
	mw(0, 0x80, 0x80);
	mw(1, 0x80, 0x10);
	mw(0, 0x310, 0x13u << 24);
	mw(0, 0x300, 0x4964);
	assert_true(irr(1, 0x64));
	assert_false(irr(0, 0x64));
}

static void test_init_sipi_recorded(void **state)
{
	(void)state;
	mw(0, 0x310, 1u << 24);
	mw(0, 0x300, 0x4600 | 0x10); /* SIPI before INIT: ignored */
	assert_int_equal(lap[1]->sipi_count, 0);
	mw(0, 0x300, 0xc500); /* INIT, level assert */
	assert_int_equal(lap[1]->cpu_state, VLAPIC_CPU_WAIT_SIPI);
	mw(0, 0x300, 0x8500); /* INIT level de-assert: no state change */
	assert_int_equal(lap[1]->init_count, 1);
	mw(0, 0x300, 0x4610); /* SIPI, vector 0x10 -> start at 0x10000 */
	assert_int_equal(lap[1]->cpu_state, VLAPIC_CPU_SIPI_RECEIVED);
	assert_int_equal(lap[1]->sipi_vector, 0x10);
	mw(0, 0x300, 0x4620); /* the second SIPI of the sequence finds the CPU started */
	assert_int_equal(lap[1]->sipi_vector, 0x10);
	assert_int_equal(lap[1]->sipi_count, 1);
	/* INIT to all but self reaches APIC 2 and leaves the sender alone */
	mw(0, 0x300, 0xcc500);
	assert_int_equal(lap[2]->cpu_state, VLAPIC_CPU_WAIT_SIPI);
	assert_int_equal(lap[0]->init_count, 0);
	assert_int_equal(lap[0]->cpu_state, VLAPIC_CPU_RUNNING);
}

/* The vCPU acts on INIT/SIPI itself: each accepted one sets startup_pending and kicks it. An INIT
 * to a running AP resets its APIC (x2APIC mode and ID kept) into wait-for-SIPI; a SIPI to a
 * running CPU is ignored; INIT of the BSP resets the machine. */
static void test_init_sipi_kick_and_reset(void **state)
{
	uint64_t v;

	(void)state;
	mw(0, 0x310, 1u << 24);
	mw(0, 0x300, 0xc500);
	assert_true(cpus[1]->startup_pending);
	assert_int_equal(kicks[1], 1);
	cpus[1]->startup_pending = false;
	mw(0, 0x300, 0x4608);
	assert_true(cpus[1]->startup_pending);
	assert_int_equal(kicks[1], 2);
	lap[1]->cpu_state = VLAPIC_CPU_RUNNING; /* what vcpu_start.c does when it starts the AP */
	cpus[1]->startup_pending = false;
	mw(0, 0x300, 0x4609); /* SIPI to a running CPU: nothing */
	assert_false(cpus[1]->startup_pending);
	assert_int_equal(kicks[1], 2);
	/* the AP goes x2APIC, takes an interrupt, then an INIT resets it */
	assert_int_equal(vlapic_msr_write(lap[1], 0x1b, 0xfee00000ull | (1u << 11) | (1u << 10), now), 0);
	assert_int_equal(vlapic_msr_write(lap[1], 0x80f, 0x1ff, now), 0);
	mw(0, 0x300, 0x4055); /* fixed vector 0x55 to APIC 1 */
	assert_true(irr(1, 0x55));
	assert_int_equal(kicks[1], 3);
	mw(0, 0x300, 0xc500);
	assert_int_equal(lap[1]->cpu_state, VLAPIC_CPU_WAIT_SIPI);
	assert_false(irr(1, 0x55));
	assert_true(vlapic_is_x2apic(lap[1]));
	assert_int_equal(xr(1, 0x02, &v), 0);
	assert_int_equal(v, 1);
	assert_int_equal(xr(1, 0x0d, &v), 0);
	assert_int_equal(v, (0u << 16) | (1u << 1)); /* x2APIC logical ID derived again */
	/* waiting for SIPI: fixed interrupts and NMIs are not accepted */
	mw(0, 0x300, 0x4455); /* NMI to APIC 1 */
	assert_false(lap[1]->nmi_pending);
	assert_int_equal(resets, 0);
	mw(2, 0x310, 0);
	mw(2, 0x300, 0xc500); /* an AP sends INIT to the BSP */
	assert_int_equal(resets, 1);
}

static void test_esr_write_before_read(void **state)
{
	(void)state;
	mw(0, 0x370, 0x4e); /* error LVT unmasked, vector 0x4e */
	mw(0, 0x300, 0x40005); /* self IPI with illegal vector 5 */
	assert_int_equal(mr(0, 0x280), 0); /* not visible until ESR is written */
	mw(0, 0x280, 0);
	assert_int_equal(mr(0, 0x280), ESR_SEND_ILLEGAL_VECTOR);
	assert_true(irr(0, 0x4e));
	mw(0, 0x280, 0);
	assert_int_equal(mr(0, 0x280), 0);
	vlapic_accept(lap[0], &fixed(3, false)); /* receiving an illegal vector */
	mw(0, 0x280, 0);
	assert_int_equal(mr(0, 0x280), ESR_RECV_ILLEGAL_VECTOR);
	assert_false(irr(0, 3));
}

/* ---- x2APIC ---- */
static void test_apic_base_transitions(void **state)
{
	uint64_t base = PC_LAPIC_BASE | APIC_BASE_EN, v;

	(void)state;
	/* reserved bits, EXTD without EN, and the BSP bit read-only */
	assert_int_equal(vlapic_msr_write(lap[1], MSR_IA32_APIC_BASE, base | 1, now), -1);
	assert_int_equal(vlapic_msr_write(lap[1], MSR_IA32_APIC_BASE, base | (1u << 9), now), -1);
	assert_int_equal(vlapic_msr_write(lap[1], MSR_IA32_APIC_BASE, base | (1ull << 45), now), -1);
	assert_int_equal(vlapic_msr_write(lap[1], MSR_IA32_APIC_BASE, PC_LAPIC_BASE | APIC_BASE_EXTD, now), -1);
	assert_int_equal(vlapic_msr_write(lap[1], MSR_IA32_APIC_BASE, base | APIC_BASE_BSP, now), 0);
	vlapic_msr_read(lap[1], MSR_IA32_APIC_BASE, &v, now);
	assert_int_equal(v, base);
	/* xAPIC -> x2APIC -> (not xAPIC) -> disabled -> (not x2APIC) -> xAPIC */
	assert_int_equal(xr(1, APIC_REG_ID, &v), -1); /* x2APIC MSRs #GP in xAPIC mode */
	to_x2apic(1);
	assert_int_equal(xr(1, APIC_REG_ID, &v), 0);
	assert_int_equal(v, 1);
	assert_int_equal(xr(1, APIC_REG_LDR, &v), 0);
	assert_int_equal(v, (0u << 16) | (1u << 1));
	assert_int_equal(vlapic_msr_write(lap[1], MSR_IA32_APIC_BASE, base, now), -1);
	assert_int_equal(vlapic_msr_write(lap[1], MSR_IA32_APIC_BASE, PC_LAPIC_BASE, now), 0);
	assert_false(vlapic_hw_enabled(lap[1]));
	assert_int_equal(vlapic_msr_write(lap[1], MSR_IA32_APIC_BASE, base | APIC_BASE_EXTD, now), -1);
	assert_int_equal(vlapic_msr_write(lap[1], MSR_IA32_APIC_BASE, base, now), 0);
	assert_int_equal(mr(1, 0x20), 1u << 24);
	/* hardware-disabled: the page is gone, ExtINT reaches the CPU directly */
	vlapic_msr_write(lap[0], MSR_IA32_APIC_BASE, PC_LAPIC_BASE | APIC_BASE_BSP, now);
	v = 0;
	assert_int_equal(vlapic_mmio(cpus[0], NULL, PC_LAPIC_BASE + 0x30, 4, false, &v), -1);
	assert_true(vlapic_accepts_extint(lap[0]));
	assert_false(vlapic_accept(lap[0], &(struct apic_msg){ .delivery = APIC_DM_NMI, .assert = true }));
}

static void test_x2apic_register_rules(void **state)
{
	uint64_t v;

	(void)state;
	to_x2apic(2);
	assert_int_equal(xr(2, APIC_REG_VERSION, &v), 0);
	assert_int_equal(v, 0x00060014);
	assert_int_equal(xw(2, APIC_REG_ID, 5), -1);       /* read-only */
	assert_int_equal(xw(2, APIC_REG_LDR, 5), -1);
	assert_int_equal(xw(2, APIC_REG_PPR, 0), -1);
	assert_int_equal(xw(2, APIC_REG_ISR0, 0), -1);
	assert_int_equal(xw(2, APIC_REG_TIMER_CCR, 0), -1);
	assert_int_equal(xr(2, APIC_REG_EOI, &v), -1);     /* write-only */
	assert_int_equal(xr(2, APIC_REG_SELF_IPI, &v), -1);
	assert_int_equal(xw(2, APIC_REG_EOI, 1), -1);      /* EOI takes only 0 */
	assert_int_equal(xr(2, APIC_REG_DFR, &v), -1);     /* gone in x2APIC mode */
	assert_int_equal(xr(2, APIC_REG_APR, &v), -1);
	assert_int_equal(xr(2, APIC_REG_ICR_HI, &v), -1);
	assert_int_equal(xr(2, 0x04, &v), -1);             /* reserved */
	assert_int_equal(xr(2, 0x40, &v), -1);
	assert_int_equal(xw(2, APIC_REG_TPR, 0x100), -1);  /* reserved bits */
	assert_int_equal(xw(2, APIC_REG_SVR, 1ull << 32), -1);
	assert_int_equal(xw(2, APIC_REG_ESR, 1), -1);
	assert_int_equal(xw(2, APIC_REG_SELF_IPI, 0x100), -1);
	assert_int_equal(xw(2, APIC_REG_SVR, 0x1ff), 0);
	assert_int_equal(xw(2, APIC_REG_TPR, 0x20), 0);
	assert_int_equal(xr(2, APIC_REG_TPR, &v), 0);
	assert_int_equal(v, 0x20);
	/* SELF_IPI and the 64-bit ICR */
	assert_int_equal(xw(2, APIC_REG_SELF_IPI, 0x66), 0);
	assert_true(irr(2, 0x66));
	to_x2apic(1);
	xw(1, APIC_REG_SVR, 0x1ff);
	assert_int_equal(xw(2, APIC_REG_ICR_LO, (1ull << 32) | 0x4067), 0);
	assert_true(irr(1, 0x67));
	assert_int_equal(xr(2, APIC_REG_ICR_LO, &v), 0);
	assert_int_equal(v, (1ull << 32) | 0x4067);
	assert_int_equal(xw(2, APIC_REG_ICR_LO, 1u << 13), -1); /* reserved ICR bit */
	/* x2APIC logical: cluster 0, bit 1 = APIC 1 */
	assert_int_equal(xw(2, APIC_REG_ICR_LO, (0x0002ull << 32) | 0x4868), 0);
	assert_true(irr(1, 0x68));
	assert_false(irr(2, 0x68));
	/* in x2APIC mode the xAPIC page is not there */
	v = 0;
	assert_int_equal(vlapic_mmio(cpus[2], NULL, PC_LAPIC_BASE + 0x80, 4, false, &v), -1);
}

/* ---- the xAPIC page's odd accesses ---- */
static void test_xapic_widths_and_reserved(void **state)
{
	uint64_t v;

	(void)state;
	mw(0, 0x80, 0x5a);
	v = 0;
	assert_int_equal(vlapic_mmio(cpus[0], NULL, PC_LAPIC_BASE + 0x80, 1, false, &v), 0);
	assert_int_equal(v, 0x5a);
	vlapic_mmio(cpus[0], NULL, PC_LAPIC_BASE + 0x30 + 2, 2, false, &v);
	assert_int_equal(v, 0x0006); /* bytes 2-3 of the version register */
	vlapic_mmio(cpus[0], NULL, PC_LAPIC_BASE + 0x84, 4, false, &v);
	assert_int_equal(v, 0);      /* the rest of a 16-byte slot */
	vlapic_mmio(cpus[0], NULL, PC_LAPIC_BASE + 0x80, 8, false, &v);
	assert_int_equal(v, 0x5a);
	v = 0x11;
	vlapic_mmio(cpus[0], NULL, PC_LAPIC_BASE + 0x80, 1, true, &v); /* sub-dword write: dropped */
	vlapic_mmio(cpus[0], NULL, PC_LAPIC_BASE + 0x84, 4, true, &v); /* unaligned: dropped */
	assert_int_equal(mr(0, 0x80), 0x5a);
	mw(0, 0x30, 0);            /* read-only register: ignored, no error */
	assert_int_equal(mr(0, 0x30), 0x00060014);
	mw(0, 0x280, 0);
	assert_int_equal(mr(0, 0x280), 0);
	assert_int_equal(mr(0, 0x40), 0); /* reserved offset: 0 and an illegal-register error */
	mw(0, 0x3f0, 0x44);               /* no SELF_IPI in xAPIC mode */
	mw(0, 0x280, 0);
	assert_int_equal(mr(0, 0x280), ESR_ILLEGAL_REGISTER);
	assert_false(irr(0, 0x44));
	/* the ID is writable in xAPIC mode and moves physical destinations */
	sw_enable(1);
	mw(1, 0x20, 0x09000000);
	mw(0, 0x310, 9u << 24);
	mw(0, 0x300, 0x4069);
	assert_true(irr(1, 0x69));
}

/* ---- MSI ---- */
static void test_msi_decode(void **state)
{
	struct apic_msg m;

	(void)state;
	assert_false(apic_msi_decode(0xfec00000ull, 0x41, &m));
	assert_false(apic_msi_decode(0x1fee00000ull, 0x41, &m));
	assert_true(apic_msi_decode(0xfee01000ull, 0x0041, &m));
	assert_int_equal(m.vector, 0x41);
	assert_int_equal(m.dest, 1);
	assert_int_equal(m.delivery, APIC_DM_FIXED);
	assert_false(m.logical);
	assert_false(m.level_triggered);
	assert_int_equal(m.shorthand, APIC_DEST_NONE);
	assert_true(apic_msi_decode(0xfeeff00cull, 0xc142, &m)); /* dest 0xff, RH, DM logical; lowest, level */
	assert_int_equal(m.dest, 0xff);
	assert_true(m.logical);
	assert_int_equal(m.delivery, APIC_DM_LOWEST);
	assert_true(m.level_triggered);
	assert_true(m.assert);
	/* delivered through the bus: APIC 2, physical */
	sw_enable(2);
	assert_true(apic_msi_decode(0xfee02000ull, 0x0045, &m));
	assert_int_equal(apic_bus_deliver(&vm, NULL, &m), 1);
	assert_true(irr(2, 0x45));
}

/* ---- a guest doing anything: every access is answered, the state stays within its ranges ---- */
static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t next_rand(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545f4914f6cdd1dull;
}

static void test_random_accesses_stay_sane(void **state)
{
	static const unsigned sizes[] = { 1, 2, 4, 8 };

	(void)state;
	for (unsigned i = 0; i < 200000; i++) {
		uint64_t r = next_rand(), v = next_rand();
		unsigned cpu = r % NCPU;

		now += r >> 60;
		switch ((r >> 8) % 4) {
		case 0:
			vlapic_mmio(cpus[cpu], NULL, PC_LAPIC_BASE + ((r >> 16) & 0xfff), sizes[(r >> 30) & 3], (r >> 32) & 1, &v);
			break;
		case 1:
			(r >> 32) & 1 ? vlapic_msr_write(lap[cpu], 0x800 + ((r >> 16) & 0xff), v >> ((r >> 40) & 63), now)
				      : vlapic_msr_read(lap[cpu], 0x800 + ((r >> 16) & 0xff), &v, now);
			break;
		case 2:
			if ((r >> 16) % 64 == 0)
				vlapic_msr_write(lap[cpu], (r >> 24) & 1 ? MSR_IA32_APIC_BASE : MSR_IA32_TSC_DEADLINE,
						 (r >> 25) & 1 ? v : PC_LAPIC_BASE | (v & (APIC_BASE_EN | APIC_BASE_EXTD)), now);
			break;
		default: {
			int vec = vlapic_pending_vector(lap[cpu]);

			vlapic_timer_poll(lap[cpu], now);
			if (vec >= 0)
				vlapic_ack(lap[cpu], (uint8_t)vec);
			vlapic_take_nmi(lap[cpu]);
			break;
		}
		}
		assert_true(vlapic_ppr(lap[cpu]) <= 0xff);
		assert_true(vlapic_pending_vector(lap[cpu]) < 256);
		assert_true(lap[cpu]->svr <= 0x11ff);
	}
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
#define TS(f) cmocka_unit_test_setup_teardown(f, setup_started, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_reset_state), T(test_highest_irr_above_ppr), T(test_has_request), T(test_tpr_ppr_and_cr8),
		T(test_eoi_order_nested), T(test_level_eoi_reaches_ioapic),
		T(test_timer_oneshot_and_current_count), T(test_timer_divide_values), T(test_timer_periodic),
		T(test_timer_tsc_deadline), T(test_timer_masked), TS(test_lvt_masks_and_sw_disable),
		TS(test_ipi_physical_and_shorthands), TS(test_ipi_logical_flat_and_cluster),
		T(test_init_sipi_recorded), T(test_init_sipi_kick_and_reset), T(test_esr_write_before_read), T(test_apic_base_transitions),
		TS(test_x2apic_register_rules), TS(test_xapic_widths_and_reserved), TS(test_msi_decode),
		T(test_random_accesses_stay_sane),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
