/* SPDX-License-Identifier: MIT */
/* An NVMe namespace as a blkdev: 512-byte sectors onto LBAs, chunked through the bounce buffer. */
#include "drivers/host/nvme.h"

#include <string.h>

#include "kernel/console.h"
#include "kernel/errno.h"
#include "kernel/mem.h"


#define SECTOR_SHIFT BLKDEV_SECTOR_SHIFT
#define NLB_MAX 0x10000u          /* read/write/write-zeroes: 16-bit 0's-based count */
#define DSM_NLB_MAX 0x80000000u   /* one DSM range: a 32-bit count; keep it well inside */

static struct nvme_ns *ns_of(struct blkdev *bd)
{
	return bd->priv;
}

/* Sector range -> LBA range; -EINVAL outside the namespace or not whole LBAs. */
static int to_lbas(const struct nvme_ns *ns, uint64_t sector, uint64_t sectors, uint64_t *lba, uint64_t *nlb)
{
	unsigned per = ns->lba_shift - SECTOR_SHIFT;
	uint64_t mask = (1ull << per) - 1;

	if (!blkdev_range_ok(&ns->bd, sector, sectors) || (sector & mask) || (sectors & mask))
		return -EINVAL;
	*lba = sector >> per;
	*nlb = sectors >> per;
	return 0;
}

static int rw_chunk(struct nvme_ns *ns, uint8_t opcode, uint64_t lba, uint32_t nlb)
{
	struct nvme_ctrl *c = ns->ctrl;
	struct nvme_sqe sqe = { .opcode = opcode, .nsid = ns->nsid, .cdw10 = (uint32_t)lba,
				.cdw11 = (uint32_t)(lba >> 32), .cdw12 = nlb - 1 };
	uint32_t bytes = nlb << ns->lba_shift;
	uint64_t prp1, prp2;

	if (nvme_prp_build(virt_to_phys(c->bounce), bytes, c->prp_list, virt_to_phys(c->prp_list), &prp1, &prp2))
		return -EIO;
	sqe.prp1 = prp1;
	sqe.prp2 = prp2;
	return nvme_submit_sync(c, &c->io, &sqe, NULL);
}

static int ns_rw(struct blkdev *bd, uint64_t sector, uint8_t *buf, uint64_t sectors, bool write)
{
	struct nvme_ns *ns = ns_of(bd);
	struct nvme_ctrl *c = ns->ctrl;
	uint64_t lba, nlb;
	int rc = to_lbas(ns, sector, sectors, &lba, &nlb);
	uint32_t per_cmd = c->max_xfer >> ns->lba_shift;

	while (!rc && nlb) {
		uint32_t n = nlb < per_cmd ? (uint32_t)nlb : per_cmd;
		size_t bytes = (size_t)n << ns->lba_shift;

		spin_lock(&c->lock);
		if (write)
			memcpy(c->bounce, buf, bytes);
		rc = rw_chunk(ns, write ? NVME_CMD_WRITE : NVME_CMD_READ, lba, n);
		if (!rc && !write)
			memcpy(buf, c->bounce, bytes);
		spin_unlock(&c->lock);
		buf += bytes;
		lba += n;
		nlb -= n;
	}
	return rc;
}

static int ns_read(struct blkdev *bd, uint64_t sector, void *buf, uint64_t sectors)
{
	return ns_rw(bd, sector, buf, sectors, false);
}

static int ns_write(struct blkdev *bd, uint64_t sector, const void *buf, uint64_t sectors)
{
	if (bd->read_only)
		return -EROFS;
	return ns_rw(bd, sector, (uint8_t *)buf, sectors, true);
}

static int ns_flush(struct blkdev *bd)
{
	struct nvme_ns *ns = ns_of(bd);
	struct nvme_sqe sqe = { .opcode = NVME_CMD_FLUSH, .nsid = ns->nsid };
	int rc;

	spin_lock(&ns->ctrl->lock);
	rc = nvme_submit_sync(ns->ctrl, &ns->ctrl->io, &sqe, NULL);
	spin_unlock(&ns->ctrl->lock);
	return rc;
}

static int dsm_chunk(struct nvme_ns *ns, uint64_t lba, uint32_t nlb)
{
	struct nvme_ctrl *c = ns->ctrl;
	struct nvme_dsm_range r = { .attrs = 0, .nlb = nlb, .slba = lba };
	struct nvme_sqe sqe = { .opcode = NVME_CMD_DSM, .nsid = ns->nsid, .prp1 = virt_to_phys(c->bounce),
				.cdw10 = 0 /* one range */, .cdw11 = NVME_DSM_AD };

	memset(c->bounce, 0, 4096);
	memcpy(c->bounce, &r, sizeof(r));
	return nvme_submit_sync(c, &c->io, &sqe, NULL);
}

static int zeroes_chunk(struct nvme_ns *ns, uint64_t lba, uint32_t nlb)
{
	struct nvme_sqe sqe = { .opcode = NVME_CMD_WRITE_ZEROES, .nsid = ns->nsid, .cdw10 = (uint32_t)lba,
				.cdw11 = (uint32_t)(lba >> 32), .cdw12 = nlb - 1 };

	return nvme_submit_sync(ns->ctrl, &ns->ctrl->io, &sqe, NULL);
}

/* Discard and write-zeroes: no data, one command per chunk of max LBAs. */
static int ns_range_op(struct blkdev *bd, uint64_t sector, uint64_t sectors, bool zero)
{
	struct nvme_ns *ns = ns_of(bd);
	uint64_t lba, nlb;
	int rc = bd->read_only ? -EROFS : to_lbas(ns, sector, sectors, &lba, &nlb);
	uint32_t max = zero ? NLB_MAX : DSM_NLB_MAX;

	while (!rc && nlb) {
		uint32_t n = nlb < max ? (uint32_t)nlb : max;

		spin_lock(&ns->ctrl->lock);
		rc = zero ? zeroes_chunk(ns, lba, n) : dsm_chunk(ns, lba, n);
		spin_unlock(&ns->ctrl->lock);
		lba += n;
		nlb -= n;
	}
	return rc;
}

static int ns_discard(struct blkdev *bd, uint64_t sector, uint64_t sectors)
{
	return ns_range_op(bd, sector, sectors, false);
}

static int ns_write_zeroes(struct blkdev *bd, uint64_t sector, uint64_t sectors)
{
	return ns_range_op(bd, sector, sectors, true);
}

void nvme_ctrl_setup_ops(struct nvme_ctrl *c)
{
	c->ops = (struct blkdev_ops){ .read = ns_read, .write = ns_write, .flush = ns_flush };
	if (c->oncs & NVME_ONCS_DSM)
		c->ops.discard = ns_discard;
	if (c->oncs & NVME_ONCS_WRITE_ZEROES)
		c->ops.write_zeroes = ns_write_zeroes;
}

void nvme_ns_setup_blkdev(struct nvme_ns *ns)
{
	struct nvme_ctrl *c = ns->ctrl;
	struct blkdev *bd = &ns->bd;

	bd->ops = &c->ops;
	bd->priv = ns;
	bd->sectors = ns->lbas << (ns->lba_shift - SECTOR_SHIFT);
	bd->max_io_sectors = c->max_xfer >> SECTOR_SHIFT;
	bd->read_only = false;
	bd->persistent = true;
	bd->volatile_cache = c->vwc;
	memset(bd->id, 0, sizeof(bd->id));
	memcpy(bd->id, c->serial, strnlen(c->serial, sizeof(bd->id)));
	fmt_snprintf(bd->name, sizeof(bd->name), "%sn%u", c->name, ns->nsid);
}
