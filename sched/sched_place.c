/* SPDX-License-Identifier: MIT */
/* Where entities run: wake-up placement, batch placement by weight, stealing by idle cpus, class queue helpers. */
#include "sched/sched_internal.h"

/* Unlocked reads of another cpu's queue: hints only, every choice is re-checked under its lock. */
static bool looks_idle(const struct runqueue *rq)
{
	return !__atomic_load_n(&rq->current, __ATOMIC_RELAXED) &&
	       !__atomic_load_n(&rq->nr_runnable, __ATOMIC_RELAXED);
}

/* Entities of the other class there (queued or running), so placement can keep classes apart. */
static bool has_other_class(const struct runqueue *rq, const struct sched_entity *se)
{
	const struct sched_queue *other = sched_is_rr_queue(se) ? &rq->shares : &rq->rr;

	return __atomic_load_n(&other->nr, __ATOMIC_RELAXED) || __atomic_load_n(&other->curr, __ATOMIC_RELAXED);
}

static uint64_t place_cost(const struct runqueue *rq, const struct sched_entity *se)
{
	uint64_t load = __atomic_load_n(&rq->load, __ATOMIC_RELAXED);

	return (has_other_class(rq, se) ? 1ull << 62 : 0) + load;
}

/* Last cpu if idle; else an idle allowed cpu; else the cheapest (ties: last cpu, then the lowest). */
static unsigned choose_cpu(const struct sched_entity *se, unsigned last)
{
	uint64_t allowed = se->cpu_mask & ~sched_reserved();
	unsigned best = last;
	uint64_t best_cost = UINT64_MAX;

	if (se->cls == SCHED_CLASS_PINNED || !allowed)
		return last;
	if ((allowed >> last) & 1) {
		if (looks_idle(&sched_g.rq[last]))
			return last;
		best_cost = place_cost(&sched_g.rq[last], se);
	}
	for (uint64_t m = allowed; m; m &= m - 1) {
		unsigned cpu = (unsigned)__builtin_ctzll(m);

		if (looks_idle(&sched_g.rq[cpu]))
			return cpu;
	}
	for (uint64_t m = allowed; m; m &= m - 1) {
		unsigned cpu = (unsigned)__builtin_ctzll(m);
		uint64_t cost = place_cost(&sched_g.rq[cpu], se);

		if (cost < best_cost) {
			best = cpu;
			best_cost = cost;
		}
	}
	return best;
}

/* se was just queued on rq: does rq's cpu need to look again? (idle, its current ran without a
 * slice timer because nobody waited, or an rr entity arrived over a shares current) */
static bool needs_kick(const struct runqueue *rq, const struct sched_entity *se)
{
	const struct sched_entity *curr = rq->current;

	if (!curr || rq->nr_runnable == 1)
		return true;
	return sched_is_rr_queue(se) && !sched_is_rr_queue(curr);
}

/* Both locks held and se->cpu == from->cpu: -1, or the cpu to kick. */
static int wake_locked(struct runqueue *from, struct runqueue *to, struct sched_entity *se)
{
	if (se->state == SCHED_STATE_BLOCKED && from->current == se) {
		se->state = SCHED_STATE_RUNNING; /* it never left the cpu: cancel the block */
		return -1;
	}
	if (se->state != SCHED_STATE_NEW && se->state != SCHED_STATE_BLOCKED)
		return -1;
	sched_rehome_locked(from, to, se);
	sched_enqueue_locked(to, se, sched_now());
	return needs_kick(to, se) ? (int)to->cpu : -1;
}

void sched_wake(struct sched_entity *se)
{
	for (;;) {
		unsigned last = __atomic_load_n(&se->cpu, __ATOMIC_ACQUIRE);
		struct runqueue *from = sched_rq(last), *to;
		int kick;

		if (!from || __atomic_load_n(&se->state, __ATOMIC_RELAXED) == SCHED_STATE_DEAD)
			return;
		to = &sched_g.rq[choose_cpu(se, last)];
		sched_lock_pair(from, to);
		if (__atomic_load_n(&se->cpu, __ATOMIC_RELAXED) != last) {
			sched_unlock_pair(from, to); /* moved by a concurrent wake or steal: choose again */
			continue;
		}
		kick = wake_locked(from, to, se);
		sched_unlock_pair(from, to);
		sched_kick(kick);
		return;
	}
}

