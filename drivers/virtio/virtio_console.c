/* SPDX-License-Identifier: MIT */
/* virtio-console backend, single port: transmitq bytes print as the VM's console, host input fills the receiveq. */
#include "drivers/virtio/virtio_console.h"

#include <string.h>

#include "kernel/errno.h"
#include "kernel/mem.h"
#include "kernel/vm.h"

/* Upper bound of chains served per kick: a driver refilling the ring from another vCPU cannot
 * keep this one (and vm->lock) busy forever; what is left is served at its next kick. */
#define CHAINS_PER_KICK (4 * VIRTIO_CONSOLE_QSIZE)

static struct virtio_console *vc_of(struct virtio_pci_dev *dev)
{
	return dev->priv;
}

/* The readable bytes of the popped chain, at most VIRTIO_CONSOLE_TX_MAX, through the VM's console
 * line: the same "[name] " prefix and filter as its serial port. */
static void print_chain(struct virtio_console *vc)
{
	uint64_t total = vc->chain.readable_bytes, shown = total;

	if (shown > VIRTIO_CONSOLE_TX_MAX) {
		vc->tx_cut += shown - VIRTIO_CONSOLE_TX_MAX;
		shown = VIRTIO_CONSOLE_TX_MAX;
	}
	for (uint64_t off = 0; off < shown;) {
		size_t n = shown - off < sizeof(vc->bounce) ? (size_t)(shown - off) : sizeof(vc->bounce);

		if (virtq_chain_read(vc->vm, &vc->chain, off, vc->bounce, n))
			return; /* RAM went away under the buffer: nothing more to print */
		for (size_t i = 0; i < n; i++)
			vm_console_putc(vc->vm, (char)vc->bounce[i]);
		off += n;
	}
}

static void serve_tx(struct virtio_console *vc)
{
	struct virtq *vq = &vc->dev.vqs[VIRTIO_CONSOLE_TXQ];
	bool pushed = false;

	for (unsigned i = 0; i < CHAINS_PER_KICK && !virtq_pop(vq, &vc->chain); i++) {
		print_chain(vc);
		if (virtq_push(vq, &vc->chain, 0))
			break;
		pushed = true;
	}
	if (pushed)
		virtio_pci_notify_used(&vc->dev, VIRTIO_CONSOLE_TXQ);
}

/* Moves FIFO bytes into posted receive buffers while both exist; dev->lock held. */
static void serve_rx(struct virtio_console *vc)
{
	struct virtq *vq = &vc->dev.vqs[VIRTIO_CONSOLE_RXQ];
	bool pushed = false;

	if (!virtio_pci_driver_ok(&vc->dev) || (vc->dev.status & VIRTIO_STATUS_NEEDS_RESET))
		return;
	while (vc->fifo_count && !virtq_pop(vq, &vc->chain)) {
		uint64_t room = vc->chain.writable_bytes;
		uint32_t done = 0;

		while (vc->fifo_count && done < room) {
			unsigned run = VIRTIO_CONSOLE_FIFO - vc->fifo_head; /* contiguous up to the wrap */

			if (run > vc->fifo_count)
				run = vc->fifo_count;
			if (run > room - done)
				run = (unsigned)(room - done);
			if (virtq_chain_write(vc->vm, &vc->chain, done, vc->fifo + vc->fifo_head, run))
				break;
			done += run;
			vc->fifo_head = (vc->fifo_head + run) % VIRTIO_CONSOLE_FIFO;
			vc->fifo_count -= run;
		}
		if (virtq_push(vq, &vc->chain, done))
			break;
		pushed = true;
	}
	if (pushed)
		virtio_pci_notify_used(&vc->dev, VIRTIO_CONSOLE_RXQ);
	virtio_pci_check_broken(&vc->dev, VIRTIO_CONSOLE_RXQ);
}

static void vc_notify(struct virtio_pci_dev *dev, unsigned queue)
{
	if (queue == VIRTIO_CONSOLE_TXQ)
		serve_tx(vc_of(dev));
	else if (queue == VIRTIO_CONSOLE_RXQ)
		serve_rx(vc_of(dev)); /* new buffers: hand over what waited */
}

/* No feature offers a field, so the whole config reads 0 and writes are ignored. */
static void vc_config_read(struct virtio_pci_dev *dev, uint32_t off, unsigned size, uint64_t *value)
{
	(void)dev;
	(void)off;
	(void)size;
	*value = 0;
}

/* Host input waiting in the FIFO survives a reset: it is the host's, not a request in flight. */
static void vc_reset(struct virtio_pci_dev *dev)
{
	(void)dev;
}

static const struct virtio_dev_ops console_ops = {
	.name = "virtio-console",
	.device_id = VIRTIO_CONSOLE_DEVICE_ID,
	.class_code = 0x078000, /* simple communication controller, other */
	.features = 0,
	.num_queues = 2,
	.queue_max = { VIRTIO_CONSOLE_QSIZE, VIRTIO_CONSOLE_QSIZE },
	.config_size = VIRTIO_CONSOLE_CONFIG_SIZE,
	.config_read = vc_config_read,
	.notify = vc_notify,
	.reset = vc_reset,
};

int virtio_console_init(struct virtio_console *vc, struct vm *vm)
{
	vc->vm = vm;
	return virtio_pci_init(&vc->dev, vm, &console_ops, vc);
}

int virtio_console_attach(struct vm *vm)
{
	size_t pages = (sizeof(struct virtio_console) + PAGE_SIZE - 1) / PAGE_SIZE;
	struct virtio_console *vc = pages_alloc(pages, PAGE_SIZE); /* zeroed, not .bss */
	int rc;

	if (!vc)
		return -ENOMEM;
	rc = virtio_console_init(vc, vm);
	if (!rc)
		rc = virtio_pci_register(&vc->dev, vm, VIRTIO_CONSOLE_SLOT);
	if (!rc)
		vm->virtio_console = vc;
	return rc;
}

void virtio_console_input(struct virtio_console *vc, const uint8_t *bytes, size_t len)
{
	virtio_pci_lock(&vc->dev);
	for (size_t i = 0; i < len; i++) {
		if (vc->fifo_count == VIRTIO_CONSOLE_FIFO)
			serve_rx(vc); /* make room in posted buffers before dropping anything */
		if (vc->fifo_count == VIRTIO_CONSOLE_FIFO) {
			vc->rx_dropped += len - i;
			break;
		}
		vc->fifo[(vc->fifo_head + vc->fifo_count) % VIRTIO_CONSOLE_FIFO] = bytes[i];
		vc->fifo_count++;
	}
	serve_rx(vc);
	virtio_pci_unlock(&vc->dev);
}
