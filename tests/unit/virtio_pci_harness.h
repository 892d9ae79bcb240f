/* SPDX-License-Identifier: MIT */
/* A VM with one virtio-pci function and a fake backend, driven as a guest driver would (include after cmocka.h). */
#ifndef BASALT_TESTS_VIRTIO_PCI_HARNESS_H
#define BASALT_TESTS_VIRTIO_PCI_HARNESS_H

#include "drivers/pc/pc_layout.h"
#include "drivers/virtio/virtio_pci.h"
#include "tests/unit/virtq_doubles.h"
#include "tests/unit/vpci_doubles.h"

#define SLOT 3
#define DEVFN (SLOT << 3)
#define RAM_GPA 0x100000ull
#define RAM_SIZE 0x40000ull
#define DESC0 (RAM_GPA + 0x0000)
#define AVAIL0 (RAM_GPA + 0x4000)
#define USED0 (RAM_GPA + 0x6000)
#define DATA (RAM_GPA + 0x10000)
#define QSIZE 16
#define F_V1 (1ull << VIRTIO_F_VERSION_1)
#define F_EVENT (1ull << VIRTIO_F_EVENT_IDX)
#define F_IND (1ull << VIRTIO_F_INDIRECT_DESC)
#define F_DEV1 (1ull << 1)  /* device-type bits the fake backend offers */
#define F_DEV6 (1ull << 6)
#define F_DEV_DROPPED (1ull << 33) /* a transport bit the backend asks for: must not be offered */

#define CC(field) ((uint32_t)offsetof(struct virtio_pci_common_cfg, field))

/* ---- the fake backend ---- */

static struct {
	unsigned notifies, last_queue, resets, cfg_writes;
	bool push_on_notify;
	int pop_rc;
	uint8_t config[8];
} fk;
static struct virtq_chain fk_chain;
static uint16_t drv_avail; /* the driver's next available index on queue 0 */

static inline void fk_notify(struct virtio_pci_dev *d, unsigned q)
{
	fk.notifies++;
	fk.last_queue = q;
	if (!fk.push_on_notify)
		return;
	fk.pop_rc = virtq_pop(&d->vqs[q], &fk_chain);
	if (fk.pop_rc)
		return;
	virtq_push(&d->vqs[q], &fk_chain, 4);
	virtio_pci_notify_used(d, q);
}

static inline void fk_reset(struct virtio_pci_dev *d)
{
	(void)d;
	fk.resets++;
}

static inline void fk_config_read(struct virtio_pci_dev *d, uint32_t off, unsigned size, uint64_t *value)
{
	(void)d;
	*value = 0;
	memcpy(value, fk.config + off, size);
}

static inline void fk_config_write(struct virtio_pci_dev *d, uint32_t off, unsigned size, uint64_t value)
{
	(void)d;
	fk.cfg_writes++;
	memcpy(fk.config + off, &value, size);
}

static const struct virtio_dev_ops fk_ops = {
	.name = "fake",
	.device_id = 2,
	.class_code = 0x018000,
	.features = F_DEV1 | F_DEV6 | F_DEV_DROPPED,
	.num_queues = 2,
	.queue_max = { 256, 64 },
	.config_size = 8,
	.config_read = fk_config_read,
	.config_write = fk_config_write,
	.notify = fk_notify,
	.reset = fk_reset,
};

static struct vm *vm;
static struct virtio_pci_dev *dev;

/* The VM, its fake RAM and the doubles' state, before any device exists. */
static inline void h_setup_vm(void)
{
	vm = calloc(1, sizeof(*vm));
	vm->mem[0] = (struct gmem_region){ 0, 256ull << 20, 0 };
	vm->nr_regions = 1;
	d_ram = calloc(1, RAM_SIZE);
	d_ram_gpa = RAM_GPA;
	d_ram_size = RAM_SIZE;
	d_vm = vm;
	d_nmsi = 0;
	d_gsi_changes = 0;
	memset(d_gsi, 0, sizeof(d_gsi));
}

