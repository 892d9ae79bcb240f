/* SPDX-License-Identifier: MIT */
/* virtio-net (device id 1) on a virtual switch port: tx chains into the switch, the port's inbox into rx buffers. */
#ifndef BASALT_VIRTIO_NET_H
#define BASALT_VIRTIO_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "drivers/net/vswitch.h"
#include "drivers/virtio/virtio_pci.h"

/*
 * Features offered (device-type bits; the transport adds VERSION_1, EVENT_IDX, INDIRECT_DESC):
 *   MAC     the port's own address, which anti-spoofing enforces, so the driver must use it;
 *   MTU     the switch's MTU, so the driver sizes buffers and frames to what the switch forwards;
 *   STATUS  link up, always.
 * Not offered, on purpose:
 *   CSUM / GUEST_CSUM / GSO / TSO / UFO: guests compute their own checksums and segment their own
 *     frames, so every frame on the switch is a complete, checked Ethernet frame and the switch
 *     never has to finish one for a receiver that did not negotiate the same offloads;
 *   CTRL_VQ (and with it RX filters, MAC tables, MQ): delivery is the switch's decision (learnt
 *     unicast, flooding), so a per-device rx filter has nothing to act on;
 *   MRG_RXBUF: a frame spread over several rx chains needs all of their used entries published
 *     at once (the driver reads num_buffers off the first and expects the rest visible), which the
 *     virtqueue library's per-chain push cannot do yet. Without it, Linux with an MTU above 1500
 *     posts "big" chains (header buffer + page buffers), which this device fills like any other.
 *
 * Queues: rx 0, tx 1, VIRTIO_NET_QSIZE entries each. Every frame is preceded by a 12-byte
 * virtio_net_hdr_v1 (the VERSION_1 layout).
 *
 * Tx (guest kick, the guest's vm->lock and dev->lock held): chains are popped with the queue's
 * notifications off (the loop re-enables and re-checks), each frame goes to vswitch_send, at most
 * VIRTIO_NET_TX_BATCH per kick; one used-ring interrupt and one wake per destination per kick.
 * Drops, each counted and the chain returned with 0 bytes (no NEEDS_RESET: the ring is intact,
 * only the request is wrong, and a reset would take the link down for a guest whose other frames
 * are fine):
 *   tx_bad_chain  writable buffers in a tx chain, or fewer than 12 readable bytes;
 *   tx_bad_hdr    gso_type != NONE or NEEDS_CSUM (neither offload is negotiated);
 *   tx_dropped    the switch refused it (spoofed source, size, local unicast: the port says why).
 * Rx (virtio_net_poll_rx in the VM's own context, or the guest's rx kick): inbox frames go into
 * posted chains after a zeroed header with num_buffers 1, at most VIRTIO_NET_RX_BATCH per call,
 * then one interrupt. A frame longer than the chain's writable room is dropped (rx_too_big) and
 * the chain returned with 0 bytes: the driver sized its buffers from our MTU, so this only hits a
 * broken driver, and handing the chain back keeps the ring moving (Linux counts it as a length
 * error). No chain posted: the frame waits in the inbox with rx notifications on; the driver's
 * next rx kick drains it. A device reset throws the inbox away (rx_flushed).
 */

#define VIRTIO_NET_DEVICE_ID 1
#define VIRTIO_NET_CLASS 0x020000 /* network controller, Ethernet */
#define VIRTIO_NET_RXQ 0
#define VIRTIO_NET_TXQ 1
#define VIRTIO_NET_QSIZE 256
#define VIRTIO_NET_TX_BATCH VIRTIO_NET_QSIZE /* chains per tx kick; the rest continues at the next poll */
#define VIRTIO_NET_RX_BATCH VIRTIO_NET_QSIZE /* frames per rx drain; the port's wake asks for another */

/* Device feature bits (virtio 1.2, 5.1.3). */
#define VIRTIO_NET_F_CSUM 0
#define VIRTIO_NET_F_GUEST_CSUM 1
#define VIRTIO_NET_F_MTU 3
#define VIRTIO_NET_F_MAC 5
#define VIRTIO_NET_F_MRG_RXBUF 15
#define VIRTIO_NET_F_STATUS 16
#define VIRTIO_NET_F_CTRL_VQ 17
#define VIRTIO_NET_F_MQ 22
#define VIRTIO_NET_FEATURES \
	((1ull << VIRTIO_NET_F_MAC) | (1ull << VIRTIO_NET_F_MTU) | (1ull << VIRTIO_NET_F_STATUS))

#define VIRTIO_NET_S_LINK_UP 1u
#define VIRTIO_NET_HDR_F_NEEDS_CSUM 1u
#define VIRTIO_NET_HDR_GSO_NONE 0u

