/* SPDX-License-Identifier: MIT */
/* Scheduler interface: per-core run queues of opaque entities, policies behind struct sched_ops. */
#ifndef BASALT_SCHED_H
#define BASALT_SCHED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sched/spinlock.h"

enum sched_policy { SCHED_POLICY_RR = 0, SCHED_POLICY_SHARES = 1 };
enum sched_state {
	SCHED_STATE_NEW,      /* initialised, never woken */
	SCHED_STATE_RUNNABLE, /* on its run queue, waiting; exactly the queued ones */
	SCHED_STATE_RUNNING,  /* rq->current of its cpu */
	SCHED_STATE_BLOCKED,  /* off the queue until sched_wake */
	SCHED_STATE_DEAD,     /* off the queue for good */
};

#define SCHED_MAX_CPUS 64
#define SCHED_WEIGHT_MIN 1u
#define SCHED_WEIGHT_MAX 10000u
#define SCHED_WEIGHT_DEFAULT 100u
#define SCHED_TIMESLICE_DEFAULT_NS 10000000ull /* 10 ms, used when sched_init gets 0 */

/*
 * Embedded in the core's struct vcpu (container_of gets back to it). The core
 * owns the storage, initialises it with sched_entity_init and afterwards only
 * reads it (statistics); all writes go through the sched_* functions.
 */
struct sched_entity {
	struct sched_entity *next; /* queue link owned by the policy */
	enum sched_state state;
	unsigned cpu;              /* run queue it belongs to; fixed after init */
	uint32_t weight;           /* shares (1..10000); rr ignores it */
	uint64_t inv_weight;       /* 2^32 / weight: shares multiplies instead of dividing */
	uint64_t vruntime;         /* shares policy: weighted virtual time */
	uint64_t slice_used_ns;    /* time used in the current slice */
	bool yield_pending;        /* shares: the next put_prev must let someone else go first */
	uint64_t total_ns;         /* statistics: time run in total */
	uint64_t switches_in;      /* statistics: times picked */
};

/*
 * One per cpu. Policies use head/tail/min_vruntime as they like; the common
 * code owns the rest. Cache-line aligned so cores do not share lines.
 */
struct runqueue {
	spinlock_t lock;
	const struct sched_ops *ops;
	unsigned cpu;
	struct sched_entity *current; /* picked and not yet put back, or NULL */
	struct sched_entity *head;    /* queued entities (never current) */
	struct sched_entity *tail;
	unsigned nr_runnable;         /* entities queued, i.e. in state RUNNABLE */
	uint64_t timeslice_ns;        /* rr slice; shares minimum granularity */
	uint64_t min_vruntime;        /* shares: monotonic floor for wakers */
} __attribute__((aligned(64)));

/*
 * A policy. All ops run with rq->lock held, and only on entities of this rq.
 * The common code keeps state and nr_runnable; ops only order the queue.
 */
struct sched_ops {
	const char *name;
	void (*init)(struct runqueue *rq);
	/* se becomes runnable on rq (woken or new); its slice was reset. */
	void (*enqueue)(struct runqueue *rq, struct sched_entity *se);
	/* remove a queued se */
	void (*dequeue)(struct runqueue *rq, struct sched_entity *se);
	/* remove and return the next to run, or NULL */
	struct sched_entity *(*pick_next)(struct runqueue *rq);
	/* se stopped running and is still runnable: queue it again */
	void (*put_prev)(struct runqueue *rq, struct sched_entity *se);
	/* se ran ran_ns more (slice_used_ns/total_ns already updated); may be NULL */
	void (*account)(struct runqueue *rq, struct sched_entity *se, uint64_t ran_ns);
	/* curr's slice state was updated; true = someone else should run now */
	bool (*tick)(struct runqueue *rq, struct sched_entity *curr);
	/* curr gives up the rest of its slice */
	void (*yield)(struct runqueue *rq, struct sched_entity *curr);
};

