/* SPDX-License-Identifier: MIT */
/* Unit simulations for sched/ on several cpus: placement, stealing, pinned cores, rr vs shares, fairness, races. */
#define sched_yield posix_sched_yield
#include <pthread.h>
#undef sched_yield
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>
#include <cmocka.h>

#include "sched/sched.h"

#define MS 1000000ull
#define UNUSED __attribute__((unused))
#define NCPU_MAX 8
#define NENT 32

static uint64_t fake_now;
static unsigned kicks[SCHED_MAX_CPUS];

static uint64_t fake_clock(void)
{
	return __atomic_load_n(&fake_now, __ATOMIC_RELAXED);
}

static void count_kick(unsigned cpu)
{
	__atomic_fetch_add(&kicks[cpu], 1, __ATOMIC_RELAXED);
}

static void init(unsigned ncpus, uint64_t slice_ns)
{
	struct sched_host h = { .ncpus = ncpus, .timeslice_ns = slice_ns, .now_ns = fake_clock,
				.resched_cpu = count_kick };

	fake_now = 0;
	for (unsigned i = 0; i < SCHED_MAX_CPUS; i++)
		kicks[i] = 0;
	sched_init(&h);
}

static void entity(struct sched_entity *se, enum sched_class cls, uint32_t weight, uint64_t mask,
		   int pinned, unsigned group)
{
	struct sched_params p = { .cls = cls, .weight = weight, .cpu_mask = mask, .pinned_cpu = pinned,
				  .group = group };

	sched_entity_init(se, &p);
}

/* A lock-step machine: each step every cpu runs its current for step_ns, then the clock moves. */
struct machine {
	unsigned ncpus;
	struct sched_entity *cur[NCPU_MAX];
	unsigned long steps_idle[NCPU_MAX];
};

static void machine_step(struct machine *m, uint64_t step_ns)
{
	for (unsigned c = 0; c < m->ncpus; c++) {
		if (!m->cur[c])
			m->cur[c] = sched_pick(c);
		if (!m->cur[c]) {
			m->steps_idle[c]++;
			continue;
		}
		assert_int_equal(m->cur[c]->cpu, c);
		if (sched_tick(c, m->cur[c], step_ns)) {
			sched_put_prev(c, m->cur[c], 0);
			m->cur[c] = NULL;
		}
	}
	fake_now += step_ns;
}

static uint64_t core_weight(const struct sched_entity *e, unsigned n, unsigned cpu)
{
	uint64_t sum = 0;

	for (unsigned i = 0; i < n; i++)
		if (e[i].cpu == cpu)
			sum += e[i].weight;
	return sum;
}

/* 16 entities 1,2,3,4 x4 woken as a batch on 4 cpus: every core carries weight 10. */
static void test_batch_placement_spreads_weight(void **state UNUSED)
{
	struct sched_entity e[16], *ptr[16];

	init(4, 4 * MS);
	for (unsigned i = 0; i < 16; i++) {
		entity(&e[i], SCHED_CLASS_SHARES, 1 + i % 4, 0, -1, i);
		ptr[i] = &e[i];
	}
	sched_wake_many(ptr, 16);
	for (unsigned c = 0; c < 4; c++)
		assert_int_equal(core_weight(e, 16, c), 10);
}

