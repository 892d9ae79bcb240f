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

/* The guests' clock (BASALT_HC_CLOCK_NS, BASALT_HC_WAKE_AT) counts from the moment every VM has
 * been created, so a deadline means the same for each VM however long creating the others took. */
void clock_start_guest_epoch(void);
uint64_t guest_clock_ns(void);
/* The clock_ns() value at which the guest clock reads guest_ns (saturating). */
uint64_t guest_clock_to_host_ns(uint64_t guest_ns);

#endif
