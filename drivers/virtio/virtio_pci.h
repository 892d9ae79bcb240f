/* SPDX-License-Identifier: MIT */
/* The virtio-pci modern transport (virtio 1.x, 4.1): PCI identity, capabilities, common config, notify, ISR. */
#ifndef BASALT_VIRTIO_PCI_H
#define BASALT_VIRTIO_PCI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "drivers/pc/vpci.h"
#include "drivers/virtio/virtqueue.h"
#include "sched/spinlock.h"

/*
 * How a device backend (virtio-blk, virtio-net, ...) uses it:
 *
 *   static const struct virtio_dev_ops blk_ops = { .device_id = 2, .num_queues = 1, ... };
 *   virtio_pci_init(&dev, vm, &blk_ops, blk);     PCI function, capabilities, queues
 *   virtio_pci_register(&dev, vm, slot);          on the VM's bus
 *
 * The transport owns the PCI side and the virtqueues' programming; the backend only sees
 * notify(queue) and pops/pushes on dev->vqs[queue], then calls virtio_pci_notify_used().
 *
 * Layout the guest finds (modern only, revision 1; no legacy register block):
 *   BAR 1 (32-bit memory, 4 KiB): MSI-X table at 0, PBA at 0x800, num_queues + 1 vectors.
 *   BAR 2 (I/O, 32 ports): a second notify region, queue q at port q * VIRTIO_PCI_PIO_NOTIFY_MULT.
 *   BAR 4 (64-bit memory, 16 KiB): common config at 0x0000, ISR at 0x1000, device config at
 *   0x2000, notify at 0x3000 (queue q at q * VIRTIO_PCI_NOTIFY_MULT).
 * Two notify capabilities, the port one first (4.1.4.4 allows several; a driver uses the first it
 * can map, Linux among them): a port write exits with its port and value decoded by the CPU,
 * while an MMIO write exits as a nested page fault that the hypervisor must fetch and decode the
 * instruction for, about ten times the cost per kick (README, Performance). A driver that only
 * maps memory BARs uses BAR 4's.
 * The optional PCI_CFG capability (type 5, BAR access through config space) is not offered.
 *
 * The guest is hostile: every register accepts any width (1, 2, 4, 8) at any offset. Bytes outside
 * a field read 0 and ignore writes; a write that covers part of a field is merged into the field's
 * current value; an access that straddles two regions, or the end of one, reads 0 and is dropped.
 *
 * Locking: dev->lock serialises everything below. The transport takes it around every BAR access,
 * so ops->notify, ops->config_read/write and ops->reset run with it held (they must not take it
 * again: the spinlock is not recursive). A backend acting on its own (an I/O completion, a timer)
 * takes it with virtio_pci_lock() before touching dev->vqs or calling the virtio_pci_* helpers,
 * which all expect it held. dev->lock does not cover vpci's own state (the MSI-X table and PBA,
 * config space): vpci's rule holds there (one bus used by one vCPU at a time), so a backend that
 * signals from outside its VM's vCPU exits must also be serialised with that bus.
 */

#define VIRTIO_PCI_VENDOR 0x1af4
#define VIRTIO_PCI_DEVICE_BASE 0x1040 /* + virtio device id */
#define VIRTIO_PCI_SUBSYS_VENDOR 0x1af4
#define VIRTIO_PCI_SUBSYS_ID 0x1100   /* modern devices: 0x40 or above */
#define VIRTIO_PCI_REVISION 1

#define VIRTIO_PCI_MAX_QUEUES 16
#define VIRTIO_PCI_NO_VECTOR 0xffffu

/* Device status bits (virtio 1.2, 2.1). */
#define VIRTIO_STATUS_ACKNOWLEDGE 0x01u
#define VIRTIO_STATUS_DRIVER 0x02u
#define VIRTIO_STATUS_DRIVER_OK 0x04u
#define VIRTIO_STATUS_FEATURES_OK 0x08u
#define VIRTIO_STATUS_NEEDS_RESET 0x40u
#define VIRTIO_STATUS_FAILED 0x80u

/* ISR status bits. */
#define VIRTIO_ISR_QUEUE 0x01u
#define VIRTIO_ISR_CONFIG 0x02u

