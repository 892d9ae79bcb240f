/* SPDX-License-Identifier: MIT */
/* Spins until the hypervisor clock passes one deadline shared by every VM, then powers off: the
 * hypervisor's accounting then says how the host cores were shared (tests/fairness-check.sh). */
#include "lib/guest.h"

const char guest_name[] = "fair";

/* The guest clock counts from the moment every VM was created, the same clock for every VM (a VM's
 * TSC starts at its own creation, so it would give each VM a different deadline). */
#ifndef FAIR_END_NS
#define FAIR_END_NS 1500000000ul
#endif
#define FAIR_CHECK_EVERY 16384u /* loop iterations between two clock reads (one exit each) */

static uint64_t clock_ns(void)
{
	return (uint64_t)hypercall(BASALT_HC_CLOCK_NS, 0, 0, 0);
}

static uint64_t run_ns(void)
{
	return (uint64_t)hypercall(BASALT_HC_RUN_NS, 0, 0, 0);
}

/* Arithmetic only between the clock reads: no other exit, so the VM wants the CPU all the time.
 * Returns the number of clock reads. */
static uint64_t spin_until(uint64_t end_ns)
{
	uint64_t x = 1, reads = 0;

	do {
		for (unsigned i = 0; i < FAIR_CHECK_EVERY; i++) {
			x = x * 6364136223846793005ull + 1442695040888963407ull;
			asm volatile("" : "+r"(x));
		}
		reads++;
	} while (clock_ns() < end_ns);
	return reads;
}

void guest_main(void)
{
	uint64_t start = clock_ns(), reads, ran;

	/* A VM that first runs past half the window would measure nothing worth checking. */
	if (start >= FAIR_END_NS / 2)
		fail(guest_name, "first ran at %lu us, too late for the deadline %lu us", start / 1000,
		     FAIR_END_NS / 1000);
	reads = spin_until(FAIR_END_NS);
	ran = run_ns();
	printf("fair: started at %lu us, ran %lu us until %lu us (%lu clock reads)\n", start / 1000,
	       ran / 1000, clock_ns() / 1000, reads);
	pass(guest_name);
}
