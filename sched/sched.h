/* SPDX-License-Identifier: MIT */
/* Scheduler interface: per-core run queues of opaque entities, a policy per entity, placement, accounting. */
#ifndef BASALT_SCHED_H
#define BASALT_SCHED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sched/spinlock.h"

/*
 * Policies (one per entity, i.e. per VM, chosen in its DTB node):
 *
 *  pinned  The entity owns one host core (sched_params.pinned_cpu) exclusively: no other entity
 *          is ever placed there or stolen onto it, and the core never steals. While it runs
 *          there is nobody who could wait, so sched_tick_needed() is false: the run loop arms
 *          no slice timer (device timers only). Admission (kernel/config_sched.c) guarantees no
 *          two pinned entities share a core and removes pinned cores from other VMs' masks; the
 *          scheduler also keeps pinned cores out of every other entity's mask itself.
 *  rr      Fixed time slice, strict FIFO round robin among the rr entities of a core; a turn cut
 *          short (an exit the core chose to reschedule on) resumes at the head.
 *  shares  Weighted fair share: the smallest weighted virtual time runs (vruntime advances by
 *          ran_ns * 1024 / weight), the default.
 *
 * rr and shares on one core: rr is a class served before shares (as SCHED_RR before CFS: a
 * latency-sensitive guest asked for it) but with a bandwidth cap: in each SCHED_RR_PERIOD_NS
 * window rr entities of a core may run at most SCHED_RR_CAP_PCT percent while a shares entity
 * waits there. So a spinning rr guest delays a shares neighbour, never starves it (a hostile
 * guest must not harm others). Placement keeps the classes apart where masks allow (a core with
 * entities of the other class is chosen only when no core without them is allowed).
 *
 * Placement (sched_wake): a woken or new entity goes where it can run soonest: its last cpu if
 * that is idle; else an idle cpu of its mask; else the allowed cpu with the least weighted load
 * (sum of weights of its queued and running entities, other class counting as worse). An idle
 * cpu (sched_pick finds nothing) steals the first runnable, unpinned entity allowed on it from
 * the busiest other queue. sched_tick on a cpu with waiters kicks an idle cpu that may take one.
 * No periodic weight balancing beyond that: sched_wake_many places a batch of new entities in
 * decreasing weight order (greedy longest-first), which spreads equal-weight-sum sets evenly.
 *
 * Locks. Each run queue has a ticket lock. It guards the queue, the rq fields and every mutable
 * field of the entities whose se->cpu is that rq. se->cpu changes only with both the old and the
 * new rq lock held, so a caller reads se->cpu unlocked, locks that rq and checks se->cpu again.
 * Two rq locks are always taken in ascending cpu order (lock_pair), never one while holding a
 * higher one, so there is no deadlock. The class fields of an entity (cls, mask, weight, group,
 * pinned_cpu) are written only by sched_entity_init, before the entity is woken. The host's
 * resched_cpu callback is always called with no rq lock held. Global masks (idle, reserved)
 * are atomics read as hints: every decision based on them is re-checked under the rq lock.
 * Lock order with the rest of Basalt: vm->lock -> rq locks -> console lock.
 *
 * Every sched_* function may be called from any cpu concurrently, except sched_init (once, boot
 * cpu, before the others run) and sched_entity_init (before the entity is first woken, by its
 * owner). sched_pick/sched_put_prev/sched_tick/sched_yield/sched_tick_needed(cpu) are called by
 * cpu itself (they would be correct from elsewhere, but the run loop owns "current").
 */

enum sched_class { SCHED_CLASS_PINNED = 0, SCHED_CLASS_RR = 1, SCHED_CLASS_SHARES = 2 };
enum sched_state {
	SCHED_STATE_NEW,      /* initialised, never woken */
	SCHED_STATE_RUNNABLE, /* on its run queue, waiting; exactly the queued ones */
	SCHED_STATE_RUNNING,  /* rq->current of its cpu */
	SCHED_STATE_BLOCKED,  /* off the queue until sched_wake */
	SCHED_STATE_DEAD,     /* off the queue for good */
};

#define SCHED_MAX_CPUS 64
#define SCHED_MAX_GROUPS 16 /* groups (VMs) accounted per cpu; group ids >= this are not */
#define SCHED_WEIGHT_MIN 1u
#define SCHED_WEIGHT_MAX 10000u
#define SCHED_WEIGHT_DEFAULT 100u
#define SCHED_TIMESLICE_DEFAULT_NS 10000000ull /* 10 ms, used when sched_init gets 0 */
#define SCHED_RR_PERIOD_NS 100000000ull        /* rr bandwidth window: 100 ms */
#define SCHED_RR_CAP_PCT 95u                   /* rr share of a window while shares wait */

