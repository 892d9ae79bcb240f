/* SPDX-License-Identifier: MIT */
/* A small polled virtio-pci (modern) driver for test guests (see vio.h). */
#include "vio.h"

#include "drivers/pc/pc_layout.h"
#include "guest.h"

/* Common configuration offsets (virtio 1.2, 4.1.4.3). */
#define CC_DFSEL 0x00
#define CC_DF 0x04
#define CC_GFSEL 0x08
#define CC_GF 0x0c
#define CC_STATUS 0x14
#define CC_QSEL 0x16
#define CC_QSIZE 0x18
#define CC_QMSIX 0x1a
#define CC_QENABLE 0x1c
#define CC_QNOTIFY 0x1e
#define CC_QDESC 0x20
#define CC_QDRIVER 0x28
#define CC_QDEVICE 0x30

#define ST_ACK 1u
#define ST_DRIVER 2u
#define ST_DRIVER_OK 4u
#define ST_FEATURES_OK 8u

#define BAR4_BASE32 0xd0000000ull

bool vio_mmio_notify;

static volatile uint32_t *ecam32(unsigned slot, unsigned reg)
{
	return (volatile uint32_t *)(uintptr_t)(PC_ECAM_BASE + ((uint64_t)slot << 15) + reg);
}

static volatile uint8_t *ecam8(unsigned slot, unsigned reg)
{
	return (volatile uint8_t *)(uintptr_t)(PC_ECAM_BASE + ((uint64_t)slot << 15) + reg);
}

static void cw8(struct vio_dev *d, unsigned off, uint8_t v) { *(volatile uint8_t *)(d->common + off) = v; }
static uint8_t cr8(struct vio_dev *d, unsigned off) { return *(volatile uint8_t *)(d->common + off); }
static void cw32(struct vio_dev *d, unsigned off, uint32_t v) { *(volatile uint32_t *)(d->common + off) = v; }
static uint32_t cr32(struct vio_dev *d, unsigned off) { return *(volatile uint32_t *)(d->common + off); }

void vio_common_write16(struct vio_dev *d, unsigned off, uint16_t v) { *(volatile uint16_t *)(d->common + off) = v; }
uint16_t vio_common_read16(struct vio_dev *d, unsigned off) { return *(volatile uint16_t *)(d->common + off); }
void vio_common_write64(struct vio_dev *d, unsigned off, uint64_t v)
{
	cw32(d, off, (uint32_t)v);
	cw32(d, off + 4, (uint32_t)(v >> 32));
}

uint8_t vio_cfg8(struct vio_dev *d, unsigned off) { return *(volatile uint8_t *)(d->device + off); }
uint16_t vio_cfg16(struct vio_dev *d, unsigned off) { return *(volatile uint16_t *)(d->device + off); }
uint32_t vio_cfg32(struct vio_dev *d, unsigned off) { return *(volatile uint32_t *)(d->device + off); }
uint64_t vio_cfg64(struct vio_dev *d, unsigned off)
{
	return vio_cfg32(d, off) | (uint64_t)vio_cfg32(d, off + 4) << 32;
}

uint8_t vio_status(struct vio_dev *d)
{
	return cr8(d, CC_STATUS);
}

/* BAR 4 into the 32-bit window, memory decoding and bus mastering on. */
static void place_bar(struct vio_dev *d)
{
	uint16_t cmd;

	d->bar = BAR4_BASE32 + ((uint64_t)d->slot << 20);
	*ecam32(d->slot, 0x20) = (uint32_t)d->bar;
	*ecam32(d->slot, 0x24) = 0;
	cmd = (uint16_t)*ecam32(d->slot, 0x04);
	*ecam32(d->slot, 0x04) = cmd | 0x7u; /* I/O, memory, bus master */
}

/* The vendor capabilities name where each structure lives inside BAR 4. */
static int find_structures(struct vio_dev *d)
{
	unsigned found = 0;

	for (unsigned cap = *ecam8(d->slot, 0x34), n = 0; cap && n < 48; cap = *ecam8(d->slot, cap + 1), n++) {
		uint8_t type = *ecam8(d->slot, cap + 3), bar = *ecam8(d->slot, cap + 4);
		volatile uint8_t *at;

		if (*ecam8(d->slot, cap) != 0x09 || (found & (1u << type)))
			continue;
		if (type == 2 && bar == 2 && !vio_mmio_notify) { /* port doorbells */
			d->notify_port_base = (uint16_t)((*ecam32(d->slot, 0x18) & ~3u) + *ecam32(d->slot, cap + 8));
			d->notify_mult = *ecam32(d->slot, cap + 16);
			found |= 1u << type;
			continue;
		}
		if (bar != 4)
			continue;
		at = (volatile uint8_t *)(uintptr_t)(d->bar + *ecam32(d->slot, cap + 8));
		if (type == 1)
			d->common = at;
		else if (type == 2) {
			d->notify_base = at;
			d->notify_mult = *ecam32(d->slot, cap + 16);
		} else if (type == 3)
			d->isr = at;
		else if (type == 4)
			d->device = at;
		else
			continue;
		found |= 1u << type;
	}
	return found == 0x1e ? 0 : -3;
}

