/* SPDX-License-Identifier: MIT */
/* Test double: an NVMe controller in host memory, stepped from the fake clock, backed by a RAM array. */
#ifndef BASALT_TESTS_NVME_FAKE_H
#define BASALT_TESTS_NVME_FAKE_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "drivers/host/nvme_regs.h"

struct fake_q {
	bool live;
	uint64_t sq, cq;
	uint16_t size, head, cq_tail;
	uint8_t phase;
};

struct fake_nvme {
	uint8_t regs[NVME_REGS_BYTES] __attribute__((aligned(4096)));
	uint8_t *ram;
	uint64_t lbas;
	unsigned lba_shift;
	/* identity */
	uint16_t oncs;
	uint8_t vwc, mdts;
	uint32_t dstrd;
	uint32_t vs;
	/* behaviour switches */
	bool never_complete;     /* I/O commands are consumed but never completed */
	bool stuck_disabled;     /* CSTS.RDY never rises */
	bool cfs_on_io;          /* fatal status when an I/O command arrives */
	int fail_opcode;         /* I/O opcode answered with error status (-1: none) */
	uint16_t fail_status;    /* SC | SCT << 8 */
	/* observations */
	bool enabled;
	struct fake_q q[2];
	unsigned io_cmds, flushes, resets;
	bool cq_ien;             /* the I/O CQ was created with interrupts on */
	unsigned last_pages;     /* pages in the last data transfer */
	bool last_used_list;
	struct nvme_sqe last;
};

static inline uint32_t fr32(struct fake_nvme *f, unsigned off)
{
	uint32_t v;

	memcpy(&v, f->regs + off, 4);
	return v;
}

static inline void fw32(struct fake_nvme *f, unsigned off, uint32_t v)
{
	memcpy(f->regs + off, &v, 4);
}

static inline uint64_t fr64(struct fake_nvme *f, unsigned off)
{
	uint64_t v;

	memcpy(&v, f->regs + off, 8);
	return v;
}

static inline void fake_init(struct fake_nvme *f, uint8_t *ram, uint64_t lbas, unsigned lba_shift)
{
	memset(f, 0, sizeof(*f));
	f->ram = ram;
	f->lbas = lbas;
	f->lba_shift = lba_shift;
	f->oncs = NVME_ONCS_DSM | NVME_ONCS_WRITE_ZEROES;
	f->vwc = 1;
	f->vs = 0x10400;
	f->fail_opcode = -1;
	uint64_t cap = 2047 | (uint64_t)2 << 24 /* TO: 1 s */ | (uint64_t)1 << 37 /* NVM */;
	memcpy(f->regs + NVME_REG_CAP, &cap, 8);
	fw32(f, NVME_REG_VS, f->vs);
}

static inline void fake_set_dstrd(struct fake_nvme *f, uint32_t dstrd)
{
	uint64_t cap = fr64(f, NVME_REG_CAP) | (uint64_t)dstrd << 32;

	f->dstrd = dstrd;
	memcpy(f->regs + NVME_REG_CAP, &cap, 8);
}

static inline uint32_t fake_db(const struct fake_nvme *f, unsigned qid, bool cq)
{
	return NVME_REG_DOORBELL + (2 * qid + cq) * (4u << f->dstrd);
}

static inline void fake_post(struct fake_q *q, uint16_t cid, uint16_t status, unsigned qid)
{
	struct nvme_cqe *e = (struct nvme_cqe *)(uintptr_t)q->cq + q->cq_tail;

	e->result = 0;
	e->sq_head = q->head;
	e->sq_id = (uint16_t)qid;
	e->cid = cid;
	e->status = (uint16_t)(status << 1 | q->phase);
	if (++q->cq_tail == q->size) {
		q->cq_tail = 0;
		q->phase ^= 1;
	}
}

static inline void put_str(uint8_t *dst, const char *s, unsigned n)
{
	memset(dst, ' ', n);
	memcpy(dst, s, strlen(s));
}

static inline uint16_t fake_identify(struct fake_nvme *f, const struct nvme_sqe *s)
{
	uint8_t *d = (uint8_t *)(uintptr_t)s->prp1;
	uint32_t cns = s->cdw10 & 0xff;

	memset(d, 0, 4096);
	if (cns == NVME_CNS_CTRL) {
		put_str(d + NVME_IDC_SN, "FAKE-SN-0001", 20);
		put_str(d + NVME_IDC_MN, "Fake NVMe Ctrl", 40);
		d[NVME_IDC_MDTS] = f->mdts;
		d[NVME_IDC_NN] = 1;
		memcpy(d + NVME_IDC_ONCS, &f->oncs, 2);
		d[NVME_IDC_VWC] = f->vwc;
	} else if (cns == NVME_CNS_ACTIVE_NS) {
		d[0] = 1;
	} else if (cns == NVME_CNS_NS && s->nsid == 1) {
		memcpy(d + NVME_IDN_NSZE, &f->lbas, 8);
		d[NVME_IDN_NLBAF] = 1;
		d[NVME_IDN_FLBAS] = f->lba_shift == 12 ? 1 : 0;
		d[NVME_IDN_LBAF + 2] = 9;
		d[NVME_IDN_LBAF + 4 + 2] = 12;
	}
	return 0;
}

