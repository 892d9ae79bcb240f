/* SPDX-License-Identifier: MIT */
/* A port's inbox: a bounded byte ring of length-prefixed frames, filled by senders, drained by its owner. */
#include "drivers/net/vswitch.h"

#include <string.h>

#include "kernel/errno.h"

#define INBOX_SKIP 0xffffffffu /* record length meaning "the rest of the ring is unused: go to 0" */
#define REC_HDR (4u + VSWITCH_INBOX_HEADROOM)

_Static_assert(REC_HDR % 8 == 0, "frames start 8-byte aligned in the ring");
_Static_assert(VSWITCH_INBOX_BYTES % 8 == 0, "the ring is a multiple of the record alignment");

uint8_t *vswitch_inbox_reserve(struct vswitch_inbox *ib, uint32_t len);
bool vswitch_inbox_commit(struct vswitch_inbox *ib, uint32_t len);

static uint32_t rec_bytes(uint32_t len)
{
	return REC_HDR + ((len + 7u) & ~7u);
}

/*
 * Room for a record of len frame bytes, inbox lock held, producers serialised by sw->lock. Returns
 * where the frame goes (NULL: no room) without publishing anything; vswitch_inbox_commit does.
 * The placement depends only on the tail, which only producers move, so commit finds the same.
 */
uint8_t *vswitch_inbox_reserve(struct vswitch_inbox *ib, uint32_t len)
{
	uint32_t rec = rec_bytes(len), at;

	if (!ib->used)
		ib->head = ib->tail = 0; /* empty: the whole ring is contiguous again */
	if (ib->tail >= ib->head && !(ib->tail == ib->head && ib->used)) {
		if (VSWITCH_INBOX_BYTES - ib->tail >= rec)
			at = ib->tail;
		else if (ib->head >= rec)
			at = 0;
		else
			return NULL;
	} else if (ib->head - ib->tail >= rec) {
		at = ib->tail;
	} else {
		return NULL;
	}
	if (at != ib->tail) /* free space past the tail: the consumer does not look there yet */
		memcpy(ib->buf + ib->tail, &(uint32_t){ INBOX_SKIP }, 4);
	memcpy(ib->buf + at, &len, 4);
	/* The header room starts zeroed: a consumer that fills part of it leaves the rest 0. */
	memset(ib->buf + at + 4, 0, VSWITCH_INBOX_HEADROOM);
	return ib->buf + at + REC_HDR;
}

/* Publishes the reserved record; true if the inbox was empty before (its owner needs a wake). */
bool vswitch_inbox_commit(struct vswitch_inbox *ib, uint32_t len)
{
	uint32_t rec = rec_bytes(len);
	bool was_empty = !ib->frames;

	if (ib->tail + rec > VSWITCH_INBOX_BYTES) {
		ib->used += VSWITCH_INBOX_BYTES - ib->tail;
		ib->tail = 0;
	}
	ib->tail += rec;
	if (ib->tail == VSWITCH_INBOX_BYTES)
		ib->tail = 0;
	ib->used += rec;
	ib->frames++;
	return was_empty;
}

/* The head frame, inbox lock held. */
static uint8_t *peek_locked(struct vswitch_inbox *ib, uint32_t *len)
{
	uint8_t *p = NULL;
	uint32_t n;

	if (ib->frames) {
		memcpy(&n, ib->buf + ib->head, 4);
		if (n == INBOX_SKIP) {
			ib->used -= VSWITCH_INBOX_BYTES - ib->head;
			ib->head = 0;
			memcpy(&n, ib->buf, 4);
		}
		*len = n;
		p = ib->buf + ib->head + REC_HDR;
	}
	return p;
}

uint8_t *vswitch_inbox_peek(struct vswitch_port *port, uint32_t *len)
{
	uint8_t *p;

	spin_lock(&port->inbox.lock);
	p = peek_locked(&port->inbox, len);
	spin_unlock(&port->inbox.lock);
	return p;
}

/* Head record out, inbox lock held and a frame queued (peeked before, so no skip marker at head). */
static void drop_head(struct vswitch_inbox *ib)
{
	uint32_t n, rec;

	memcpy(&n, ib->buf + ib->head, 4);
	if (n == INBOX_SKIP) {
		ib->used -= VSWITCH_INBOX_BYTES - ib->head;
		ib->head = 0;
		memcpy(&n, ib->buf, 4);
	}
	rec = rec_bytes(n);
	ib->head += rec;
	if (ib->head == VSWITCH_INBOX_BYTES)
		ib->head = 0;
	ib->used -= rec;
	ib->frames--;
}

void vswitch_inbox_drop(struct vswitch_port *port)
{
	struct vswitch_inbox *ib = &port->inbox;

	spin_lock(&ib->lock);
	if (ib->frames)
		drop_head(ib);
	spin_unlock(&ib->lock);
}

uint8_t *vswitch_inbox_next(struct vswitch_port *port, uint32_t *len)
{
	struct vswitch_inbox *ib = &port->inbox;
	uint8_t *p;

	spin_lock(&ib->lock);
	if (ib->frames)
		drop_head(ib);
	p = peek_locked(ib, len);
	spin_unlock(&ib->lock);
	return p;
}

int vswitch_inbox_pop(struct vswitch_port *port, void *buf, uint32_t cap)
{
	uint32_t len;
	const uint8_t *p = vswitch_inbox_peek(port, &len);

	if (!p)
		return -EAGAIN;
	if (len > cap)
		return -ENOSPC;
	memcpy(buf, p, len);
	vswitch_inbox_drop(port);
	return (int)len;
}

unsigned vswitch_inbox_flush(struct vswitch_port *port)
{
	struct vswitch_inbox *ib = &port->inbox;
	struct vswitch *sw = port->sw;
	unsigned n;

	if (!sw)
		return 0;
	spin_lock(&sw->lock); /* for the counter; the order is sw->lock -> inbox lock */
	spin_lock(&ib->lock);
	n = ib->frames;
	port->stats.flushed += n;
	/* Producers reserve only past the tail, so emptying behind it is safe against one mid-copy. */
	ib->head = ib->tail;
	ib->used = 0;
	ib->frames = 0;
	spin_unlock(&ib->lock);
	spin_unlock(&sw->lock);
	return n;
}
