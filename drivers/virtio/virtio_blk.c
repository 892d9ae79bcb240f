/* SPDX-License-Identifier: MIT */
/* virtio-blk backend: parses each request chain once, checks it, and moves the data to or from a struct blkdev. */
#include "drivers/virtio/virtio_blk.h"

#include <string.h>

#include "kernel/errno.h"
#include "kernel/gmem.h"
#include "kernel/mem.h"

/* Upper bound of chains served per kick: a driver refilling the ring from another vCPU cannot keep
 * this one (and dev.lock) busy forever. What is left waits for the driver's next kick; with
 * EVENT_IDX that kick comes only when the driver's index next crosses avail_event, so the bound is
 * four rings' worth, which only a driver refilling during the drain reaches. */
#define CHAINS_PER_KICK (4 * VIRTIO_BLK_QSIZE)
#define HDR_BYTES ((uint64_t)sizeof(struct virtio_blk_req_hdr))

/* A request as parsed: its header, and how many data bytes it carries in its direction. */
struct blk_req {
	struct virtio_blk_req_hdr hdr;
	uint64_t in_data;  /* writable bytes before the status byte */
	uint64_t out_data; /* readable bytes after the header */
};

static struct virtio_blk *vb_of(struct virtio_pci_dev *dev)
{
	return dev->priv;
}

static bool negotiated(const struct virtio_blk *vb, unsigned bit)
{
	return vb->dev.driver_features & (1ull << bit);
}

/* ---- reads and writes ------------------------------------------------------------------ */

/* Checks the data of an IN or OUT request: whole sectors inside the device; its sector count. */
static bool rw_range(const struct virtio_blk *vb, const struct blk_req *r, uint64_t bytes, uint64_t *sectors)
{
	if (bytes % BLKDEV_SECTOR_SIZE || bytes > VIRTIO_BLK_REQUEST_MAX)
		return false;
	*sectors = bytes >> BLKDEV_SECTOR_SHIFT;
	return blkdev_range_ok(vb->bd, r->hdr.sector, *sectors);
}

/* Guest buffers <- medium: straight from the mapping, else through the bounce buffer. */
static int copy_in(struct virtio_blk *vb, uint64_t sector, uint64_t sectors)
{
	struct blkdev *bd = vb->bd;

	if (bd->ops->map) {
		void *p = bd->ops->map(bd, sector, sectors);

		if (!p)
			return -EIO;
		return virtq_chain_write(vb->vm, &vb->chain, 0, p, sectors << BLKDEV_SECTOR_SHIFT);
	}
	for (uint64_t done = 0; done < sectors;) {
		uint64_t n = sectors - done < vb->bounce_sectors ? sectors - done : vb->bounce_sectors;
		int rc = bd->ops->read(bd, sector + done, vb->bounce, n);

		if (!rc)
			rc = virtq_chain_write(vb->vm, &vb->chain, done << BLKDEV_SECTOR_SHIFT, vb->bounce,
					       n << BLKDEV_SECTOR_SHIFT);
		if (rc)
			return rc;
		done += n;
	}
	return 0;
}

/* Guest buffers -> medium. A failure half-way leaves part written, as a real disk may. */
static int copy_out(struct virtio_blk *vb, uint64_t sector, uint64_t sectors)
{
	struct blkdev *bd = vb->bd;

	if (bd->ops->map) {
		void *p = bd->ops->map(bd, sector, sectors);

		if (!p)
			return -EIO;
		return virtq_chain_read(vb->vm, &vb->chain, HDR_BYTES, p, sectors << BLKDEV_SECTOR_SHIFT);
	}
	for (uint64_t done = 0; done < sectors;) {
		uint64_t n = sectors - done < vb->bounce_sectors ? sectors - done : vb->bounce_sectors;
		int rc = virtq_chain_read(vb->vm, &vb->chain, HDR_BYTES + (done << BLKDEV_SECTOR_SHIFT), vb->bounce,
					  n << BLKDEV_SECTOR_SHIFT);

		if (!rc)
			rc = bd->ops->write(bd, sector + done, vb->bounce, n);
		if (rc)
			return rc;
		done += n;
	}
	return 0;
}

