/* SPDX-License-Identifier: MIT */
/* libFuzzer target: a hostile driver on the virtio-pci transport (BAR, config space, rings in RAM); invariants hold. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "drivers/virtio/virtio_pci.h"
#include "tests/unit/virtq_doubles.h"
#include "tests/unit/vpci_doubles.h"
#include "tests/fuzz/fuzz_input.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define SLOT 3
#define DEVFN (SLOT << 3)
#define RAM_GPA 0x100000ull
#define RAM_SIZE 0x10000ull

static struct virtq_chain chain;
static uint8_t dev_config[12];

/* The backend drains the queue it is told about, as a real one would. It must only ever be
 * called for a running queue of a driver that said DRIVER_OK. */
static void f_notify(struct virtio_pci_dev *d, unsigned q)
{
	CHECK(q < d->ops->num_queues && virtio_pci_driver_ok(d) && virtq_is_enabled(&d->vqs[q]));
	CHECK(!virtq_is_broken(&d->vqs[q]) && !(d->status & VIRTIO_STATUS_NEEDS_RESET));
	for (unsigned n = 0; n < 8 && virtq_pop(&d->vqs[q], &chain) == 0; n++) {
		virtq_push(&d->vqs[q], &chain, 1);
		virtio_pci_notify_used(d, q);
	}
}

static void f_config_read(struct virtio_pci_dev *d, uint32_t off, unsigned size, uint64_t *value)
{
	CHECK(off + size <= d->ops->config_size && off + size <= sizeof(dev_config));
	*value = 0;
	memcpy(value, dev_config + off, size);
}

static void f_config_write(struct virtio_pci_dev *d, uint32_t off, unsigned size, uint64_t value)
{
	CHECK(off + size <= d->ops->config_size && off + size <= sizeof(dev_config));
	memcpy(dev_config + off, &value, size);
}

static const struct virtio_dev_ops f_ops = {
	.name = "fuzz",
	.device_id = 1,
	.class_code = 0x020000,
	.features = 0x00ffffffull | (1ull << 40),
	.num_queues = 3,
	.queue_max = { 256, 8, 1 },
	.config_size = 12,
	.config_read = f_config_read,
	.config_write = f_config_write,
	.notify = f_notify,
};

static bool is_pow2(uint64_t v)
{
	return v && !(v & (v - 1));
}

static void check_state(const struct virtio_pci_dev *d)
{
	if (d->status & VIRTIO_STATUS_FEATURES_OK)
		CHECK(!(d->driver_features & ~d->device_features) &&
		      (d->driver_features & (1ull << VIRTIO_F_VERSION_1)));
	CHECK(!(d->device_features & (1ull << 40)) && !(d->isr & ~3u));
	CHECK(d->config_msix_vector < 4 || d->config_msix_vector == VIRTIO_PCI_NO_VECTOR);
	for (unsigned q = 0; q < d->ops->num_queues; q++) {
		const struct virtio_pci_queue *c = &d->qcfg[q];
		const struct virtq *vq = &d->vqs[q];

		CHECK(is_pow2(c->size) && c->size <= d->ops->queue_max[q]);
		CHECK(c->msix_vector < 4 || c->msix_vector == VIRTIO_PCI_NO_VECTOR);
		if (vq->enabled)
			CHECK(vq->size == c->size && vq->desc_gpa == c->desc && vq->avail_gpa == c->avail &&
			      vq->used_gpa == c->used);
		if (vq->broken)
			CHECK(d->status & VIRTIO_STATUS_NEEDS_RESET);
	}
}

/* Addresses a driver would use: mostly inside the small RAM, sometimes anything. */
static uint64_t guest_addr(struct input *in)
{
	return take(in, 1) & 1 ? RAM_GPA + (take(in, 2) % RAM_SIZE) : take(in, 8);
}

static void one_op(struct vm *vm, struct virtio_pci_dev *d, struct input *in)
{
	static const unsigned sizes[4] = { 1, 2, 4, 8 };
	unsigned op = take(in, 1) % 8, sz = sizes[take(in, 1) & 3];
	bool write = take(in, 1) & 1;
	uint64_t v = take(in, 1) & 1 ? guest_addr(in) : take(in, 4);

	if (op <= 2) { /* the common config, most of the time */
		uint32_t off = op == 2 ? take(in, 2) % (VIRTIO_PCI_BAR_SIZE + 8) : take(in, 1) % 0x40;
		d_mmio(vm, d->fn.bars[VIRTIO_PCI_BAR].decoded_at + off, sz, write, &v);
	} else if (op == 3 && (v & 0x100)) { /* a port doorbell (any port of the BAR and a bit past it) */
		uint32_t pv = (uint32_t)v;

		d_pio(vm, (uint16_t)(d->fn.bars[VIRTIO_PCI_PIO_BAR].decoded_at + take(in, 1) % 40), sz > 4 ? 4 : (uint8_t)sz,
		      !write, &pv);
	} else if (op == 3) { /* a memory doorbell */
		d_mmio(vm, d->fn.bars[VIRTIO_PCI_BAR].decoded_at + VIRTIO_PCI_NOTIFY_OFF + take(in, 1) % 16, sz, true, &v);
	} else if (op == 4) { /* config space: command, MSI-X control, caps */
		vpci_config_write(vm->pci, 0, DEVFN, take(in, 1) & 0xfc, 4, (uint32_t)v);
	} else if (op == 5) { /* MSI-X table */
		d_mmio(vm, d->fn.bars[VIRTIO_PCI_MSIX_BAR].decoded_at + take(in, 1) % 0x40, 4, true, &v);
	} else if (op == 6) { /* the driver writes its rings */
		uint64_t off = take(in, 2) % (RAM_SIZE - 8);
		memcpy(d_ram + off, &v, 8);
	} else { /* the backend on its own */
		virtio_pci_lock(d);
		if (v & 1)
			virtio_pci_config_changed(d);
		else
			virtio_pci_notify_used(d, (unsigned)(v >> 1) % 4);
		virtio_pci_unlock(d);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct vm vm_store;
	static struct virtio_pci_dev dev_store;
	static uint8_t ram[RAM_SIZE];
	struct vm *vm = &vm_store;
	struct virtio_pci_dev *d = &dev_store;
	struct input in = { data, size };

	memset(vm, 0, sizeof(*vm));
	memset(d, 0, sizeof(*d));
	memset(ram, 0, sizeof(ram));
	memset(d_gsi, 0, sizeof(d_gsi));
	d_nmsi = 0;
	vm->mem[0] = (struct gmem_region){ 0, 256ull << 20, 0 };
	vm->nr_regions = 1;
	d_ram = ram;
	d_ram_gpa = RAM_GPA;
	d_ram_size = RAM_SIZE;
	d_vm = vm;
	CHECK(vpci_attach(vm) == 0 && virtio_pci_init(d, vm, &f_ops, NULL) == 0);
	CHECK(virtio_pci_register(d, vm, SLOT) == 0);
	vpci_config_write(vm->pci, 0, DEVFN, PCI_COMMAND, 2, PCI_CMD_MEM | PCI_CMD_MASTER);
	(void)d_pio;
	for (unsigned ops = 0; in.left && ops < 512; ops++) {
		one_op(vm, d, &in);
		CHECK(!spin_is_locked(&d->lock));
		check_state(d);
	}
	d_free_pages();
	return 0;
}
