/* SPDX-License-Identifier: MIT */
/* The phase clock, sleeping and the check/verdict helpers shared by the hostile-guest suite. */
#include "hostile.h"

int check_failures;
static uint64_t origin;

void phase_init(void)
{
	uint64_t t = clock_ns() + PHASE_MARGIN_NS;

	origin = (t + PHASE_GRID_NS - 1) / PHASE_GRID_NS * PHASE_GRID_NS;
}

uint64_t phase_quiet(void)
{
	return origin;
}

uint64_t phase_hostile(void)
{
	return origin + PHASE_NS;
}

uint64_t phase_end(void)
{
	return origin + 2 * PHASE_NS;
}

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
	if (!origin)
		phase_init();
	sleep_until(phase_hostile());
}

bool hostile_phase_over(void)
{
	return clock_ns() >= phase_end();
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