/* Heaviest first, so greedy least-load placement balances weight sums (longest-first). */
void sched_wake_many(struct sched_entity *const *ses, unsigned n)
{
	uint32_t bound = UINT32_MAX;

	for (;;) {
		uint32_t w = 0;

		for (unsigned i = 0; i < n; i++)
			if (ses[i] && ses[i]->weight < bound && ses[i]->weight > w)
				w = ses[i]->weight;
		if (!w)
			return;
		for (unsigned i = 0; i < n; i++)
			if (ses[i] && ses[i]->weight == w)
				sched_wake(ses[i]);
		bound = w;
	}
}

static bool may_steal(const struct sched_entity *se, unsigned cpu)
{
	return se->cls != SCHED_CLASS_PINNED && ((se->cpu_mask >> cpu) & 1);
}

/* The first queued entity of src that cpu may take: rr first (it would run first there too). */
static struct sched_entity *find_stealable(struct runqueue *src, unsigned cpu)
{
	for (struct sched_entity *p = src->rr.head; p; p = p->next)
		if (may_steal(p, cpu))
			return p;
	for (struct sched_entity *p = src->shares.head; p; p = p->next)
		if (may_steal(p, cpu))
			return p;
	return NULL;
}

/* The other cpu with the most waiters not yet tried, or NULL. */
static struct runqueue *busiest(unsigned cpu, uint64_t tried)
{
	struct runqueue *best = NULL;
	unsigned most = 0;

	for (unsigned i = 0; i < sched_g.ncpus; i++) {
		unsigned nr = sched_nr_runnable(i);

		if (i != cpu && !((tried >> i) & 1) && nr > most) {
			best = &sched_g.rq[i];
			most = nr;
		}
	}
	return best;
}

bool sched_steal(unsigned cpu)
{
	struct runqueue *dst = sched_rq(cpu), *src;
	uint64_t tried = 0;

	if (!dst)
		return false;
	while ((src = busiest(cpu, tried))) {
		struct sched_entity *se;

		tried |= 1ull << src->cpu;
		sched_lock_pair(dst, src);
		se = find_stealable(src, cpu);
		if (se)
			sched_move_locked(src, dst, se);
		sched_unlock_pair(dst, src);
		if (se)
			return true;
	}
	return false;
}

int sched_idle_taker(struct runqueue *rq)
{
	uint64_t idle = __atomic_load_n(&sched_g.idle_mask, __ATOMIC_RELAXED) & ~sched_reserved() &
			~(1ull << rq->cpu);

	if (!idle)
		return -1;
	for (int k = 0; k < 2; k++)
		for (struct sched_entity *p = k ? rq->shares.head : rq->rr.head; p; p = p->next)
			if (p->cls != SCHED_CLASS_PINNED && (p->cpu_mask & idle))
				return __builtin_ctzll(p->cpu_mask & idle);
	return -1;
}

void sched_q_push_head(struct sched_queue *q, struct sched_entity *se)
{
	se->next = q->head;
	q->head = se;
	if (!q->tail)
		q->tail = se;
	q->nr++;
}

void sched_q_push_tail(struct sched_queue *q, struct sched_entity *se)
{
	se->next = NULL;
	if (q->tail)
		q->tail->next = se;
	else
		q->head = se;
	q->tail = se;
	q->nr++;
}

/* prev == NULL inserts at the head. */
void sched_q_insert_after(struct sched_queue *q, struct sched_entity *prev, struct sched_entity *se)
{
	if (!prev) {
		sched_q_push_head(q, se);
		return;
	}
	se->next = prev->next;
	prev->next = se;
	if (q->tail == prev)
		q->tail = se;
	q->nr++;
}

struct sched_entity *sched_q_pop_head(struct sched_queue *q)
{
	struct sched_entity *se = q->head;

	if (!se)
		return NULL;
	q->head = se->next;
	if (!q->head)
		q->tail = NULL;
	se->next = NULL;
	q->nr--;
	return se;
}

/* Returns false if se was not queued (the list is left alone). */
bool sched_q_remove(struct sched_queue *q, struct sched_entity *se)
{
	struct sched_entity *prev = NULL;

	for (struct sched_entity *p = q->head; p; prev = p, p = p->next) {
		if (p != se)
			continue;
		if (prev)
			prev->next = se->next;
		else
			q->head = se->next;
		if (q->tail == se)
			q->tail = prev;
		se->next = NULL;
		q->nr--;
		return true;
	}
	return false;
}
