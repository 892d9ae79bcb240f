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

#define NS_PER_S 1000000000ull

/* Whole seconds and the rest apart: no 128-bit division in a freestanding build, and the products
 * stay below 2^64 for any TSC under 18 GHz. */
uint64_t clock_tsc_at_ns(uint64_t ns)
{
	return tsc_start + ns / NS_PER_S * tsc_hz + ns % NS_PER_S * tsc_hz / NS_PER_S;
}

/* clock_ns() truncates with a multiplier rounded down, so it never runs ahead of the exact value
 * rounded up here: clock_ns() >= clock_ns_at_tsc(t) implies the TSC has reached t. */
uint64_t clock_ns_at_tsc(uint64_t tsc)
{
	uint64_t ticks = tsc > tsc_start ? tsc - tsc_start : 0;

	return ticks / tsc_hz * NS_PER_S + (ticks % tsc_hz * NS_PER_S + tsc_hz - 1) / tsc_hz;
}

/* Written once by the boot CPU before any vCPU runs; read-only afterwards, so no lock. */
static uint64_t guest_epoch_ns;

void clock_start_guest_epoch(void)
{
	guest_epoch_ns = clock_ns();
}

uint64_t guest_clock_ns(void)
{
	return clock_ns() - guest_epoch_ns;
}

uint64_t guest_clock_to_host_ns(uint64_t guest_ns)
{
	return guest_ns > UINT64_MAX - guest_epoch_ns ? UINT64_MAX : guest_ns + guest_epoch_ns;
}
