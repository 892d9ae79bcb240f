/* SPDX-License-Identifier: MIT */
/* Unit tests for sched/: both policies driven with simulated time (1 ms ticks). */
/* glibc's <sched.h>, pulled in by pthread.h, declares POSIX sched_yield(void): rename it away. */
#define sched_yield posix_sched_yield
#include <pthread.h>
#undef sched_yield
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include <cmocka.h>

#include "kernel/errno.h"
#include "sched/sched.h"

#define MS 1000000ull
#define UNUSED __attribute__((unused))
#define MAX_SIM 8

static enum sched_class old_cls;

/* The tests below were written for one policy per cpu: entities get that class, pinned by mask. */
static void old_init(unsigned ncpus, enum sched_class cls, uint64_t slice_ns)
{
	struct sched_host h = { .ncpus = ncpus, .timeslice_ns = slice_ns };

	sched_init(&h);
	old_cls = cls;
}

static void old_entity(struct sched_entity *se, uint32_t weight, unsigned cpu)
{
	struct sched_params p = { .cls = old_cls, .weight = weight, .cpu_mask = 1ull << cpu };

	sched_entity_init(se, &p);
}

/* Changes a running entity's weight behind the scheduler's back (only its accounting is tested). */
static void set_w(struct sched_entity *se, uint32_t w)
{
	se->weight = w;
	se->inv_weight = (1ull << 32) / w;
}

/* What a simulation saw: ticks per entity and the longest wait between two runs. */
struct sim {
	struct sched_entity se[MAX_SIM];
	unsigned n;
	unsigned ticks[MAX_SIM];
	unsigned last_tick[MAX_SIM];
	unsigned max_gap[MAX_SIM];
	unsigned first_tick[MAX_SIM];
	unsigned now;
};

static void sim_setup(struct sim *s, unsigned cpu, const uint32_t *weights, unsigned n)
{
	*s = (struct sim){ .n = n };
	for (unsigned i = 0; i < n; i++) {
		old_entity(&s->se[i], weights[i], cpu);
		sched_wake(&s->se[i]);
	}
}

static void sim_record(struct sim *s, struct sched_entity *se)
{
	unsigned i = (unsigned)(se - s->se);
	unsigned gap;

	assert_true(se >= s->se && i < s->n);
	gap = s->now - s->last_tick[i];
	if (s->ticks[i] == 0)
		s->first_tick[i] = s->now;
	else if (gap > s->max_gap[i])
		s->max_gap[i] = gap;
	s->ticks[i]++;
	s->last_tick[i] = s->now;
	s->now++;
}

/* The core's loop: pick, tick until told to stop, put back. */
static void sim_run(struct sim *s, unsigned cpu, unsigned nticks, uint64_t tick_ns)
{
	unsigned end = s->now + nticks;

	while (s->now < end) {
		struct sched_entity *se = sched_pick(cpu);
		bool stop;

		assert_non_null(se);
		assert_int_equal(se->state, SCHED_STATE_RUNNING);
		do {
			sim_record(s, se);
			stop = sched_tick(cpu, se, tick_ns);
		} while (!stop && s->now < end);
		sched_put_prev(cpu, se, 0);
	}
}

#define REL_ERROR(got, want) (((got) > (want) ? (got) - (want) : (want) - (got)) / (want))

/* Each entity's share of the ticks is within 5% (relative) of weight / total weight. */
static void assert_shares(const struct sim *s, const uint32_t *weights, unsigned nticks)
{
	double total_weight = 0;

	for (unsigned i = 0; i < s->n; i++)
		total_weight += weights[i];
	for (unsigned i = 0; i < s->n; i++) {
		double got = (double)s->ticks[i] / nticks;
		double want = weights[i] / total_weight;
		double err = REL_ERROR(got, want);

		if (err >= 0.05)
			fail_msg("entity %u (weight %u): share %.4f, want %.4f, error %.3f", i,
				 weights[i], got, want, err);
		/* accounting agrees with what the simulation saw */
		assert_int_equal(s->se[i].total_ns, (uint64_t)s->ticks[i] * MS);
	}
}

/* n entities of weight 100 on cpu; the first nwake are woken, in order. */
static void add_entities(struct sched_entity *e, unsigned n, unsigned cpu, unsigned nwake)
{
	for (unsigned i = 0; i < n; i++) {
		old_entity(&e[i], 100, cpu);
		if (i < nwake)
			sched_wake(&e[i]);
	}
}

