/* SPDX-License-Identifier: MIT */
/* Named virtual Ethernet switches inside the hypervisor: ports, MAC learning, anti-spoofing, per-port inboxes. */
#ifndef BASALT_VSWITCH_H
#define BASALT_VSWITCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "drivers/net/eth.h"
#include "sched/spinlock.h"

/*
 * Receiver-context delivery. A sender (a virtio-net tx path, under its vm->lock and dev->lock)
 * hands a frame to vswitch_send; the switch decides the destination ports and copies the frame
 * into each one's inbox, a bounded byte ring in host memory. Nothing here touches another VM's
 * memory or interrupt state: the receiving device drains its own inbox later, in its own VM's
 * context (vswitch_inbox_peek / vswitch_inbox_drop).
 *
 * Lock order: vm->lock -> dev->lock -> sw->lock -> port->inbox.lock. The wake callback runs with
 * sw->lock held (so the port cannot be detached under it) and must take no vm->lock.
 *
 * Guards:
 *   sw->lock:          sw->ports[], port_mask, wake_mask, the MAC table, sw->stats, and every
 *                      port's stats (the tx side counts under it, and so does every enqueue).
 *   port->inbox.lock:  inbox head/tail/used (producers: senders under sw->lock; the one consumer:
 *                      the owning device under its dev->lock). The record at the head is the
 *                      consumer's between peek and drop: producers never write there.
 *   fixed after attach: port->sw, mac, allow_spoofing, idx, wake, wake_ctx, inbox.buf.
 *   port->wake_owed:   the sending device's own (its dev->lock).
 */

#define VSWITCH_NAME_MAX 32
#define VSWITCH_MTU_MIN 68
#define VSWITCH_MTU_MAX 9000
#define VSWITCH_MTU_DEFAULT 1500
#define VSWITCH_MAX_PORTS 32
#define VSWITCH_MAC_BUCKETS 64 /* x VSWITCH_MAC_WAYS entries, oldest replaced when a bucket is full */
#define VSWITCH_MAC_WAYS 4
#define VSWITCH_INBOX_BYTES (256u * 1024u)
#define VSWITCH_INBOX_HEADROOM 12u /* bytes before each queued frame the consumer may fill (a virtio-net header) */
#define VSWITCH_VLAN_TAG 4u        /* one 802.1Q tag beyond the MTU is accepted */


/* Per-port counters, sw->lock. tx_*: frames the port sent; rx_*: frames queued into its inbox. */
struct vswitch_port_stats {
	uint64_t tx_attempts;        /* every vswitch_send from this port */
	uint64_t tx_frames, tx_bytes; /* accepted (forwarded to >= 0 ports) */
	uint64_t flooded;            /* accepted frames sent to every other port */
	uint64_t dropped_spoof;      /* source MAC not the port's own (allow_spoofing off) */
	uint64_t dropped_undersize;  /* shorter than an Ethernet header */
	uint64_t dropped_oversize;   /* longer than 14 + MTU + one VLAN tag */
	uint64_t dropped_local;      /* unicast to a MAC learnt on this same port */
	uint64_t rx_frames, rx_bytes; /* queued into this port's inbox */
	uint64_t dropped_inbox_full; /* for this port, its inbox had no room */
	uint64_t dropped_fault;      /* for this port, the sender's bytes could not be read */
	uint64_t flushed;            /* queued frames thrown away by vswitch_inbox_flush */
};

struct vswitch_stats {
	uint64_t frames;      /* accepted from any port */
	uint64_t unicast;     /* sent to a single learnt port */
	uint64_t flooded;     /* sent to every other port */
	uint64_t deliveries;  /* destination ports tried, summed over frames */
	uint64_t learned, moved, replaced;
};

/* A byte ring of records: le32 length, VSWITCH_INBOX_HEADROOM bytes, the frame, padding to 8.
 * A record never wraps; a length of VSWITCH_INBOX_SKIP sends the reader back to offset 0. */
struct vswitch_inbox {
	spinlock_t lock;
	uint8_t *buf;          /* VSWITCH_INBOX_BYTES from pages_alloc */
	uint32_t head, tail;   /* offsets in [0, VSWITCH_INBOX_BYTES) */
	uint32_t used;         /* bytes taken, skipped tails included */
	uint32_t frames;       /* records queued */
};

struct vswitch;
struct vswitch_port;
typedef void (*vswitch_wake_fn)(struct vswitch_port *port);

struct vswitch_port {
	struct vswitch *sw;    /* NULL when not attached */
	uint8_t mac[ETH_ALEN];
	bool allow_spoofing;
	uint8_t idx;           /* slot in sw->ports */
	vswitch_wake_fn wake;  /* "frames wait in your inbox"; called with sw->lock held */
	void *wake_ctx;        /* the wake callback's own pointer */
	bool wake_owed;        /* a send of this port queued a wake; vswitch_flush_wakes delivers it */
	struct vswitch_inbox inbox;
	struct vswitch_port_stats stats;
};

