/* SPDX-License-Identifier: MIT */
/* Round-robin class (also holds a pinned core's entity): FIFO, fixed slice; an unfinished slice resumes at the head. */
#include "sched/sched.h"

static bool slice_over(const struct sched_entity *se, uint64_t slice_ns)
{
	return se->slice_used_ns >= slice_ns;
}

static void rr_enqueue(struct sched_queue *q, struct sched_entity *se)
{
	sched_q_push_tail(q, se);
}

static void rr_dequeue(struct sched_queue *q, struct sched_entity *se)
{
	sched_q_remove(q, se);
}

static struct sched_entity *rr_pick_next(struct sched_queue *q)
{
	return sched_q_pop_head(q);
}

/* Stopped early (an exit the core chose to reschedule on, or a higher class): it keeps its turn. */
static void rr_put_prev(struct sched_queue *q, struct sched_entity *se, uint64_t slice_ns)
{
	if (!slice_over(se, slice_ns)) {
		sched_q_push_head(q, se);
		return;
	}
	se->slice_used_ns = 0;
	sched_q_push_tail(q, se);
}

/* Alone in the class there is no one to hand over to, so the slice just runs on. */
static bool rr_tick(const struct sched_queue *q, const struct sched_entity *curr, uint64_t slice_ns)
{
	return q->head && slice_over(curr, slice_ns);
}

static void rr_yield(struct sched_entity *curr, uint64_t slice_ns)
{
	if (!slice_over(curr, slice_ns))
		curr->slice_used_ns = slice_ns;
}

const struct sched_class_ops sched_rr_ops = {
	.name = "rr",
	.enqueue = rr_enqueue,
	.dequeue = rr_dequeue,
	.pick_next = rr_pick_next,
	.put_prev = rr_put_prev,
	.account = NULL,
	.tick = rr_tick,
	.yield = rr_yield,
};