/* A wake goes to the last cpu if idle, else an idle allowed cpu, else the least loaded one. */
static void test_wake_placement(void **state UNUSED)
{
	struct sched_entity a, b, c, d;

	init(3, 4 * MS);
	entity(&a, SCHED_CLASS_SHARES, 100, 0, -1, 0);
	entity(&b, SCHED_CLASS_SHARES, 300, 0, -1, 1);
	entity(&c, SCHED_CLASS_SHARES, 100, 0x6, -1, 2);
	entity(&d, SCHED_CLASS_SHARES, 50, 0, -1, 3);
	sched_wake(&a);
	assert_int_equal(a.cpu, 0);
	sched_wake(&b);
	assert_int_equal(b.cpu, 1); /* cpu 0 is no longer idle */
	sched_wake(&c);
	assert_int_equal(c.cpu, 2);
	sched_wake(&d);
	assert_int_equal(d.cpu, 0); /* least weight: 0 has 100, 1 has 300, 2 has 100 (0 first) */
	assert_int_equal(d.migrations, 0); /* a first placement is not a migration */
	/* a idle-blocks and wakes: its last cpu still has d, so it goes to the lightest */
	assert_ptr_equal(sched_pick(0), &a);
	sched_block(&a);
	sched_put_prev(0, &a, MS);
	assert_ptr_equal(sched_pick(2), &c);
	sched_block(&c);
	sched_put_prev(2, &c, MS);
	sched_wake(&a); /* cpu 2 is idle now */
	assert_int_equal(a.cpu, 2);
	assert_int_equal(a.migrations, 1);
	sched_wake(&c); /* its mask allows 1 and 2: 2 (a, 100) is lighter than 1 (b, 300) */
	assert_int_equal(c.cpu, 2);
}

/* An idle cpu takes an unpinned runnable entity allowed on it, never a pinned one or one masked off. */
static void test_steal_respects_masks_and_pins(void **state UNUSED)
{
	struct sched_entity a, b, c, p;

	init(3, 4 * MS);
	entity(&p, SCHED_CLASS_PINNED, 100, 0, 2, 9);
	entity(&a, SCHED_CLASS_SHARES, 100, 0x1, -1, 0);
	entity(&b, SCHED_CLASS_RR, 100, 0x1, -1, 1);
	entity(&c, SCHED_CLASS_SHARES, 100, 0x3, -1, 2);
	sched_wake(&a);
	sched_wake(&b);
	assert_ptr_equal(sched_pick(0), &b); /* rr before shares; a waits on 0 */
	assert_null(sched_pick(1));          /* a is masked to cpu 0: not taken */
	assert_null(sched_pick(2));          /* a pinned core never steals */
	assert_int_equal(a.cpu, 0);
	sched_wake(&p);
	sched_wake(&c);                      /* cpu 1 is idle: c goes there */
	assert_int_equal(c.cpu, 1);
	assert_ptr_equal(sched_pick(2), &p);
	sched_block(&p);
	sched_put_prev(2, &p, MS);
	assert_ptr_equal(sched_pick(1), &c);
	assert_null(sched_pick(2));          /* still nothing for the pinned core */
	sched_put_prev(1, &c, MS);
	sched_put_prev(0, &b, MS);           /* b's slice is not over: it stays ahead of a on 0 */
	sched_wake(&p);
	/* cpu 0 has b and a waiting: cpu 1 (running nothing after c blocks) may take neither */
	sched_block(&c);
	assert_null(sched_pick(1));
	assert_int_equal(a.migrations + b.migrations + p.migrations, 0);
}

/* The busiest queue gives one to an idle cpu; migrations and wait are counted. */
static void test_steal_from_busiest(void **state UNUSED)
{
	struct sched_entity e[4], *got;
	struct sched_entity_stats st;

	init(2, 4 * MS);
	for (unsigned i = 0; i < 4; i++) {
		entity(&e[i], SCHED_CLASS_SHARES, 100, 0x1, -1, i);
		sched_wake(&e[i]);
	}
	/* widen the masks behind the scheduler's back: as if cpu 1 had just come online */
	for (unsigned i = 0; i < 4; i++)
		e[i].cpu_mask = 0x3;
	assert_ptr_equal(sched_pick(0), &e[0]);
	fake_now += 5 * MS;
	got = sched_pick(1);
	assert_non_null(got);
	assert_int_equal(got->cpu, 1);
	assert_int_equal(got->migrations, 1);
	sched_entity_stats(got, &st);
	assert_int_equal(st.wait_ns, 5 * MS);
	assert_int_equal(st.migrations, 1);
	assert_int_equal(sched_nr_runnable(0), 2);
}

