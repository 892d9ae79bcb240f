/* SPDX-License-Identifier: MIT */
/* Weighted fair-share class: run the smallest weighted virtual time; queue sorted by it. */
#include "sched/sched.h"

/* vruntime advances 1024/weight ns per ns run, so weight 1024 runs at wall speed. */
#define SHARES_SCALE_SHIFT 10
#define SHARES_INV_SHIFT 32 /* inv_weight = 2^32 / weight */
/* Largest ran_ns whose scaled delta still fits 64 bits at weight 1. */
#define SHARES_MAX_RAN_NS ((1ull << (64 - SHARES_SCALE_SHIFT)) - 1)
/*
 * A woken entity more than this ahead of the queue is a value from before a
 * wrap-around (it slept while the queue advanced ~2^63): treat it as behind.
 */
#define SHARES_MAX_LEAD (1ull << 62)

/* Wrap-safe: vruntime is compared by difference, so it may overflow freely. */
static bool vr_before(uint64_t a, uint64_t b)
{
	return (int64_t)(a - b) < 0;
}

static uint64_t weighted_delta(const struct sched_entity *se, uint64_t ran_ns)
{
	unsigned __int128 scaled;

	if (ran_ns > SHARES_MAX_RAN_NS)
		ran_ns = SHARES_MAX_RAN_NS;
	scaled = (unsigned __int128)ran_ns * se->inv_weight;
	return (uint64_t)(scaled >> (SHARES_INV_SHIFT - SHARES_SCALE_SHIFT));
}

/* min_vruntime only moves forward, so a sleeper cannot drag the floor back. */
static void update_min_vruntime(struct sched_queue *q)
{
	struct sched_entity *curr = q->curr;
	bool have = false;
	uint64_t min = 0;

	if (curr && curr->state == SCHED_STATE_RUNNING) {
		min = curr->vruntime;
		have = true;
	}
	if (q->head && (!have || vr_before(q->head->vruntime, min))) {
		min = q->head->vruntime;
		have = true;
	}
	if (have && vr_before(q->min_vruntime, min))
		q->min_vruntime = min;
}

/* Searches after `from` (NULL = whole queue); ties go last so equals run in arrival order. */
static void insert_sorted(struct sched_queue *q, struct sched_entity *se, struct sched_entity *from)
{
	struct sched_entity *prev = from;
	struct sched_entity *p = from ? from->next : q->head;

	while (p && !vr_before(se->vruntime, p->vruntime)) {
		prev = p;
		p = p->next;
	}
	sched_q_insert_after(q, prev, se);
}

/* Sleepers rejoin no earlier than the queue's floor, so they cannot bank credit. */
static void shares_enqueue(struct sched_queue *q, struct sched_entity *se)
{
	update_min_vruntime(q);
	if (vr_before(se->vruntime, q->min_vruntime) ||
	    se->vruntime - q->min_vruntime > SHARES_MAX_LEAD)
		se->vruntime = q->min_vruntime;
	insert_sorted(q, se, NULL);
}

static void shares_dequeue(struct sched_queue *q, struct sched_entity *se)
{
	sched_q_remove(q, se);
}

static struct sched_entity *shares_pick_next(struct sched_queue *q)
{
	update_min_vruntime(q);
	return sched_q_pop_head(q);
}

/* A yielder goes behind the head even if its vruntime is smallest, or it would be re-picked at once. */
static void shares_put_prev(struct sched_queue *q, struct sched_entity *se, uint64_t slice_ns)
{
	if (se->yield_pending) {
		se->yield_pending = false;
		se->slice_used_ns = 0;
		insert_sorted(q, se, q->head);
		return;
	}
	if (se->slice_used_ns >= slice_ns)
		se->slice_used_ns = 0;
	insert_sorted(q, se, NULL);
}

static void shares_account(struct sched_queue *q, struct sched_entity *se, uint64_t ran_ns)
{
	se->vruntime += weighted_delta(se, ran_ns);
	update_min_vruntime(q);
}

/* The granularity keeps near-equal entities from swapping on every tick. */
static bool shares_tick(const struct sched_queue *q, const struct sched_entity *curr, uint64_t slice_ns)
{
	if (!q->head)
		return false;
	if (curr->yield_pending)
		return true;
	return curr->slice_used_ns >= slice_ns &&
	       vr_before(q->head->vruntime, curr->vruntime);
}

static void shares_yield(struct sched_entity *curr, uint64_t slice_ns)
{
	(void)slice_ns;
	curr->yield_pending = true;
}

const struct sched_class_ops sched_shares_ops = {
	.name = "shares",
	.enqueue = shares_enqueue,
	.dequeue = shares_dequeue,
	.pick_next = shares_pick_next,
	.put_prev = shares_put_prev,
	.account = shares_account,
	.tick = shares_tick,
	.yield = shares_yield,
};
