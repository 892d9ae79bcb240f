/* SPDX-License-Identifier: MIT */
/* Device side of a split virtqueue: the one library every virtio device model uses on its queues. */
#ifndef BASALT_VIRTQUEUE_H
#define BASALT_VIRTQUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "drivers/virtio/virtio_ring.h"

struct vm;

/*
 * The guest is hostile. Every address it names (rings, descriptors, indirect tables) is checked
 * against the VM's own RAM; every descriptor is copied once into a struct virtq_chain before the
 * device looks at it; guest memory is reached only through kernel/gmem.h, re-checked on every
 * access, so no host pointer into the guest outlives one call. A protocol violation makes the queue
 * "broken" (the transport then sets DEVICE_NEEDS_RESET) and never harms anything outside the guest.
 */

/* Most buffers one chain may carry. A device advertises a queue size (and seg_max) no larger, so
 * every chain a correct driver makes fits; a longer one marks the queue broken. */
#define VIRTQ_CHAIN_MAX 256
#define VIRTQ_REASON_LEN 112

/* One guest buffer of a chain, already checked to lie inside guest RAM. */
struct virtq_seg {
	uint64_t gpa;
	uint32_t len;   /* never 0: empty descriptors are dropped */
	uint32_t write; /* 1: the device writes it; 0: the device reads it */
};

/*
 * A popped request: a host-side copy of the descriptor chain. Device-readable buffers come first
 * (segs[0 .. nr_readable)), then device-writable ones (segs[nr_readable .. nr_segs)). The chain
 * holds addresses, not data: the guest can still change the bytes in the buffers, so a device reads
 * each header once into its own memory. About 4 KiB: keep it in the device's state, not on a stack.
 */
struct virtq_chain {
	uint16_t head;        /* descriptor index handed back by virtq_push */
	uint16_t nr_segs;
	uint16_t nr_readable;
	uint32_t gen;         /* the queue's generation at pop: a push after a reset is refused */
	uint64_t readable_bytes;
	uint64_t writable_bytes;
	struct virtq_seg segs[VIRTQ_CHAIN_MAX];
};

/* What the driver programmed for a queue; the transport collects it and hands it to virtq_enable. */
struct virtq_config {
	uint16_t size;     /* power of two, at most the queue's max_size */
	uint64_t desc;     /* guest-physical addresses of the three parts */
	uint64_t avail;
	uint64_t used;
	uint64_t features; /* negotiated feature bits (VIRTIO_F_EVENT_IDX, VIRTIO_F_INDIRECT_DESC used) */
};

/*
 * One queue's device-side state.
 *
 * Locking: the library takes no lock. vCPUs of one VM run on several host cores and may notify the
 * same device at once, so the caller holds the device's lock (a spinlock_t in the device's state,
 * sched/spinlock.h) across every call that takes a struct virtq, from pop to push. The guest writes
 * the rings concurrently with any of these calls; the library reads each guest field once and
 * copes with any value it finds.
 */
struct virtq {
	struct vm *vm;
	uint16_t max_size; /* what the transport advertises as the largest size */
	uint32_t gen;      /* bumped by every reset */

	/* Fixed between virtq_enable and virtq_reset. */
	bool enabled;
	bool event_idx; /* VIRTIO_F_EVENT_IDX negotiated */
	bool indirect;  /* VIRTIO_F_INDIRECT_DESC negotiated */
	uint16_t size;
	uint64_t desc_gpa, avail_gpa, used_gpa;

	/* Device-side cursors, free-running modulo 2^16 like the guest's. */
	uint16_t last_avail;     /* next available-ring entry to take */
	uint16_t used_idx;       /* next used-ring entry; the value last published in used.idx */
	uint16_t signalled_used; /* used_idx at the last interrupt decision */
	uint16_t used_flags;     /* what the device last wrote into used.flags */
	bool notify_enabled;

	/* Set on a protocol violation; only virtq_reset clears it. */
	bool broken;
	/* Why the queue broke or why the last virtq_enable was refused, naming the guest address. */
	char reason[VIRTQ_REASON_LEN];
};

/* Sets up vq disabled for vm. max_size: a power of two, at most VIRTQ_SIZE_MAX; else -EINVAL. */
int virtq_init(struct virtq *vq, struct vm *vm, uint16_t max_size);
/* Back to the state virtq_init left: disabled, not broken, cursors 0. Chains popped before are
 * refused by virtq_push afterwards. */
void virtq_reset(struct virtq *vq);
/*
 * Checks cfg and starts the queue: size a power of two <= max_size, desc 16-, avail 2- and used
 * 4-byte aligned, and desc (16*size bytes), avail (6+2*size) and used (6+8*size) each inside guest
 * RAM. 0; -EBUSY if already enabled; -EINVAL (size, alignment) or -EFAULT (not in RAM, wraps) with
 * vq->reason saying why, the queue left disabled.
 */
int virtq_enable(struct virtq *vq, const struct virtq_config *cfg);

static inline bool virtq_is_enabled(const struct virtq *vq)
{
	return vq->enabled;
}

static inline bool virtq_is_broken(const struct virtq *vq)
{
	return vq->broken;
}

/*
 * Takes the next available chain into *chain. 0: *chain holds it; -EAGAIN: nothing available (or
 * the queue is disabled); -EIO: the queue is broken (now or before), vq->reason says why. Reads the
 * available index once. On anything but 0, *chain is meaningless.
 */
int virtq_pop(struct virtq *vq, struct virtq_chain *chain);
/*
 * Returns a popped chain to the driver with `written` bytes put into its writable buffers (clamped
 * to chain->writable_bytes), publishing the used index with release order. 0; -EINVAL for a chain
 * from before a reset or a disabled queue; -EIO if the queue is broken.
 */
int virtq_push(struct virtq *vq, const struct virtq_chain *chain, uint32_t written);

/*
 * Whether the driver wants an interrupt for what was pushed since the last call: with EVENT_IDX,
 * when the used index crossed the driver's used_event; otherwise unless it set NO_INTERRUPT.
 * False when nothing was pushed since the last call.
 */
bool virtq_should_interrupt(struct virtq *vq);
/* Tells the driver notifications are not needed while the device drains the queue (NO_NOTIFY in
 * used.flags; with EVENT_IDX avail_event is simply left behind). */
void virtq_disable_notify(struct virtq *vq);
/* Asks for notifications again (clears NO_NOTIFY, or writes avail_event = the next index the
 * device will take). True if buffers arrived meanwhile: the caller drains again, else one of them
 * could wait for a notification the driver never sends. Notifications that were never turned off
 * (and no EVENT_IDX) cost nothing: every buffer added was kicked for, so the answer is false. */
bool virtq_enable_notify(struct virtq *vq);

/* The event-index rule: an interrupt (or notification) is due when the index moved from old_idx
 * to new_idx past event, i.e. event lies in [old_idx, new_idx), all modulo 2^16. */
static inline bool virtq_need_event(uint16_t event, uint16_t new_idx, uint16_t old_idx)
{
	return (uint16_t)(new_idx - event - 1) < (uint16_t)(new_idx - old_idx);
}

/*
 * Copy between the hypervisor and a chain's buffers, offset counted from the start of the readable
 * (read) or writable (write) part. 0; -EINVAL if [offset, offset+len) is not inside that part (then
 * nothing is copied); -EFAULT if guest RAM went away under a buffer.
 */
int virtq_chain_read(struct vm *vm, const struct virtq_chain *chain, uint64_t offset, void *dst, size_t len);
int virtq_chain_write(struct vm *vm, const struct virtq_chain *chain, uint64_t offset, const void *src,
		      size_t len);

#endif
