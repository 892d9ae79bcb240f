/* SPDX-License-Identifier: MIT */
/* TSC-based clock: ns = (tsc - start) * mult >> 32, with mult fixed at boot. */
#include "kernel/clock.h"

#include "arch/x86/cpu.h"

static uint64_t tsc_start;
static uint64_t tsc_hz;
static uint64_t ns_mult; /* nanoseconds per TSC tick, 32.32 fixed point */

void clock_init(uint64_t hz)
{
	tsc_hz = hz ? hz : 1000000000ull;
	ns_mult = (uint64_t)(((unsigned __int128)1000000000ull << 32) / tsc_hz);
	tsc_start = rdtsc();
}

uint64_t clock_ns(void)
{
	return (uint64_t)(((unsigned __int128)(rdtsc() - tsc_start) * ns_mult) >> 32);
}

uint64_t clock_tsc_hz(void)
{
	return tsc_hz;
}
