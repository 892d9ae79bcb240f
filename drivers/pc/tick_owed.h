/* SPDX-License-Identifier: MIT */
/* Timer ticks a guest could not take when they came due, kept and raised later one by one. */
#ifndef BASALT_DRIVERS_PC_TICK_OWED_H
#define BASALT_DRIVERS_PC_TICK_OWED_H

#include <stdbool.h>
#include <stdint.h>

/*
 * A guest that counts timer interrupts (Linux's boot-time check that IRQ 0 works wants 5 of about
 * 10 periods; a DOS clock counts every one) loses them whenever its vCPU waits for a host core: the
 * periods that pass meanwhile would all merge into the one edge the interrupt controller latches.
 * So they are owed instead, and raised one at a time once the line can take one, at least
 * `min_ns` apart (KVM's PIT calls this "reinject"). While the line is masked everywhere, at most one
 * is kept: the 8259 latches one edge in IRR while its input is masked (Linux masks IRQ 0 around
 * its handler and relies on that for a one-shot that expires meanwhile), and unmasking must not
 * bring a burst of stale ticks. The owed count is capped: a guest stopped for minutes catches up
 * at most TICK_OWED_MAX ticks.
 * Plain data, guarded by whatever guards its owner (struct vpc: vm->lock).
 */
#define TICK_OWED_MAX 1000u

struct tick_owed {
	unsigned owed;    /* periods that came due and were not raised yet */
	bool raised;      /* an edge was raised (last_ns is meaningful) */
	uint64_t last_ns; /* when the last edge was raised */
};

/* n periods came due; open: the line is not masked everywhere (else one is kept, as the PIC latches). */
static inline void tick_owed_add(struct tick_owed *t, unsigned n, bool open)
{
	if (!open) {
		t->owed = t->owed || n;
		return;
	}
	t->owed = n > TICK_OWED_MAX - t->owed ? TICK_OWED_MAX : t->owed + n;
}

/* Whether to raise one edge at now_ns: one is owed, the line can take it (ready: not still latched
 * from the last one), and the last edge is at least min_ns old. Counts it as raised. */
static inline bool tick_owed_take(struct tick_owed *t, uint64_t now_ns, uint64_t min_ns, bool ready)
{
	if (!t->owed || !ready || (t->raised && now_ns - t->last_ns < min_ns))
		return false;
	t->owed--;
	t->raised = true;
	t->last_ns = now_ns;
	return true;
}

/* When the owner must look again (now_ns: this look): the next period's edge, or min_ns after the
 * last edge while ticks are owed and the line can take one (ready); never sooner than min_ns after
 * the last edge. While the line is not ready (it still holds the last edge), never sooner than
 * min_ns from now either: a fast PIT the guest does not take must not make the host spin, and
 * owed ticks wait for the next period or for whatever makes the line ready (the owner looks then
 * too). UINT64_MAX: never. */
static inline uint64_t tick_owed_next(const struct tick_owed *t, uint64_t next_edge_ns, uint64_t min_ns,
				      uint64_t now_ns, bool ready)
{
	uint64_t earliest = t->raised ? t->last_ns + min_ns : 0;

	if (!ready)
		earliest = now_ns + min_ns;
	else if (t->owed)
		return earliest ? earliest : 1;
	if (next_edge_ns != UINT64_MAX && next_edge_ns < earliest)
		return earliest;
	return next_edge_ns;
}

#endif
