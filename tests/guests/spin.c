/* SPDX-License-Identifier: MIT */
/* Spins without any VM exit: the harness checks another VM printed its verdict meanwhile (preemption). */
#include "lib/guest.h"

const char guest_name[] = "spin";

#define SPIN_ITERATIONS 300000000ull /* total loop iterations: a few seconds at most */
#define SPIN_BLOCK 64                /* iterations between two RDTSC samples */
#define GAP_CYCLES 5000000ull        /* a jump this large means another VM ran */

struct spin_result {
	uint64_t gaps, longest;
};

/* Only RDTSC and arithmetic: no I/O, hypercall or CPUID, so no exit unless the timer preempts us. */
static struct spin_result spin(void)
{
	struct spin_result r = { 0, 0 };
	uint64_t x = 1, prev = rdtsc();

	for (uint64_t block = 0; block < SPIN_ITERATIONS / SPIN_BLOCK; block++) {
		for (int i = 0; i < SPIN_BLOCK; i++) {
			x = x * 6364136223846793005ull + 1442695040888963407ull;
			asm volatile("" : "+r"(x)); /* keeps every iteration */
		}
		uint64_t now = rdtsc(), delta = now - prev;

		if (delta > GAP_CYCLES)
			r.gaps++;
		if (delta > r.longest)
			r.longest = delta;
		prev = now;
	}
	return r;
}

void guest_main(void)
{
	struct spin_result r;

	printf("spin: start\n");
	r = spin();
	printf("spin: done, %lu gaps\n", r.gaps);
	printf("spin: longest gap %lu cycles\n", r.longest);
	pass(guest_name);
}