static void pick_put(unsigned cpu, struct sched_entity *want, uint64_t ran_ns)
{
	assert_ptr_equal(sched_pick(cpu), want);
	sched_put_prev(cpu, want, ran_ns);
}

/* Picks, runs one tick at a time until the scheduler says stop; returns ticks run. */
static unsigned run_slice(unsigned cpu, struct sched_entity *want)
{
	struct sched_entity *se = sched_pick(cpu);
	unsigned n = 0;

	assert_ptr_equal(se, want);
	do
		n++;
	while (!sched_tick(cpu, se, MS) && n < 1000);
	sched_put_prev(cpu, se, 0);
	return n;
}

static void test_empty_queue_returns_null(void **state UNUSED)
{
	struct sched_entity a;

	old_init(2, SCHED_CLASS_RR, 3 * MS);
	assert_null(sched_pick(0));
	old_entity(&a, 100, 0);
	assert_int_equal(a.state, SCHED_STATE_NEW);
	assert_null(sched_pick(0)); /* NEW is not runnable until woken */
	assert_int_equal(sched_nr_runnable(0), 0);
	sched_wake(&a);
	assert_ptr_equal(sched_pick(0), &a);
	sched_block(&a);
	sched_put_prev(0, &a, MS);
	assert_null(sched_pick(0));
	assert_null(sched_pick(2)); /* no such cpu */
	assert_null(sched_pick(SCHED_MAX_CPUS + 5));
}

static void test_rr_cycle_and_slice_expiry(void **state UNUSED)
{
	struct sched_entity e[3];

	old_init(1, SCHED_CLASS_RR, 3 * MS);
	add_entities(e, 3, 0, 3);
	assert_int_equal(sched_nr_runnable(0), 3);
	for (int round = 0; round < 4; round++) {
		for (int i = 0; i < 3; i++) {
			assert_int_equal(run_slice(0, &e[i]), 3);
			assert_int_equal(e[i].state, SCHED_STATE_RUNNABLE);
			assert_int_equal(e[i].slice_used_ns, 0);
		}
	}
	for (int i = 0; i < 3; i++) {
		assert_int_equal(e[i].switches_in, 4);
		assert_int_equal(e[i].total_ns, 12 * MS);
	}
}

static void test_rr_unfinished_slice_resumes(void **state UNUSED)
{
	struct sched_entity e[2];

	old_init(1, SCHED_CLASS_RR, 3 * MS);
	add_entities(e, 2, 0, 2);
	assert_ptr_equal(sched_pick(0), &e[0]);
	assert_false(sched_tick(0, &e[0], MS));
	sched_put_prev(0, &e[0], 0); /* stopped early: keeps its turn */
	assert_ptr_equal(sched_pick(0), &e[0]);
	assert_int_equal(e[0].slice_used_ns, MS);
	assert_false(sched_tick(0, &e[0], MS));
	assert_true(sched_tick(0, &e[0], MS)); /* only the rest of the slice */
	sched_put_prev(0, &e[0], 0);
	pick_put(0, &e[1], 3 * MS); /* time given at put_prev counts too */
	assert_ptr_equal(sched_pick(0), &e[0]);
}

static void test_rr_yield(void **state UNUSED)
{
	struct sched_entity e[3];

	old_init(1, SCHED_CLASS_RR, 10 * MS);
	add_entities(e, 3, 0, 3);
	assert_ptr_equal(sched_pick(0), &e[0]);
	assert_false(sched_tick(0, &e[0], MS));
	sched_yield(0, &e[0]);
	assert_true(sched_tick(0, &e[0], 0));
	sched_put_prev(0, &e[0], 0);
	assert_int_equal(run_slice(0, &e[1]), 10);
	assert_int_equal(run_slice(0, &e[2]), 10);
	assert_int_equal(run_slice(0, &e[0]), 10); /* fresh slice after the yield */
}

