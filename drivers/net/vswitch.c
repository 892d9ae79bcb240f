/* SPDX-License-Identifier: MIT */
/* Virtual switch: ports, MAC learning with bounded replacement, forwarding decisions, delivery into inboxes. */
#include "drivers/net/vswitch.h"

#include <string.h>

#include "kernel/errno.h"
#include "kernel/mem.h"

#define INBOX_PAGES (VSWITCH_INBOX_BYTES / PAGE_SIZE)

/* Implemented in vswitch_inbox.c: room for a record of len frame bytes (NULL: full), then publish. */
uint8_t *vswitch_inbox_reserve(struct vswitch_inbox *ib, uint32_t len);
bool vswitch_inbox_commit(struct vswitch_inbox *ib, uint32_t len);

int vswitch_init(struct vswitch *sw, const char *name, unsigned mtu)
{
	if (!mtu)
		mtu = VSWITCH_MTU_DEFAULT;
	if (mtu < VSWITCH_MTU_MIN || mtu > VSWITCH_MTU_MAX)
		return -EINVAL;
	memset(sw, 0, sizeof(*sw));
	for (size_t i = 0; name && name[i] && i < VSWITCH_NAME_MAX - 1; i++)
		sw->name[i] = name[i];
	sw->mtu = mtu;
	spin_lock_init(&sw->lock);
	return 0;
}

/* ---- the MAC table, sw->lock held ------------------------------------------------------ */

static unsigned mac_bucket(const uint8_t m[ETH_ALEN])
{
	/* The low bytes vary most (generated MACs share 02:); fold them all anyway. */
	return (unsigned)(m[5] ^ m[4] * 7u ^ m[3] * 31u ^ m[2] * 131u ^ m[1] * 3u) % VSWITCH_MAC_BUCKETS;
}

static struct vswitch_mac_entry *mac_find(struct vswitch *sw, const uint8_t m[ETH_ALEN])
{
	struct vswitch_mac_entry *b = sw->macs[mac_bucket(m)];

	for (unsigned w = 0; w < VSWITCH_MAC_WAYS; w++)
		if (b[w].port && eth_addr_equal(b[w].mac, m))
			return &b[w];
	return NULL;
}

/* An empty way of m's bucket, else its oldest learnt one; NULL when all are fixed. */
static struct vswitch_mac_entry *mac_victim(struct vswitch *sw, const uint8_t m[ETH_ALEN])
{
	struct vswitch_mac_entry *b = sw->macs[mac_bucket(m)], *old = NULL;

	for (unsigned w = 0; w < VSWITCH_MAC_WAYS; w++) {
		if (!b[w].port)
			return &b[w];
		if (!b[w].fixed && (!old || (int32_t)(b[w].stamp - old->stamp) < 0))
			old = &b[w];
	}
	if (old)
		sw->stats.replaced++;
	return old;
}

static void mac_learn(struct vswitch *sw, const uint8_t m[ETH_ALEN], uint8_t port_idx)
{
	struct vswitch_mac_entry *e = mac_find(sw, m);

	if (e && e->fixed)
		return; /* a port's own address never moves to another port */
	if (e) {
		if (e->port != port_idx + 1) {
			e->port = port_idx + 1;
			sw->stats.moved++;
		}
		e->stamp = ++sw->clock;
		return;
	}
	e = mac_victim(sw, m);
	if (!e)
		return;
	memcpy(e->mac, m, ETH_ALEN);
	e->port = port_idx + 1;
	e->fixed = 0;
	e->stamp = ++sw->clock;
	sw->stats.learned++;
}

static void mac_forget_port(struct vswitch *sw, uint8_t port_idx)
{
	for (unsigned b = 0; b < VSWITCH_MAC_BUCKETS; b++)
		for (unsigned w = 0; w < VSWITCH_MAC_WAYS; w++)
			if (sw->macs[b][w].port == port_idx + 1)
				memset(&sw->macs[b][w], 0, sizeof(sw->macs[b][w]));
}

/* ---- ports ------------------------------------------------------------------------------ */

int vswitch_port_attach(struct vswitch *sw, struct vswitch_port *port, const uint8_t mac[ETH_ALEN],
			bool allow_spoofing, vswitch_wake_fn wake, void *wake_ctx)
{
	struct vswitch_mac_entry *e;
	uint8_t *buf;
	unsigned i;

	if (port->sw || !wake || eth_is_multicast(mac))
		return -EINVAL;
	buf = pages_alloc(INBOX_PAGES, PAGE_SIZE);
	if (!buf)
		return -ENOMEM;
	memset(port, 0, sizeof(*port));
	memcpy(port->mac, mac, ETH_ALEN);
	port->allow_spoofing = allow_spoofing;
	port->wake = wake;
	port->wake_ctx = wake_ctx;
	port->inbox.buf = buf;
	spin_lock_init(&port->inbox.lock);
	spin_lock(&sw->lock);
	for (i = 0; i < VSWITCH_MAX_PORTS && (sw->port_mask >> i & 1); i++)
		;
	if (i == VSWITCH_MAX_PORTS) {
		spin_unlock(&sw->lock);
		pages_free(buf, INBOX_PAGES);
		port->inbox.buf = NULL;
		return -ENOSPC;
	}
	port->idx = (uint8_t)i;
	port->sw = sw;
	sw->ports[i] = port;
	sw->port_mask |= 1u << i;
	e = mac_find(sw, mac);
	if (!e)
		e = mac_victim(sw, mac);
	if (e) /* else the bucket is all fixed: frames to this MAC flood, still correct */
		*e = (struct vswitch_mac_entry){ .port = (uint8_t)(i + 1), .fixed = 1, .stamp = ++sw->clock };
	if (e)
		memcpy(e->mac, mac, ETH_ALEN);
	spin_unlock(&sw->lock);
	return 0;
}