static uint8_t do_in(struct virtio_blk *vb, const struct blk_req *r)
{
	uint64_t sectors;

	if (r->out_data || !rw_range(vb, r, r->in_data, &sectors))
		return VIRTIO_BLK_S_IOERR;
	if (sectors && copy_in(vb, r->hdr.sector, sectors))
		return VIRTIO_BLK_S_IOERR;
	vb->stats.reads++;
	vb->stats.bytes_read += r->in_data;
	vb->kick_bytes += r->in_data;
	return VIRTIO_BLK_S_OK;
}

static uint8_t do_out(struct virtio_blk *vb, const struct blk_req *r)
{
	uint64_t sectors;

	if (r->in_data || vb->bd->read_only || !rw_range(vb, r, r->out_data, &sectors))
		return VIRTIO_BLK_S_IOERR;
	if (sectors && copy_out(vb, r->hdr.sector, sectors))
		return VIRTIO_BLK_S_IOERR;
	vb->stats.writes++;
	vb->stats.bytes_written += r->out_data;
	vb->kick_bytes += r->out_data;
	return VIRTIO_BLK_S_OK;
}

/* ---- the other requests ----------------------------------------------------------------- */

static uint8_t do_flush(struct virtio_blk *vb, const struct blk_req *r)
{
	if (r->in_data || r->out_data || vb->bd->ops->flush(vb->bd))
		return VIRTIO_BLK_S_IOERR;
	vb->stats.flushes++;
	return VIRTIO_BLK_S_OK;
}

/* Up to 20 bytes of serial into the data buffer, however long it is. */
static uint8_t do_get_id(struct virtio_blk *vb, const struct blk_req *r)
{
	size_t n = r->in_data < BLKDEV_ID_BYTES ? (size_t)r->in_data : BLKDEV_ID_BYTES;

	if (r->out_data || !n || virtq_chain_write(vb->vm, &vb->chain, 0, vb->bd->id, n))
		return VIRTIO_BLK_S_IOERR;
	vb->stats.get_ids++;
	return VIRTIO_BLK_S_OK;
}

/* Zeroes one range on a backend without write_zeroes: through its mapping, else chunked writes of
 * the (zeroed) bounce buffer. */
static int emulate_zeroes(struct virtio_blk *vb, uint64_t sector, uint64_t sectors)
{
	struct blkdev *bd = vb->bd;

	if (bd->ops->map) {
		void *p = bd->ops->map(bd, sector, sectors);

		if (!p)
			return -EIO;
		memset(p, 0, sectors << BLKDEV_SECTOR_SHIFT);
		return 0;
	}
	memset(vb->bounce, 0, vb->bounce_sectors << BLKDEV_SECTOR_SHIFT);
	for (uint64_t done = 0; done < sectors;) {
		uint64_t n = sectors - done < vb->bounce_sectors ? sectors - done : vb->bounce_sectors;
		int rc = bd->ops->write(bd, sector + done, vb->bounce, n);

		if (rc)
			return rc;
		done += n;
	}
	return 0;
}

/* Reads the ranges once into vb->ranges and checks all of them before any is acted on, so a bad
 * range fails the request without half of it done. Returns the count, or 0 with *st set. */
static unsigned load_ranges(struct virtio_blk *vb, const struct blk_req *r, bool discard, uint8_t *st)
{
	uint64_t n = r->out_data / sizeof(struct virtio_blk_range);

	*st = VIRTIO_BLK_S_IOERR;
	if (r->in_data || !n || r->out_data % sizeof(struct virtio_blk_range) || n > VIRTIO_BLK_RANGES_MAX ||
	    vb->bd->read_only)
		return 0;
	if (virtq_chain_read(vb->vm, &vb->chain, HDR_BYTES, vb->ranges, (size_t)r->out_data))
		return 0;
	for (unsigned i = 0, total = 0; i < n; i++) {
		const struct virtio_blk_range *g = &vb->ranges[i];

		/* The advertised maximum is per request, as Linux reads it: all ranges together. */
		total += g->num_sectors <= VIRTIO_BLK_RANGE_SECTORS ? g->num_sectors : VIRTIO_BLK_RANGE_SECTORS + 1;
		if (total > VIRTIO_BLK_RANGE_SECTORS)
			return 0;

		/* Reserved flags, or unmap on a discard (which always may unmap), are not understood. */
		if ((g->flags & ~VIRTIO_BLK_WZ_F_UNMAP) || (discard && g->flags)) {
			*st = VIRTIO_BLK_S_UNSUPP;
			return 0;
		}
		if (g->num_sectors > VIRTIO_BLK_RANGE_SECTORS || !blkdev_range_ok(vb->bd, g->sector, g->num_sectors))
			return 0;
	}
	return (unsigned)n;
}