struct vswitch_mac_entry {
	uint8_t mac[ETH_ALEN];
	uint8_t port;          /* idx + 1; 0: empty */
	uint8_t fixed;         /* a port's own MAC, installed at attach: never moved or replaced */
	uint32_t stamp;        /* sw->clock when last learnt or refreshed */
};

struct vswitch {
	char name[VSWITCH_NAME_MAX];
	uint32_t mtu;
	spinlock_t lock;
	struct vswitch_port *ports[VSWITCH_MAX_PORTS];
	uint32_t port_mask;    /* bit i: ports[i] attached */
	uint32_t wake_mask;    /* bit i: ports[i] owes a wake */
	uint32_t clock;
	struct vswitch_mac_entry macs[VSWITCH_MAC_BUCKETS][VSWITCH_MAC_WAYS];
	struct vswitch_stats stats;
};

/* Sets up sw (any memory) with name (cut to VSWITCH_NAME_MAX - 1) and mtu (0: the default).
 * 0, or -EINVAL for an MTU outside VSWITCH_MTU_MIN..VSWITCH_MTU_MAX. */
int vswitch_init(struct vswitch *sw, const char *name, unsigned mtu);

/* Connects port (zeroed, or detached) to sw with its own MAC (unicast) and allocates its inbox. The port's
 * MAC is installed as a fixed table entry. 0, -EINVAL (multicast MAC, no wake, already attached),
 * -ENOSPC (VSWITCH_MAX_PORTS) or -ENOMEM. Takes sw->lock. */
int vswitch_port_attach(struct vswitch *sw, struct vswitch_port *port, const uint8_t mac[ETH_ALEN],
			bool allow_spoofing, vswitch_wake_fn wake, void *wake_ctx);
/* Disconnects it (under sw->lock, so no sender still reaches it), forgets its MACs, frees the
 * inbox. Its caller must be its only consumer. Does nothing if not attached. */
void vswitch_port_detach(struct vswitch_port *port);

/*
 * Where a frame's bytes come from: head holds the first head_len bytes (a snapshot the caller
 * already took, at least the Ethernet header when len >= ETH_HLEN); copy fetches [off, off+n) of
 * the frame for off >= head_len, 0 or -EFAULT. The switch decides on the snapshot only, so a
 * guest that rewrites its buffer meanwhile cannot change the source MAC that was checked.
 */
struct vswitch_frame {
	const uint8_t *head;
	uint32_t head_len;
	uint32_t len;
	int (*copy)(void *ctx, uint32_t off, void *dst, uint32_t n);
	void *ctx;
};

/* Sends a frame from port (its caller's lock held; takes sw->lock and inbox locks). Returns the
 * number of inboxes it was queued to (>= 0; a full inbox is counted on its port, not here), or
 * -EPERM (spoofed), -E2BIG (size), -EAGAIN (unicast to the sender's own side), -ENOENT
 * (detached). A destination whose inbox was empty owes a wake (its owner may be idle); one that
 * already held frames was woken before and drains them all, so it is not woken again. Sets
 * port->wake_owed when this send left a wake owed. */
int vswitch_send(struct vswitch_port *port, const struct vswitch_frame *f);
/* Convenience: a frame in one host buffer. */
int vswitch_send_buf(struct vswitch_port *port, const void *frame, uint32_t len);
/* Calls the wake of every port a send queued a wake for; cheap when port->wake_owed is clear.
 * One call at the end of a batch of sends gives one wake per destination per batch. */
void vswitch_flush_wakes(struct vswitch_port *port);

/* ---- the consumer side: the port's owner, serialised by its own lock --------------------- */

/* The frame at the head of the inbox, or NULL if empty; *len its length. The pointer, and the
 * VSWITCH_INBOX_HEADROOM bytes before it (writable), stay valid until vswitch_inbox_drop. */
uint8_t *vswitch_inbox_peek(struct vswitch_port *port, uint32_t *len);
/* Releases the head frame. */
void vswitch_inbox_drop(struct vswitch_port *port);
/* Releases the head frame and peeks the next one, under one lock: a drain's step. */
uint8_t *vswitch_inbox_next(struct vswitch_port *port, uint32_t *len);
/* Copies the head frame out and drops it: its length, -EAGAIN (empty) or -ENOSPC (longer than
 * cap; the frame stays). */
int vswitch_inbox_pop(struct vswitch_port *port, void *buf, uint32_t cap);
/* Drops every queued frame (counted in stats.flushed); returns how many. */
unsigned vswitch_inbox_flush(struct vswitch_port *port);


#endif
