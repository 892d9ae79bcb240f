/* SPDX-License-Identifier: MIT */
/* Host local APIC (xAPIC MMIO): EOI, the one-shot timer that enforces time slices, and IPIs. */
#ifndef BASALT_DRIVERS_LAPIC_H
#define BASALT_DRIVERS_LAPIC_H

#include <stdbool.h>
#include <stdint.h>

/* Enables the LAPIC and calibrates its timer against the TSC (tsc_hz from the boot stage). */
int lapic_init(uint64_t tsc_hz);
/* Enables an AP's LAPIC with the boot CPU's timer calibration. */
void lapic_init_ap(void);
void lapic_eoi(void);
/* Inter-processor interrupts by physical APIC ID; false when the LAPIC did not accept the send. */
bool lapic_send_ipi(uint32_t apic_id, uint8_t vector);
bool lapic_send_init(uint32_t apic_id);
bool lapic_send_startup(uint32_t apic_id, uint8_t page); /* the AP starts in real mode at page << 12 */
void lapic_send_nmi_all_others(void);
/* Fires VECTOR_TIMER once after ns nanoseconds (0 stops it). */
void lapic_timer_oneshot(uint64_t ns);
uint32_t lapic_id(void);
/* Timer ticks per millisecond, measured at init. */
uint64_t lapic_timer_rate(void);

#endif
