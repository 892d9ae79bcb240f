/* SPDX-License-Identifier: MIT */
/* Per-cpu run queues: entity states, pick/tick/put_prev, the rr-before-shares rule and its cap, accounting. */
#include "sched/sched_internal.h"

#include "kernel/errno.h"

/*
 * Invariants, all under rq->lock: state RUNNABLE <=> on one of rq's queues (counted in
 * nr_runnable); rq->current is the entity picked and not yet put back, whose state is RUNNING,
 * or BLOCKED/DEAD if it was blocked or killed while running; rq->load is the weight of the
 * queued entities plus current's; queue->curr is current when current is of that class.
 */
struct sched_global sched_g;

#define RR_CAP_NS (SCHED_RR_PERIOD_NS / 100 * SCHED_RR_CAP_PCT)

static uint64_t add_sat(uint64_t a, uint64_t b)
{
	uint64_t sum;

	return __builtin_add_overflow(a, b, &sum) ? UINT64_MAX : sum;
}

static uint64_t since(uint64_t now, uint64_t then)
{
	return now > then ? now - then : 0;
}

void sched_init(const struct sched_host *host)
{
	unsigned ncpus = host && host->ncpus ? host->ncpus : 1;

	if (ncpus > SCHED_MAX_CPUS)
		ncpus = SCHED_MAX_CPUS;
	sched_g = (struct sched_global){ 0 };
	if (host)
		sched_g.host = *host;
	sched_g.slice_ns = host && host->timeslice_ns ? host->timeslice_ns : SCHED_TIMESLICE_DEFAULT_NS;
	for (unsigned i = 0; i < SCHED_MAX_CPUS; i++) {
		spin_lock_init(&sched_g.rq[i].lock);
		sched_g.rq[i].cpu = i;
	}
	sched_g.online = ncpus == 64 ? ~0ull : (1ull << ncpus) - 1;
	sched_g.ncpus = ncpus;
}

static void set_weight(struct sched_entity *se, uint32_t weight)
{
	if (weight == 0)
		weight = SCHED_WEIGHT_DEFAULT;
	if (weight > SCHED_WEIGHT_MAX)
		weight = SCHED_WEIGHT_MAX;
	se->weight = weight;
	/* The one division, off the hot path: accounting multiplies by this instead. */
	se->inv_weight = (1ull << 32) / weight;
}

static uint64_t usable_mask(const struct sched_params *p)
{
	uint64_t mask = (p->cpu_mask ? p->cpu_mask : ~0ull) & sched_g.online & ~sched_reserved();

	if (!mask)
		mask = sched_g.online & ~sched_reserved();
	return mask ? mask : sched_g.online; /* every core pinned: admission should have refused */
}

void sched_entity_init(struct sched_entity *se, const struct sched_params *p)
{
	*se = (struct sched_entity){ .state = SCHED_STATE_NEW, .cls = p->cls, .group = p->group };
	set_weight(se, p->weight);
	if (se->cls == SCHED_CLASS_PINNED &&
	    (p->pinned_cpu < 0 || (unsigned)p->pinned_cpu >= sched_g.ncpus))
		se->cls = SCHED_CLASS_SHARES;
	if (se->cls == SCHED_CLASS_PINNED) {
		se->cpu = (unsigned)p->pinned_cpu;
		se->cpu_mask = 1ull << se->cpu;
		__atomic_fetch_or(&sched_g.reserved_mask, se->cpu_mask, __ATOMIC_RELAXED);
		return;
	}
	se->cpu_mask = usable_mask(p);
	se->cpu = (unsigned)__builtin_ctzll(se->cpu_mask & ~sched_reserved() ? se->cpu_mask & ~sched_reserved()
									 : se->cpu_mask);
}

struct runqueue *sched_lock_se(const struct sched_entity *se)
{
	for (;;) {
		unsigned cpu = __atomic_load_n(&se->cpu, __ATOMIC_ACQUIRE);
		struct runqueue *rq = sched_rq(cpu);

		if (!rq)
			return NULL;
		spin_lock(&rq->lock);
		if (__atomic_load_n(&se->cpu, __ATOMIC_RELAXED) == cpu)
			return rq;
		spin_unlock(&rq->lock); /* moved meanwhile: follow it */
	}
}

