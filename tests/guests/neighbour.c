/* SPDX-License-Identifier: MIT */
/* The hostile suite's bystander: memory must stay intact and progress must not drop while others attack. */
#include "lib/hostile.h"

/*
 * Built twice (guests.mk): neighbour-wall judges progress per wall ns (the
 * hostile VMs should be idle to the host), neighbour-run per ns this vCPU
 * actually ran (the hostile VMs are CPU-busy; their share is not ours).
 */
#ifdef NEIGHBOUR_METRIC_RUN
#define METRIC_NAME "run"
#else
#define METRIC_NAME "wall"
#endif

const char guest_name[] = "neighbour";

#define PATTERN_BASE 0x800000ul          /* 8 MiB, above the image and below the stack */
#define PATTERN_BYTES (64ul << 10)             /* small enough to fill within the margin under Bochs */
#define PATTERN_SEED 0x5eed0f0b5a1701ull
#define CHUNK_ITERS 16384u               /* loop iterations between clock reads */
#define MIN_PERMILLE 950u

struct progress {
	uint64_t iters, wall_ns, run_ns;
};

static uint64_t pattern_checksum(bool fill)
{
	uint64_t *p = (uint64_t *)PATTERN_BASE, state = PATTERN_SEED, sum = 0;

	for (uint64_t i = 0; i < PATTERN_BYTES / 8; i++) {
		uint64_t v = rng_next(&state);

		if (fill)
			p[i] = v;
		sum = (sum ^ p[i]) * 0x100000001b3ull;
		if (p[i] != v)
			sum ^= 1; /* any difference is also a checksum difference */
	}
	return sum;
}

/* A fixed CPU-bound loop the compiler cannot shorten. */
static uint64_t work(uint64_t x)
{
	for (unsigned i = 0; i < CHUNK_ITERS; i++) {
		x = x * 6364136223846793005ull + 1442695040888963407ull;
		asm volatile("" : "+r"(x));
	}
	return x;
}

static uint64_t sink;

static struct progress measure_until(uint64_t end_ns)
{
	struct progress p = { 0, clock_ns(), run_ns() };
	uint64_t x = p.wall_ns, now;

	do {
		x = work(x);
		p.iters += CHUNK_ITERS;
		now = clock_ns();
	} while (now < end_ns);
	p.wall_ns = now - p.wall_ns;
	p.run_ns = run_ns() - p.run_ns;
	sink = x;
	return p;
}

/* Iterations per ms of the given ns count. */
static uint64_t per_ms(uint64_t iters, uint64_t ns)
{
	return ns ? iters * 1000000ull / ns : 0;
}

static unsigned permille(uint64_t now, uint64_t before)
{
	return before ? (unsigned)(now * 1000ull / before) : 0;
}

static void report(const struct progress *q, const struct progress *h)
{
	uint64_t qw = per_ms(q->iters, q->wall_ns), qr = per_ms(q->iters, q->run_ns);
	uint64_t hw = per_ms(h->iters, h->wall_ns), hr = per_ms(h->iters, h->run_ns);
	unsigned w = permille(hw, qw), r = permille(hr, qr);
	unsigned judged = 0;

	printf("progress quiet %lu it/ms-wall %lu it/ms-run; hostile %lu it/ms-wall %lu it/ms-run; "
	       "wall %u.%u%% run %u.%u%%\n", qw, qr, hw, hr, w / 10, w % 10, r / 10, r % 10);
#ifdef NEIGHBOUR_METRIC_RUN
	judged = r;
#else
	judged = w;
#endif
	check(judged >= MIN_PERMILLE, "neighbour-progress-" METRIC_NAME,
	      "hostile-phase progress %u.%u%% of quiet on the %s metric, want >= 95%%", judged / 10,
	      judged % 10, METRIC_NAME);
}

void guest_main(void)
{
	uint64_t start, sum, again;
	struct progress quiet, hostile;

	phase_init();
	start = clock_ns();
	printf("neighbour: started at %lu ms, metric %s\n", start / 1000000, METRIC_NAME);
	sum = pattern_checksum(true);
	if (clock_ns() >= phase_quiet())
		fail(guest_name, "set-up ended at %lu ms, after the quiet phase began (%lu ms)",
		     clock_ns() / 1000000, phase_quiet() / 1000000);
	printf("neighbour: quiet phase at %lu ms, hostile at %lu ms\n", phase_quiet() / 1000000,
	       phase_hostile() / 1000000);
	sleep_until(phase_quiet());
	quiet = measure_until(phase_hostile());
	hostile = measure_until(phase_end());
	report(&quiet, &hostile);
	again = pattern_checksum(false);
	check(again == sum, "neighbour-memory", "checksum 0x%lx, was 0x%lx: %lu KiB at 0x%lx changed", again, sum,
	      PATTERN_BYTES >> 10, PATTERN_BASE);
	hostile_finish();
}