/* What the host gives the scheduler. */
struct sched_host {
	unsigned ncpus;         /* cpus that run a scheduler loop (1..SCHED_MAX_CPUS) */
	uint64_t timeslice_ns;  /* rr slice, shares minimum granularity; 0 = default */
	uint64_t (*now_ns)(void); /* monotonic clock for wait/idle accounting and the rr window */
	/*
	 * Called (never under an rq lock) when cpu should run its scheduler again soon: an idle
	 * cpu got work, or an entity queued there should preempt the current one. cpu may be the
	 * caller's own. The host sets a flag for cpu and kicks it (IPI) if it is another cpu; the
	 * run loop of cpu then treats it like a timer tick (sched_tick, or sched_pick when idle).
	 * May be NULL (single cpu tests).
	 */
	void (*resched_cpu)(unsigned cpu);
};

/* How one entity is scheduled; fixed for its life. */
struct sched_params {
	enum sched_class cls;
	uint32_t weight;    /* shares weight 1..10000 (0 = default); also its load for placement */
	uint64_t cpu_mask;  /* allowed cpus (bit n = cpu n); 0 = all; cut to the online cpus */
	int pinned_cpu;     /* SCHED_CLASS_PINNED: the core it owns (must be in range); else ignored */
	unsigned group;     /* accounting group (the VM id), < SCHED_MAX_GROUPS to be counted */
};

/*
 * Embedded in the core's struct vcpu (container_of gets back to it). The core owns the storage,
 * initialises it with sched_entity_init and afterwards only reads it through the stats call.
 */
struct sched_entity {
	struct sched_entity *next; /* queue link owned by the class */
	enum sched_state state;
	unsigned cpu;              /* run queue it belongs to (see the lock rules above) */
	enum sched_class cls;      /* fixed after init */
	uint64_t cpu_mask;         /* fixed after init: allowed cpus, never empty */
	unsigned group;            /* fixed after init */
	uint32_t weight;           /* 1..10000 */
	uint64_t inv_weight;       /* 2^32 / weight: shares multiplies instead of dividing */
	uint64_t vruntime;         /* shares: weighted virtual time */
	uint64_t slice_used_ns;    /* time used in the current slice */
	bool yield_pending;        /* shares: the next put_prev must let someone else go first */
	uint64_t wait_since_ns;    /* now_ns when it became RUNNABLE */
	uint64_t total_ns;         /* statistics: time run */
	uint64_t wait_ns;          /* statistics: time RUNNABLE but not running (steal) */
	uint64_t switches_in;      /* statistics: times picked */
	uint64_t migrations;       /* statistics: times moved to another cpu */
};

/* One class's queue on one cpu. */
struct sched_queue {
	struct sched_entity *head, *tail; /* queued entities of the class (never current) */
	unsigned nr;
	uint64_t min_vruntime;           /* shares: monotonic floor for wakers */
	struct sched_entity *curr;       /* the cpu's current if it is of this class, else NULL */
};

/* One per cpu, guarded by lock. Cache-line aligned so cores do not share lines. */
struct runqueue {
	spinlock_t lock;
	unsigned cpu;
	struct sched_entity *current; /* picked and not yet put back, or NULL */
	struct sched_queue rr;        /* pinned and rr entities, FIFO */
	struct sched_queue shares;    /* shares entities by vruntime */
	unsigned nr_runnable;         /* queued in both, i.e. state RUNNABLE */
	uint64_t load;                /* weights of queued + running entities */
	uint64_t rr_window_start_ns;  /* rr bandwidth window */
	uint64_t rr_window_used_ns;
	bool idle;                    /* the last pick found nothing */
	uint64_t idle_since_ns;
	uint64_t idle_ns;             /* statistics */
	uint64_t busy_ns[SCHED_MAX_GROUPS]; /* statistics: run time per group */
	uint64_t busy_other_ns;       /* statistics: run time of groups >= SCHED_MAX_GROUPS */
} __attribute__((aligned(64)));

/* A class orders one queue; all ops run under the rq lock. The common code keeps states. */
struct sched_class_ops {
	const char *name;
	void (*enqueue)(struct sched_queue *q, struct sched_entity *se); /* woken or new, slice reset */
	void (*dequeue)(struct sched_queue *q, struct sched_entity *se);
	struct sched_entity *(*pick_next)(struct sched_queue *q);        /* remove and return, or NULL */
	void (*put_prev)(struct sched_queue *q, struct sched_entity *se, uint64_t slice_ns);
	void (*account)(struct sched_queue *q, struct sched_entity *se, uint64_t ran_ns); /* may be NULL */
	/* true = another entity of this queue should run instead of curr now */
	bool (*tick)(const struct sched_queue *q, const struct sched_entity *curr, uint64_t slice_ns);
	void (*yield)(struct sched_entity *curr, uint64_t slice_ns);
};

