/* SPDX-License-Identifier: MIT */
/* Per-cpu run queues, their locks, entity states and accounting; the policy only orders the queue. */
#include "sched/sched.h"

#include "kernel/errno.h"

/*
 * Invariants, all under rq->lock: state RUNNABLE <=> on rq's queue (counted in
 * nr_runnable); rq->current is the entity picked and not yet put back, whose
 * state is RUNNING, or BLOCKED/DEAD if it was blocked or killed while running.
 */
static struct runqueue runqueues[SCHED_MAX_CPUS];
static unsigned nr_cpus;

static const struct sched_ops *ops_for(enum sched_policy policy)
{
	switch (policy) {
	case SCHED_POLICY_RR:
		return &sched_rr_ops;
	case SCHED_POLICY_SHARES:
		return &sched_shares_ops;
	}
	return NULL;
}

/* nr_cpus is written once at boot, before other cpus run, so reading it unlocked is safe. */
static struct runqueue *rq_of(unsigned cpu)
{
	return cpu < nr_cpus ? &runqueues[cpu] : NULL;
}

static uint64_t add_sat(uint64_t a, uint64_t b)
{
	uint64_t sum;

	return __builtin_add_overflow(a, b, &sum) ? UINT64_MAX : sum;
}

void sched_init(unsigned ncpus, enum sched_policy policy, uint64_t timeslice_ns)
{
	const struct sched_ops *ops = ops_for(policy);

	if (!ops)
		ops = &sched_rr_ops;
	if (ncpus == 0)
		ncpus = 1;
	if (ncpus > SCHED_MAX_CPUS)
		ncpus = SCHED_MAX_CPUS;
	if (timeslice_ns == 0)
		timeslice_ns = SCHED_TIMESLICE_DEFAULT_NS;
	for (unsigned i = 0; i < SCHED_MAX_CPUS; i++) {
		struct runqueue *rq = &runqueues[i];

		spin_lock_init(&rq->lock);
		rq->ops = ops;
		rq->cpu = i;
		rq->current = NULL;
		rq->head = NULL;
		rq->tail = NULL;
		rq->nr_runnable = 0;
		rq->timeslice_ns = timeslice_ns;
		rq->min_vruntime = 0;
		ops->init(rq);
	}
	nr_cpus = ncpus;
}

