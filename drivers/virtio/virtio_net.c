/* SPDX-License-Identifier: MIT */
/* virtio-net backend: tx chains into the VM's switch port, the port's inbox into posted rx chains. */
#include "drivers/virtio/virtio_net.h"

#include <string.h>

#include "kernel/errno.h"
#include "kernel/mem.h"

#define HDR_LEN ((uint32_t)sizeof(struct virtio_net_hdr_v1))

static struct virtio_net *vn_of(struct virtio_pci_dev *dev)
{
	return dev->priv;
}

/* ---- tx ------------------------------------------------------------------------------- */

/* The rest of the frame for the switch, straight from the guest's buffers into an inbox. */
static int tx_copy(void *ctx, uint32_t off, void *dst, uint32_t n)
{
	struct virtio_net *vn = ctx;

	return virtq_chain_read(vn->vm, &vn->chain, HDR_LEN + (uint64_t)off, dst, n) ? -EFAULT : 0;
}

/* One popped tx chain: header and Ethernet header read once, the switch decides on that copy. */
static void tx_one(struct virtio_net *vn)
{
	struct {
		struct virtio_net_hdr_v1 h;
		struct eth_hdr e;
	} __attribute__((packed)) snap;
	const struct virtq_chain *c = &vn->chain;
	struct vswitch_frame f = { .head = (const uint8_t *)&snap.e, .copy = tx_copy, .ctx = vn };
	uint64_t len = c->readable_bytes - HDR_LEN;
	uint32_t take;

	vn->stats.tx_chains++;
	if (c->nr_readable != c->nr_segs || c->readable_bytes < HDR_LEN) {
		vn->stats.tx_bad_chain++;
		return;
	}
	take = len < ETH_HLEN ? (uint32_t)len : ETH_HLEN;
	if (virtq_chain_read(vn->vm, c, 0, &snap, HDR_LEN + take)) {
		vn->stats.tx_bad_chain++;
		return;
	}
	if (snap.h.gso_type != VIRTIO_NET_HDR_GSO_NONE || (snap.h.flags & VIRTIO_NET_HDR_F_NEEDS_CSUM)) {
		vn->stats.tx_bad_hdr++;
		return;
	}
	f.head_len = take;
	f.len = len > UINT32_MAX ? UINT32_MAX : (uint32_t)len; /* the switch refuses it as oversize */
	if (vswitch_send(&vn->port, &f) >= 0)
		vn->stats.tx_sent++;
	else
		vn->stats.tx_dropped++;
}

/*
 * Serves at most VIRTIO_NET_TX_BATCH chains; dev->lock held. The first pass leaves notifications
 * on (a frame the driver adds after its last, empty pop is kicked for, and a lone frame pays for
 * no suppression); only when the last look finds frames that came meanwhile does the drain go on
 * with them off, as in virtio_blk.c's vb_notify.
 */
static void serve_tx(struct virtio_net *vn)
{
	struct virtq *vq = &vn->dev.vqs[VIRTIO_NET_TXQ];
	unsigned n = 0;

	vn->tx_pending = false;
	for (;;) {
		while (n < VIRTIO_NET_TX_BATCH && !virtq_pop(vq, &vn->chain)) {
			tx_one(vn);
			n++;
			if (virtq_push(vq, &vn->chain, 0))
				break;
		}
		if (n >= VIRTIO_NET_TX_BATCH) {
			/* The guest would not kick for what is already queued (on or off, notifications
			 * stay as they are): the own port's wake brings virtio_net_poll_rx, which continues. */
			vn->tx_pending = true;
			break;
		}
		if (!virtq_enable_notify(vq))
			break;
		virtq_disable_notify(vq); /* more came while notifications were off: go on */
	}
	if (n)
		virtio_pci_notify_used(&vn->dev, VIRTIO_NET_TXQ);
	virtio_pci_check_broken(&vn->dev, VIRTIO_NET_TXQ);
	vswitch_flush_wakes(&vn->port);
	if (vn->tx_pending && vn->port.sw)
		vn->port.wake(&vn->port);
}

/* ---- rx ------------------------------------------------------------------------------- */

/* The head inbox frame into the popped chain; returns the bytes written (0: dropped). */
static uint32_t rx_one(struct virtio_net *vn, uint8_t *frame, uint32_t len)
{
	uint8_t *hdr = frame - HDR_LEN; /* the inbox's headroom, zeroed by the switch */
	uint16_t one = 1;

	if (vn->chain.writable_bytes < (uint64_t)HDR_LEN + len) {
		vn->stats.rx_too_big++;
		return 0;
	}
	memcpy(hdr + offsetof(struct virtio_net_hdr_v1, num_buffers), &one, 2);
	if (virtq_chain_write(vn->vm, &vn->chain, 0, hdr, HDR_LEN + len)) {
		vn->stats.rx_fault++;
		return 0;
	}
	vn->stats.rx_frames++;
	vn->stats.rx_bytes += len;
	return HDR_LEN + len;
}

/* A chain for the next frame; false: none posted, and rx notifications are back on for it. */
static bool rx_pop(struct virtio_net *vn, struct virtq *vq)
{
	if (!virtq_pop(vq, &vn->chain))
		return true;
	/* Starved: ask for a kick when buffers come, and look once more for one that came meanwhile. */
	return virtq_enable_notify(vq) && !virtq_pop(vq, &vn->chain);
}

