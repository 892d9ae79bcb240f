/* SPDX-License-Identifier: MIT */
/* vcpu_switch for tests/bench.sh: two VMs on one host core yield to each other in a loop; under
 * qemu -icount shift=0 the TSC counts instructions, so TSC ticks / switches = instructions per switch. */
#include "lib/guest.h"

const char guest_name[] = "switch";

#define SWITCH_WARMUP 200ul  /* yields before measuring: both VMs are surely running by then */
#define SWITCH_N 20000ul     /* yields measured */

static uint64_t run_ns(void)
{
	return (uint64_t)hypercall(BASALT_HC_RUN_NS, 0, 0, 0);
}

/* Returns the longest single yield in TSC ticks. */
static uint64_t yields(uint64_t n)
{
	uint64_t longest = 0, prev = rdtsc();

	for (uint64_t i = 0; i < n; i++) {
		uint64_t now;

		hypercall(BASALT_HC_YIELD, 0, 0, 0);
		now = rdtsc();
		if (now - prev > longest)
			longest = now - prev;
		prev = now;
	}
	return longest;
}

/* TSC ticks per ns, from the timing leaf (kHz); 1 when the leaf is absent (icount runs at 1 GHz). */
static uint64_t tsc_khz(void)
{
	uint32_t khz = cpuid(BASALT_CPUID_BASE, 0).eax >= BASALT_CPUID_TIMING ? cpuid(BASALT_CPUID_TIMING, 0).eax : 0;

	return khz ? khz : 1000000;
}

void guest_main(void)
{
	uint64_t t0, t1, r0, r1, wall_ns, pct, longest, mean;

	yields(SWITCH_WARMUP);
	r0 = run_ns();
	t0 = rdtsc_ordered();
	longest = yields(SWITCH_N);
	t1 = rdtsc_ordered();
	r1 = run_ns();
	wall_ns = (t1 - t0) * 1000000 / tsc_khz();
	pct = wall_ns ? (r1 - r0) * 100 / wall_ns : 0;
	mean = (t1 - t0) / SWITCH_N;
	/* Each yield hands the core to the other VM, which yields straight back: two switches per
	 * iteration, every yield about as long as the mean, and this VM ran less than half the loop
	 * (the hypervisor's part is charged to neither). A VM alone on its core runs nearly all of it;
	 * VMs taking turns by time slice instead show a yield as long as a slice: no figure then. */
	if (pct > 60 || longest > 16 * mean)
		printf("vcpu_switch unavailable: the yields did not alternate with another vCPU on the core (ran %lu%% of the loop, longest yield %lu ticks, mean %lu)\n",
		       pct, longest, mean);
	else
		printf("BENCH vcpu_switch %lu instructions\n", ((t1 - t0) + SWITCH_N) / (2 * SWITCH_N));
	printf("switch: %lu yields in %lu TSC ticks, ran %lu%% of them, longest yield %lu ticks\n", SWITCH_N,
	       t1 - t0, pct, longest);
	pass(guest_name);
}
