/* SPDX-License-Identifier: MIT */
/* CR8 (TPR) is the guest's own: it reads back as written across yields and sleeps, per VM. */
#include "lib/hostile.h"

const char guest_name[] = "cr8";

/*
 * Two VMs run this image; the config tells them apart by RAM size (16 MiB
 * is VM a, anything else VM b) so both share one binary and one layout.
 */
#define RAM_A (16ul << 20)
#define SLEEP_NS_EACH 3000000ul

static uint64_t my_value(void)
{
	return guest_ram_size == RAM_A ? 15 : 6;
}

static void check_all_values(void)
{
	uint64_t bad = 16, got = 0;

	for (uint64_t v = 0; v < 16; v++) {
		write_cr8(v);
		got = read_cr8();
		if (got != v) {
			bad = v;
			break;
		}
	}
	check(bad == 16, "cr8-all-values", "wrote %lu, read %lu", bad, got);
}

/* Yield and sleep until the hostile phase ends; CR8 must stay ours the whole time. */
static void hold_value(uint64_t mine)
{
	unsigned rounds = 0, yield_bad = 0, sleep_bad = 0;
	uint64_t seen = mine;

	while (!hostile_phase_over()) {
		hypercall(BASALT_HC_YIELD, 0, 0, 0);
		if (read_cr8() != mine)
			yield_bad++, seen = read_cr8();
		sleep_ns(SLEEP_NS_EACH);
		if (read_cr8() != mine)
			sleep_bad++, seen = read_cr8();
		write_cr8(mine);
		rounds++;
	}
	printf("cr8: held %lu for %u rounds\n", mine, rounds);
	check(rounds >= 10, "cr8-rounds", "only %u rounds in the hostile phase", rounds);
	check(yield_bad == 0, "cr8-yield", "%u of %u yields came back with CR8 %lu, not %lu", yield_bad, rounds,
	      seen, mine);
	check(sleep_bad == 0, "cr8-sleep", "%u of %u sleeps came back with CR8 %lu, not %lu", sleep_bad, rounds,
	      seen, mine);
}

void guest_main(void)
{
	uint64_t mine = my_value(), got;

	phase_init();
	hostile_wait_start();
	check_all_values();
	write_cr8(15);
	got = read_cr8();
	check(got == 15, "cr8-15", "mov $15,%%cr8 read back %lu", got);
	write_cr8(mine);
	hold_value(mine);
	write_cr8(0);
	hostile_finish();
}