/* Moves inbox frames into posted chains, one interrupt at the end; dev->lock held. */
static void serve_rx(struct virtio_net *vn)
{
	struct virtq *vq = &vn->dev.vqs[VIRTIO_NET_RXQ];
	unsigned n = 0;
	uint8_t *frame;
	uint32_t len;

	if (!vn->port.sw || !virtio_pci_driver_ok(&vn->dev) || (vn->dev.status & VIRTIO_STATUS_NEEDS_RESET))
		return;
	frame = vswitch_inbox_peek(&vn->port, &len);
	if (!frame)
		return;
	virtq_disable_notify(vq); /* while frames and buffers both last, kicks are not needed */
	for (; frame && n < VIRTIO_NET_RX_BATCH; n++) {
		uint32_t written;

		if (!rx_pop(vn, vq))
			break;
		written = rx_one(vn, frame, len);
		if (virtq_push(vq, &vn->chain, written))
			break;
		frame = vswitch_inbox_next(&vn->port, &len);
	}
	if (n)
		virtio_pci_notify_used(&vn->dev, VIRTIO_NET_RXQ);
	virtio_pci_check_broken(&vn->dev, VIRTIO_NET_RXQ);
	if (frame && n == VIRTIO_NET_RX_BATCH)
		vn->port.wake(&vn->port); /* bound reached with frames and maybe buffers left: come back */
}

void virtio_net_poll_rx(struct virtio_net *vn)
{
	virtio_pci_lock(&vn->dev);
	if (vn->tx_pending && virtio_pci_driver_ok(&vn->dev)) {
		vn->stats.tx_resumed++;
		serve_tx(vn);
	}
	serve_rx(vn);
	virtio_pci_unlock(&vn->dev);
}

/* ---- the transport's callbacks, dev->lock held ------------------------------------------------ */

static void vn_notify(struct virtio_pci_dev *dev, unsigned queue)
{
	if (queue == VIRTIO_NET_TXQ)
		serve_tx(vn_of(dev));
	else if (queue == VIRTIO_NET_RXQ)
		serve_rx(vn_of(dev)); /* new buffers: hand over what waited */
}

static void vn_config_read(struct virtio_pci_dev *dev, uint32_t off, unsigned size, uint64_t *value)
{
	struct virtio_net *vn = vn_of(dev);
	struct virtio_net_config cfg = { .max_virtqueue_pairs = 1 };

	memcpy(cfg.mac, vn->port.mac, sizeof(cfg.mac));
	if (vn->port.sw) {
		cfg.status = VIRTIO_NET_S_LINK_UP;
		cfg.mtu = (uint16_t)vn->port.sw->mtu;
	}
	*value = 0;
	if (off < sizeof(cfg) && size <= sizeof(cfg) - off)
		memcpy(value, (const uint8_t *)&cfg + off, size);
}

/* Frames queued for a driver that is gone are stale; the next driver starts from an empty inbox.
 * A tx batch left over belonged to the old rings. */
static void vn_reset(struct virtio_pci_dev *dev)
{
	struct virtio_net *vn = vn_of(dev);

	vn->tx_pending = false;
	if (vn->port.sw)
		vn->stats.rx_flushed += vswitch_inbox_flush(&vn->port);
}

static const struct virtio_dev_ops net_ops = {
	.name = "virtio-net",
	.device_id = VIRTIO_NET_DEVICE_ID,
	.class_code = VIRTIO_NET_CLASS,
	.features = VIRTIO_NET_FEATURES,
	.num_queues = 2,
	.queue_max = { VIRTIO_NET_QSIZE, VIRTIO_NET_QSIZE },
	.config_size = sizeof(struct virtio_net_config),
	.config_read = vn_config_read,
	.notify = vn_notify,
	.reset = vn_reset,
};

int virtio_net_init(struct virtio_net *vn, struct vm *vm, struct vswitch *sw, const uint8_t mac[6],
		    bool allow_spoofing, void (*wake)(struct vswitch_port *), void *wake_ctx)
{
	int rc;

	vn->vm = vm;
	rc = vswitch_port_attach(sw, &vn->port, mac, allow_spoofing, wake, wake_ctx);
	if (rc)
		return rc;
	rc = virtio_pci_init(&vn->dev, vm, &net_ops, vn);
	if (rc)
		vswitch_port_detach(&vn->port);
	return rc;
}

int virtio_net_attach(struct vm *vm, struct vswitch *sw, const uint8_t mac[6], bool allow_spoofing,
		      void (*wake)(struct vswitch_port *), void *wake_ctx, unsigned slot, struct virtio_net **out)
{
	size_t pages = (sizeof(struct virtio_net) + PAGE_SIZE - 1) / PAGE_SIZE;
	struct virtio_net *vn = pages_alloc(pages, PAGE_SIZE); /* zeroed, not .bss */
	int rc;

	if (!vn)
		return -ENOMEM;
	rc = virtio_net_init(vn, vm, sw, mac, allow_spoofing, wake, wake_ctx);
	if (!rc) {
		rc = virtio_pci_register(&vn->dev, vm, slot);
		if (rc)
			vswitch_port_detach(&vn->port);
	}
	if (rc) {
		pages_free(vn, pages);
		return rc;
	}
	*out = vn;
	return 0;
}

void virtio_net_detach(struct virtio_net *vn)
{
	virtio_pci_lock(&vn->dev);
	vswitch_port_detach(&vn->port);
	vn->tx_pending = false;
	virtio_pci_unlock(&vn->dev);
}