static inline int h_setup(void **state)
{
	(void)state;
	h_setup_vm();
	memset(&fk, 0, sizeof(fk));
	drv_avail = 0;
	memcpy(fk.config, "\x11\x22\x33\x44\x55\x66\x77\x88", 8);
	dev = calloc(1, sizeof(*dev));
	assert_int_equal(vpci_attach(vm), 0);
	assert_int_equal(virtio_pci_init(dev, vm, &fk_ops, NULL), 0);
	assert_int_equal(virtio_pci_register(dev, vm, SLOT), 0);
	vpci_config_write(vm->pci, 0, DEVFN, PCI_COMMAND, 2, PCI_CMD_MEM | PCI_CMD_MASTER);
	(void)d_pio; /* the doubles' port path: this device has no I/O BAR */
	return 0;
}

static inline int h_teardown(void **state)
{
	(void)state;
	free(dev);
	free(vm);
	free(d_ram);
	d_ram = NULL;
	d_free_pages();
	return 0;
}

/* ---- config space and BARs, as the guest reaches them ---- */

static inline uint32_t cfg_rd(unsigned reg, unsigned size)
{
	return vpci_config_read(vm->pci, 0, DEVFN, reg, size);
}

static inline void cfg_wr(unsigned reg, unsigned size, uint32_t v)
{
	vpci_config_write(vm->pci, 0, DEVFN, reg, size, v);
}

static inline uint64_t bar_base(unsigned bar)
{
	uint64_t lo = cfg_rd(PCI_BAR0 + 4 * bar, 4);

	if (lo & PCI_BAR_MEM64)
		return (lo & ~0xfull) | (uint64_t)cfg_rd(PCI_BAR0 + 4 * bar + 4, 4) << 32;
	return lo & ~0xfull;
}

/* The first vendor capability of cfg_type type in BAR bar, found by walking the list; 0 if absent. */
static inline unsigned find_vcap_in(uint8_t type, unsigned bar)
{
	unsigned guard = 0;

	for (unsigned p = cfg_rd(PCI_CAP_PTR, 1); p && guard < 48; p = cfg_rd(p + 1, 1), guard++)
		if (cfg_rd(p, 1) == PCI_CAP_ID_VNDR && cfg_rd(p + 3, 1) == type && cfg_rd(p + 4, 1) == bar)
			return p;
	return 0;
}

/* The memory-BAR one: what a driver that maps only memory finds (the notify region has a port
 * twin in BAR VIRTIO_PCI_PIO_BAR, see kick_pio). */
static inline unsigned find_vcap(uint8_t type)
{
	return find_vcap_in(type, VIRTIO_PCI_BAR);
}

static inline unsigned find_cap(uint8_t id)
{
	unsigned guard = 0;

	for (unsigned p = cfg_rd(PCI_CAP_PTR, 1); p && guard < 48; p = cfg_rd(p + 1, 1), guard++)
		if (cfg_rd(p, 1) == id)
			return p;
	return 0;
}

/* Guest-physical address of the structure a capability describes. */
static inline uint64_t region(uint8_t type)
{
	unsigned c = find_vcap(type);

	assert_true(c != 0);
	return bar_base(cfg_rd(c + 4, 1)) + cfg_rd(c + 8, 4);
}

static inline uint64_t mmio_rd(uint64_t gpa, unsigned size)
{
	uint64_t v = 0;

	assert_true(d_mmio(vm, gpa, size, false, &v));
	return v;
}

static inline void mmio_wr(uint64_t gpa, unsigned size, uint64_t v)
{
	assert_true(d_mmio(vm, gpa, size, true, &v));
}

static inline uint64_t cc_rd(uint32_t off, unsigned size)
{
	return mmio_rd(region(VIRTIO_PCI_CAP_COMMON_CFG) + off, size);
}

static inline void cc_wr(uint32_t off, unsigned size, uint64_t v)
{
	mmio_wr(region(VIRTIO_PCI_CAP_COMMON_CFG) + off, size, v);
}

static inline uint8_t status(void)
{
	return (uint8_t)cc_rd(CC(device_status), 1);
}

static inline uint8_t isr_rd(void)
{
	return (uint8_t)mmio_rd(region(VIRTIO_PCI_CAP_ISR_CFG), 1);
}

static inline bool intx_asserted(void)
{
	return cfg_rd(PCI_STATUS, 2) & PCI_STATUS_INTX;
}

static inline void kick(unsigned q)
{
	unsigned c = find_vcap(VIRTIO_PCI_CAP_NOTIFY_CFG);
	uint32_t mult = cfg_rd(c + 16, 4);

	cc_wr(CC(queue_select), 2, q);
	mmio_wr(region(VIRTIO_PCI_CAP_NOTIFY_CFG) + cc_rd(CC(queue_notify_off), 2) * mult, 2, q);
}

