/* SPDX-License-Identifier: MIT */
/* Debug registers are per VM: values survive yields and sleeps, breakpoints fire only where armed. */
#include "lib/hostile.h"

const char guest_name[] = "dr";

/* Two VMs run this image; 16 MiB of RAM is VM a, anything else VM b (same binary, same addresses). */
#define RAM_A (16ul << 20)
#define SLEEP_NS_EACH 4000000ul
#define YIELDS_EACH 2
#define DR7_FIXED (1ul << 10)

struct dr_set {
	uint64_t dr[4], dr7, dr6_bits;
	int exec_slot, watch_slot; /* -1: none */
};

static volatile uint64_t watched;
static volatile unsigned db_count;
static volatile uint64_t db_dr6, db_rip;

/* The execute breakpoint's target: both VMs call it, only VM a arms a breakpoint on it. */
static __attribute__((noinline, aligned(16))) void bp_target(void)
{
	asm volatile("nop" ::: "memory");
}

static void db_handler(struct exc_frame *f)
{
	db_count++;
	db_dr6 = read_dr6();
	db_rip = f->rip;
	write_dr6(DR6_FIXED);
	f->rflags |= RFLAGS_RF; /* an instruction breakpoint is a fault: step over it */
}

/*
 * VM a: DR0 executes at bp_target (L0, RW 00, LEN 00), DR1 watches writes to
 * `watched` (L1, RW 01, LEN 11 = 8 bytes). VM b: DR2 watches `watched` (L2),
 * and DR0's RW/LEN bits are set but not enabled. DR6: B0-B3, BD, BS, BT are
 * the writable bits; each VM writes different ones.
 */
#ifdef DR_WATCH
#define WATCH_A (0x4 | 0x1ul << 20 | 0x3ul << 22)
#define WATCH_B (0x10 | 0x1ul << 24 | 0x3ul << 26)
#else
/*
 * Without DR_WATCH (dr.bin) the write breakpoints are left out: QEMU 7.2 TCG
 * was seen to segfault when one fires in a nested guest, and that must not
 * hide the other results. dr-watch.bin (hostile-dr-watch) has them.
 */
#define WATCH_A 0ul
#define WATCH_B 0ul
#endif

static void pick_set(struct dr_set *s)
{
	bool watch = WATCH_A != 0;

	if (guest_ram_size == RAM_A) {
		*s = (struct dr_set){ { (uint64_t)bp_target, (uint64_t)&watched, 0xa2a2a2a0, 0xa3a3a3a0 },
				      DR7_FIXED | 0x1 | WATCH_A, 0x8 | DR6_BS, 0, watch ? 1 : -1 };
	} else {
		*s = (struct dr_set){ { 0xb0b0b0b0, 0xb1b1b1b0, (uint64_t)&watched, 0xb3b3b3b0 },
				      DR7_FIXED | 0xful << 16 | WATCH_B, 0x2 | 1ul << 13, -1, watch ? 2 : -1 };
	}
}

static void load_set(const struct dr_set *s)
{
	write_dr0(s->dr[0]);
	write_dr1(s->dr[1]);
	write_dr2(s->dr[2]);
	write_dr3(s->dr[3]);
	write_dr7(s->dr7);
}

/* Returns 0 when every register reads back as written, else 1 + the first bad index (4 = DR7). */
static int compare_set(const struct dr_set *s, uint64_t *got)
{
	uint64_t now[5] = { read_dr0(), read_dr1(), read_dr2(), read_dr3(), read_dr7() };
	uint64_t want[5] = { s->dr[0], s->dr[1], s->dr[2], s->dr[3], s->dr7 };

	for (int i = 0; i < 5; i++) {
		if (now[i] != want[i]) {
			*got = now[i];
			return i + 1;
		}
	}
	return 0;
}

static bool check_dr6(const struct dr_set *s)
{
	uint64_t got;

	write_dr6(DR6_FIXED | s->dr6_bits);
	hypercall(BASALT_HC_YIELD, 0, 0, 0);
	got = read_dr6();
	write_dr6(DR6_FIXED);
	return (got & 0xe00f) == s->dr6_bits && (got >> 32) == 0;
}

/* Prints what went wrong, the first few times only. */
static bool complain(const char *what, uint64_t a, uint64_t b)
{
	static unsigned complaints;

	if (complaints++ < 4)
		printf("dr: breakpoint round wrong: %s (0x%lx, 0x%lx)\n", what, a, b);
	return false;
}

/* One breakpoint round: the exec breakpoint fires iff armed, the write breakpoint sets its Bn. */
static bool breakpoints_ok(const struct dr_set *s)
{
	unsigned before = db_count;
	uint64_t bn = s->watch_slot >= 0 ? 1ul << s->watch_slot : 0;

	bp_target();
	if (db_count - before != (s->exec_slot >= 0 ? 1u : 0u))
		return complain("bp_target #DB count", db_count - before, s->exec_slot >= 0);
	if (s->exec_slot >= 0 && (db_rip != (uint64_t)bp_target || !(db_dr6 & 1)))
		return complain("exec #DB rip, DR6", db_rip, db_dr6);
	if (s->watch_slot < 0)
		return true;
	before = db_count;
	watched = watched + 1;
	if (db_count - before != 1)
		return complain("write #DB count", db_count - before, 1);
	if (!(db_dr6 & bn) || (db_dr6 & 0xf & ~bn))
		return complain("write #DB DR6, wanted Bn", db_dr6, bn);
	return true;
}

static void run_rounds(const struct dr_set *s)
{
	unsigned rounds = 0, bad_regs = 0, bad_dr6 = 0, bad_bp = 0;
	int bad_index = 0;
	uint64_t got = 0;

	while (!hostile_phase_over()) {
		for (int y = 0; y < YIELDS_EACH; y++) {
			hypercall(BASALT_HC_YIELD, 0, 0, 0);
			int b = compare_set(s, &got);
			if (b)
				bad_regs++, bad_index = b;
		}
		sleep_ns(SLEEP_NS_EACH);
		int b = compare_set(s, &got);
		if (b)
			bad_regs++, bad_index = b;
		if (!check_dr6(s))
			bad_dr6++;
		if (!breakpoints_ok(s))
			bad_bp++;
		load_set(s);
		rounds++;
	}
	printf("dr: %u rounds, %u #DB\n", rounds, db_count);
	check(rounds >= 3, "dr-rounds", "only %u rounds in the hostile phase", rounds);
	check(bad_regs == 0, "dr-own-values", "%u reads differed; last: %s%d read 0x%lx", bad_regs,
	      bad_index == 5 ? "DR7" : "DR", bad_index == 5 ? 7 : bad_index - 1, got);
	check(bad_dr6 == 0, "dr-dr6", "%u of %u rounds lost the DR6 bits written", bad_dr6, rounds);
	check(bad_bp == 0, "dr-breakpoints", "%u of %u rounds wrong (details above)", bad_bp, rounds);
}

void guest_main(void)
{
	struct dr_set s;

	phase_init();
	pick_set(&s);
	guest_set_handler(EXC_DB, db_handler);
	hostile_wait_start();
	load_set(&s);
	write_dr6(DR6_FIXED);
	run_rounds(&s);
	write_dr7(DR7_FIXED);
	hostile_finish();
}