extern const struct sched_ops sched_rr_ops, sched_shares_ops;

/*
 * Sets up ncpus run queues (clamped to 1..SCHED_MAX_CPUS), all with one policy
 * and slice (0 = SCHED_TIMESLICE_DEFAULT_NS). Call once on the boot cpu before
 * any other sched_* call; calling again forgets every queued entity.
 */
void sched_init(unsigned ncpus, enum sched_policy policy, uint64_t timeslice_ns);

/* Changes one cpu's policy; only while it has nothing queued or running. 0, -EINVAL or -EBUSY. */
int sched_set_policy(unsigned cpu, enum sched_policy policy);

/*
 * Prepares se for cpu, state NEW. weight is clamped to 1..10000 (0 means
 * SCHED_WEIGHT_DEFAULT). An se on a cpu >= ncpus is ignored by every call
 * but sched_kill.
 */
void sched_entity_init(struct sched_entity *se, uint32_t weight, unsigned cpu);

/* Changes se's weight (clamped as above); takes effect from the next accounting. */
void sched_set_weight(struct sched_entity *se, uint32_t weight);

/*
 * NEW/BLOCKED -> RUNNABLE on its cpu's queue with a fresh slice; no-op if
 * already runnable/running or dead. Safe from any cpu. If se blocked while
 * still current (not yet put back) it simply becomes RUNNING again.
 */
void sched_wake(struct sched_entity *se);

/* NEW, RUNNING or RUNNABLE -> BLOCKED (removed from queue). A RUNNING se stays
 * current until its cpu calls sched_put_prev. */
void sched_block(struct sched_entity *se);

/* any -> DEAD, removed from queue, never picked again. Like block for a running se. */
void sched_kill(struct sched_entity *se);

/*
 * Next entity to run on cpu (becomes RUNNING and rq->current; switches_in++),
 * or NULL if none is runnable. Call only on cpu itself, after putting back the
 * previous one (a forgotten current is put back with 0 ns).
 */
struct sched_entity *sched_pick(unsigned cpu);

/*
 * curr stops running on cpu after ran_ns more (time not yet given to
 * sched_tick). Accounts it; if curr is still RUNNING it goes back to the queue
 * as RUNNABLE (rr: at the head if its slice is not used up). Clears current.
 */
void sched_put_prev(unsigned cpu, struct sched_entity *curr, uint64_t ran_ns);

/*
 * curr ran ran_ns more (since pick or the last tick) on cpu: accounts it.
 * Returns true when curr should stop now (slice over and someone waits, or it
 * is no longer RUNNING); the caller then calls sched_put_prev(cpu, curr, 0).
 */
bool sched_tick(unsigned cpu, struct sched_entity *curr, uint64_t ran_ns);

/* curr gives up its slice: the next sched_tick says stop if anyone waits, and
 * the next sched_put_prev queues it behind another entity. */
void sched_yield(unsigned cpu, struct sched_entity *curr);

uint64_t sched_timeslice_ns(unsigned cpu);   /* 0 for a bad cpu */
unsigned sched_nr_runnable(unsigned cpu);    /* queued (waiting) entities, not the current one */
const char *sched_policy_name(unsigned cpu); /* "rr", "shares", or "none" for a bad cpu */
struct sched_entity *sched_current(unsigned cpu); /* racy snapshot, for statistics */

/* Queue helpers for policies: rq->lock held, se on rq. */
void sched_rq_push_head(struct runqueue *rq, struct sched_entity *se);
void sched_rq_push_tail(struct runqueue *rq, struct sched_entity *se);
void sched_rq_insert_after(struct runqueue *rq, struct sched_entity *prev, struct sched_entity *se);
struct sched_entity *sched_rq_pop_head(struct runqueue *rq);
bool sched_rq_remove(struct runqueue *rq, struct sched_entity *se);

#endif