static void test_rr_block_and_wake(void **state UNUSED)
{
	struct sched_entity e[3];

	old_init(1, SCHED_CLASS_RR, 3 * MS);
	add_entities(e, 3, 0, 3);
	assert_int_equal(run_slice(0, &e[0]), 3);
	assert_ptr_equal(sched_pick(0), &e[1]);
	assert_false(sched_tick(0, &e[1], MS));
	sched_block(&e[1]); /* blocks while running, e.g. HLT */
	assert_true(sched_tick(0, &e[1], 0));
	sched_put_prev(0, &e[1], 0);
	assert_int_equal(e[1].state, SCHED_STATE_BLOCKED);
	assert_int_equal(sched_nr_runnable(0), 2);
	sched_block(&e[2]); /* blocks while queued */
	assert_int_equal(sched_nr_runnable(0), 1);
	for (int i = 0; i < 10; i++)
		pick_put(0, &e[0], 3 * MS);
	sched_wake(&e[2]);
	sched_wake(&e[1]);
	assert_int_equal(e[1].slice_used_ns, 0);
	assert_int_equal(run_slice(0, &e[0]), 3);
	assert_int_equal(run_slice(0, &e[2]), 3); /* woken ones join at the tail, in wake order */
	assert_int_equal(run_slice(0, &e[1]), 3); /* with a whole slice */
	sched_block(&e[1]); /* the tail, while queued */
	sched_wake(&e[1]);
	for (int i = 0; i < 6; i++)
		assert_int_equal(run_slice(0, &e[(unsigned[]){ 0, 2, 1 }[i % 3]]), 3);
}

static void test_wake_is_idempotent(void **state UNUSED)
{
	struct sched_entity e[2];

	old_init(1, SCHED_CLASS_RR, 3 * MS);
	add_entities(e, 2, 0, 1);
	sched_wake(&e[0]);
	assert_int_equal(sched_nr_runnable(0), 1);
	assert_ptr_equal(sched_pick(0), &e[0]);
	sched_wake(&e[0]); /* running: nothing to do */
	assert_int_equal(e[0].state, SCHED_STATE_RUNNING);
	assert_int_equal(sched_nr_runnable(0), 0);
	sched_block(&e[1]);
	sched_block(&e[1]);
	assert_int_equal(e[1].state, SCHED_STATE_BLOCKED);
	sched_put_prev(0, &e[0], 0);
	assert_ptr_equal(sched_pick(0), &e[0]);
	assert_ptr_equal(sched_pick(0), &e[0]); /* a forgotten current is put back, then picked */
	assert_int_equal(e[0].switches_in, 3);
	assert_int_equal(sched_nr_runnable(0), 0);
	sched_block(&e[0]);
	sched_wake(&e[0]); /* the interrupt came before the core put it back */
	assert_int_equal(e[0].state, SCHED_STATE_RUNNING);
	assert_false(sched_tick(0, &e[0], MS));
	sched_put_prev(0, &e[0], 0);
	assert_int_equal(sched_nr_runnable(0), 1);
}

static void test_kill(void **state UNUSED)
{
	struct sched_entity e[3];

	old_init(1, SCHED_CLASS_RR, 3 * MS);
	add_entities(e, 3, 0, 3);
	assert_ptr_equal(sched_pick(0), &e[0]);
	sched_kill(&e[0]); /* running */
	sched_kill(&e[1]); /* queued */
	assert_true(sched_tick(0, &e[0], MS));
	sched_put_prev(0, &e[0], 0);
	sched_wake(&e[0]);
	sched_wake(&e[1]);
	sched_block(&e[1]);
	assert_int_equal(e[0].state, SCHED_STATE_DEAD);
	assert_int_equal(e[1].state, SCHED_STATE_DEAD);
	assert_int_equal(sched_nr_runnable(0), 1);
	for (int i = 0; i < 10; i++)
		pick_put(0, &e[2], 3 * MS);
	sched_kill(&e[2]);
	assert_null(sched_pick(0));
}

static void test_per_cpu_independence(void **state UNUSED)
{
	struct sched_entity e[5];

	old_init(2, SCHED_CLASS_RR, 2 * MS);
	add_entities(e, 2, 0, 2);
	add_entities(e + 2, 3, 1, 3);
	assert_int_equal(sched_nr_runnable(0), 2);
	assert_int_equal(sched_nr_runnable(1), 3);
	for (int i = 0; i < 60; i++) {
		unsigned cpu = i & 1;
		struct sched_entity *se = sched_pick(cpu);

		assert_int_equal(se->cpu, cpu);
		assert_true(cpu == 0 ? se < &e[2] : se >= &e[2]);
		{ struct sched_entity_stats st; sched_entity_stats(se, &st); assert_int_equal(st.cpu, cpu); assert_int_equal(st.state, SCHED_STATE_RUNNING); }
		sched_put_prev(cpu, se, 2 * MS);
	}
	assert_int_equal(e[0].switches_in, 15);
	assert_int_equal(e[2].switches_in, 10);
	sched_put_prev(1, &e[0], MS); /* not cpu 1's: ignored */
	assert_int_equal(e[0].state, SCHED_STATE_RUNNABLE);
	assert_int_equal(sched_nr_runnable(1), 3);
}

