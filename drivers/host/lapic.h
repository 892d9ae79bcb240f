/* SPDX-License-Identifier: MIT */
/* Host local APIC (xAPIC MMIO): EOI and the one-shot timer that enforces time slices. */
#ifndef BASALT_DRIVERS_LAPIC_H
#define BASALT_DRIVERS_LAPIC_H

#include <stdint.h>

/* Enables the LAPIC and calibrates its timer against the TSC (tsc_hz from the boot stage). */
int lapic_init(uint64_t tsc_hz);
void lapic_eoi(void);
/* Fires VECTOR_TIMER once after ns nanoseconds (0 stops it). */
void lapic_timer_oneshot(uint64_t ns);
uint32_t lapic_id(void);
/* Timer ticks per millisecond, measured at init. */
uint64_t lapic_timer_rate(void);

#endif
