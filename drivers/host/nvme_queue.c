/* SPDX-License-Identifier: MIT */
/* NVMe queue arithmetic (tails, heads, phase, command ids, doorbells) and PRP lists. */
#include "drivers/host/nvme_queue.h"

#include <string.h>

#define PAGE 4096u
#define PRP_LIST_ENTRIES 512u

uint32_t nvme_doorbell_offset(uint16_t qid, bool cq, uint32_t dstrd)
{
	return NVME_REG_DOORBELL + (2u * qid + (cq ? 1u : 0u)) * (4u << dstrd);
}

void nvme_queue_init(struct nvme_queue *q, uint16_t qid, uint16_t depth, struct nvme_sqe *sq,
		     volatile struct nvme_cqe *cq, uint32_t dstrd)
{
	memset(q, 0, sizeof(*q));
	q->sq = sq;
	q->cq = cq;
	q->qid = qid;
	q->depth = depth;
	q->phase = 1; /* the controller writes phase 1 on its first pass over zeroed memory */
	q->sq_db = nvme_doorbell_offset(qid, false, dstrd);
	q->cq_db = nvme_doorbell_offset(qid, true, dstrd);
}

int nvme_sq_push(struct nvme_queue *q, struct nvme_sqe *sqe)
{
	uint16_t next = (uint16_t)((q->sq_tail + 1) % q->depth);

	if (next == q->sq_head)
		return -1;
	sqe->cid = q->next_cid;
	q->next_cid = (uint16_t)(q->next_cid + 1 == 0xffff ? 0 : q->next_cid + 1);
	memcpy(&q->sq[q->sq_tail], sqe, sizeof(*sqe));
	q->sq_tail = next;
	return next;
}

bool nvme_cq_pop(struct nvme_queue *q, struct nvme_cqe *out)
{
	volatile struct nvme_cqe *e = &q->cq[q->cq_head];
	uint16_t status = e->status;

	if (NVME_CQE_PHASE(status) != q->phase)
		return false;
	/* The status word is read first: the rest of the entry is valid once its phase flipped. */
	__asm__ volatile("" ::: "memory");
	out->result = e->result;
	out->rsvd = e->rsvd;
	out->sq_head = e->sq_head;
	out->sq_id = e->sq_id;
	out->cid = e->cid;
	out->status = status;
	if (out->sq_head < q->depth)
		q->sq_head = out->sq_head;
	if (++q->cq_head == q->depth) {
		q->cq_head = 0;
		q->phase ^= 1;
	}
	return true;
}

int nvme_prp_build(uint64_t buf_pa, uint32_t len, uint64_t *list, uint64_t list_pa, uint64_t *prp1,
		   uint64_t *prp2)
{
	uint32_t pages = (len + PAGE - 1) / PAGE;

	if (!len || (buf_pa & (PAGE - 1)) || pages > PRP_LIST_ENTRIES + 1)
		return -1;
	*prp1 = buf_pa;
	*prp2 = 0;
	if (pages == 2) {
		*prp2 = buf_pa + PAGE;
	} else if (pages > 2) {
		for (uint32_t i = 1; i < pages; i++)
			list[i - 1] = buf_pa + (uint64_t)i * PAGE;
		*prp2 = list_pa;
	}
	return 0;
}