/* A pinned core runs only its entity: nothing is placed or stolen there, it steals nothing,
 * and it needs no tick while it runs alone. */
static void test_pinned_exclusive(void **state UNUSED)
{
	struct sched_entity p, e[6];
	struct machine m = { .ncpus = 3 };
	struct sched_cpu_stats cs;

	init(3, 2 * MS);
	entity(&p, SCHED_CLASS_PINNED, 100, 0, 1, 7);
	for (unsigned i = 0; i < 6; i++) {
		entity(&e[i], i % 2 ? SCHED_CLASS_RR : SCHED_CLASS_SHARES, 100, 0, -1, i);
		assert_int_not_equal(e[i].cpu_mask & 2, 2); /* cut out of every mask */
		sched_wake(&e[i]);
		assert_int_not_equal(e[i].cpu, 1);
	}
	assert_null(sched_pick(1)); /* p not woken yet: core 1 stays idle, steals nothing */
	sched_wake(&p);
	assert_int_equal(p.cpu, 1);
	for (int i = 0; i < 2000; i++) {
		machine_step(&m, MS);
		if (m.cur[1]) {
			assert_ptr_equal(m.cur[1], &p);
			assert_false(sched_tick_needed(1));
		}
		if (i == 1000) { /* p blocks for a while: its core idles, nothing comes over */
			sched_block(&p);
		}
		if (i == 1500)
			sched_wake(&p);
	}
	sched_cpu_stats(1, &cs);
	for (unsigned g = 0; g < SCHED_MAX_GROUPS; g++)
		if (g != 7)
			assert_int_equal(cs.busy_ns[g], 0);
	assert_true(cs.busy_ns[7] >= 1490 * MS);
	assert_true(cs.idle_ns >= 490 * MS);
	assert_true(cs.reserved);
	assert_int_equal(p.migrations, 0);
	assert_true(sched_tick_needed(0)); /* three entities share cpu 0 and 2 */
	sched_kill(&p);
	sched_cpu_stats(1, &cs);
	assert_false(cs.reserved);
}

/* rr entities of a core go strictly FIFO with a fixed slice, ahead of shares ones. */
static void test_rr_fifo_before_shares(void **state UNUSED)
{
	struct sched_entity r[3], s;
	struct sched_entity *order[9];

	init(1, 3 * MS);
	entity(&s, SCHED_CLASS_SHARES, 100, 0, -1, 3);
	sched_wake(&s);
	assert_ptr_equal(sched_pick(0), &s);
	for (unsigned i = 0; i < 3; i++) {
		entity(&r[i], SCHED_CLASS_RR, 100, 0, -1, i);
		sched_wake(&r[i]);
	}
	assert_true(kicks[0] >= 1);         /* an rr wake over a shares current asks for a look */
	assert_true(sched_tick(0, &s, MS)); /* rr preempts shares at the next tick */
	sched_put_prev(0, &s, 0);
	for (unsigned k = 0; k < 9; k++) {
		unsigned n = 0;

		order[k] = sched_pick(0);
		while (!sched_tick(0, order[k], MS))
			n++;
		assert_int_equal(n, 2); /* 3 ms slice of 1 ms ticks */
		sched_put_prev(0, order[k], 0);
	}
	for (unsigned k = 0; k < 9; k++)
		assert_ptr_equal(order[k], &r[k % 3]);
}

