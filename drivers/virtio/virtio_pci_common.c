/* SPDX-License-Identifier: MIT */
/* virtio-pci common configuration: feature windows, device status and reset, queue programming. */
#include "drivers/virtio/virtio_pci.h"

#include "kernel/errno.h"

#define CFG_OFF(field) ((uint32_t)offsetof(struct virtio_pci_common_cfg, field))
#define CFG_SIZE(field) ((unsigned)sizeof(((struct virtio_pci_common_cfg *)0)->field))

/* Field boundaries, in layout order: any access is cut along them. */
static const struct { uint8_t off, size; } fields[] = {
	{ CFG_OFF(device_feature_select), CFG_SIZE(device_feature_select) },
	{ CFG_OFF(device_feature), CFG_SIZE(device_feature) },
	{ CFG_OFF(driver_feature_select), CFG_SIZE(driver_feature_select) },
	{ CFG_OFF(driver_feature), CFG_SIZE(driver_feature) },
	{ CFG_OFF(config_msix_vector), CFG_SIZE(config_msix_vector) },
	{ CFG_OFF(num_queues), CFG_SIZE(num_queues) },
	{ CFG_OFF(device_status), CFG_SIZE(device_status) },
	{ CFG_OFF(config_generation), CFG_SIZE(config_generation) },
	{ CFG_OFF(queue_select), CFG_SIZE(queue_select) },
	{ CFG_OFF(queue_size), CFG_SIZE(queue_size) },
	{ CFG_OFF(queue_msix_vector), CFG_SIZE(queue_msix_vector) },
	{ CFG_OFF(queue_enable), CFG_SIZE(queue_enable) },
	{ CFG_OFF(queue_notify_off), CFG_SIZE(queue_notify_off) },
	{ CFG_OFF(queue_desc), CFG_SIZE(queue_desc) },
	{ CFG_OFF(queue_driver), CFG_SIZE(queue_driver) },
	{ CFG_OFF(queue_device), CFG_SIZE(queue_device) },
};
_Static_assert(sizeof(fields) / sizeof(fields[0]) == 16, "every common-cfg field listed");

/* The selected queue's programming, or NULL when queue_select names no queue. */
static struct virtio_pci_queue *selected(struct virtio_pci_dev *dev)
{
	return dev->queue_select < dev->ops->num_queues ? &dev->qcfg[dev->queue_select] : NULL;
}

static uint32_t feature_window(uint64_t features, uint32_t select)
{
	return select == 0 ? (uint32_t)features : select == 1 ? (uint32_t)(features >> 32) : 0;
}

static uint64_t queue_field_read(struct virtio_pci_dev *dev, uint32_t off)
{
	const struct virtio_pci_queue *q = selected(dev);

	if (!q)
		return 0; /* no such queue: size 0 tells the driver so */
	if (off == CFG_OFF(queue_size))
		return q->size;
	if (off == CFG_OFF(queue_msix_vector))
		return q->msix_vector;
	if (off == CFG_OFF(queue_enable))
		return virtq_is_enabled(&dev->vqs[dev->queue_select]);
	if (off == CFG_OFF(queue_notify_off))
		return dev->queue_select;
	if (off == CFG_OFF(queue_desc))
		return q->desc;
	if (off == CFG_OFF(queue_driver))
		return q->avail;
	return q->used;
}

static uint64_t field_read(struct virtio_pci_dev *dev, uint32_t off)
{
	switch (off) {
	case CFG_OFF(device_feature_select):
		return dev->device_feature_select;
	case CFG_OFF(device_feature):
		return feature_window(dev->device_features, dev->device_feature_select);
	case CFG_OFF(driver_feature_select):
		return dev->driver_feature_select;
	case CFG_OFF(driver_feature):
		return feature_window(dev->driver_features, dev->driver_feature_select);
	case CFG_OFF(config_msix_vector):
		return dev->config_msix_vector;
	case CFG_OFF(num_queues):
		return dev->ops->num_queues;
	case CFG_OFF(device_status):
		return dev->status;
	case CFG_OFF(config_generation):
		return dev->config_generation;
	case CFG_OFF(queue_select):
		return dev->queue_select;
	default:
		return queue_field_read(dev, off);
	}
}