int sched_set_policy(unsigned cpu, enum sched_policy policy)
{
	struct runqueue *rq = rq_of(cpu);
	const struct sched_ops *ops = ops_for(policy);
	int ret = 0;

	if (!rq || !ops)
		return -EINVAL;
	spin_lock(&rq->lock);
	if (rq->current || rq->head) {
		ret = -EBUSY;
	} else {
		rq->ops = ops;
		ops->init(rq);
	}
	spin_unlock(&rq->lock);
	return ret;
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

void sched_entity_init(struct sched_entity *se, uint32_t weight, unsigned cpu)
{
	se->next = NULL;
	se->state = SCHED_STATE_NEW;
	se->cpu = cpu;
	set_weight(se, weight);
	se->vruntime = 0;
	se->slice_used_ns = 0;
	se->yield_pending = false;
	se->total_ns = 0;
	se->switches_in = 0;
}

void sched_set_weight(struct sched_entity *se, uint32_t weight)
{
	struct runqueue *rq = rq_of(se->cpu);

	if (!rq) {
		set_weight(se, weight);
		return;
	}
	spin_lock(&rq->lock);
	set_weight(se, weight);
	spin_unlock(&rq->lock);
}

static void enqueue_locked(struct runqueue *rq, struct sched_entity *se)
{
	if (se->state == SCHED_STATE_NEW)
		se->vruntime = rq->min_vruntime; /* start at the queue's virtual time, not at 0 */
	se->slice_used_ns = 0;
	se->yield_pending = false;
	se->state = SCHED_STATE_RUNNABLE;
	rq->ops->enqueue(rq, se);
	rq->nr_runnable++;
}

void sched_wake(struct sched_entity *se)
{
	struct runqueue *rq = rq_of(se->cpu);

	if (!rq)
		return;
	spin_lock(&rq->lock);
	if (se->state == SCHED_STATE_BLOCKED && rq->current == se)
		se->state = SCHED_STATE_RUNNING; /* it never left the cpu: cancel the block */
	else if (se->state == SCHED_STATE_NEW || se->state == SCHED_STATE_BLOCKED)
		enqueue_locked(rq, se);
	spin_unlock(&rq->lock);
}

static void leave_queue(struct runqueue *rq, struct sched_entity *se)
{
	if (se->state != SCHED_STATE_RUNNABLE)
		return;
	rq->ops->dequeue(rq, se);
	rq->nr_runnable--;
}

void sched_block(struct sched_entity *se)
{
	struct runqueue *rq = rq_of(se->cpu);

	if (!rq)
		return;
	spin_lock(&rq->lock);
	if (se->state != SCHED_STATE_DEAD) {
		leave_queue(rq, se);
		se->state = SCHED_STATE_BLOCKED;
	}
	spin_unlock(&rq->lock);
}

void sched_kill(struct sched_entity *se)
{
	struct runqueue *rq = rq_of(se->cpu);

	if (!rq) {
		se->state = SCHED_STATE_DEAD;
		return;
	}
	spin_lock(&rq->lock);
	leave_queue(rq, se);
	se->state = SCHED_STATE_DEAD;
	spin_unlock(&rq->lock);
}

static void account_locked(struct runqueue *rq, struct sched_entity *se, uint64_t ran_ns)
{
	se->slice_used_ns = add_sat(se->slice_used_ns, ran_ns);
	se->total_ns = add_sat(se->total_ns, ran_ns);
	if (rq->ops->account)
		rq->ops->account(rq, se, ran_ns);
}

static void put_prev_locked(struct runqueue *rq, struct sched_entity *curr, uint64_t ran_ns)
{
	account_locked(rq, curr, ran_ns);
	rq->current = NULL;
	if (curr->state != SCHED_STATE_RUNNING)
		return;
	curr->state = SCHED_STATE_RUNNABLE;
	rq->ops->put_prev(rq, curr);
	rq->nr_runnable++;
}

struct sched_entity *sched_pick(unsigned cpu)
{
	struct runqueue *rq = rq_of(cpu);
	struct sched_entity *se;

	if (!rq)
		return NULL;
	spin_lock(&rq->lock);
	if (rq->current)
		put_prev_locked(rq, rq->current, 0);
	se = rq->ops->pick_next(rq);
	if (se) {
		rq->nr_runnable--;
		se->state = SCHED_STATE_RUNNING;
		se->switches_in++;
		rq->current = se;
	}
	spin_unlock(&rq->lock);
	return se;
}

void sched_put_prev(unsigned cpu, struct sched_entity *curr, uint64_t ran_ns)
{
	struct runqueue *rq = rq_of(cpu);

	if (!rq || !curr)
		return;
	spin_lock(&rq->lock);
	if (rq->current == curr)
		put_prev_locked(rq, curr, ran_ns);
	spin_unlock(&rq->lock);
}

bool sched_tick(unsigned cpu, struct sched_entity *curr, uint64_t ran_ns)
{
	struct runqueue *rq = rq_of(cpu);
	bool stop = true; /* an entity that is not this cpu's current must not keep running */

	if (!rq || !curr)
		return true;
	spin_lock(&rq->lock);
	if (rq->current == curr) {
		account_locked(rq, curr, ran_ns);
		stop = curr->state != SCHED_STATE_RUNNING || rq->ops->tick(rq, curr);
	}
	spin_unlock(&rq->lock);
	return stop;
}

void sched_yield(unsigned cpu, struct sched_entity *curr)
{
	struct runqueue *rq = rq_of(cpu);

	if (!rq || !curr)
		return;
	spin_lock(&rq->lock);
	if (rq->current == curr && curr->state == SCHED_STATE_RUNNING)
		rq->ops->yield(rq, curr);
	spin_unlock(&rq->lock);
}

uint64_t sched_timeslice_ns(unsigned cpu)
{
	struct runqueue *rq = rq_of(cpu);

	return rq ? rq->timeslice_ns : 0;
}

unsigned sched_nr_runnable(unsigned cpu)
{
	struct runqueue *rq = rq_of(cpu);

	return rq ? __atomic_load_n(&rq->nr_runnable, __ATOMIC_RELAXED) : 0;
}

const char *sched_policy_name(unsigned cpu)
{
	struct runqueue *rq = rq_of(cpu);

	return rq ? rq->ops->name : "none";
}

struct sched_entity *sched_current(unsigned cpu)
{
	struct runqueue *rq = rq_of(cpu);

	return rq ? __atomic_load_n(&rq->current, __ATOMIC_RELAXED) : NULL;
}

void sched_rq_push_head(struct runqueue *rq, struct sched_entity *se)
{
	se->next = rq->head;
	rq->head = se;
	if (!rq->tail)
		rq->tail = se;
}

void sched_rq_push_tail(struct runqueue *rq, struct sched_entity *se)
{
	se->next = NULL;
	if (rq->tail)
		rq->tail->next = se;
	else
		rq->head = se;
	rq->tail = se;
}

/* prev == NULL inserts at the head. */
void sched_rq_insert_after(struct runqueue *rq, struct sched_entity *prev, struct sched_entity *se)
{
	if (!prev) {
		sched_rq_push_head(rq, se);
		return;
	}
	se->next = prev->next;
	prev->next = se;
	if (rq->tail == prev)
		rq->tail = se;
}

struct sched_entity *sched_rq_pop_head(struct runqueue *rq)
{
	struct sched_entity *se = rq->head;

	if (!se)
		return NULL;
	rq->head = se->next;
	if (!rq->head)
		rq->tail = NULL;
	se->next = NULL;
	return se;
}

/* Returns false if se was not queued (the list is left alone). */
bool sched_rq_remove(struct runqueue *rq, struct sched_entity *se)
{
	struct sched_entity *prev = NULL;

	for (struct sched_entity *p = rq->head; p; prev = p, p = p->next) {
		if (p != se)
			continue;
		if (prev)
			prev->next = se->next;
		else
			rq->head = se->next;
		if (rq->tail == se)
			rq->tail = prev;
		se->next = NULL;
		return true;
	}
	return false;
}