static void test_names_and_bad_cpus(void **state UNUSED)
{
	struct sched_entity a;

	old_init(2, SCHED_CLASS_RR, 0);
	assert_int_equal(sched_timeslice_ns(), SCHED_TIMESLICE_DEFAULT_NS);
	assert_int_equal(sched_ncpus(), 2);
	assert_string_equal(sched_class_name(SCHED_CLASS_PINNED), "pinned");
	assert_string_equal(sched_class_name(SCHED_CLASS_RR), "rr");
	assert_string_equal(sched_class_name(SCHED_CLASS_SHARES), "shares");
	assert_string_equal(sched_class_name((enum sched_class)9), "?");
	old_entity(&a, 100, 5); /* no such cpu: the mask is cut to the online cpus */
	assert_true(a.cpu < 2);
	assert_int_equal(a.cpu_mask, 3);
	assert_null(sched_pick(7));
	assert_true(sched_tick(5, &a, MS));
	assert_false(sched_tick_needed(9));
}

static void test_rr_spinner_lets_short_one_run(void **state UNUSED)
{
	struct sched_entity e[2]; /* a spinner and a quick one */
	unsigned ticks = 0;

	old_init(1, SCHED_CLASS_RR, 10 * MS);
	add_entities(e, 2, 0, 1);
	assert_ptr_equal(sched_pick(0), &e[0]);
	for (int i = 0; i < 25; i++) /* alone: nobody to hand over to */
		assert_false(sched_tick(0, &e[0], MS));
	sched_wake(&e[1]);
	while (!sched_tick(0, &e[0], MS))
		assert_true(++ticks < 10);
	sched_put_prev(0, &e[0], 0);
	assert_ptr_equal(sched_pick(0), &e[1]);
	sched_block(&e[1]);
	sched_put_prev(0, &e[1], MS / 10);
	assert_ptr_equal(sched_pick(0), &e[0]);
	assert_int_equal(e[0].slice_used_ns, 0);
}

static void test_rr_no_starvation(void **state UNUSED)
{
	static const uint32_t w[5] = { 1, 100, 10000, 100, 100 };
	struct sim s;

	old_init(1, SCHED_CLASS_RR, 4 * MS);
	sim_setup(&s, 0, w, 5);
	sim_run(&s, 0, 2000, MS);
	for (unsigned i = 0; i < 5; i++) {
		assert_int_equal(s.ticks[i], 400); /* rr ignores weights */
		assert_true(s.ticks[i] > 0 && s.first_tick[i] <= 4 * 4);
		assert_int_equal(s.max_gap[i], 4 * 4 + 1);
	}
}

static void run_shares_case(const uint32_t *w, unsigned n, uint64_t slice_ns)
{
	struct sim s;

	old_init(1, SCHED_CLASS_SHARES, slice_ns);
	sim_setup(&s, 0, w, n);
	sim_run(&s, 0, 10000, MS);
	assert_shares(&s, w, 10000);
}

static void test_shares_proportional(void **state UNUSED)
{
	static const uint32_t w1[3] = { 100, 200, 300 };
	static const uint32_t w2[4] = { 250, 250, 250, 250 };
	static const uint32_t w3[4] = { 50, 100, 400, 1000 };
	static const uint32_t w4[3] = { 10, 100, 1000 };

	run_shares_case(w1, 3, 10 * MS);
	run_shares_case(w2, 4, 10 * MS);
	run_shares_case(w3, 4, 5 * MS);
	/* a 1% share needs a granularity well below the time it gets */
	run_shares_case(w4, 3, MS);
}

static void test_shares_no_starvation(void **state UNUSED)
{
	static const uint32_t w[3] = { 100, 200, 300 };
	struct sim s;

	old_init(1, SCHED_CLASS_SHARES, 10 * MS);
	sim_setup(&s, 0, w, 3);
	sim_run(&s, 0, 10000, MS);
	for (unsigned i = 0; i < 3; i++) {
		/* all start at the same virtual time: each gets a first slice in turn */
		assert_true(s.ticks[i] > 0 && s.first_tick[i] <= i * 10);
		/* waits are bounded by the others' weighted turns plus one slice each */
		assert_true(s.max_gap[i] <= (600 - w[i]) * 10 / w[i] + 3 * 10);
	}
}