void sched_lock_pair(struct runqueue *a, struct runqueue *b)
{
	if (a == b) {
		spin_lock(&a->lock);
		return;
	}
	spin_lock(a->cpu < b->cpu ? &a->lock : &b->lock);
	spin_lock(a->cpu < b->cpu ? &b->lock : &a->lock);
}

void sched_unlock_pair(struct runqueue *a, struct runqueue *b)
{
	spin_unlock(&a->lock);
	if (a != b)
		spin_unlock(&b->lock);
}

void sched_enqueue_locked(struct runqueue *rq, struct sched_entity *se, uint64_t now)
{
	if (se->state == SCHED_STATE_NEW)
		se->vruntime = rq->shares.min_vruntime; /* start at the queue's virtual time, not at 0 */
	se->slice_used_ns = 0;
	se->yield_pending = false;
	se->state = SCHED_STATE_RUNNABLE;
	se->wait_since_ns = now;
	sched_ops_of(se)->enqueue(sched_queue_of(rq, se), se);
	rq->nr_runnable++;
	rq->load += se->weight;
}

/* Keeps se's lag relative to the queue floor when it changes queue, so a move neither banks nor loses credit. */
static void carry_vruntime(struct runqueue *from, struct runqueue *to, struct sched_entity *se)
{
	se->vruntime = se->vruntime - from->shares.min_vruntime + to->shares.min_vruntime;
}

void sched_move_locked(struct runqueue *from, struct runqueue *to, struct sched_entity *se)
{
	sched_ops_of(se)->dequeue(sched_queue_of(from, se), se);
	from->nr_runnable--;
	from->load -= se->weight;
	carry_vruntime(from, to, se);
	__atomic_store_n(&se->cpu, to->cpu, __ATOMIC_RELEASE);
	se->migrations++;
	sched_ops_of(se)->enqueue(sched_queue_of(to, se), se); /* keeps its slice and wait start */
	to->nr_runnable++;
	to->load += se->weight;
}

void sched_rehome_locked(struct runqueue *from, struct runqueue *to, struct sched_entity *se)
{
	if (from == to)
		return;
	if (se->state != SCHED_STATE_NEW) {
		carry_vruntime(from, to, se);
		se->migrations++;
	}
	__atomic_store_n(&se->cpu, to->cpu, __ATOMIC_RELEASE);
}

static void leave_queue(struct runqueue *rq, struct sched_entity *se, uint64_t now)
{
	if (se->state != SCHED_STATE_RUNNABLE)
		return;
	sched_ops_of(se)->dequeue(sched_queue_of(rq, se), se);
	rq->nr_runnable--;
	rq->load -= se->weight;
	se->wait_ns = add_sat(se->wait_ns, since(now, se->wait_since_ns));
}

void sched_block(struct sched_entity *se)
{
	struct runqueue *rq = sched_lock_se(se);

	if (!rq)
		return;
	if (se->state != SCHED_STATE_DEAD) {
		leave_queue(rq, se, sched_now());
		se->state = SCHED_STATE_BLOCKED;
	}
	spin_unlock(&rq->lock);
}

void sched_kill(struct sched_entity *se)
{
	struct runqueue *rq = sched_lock_se(se);

	if (se->cls == SCHED_CLASS_PINNED)
		__atomic_fetch_and(&sched_g.reserved_mask, ~se->cpu_mask, __ATOMIC_RELAXED);
	if (!rq) {
		se->state = SCHED_STATE_DEAD;
		return;
	}
	leave_queue(rq, se, sched_now());
	se->state = SCHED_STATE_DEAD;
	spin_unlock(&rq->lock);
}

/* The rr window restarts every SCHED_RR_PERIOD_NS; rr may use RR_CAP_NS of it while shares wait. */
static bool rr_capped(struct runqueue *rq, uint64_t now)
{
	if (since(now, rq->rr_window_start_ns) >= SCHED_RR_PERIOD_NS) {
		rq->rr_window_start_ns = now;
		rq->rr_window_used_ns = 0;
	}
	return rq->rr_window_used_ns >= RR_CAP_NS;
}