void vswitch_port_detach(struct vswitch_port *port)
{
	struct vswitch *sw = port->sw;

	if (!sw)
		return;
	spin_lock(&sw->lock);
	sw->ports[port->idx] = NULL;
	sw->port_mask &= ~(1u << port->idx);
	sw->wake_mask &= ~(1u << port->idx);
	mac_forget_port(sw, port->idx);
	port->sw = NULL;
	spin_unlock(&sw->lock);
	pages_free(port->inbox.buf, INBOX_PAGES);
	port->inbox.buf = NULL;
}

/* ---- forwarding ------------------------------------------------------------------------- */

/* Copies f into dst's inbox, sw->lock held; false if it was dropped there. */
static bool deliver(struct vswitch *sw, struct vswitch_port *dst, const struct vswitch_frame *f)
{
	struct vswitch_inbox *ib = &dst->inbox;
	uint8_t *p;

	sw->stats.deliveries++;
	spin_lock(&ib->lock);
	p = vswitch_inbox_reserve(ib, f->len);
	spin_unlock(&ib->lock);
	if (!p) {
		dst->stats.dropped_inbox_full++;
		return false;
	}
	/* The reserved room is past the tail: no consumer reads it until the commit below. Senders
	 * are serialised by sw->lock, so nobody else reserves it either. */
	memcpy(p, f->head, f->head_len);
	if (f->len > f->head_len && f->copy(f->ctx, f->head_len, p + f->head_len, f->len - f->head_len)) {
		dst->stats.dropped_fault++;
		return false;
	}
	spin_lock(&ib->lock);
	if (vswitch_inbox_commit(ib, f->len))
		sw->wake_mask |= 1u << dst->idx; /* it was empty: its owner needs a wake (at the flush) */
	spin_unlock(&ib->lock);
	dst->stats.rx_frames++;
	dst->stats.rx_bytes += f->len;
	return true;
}

/* Size and source checks; 0 or the drop's errno, counted. */
static int check_frame(struct vswitch_port *from, const struct vswitch_frame *f)
{
	const struct eth_hdr *eh = (const struct eth_hdr *)f->head;

	if (f->len < ETH_HLEN || f->head_len < ETH_HLEN || f->head_len > f->len) {
		from->stats.dropped_undersize++;
		return -E2BIG;
	}
	if (f->len > ETH_HLEN + from->sw->mtu + VSWITCH_VLAN_TAG) {
		from->stats.dropped_oversize++;
		return -E2BIG;
	}
	if (!from->allow_spoofing && !eth_addr_equal(eh->src, from->mac)) {
		from->stats.dropped_spoof++;
		return -EPERM;
	}
	return 0;
}

static int forward(struct vswitch *sw, struct vswitch_port *from, const struct vswitch_frame *f)
{
	const struct eth_hdr *eh = (const struct eth_hdr *)f->head;
	struct vswitch_mac_entry *e = NULL;
	uint32_t mask = sw->wake_mask, dests;
	int n = 0;

	if (!eth_is_multicast(eh->src))
		mac_learn(sw, eh->src, from->idx);
	if (!eth_is_multicast(eh->dst))
		e = mac_find(sw, eh->dst);
	if (e && e->port == from->idx + 1) {
		from->stats.dropped_local++;
		return -EAGAIN;
	}
	from->stats.tx_frames++;
	from->stats.tx_bytes += f->len;
	sw->stats.frames++;
	if (e) {
		sw->stats.unicast++;
		n = deliver(sw, sw->ports[e->port - 1], f);
	} else {
		sw->stats.flooded++;
		from->stats.flooded++;
		dests = sw->port_mask & ~(1u << from->idx);
		for (; dests; dests &= dests - 1)
			n += deliver(sw, sw->ports[__builtin_ctz(dests)], f);
	}
	if (sw->wake_mask != mask)
		from->wake_owed = true;
	return n;
}

int vswitch_send(struct vswitch_port *from, const struct vswitch_frame *f)
{
	struct vswitch *sw = from->sw;
	int rc;

	if (!sw)
		return -ENOENT;
	spin_lock(&sw->lock);
	from->stats.tx_attempts++;
	rc = check_frame(from, f);
	if (!rc)
		rc = forward(sw, from, f);
	spin_unlock(&sw->lock);
	return rc;
}

static int copy_buf(void *ctx, uint32_t off, void *dst, uint32_t n)
{
	memcpy(dst, (const uint8_t *)ctx + off, n);
	return 0;
}

int vswitch_send_buf(struct vswitch_port *port, const void *frame, uint32_t len)
{
	struct vswitch_frame f = { .head = frame, .head_len = len < ETH_HLEN ? len : ETH_HLEN, .len = len,
				   .copy = copy_buf, .ctx = (void *)(uintptr_t)frame };

	return vswitch_send(port, &f);
}

void vswitch_flush_wakes(struct vswitch_port *port)
{
	struct vswitch *sw = port->sw;
	uint32_t m;

	if (!port->wake_owed || !sw)
		return;
	port->wake_owed = false;
	spin_lock(&sw->lock);
	/* Every bit is an attached port (detach clears its bit under this lock). */
	for (m = sw->wake_mask; m; m &= m - 1) {
		struct vswitch_port *p = sw->ports[__builtin_ctz(m)];

		p->wake(p);
	}
	sw->wake_mask = 0;
	spin_unlock(&sw->lock);
}
