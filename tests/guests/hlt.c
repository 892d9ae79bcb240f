/* SPDX-License-Identifier: MIT */
/* HLT with interrupts off sleeps until the BASALT_HC_WAKE_AT deadline, then resumes after the HLT. */
#include "lib/guest.h"

const char guest_name[] = "hlt";

#define SLEEP_NS 20000000ul /* 20 ms */
#define ROUNDS 3

static uint64_t clock_ns(void)
{
	return (uint64_t)hypercall(BASALT_HC_CLOCK_NS, 0, 0, 0);
}

static void sleep_once(int round)
{
	uint64_t start = clock_ns(), end;
	long ret = hypercall(BASALT_HC_WAKE_AT, start + SLEEP_NS, 0, 0);

	if (ret != 0)
		fail(guest_name, "round %d: WAKE_AT returned %ld, expected 0", round, ret);
	halt();
	end = clock_ns();
	if (end < start)
		fail(guest_name, "round %d: clock went backwards: %lu ns -> %lu ns", round, start, end);
	if (end - start < SLEEP_NS)
		fail(guest_name, "round %d: HLT returned after %lu ns, expected >= %lu ns", round, end - start,
		     SLEEP_NS);
	printf("hlt: round %d slept %lu us\n", round, (end - start) / 1000);
}

void guest_main(void)
{
	for (int round = 1; round <= ROUNDS; round++)
		sleep_once(round);
	pass(guest_name);
}