static void account_locked(struct runqueue *rq, struct sched_entity *se, uint64_t ran_ns)
{
	const struct sched_class_ops *ops = sched_ops_of(se);

	se->slice_used_ns = add_sat(se->slice_used_ns, ran_ns);
	se->total_ns = add_sat(se->total_ns, ran_ns);
	if (ops->account)
		ops->account(sched_queue_of(rq, se), se, ran_ns);
	if (se->group < SCHED_MAX_GROUPS)
		rq->busy_ns[se->group] = add_sat(rq->busy_ns[se->group], ran_ns);
	else
		rq->busy_other_ns = add_sat(rq->busy_other_ns, ran_ns);
	if (sched_is_rr_queue(se))
		rq->rr_window_used_ns = add_sat(rq->rr_window_used_ns, ran_ns);
}

static void put_prev_locked(struct runqueue *rq, struct sched_entity *curr, uint64_t ran_ns, uint64_t now)
{
	account_locked(rq, curr, ran_ns);
	rq->current = NULL;
	sched_queue_of(rq, curr)->curr = NULL;
	if (curr->state != SCHED_STATE_RUNNING) {
		rq->load -= curr->weight;
		return;
	}
	curr->state = SCHED_STATE_RUNNABLE;
	curr->wait_since_ns = now;
	sched_ops_of(curr)->put_prev(sched_queue_of(rq, curr), curr, sched_g.slice_ns);
	rq->nr_runnable++;
}

/* rr before shares, unless rr used its cap of the window and a shares entity waits. */
static struct sched_entity *pick_locked(struct runqueue *rq, uint64_t now)
{
	struct sched_queue *q = &rq->shares;
	struct sched_entity *se;

	if (rq->rr.nr && !(rq->shares.nr && rr_capped(rq, now)))
		q = &rq->rr;
	se = (q == &rq->rr ? &sched_rr_ops : &sched_shares_ops)->pick_next(q);
	if (!se)
		return NULL;
	rq->nr_runnable--;
	se->state = SCHED_STATE_RUNNING;
	se->switches_in++;
	se->wait_ns = add_sat(se->wait_ns, since(now, se->wait_since_ns));
	rq->current = se;
	q->curr = se;
	return se;
}

static void mark_idle(struct runqueue *rq, bool idle, uint64_t now)
{
	uint64_t bit = 1ull << rq->cpu;

	if (idle == rq->idle)
		return;
	rq->idle = idle;
	if (idle) {
		rq->idle_since_ns = now;
		__atomic_fetch_or(&sched_g.idle_mask, bit, __ATOMIC_RELAXED);
	} else {
		rq->idle_ns = add_sat(rq->idle_ns, since(now, rq->idle_since_ns));
		__atomic_fetch_and(&sched_g.idle_mask, ~bit, __ATOMIC_RELAXED);
	}
}

struct sched_entity *sched_pick(unsigned cpu)
{
	struct runqueue *rq = sched_rq(cpu);
	struct sched_entity *se;
	uint64_t now = sched_now();

	if (!rq)
		return NULL;
	spin_lock(&rq->lock);
	if (rq->current)
		put_prev_locked(rq, rq->current, 0, now);
	se = pick_locked(rq, now);
	if (se)
		mark_idle(rq, false, now);
	spin_unlock(&rq->lock);
	if (se)
		return se;
	/* Nothing here: take work from a busier cpu (never onto or from a pinned core). */
	if (!(sched_reserved() & (1ull << cpu)))
		sched_steal(cpu);
	spin_lock(&rq->lock);
	if (!rq->current)
		se = pick_locked(rq, now);
	mark_idle(rq, !se, now);
	spin_unlock(&rq->lock);
	return se;
}

void sched_put_prev(unsigned cpu, struct sched_entity *curr, uint64_t ran_ns)
{
	struct runqueue *rq = sched_rq(cpu);

	if (!rq || !curr)
		return;
	spin_lock(&rq->lock);
	if (rq->current == curr)
		put_prev_locked(rq, curr, ran_ns, sched_now());
	spin_unlock(&rq->lock);
}