static inline uint16_t fake_admin(struct fake_nvme *f, const struct nvme_sqe *s)
{
	switch (s->opcode) {
	case NVME_ADM_IDENTIFY:
		return fake_identify(f, s);
	case NVME_ADM_CREATE_CQ:
		f->q[1].cq = s->prp1;
		f->q[1].size = (uint16_t)((s->cdw10 >> 16) + 1);
		f->q[1].phase = 1;
		f->cq_ien = (s->cdw11 & NVME_CQ_IEN) != 0;
		return 0;
	case NVME_ADM_CREATE_SQ:
		f->q[1].sq = s->prp1;
		f->q[1].live = true;
		return 0;
	}
	return 0x01; /* invalid opcode */
}

/* Copies len bytes between the RAM disk at off and the PRP-described pages. */
static inline void fake_dma(struct fake_nvme *f, const struct nvme_sqe *s, uint64_t off, uint64_t len, bool write)
{
	unsigned pages = (unsigned)((len + 4095) / 4096);
	const uint64_t *list = (const uint64_t *)(uintptr_t)s->prp2;

	f->last_pages = pages;
	f->last_used_list = pages > 2;
	for (unsigned i = 0; i < pages; i++) {
		uint64_t pa = i == 0 ? s->prp1 : pages == 2 ? s->prp2 : list[i - 1];
		uint64_t n = len - i * 4096ull < 4096 ? len - i * 4096ull : 4096;
		uint8_t *p = (uint8_t *)(uintptr_t)pa;

		if (write)
			memcpy(f->ram + off + i * 4096ull, p, n);
		else
			memcpy(p, f->ram + off + i * 4096ull, n);
	}
}

static inline uint16_t fake_io(struct fake_nvme *f, const struct nvme_sqe *s)
{
	uint64_t slba = s->cdw10 | (uint64_t)s->cdw11 << 32;
	uint64_t nlb = (s->cdw12 & 0xffff) + 1;
	uint64_t bs = 1ull << f->lba_shift;

	f->io_cmds++;
	f->last = *s;
	if (s->opcode == f->fail_opcode)
		return f->fail_status;
	switch (s->opcode) {
	case NVME_CMD_READ:
	case NVME_CMD_WRITE:
		if (slba + nlb > f->lbas)
			return 0x80; /* LBA out of range */
		fake_dma(f, s, slba * bs, nlb * bs, s->opcode == NVME_CMD_WRITE);
		return 0;
	case NVME_CMD_FLUSH:
		f->flushes++;
		return 0;
	case NVME_CMD_WRITE_ZEROES:
		memset(f->ram + slba * bs, 0, nlb * bs);
		return 0;
	case NVME_CMD_DSM: {
		const struct nvme_dsm_range *r = (const struct nvme_dsm_range *)(uintptr_t)s->prp1;
		for (unsigned i = 0; i <= (s->cdw10 & 0xff); i++)
			memset(f->ram + r[i].slba * bs, 0xdd, (uint64_t)r[i].nlb * bs); /* "deallocated" */
		return 0;
	}
	}
	return 0x01;
}

static inline void fake_run_queue(struct fake_nvme *f, unsigned qid)
{
	struct fake_q *q = &f->q[qid];
	uint16_t tail = (uint16_t)fr32(f, fake_db(f, qid, false));

	while (q->live && q->head != tail % q->size) {
		struct nvme_sqe s = ((struct nvme_sqe *)(uintptr_t)q->sq)[q->head];

		q->head = (uint16_t)((q->head + 1) % q->size);
		if (qid && f->cfs_on_io) {
			fw32(f, NVME_REG_CSTS, fr32(f, NVME_REG_CSTS) | NVME_CSTS_CFS);
			return;
		}
		uint16_t st = qid ? fake_io(f, &s) : fake_admin(f, &s);
		if (qid && f->never_complete)
			continue;
		fake_post(q, s.cid, st, qid);
	}
}

/* One tick of the device: reacts to CC.EN, consumes submitted commands. */
static inline void fake_step(struct fake_nvme *f)
{
	uint32_t cc = fr32(f, NVME_REG_CC);

	if ((cc & NVME_CC_EN) && !f->enabled && !f->stuck_disabled) {
		uint32_t aqa = fr32(f, NVME_REG_AQA);

		f->enabled = true;
		f->q[0] = (struct fake_q){ true, fr64(f, NVME_REG_ASQ), fr64(f, NVME_REG_ACQ), (uint16_t)((aqa & 0xfff) + 1), 0, 0, 1 };
		fw32(f, NVME_REG_CSTS, NVME_CSTS_RDY);
	} else if (!(cc & NVME_CC_EN) && f->enabled) {
		f->enabled = false;
		f->resets++;
		memset(f->q, 0, sizeof(f->q));
		memset(f->regs + NVME_REG_DOORBELL, 0, NVME_REGS_BYTES - NVME_REG_DOORBELL);
		fw32(f, NVME_REG_CSTS, 0);
	}
	if (f->enabled) {
		fake_run_queue(f, 0);
		fake_run_queue(f, 1);
	}
}

#endif
