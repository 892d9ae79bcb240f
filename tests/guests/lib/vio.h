/* SPDX-License-Identifier: MIT */
/* A small polled virtio-pci (modern) driver for test guests: find the device, negotiate, run split queues. */
#ifndef GUEST_VIO_H
#define GUEST_VIO_H

#include <stdbool.h>
#include <stdint.h>

#include "drivers/virtio/virtio_ring.h"

/*
 * The guest drives Basalt's devices as a real driver would (virtio 1.2, 4.1), but polls the used
 * rings instead of taking interrupts: results do not depend on interrupt timing, and a bench
 * figure is the device's cost plus a few guest instructions. BAR 4 is 64-bit and vpci places it
 * above 4 GiB, outside the flat guest's identity map, so vio_open moves it into the 32-bit window
 * (0xd0000000 + slot * 1 MiB), which a 64-bit BAR may also use. Doorbells go to the first notify
 * capability, as Linux's do: Basalt lists its port doorbells (BAR 2) first; with vio_mmio_notify
 * set before vio_open the memory ones (BAR 4) are used instead.
 */

extern bool vio_mmio_notify;

#define VIO_QSIZE_MAX 256

struct vio_queue {
	unsigned index;
	uint16_t size;
	struct virtq_desc *desc;
	struct virtq_avail *avail;
	volatile struct virtq_used *used;
	volatile uint16_t *notify;   /* memory doorbell, or NULL */
	uint16_t notify_port;        /* port doorbell when notify is NULL */
	uint16_t avail_idx;  /* the driver's next available index */
	uint16_t used_seen;  /* used entries consumed so far */
	uint16_t next_desc;  /* descriptors are handed out in order, wrapping */
	/* One page-aligned area per queue: descriptors, then avail, then used (see vio.c). */
	uint8_t mem[3 * 4096] __attribute__((aligned(4096)));
};

struct vio_dev {
	unsigned slot;
	uint64_t bar;                   /* BAR 4's address */
	volatile uint8_t *common, *isr, *device, *notify_base; /* notify_base NULL: port doorbells */
	uint16_t notify_port_base;
	uint32_t notify_mult;
	uint64_t features;              /* negotiated */
};

struct vio_buf {
	uint64_t addr;
	uint32_t len;
	bool write;                     /* the device writes it */
};

/* Finds device_id at 00:slot.0, resets it and negotiates VERSION_1 plus `want` & offered. 0 or a
 * negative step number saying where it failed (printed by the caller). */
int vio_open(struct vio_dev *d, unsigned slot, uint16_t device_id, uint64_t want);
/* The device's offered features (after vio_open). */
uint64_t vio_device_features(struct vio_dev *d);
/* Sets up queue `index` with `size` entries (0: the device's maximum); 0 or -1. */
int vio_queue_init(struct vio_dev *d, struct vio_queue *q, unsigned index, uint16_t size);
void vio_driver_ok(struct vio_dev *d);
uint8_t vio_status(struct vio_dev *d);

/* Puts a chain of n buffers on the available ring (no notify); returns its head. */
uint16_t vio_add(struct vio_queue *q, const struct vio_buf *bufs, unsigned n);
void vio_kick(struct vio_queue *q);
/* The next used entry, waiting up to `spins` polls: true with *id and *len set. */
bool vio_get(struct vio_queue *q, uint32_t *id, uint32_t *len, uint64_t spins);

/* Device config space access (little-endian). */
uint8_t vio_cfg8(struct vio_dev *d, unsigned off);
uint16_t vio_cfg16(struct vio_dev *d, unsigned off);
uint32_t vio_cfg32(struct vio_dev *d, unsigned off);
uint64_t vio_cfg64(struct vio_dev *d, unsigned off);

/* Common-config registers, for tests that misprogram on purpose. */
void vio_common_write16(struct vio_dev *d, unsigned off, uint16_t v);
void vio_common_write64(struct vio_dev *d, unsigned off, uint64_t v);
uint16_t vio_common_read16(struct vio_dev *d, unsigned off);

#endif
