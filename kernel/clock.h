/* SPDX-License-Identifier: MIT */
/* Monotonic hypervisor time from the TSC, calibrated by the boot stage. */
#ifndef BASALT_CLOCK_H
#define BASALT_CLOCK_H

#include <stdint.h>

void clock_init(uint64_t tsc_hz);
/* Nanoseconds since clock_init. */
uint64_t clock_ns(void);
uint64_t clock_tsc_hz(void);
/* The host TSC when clock_ns() reads ns (device models that speak both: TSC-deadline timers). */
uint64_t clock_tsc_at_ns(uint64_t ns);
/* The first clock_ns() value at which the host TSC has reached tsc (rounded up, so a timer armed
 * for it never fires early). */
uint64_t clock_ns_at_tsc(uint64_t tsc);

#endif
