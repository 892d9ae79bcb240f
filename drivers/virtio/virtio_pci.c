/* SPDX-License-Identifier: MIT */
/* virtio-pci modern transport: the PCI function, its capabilities, BAR regions, notify, ISR and interrupts. */
#include "drivers/virtio/virtio_pci.h"

#include "kernel/console.h"
#include "kernel/errno.h"
#include "kernel/vm.h"

/* ---- interrupts ----------------------------------------------------------------------------- */

static bool msix_enabled(const struct virtio_pci_dev *dev)
{
	return dev->fn.msix_cap &&
	       (vpci_cfg_get(&dev->fn, dev->fn.msix_cap + PCI_MSIX_CTRL, 2) & PCI_MSIX_CTRL_ENABLE);
}

/*
 * With MSI-X enabled the vector is sent (none for NO_VECTOR) and the queue bit stays out of ISR
 * (4.1.4.5); without it, the ISR bit is set and INTx asserted until the driver reads ISR. The
 * config bit is set either way, so a driver polling ISR still learns of a config change.
 */
static void raise_irq(struct virtio_pci_dev *dev, uint16_t vector, uint8_t isr_bit)
{
	if (isr_bit == VIRTIO_ISR_CONFIG)
		dev->isr |= isr_bit;
	if (msix_enabled(dev)) {
		if (vector != VIRTIO_PCI_NO_VECTOR)
			vpci_func_signal(&dev->fn, vector);
		return;
	}
	dev->isr |= isr_bit;
	vpci_func_set_intx_level(&dev->fn, true);
}

/* The first few times a device breaks are logged with the ring library's reason (it names the
 * guest address); after that only counted, so a guest that breaks and resets its device in a loop
 * cannot flood the console. */
#define NEEDS_RESET_LOGGED 3

static void note_needs_reset(struct virtio_pci_dev *dev, const char *why)
{
	if (++dev->needs_reset_count > NEEDS_RESET_LOGGED)
		return;
	kprintf("basalt: vm '%s': %s at 00:%02x.%u needs reset: %s%s\n", dev->vqs[0].vm ? dev->vqs[0].vm->name : "?",
		dev->ops->name, dev->fn.devfn >> 3, dev->fn.devfn & 7u, why,
		dev->needs_reset_count == NEEDS_RESET_LOGGED ? " (further ones only counted)" : "");
}

void virtio_pci_set_needs_reset(struct virtio_pci_dev *dev)
{
	if (dev->status & VIRTIO_STATUS_NEEDS_RESET)
		return;
	dev->status |= VIRTIO_STATUS_NEEDS_RESET;
	raise_irq(dev, dev->config_msix_vector, VIRTIO_ISR_CONFIG);
}

bool virtio_pci_mark_broken(struct virtio_pci_dev *dev, unsigned queue)
{
	if (!(dev->status & VIRTIO_STATUS_NEEDS_RESET))
		note_needs_reset(dev, dev->vqs[queue].reason);
	virtio_pci_set_needs_reset(dev);
	return true;
}

void virtio_pci_notify_used(struct virtio_pci_dev *dev, unsigned queue)
{
	if (queue >= dev->ops->num_queues || virtio_pci_check_broken(dev, queue))
		return;
	if (virtq_should_interrupt(&dev->vqs[queue]))
		raise_irq(dev, dev->qcfg[queue].msix_vector, VIRTIO_ISR_QUEUE);
}

void virtio_pci_config_changed(struct virtio_pci_dev *dev)
{
	dev->config_generation++;
	raise_irq(dev, dev->config_msix_vector, VIRTIO_ISR_CONFIG);
}

/* ---- BAR regions ---------------------------------------------------------------------------- */

/* Reading ISR acknowledges: it returns and clears both bits and drops INTx (4.1.4.5). Only the
 * first byte is the register. */
static uint64_t isr_read(struct virtio_pci_dev *dev, uint32_t off)
{
	uint8_t v = dev->isr;

	if (off != 0)
		return 0;
	dev->isr = 0;
	vpci_func_set_intx_level(&dev->fn, false);
	return v;
}

/* Queue q's doorbell is at q * mult (the memory or the port region's multiplier); the written
 * value (the queue index, or notify data the transport did not offer) is not trusted: the address
 * says which queue. */
static void notify_write(struct virtio_pci_dev *dev, uint32_t off, uint32_t mult)
{
	unsigned q = off / mult;

	if (off % mult || q >= dev->ops->num_queues || !virtio_pci_driver_ok(dev) ||
	    (dev->status & VIRTIO_STATUS_NEEDS_RESET))
		return;
	if (!virtq_is_enabled(&dev->vqs[q]) || virtq_is_broken(&dev->vqs[q]))
		return;
	if (dev->ops->notify)
		dev->ops->notify(dev, q);
	virtio_pci_check_broken(dev, q);
}

