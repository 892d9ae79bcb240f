/* SPDX-License-Identifier: MIT */
/* NVMe queue-pair bookkeeping and PRP building: pure logic, no register access, unit-tested. */
#ifndef BASALT_HOST_NVME_QUEUE_H
#define BASALT_HOST_NVME_QUEUE_H

#include <stdbool.h>
#include <stdint.h>

#include "drivers/host/nvme_regs.h"

/*
 * A submission queue and its completion queue, each `depth` entries in memory the controller
 * reads by DMA. The driver keeps at most one command in flight per queue (calls are synchronous
 * under the controller lock), so the SQ can never fill; sq_push still refuses when it would.
 * Locking: none here; the owning controller's lock guards the whole structure.
 */
struct nvme_queue {
	struct nvme_sqe *sq;
	volatile struct nvme_cqe *cq;
	uint16_t qid;
	uint16_t depth;
	uint16_t sq_tail;   /* next slot to fill */
	uint16_t sq_head;   /* last head the controller reported */
	uint16_t cq_head;   /* next completion slot to look at */
	uint8_t phase;      /* the phase bit a new completion carries */
	uint16_t next_cid;
	uint32_t sq_db;     /* doorbell byte offsets in BAR0 */
	uint32_t cq_db;
};

/* Byte offset of a doorbell: SQ y tail at 0x1000 + (2y) * (4 << dstrd), CQ y head one slot on. */
uint32_t nvme_doorbell_offset(uint16_t qid, bool cq, uint32_t dstrd);

void nvme_queue_init(struct nvme_queue *q, uint16_t qid, uint16_t depth, struct nvme_sqe *sq,
		     volatile struct nvme_cqe *cq, uint32_t dstrd);

/* Copies sqe into the next slot with a fresh command id (written to sqe->cid too, never 0xffff);
 * returns the new tail value for the doorbell, or -1 when the queue is full. */
int nvme_sq_push(struct nvme_queue *q, struct nvme_sqe *sqe);

/* Takes the next completion if the controller posted one (its phase bit matches): copies it to
 * *out, advances the head (flipping the phase on wrap) and returns true; the caller then writes
 * q->cq_head to the CQ doorbell. False: nothing new. */
bool nvme_cq_pop(struct nvme_queue *q, struct nvme_cqe *out);

/*
 * PRPs for a transfer of len bytes (> 0) from buf_pa, which must be 4 KiB-aligned (the driver
 * always transfers from its page-aligned bounce buffer). One page: PRP1 only; two: PRP1 and PRP2;
 * more: PRP2 is list_pa, one page of entries filled into list (at most 513 pages in all; the
 * driver's bounce buffer is 128 KiB, 32 pages). -1 for an empty, unaligned or too long transfer.
 */
int nvme_prp_build(uint64_t buf_pa, uint32_t len, uint64_t *list, uint64_t list_pa, uint64_t *prp1,
		   uint64_t *prp2);

#endif