static void test_shares_sleeper_does_not_monopolise(void **state UNUSED)
{
	static const uint32_t w[3] = { 100, 100, 100 };
	struct sim s;
	uint64_t floor;
	unsigned before;

	old_init(1, SCHED_CLASS_SHARES, 10 * MS);
	sim_setup(&s, 0, w, 3);
	sim_run(&s, 0, 300, MS);
	sched_block(&s.se[2]);
	sim_run(&s, 0, 5000, MS);
	before = s.ticks[2];
	floor = s.se[0].vruntime < s.se[1].vruntime ? s.se[0].vruntime : s.se[1].vruntime;
	assert_true(s.se[2].vruntime < floor); /* it slept, so it is far behind */
	sched_wake(&s.se[2]);
	assert_int_equal(s.se[2].vruntime, floor);
	sim_run(&s, 0, 600, MS);
	/* a third of 600 ticks, give or take two slices; with banked credit it would get all */
	assert_true(s.ticks[2] - before >= 180);
	assert_true(s.ticks[2] - before <= 220);
}

static void test_shares_granularity_and_spinner(void **state UNUSED)
{
	struct sched_entity e[2];

	old_init(1, SCHED_CLASS_SHARES, 10 * MS);
	add_entities(e, 2, 0, 1);
	assert_ptr_equal(sched_pick(0), &e[0]);
	for (int i = 0; i < 50; i++) /* alone: never preempted */
		assert_false(sched_tick(0, &e[0], MS));
	sched_wake(&e[1]);
	assert_int_equal(e[1].vruntime, e[0].vruntime); /* joins at the floor, the spinner's time */
	assert_true(sched_tick(0, &e[0], MS)); /* the spinner has had its slice: e[1] goes now */
	sched_put_prev(0, &e[0], 0);
	assert_ptr_equal(sched_pick(0), &e[1]);
	for (int i = 0; i < 9; i++) /* from its 2nd tick e[1] is ahead, but holds its slice */
		assert_false(sched_tick(0, &e[1], MS));
	assert_true(e[1].vruntime > e[0].vruntime);
	assert_true(sched_tick(0, &e[1], MS));
}

static void test_shares_yield(void **state UNUSED)
{
	struct sched_entity e[3];

	old_init(1, SCHED_CLASS_SHARES, 10 * MS);
	add_entities(e, 3, 0, 3);
	for (unsigned i = 0; i < 3; i++) /* make e[0] < e[1] < e[2] in vruntime */
		pick_put(0, &e[i], (i + 1) * 10 * MS);
	assert_ptr_equal(sched_pick(0), &e[0]);
	sched_yield(0, &e[0]); /* it has the smallest vruntime, yet gives way */
	assert_true(sched_tick(0, &e[0], 0));
	sched_put_prev(0, &e[0], 0);
	pick_put(0, &e[1], 10 * MS);
	assert_ptr_equal(sched_pick(0), &e[0]); /* only one went ahead: it kept its place */
	assert_false(sched_tick(0, &e[0], MS)); /* and it has a fresh slice */
}

static void test_shares_weight_math(void **state UNUSED)
{
	struct sched_entity a, b, c;
	uint64_t before;

	old_init(1, SCHED_CLASS_SHARES, 10 * MS);
	old_entity(&a, 1024, 0);
	old_entity(&b, 0, 0);
	old_entity(&c, 20000, 0);
	assert_int_equal(b.weight, SCHED_WEIGHT_DEFAULT);
	assert_int_equal(c.weight, SCHED_WEIGHT_MAX);
	sched_wake(&a);
	assert_ptr_equal(sched_pick(0), &a);
	assert_false(sched_tick(0, &a, MS));
	assert_int_equal(a.vruntime, MS); /* weight 1024 runs at wall speed */
	set_w(&a, 100);
	assert_false(sched_tick(0, &a, MS));
	assert_true(a.vruntime - MS >= 10239999 && a.vruntime - MS <= 10240000);
	set_w(&a, 1);
	before = a.vruntime;
	sched_tick(0, &a, UINT64_MAX); /* clamped, not wrapped */
	assert_true(a.vruntime - before == ((1ull << 54) - 1) * 1024);
	assert_int_equal(a.total_ns, UINT64_MAX);
}