static uint8_t do_ranges(struct virtio_blk *vb, const struct blk_req *r, bool discard)
{
	struct blkdev *bd = vb->bd;
	uint8_t st;
	unsigned n = load_ranges(vb, r, discard, &st);

	if (!n)
		return st;
	for (unsigned i = 0; i < n; i++) {
		uint64_t s = vb->ranges[i].sector, c = vb->ranges[i].num_sectors;
		int rc;

		if (!c)
			continue;
		if (discard)
			rc = bd->ops->discard(bd, s, c);
		else if (bd->ops->write_zeroes)
			rc = bd->ops->write_zeroes(bd, s, c);
		else
			rc = emulate_zeroes(vb, s, c);
		if (rc)
			return VIRTIO_BLK_S_IOERR;
		vb->kick_bytes += c << BLKDEV_SECTOR_SHIFT; /* a RAM disk's discard zeroes too */
	}
	if (discard)
		vb->stats.discards++;
	else
		vb->stats.write_zeroes++;
	return VIRTIO_BLK_S_OK;
}

/* ---- one chain ------------------------------------------------------------------------- */

static uint8_t dispatch(struct virtio_blk *vb, const struct blk_req *r)
{
	switch (r->hdr.type) {
	case VIRTIO_BLK_T_IN:
		return do_in(vb, r);
	case VIRTIO_BLK_T_OUT:
		return do_out(vb, r);
	case VIRTIO_BLK_T_FLUSH:
		return do_flush(vb, r);
	case VIRTIO_BLK_T_GET_ID:
		return do_get_id(vb, r);
	case VIRTIO_BLK_T_DISCARD:
		if (!vb->bd->ops->discard || !negotiated(vb, VIRTIO_BLK_F_DISCARD))
			return VIRTIO_BLK_S_UNSUPP;
		return do_ranges(vb, r, true);
	case VIRTIO_BLK_T_WRITE_ZEROES:
		if (!negotiated(vb, VIRTIO_BLK_F_WRITE_ZEROES))
			return VIRTIO_BLK_S_UNSUPP;
		return do_ranges(vb, r, false);
	default:
		return VIRTIO_BLK_S_UNSUPP;
	}
}

/* The header: straight from the first buffer when it holds all 16 bytes (the usual layout), else
 * gathered across buffers (any layout is allowed). */
static int read_header(struct virtio_blk *vb, struct virtio_blk_req_hdr *hdr)
{
	const struct virtq_seg *s = &vb->chain.segs[0];

	const void *p;

	if (vb->chain.readable_bytes < HDR_BYTES)
		return -EINVAL;
	if (s->len < HDR_BYTES)
		return virtq_chain_read(vb->vm, &vb->chain, 0, hdr, sizeof(*hdr));
	p = gpa_map(vb->vm, s->gpa, sizeof(*hdr));
	if (!p)
		return -EFAULT;
	/* A fixed-size copy the compiler inlines; the barrier makes it the only read of the guest's
	 * header: no field is fetched again from guest memory after the checks. */
	__builtin_memcpy(hdr, p, sizeof(*hdr));
	__asm__ volatile("" : : : "memory");
	return 0;
}

/* Serves the popped chain; returns the bytes to report written. The status byte is the last
 * writable byte, so it sits at the end of the last buffer. */
