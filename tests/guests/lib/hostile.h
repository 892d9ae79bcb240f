/* SPDX-License-Identifier: MIT */
/* Shared by the hostile-guest suite: the agreed phase clock, sleeping, and one-line-per-check verdicts. */
#ifndef HOSTILE_H
#define HOSTILE_H

#include "guest.h"

/*
 * Every VM of a hostile-* config agrees on the phase times without talking:
 * each reads the hypervisor clock when it starts (the VMs start within a few
 * time slices of each other) and rounds start + PHASE_MARGIN_NS up to a
 * multiple of PHASE_GRID_NS; that is the origin. The neighbour measures a
 * "quiet" phase [origin, origin + PHASE_NS) while the hostile VMs sleep, then
 * a "hostile" phase of the same length while they attack (until phase_end()).
 * Absolute times do not work: VMs start ~0.15-0.25 s after the hypervisor
 * under QEMU icount but ~2.8 s under Bochs. The rounding can split VMs that
 * start on either side of a grid line; under icount and Bochs the runs are
 * deterministic, so a config either always agrees or never (the neighbour
 * then reports a wrong phase length).
 */
#define PHASE_NS 200000000ul        /* 200 ms of guest time per phase */
#define PHASE_GRID_NS 200000000ul
#define PHASE_MARGIN_NS 150000000ul /* covers the neighbour's pattern fill */

/* Call first thing in guest_main; the others then use its result. */
void phase_init(void);
uint64_t phase_quiet(void);
uint64_t phase_hostile(void);
uint64_t phase_end(void);

uint64_t clock_ns(void);
uint64_t run_ns(void);
/* HLT (with the current RFLAGS.IF) until the clock passes ns. */
void sleep_until(uint64_t ns);
void sleep_ns(uint64_t ns);
/* What every hostile guest does first: sleep through the quiet phase. */
void hostile_wait_start(void);
bool hostile_phase_over(void);

/* Prints "PASS what" or "FAIL what: why"; a failure is counted for hostile_finish(). */
bool check(bool ok, const char *what, const char *why_fmt, ...) __attribute__((format(printf, 3, 4)));
extern int check_failures;
/* The final verdict: pass(guest_name) or fail with the number of failed checks. */
void hostile_finish(void) __attribute__((noreturn));

/* A small seeded generator (xorshift64*), for patterns and the storm. */
uint64_t rng_next(uint64_t *state);

/* Control and debug registers. */
#define DEFINE_CR_ACCESSORS(n)                                                                        \
	static inline uint64_t read_cr##n(void)                                                      \
	{                                                                                            \
		uint64_t v;                                                                          \
		asm volatile("mov %%cr" #n ", %0" : "=r"(v));                                       \
		return v;                                                                            \
	}                                                                                            \
	static inline void write_cr##n(uint64_t v) { asm volatile("mov %0, %%cr" #n : : "r"(v) : "memory"); }
DEFINE_CR_ACCESSORS(0)
DEFINE_CR_ACCESSORS(3)
DEFINE_CR_ACCESSORS(4)
DEFINE_CR_ACCESSORS(8)

#define DEFINE_DR_ACCESSORS(n)                                                                        \
	static inline uint64_t read_dr##n(void)                                                      \
	{                                                                                            \
		uint64_t v;                                                                          \
		asm volatile("mov %%db" #n ", %0" : "=r"(v));                                       \
		return v;                                                                            \
	}                                                                                            \
	static inline void write_dr##n(uint64_t v) { asm volatile("mov %0, %%db" #n : : "r"(v) : "memory"); }
DEFINE_DR_ACCESSORS(0)
DEFINE_DR_ACCESSORS(1)
DEFINE_DR_ACCESSORS(2)
DEFINE_DR_ACCESSORS(3)
DEFINE_DR_ACCESSORS(6)
DEFINE_DR_ACCESSORS(7)

static inline uint64_t rdmsr(uint32_t msr)
{
	uint32_t lo, hi;
	asm volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((uint64_t)hi << 32) | lo;
}

static inline void wrmsr(uint32_t msr, uint64_t v)
{
	asm volatile("wrmsr" : : "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)) : "memory");
}

static inline uint64_t read_rflags(void)
{
	uint64_t v;
	asm volatile("pushfq\n\tpopq %0" : "=r"(v));
	return v;
}

#define RFLAGS_TF (1ul << 8)
#define RFLAGS_IF (1ul << 9)
#define RFLAGS_RF (1ul << 16)
#define DR6_FIXED 0xffff0ff0ul /* reads as 1 when written with 0 (no RTM) */
#define DR6_BS (1ul << 14)

#endif
