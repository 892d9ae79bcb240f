/* SPDX-License-Identifier: MIT */
/* Shared by sched.c (states, pick, accounting) and sched_place.c (placement, stealing); not for other modules. */
#ifndef BASALT_SCHED_INTERNAL_H
#define BASALT_SCHED_INTERNAL_H

#include "sched/sched.h"

/*
 * Written by sched_init only (before other cpus run): ncpus, online, slice_ns, host. The masks
 * are atomics: idle (bit set while a cpu's last pick found nothing) and reserved (cores owned by
 * a pinned entity); both are hints, re-checked under the rq lock where it matters.
 */
struct sched_global {
	struct runqueue rq[SCHED_MAX_CPUS];
	unsigned ncpus;
	uint64_t online;
	uint64_t slice_ns;
	struct sched_host host;
	uint64_t idle_mask;
	uint64_t reserved_mask;
};

extern struct sched_global sched_g;

static inline struct runqueue *sched_rq(unsigned cpu)
{
	return cpu < sched_g.ncpus ? &sched_g.rq[cpu] : NULL;
}

static inline uint64_t sched_now(void)
{
	return sched_g.host.now_ns ? sched_g.host.now_ns() : 0;
}

static inline uint64_t sched_reserved(void)
{
	return __atomic_load_n(&sched_g.reserved_mask, __ATOMIC_RELAXED);
}

static inline bool sched_is_rr_queue(const struct sched_entity *se)
{
	return se->cls != SCHED_CLASS_SHARES;
}

static inline struct sched_queue *sched_queue_of(struct runqueue *rq, const struct sched_entity *se)
{
	return sched_is_rr_queue(se) ? &rq->rr : &rq->shares;
}

static inline const struct sched_class_ops *sched_ops_of(const struct sched_entity *se)
{
	return sched_is_rr_queue(se) ? &sched_rr_ops : &sched_shares_ops;
}

static inline void sched_kick(int cpu)
{
	if (cpu >= 0 && sched_g.host.resched_cpu)
		sched_g.host.resched_cpu((unsigned)cpu);
}

/* Locks the rq se belongs to, stable against a concurrent move; NULL (nothing locked) if none. */
struct runqueue *sched_lock_se(const struct sched_entity *se);
/* Both locks, lower cpu first (a == b takes one). */
void sched_lock_pair(struct runqueue *a, struct runqueue *b);
void sched_unlock_pair(struct runqueue *a, struct runqueue *b);

/* rq lock held. se NEW/BLOCKED, se->cpu == rq: becomes RUNNABLE there. */
void sched_enqueue_locked(struct runqueue *rq, struct sched_entity *se, uint64_t now);
/* Both locks held, se RUNNABLE on from: moves it to to (se->cpu, counts, vruntime, migrations). */
void sched_move_locked(struct runqueue *from, struct runqueue *to, struct sched_entity *se);
/* Both locks held, se NEW/BLOCKED on from (not current): re-homes it on to before an enqueue. */
void sched_rehome_locked(struct runqueue *from, struct runqueue *to, struct sched_entity *se);

/* From sched_place.c: pulls one runnable entity allowed on cpu into cpu's queue; true if it did. */
bool sched_steal(unsigned cpu);
/* rq lock held, rq has waiters: an idle cpu that could take one of them, or -1. */
int sched_idle_taker(struct runqueue *rq);

#endif