/* Vendor capability types. */
#define VIRTIO_PCI_CAP_COMMON_CFG 1
#define VIRTIO_PCI_CAP_NOTIFY_CFG 2
#define VIRTIO_PCI_CAP_ISR_CFG 3
#define VIRTIO_PCI_CAP_DEVICE_CFG 4
#define VIRTIO_PCI_CAP_PCI_CFG 5

/* Where the transport puts things. */
#define VIRTIO_PCI_MSIX_BAR 1
#define VIRTIO_PCI_MSIX_BAR_SIZE 0x1000u
#define VIRTIO_PCI_MSIX_PBA_OFF 0x800u
#define VIRTIO_PCI_BAR 4
#define VIRTIO_PCI_BAR_SIZE 0x4000u
#define VIRTIO_PCI_COMMON_OFF 0x0000u
#define VIRTIO_PCI_ISR_OFF 0x1000u
#define VIRTIO_PCI_DEVICE_OFF 0x2000u
#define VIRTIO_PCI_NOTIFY_OFF 0x3000u
#define VIRTIO_PCI_REGION_SIZE 0x1000u
#define VIRTIO_PCI_NOTIFY_MULT 4u
#define VIRTIO_PCI_PIO_BAR 2
#define VIRTIO_PCI_PIO_BAR_SIZE 32u  /* VIRTIO_PCI_MAX_QUEUES doorbells of 2 ports */
#define VIRTIO_PCI_PIO_NOTIFY_MULT 2u
_Static_assert(VIRTIO_PCI_MAX_QUEUES * VIRTIO_PCI_PIO_NOTIFY_MULT <= VIRTIO_PCI_PIO_BAR_SIZE, "every queue has a port doorbell");
#define VIRTIO_PCI_DEVICE_CFG_MAX VIRTIO_PCI_REGION_SIZE

/* Feature bits 24-49 belong to the transport and the rings (2.2); a backend's bits there are
 * dropped, and the transport offers the ones it implements. */
#define VIRTIO_F_TRANSPORT_MASK (((1ull << 50) - 1) & ~((1ull << 24) - 1))
#define VIRTIO_PCI_TRANSPORT_FEATURES \
	((1ull << VIRTIO_F_VERSION_1) | (1ull << VIRTIO_F_EVENT_IDX) | (1ull << VIRTIO_F_INDIRECT_DESC))

/* The vendor-specific capability every virtio structure is found by (4.1.4). */
struct virtio_pci_cap {
	uint8_t cap_vndr;   /* 0x0: PCI_CAP_ID_VNDR */
	uint8_t cap_next;   /* 0x1 */
	uint8_t cap_len;    /* 0x2: 16, or 20 for the notify capability */
	uint8_t cfg_type;   /* 0x3: VIRTIO_PCI_CAP_* */
	uint8_t bar;        /* 0x4 */
	uint8_t id;         /* 0x5: tells apart several capabilities of one type */
	uint8_t padding[2]; /* 0x6 */
	uint32_t offset;    /* 0x8: inside the BAR */
	uint32_t length;    /* 0xc */
} __attribute__((packed));
_Static_assert(sizeof(struct virtio_pci_cap) == 16, "virtio_pci_cap is 16 bytes");
_Static_assert(offsetof(struct virtio_pci_cap, cfg_type) == 3, "virtio_pci_cap.cfg_type at 3");
_Static_assert(offsetof(struct virtio_pci_cap, bar) == 4, "virtio_pci_cap.bar at 4");
_Static_assert(offsetof(struct virtio_pci_cap, offset) == 8, "virtio_pci_cap.offset at 8");
_Static_assert(offsetof(struct virtio_pci_cap, length) == 12, "virtio_pci_cap.length at 12");

struct virtio_pci_notify_cap {
	struct virtio_pci_cap cap;
	uint32_t notify_off_multiplier; /* 0x10: queue q's doorbell is at offset + queue_notify_off * this */
} __attribute__((packed));
_Static_assert(sizeof(struct virtio_pci_notify_cap) == 20, "virtio_pci_notify_cap is 20 bytes");
_Static_assert(offsetof(struct virtio_pci_notify_cap, notify_off_multiplier) == 16, "notify_off_multiplier at 16");