extern const struct sched_class_ops sched_rr_ops, sched_shares_ops;

/* Once, on the boot cpu, before any other call; again forgets everything (tests). */
void sched_init(const struct sched_host *host);

/* Prepares se (state NEW) with p, clamped: weight to 1..10000, mask to the online cpus (empty ->
 * all online non-pinned cpus), a pinned_cpu out of range makes it SCHED_CLASS_SHARES. A pinned
 * entity reserves its core from here until sched_kill. */
void sched_entity_init(struct sched_entity *se, const struct sched_params *p);

/* NEW/BLOCKED -> RUNNABLE, placed as described above (pinned: on its core); no-op if already
 * runnable/running or dead. If se blocked while still current it simply becomes RUNNING again. */
void sched_wake(struct sched_entity *se);

/* Wakes n entities, heaviest first (ties in array order), so new sets spread by weight. */
void sched_wake_many(struct sched_entity *const *ses, unsigned n);

/* NEW, RUNNING or RUNNABLE -> BLOCKED. A RUNNING se stays current until sched_put_prev. */
void sched_block(struct sched_entity *se);

/* any -> DEAD, never picked again; releases a pinned core. Like block for a running se. */
void sched_kill(struct sched_entity *se);

/*
 * Next entity to run on cpu (RUNNING, rq->current, switches_in++), stealing one from the busiest
 * other queue when cpu's own are empty; NULL if none. Call on cpu itself, after putting back the
 * previous one (a forgotten current is put back with 0 ns).
 */
struct sched_entity *sched_pick(unsigned cpu);

/* curr stops running on cpu after ran_ns more (not yet given to sched_tick). Accounts it; a
 * still RUNNING curr goes back to its queue (rr: at the head if its slice is not used up). */
void sched_put_prev(unsigned cpu, struct sched_entity *curr, uint64_t ran_ns);

/*
 * curr ran ran_ns more (since pick or the last tick) on cpu. Returns true when curr should stop
 * now (its slice is over and someone waits, an rr entity preempts a shares one, the rr cap is
 * reached, or curr is no longer RUNNING); the caller then calls sched_put_prev(cpu, curr, 0).
 */
bool sched_tick(unsigned cpu, struct sched_entity *curr, uint64_t ran_ns);

/* False when nobody waits on cpu: the current entity runs on without a slice timer (a pinned
 * core always; any core with one runnable). A later wake onto cpu calls resched_cpu(cpu). */
bool sched_tick_needed(unsigned cpu);

/* curr gives up its slice: the next sched_tick says stop if anyone waits, and the next
 * sched_put_prev queues it behind another entity. */
void sched_yield(unsigned cpu, struct sched_entity *curr);

uint64_t sched_timeslice_ns(void);
unsigned sched_ncpus(void);
unsigned sched_nr_runnable(unsigned cpu);        /* queued (waiting) entities, racy snapshot */
const char *sched_class_name(enum sched_class cls); /* "pinned", "rr", "shares", "?" */

/* Snapshots for the report and the management shell, taken under the rq lock. */
struct sched_entity_stats {
	enum sched_state state;
	unsigned cpu;            /* last (or current) cpu */
	uint64_t run_ns, wait_ns, switches, migrations;
};
void sched_entity_stats(const struct sched_entity *se, struct sched_entity_stats *out);

struct sched_cpu_stats {
	uint64_t busy_ns[SCHED_MAX_GROUPS]; /* run time per group on this cpu */
	uint64_t busy_other_ns;
	uint64_t idle_ns;                   /* time its picks found nothing, up to now */
	unsigned nr_runnable;
	bool reserved;                      /* owned by a pinned entity */
};
int sched_cpu_stats(unsigned cpu, struct sched_cpu_stats *out); /* 0, or -EINVAL for a bad cpu */

/* Queue helpers for classes: rq lock held, se on q. */
void sched_q_push_head(struct sched_queue *q, struct sched_entity *se);
void sched_q_push_tail(struct sched_queue *q, struct sched_entity *se);
void sched_q_insert_after(struct sched_queue *q, struct sched_entity *prev, struct sched_entity *se);
struct sched_entity *sched_q_pop_head(struct sched_queue *q);
bool sched_q_remove(struct sched_queue *q, struct sched_entity *se);

#endif