static uint32_t serve(struct virtio_blk *vb)
{
	struct virtq_chain *c = &vb->chain;
	struct blk_req r;
	const struct virtq_seg *last;
	uint8_t st, *status;

	if (!c->writable_bytes) {
		vb->stats.no_status++; /* nowhere to answer: handed back untouched */
		return 0;
	}
	if (read_header(vb, &r.hdr)) {
		st = VIRTIO_BLK_S_IOERR;
	} else {
		r.in_data = c->writable_bytes - 1;
		r.out_data = c->readable_bytes - HDR_BYTES;
		st = dispatch(vb, &r);
	}
	if (st == VIRTIO_BLK_S_IOERR)
		vb->stats.errors++;
	else if (st == VIRTIO_BLK_S_UNSUPP)
		vb->stats.unsupported++;
	last = &c->segs[c->nr_segs - 1];
	status = gpa_map(vb->vm, last->gpa + last->len - 1, 1);
	if (status) /* RAM gone: the driver sees no answer */
		*status = st;
	return (uint32_t)c->writable_bytes;
}

/*
 * One interrupt for the whole batch. The first round drains with notifications left on, as every
 * drain leaves them: a buffer the driver adds after this round's last (empty) pop is kicked for,
 * so nothing waits, and a lone request pays for no suppression (on one vCPU no other can add
 * while we drain anyway). Only when the last look (virtq_enable_notify) saw buffers that came
 * meanwhile (a driver on another vCPU adding while we drain) do later rounds drain with
 * notifications off, then on again and a last look. The rounds are bounded too: a guest flipping
 * its available index can make the last look see work that the next pop does not find.
 */
static bool over_bound(const struct virtio_blk *vb, unsigned served)
{
	return served >= CHAINS_PER_KICK || vb->kick_bytes >= VIRTIO_BLK_KICK_BYTES;
}

/* A bound stopped the drain with requests left: the driver will not kick for them again (they are
 * already available), so the VM's own context must come back (virtio_blk_poll). */
static void stop_for_now(struct virtio_blk *vb)
{
	vb->stats.kick_limited++;
	vb->resume = true;
	if (vb->want_poll)
		vb->want_poll(vb->want_poll_ctx);
}

static void vb_notify(struct virtio_pci_dev *dev, unsigned queue)
{
	struct virtio_blk *vb = vb_of(dev);
	struct virtq *vq = &dev->vqs[0];
	unsigned served = 0;
	bool more = true;

	if (queue != 0)
		return;
	vb->resume = false;
	vb->kick_bytes = 0;
	for (unsigned rounds = 0; more && rounds < CHAINS_PER_KICK; rounds++) {
		if (rounds)
			virtq_disable_notify(vq);
		for (; !over_bound(vb, served) && !virtq_pop(vq, &vb->chain); served++)
			if (virtq_push(vq, &vb->chain, serve(vb)))
				break; /* broken: the transport sets NEEDS_RESET after us */
		/* A bound hit with notifications on leaves buffers the driver already kicked for. */
		more = virtq_enable_notify(vq) || (!rounds && over_bound(vb, served));
		if (more && over_bound(vb, served)) {
			stop_for_now(vb);
			break;
		}
	}
	if (served)
		virtio_pci_notify_used(dev, 0);
}

void virtio_blk_poll(struct virtio_blk *vb)
{
	virtio_pci_lock(&vb->dev);
	/* Only what a notify would serve: a running driver, a working queue. */
	if (vb->resume && virtio_pci_driver_ok(&vb->dev) && !(vb->dev.status & VIRTIO_STATUS_NEEDS_RESET) &&
	    virtq_is_enabled(&vb->dev.vqs[0]) && !virtq_is_broken(&vb->dev.vqs[0])) {
		vb_notify(&vb->dev, 0);
		virtio_pci_check_broken(&vb->dev, 0);
	} else {
		vb->resume = false;
	}
	virtio_pci_unlock(&vb->dev);
}

/* ---- config, reset, setup -------------------------------------------------------------- */

static void vb_config_read(struct virtio_pci_dev *dev, uint32_t off, unsigned size, uint64_t *value)
{
	*value = 0;
	memcpy(value, (const uint8_t *)&vb_of(dev)->cfg + off, size); /* the transport bounds off + size */
}

/* Requests complete inside notify under dev.lock, as does the reset: none is ever half-done here.
 * A chain popped before a reset could not be pushed after it anyway (the queue's generation). */
static void vb_reset(struct virtio_pci_dev *dev)
{
	vb_of(dev)->resume = false; /* the old rings' leftovers are not the new driver's */
}