uint64_t vio_device_features(struct vio_dev *d)
{
	uint64_t f;

	cw32(d, CC_DFSEL, 0);
	f = cr32(d, CC_DF);
	cw32(d, CC_DFSEL, 1);
	return f | (uint64_t)cr32(d, CC_DF) << 32;
}

int vio_open(struct vio_dev *d, unsigned slot, uint16_t device_id, uint64_t want)
{
	uint32_t id = *ecam32(slot, 0);
	uint64_t offered;

	*d = (struct vio_dev){ .slot = slot };
	if (id != (0x1af4u | (uint32_t)(0x1040u + device_id) << 16))
		return -1;
	place_bar(d);
	if (find_structures(d))
		return -2;
	cw8(d, CC_STATUS, 0);
	if (cr8(d, CC_STATUS) != 0)
		return -4;
	cw8(d, CC_STATUS, ST_ACK);
	cw8(d, CC_STATUS, ST_ACK | ST_DRIVER);
	offered = vio_device_features(d);
	if (!(offered & (1ull << VIRTIO_F_VERSION_1)))
		return -5;
	d->features = (want & offered) | (1ull << VIRTIO_F_VERSION_1);
	cw32(d, CC_GFSEL, 0);
	cw32(d, CC_GF, (uint32_t)d->features);
	cw32(d, CC_GFSEL, 1);
	cw32(d, CC_GF, (uint32_t)(d->features >> 32));
	cw8(d, CC_STATUS, ST_ACK | ST_DRIVER | ST_FEATURES_OK);
	if (!(cr8(d, CC_STATUS) & ST_FEATURES_OK))
		return -6;
	return 0;
}

int vio_queue_init(struct vio_dev *d, struct vio_queue *q, unsigned index, uint16_t size)
{
	uint16_t max;

	vio_common_write16(d, CC_QSEL, (uint16_t)index);
	max = vio_common_read16(d, CC_QSIZE);
	if (!size)
		size = max;
	if (!max || size > max || size > VIO_QSIZE_MAX)
		return -1;
	memset(q->mem, 0, sizeof(q->mem));
	q->index = index;
	q->size = size;
	q->desc = (struct virtq_desc *)q->mem;
	q->avail = (struct virtq_avail *)(q->mem + 4096);
	q->used = (volatile struct virtq_used *)(q->mem + 8192);
	q->avail_idx = q->used_seen = q->next_desc = 0;
	vio_common_write16(d, CC_QSIZE, size);
	vio_common_write16(d, CC_QMSIX, 0xffff); /* polled: no interrupt */
	vio_common_write64(d, CC_QDESC, (uint64_t)(uintptr_t)q->desc);
	vio_common_write64(d, CC_QDRIVER, (uint64_t)(uintptr_t)q->avail);
	vio_common_write64(d, CC_QDEVICE, (uint64_t)(uintptr_t)q->used);
	if (d->notify_base)
		q->notify = (volatile uint16_t *)(d->notify_base + vio_common_read16(d, CC_QNOTIFY) * d->notify_mult);
	else
		q->notify_port = (uint16_t)(d->notify_port_base + vio_common_read16(d, CC_QNOTIFY) * d->notify_mult);
	vio_common_write16(d, CC_QENABLE, 1);
	return vio_common_read16(d, CC_QENABLE) == 1 ? 0 : -1;
}

void vio_driver_ok(struct vio_dev *d)
{
	cw8(d, CC_STATUS, ST_ACK | ST_DRIVER | ST_FEATURES_OK | ST_DRIVER_OK);
}

uint16_t vio_add(struct vio_queue *q, const struct vio_buf *bufs, unsigned n)
{
	uint16_t head = q->next_desc, mask = (uint16_t)(q->size - 1);

	for (unsigned i = 0; i < n; i++) {
		uint16_t at = (uint16_t)((head + i) & mask);
		struct virtq_desc *dsc = &q->desc[at];

		dsc->addr = bufs[i].addr;
		dsc->len = bufs[i].len;
		dsc->flags = (uint16_t)((bufs[i].write ? VIRTQ_DESC_F_WRITE : 0) | (i + 1 < n ? VIRTQ_DESC_F_NEXT : 0));
		dsc->next = (uint16_t)((at + 1) & mask);
	}
	q->next_desc = (uint16_t)((head + n) & mask);
	q->avail->ring[q->avail_idx & mask] = head;
	__asm__ volatile("" ::: "memory"); /* descriptors and ring entry before the index */
	*(volatile uint16_t *)&q->avail->idx = ++q->avail_idx;
	return head;
}

void vio_kick(struct vio_queue *q)
{
	__asm__ volatile("mfence" ::: "memory"); /* the index is visible before flags are read */
	if (q->used->flags & VIRTQ_USED_F_NO_NOTIFY)
		return;
	if (q->notify)
		*q->notify = (uint16_t)q->index;
	else
		outw(q->notify_port, (uint16_t)q->index);
}

bool vio_get(struct vio_queue *q, uint32_t *id, uint32_t *len, uint64_t spins)
{
	for (uint64_t i = 0; i <= spins; i++) {
		if (q->used->idx != q->used_seen) {
			volatile struct virtq_used_elem *e = &q->used->ring[q->used_seen & (q->size - 1)];

			__asm__ volatile("" ::: "memory");
			*id = e->id;
			*len = e->len;
			q->used_seen++;
			return true;
		}
		__asm__ volatile("pause");
	}
	return false;
}
