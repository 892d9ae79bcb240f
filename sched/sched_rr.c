/* SPDX-License-Identifier: MIT */
/* Round-robin policy: FIFO queue, fixed slice; an unfinished slice resumes at the head. */
#include "sched/sched.h"

static bool slice_over(const struct runqueue *rq, const struct sched_entity *se)
{
	return se->slice_used_ns >= rq->timeslice_ns;
}

static void rr_init(struct runqueue *rq)
{
	(void)rq;
}

static void rr_enqueue(struct runqueue *rq, struct sched_entity *se)
{
	sched_rq_push_tail(rq, se);
}

static void rr_dequeue(struct runqueue *rq, struct sched_entity *se)
{
	sched_rq_remove(rq, se);
}

static struct sched_entity *rr_pick_next(struct runqueue *rq)
{
	return sched_rq_pop_head(rq);
}

/* Stopped early (an exit the core chose to reschedule on): it keeps its turn. */
static void rr_put_prev(struct runqueue *rq, struct sched_entity *se)
{
	if (!slice_over(rq, se)) {
		sched_rq_push_head(rq, se);
		return;
	}
	se->slice_used_ns = 0;
	sched_rq_push_tail(rq, se);
}

/* Alone on the cpu there is no one to hand over to, so the slice just runs on. */
static bool rr_tick(struct runqueue *rq, struct sched_entity *curr)
{
	return rq->head && slice_over(rq, curr);
}

static void rr_yield(struct runqueue *rq, struct sched_entity *curr)
{
	if (!slice_over(rq, curr))
		curr->slice_used_ns = rq->timeslice_ns;
}

const struct sched_ops sched_rr_ops = {
	.name = "rr",
	.init = rr_init,
	.enqueue = rr_enqueue,
	.dequeue = rr_dequeue,
	.pick_next = rr_pick_next,
	.put_prev = rr_put_prev,
	.account = NULL,
	.tick = rr_tick,
	.yield = rr_yield,
};
