/* SPDX-License-Identifier: MIT */
/* The phase clock, sleeping and the check/verdict helpers shared by the hostile-guest suite. */
#include "hostile.h"

int check_failures;

uint64_t clock_ns(void)
{
	return (uint64_t)hypercall(BASALT_HC_CLOCK_NS, 0, 0, 0);
}

uint64_t run_ns(void)
{
	return (uint64_t)hypercall(BASALT_HC_RUN_NS, 0, 0, 0);
}

/* The wake time only ends a HLT; an interrupt (IF=1) may end it sooner, so loop on the clock. */
void sleep_until(uint64_t ns)
{
	while (clock_ns() < ns) {
		hypercall(BASALT_HC_WAKE_AT, ns, 0, 0);
		halt();
	}
}

void sleep_ns(uint64_t ns)
{
	sleep_until(clock_ns() + ns);
}

void hostile_wait_start(void)
{
	sleep_until(PHASE_HOSTILE_NS);
}

bool hostile_phase_over(void)
{
	return clock_ns() >= PHASE_END_NS;
}

bool check(bool ok, const char *what, const char *why_fmt, ...)
{
	va_list ap;

	if (ok) {
		printf("PASS %s\n", what);
		return true;
	}
	check_failures++;
	printf("FAIL %s: ", what);
	va_start(ap, why_fmt);
	vprintf(why_fmt, ap);
	va_end(ap);
	console_putc('\n');
	return false;
}

void hostile_finish(void)
{
	if (check_failures)
		fail(guest_name, "%d check(s) failed", check_failures);
	pass(guest_name);
}

uint64_t rng_next(uint64_t *state)
{
	uint64_t x = *state;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*state = x;
	return x * 0x2545f4914f6cdd1dull;
}