/* A vector the function does not have would be dropped by vpci; the spec has the device refuse
 * the mapping instead, which the driver sees as NO_VECTOR when it reads it back. */
static uint16_t checked_vector(const struct virtio_pci_dev *dev, uint64_t v)
{
	return v < dev->fn.msix_vectors ? (uint16_t)v : VIRTIO_PCI_NO_VECTOR;
}

static bool features_acceptable(const struct virtio_pci_dev *dev)
{
	return !(dev->driver_features & ~dev->device_features) &&
	       (dev->driver_features & (1ull << VIRTIO_F_VERSION_1));
}

void virtio_pci_reset(struct virtio_pci_dev *dev)
{
	for (unsigned i = 0; i < dev->ops->num_queues; i++) {
		virtq_reset(&dev->vqs[i]);
		dev->qcfg[i] = (struct virtio_pci_queue){ .size = dev->ops->queue_max[i],
							  .msix_vector = VIRTIO_PCI_NO_VECTOR };
	}
	dev->driver_features = 0;
	dev->device_feature_select = dev->driver_feature_select = 0;
	dev->config_msix_vector = VIRTIO_PCI_NO_VECTOR;
	dev->queue_select = 0;
	dev->status = 0;
	dev->isr = 0;
	vpci_func_set_intx_level(&dev->fn, false);
	if (dev->ops->reset)
		dev->ops->reset(dev);
}

/*
 * 0 resets. Otherwise bits only accumulate (the driver never clears one but by resetting), the
 * device's NEEDS_RESET cannot be set or cleared by the driver, and FEATURES_OK sticks only when
 * the driver's features are acceptable: a driver reading it back sees the refusal (3.1.1).
 */
static void status_write(struct virtio_pci_dev *dev, uint8_t v)
{
	uint8_t next;

	if (!v) {
		virtio_pci_reset(dev);
		return;
	}
	next = dev->status | (v & (uint8_t)~VIRTIO_STATUS_NEEDS_RESET);
	if ((next & VIRTIO_STATUS_FEATURES_OK) && !(dev->status & VIRTIO_STATUS_FEATURES_OK) &&
	    !features_acceptable(dev))
		next &= (uint8_t)~VIRTIO_STATUS_FEATURES_OK;
	dev->status = next;
}

/* queue_enable = 1 hands the programmed values to the ring library; a refusal is the driver's
 * error, reported as DEVICE_NEEDS_RESET. Before FEATURES_OK the ring's features are unknown, so the
 * write is dropped; 0 is not a way to stop a queue in 1.x (that is queue_reset, not offered). */
static void queue_enable_write(struct virtio_pci_dev *dev, struct virtio_pci_queue *q, uint64_t v)
{
	struct virtq *vq = &dev->vqs[dev->queue_select];
	struct virtq_config cfg = { .size = q->size, .desc = q->desc, .avail = q->avail, .used = q->used,
				    .features = dev->driver_features };

	if (v != 1 || virtq_is_enabled(vq) || !(dev->status & VIRTIO_STATUS_FEATURES_OK))
		return;
	if (virtq_enable(vq, &cfg))
		virtio_pci_set_needs_reset(dev);
}

static bool is_pow2(uint64_t v)
{
	return v && !(v & (v - 1));
}

/* Sizes and addresses are fixed while the queue runs; a bad size is ignored, so reading it back
 * shows the driver the value the device keeps. */
