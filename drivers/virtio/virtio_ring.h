/* SPDX-License-Identifier: MIT */
/* Split-virtqueue layouts and constants (virtio 1.2, 2.7): the one place for the ring's numbers. */
#ifndef BASALT_VIRTIO_RING_H
#define BASALT_VIRTIO_RING_H

#include <stddef.h>
#include <stdint.h>

/*
 * Every field is little-endian in guest memory. Basalt runs only on x86-64, which is little-endian
 * too, so fields are read as plain integers; a big-endian port would convert here.
 */

/* Feature bits the ring itself depends on (the device's feature word, bit numbers). */
#define VIRTIO_F_INDIRECT_DESC 28
#define VIRTIO_F_EVENT_IDX 29
#define VIRTIO_F_VERSION_1 32

/* A split queue's size is a power of two no larger than this. */
#define VIRTQ_SIZE_MAX 32768u

/* Descriptor flags. */
#define VIRTQ_DESC_F_NEXT 1u     /* the chain goes on at .next */
#define VIRTQ_DESC_F_WRITE 2u    /* the device writes this buffer (else it only reads it) */
#define VIRTQ_DESC_F_INDIRECT 4u /* the buffer is a table of descriptors */

/* Available ring flag, set by the driver: it does not want an interrupt (without EVENT_IDX). */
#define VIRTQ_AVAIL_F_NO_INTERRUPT 1u
/* Used ring flag, set by the device: it does not want a notification (without EVENT_IDX). */
#define VIRTQ_USED_F_NO_NOTIFY 1u

/* Descriptor table entry; the table holds queue-size of them, 16-byte aligned. */
struct virtq_desc {
	uint64_t addr;  /* 0x0: guest-physical address of the buffer */
	uint32_t len;   /* 0x8: its length in bytes */
	uint16_t flags; /* 0xc: VIRTQ_DESC_F_* */
	uint16_t next;  /* 0xe: index of the next descriptor when F_NEXT is set */
} __attribute__((packed));
_Static_assert(sizeof(struct virtq_desc) == 16, "virtq_desc is 16 bytes");
_Static_assert(offsetof(struct virtq_desc, len) == 8, "virtq_desc.len at 8");
_Static_assert(offsetof(struct virtq_desc, flags) == 12, "virtq_desc.flags at 12");
_Static_assert(offsetof(struct virtq_desc, next) == 14, "virtq_desc.next at 14");

/* Available ring (driver -> device), 2-byte aligned: this header, le16 ring[size], le16 used_event. */
struct virtq_avail {
	uint16_t flags; /* 0x0: VIRTQ_AVAIL_F_* */
	uint16_t idx;   /* 0x2: where the driver puts the next entry (free-running, wraps at 2^16) */
	uint16_t ring[]; /* 0x4: descriptor heads; ring[size] is used_event with EVENT_IDX */
} __attribute__((packed));
_Static_assert(sizeof(struct virtq_avail) == 4, "virtq_avail header is 4 bytes");
_Static_assert(offsetof(struct virtq_avail, idx) == 2, "virtq_avail.idx at 2");
_Static_assert(offsetof(struct virtq_avail, ring) == 4, "virtq_avail.ring at 4");

/* One used ring entry: the head of a finished chain and how many bytes the device wrote into it. */
struct virtq_used_elem {
	uint32_t id;  /* 0x0: head descriptor index */
	uint32_t len; /* 0x4: bytes written into the chain's writable buffers */
} __attribute__((packed));
_Static_assert(sizeof(struct virtq_used_elem) == 8, "virtq_used_elem is 8 bytes");
_Static_assert(offsetof(struct virtq_used_elem, len) == 4, "virtq_used_elem.len at 4");

/* Used ring (device -> driver), 4-byte aligned: this header, elem ring[size], le16 avail_event. */
struct virtq_used {
	uint16_t flags; /* 0x0: VIRTQ_USED_F_* */
	uint16_t idx;   /* 0x2: where the device puts the next entry (free-running) */
	struct virtq_used_elem ring[]; /* 0x4; after ring[size-1] comes avail_event with EVENT_IDX */
} __attribute__((packed));
_Static_assert(sizeof(struct virtq_used) == 4, "virtq_used header is 4 bytes");
_Static_assert(offsetof(struct virtq_used, idx) == 2, "virtq_used.idx at 2");
_Static_assert(offsetof(struct virtq_used, ring) == 4, "virtq_used.ring at 4");

/* Alignment the spec requires of each part's guest-physical address. */
#define VIRTQ_DESC_ALIGN 16u
#define VIRTQ_AVAIL_ALIGN 2u
#define VIRTQ_USED_ALIGN 4u

/* Byte sizes of the three parts for a queue of n entries, event fields included, and the offsets of
 * the event fields that follow the rings. */
#define VIRTQ_DESC_BYTES(n) (16ull * (n))
#define VIRTQ_AVAIL_BYTES(n) (6ull + 2ull * (n))
#define VIRTQ_USED_BYTES(n) (6ull + 8ull * (n))
#define VIRTQ_USED_EVENT_OFF(n) (4ull + 2ull * (n))  /* in the available ring */
#define VIRTQ_AVAIL_EVENT_OFF(n) (4ull + 8ull * (n)) /* in the used ring */

_Static_assert(VIRTQ_DESC_BYTES(1) == sizeof(struct virtq_desc), "desc table size formula");
_Static_assert(VIRTQ_AVAIL_BYTES(1) == sizeof(struct virtq_avail) + 2 * sizeof(uint16_t), "avail size formula");
_Static_assert(VIRTQ_USED_BYTES(1) == sizeof(struct virtq_used) + sizeof(struct virtq_used_elem) + sizeof(uint16_t),
	       "used size formula");
_Static_assert(VIRTQ_USED_EVENT_OFF(1) + 2 == VIRTQ_AVAIL_BYTES(1), "used_event is the avail ring's last field");
_Static_assert(VIRTQ_AVAIL_EVENT_OFF(1) + 2 == VIRTQ_USED_BYTES(1), "avail_event is the used ring's last field");

#endif
