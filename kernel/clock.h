/* SPDX-License-Identifier: MIT */
/* Monotonic hypervisor time from the TSC, calibrated by the boot stage. */
#ifndef BASALT_CLOCK_H
#define BASALT_CLOCK_H

#include <stdint.h>

void clock_init(uint64_t tsc_hz);
/* Nanoseconds since clock_init. */
uint64_t clock_ns(void);
uint64_t clock_tsc_hz(void);

#endif
