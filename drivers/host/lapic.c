/* SPDX-License-Identifier: MIT */
/* Host xAPIC driver: enable, EOI, and a TSC-calibrated one-shot timer. */
#include "drivers/host/lapic.h"

#include "arch/x86/cpu.h"
#include "arch/x86/idt.h"
#include "arch/x86/msr.h"
#include "kernel/console.h"
#include "kernel/errno.h"

#define LAPIC_ID 0x020
#define LAPIC_EOI 0x0b0
#define LAPIC_SVR 0x0f0
#define LAPIC_ICR_LOW 0x300
#define LAPIC_ICR_HIGH 0x310
#define LAPIC_LVT_TIMER 0x320
#define LAPIC_LVT_LINT0 0x350
#define LAPIC_LVT_LINT1 0x360
#define LAPIC_TIMER_INITIAL 0x380
#define LAPIC_TIMER_CURRENT 0x390
#define LAPIC_TIMER_DIVIDE 0x3e0
#define LAPIC_SVR_ENABLE (1u << 8)
#define LAPIC_LVT_MASKED (1u << 16)
#define LAPIC_DIVIDE_16 0x3
#define CALIBRATION_MS 10
#define ICR_DELIVERY_PENDING (1u << 12)
#define ICR_ASSERT (1u << 14)
#define ICR_MODE_NMI (4u << 8)
#define ICR_MODE_INIT (5u << 8)
#define ICR_MODE_STARTUP (6u << 8)
#define ICR_ALL_BUT_SELF (3u << 18)
#define ICR_WAIT_SPINS 1000000u

/* Set by the boot CPU in lapic_init before any AP starts; read-only afterwards. In xAPIC mode every
 * CPU sees its own LAPIC at the same address, so one pointer serves them all. */
static volatile uint32_t *lapic_mmio;
static uint64_t ticks_per_ms;

static inline uint32_t lapic_read(uint32_t reg)
{
	return lapic_mmio[reg / 4];
}

static inline void lapic_write(uint32_t reg, uint32_t v)
{
	lapic_mmio[reg / 4] = v;
}

static void calibrate_timer(uint64_t tsc_hz)
{
	uint64_t wait = tsc_hz / 1000 * CALIBRATION_MS;
	uint64_t start;

	lapic_write(LAPIC_TIMER_DIVIDE, LAPIC_DIVIDE_16);
	lapic_write(LAPIC_LVT_TIMER, LAPIC_LVT_MASKED | VECTOR_TIMER);
	lapic_write(LAPIC_TIMER_INITIAL, 0xffffffffu);
	start = rdtsc();
	while (rdtsc() - start < wait)
		cpu_pause();
	ticks_per_ms = (0xffffffffu - lapic_read(LAPIC_TIMER_CURRENT)) / CALIBRATION_MS;
	lapic_write(LAPIC_TIMER_INITIAL, 0);
	if (ticks_per_ms == 0)
		ticks_per_ms = 1;
}

int lapic_init(uint64_t tsc_hz)
{
	uint64_t base = rdmsr(MSR_IA32_APIC_BASE);

	if (base & APIC_BASE_X2APIC) {
		kprintf("lapic: firmware left the APIC in x2APIC mode; xAPIC access is not possible\n");
		return -ENODEV;
	}
	wrmsr(MSR_IA32_APIC_BASE, base | APIC_BASE_ENABLE);
	lapic_mmio = (volatile uint32_t *)(uintptr_t)(base & 0xfffff000ull);
	lapic_write(LAPIC_SVR, LAPIC_SVR_ENABLE | VECTOR_SPURIOUS);
	calibrate_timer(tsc_hz);
	lapic_write(LAPIC_LVT_TIMER, VECTOR_TIMER); /* one-shot, unmasked */
	return 0;
}

/* An AP's LAPIC: the boot CPU calibrated the timer (one bus clock for all), so only enable it. */
void lapic_init_ap(void)
{
	wrmsr(MSR_IA32_APIC_BASE, rdmsr(MSR_IA32_APIC_BASE) | APIC_BASE_ENABLE);
	lapic_write(LAPIC_SVR, LAPIC_SVR_ENABLE | VECTOR_SPURIOUS);
	lapic_write(LAPIC_TIMER_DIVIDE, LAPIC_DIVIDE_16);
	lapic_write(LAPIC_TIMER_INITIAL, 0);
	lapic_write(LAPIC_LVT_TIMER, VECTOR_TIMER);
}

/* Writes the ICR (high half first: writing the low half sends) and waits until the LAPIC has
 * accepted it; false if it never does. Callers never send from two contexts of one CPU at once
 * (no ICR use from interrupt handlers except the panic path, which is the last user). */
static bool send_icr(uint32_t apic_id, uint32_t low)
{
	lapic_write(LAPIC_ICR_HIGH, apic_id << 24);
	lapic_write(LAPIC_ICR_LOW, low);
	for (uint32_t i = 0; i < ICR_WAIT_SPINS; i++) {
		if (!(lapic_read(LAPIC_ICR_LOW) & ICR_DELIVERY_PENDING))
			return true;
		cpu_pause();
	}
	return false;
}

bool lapic_send_ipi(uint32_t apic_id, uint8_t vector)
{
	return send_icr(apic_id, ICR_ASSERT | vector);
}

bool lapic_send_init(uint32_t apic_id)
{
	return send_icr(apic_id, ICR_ASSERT | ICR_MODE_INIT);
}

bool lapic_send_startup(uint32_t apic_id, uint8_t page)
{
	return send_icr(apic_id, ICR_ASSERT | ICR_MODE_STARTUP | page);
}

void lapic_send_nmi_all_others(void)
{
	send_icr(0, ICR_ASSERT | ICR_MODE_NMI | ICR_ALL_BUT_SELF);
}

void lapic_eoi(void)
{
	lapic_write(LAPIC_EOI, 0);
}

void lapic_timer_oneshot(uint64_t ns)
{
	uint64_t ticks = ns * ticks_per_ms / 1000000;

	if (ns && ticks == 0)
		ticks = 1;
	lapic_write(LAPIC_TIMER_INITIAL, ticks > 0xffffffffu ? 0xffffffffu : (uint32_t)ticks);
}

uint32_t lapic_id(void)
{
	return lapic_read(LAPIC_ID) >> 24;
}

uint64_t lapic_timer_rate(void)
{
	return ticks_per_ms;
}