/* A spinning rr entity may take at most SCHED_RR_CAP_PCT of a window while a shares one waits. */
static void test_rr_cap_protects_shares(void **state UNUSED)
{
	struct sched_entity r, s;
	struct machine m = { .ncpus = 1 };
	double share;

	init(1, MS);
	entity(&r, SCHED_CLASS_RR, 100, 0, -1, 0);
	entity(&s, SCHED_CLASS_SHARES, 100, 0, -1, 1);
	sched_wake(&r);
	sched_wake(&s);
	for (int i = 0; i < 10000; i++) /* 10 s of 1 ms steps */
		machine_step(&m, MS);
	share = (double)s.total_ns / (10000 * MS);
	assert_true(share >= (100 - SCHED_RR_CAP_PCT) / 100.0 * 0.9);
	assert_true(share <= (100 - SCHED_RR_CAP_PCT) / 100.0 * 1.2);
	assert_true(r.total_ns + s.total_ns == 10000 * MS);
	assert_true(s.wait_ns >= 9000 * MS);
}

/* Placement keeps rr and shares apart when masks allow. */
static void test_classes_kept_apart(void **state UNUSED)
{
	struct sched_entity e[8];

	init(2, MS);
	for (unsigned i = 0; i < 8; i++) {
		entity(&e[i], i % 2 ? SCHED_CLASS_RR : SCHED_CLASS_SHARES, 100, 0, -1, i);
		sched_wake(&e[i]);
	}
	assert_int_not_equal(e[0].cpu, e[1].cpu);
	for (unsigned i = 2; i < 8; i++)
		assert_int_equal(e[i].cpu, e[i % 2].cpu); /* each class stayed on its own core */
}

/* Fairness: 16 entities of weights 1:2:3:4 on 4 cpus for 10 s: each within 3% of weight/40 * 4 cpus. */
static void run_fairness(bool blocking)
{
	struct sched_entity e[16], *ptr[16];
	struct machine m = { .ncpus = 4 };
	uint64_t blocked_until[16] = { 0 }, total = 0;
	unsigned seed = 12345;

	init(4, 4 * MS);
	for (unsigned i = 0; i < 16; i++) {
		entity(&e[i], SCHED_CLASS_SHARES, 1 + i % 4, 0, -1, i);
		ptr[i] = &e[i];
	}
	sched_wake_many(ptr, 16);
	for (int step = 0; step < 100000; step++) { /* 10 s of 100 us steps */
		machine_step(&m, MS / 10);
		for (unsigned i = 0; blocking && i < 16; i++) {
			if (blocked_until[i] && blocked_until[i] <= fake_now) {
				blocked_until[i] = 0;
				sched_wake(&e[i]);
			} else if (!blocked_until[i] && e[i].state == SCHED_STATE_RUNNING &&
				   rand_r(&seed) % 2000 == 0) {
				/* a short sleep (an I/O wait): 0.1..1 ms */
				sched_block(&e[i]);
				blocked_until[i] = fake_now + (1 + rand_r(&seed) % 10) * (MS / 10);
			}
		}
	}
	for (unsigned i = 0; i < 16; i++)
		total += e[i].total_ns;
	for (unsigned i = 0; i < 16; i++) {
		double want = (double)total * e[i].weight / 40.0;
		double err = ((double)e[i].total_ns - want) / want;

		if (err > 0.03 || err < -0.03)
			fail_msg("entity %u weight %u: ran %.1f ms, want %.1f ms (error %.2f%%, %llu migrations)",
				 i, e[i].weight, e[i].total_ns / 1e6, want / 1e6, err * 100,
				 (unsigned long long)e[i].migrations);
	}
	assert_true(total >= (blocking ? 39000 : 39990) * MS); /* the 4 cpus were kept busy */
}

static void test_fairness_spinning(void **state UNUSED)
{
	run_fairness(false);
}

static void test_fairness_blocking(void **state UNUSED)
{
	run_fairness(true);
}

/* Threads play cpus (pick/tick/put_prev) and wakers (block/wake) on shared entities at once. */
#define STRESS_CPUS 4
#define STRESS_ENT 12
static struct sched_entity stress_e[STRESS_ENT];
static int stress_stop;
static unsigned long stress_runs[STRESS_CPUS];

