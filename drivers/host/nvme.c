/* SPDX-License-Identifier: MIT */
/* NVMe controller bring-up (reset, admin queues, enable), identify, I/O queue creation, polled commands. */
#include "drivers/host/nvme.h"

#include <string.h>

#include "drivers/host/mmio.h"
#include "kernel/clock.h"
#include "kernel/console.h"
#include "kernel/errno.h"
#include "kernel/mem.h"

#define HALF_SECOND_NS (500ull * 1000 * 1000)
#define PAGE 4096u
#define ETIMEDOUT_NVME 110 /* internal: wait_completion gave up */

static uint32_t reg32(const struct nvme_ctrl *c, unsigned off)
{
	return mmio_read32(c->regs + off);
}

static void set32(struct nvme_ctrl *c, unsigned off, uint32_t v)
{
	mmio_write32(c->regs + off, v);
}

static bool fatal(struct nvme_ctrl *c)
{
	uint32_t csts = reg32(c, NVME_REG_CSTS);

	/* All-ones: the device fell off the bus (or its BAR is not decoded). */
	if (csts == 0xffffffffu || (csts & NVME_CSTS_CFS)) {
		if (!c->failed)
			kprintf("basalt: %s: controller fatal status (CSTS 0x%x)\n", c->name, csts);
		c->failed = true;
	}
	return c->failed;
}

/* Waits until CSTS.RDY equals want, within CAP.TO. */
static int wait_ready(struct nvme_ctrl *c, bool want)
{
	uint64_t deadline = clock_ns() + c->ready_timeout_ns;

	for (;;) {
		uint32_t csts = reg32(c, NVME_REG_CSTS);

		if (csts != 0xffffffffu && ((csts & NVME_CSTS_RDY) != 0) == want)
			return 0;
		if (want && fatal(c))
			return -EIO;
		if (clock_ns() > deadline) {
			kprintf("basalt: %s: CSTS.RDY did not become %d (CSTS 0x%x)\n", c->name, want, csts);
			return -EIO;
		}
		cpu_relax();
	}
}

static int wait_completion(struct nvme_ctrl *c, struct nvme_queue *q, uint16_t cid, struct nvme_cqe *cqe)
{
	uint64_t deadline = clock_ns() + NVME_TIMEOUT_NS;

	for (;;) {
		/* At most a queue's worth per look, so a babbling device cannot hold us past the deadline. */
		for (unsigned n = 0; n < q->depth && nvme_cq_pop(q, cqe); n++) {
			mmio_write32(c->regs + q->cq_db, q->cq_head);
			if (cqe->cid == cid)
				return 0;
			/* A late completion of a command we gave up on: dropped. */
		}
		if (fatal(c))
			return -EIO;
		if (clock_ns() > deadline)
			return -ETIMEDOUT_NVME;
		cpu_relax();
	}
}

int nvme_submit_sync(struct nvme_ctrl *c, struct nvme_queue *q, struct nvme_sqe *sqe, uint32_t *result)
{
	struct nvme_cqe cqe;
	int tail, rc;

	if (c->failed)
		return -EIO;
	tail = nvme_sq_push(q, sqe);
	if (tail < 0) {
		kprintf("basalt: %s: queue %u full (opcode 0x%x)\n", c->name, q->qid, sqe->opcode);
		return -EIO;
	}
	mmio_write32(c->regs + q->sq_db, (uint32_t)tail);
	rc = wait_completion(c, q, sqe->cid, &cqe);
	if (rc == -ETIMEDOUT_NVME) {
		/* The command may still run and DMA into the bounce buffer while a later one uses it,
		 * handing stale data to whoever reads next: the controller is out of service from here. */
		kprintf("basalt: %s: queue %u opcode 0x%x cid %u timed out, controller taken out of service\n", c->name, q->qid,
			sqe->opcode, sqe->cid);
		c->failed = true;
		return -EIO;
	}
	if (rc)
		return rc;
	if (NVME_CQE_SC(cqe.status) || NVME_CQE_SCT(cqe.status)) {
		kprintf("basalt: %s: queue %u opcode 0x%x failed: SCT %u SC 0x%x\n", c->name, q->qid, sqe->opcode,
			NVME_CQE_SCT(cqe.status), NVME_CQE_SC(cqe.status));
		return -EIO;
	}
	if (result)
		*result = cqe.result;
	return 0;
}

static int identify(struct nvme_ctrl *c, uint8_t cns, uint32_t nsid)
{
	struct nvme_sqe sqe = { .opcode = NVME_ADM_IDENTIFY, .nsid = nsid, .cdw10 = cns };

	memset(c->bounce, 0, NVME_ID_BYTES);
	sqe.prp1 = virt_to_phys(c->bounce);
	return nvme_submit_sync(c, &c->admin, &sqe, NULL);
}