static void queue_field_write(struct virtio_pci_dev *dev, uint32_t off, uint64_t v)
{
	struct virtio_pci_queue *q = selected(dev);
	bool running;

	if (!q)
		return;
	running = virtq_is_enabled(&dev->vqs[dev->queue_select]);
	if (off == CFG_OFF(queue_msix_vector))
		q->msix_vector = checked_vector(dev, v);
	else if (off == CFG_OFF(queue_enable))
		queue_enable_write(dev, q, v);
	else if (running)
		return;
	else if (off == CFG_OFF(queue_size) && is_pow2(v) && v <= dev->ops->queue_max[dev->queue_select])
		q->size = (uint16_t)v;
	else if (off == CFG_OFF(queue_desc))
		q->desc = v;
	else if (off == CFG_OFF(queue_driver))
		q->avail = v;
	else if (off == CFG_OFF(queue_device))
		q->used = v;
}

static void driver_feature_write(struct virtio_pci_dev *dev, uint32_t v)
{
	unsigned shift = dev->driver_feature_select == 0 ? 0 : 32;

	if (dev->driver_feature_select > 1 || (dev->status & VIRTIO_STATUS_FEATURES_OK))
		return; /* no such window, or negotiation is over */
	dev->driver_features = (dev->driver_features & ~(0xffffffffull << shift)) | ((uint64_t)v << shift);
}

static void field_write(struct virtio_pci_dev *dev, uint32_t off, uint64_t v)
{
	switch (off) {
	case CFG_OFF(device_feature_select):
		dev->device_feature_select = (uint32_t)v;
		break;
	case CFG_OFF(driver_feature_select):
		dev->driver_feature_select = (uint32_t)v;
		break;
	case CFG_OFF(driver_feature):
		driver_feature_write(dev, (uint32_t)v);
		break;
	case CFG_OFF(config_msix_vector):
		dev->config_msix_vector = checked_vector(dev, v);
		break;
	case CFG_OFF(device_status):
		status_write(dev, (uint8_t)v);
		break;
	case CFG_OFF(queue_select):
		dev->queue_select = (uint16_t)v;
		break;
	case CFG_OFF(device_feature):
	case CFG_OFF(num_queues):
	case CFG_OFF(config_generation):
	case CFG_OFF(queue_notify_off):
		break; /* read-only */
	default:
		queue_field_write(dev, off, v);
	}
}

static uint64_t byte_mask(unsigned n)
{
	return n >= 8 ? ~0ull : (1ull << (8 * n)) - 1;
}

/* The part of [off, off+size) that falls in field i, as a shift into the field and into the access. */
static bool overlap(unsigned i, uint32_t off, unsigned size, unsigned *fshift, unsigned *ashift, unsigned *len)
{
	uint32_t lo = fields[i].off > off ? fields[i].off : off;
	uint32_t hi_f = fields[i].off + fields[i].size, hi_a = off + size;
	uint32_t hi = hi_f < hi_a ? hi_f : hi_a;

	if (lo >= hi)
		return false;
	*fshift = 8 * (lo - fields[i].off);
	*ashift = 8 * (lo - off);
	*len = hi - lo;
	return true;
}

uint64_t virtio_pci_common_read(struct virtio_pci_dev *dev, uint32_t off, unsigned size)
{
	uint64_t v = 0;
	unsigned fs, as, len;

	for (unsigned i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		if (overlap(i, off, size, &fs, &as, &len))
			v |= ((field_read(dev, fields[i].off) >> fs) & byte_mask(len)) << as;
	return v;
}

/* Fields are written in layout order, each with the bytes of value that cover it merged into its
 * current value (so 4 + 4 halves of a 64-bit address work, as does a byte of queue_select). */
void virtio_pci_common_write(struct virtio_pci_dev *dev, uint32_t off, unsigned size, uint64_t value)
{
	unsigned fs, as, len;

	for (unsigned i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		uint64_t cur, m;

		if (!overlap(i, off, size, &fs, &as, &len))
			continue;
		m = byte_mask(len) << fs;
		cur = field_read(dev, fields[i].off) & byte_mask(fields[i].size);
		field_write(dev, fields[i].off, (cur & ~m) | (((value >> as) << fs) & m));
	}
}