/* The common configuration structure (4.1.4.3), all little endian. The 1.2 fields queue_notify_data
 * and queue_reset are not implemented (their features are not offered): they read 0. */
struct virtio_pci_common_cfg {
	uint32_t device_feature_select; /* 0x00 */
	uint32_t device_feature;        /* 0x04: read-only, 32 bits of the device's features */
	uint32_t driver_feature_select; /* 0x08 */
	uint32_t driver_feature;        /* 0x0c */
	uint16_t config_msix_vector;    /* 0x10 */
	uint16_t num_queues;            /* 0x12: read-only */
	uint8_t device_status;          /* 0x14 */
	uint8_t config_generation;      /* 0x15: read-only */
	uint16_t queue_select;          /* 0x16 */
	uint16_t queue_size;            /* 0x18 */
	uint16_t queue_msix_vector;     /* 0x1a */
	uint16_t queue_enable;          /* 0x1c */
	uint16_t queue_notify_off;      /* 0x1e: read-only */
	uint64_t queue_desc;            /* 0x20 */
	uint64_t queue_driver;          /* 0x28: the available ring */
	uint64_t queue_device;          /* 0x30: the used ring */
} __attribute__((packed));
_Static_assert(sizeof(struct virtio_pci_common_cfg) == 0x38, "virtio_pci_common_cfg is 0x38 bytes");
_Static_assert(offsetof(struct virtio_pci_common_cfg, config_msix_vector) == 0x10, "config_msix_vector at 0x10");
_Static_assert(offsetof(struct virtio_pci_common_cfg, device_status) == 0x14, "device_status at 0x14");
_Static_assert(offsetof(struct virtio_pci_common_cfg, queue_select) == 0x16, "queue_select at 0x16");
_Static_assert(offsetof(struct virtio_pci_common_cfg, queue_enable) == 0x1c, "queue_enable at 0x1c");
_Static_assert(offsetof(struct virtio_pci_common_cfg, queue_notify_off) == 0x1e, "queue_notify_off at 0x1e");
_Static_assert(offsetof(struct virtio_pci_common_cfg, queue_desc) == 0x20, "queue_desc at 0x20");
_Static_assert(offsetof(struct virtio_pci_common_cfg, queue_driver) == 0x28, "queue_driver at 0x28");
_Static_assert(offsetof(struct virtio_pci_common_cfg, queue_device) == 0x30, "queue_device at 0x30");

struct virtio_pci_dev;

/* One per device type. Callbacks run with dev->lock held and may be NULL. */
struct virtio_dev_ops {
	const char *name;
	uint16_t device_id;       /* virtio device type: 1 net, 2 block, ... */
	uint32_t class_code;      /* PCI class, base << 16 | sub << 8 | prog_if */
	uint64_t features;        /* device-type bits (0-23, 50-63); the transport adds its own */
	uint16_t num_queues;      /* 1 .. VIRTIO_PCI_MAX_QUEUES */
	uint16_t queue_max[VIRTIO_PCI_MAX_QUEUES]; /* largest size of each queue, a power of two */
	uint32_t config_size;     /* bytes of device-specific config, <= VIRTIO_PCI_DEVICE_CFG_MAX */
	/* An access of size 1, 2, 4 or 8 inside [0, config_size): a read fills *value. */
	void (*config_read)(struct virtio_pci_dev *dev, uint32_t off, unsigned size, uint64_t *value);
	void (*config_write)(struct virtio_pci_dev *dev, uint32_t off, unsigned size, uint64_t value);
	/* The driver kicked queue (enabled, not broken, DRIVER_OK set). The transport checks the queue
	 * for breakage when it returns. */
	void (*notify)(struct virtio_pci_dev *dev, unsigned queue);
	/* The device was reset: the queues are already reset; drop any request in flight. Also runs
	 * once from virtio_pci_init, with dev->priv set. */
	void (*reset)(struct virtio_pci_dev *dev);
};

/* What the driver programmed for one queue through the common config. */
struct virtio_pci_queue {
	uint16_t size;        /* starts at the queue's max */
	uint16_t msix_vector;
	uint64_t desc, avail, used;
};

/* One virtio-pci function. Owned by the backend, lives as long as the VM; fields are the
 * transport's, readable by the backend under dev->lock. */
