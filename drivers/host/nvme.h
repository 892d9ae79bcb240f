/* SPDX-License-Identifier: MIT */
/* The host NVMe driver: one controller brought up, its namespaces offered as blkdevs. */
#ifndef BASALT_HOST_NVME_H
#define BASALT_HOST_NVME_H

#include <stdbool.h>
#include <stdint.h>

#include "drivers/block/blkdev.h"
#include "drivers/host/nvme_queue.h"
#include "sched/spinlock.h"

/*
 * Basalt owns the drive once the firmware has exited. The driver is polled: after writing a
 * doorbell it spins on the completion queue's phase bit (interrupts are disabled when the I/O CQ
 * is created and INTx is masked in PCI config). Why: blkdev calls are synchronous, so the calling
 * core waits for the completion anyway, and the host has no interrupt routing for devices yet
 * (no IOAPIC/MSI set-up; host interrupts are for the LAPIC timer and IPIs). Every wait is bounded:
 * NVME_TIMEOUT_NS of clock_ns(), then -EIO and one log line naming controller, opcode and status.
 * After a timeout or a controller fatal status (CSTS.CFS) the controller is marked failed and every
 * later call fails with -EIO: a command we gave up on may still DMA into the shared bounce buffer,
 * and there is no reset-and-resume path yet. An error status fails only that command.
 *
 * DMA: physical addresses are the hypervisor's addresses (identity map, no IOMMU). Every transfer
 * goes through the controller's bounce buffer (NVME_BOUNCE_BYTES, contiguous, page-aligned, capped
 * by the controller's MDTS), also when the caller's buffer happens to be aligned: callers pass
 * buffers from anywhere (a guest's memory, which need not be physically contiguous across pages,
 * or a stack buffer), one copy per transfer is cheap next to the device, and PRPs then always
 * describe whole aligned pages (PRP1, PRP2, or PRP2 -> a preallocated PRP list page).
 *
 * Queues: one admin pair and one I/O pair per controller, NVME_QUEUE_DEPTH entries each, at most
 * one command in flight. Locking: `lock` guards the queues, the bounce buffer and the PRP list;
 * each blkdev call takes it per chunk (VMs on several cores do I/O to partitions of one drive at
 * once, so they serialise here). Nothing else in the structure changes after nvme_ctrl_init.
 */

#define NVME_MAX_NS 4
#define NVME_QUEUE_DEPTH 32
#define NVME_TIMEOUT_NS (5ull * 1000 * 1000 * 1000)
#define NVME_BOUNCE_BYTES (128u * 1024)

struct nvme_ctrl;

struct nvme_ns {
	struct nvme_ctrl *ctrl;
	uint32_t nsid;
	uint32_t lba_shift;     /* 9 (512-byte LBAs) .. 12 (4096) */
	uint64_t lbas;
	struct blkdev bd;       /* name "nvme<i>n<nsid>", persistent */
};

struct nvme_ctrl {
	spinlock_t lock;
	volatile uint8_t *regs;  /* BAR0, mapped uncached */
	char name[12];           /* "nvme0" */
	uint64_t cap;
	uint32_t vs;
	uint32_t dstrd;
	uint64_t ready_timeout_ns;
	struct nvme_queue admin;
	struct nvme_queue io;
	uint8_t *bounce;         /* max_xfer bytes */
	uint64_t *prp_list;      /* one page */
	uint32_t max_xfer;       /* bytes per command: min(MDTS, NVME_BOUNCE_BYTES) */
	char serial[21];
	char model[41];
	uint32_t nn;
	uint16_t oncs;
	bool vwc;
	bool failed;             /* CSTS.CFS or a timeout seen: every call fails with -EIO */
	struct blkdev_ops ops;   /* discard / write_zeroes present when ONCS says so */
	unsigned ns_count;
	struct nvme_ns ns[NVME_MAX_NS];
};

/*
 * Brings up the controller whose BAR0 is at regs (memory decoding and bus mastering already on):
 * resets it, sets up the admin queues, enables it, identifies it and its active namespaces (up to
 * NVME_MAX_NS, with 512- or 4096-byte LBAs; others are skipped with a log line) and creates the
 * I/O queue pair. index names it ("nvme<index>"). Allocates its queues and buffers with
 * pages_alloc. 0, -ENODEV (not an NVM-command-set controller or no usable page size), -EIO
 * (timeout, fatal status, failed command) or -ENOMEM.
 */
int nvme_ctrl_init(struct nvme_ctrl *c, volatile void *regs, unsigned index);

/* Submits sqe on q (cid filled in), rings the doorbell and waits for its completion. 0 with
 * *result = the CQE's dword 0 (result may be NULL), or -EIO after a timeout, an error status or a
 * controller fatal status, with a log line. Caller holds c->lock (or is still in init). */
int nvme_submit_sync(struct nvme_ctrl *c, struct nvme_queue *q, struct nvme_sqe *sqe, uint32_t *result);

/* nvme_io.c: the blkdev of a namespace, filled in by nvme_ctrl_init. With 4096-byte LBAs a
 * request whose sector or length is not a multiple of 8 sectors fails with -EINVAL. */
void nvme_ns_setup_blkdev(struct nvme_ns *ns);
void nvme_ctrl_setup_ops(struct nvme_ctrl *c);

#endif
