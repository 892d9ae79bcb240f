/* SPDX-License-Identifier: MIT */
/* Unit tests for drivers/pc/tick_owed.h: timer periods owed to a guest that could not take them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "drivers/pc/tick_owed.h"

#define MIN_NS 200000ull
#define MS 1000000ull

static void test_owed_ticks_come_one_per_min_period(void **state)
{
	struct tick_owed t = { 0 };

	(void)state;
	tick_owed_add(&t, 3, true);
	assert_true(tick_owed_take(&t, 10 * MS, MIN_NS, true));
	/* The next one not before MIN_NS: the controller would merge it with the first. */
	assert_false(tick_owed_take(&t, 10 * MS + MIN_NS - 1, MIN_NS, true));
	assert_int_equal(tick_owed_next(&t, UINT64_MAX, MIN_NS, 10 * MS, true), 10 * MS + MIN_NS);
	assert_int_equal(tick_owed_next(&t, 14 * MS, MIN_NS, 10 * MS, false), 14 * MS); /* latched: the next period */
	assert_true(tick_owed_take(&t, 10 * MS + MIN_NS, MIN_NS, true));
	assert_true(tick_owed_take(&t, 11 * MS, MIN_NS, true));
	assert_false(tick_owed_take(&t, 12 * MS, MIN_NS, true)); /* all three raised: none more */
	assert_int_equal(t.owed, 0);
}

static void test_not_ready_keeps_what_is_owed(void **state)
{
	struct tick_owed t = { 0 };

	(void)state;
	tick_owed_add(&t, 2, true);
	assert_false(tick_owed_take(&t, MS, MIN_NS, false)); /* still latched from before */
	assert_int_equal(t.owed, 2);
	assert_true(tick_owed_take(&t, 2 * MS, MIN_NS, true));
	assert_int_equal(t.owed, 1);
}

static void test_masked_line_keeps_one_tick(void **state)
{
	struct tick_owed t = { 0 };

	(void)state;
	tick_owed_add(&t, 5, true);
	tick_owed_add(&t, 7, false); /* masked everywhere: the PIC's IRR holds one edge, no more */
	assert_int_equal(t.owed, 1);
	assert_true(tick_owed_take(&t, MS, MIN_NS, true));
	assert_false(tick_owed_take(&t, 2 * MS, MIN_NS, true));
	tick_owed_add(&t, 0, false); /* nothing came due: nothing kept */
	assert_int_equal(t.owed, 0);
	/* Linux masks IRQ 0 around its handler: a one-shot that expires meanwhile still arrives. */
	tick_owed_add(&t, 1, false);
	assert_false(tick_owed_take(&t, 3 * MS, MIN_NS, false)); /* masked: not ready */
	tick_owed_add(&t, 0, true);                             /* unmasked */
	assert_true(tick_owed_take(&t, 3 * MS + 10000, MIN_NS, true));
}

/* hostile-timer: PIT count 2 (1.7 us), IRQ 0 unmasked at the PIC, IF=0: the first edge stays
 * latched and the line is never ready again. The host must look at most every MIN_NS, not at each
 * period (it spun at 600 kHz when the spacing counted from the last raised edge only). */
static void test_latched_fast_timer_does_not_spin_the_host(void **state)
{
	struct tick_owed t = { 0 };
	uint64_t now = 50 * MS;

	(void)state;
	tick_owed_add(&t, 1, true);
	assert_true(tick_owed_take(&t, MS, MIN_NS, true)); /* raised long ago, never taken */
	tick_owed_add(&t, 500, true);
	assert_false(tick_owed_take(&t, now, MIN_NS, false));
	assert_int_equal(tick_owed_next(&t, now + 1676, MIN_NS, now, false), now + MIN_NS);
	/* A one-shot that already fired: nothing to look for until the line is ready again. */
	assert_int_equal(tick_owed_next(&t, UINT64_MAX, MIN_NS, now, false), UINT64_MAX);
}

static void test_owed_is_capped(void **state)
{
	struct tick_owed t = { 0 };

	(void)state;
	tick_owed_add(&t, TICK_OWED_MAX - 1, true);
	tick_owed_add(&t, 5, true);
	assert_int_equal(t.owed, TICK_OWED_MAX);
	tick_owed_add(&t, UINT32_MAX, true); /* no wrap */
	assert_int_equal(t.owed, TICK_OWED_MAX);
}

static void test_next_look_never_closer_than_min_period(void **state)
{
	struct tick_owed t = { 0 };

	(void)state;
	assert_int_equal(tick_owed_next(&t, 4 * MS, MIN_NS, 0, true), 4 * MS);
	assert_int_equal(tick_owed_next(&t, UINT64_MAX, MIN_NS, 0, true), UINT64_MAX);
	tick_owed_add(&t, 1, true);
	assert_true(tick_owed_take(&t, 4 * MS, MIN_NS, true));
	/* A 100 us period (count 119) is looked at every MIN_NS only. */
	assert_int_equal(tick_owed_next(&t, 4 * MS + 100000, MIN_NS, 4 * MS, true), 4 * MS + MIN_NS);
	assert_int_equal(tick_owed_next(&t, 8 * MS, MIN_NS, 4 * MS, true), 8 * MS);
}

/*
 * Linux's timer_irq_works() on an overcommitted host: a 4 ms tick (HZ=250), the vCPU on a core 10 ms
 * of every 60 ms (12 vCPUs on 2 cores with 10 ms slices), the host looking at the timer every 50 us
 * while it runs (exits, its own timer) and not at all while it waits. Linux wants more than 4 ticks
 * within its 64 ms wait (its TSC keeps counting while the vCPU waits). Merging the periods that
 * passed into one edge per look gives it 3 here; owing them gives it every one that came due by the
 * end of its turn, late but counted.
 */
static unsigned ticks_seen(bool owe, unsigned *due_out)
{
	const uint64_t period = 4 * MS, turn = 10 * MS, round = 60 * MS, start = 20 * MS, wait = 64 * MS;
	struct tick_owed t = { 0 };
	uint64_t next_edge = start + period;
	unsigned seen = 0, due = 0, n = 0;

	for (uint64_t now = start; now < start + wait; now += 50000) {
		while (next_edge <= now) { /* the PIT counts periods whether or not anyone looks */
			n++;
			due++;
			next_edge += period;
		}
		if (now % round >= turn)
			continue; /* waiting for a core: nobody looks */
		if (owe) {
			tick_owed_add(&t, n, true);
			seen += tick_owed_take(&t, now, MIN_NS, true);
		} else {
			seen += n > 0; /* one latched edge for all of them */
		}
		n = 0;
	}
	*due_out = due;
	return seen;
}

static void test_overcommitted_guest_sees_every_period(void **state)
{
	unsigned due, merged = ticks_seen(false, &due), owed = ticks_seen(true, &due);

	(void)state;
	assert_int_equal(merged, 3); /* Linux: "IO-APIC + timer doesn't work!" */
	/* 15 periods in the wait; the 3 after the turn (72, 76, 80 ms) come at the next one. */
	assert_int_equal(due, 15);
	assert_int_equal(owed, 12);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_owed_ticks_come_one_per_min_period),
		cmocka_unit_test(test_not_ready_keeps_what_is_owed),
		cmocka_unit_test(test_masked_line_keeps_one_tick),
		cmocka_unit_test(test_latched_fast_timer_does_not_spin_the_host),
		cmocka_unit_test(test_owed_is_capped),
		cmocka_unit_test(test_next_look_never_closer_than_min_period),
		cmocka_unit_test(test_overcommitted_guest_sees_every_period),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