/* The same doorbell through the port notify region (I/O space must be on: bus_on does it). */
static inline void kick_pio(unsigned q)
{
	unsigned c = find_vcap_in(VIRTIO_PCI_CAP_NOTIFY_CFG, VIRTIO_PCI_PIO_BAR);
	uint32_t v = q;

	assert_true(c != 0);
	cc_wr(CC(queue_select), 2, q);
	assert_true(d_pio(vm, (uint16_t)(bar_base(VIRTIO_PCI_PIO_BAR) + cfg_rd(c + 8, 4) +
					   cc_rd(CC(queue_notify_off), 2) * cfg_rd(c + 16, 4)),
			  2, false, &v));
}

/* ---- the driver's steps ---- */

static inline void bus_on(void)
{
	cfg_wr(PCI_COMMAND, 2, PCI_CMD_MEM | PCI_CMD_IO | PCI_CMD_MASTER);
}

static inline uint8_t negotiate(uint64_t features)
{
	bus_on();
	cc_wr(CC(device_status), 1, VIRTIO_STATUS_ACKNOWLEDGE);
	cc_wr(CC(device_status), 1, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	cc_wr(CC(driver_feature_select), 4, 0);
	cc_wr(CC(driver_feature), 4, (uint32_t)features);
	cc_wr(CC(driver_feature_select), 4, 1);
	cc_wr(CC(driver_feature), 4, (uint32_t)(features >> 32));
	cc_wr(CC(device_status), 1, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK);
	return status();
}

static inline void program_queue(unsigned q, uint16_t size, uint64_t desc, uint64_t avail, uint64_t used)
{
	cc_wr(CC(queue_select), 2, q);
	cc_wr(CC(queue_size), 2, size);
	cc_wr(CC(queue_desc), 4, (uint32_t)desc); /* 4 + 4, as Linux writes 64-bit fields */
	cc_wr(CC(queue_desc) + 4, 4, (uint32_t)(desc >> 32));
	cc_wr(CC(queue_driver), 4, (uint32_t)avail);
	cc_wr(CC(queue_driver) + 4, 4, (uint32_t)(avail >> 32));
	cc_wr(CC(queue_device), 4, (uint32_t)used);
	cc_wr(CC(queue_device) + 4, 4, (uint32_t)(used >> 32));
	cc_wr(CC(queue_enable), 2, 1);
}

/* Features, queue 0 at the usual place, DRIVER_OK. */
static inline void bring_up(uint64_t features)
{
	assert_true(negotiate(features) & VIRTIO_STATUS_FEATURES_OK);
	program_queue(0, QSIZE, DESC0, AVAIL0, USED0);
	assert_int_equal(cc_rd(CC(queue_enable), 2), 1);
	cc_wr(CC(device_status), 1,
	      VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK | VIRTIO_STATUS_DRIVER_OK);
}



/* Offers one writable buffer with descriptor head (the ring is queue 0's). */
static inline void offer(uint16_t head)
{
	struct virtq_desc d = { .addr = DATA, .len = 64, .flags = VIRTQ_DESC_F_WRITE };
	uint16_t idx;

	memcpy(d_host(DESC0 + 16ull * (head % QSIZE)), &d, sizeof(d));
	memcpy(d_host(AVAIL0 + 4 + 2ull * (drv_avail % QSIZE)), &head, 2);
	drv_avail++;
	idx = drv_avail;
	memcpy(d_host(AVAIL0 + 2), &idx, 2);
}

static inline uint16_t used_idx(void)
{
	uint16_t v;

	memcpy(&v, d_host(USED0 + 2), 2);
	return v;
}

/* MSI-X on with every entry unmasked: entry v sends data 0x40 + v. */
static inline void msix_on(void)
{
	uint64_t t = bar_base(VIRTIO_PCI_MSIX_BAR);
	unsigned c = find_cap(PCI_CAP_ID_MSIX);

	for (unsigned v = 0; v < 3; v++) {
		mmio_wr(t + 16 * v, 4, 0xfee00000u);
		mmio_wr(t + 16 * v + 4, 4, 0);
		mmio_wr(t + 16 * v + 8, 4, 0x40 + v);
		mmio_wr(t + 16 * v + 12, 4, 0);
	}
	cfg_wr(c + PCI_MSIX_CTRL, 2, PCI_MSIX_CTRL_ENABLE);
}

#endif