/* Past 3 * 2^62 a fresh vruntime of 0 would look 2^62 ahead of the queue, not behind. */
static void test_shares_new_entity_after_wrap(void **state UNUSED)
{
	struct sched_entity a, b;

	old_init(1, SCHED_CLASS_SHARES, 10 * MS);
	old_entity(&a, 1, 0);
	old_entity(&b, 100, 0);
	sched_wake(&a);
	assert_ptr_equal(sched_pick(0), &a);
	assert_false(sched_tick(0, &a, 1ull << 53));
	assert_false(sched_tick(0, &a, 1ull << 52));
	assert_true(a.vruntime >= 3ull << 62);
	sched_wake(&b);
	assert_int_equal(b.vruntime, a.vruntime);
	assert_true(sched_tick(0, &a, MS)); /* b is behind now and a's slice is long over */
	sched_put_prev(0, &a, 0);
	assert_ptr_equal(sched_pick(0), &b);
}

/* Weights 1 and 2 with huge ticks: vruntime wraps 2^64 many times, shares still hold. */
static void test_shares_vruntime_wraps(void **state UNUSED)
{
	static const uint32_t w[2] = { 1, 2 };
	struct sim s;

	old_init(1, SCHED_CLASS_SHARES, 1ull << 48);
	sim_setup(&s, 0, w, 2);
	sim_run(&s, 0, 3000, 1ull << 47);
	assert_true(s.se[0].total_ns / 3 > UINT64_MAX / 1024); /* weight 1 wrapped many times */
	assert_true(REL_ERROR(s.ticks[0] / 3000.0, 1.0 / 3) < 0.05);
	assert_true(s.max_gap[0] <= 8);
}

static spinlock_t test_lock = SPINLOCK_INIT;
static unsigned long test_counter;
static int test_go;

/* Bounded in time: on a busy host a ticket lock convoys, so iterations may be few. */
static void *hammer(void *arg)
{
	unsigned long *mine = arg;
	time_t stop;

	while (!__atomic_load_n(&test_go, __ATOMIC_ACQUIRE)) /* start together, so they contend */
		cpu_relax();
	stop = time(NULL) + 2;
	for (*mine = 0; *mine < 100000 && time(NULL) < stop; ++*mine) {
		unsigned long seen;

		spin_lock(&test_lock);
		seen = test_counter;
		for (int i = 0; i < 4; i++) /* widens the window a broken lock lets the other in */
			cpu_relax();
		test_counter = seen + 1;
		spin_unlock(&test_lock);
	}
	return NULL;
}

static void test_spinlock(void **state UNUSED)
{
	pthread_t th[2];
	unsigned long done[2];

	assert_true(spin_trylock(&test_lock));
	assert_true(spin_is_locked(&test_lock));
	assert_false(spin_trylock(&test_lock));
	spin_unlock(&test_lock);
	assert_false(spin_is_locked(&test_lock));
	for (int i = 0; i < 2; i++)
		assert_int_equal(pthread_create(&th[i], NULL, hammer, &done[i]), 0);
	__atomic_store_n(&test_go, 1, __ATOMIC_RELEASE);
	for (int i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	assert_int_equal(test_counter, done[0] + done[1]);
	assert_false(spin_is_locked(&test_lock));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty_queue_returns_null),
		cmocka_unit_test(test_rr_cycle_and_slice_expiry),
		cmocka_unit_test(test_rr_unfinished_slice_resumes),
		cmocka_unit_test(test_rr_yield),
		cmocka_unit_test(test_rr_block_and_wake),
		cmocka_unit_test(test_wake_is_idempotent),
		cmocka_unit_test(test_kill),
		cmocka_unit_test(test_per_cpu_independence),
		cmocka_unit_test(test_names_and_bad_cpus),
		cmocka_unit_test(test_rr_spinner_lets_short_one_run),
		cmocka_unit_test(test_rr_no_starvation),
		cmocka_unit_test(test_shares_proportional),
		cmocka_unit_test(test_shares_no_starvation),
		cmocka_unit_test(test_shares_sleeper_does_not_monopolise),
		cmocka_unit_test(test_shares_granularity_and_spinner),
		cmocka_unit_test(test_shares_yield),
		cmocka_unit_test(test_shares_weight_math),
		cmocka_unit_test(test_shares_new_entity_after_wrap),
		cmocka_unit_test(test_shares_vruntime_wraps),
		cmocka_unit_test(test_spinlock),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