static bool tick_locked(struct runqueue *rq, struct sched_entity *curr, uint64_t now)
{
	bool capped = rr_capped(rq, now);

	if (curr->state != SCHED_STATE_RUNNING)
		return true;
	if (sched_is_rr_queue(curr)) {
		if (capped && rq->shares.nr)
			return true; /* the cap: a waiting shares entity gets the rest of the window */
		return sched_rr_ops.tick(&rq->rr, curr, sched_g.slice_ns);
	}
	if (rq->rr.nr && !capped)
		return true; /* rr is served first */
	return sched_shares_ops.tick(&rq->shares, curr, sched_g.slice_ns);
}

bool sched_tick(unsigned cpu, struct sched_entity *curr, uint64_t ran_ns)
{
	struct runqueue *rq = sched_rq(cpu);
	bool stop = true; /* an entity that is not this cpu's current must not keep running */
	int taker = -1;

	if (!rq || !curr)
		return true;
	spin_lock(&rq->lock);
	if (rq->current == curr) {
		account_locked(rq, curr, ran_ns);
		stop = tick_locked(rq, curr, sched_now());
		if (rq->nr_runnable > (stop ? 1u : 0u))
			taker = sched_idle_taker(rq);
	}
	spin_unlock(&rq->lock);
	sched_kick(taker);
	return stop;
}

bool sched_tick_needed(unsigned cpu)
{
	struct runqueue *rq = sched_rq(cpu);

	return rq && __atomic_load_n(&rq->nr_runnable, __ATOMIC_RELAXED) > 0;
}

void sched_yield(unsigned cpu, struct sched_entity *curr)
{
	struct runqueue *rq = sched_rq(cpu);

	if (!rq || !curr)
		return;
	spin_lock(&rq->lock);
	if (rq->current == curr && curr->state == SCHED_STATE_RUNNING)
		sched_ops_of(curr)->yield(curr, sched_g.slice_ns);
	spin_unlock(&rq->lock);
}

uint64_t sched_timeslice_ns(void)
{
	return sched_g.slice_ns;
}

unsigned sched_ncpus(void)
{
	return sched_g.ncpus;
}

unsigned sched_nr_runnable(unsigned cpu)
{
	struct runqueue *rq = sched_rq(cpu);

	return rq ? __atomic_load_n(&rq->nr_runnable, __ATOMIC_RELAXED) : 0;
}

const char *sched_class_name(enum sched_class cls)
{
	switch (cls) {
	case SCHED_CLASS_PINNED: return "pinned";
	case SCHED_CLASS_RR: return "rr";
	case SCHED_CLASS_SHARES: return "shares";
	}
	return "?";
}

void sched_entity_stats(const struct sched_entity *se, struct sched_entity_stats *out)
{
	struct runqueue *rq = sched_lock_se(se);

	*out = (struct sched_entity_stats){ .state = se->state, .cpu = se->cpu, .run_ns = se->total_ns,
					    .wait_ns = se->wait_ns, .switches = se->switches_in,
					    .migrations = se->migrations };
	if (rq && se->state == SCHED_STATE_RUNNABLE)
		out->wait_ns = add_sat(out->wait_ns, since(sched_now(), se->wait_since_ns));
	if (rq)
		spin_unlock(&rq->lock);
}

int sched_cpu_stats(unsigned cpu, struct sched_cpu_stats *out)
{
	struct runqueue *rq = sched_rq(cpu);

	if (!rq)
		return -EINVAL;
	spin_lock(&rq->lock);
	for (unsigned g = 0; g < SCHED_MAX_GROUPS; g++)
		out->busy_ns[g] = rq->busy_ns[g];
	out->busy_other_ns = rq->busy_other_ns;
	out->idle_ns = rq->idle_ns + (rq->idle ? since(sched_now(), rq->idle_since_ns) : 0);
	out->nr_runnable = rq->nr_runnable;
	out->reserved = (sched_reserved() >> cpu) & 1;
	spin_unlock(&rq->lock);
	return 0;
}