/* Copies an identify string field, dropping the trailing space padding. */
static void copy_ascii(char *dst, const uint8_t *src, unsigned n)
{
	unsigned len = n;

	while (len && (src[len - 1] == ' ' || src[len - 1] == 0))
		len--;
	for (unsigned i = 0; i < len; i++)
		dst[i] = (src[i] >= 0x20 && src[i] < 0x7f) ? (char)src[i] : '?';
	dst[len] = 0;
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static int identify_ctrl(struct nvme_ctrl *c)
{
	int rc = identify(c, NVME_CNS_CTRL, 0);
	const uint8_t *id = c->bounce;

	if (rc)
		return rc;
	copy_ascii(c->serial, id + NVME_IDC_SN, 20);
	copy_ascii(c->model, id + NVME_IDC_MN, 40);
	c->nn = le32(id + NVME_IDC_NN);
	c->oncs = (uint16_t)(id[NVME_IDC_ONCS] | id[NVME_IDC_ONCS + 1] << 8);
	c->vwc = id[NVME_IDC_VWC] & 1;
	uint8_t mdts = id[NVME_IDC_MDTS];
	uint64_t limit = mdts ? ((uint64_t)PAGE << NVME_CAP_MPSMIN(c->cap)) << (mdts > 20 ? 20 : mdts) : 0;

	c->max_xfer = NVME_BOUNCE_BYTES;
	if (limit && limit < c->max_xfer)
		c->max_xfer = (uint32_t)limit;
	return 0;
}

/* Identify namespace nsid into ns; 1 when it is usable, 0 when skipped, <0 on error. */
static int identify_ns(struct nvme_ctrl *c, uint32_t nsid, struct nvme_ns *ns)
{
	int rc = identify(c, NVME_CNS_NS, nsid);
	const uint8_t *id = c->bounce;

	if (rc)
		return rc;
	uint64_t nsze = (uint64_t)le32(id + NVME_IDN_NSZE) | (uint64_t)le32(id + NVME_IDN_NSZE + 4) << 32;
	unsigned fmt = id[NVME_IDN_FLBAS] & 0xf;
	uint32_t lbaf = le32(id + NVME_IDN_LBAF + 4 * fmt);
	unsigned lbads = (lbaf >> 16) & 0xff;

	if (!nsze)
		return 0;
	if (fmt > id[NVME_IDN_NLBAF] || (lbads != 9 && lbads != 12) || (lbaf & 0xffff) ||
	    nsze > (UINT64_MAX >> lbads)) {
		kprintf("basalt: %s: namespace %u skipped: LBA format %u (2^%u bytes, %u metadata bytes)\n", c->name,
			nsid, fmt, lbads, lbaf & 0xffff);
		return 0;
	}
	memset(ns, 0, sizeof(*ns));
	ns->ctrl = c;
	ns->nsid = nsid;
	ns->lba_shift = lbads;
	ns->lbas = nsze;
	return 1;
}

/* The active namespace IDs, from the list (NVMe 1.1+) or by counting up to NN. */
static unsigned active_nsids(struct nvme_ctrl *c, uint32_t *ids, unsigned max)
{
	unsigned n = 0;

	if (c->vs >= 0x10100 && identify(c, NVME_CNS_ACTIVE_NS, 0) == 0) {
		for (unsigned i = 0; i < NVME_ID_BYTES / 4 && n < max; i++) {
			uint32_t id = le32(c->bounce + 4 * i);
			if (!id)
				break;
			if (id <= c->nn || !c->nn)
				ids[n++] = id;
		}
		return n;
	}
	for (uint32_t id = 1; id <= c->nn && n < max; id++)
		ids[n++] = id;
	return n;
}

static int find_namespaces(struct nvme_ctrl *c)
{
	uint32_t ids[NVME_MAX_NS * 4];
	unsigned n = active_nsids(c, ids, NVME_MAX_NS * 4);

	for (unsigned i = 0; i < n && c->ns_count < NVME_MAX_NS; i++) {
		int rc = identify_ns(c, ids[i], &c->ns[c->ns_count]);
		if (rc < 0)
			return rc;
		if (rc)
			nvme_ns_setup_blkdev(&c->ns[c->ns_count++]);
	}
	return 0;
}

static int create_io_queues(struct nvme_ctrl *c)
{
	uint32_t size = (uint32_t)(NVME_QUEUE_DEPTH - 1) << 16 | 1u;
	struct nvme_sqe cq = { .opcode = NVME_ADM_CREATE_CQ, .prp1 = virt_to_phys((void *)c->io.cq),
			       .cdw10 = size, .cdw11 = NVME_QUEUE_PC /* IEN clear: polled */ };
	struct nvme_sqe sq = { .opcode = NVME_ADM_CREATE_SQ, .prp1 = virt_to_phys(c->io.sq),
			       .cdw10 = size, .cdw11 = 1u << 16 | NVME_QUEUE_PC };
	int rc = nvme_submit_sync(c, &c->admin, &cq, NULL);

	return rc ? rc : nvme_submit_sync(c, &c->admin, &sq, NULL);
}

/* Queue memory: admin SQ, admin CQ, I/O SQ, I/O CQ, PRP list: one page each; then the bounce. */
static int alloc_memory(struct nvme_ctrl *c)
{
	uint8_t *p = pages_alloc(5, PAGE);

	c->bounce = pages_alloc(NVME_BOUNCE_BYTES / PAGE, PAGE);
	if (!p || !c->bounce) {
		if (p)
			pages_free(p, 5);
		return -ENOMEM;
	}
	nvme_queue_init(&c->admin, 0, NVME_QUEUE_DEPTH, (struct nvme_sqe *)p, (struct nvme_cqe *)(p + PAGE), c->dstrd);
	nvme_queue_init(&c->io, 1, NVME_QUEUE_DEPTH, (struct nvme_sqe *)(p + 2 * PAGE),
			(struct nvme_cqe *)(p + 3 * PAGE), c->dstrd);
	c->prp_list = (uint64_t *)(p + 4 * PAGE);
	return 0;
}

static int reset_and_enable(struct nvme_ctrl *c)
{
	int rc;

	set32(c, NVME_REG_CC, reg32(c, NVME_REG_CC) & ~NVME_CC_EN);
	rc = wait_ready(c, false);
	if (rc)
		return rc;
	c->failed = false; /* a reset clears a fatal status the firmware may have left */
	set32(c, NVME_REG_INTMS, 0xffffffffu);
	set32(c, NVME_REG_AQA, (uint32_t)(NVME_QUEUE_DEPTH - 1) << 16 | (NVME_QUEUE_DEPTH - 1));
	mmio_write64(c->regs + NVME_REG_ASQ, virt_to_phys(c->admin.sq));
	mmio_write64(c->regs + NVME_REG_ACQ, virt_to_phys((void *)c->admin.cq));
	set32(c, NVME_REG_CC, NVME_CC_CSS_NVM | NVME_CC_MPS_4K | NVME_CC_AMS_RR | NVME_CC_IOSQES(6) |
				      NVME_CC_IOCQES(4) | NVME_CC_EN);
	return wait_ready(c, true);
}

static int check_cap(struct nvme_ctrl *c)
{
	c->cap = mmio_read64(c->regs + NVME_REG_CAP);
	c->vs = reg32(c, NVME_REG_VS);
	c->dstrd = NVME_CAP_DSTRD(c->cap);
	c->ready_timeout_ns = (NVME_CAP_TO(c->cap) ? NVME_CAP_TO(c->cap) : 1) * HALF_SECOND_NS;
	if (c->cap == UINT64_MAX || !NVME_CAP_CSS_NVM(c->cap) || NVME_CAP_MPSMIN(c->cap) != 0 ||
	    NVME_CAP_MQES(c->cap) + 1u < NVME_QUEUE_DEPTH) {
		kprintf("basalt: %s: unusable controller (CAP 0x%llx)\n", c->name, (unsigned long long)c->cap);
		return -ENODEV;
	}
	return 0;
}

int nvme_ctrl_init(struct nvme_ctrl *c, volatile void *regs, unsigned index)
{
	int rc;

	memset(c, 0, sizeof(*c));
	spin_lock_init(&c->lock);
	c->regs = regs;
	fmt_snprintf(c->name, sizeof(c->name), "nvme%u", index);
	rc = check_cap(c);
	if (!rc)
		rc = alloc_memory(c);
	if (!rc)
		rc = reset_and_enable(c);
	if (!rc)
		rc = identify_ctrl(c);
	if (!rc)
		rc = create_io_queues(c);
	if (!rc) {
		nvme_ctrl_setup_ops(c);
		rc = find_namespaces(c);
	}
	/* On failure the queue memory stays allocated: the controller may still hold its addresses. */
	if (rc && c->regs && rc != -ENODEV)
		set32(c, NVME_REG_CC, 0);
	return rc;
}