static void device_cfg_access(struct virtio_pci_dev *dev, uint32_t off, unsigned size, bool write,
			      uint64_t *value)
{
	if (off + size > dev->ops->config_size) {
		if (!write)
			*value = 0;
		return;
	}
	if (write && dev->ops->config_write)
		dev->ops->config_write(dev, off, size, *value);
	else if (!write && dev->ops->config_read)
		dev->ops->config_read(dev, off, size, value);
	else if (!write)
		*value = 0;
}

static void region_access(struct virtio_pci_dev *dev, uint32_t region, uint32_t off, unsigned size, bool write,
			  uint64_t *value)
{
	if (region == VIRTIO_PCI_COMMON_OFF && write)
		virtio_pci_common_write(dev, off, size, *value);
	else if (region == VIRTIO_PCI_COMMON_OFF)
		*value = virtio_pci_common_read(dev, off, size);
	else if (region == VIRTIO_PCI_ISR_OFF && !write)
		*value = isr_read(dev, off);
	else if (region == VIRTIO_PCI_DEVICE_OFF)
		device_cfg_access(dev, off, size, write, value);
	else if (region == VIRTIO_PCI_NOTIFY_OFF && write)
		notify_write(dev, off, VIRTIO_PCI_NOTIFY_MULT);
	else if (!write)
		*value = 0;
}

void virtio_pci_bar_access(struct virtio_pci_dev *dev, uint64_t off, unsigned size, bool write, uint64_t *value)
{
	uint32_t region = (uint32_t)(off & ~(uint64_t)(VIRTIO_PCI_REGION_SIZE - 1));
	uint32_t rel = (uint32_t)(off & (VIRTIO_PCI_REGION_SIZE - 1));
	uint64_t v = write ? *value : 0;

	if ((size != 1 && size != 2 && size != 4 && size != 8) || off >= VIRTIO_PCI_BAR_SIZE ||
	    rel + size > VIRTIO_PCI_REGION_SIZE) {
		if (!write)
			*value = 0;
		return;
	}
	if (size < 8)
		v &= (1ull << (8 * size)) - 1;
	spin_lock(&dev->lock);
	region_access(dev, region, rel, size, write, &v);
	spin_unlock(&dev->lock);
	if (!write)
		*value = size < 8 ? v & ((1ull << (8 * size)) - 1) : v;
}

void virtio_pci_pio_access(struct virtio_pci_dev *dev, uint64_t off, unsigned size, bool write, uint64_t *value)
{
	if (!write) {
		*value = 0;
		return;
	}
	if (off >= VIRTIO_PCI_PIO_BAR_SIZE || (size != 1 && size != 2 && size != 4))
		return;
	spin_lock(&dev->lock);
	notify_write(dev, (uint32_t)off, VIRTIO_PCI_PIO_NOTIFY_MULT);
	spin_unlock(&dev->lock);
}

static void bar_hook(struct vpci_func *fn, unsigned bar, uint64_t off, unsigned size, bool write, uint64_t *value)
{
	if (bar == VIRTIO_PCI_BAR)
		virtio_pci_bar_access(fn->priv, off, size, write, value);
	else if (bar == VIRTIO_PCI_PIO_BAR)
		virtio_pci_pio_access(fn->priv, off, size, write, value);
	else if (!write)
		*value = ~0ull; /* the MSI-X BAR outside its table and PBA */
}

static const struct vpci_func_ops virtio_pci_func_ops = { .bar_access = bar_hook };

/* ---- setup ---------------------------------------------------------------------------------- */

static int add_cap(struct virtio_pci_dev *dev, uint8_t type, uint8_t bar, uint32_t offset, uint32_t length)
{
	bool notify = type == VIRTIO_PCI_CAP_NOTIFY_CFG;
	unsigned len = notify ? sizeof(struct virtio_pci_notify_cap) : sizeof(struct virtio_pci_cap);
	int off = vpci_func_add_cap(&dev->fn, PCI_CAP_ID_VNDR, len);

	if (off < 0)
		return off;
	vpci_cfg_set(&dev->fn, off + offsetof(struct virtio_pci_cap, cap_len), 1, len);
	vpci_cfg_set(&dev->fn, off + offsetof(struct virtio_pci_cap, cfg_type), 1, type);
	vpci_cfg_set(&dev->fn, off + offsetof(struct virtio_pci_cap, bar), 1, bar);
	vpci_cfg_set(&dev->fn, off + offsetof(struct virtio_pci_cap, offset), 4, offset);
	vpci_cfg_set(&dev->fn, off + offsetof(struct virtio_pci_cap, length), 4, length);
	if (notify)
		vpci_cfg_set(&dev->fn, off + offsetof(struct virtio_pci_notify_cap, notify_off_multiplier), 4,
			     bar == VIRTIO_PCI_PIO_BAR ? VIRTIO_PCI_PIO_NOTIFY_MULT : VIRTIO_PCI_NOTIFY_MULT);
	return 0;
}