static uint64_t blk_features(const struct blkdev *bd)
{
	uint64_t f = (1ull << VIRTIO_BLK_F_SIZE_MAX) | (1ull << VIRTIO_BLK_F_SEG_MAX) |
		     (1ull << VIRTIO_BLK_F_BLK_SIZE) | (1ull << VIRTIO_BLK_F_WRITE_ZEROES);

	if (bd->volatile_cache)
		f |= 1ull << VIRTIO_BLK_F_FLUSH;
	if (bd->read_only)
		f |= 1ull << VIRTIO_BLK_F_RO;
	if (bd->ops->discard)
		f |= 1ull << VIRTIO_BLK_F_DISCARD;
	return f;
}

static void fill_config(struct virtio_blk_config *cfg, const struct blkdev *bd)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->capacity = bd->sectors;
	cfg->size_max = VIRTIO_BLK_SIZE_MAX;
	cfg->seg_max = VIRTIO_BLK_SEG_MAX;
	cfg->blk_size = BLKDEV_SECTOR_SIZE;
	if (bd->ops->discard) {
		cfg->max_discard_sectors = VIRTIO_BLK_RANGE_SECTORS;
		cfg->max_discard_seg = VIRTIO_BLK_RANGES_MAX;
		cfg->discard_sector_alignment = 1;
	}
	cfg->max_write_zeroes_sectors = VIRTIO_BLK_RANGE_SECTORS;
	cfg->max_write_zeroes_seg = VIRTIO_BLK_RANGES_MAX;
	cfg->write_zeroes_may_unmap = 0; /* zeroes are written, never unmapped */
}

int virtio_blk_init(struct virtio_blk *vb, struct vm *vm, struct blkdev *bd)
{
	if (!bd || !bd->ops || !bd->ops->read || !bd->ops->write || !bd->ops->flush || !bd->sectors ||
	    bd->max_io_sectors < 8)
		return -EINVAL;
	vb->vm = vm;
	vb->bd = bd;
	if (!bd->ops->map) {
		vb->bounce_sectors = bd->max_io_sectors < VIRTIO_BLK_BOUNCE_SECTORS ? bd->max_io_sectors
										    : VIRTIO_BLK_BOUNCE_SECTORS;
		vb->bounce = pages_alloc((vb->bounce_sectors * BLKDEV_SECTOR_SIZE + PAGE_SIZE - 1) / PAGE_SIZE,
					 PAGE_SIZE);
		if (!vb->bounce)
			return -ENOMEM;
	}
	fill_config(&vb->cfg, bd);
	vb->ops = (struct virtio_dev_ops){
		.name = "virtio-blk",
		.device_id = VIRTIO_BLK_DEVICE_ID,
		.class_code = 0x010000, /* mass storage, SCSI: what other hypervisors show */
		.features = blk_features(bd),
		.num_queues = 1,
		.queue_max = { VIRTIO_BLK_QSIZE },
		.config_size = VIRTIO_BLK_CONFIG_SIZE,
		.config_read = vb_config_read,
		.notify = vb_notify,
		.reset = vb_reset,
	};
	return virtio_pci_init(&vb->dev, vm, &vb->ops, vb);
}

static size_t vb_pages(void)
{
	return (sizeof(struct virtio_blk) + PAGE_SIZE - 1) / PAGE_SIZE;
}

int virtio_blk_attach(struct vm *vm, struct blkdev *bd, unsigned slot, struct virtio_blk **out)
{
	struct virtio_blk *vb = pages_alloc(vb_pages(), PAGE_SIZE); /* zeroed, not .bss */
	int rc;

	if (!vb)
		return -ENOMEM;
	rc = virtio_blk_init(vb, vm, bd);
	if (!rc)
		rc = virtio_pci_register(&vb->dev, vm, slot);
	if (rc) {
		if (vb->bounce)
			pages_free(vb->bounce, (vb->bounce_sectors * BLKDEV_SECTOR_SIZE + PAGE_SIZE - 1) / PAGE_SIZE);
		pages_free(vb, vb_pages());
		return rc;
	}
	if (out)
		*out = vb;
	return 0;
}
