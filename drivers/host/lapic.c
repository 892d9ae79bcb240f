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