static void *stress_cpu(void *arg)
{
	unsigned cpu = (unsigned)(uintptr_t)arg;

	while (!__atomic_load_n(&stress_stop, __ATOMIC_ACQUIRE)) {
		struct sched_entity *se = sched_pick(cpu);

		if (!se)
			continue;
		if (__atomic_load_n(&se->cpu, __ATOMIC_RELAXED) != cpu)
			abort(); /* only this cpu may own its current */
		stress_runs[cpu]++;
		for (int i = 0; i < 3 && !sched_tick(cpu, se, 1000); i++)
			__atomic_fetch_add(&fake_now, 1000, __ATOMIC_RELAXED);
		sched_put_prev(cpu, se, 1000);
	}
	return NULL;
}

static void *stress_waker(void *arg)
{
	unsigned seed = (unsigned)(uintptr_t)arg;
	time_t stop = time(NULL) + 2; /* bounded in time: ticket locks convoy on an oversubscribed host */

	for (int i = 0; i < 200000 && time(NULL) < stop; i++) {
		struct sched_entity *se = &stress_e[rand_r(&seed) % STRESS_ENT];

		if (rand_r(&seed) % 2)
			sched_block(se);
		else
			sched_wake(se);
	}
	return NULL;
}

static void test_stress_threads(void **state UNUSED)
{
	pthread_t cpus[STRESS_CPUS], wakers[2];
	struct sched_cpu_stats cs;
	unsigned queued = 0, running = 0;

	init(STRESS_CPUS, 2000);
	for (unsigned i = 0; i < STRESS_ENT; i++) {
		entity(&stress_e[i], i % 3 == 0 ? SCHED_CLASS_RR : SCHED_CLASS_SHARES, 1 + i, i % 2 ? 0x6 : 0,
		       -1, i);
		sched_wake(&stress_e[i]);
	}
	for (uintptr_t c = 0; c < STRESS_CPUS; c++)
		assert_int_equal(pthread_create(&cpus[c], NULL, stress_cpu, (void *)c), 0);
	for (uintptr_t w = 0; w < 2; w++)
		assert_int_equal(pthread_create(&wakers[w], NULL, stress_waker, (void *)(w + 1)), 0);
	for (int w = 0; w < 2; w++)
		pthread_join(wakers[w], NULL);
	__atomic_store_n(&stress_stop, 1, __ATOMIC_RELEASE);
	for (int c = 0; c < STRESS_CPUS; c++)
		pthread_join(cpus[c], NULL);
	/* quiescent now: the counts agree with the states, every entity is where its mask allows */
	for (unsigned c = 0; c < STRESS_CPUS; c++) {
		assert_int_equal(sched_cpu_stats(c, &cs), 0);
		queued += cs.nr_runnable;
	}
	for (unsigned i = 0; i < STRESS_ENT; i++) {
		assert_true((stress_e[i].cpu_mask >> stress_e[i].cpu) & 1);
		running += stress_e[i].state == SCHED_STATE_RUNNING;
		queued -= stress_e[i].state == SCHED_STATE_RUNNABLE;
	}
	assert_int_equal(queued, 0);
	assert_int_equal(running, 0);
	assert_true(stress_runs[0] + stress_runs[1] + stress_runs[2] + stress_runs[3] > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_batch_placement_spreads_weight),
		cmocka_unit_test(test_wake_placement),
		cmocka_unit_test(test_steal_respects_masks_and_pins),
		cmocka_unit_test(test_steal_from_busiest),
		cmocka_unit_test(test_pinned_exclusive),
		cmocka_unit_test(test_rr_fifo_before_shares),
		cmocka_unit_test(test_rr_cap_protects_shares),
		cmocka_unit_test(test_classes_kept_apart),
		cmocka_unit_test(test_fairness_spinning),
		cmocka_unit_test(test_fairness_blocking),
		cmocka_unit_test(test_stress_threads),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