/* The per-frame header (5.1.6), VERSION_1 layout: num_buffers is always there. */
struct virtio_net_hdr_v1 {
	uint8_t flags;        /* 0x0: VIRTIO_NET_HDR_F_* */
	uint8_t gso_type;     /* 0x1: VIRTIO_NET_HDR_GSO_* */
	uint16_t hdr_len;     /* 0x2 */
	uint16_t gso_size;    /* 0x4 */
	uint16_t csum_start;  /* 0x6 */
	uint16_t csum_offset; /* 0x8 */
	uint16_t num_buffers; /* 0xa: rx chains this frame spans (1 without MRG_RXBUF) */
} __attribute__((packed));
_Static_assert(sizeof(struct virtio_net_hdr_v1) == 12, "virtio_net_hdr_v1 is 12 bytes");
_Static_assert(offsetof(struct virtio_net_hdr_v1, gso_type) == 1, "gso_type at 1");
_Static_assert(offsetof(struct virtio_net_hdr_v1, csum_start) == 6, "csum_start at 6");
_Static_assert(offsetof(struct virtio_net_hdr_v1, num_buffers) == 10, "num_buffers at 10");
_Static_assert(sizeof(struct virtio_net_hdr_v1) == VSWITCH_INBOX_HEADROOM, "the inbox leaves room for the header");

/* Device config (5.1.4), little endian; read-only here. */
struct virtio_net_config {
	uint8_t mac[6];               /* 0x0: VIRTIO_NET_F_MAC */
	uint16_t status;              /* 0x6: VIRTIO_NET_F_STATUS */
	uint16_t max_virtqueue_pairs; /* 0x8: 1 (no MQ) */
	uint16_t mtu;                 /* 0xa: VIRTIO_NET_F_MTU */
} __attribute__((packed));
_Static_assert(sizeof(struct virtio_net_config) == 12, "virtio_net_config is 12 bytes");
_Static_assert(offsetof(struct virtio_net_config, status) == 6, "status at 6");
_Static_assert(offsetof(struct virtio_net_config, max_virtqueue_pairs) == 8, "max_virtqueue_pairs at 8");
_Static_assert(offsetof(struct virtio_net_config, mtu) == 10, "mtu at 10");

/* Per-device counters, dev->lock. Port-level ones (spoof, size, inbox full) are in port.stats. */
struct virtio_net_stats {
	uint64_t tx_chains;     /* popped from the tx queue */
	uint64_t tx_sent;       /* accepted by the switch */
	uint64_t tx_bad_chain, tx_bad_hdr, tx_dropped;
	uint64_t rx_frames, rx_bytes; /* delivered into the guest */
	uint64_t rx_too_big, rx_fault, rx_flushed;
	uint64_t tx_resumed;    /* tx batches continued from virtio_net_poll_rx */
};

/*
 * Locking: dev->lock (the transport's) guards everything here; taken by the transport around the
 * guest's BAR accesses (vm->lock already held) and by virtio_net_poll_rx. port belongs to the
 * switch's locking (drivers/net/vswitch.h); port.stats are read under sw->lock.
 */
struct virtio_net {
	struct virtio_pci_dev dev;
	struct vm *vm;
	struct vswitch_port port;
	bool tx_pending;         /* a tx kick stopped at VIRTIO_NET_TX_BATCH */
	struct virtq_chain chain; /* the chain being served, tx or rx (too big for a stack) */
	struct virtio_net_stats stats;
};

/* Sets up vn (zeroed by the caller) as vm's virtio-net on sw with mac (unicast), attached to the
 * switch; wake(port) is how frames arriving for it ask for virtio_net_poll_rx (port->wake_ctx is
 * wake_ctx). Not on the bus yet. 0 or -errno. */
int virtio_net_init(struct virtio_net *vn, struct vm *vm, struct vswitch *sw, const uint8_t mac[6],
		    bool allow_spoofing, void (*wake)(struct vswitch_port *), void *wake_ctx);
/* pages_alloc's one, initialises it and registers it at 00:slot.0. 0 and *out, or -errno. */
int virtio_net_attach(struct vm *vm, struct vswitch *sw, const uint8_t mac[6], bool allow_spoofing,
		      void (*wake)(struct vswitch_port *), void *wake_ctx, unsigned slot, struct virtio_net **out);
/* In vm's own context, vm->lock held: moves inbox frames into posted rx buffers and interrupts
 * once; also continues a tx batch the per-kick bound cut short. Takes dev->lock. */
void virtio_net_poll_rx(struct virtio_net *vn);
/* Leaves the switch (the inbox is freed). The device stays on the bus with its link down. */
void virtio_net_detach(struct virtio_net *vn);

#endif