static int add_caps(struct virtio_pci_dev *dev)
{
	uint32_t nq = dev->ops->num_queues;
	int rc = add_cap(dev, VIRTIO_PCI_CAP_COMMON_CFG, VIRTIO_PCI_BAR, VIRTIO_PCI_COMMON_OFF,
			 sizeof(struct virtio_pci_common_cfg));

	/* The port doorbells first: drivers take the first notify capability they can use. */
	if (!rc)
		rc = add_cap(dev, VIRTIO_PCI_CAP_NOTIFY_CFG, VIRTIO_PCI_PIO_BAR, 0, nq * VIRTIO_PCI_PIO_NOTIFY_MULT);
	if (!rc)
		rc = add_cap(dev, VIRTIO_PCI_CAP_NOTIFY_CFG, VIRTIO_PCI_BAR, VIRTIO_PCI_NOTIFY_OFF, nq * VIRTIO_PCI_NOTIFY_MULT);
	if (!rc)
		rc = add_cap(dev, VIRTIO_PCI_CAP_ISR_CFG, VIRTIO_PCI_BAR, VIRTIO_PCI_ISR_OFF, 1);
	if (!rc && dev->ops->config_size)
		rc = add_cap(dev, VIRTIO_PCI_CAP_DEVICE_CFG, VIRTIO_PCI_BAR, VIRTIO_PCI_DEVICE_OFF, dev->ops->config_size);
	return rc;
}

static int check_ops(const struct virtio_dev_ops *ops)
{
	if (!ops->num_queues || ops->num_queues > VIRTIO_PCI_MAX_QUEUES ||
	    ops->config_size > VIRTIO_PCI_DEVICE_CFG_MAX || ops->device_id > 0xffff - VIRTIO_PCI_DEVICE_BASE)
		return -EINVAL;
	return 0;
}

static int setup_function(struct virtio_pci_dev *dev)
{
	const struct virtio_dev_ops *ops = dev->ops;
	int rc;

	vpci_func_init(&dev->fn, &virtio_pci_func_ops, dev, VIRTIO_PCI_VENDOR,
		       (uint16_t)(VIRTIO_PCI_DEVICE_BASE + ops->device_id), ops->class_code, VIRTIO_PCI_REVISION);
	vpci_cfg_set(&dev->fn, PCI_SUBSYS_VENDOR, 2, VIRTIO_PCI_SUBSYS_VENDOR);
	vpci_cfg_set(&dev->fn, PCI_SUBSYS_ID, 2, VIRTIO_PCI_SUBSYS_ID);
	rc = vpci_func_set_bar(&dev->fn, VIRTIO_PCI_MSIX_BAR, VPCI_BAR_MEM32, VIRTIO_PCI_MSIX_BAR_SIZE);
	if (!rc)
		rc = vpci_func_set_bar(&dev->fn, VIRTIO_PCI_PIO_BAR, VPCI_BAR_IO, VIRTIO_PCI_PIO_BAR_SIZE);
	if (!rc)
		rc = vpci_func_set_bar(&dev->fn, VIRTIO_PCI_BAR, VPCI_BAR_MEM64, VIRTIO_PCI_BAR_SIZE);
	if (!rc)
		rc = add_caps(dev);
	if (!rc)
		rc = vpci_func_add_msix(&dev->fn, ops->num_queues + 1u, VIRTIO_PCI_MSIX_BAR, 0, VIRTIO_PCI_MSIX_PBA_OFF);
	if (!rc)
		vpci_func_set_intx(&dev->fn, 1);
	return rc;
}

int virtio_pci_init(struct virtio_pci_dev *dev, struct vm *vm, const struct virtio_dev_ops *ops, void *priv)
{
	int rc = check_ops(ops);

	if (rc)
		return rc;
	dev->ops = ops;
	dev->priv = priv;
	spin_lock_init(&dev->lock);
	dev->device_features = (ops->features & ~VIRTIO_F_TRANSPORT_MASK) | VIRTIO_PCI_TRANSPORT_FEATURES;
	for (unsigned i = 0; i < ops->num_queues; i++) {
		rc = virtq_init(&dev->vqs[i], vm, ops->queue_max[i]);
		if (rc)
			return rc;
	}
	rc = setup_function(dev);
	if (rc)
		return rc;
	dev->config_generation = 0;
	virtio_pci_reset(dev);
	return 0;
}

int virtio_pci_register(struct virtio_pci_dev *dev, struct vm *vm, unsigned slot)
{
	return vpci_register(vm, &dev->fn, slot, 0);
}