struct virtio_pci_dev {
	struct vpci_func fn;
	const struct virtio_dev_ops *ops;
	void *priv;                  /* the backend's own pointer */
	spinlock_t lock;
	uint64_t device_features;    /* offered: ops->features plus the transport's */
	uint64_t driver_features;    /* what the driver wrote; fixed once FEATURES_OK is accepted */
	uint32_t device_feature_select, driver_feature_select;
	uint16_t config_msix_vector;
	uint16_t queue_select;
	uint8_t status;
	uint8_t config_generation;
	uint8_t isr;
	uint32_t needs_reset_count;  /* times a broken queue set DEVICE_NEEDS_RESET */
	struct virtio_pci_queue qcfg[VIRTIO_PCI_MAX_QUEUES];
	struct virtq vqs[VIRTIO_PCI_MAX_QUEUES];
};

/* Sets up dev as a virtio-pci function for vm with ops (checked: queue count and sizes, config
 * size). 0 or -EINVAL / -ENOSPC. Not on the bus yet. */
int virtio_pci_init(struct virtio_pci_dev *dev, struct vm *vm, const struct virtio_dev_ops *ops, void *priv);
/* Puts it at 00:slot.0 (vpci_register's return). */
int virtio_pci_register(struct virtio_pci_dev *dev, struct vm *vm, unsigned slot);

static inline void virtio_pci_lock(struct virtio_pci_dev *dev)
{
	spin_lock(&dev->lock);
}

static inline void virtio_pci_unlock(struct virtio_pci_dev *dev)
{
	spin_unlock(&dev->lock);
}

/* ---- for backends, dev->lock held ------------------------------------------------------- */

/* After pushing to queue: interrupts the driver if the queue says it wants one (its MSI-X vector,
 * or ISR bit 0 and INTx). A broken queue sets DEVICE_NEEDS_RESET instead. */
void virtio_pci_notify_used(struct virtio_pci_dev *dev, unsigned queue);
/* The device config changed: bumps config_generation and sends a config-change interrupt. */
void virtio_pci_config_changed(struct virtio_pci_dev *dev);
/* Sets DEVICE_NEEDS_RESET (once) and sends a config-change interrupt; the device stays so until
 * the driver resets it. */
void virtio_pci_set_needs_reset(struct virtio_pci_dev *dev);
/* The rare half of virtio_pci_check_broken: queue is broken; reports it and sets NEEDS_RESET. */
bool virtio_pci_mark_broken(struct virtio_pci_dev *dev, unsigned queue);
/* If queue is broken (virtq_is_broken after a pop or push), sets DEVICE_NEEDS_RESET; true then.
 * Inline: every notify and every interrupt decision asks, and the answer is almost always no. */
static inline bool virtio_pci_check_broken(struct virtio_pci_dev *dev, unsigned queue)
{
	return queue < dev->ops->num_queues && virtq_is_broken(&dev->vqs[queue]) && virtio_pci_mark_broken(dev, queue);
}

static inline bool virtio_pci_driver_ok(const struct virtio_pci_dev *dev)
{
	return dev->status & VIRTIO_STATUS_DRIVER_OK;
}

/* ---- the guest's BAR path (virtio_pci.c); exported for unit tests and the fuzzer ------------ */

/* One guest access of size 1, 2, 4 or 8 at off inside BAR VIRTIO_PCI_BAR; takes dev->lock. */
void virtio_pci_bar_access(struct virtio_pci_dev *dev, uint64_t off, unsigned size, bool write, uint64_t *value);
/* One guest port access at off inside BAR VIRTIO_PCI_PIO_BAR: a write rings queue off / 2's
 * doorbell, reads give 0; takes dev->lock. */
void virtio_pci_pio_access(struct virtio_pci_dev *dev, uint64_t off, unsigned size, bool write, uint64_t *value);

/* virtio_pci_common.c: the common config region, dev->lock held. */
uint64_t virtio_pci_common_read(struct virtio_pci_dev *dev, uint32_t off, unsigned size);
void virtio_pci_common_write(struct virtio_pci_dev *dev, uint32_t off, unsigned size, uint64_t value);
void virtio_pci_reset(struct virtio_pci_dev *dev);

#endif
