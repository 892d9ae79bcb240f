/* SPDX-License-Identifier: MIT */
/* Unit tests for the virtio-pci transport: identity, capabilities, feature negotiation, status, access widths. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "tests/unit/virtio_pci_harness.h"

/* ---- PCI identity and capabilities ---- */

static void test_identity(void **state)
{
	(void)state;
	assert_int_equal(cfg_rd(PCI_VENDOR_ID, 2), 0x1af4);
	assert_int_equal(cfg_rd(PCI_DEVICE_ID, 2), 0x1042); /* 0x1040 + block */
	assert_int_equal(cfg_rd(PCI_REVISION, 1), 1);
	assert_int_equal(cfg_rd(PCI_REVISION, 4) >> 8, 0x018000);
	assert_int_equal(cfg_rd(PCI_SUBSYS_VENDOR, 2), 0x1af4);
	assert_true(cfg_rd(PCI_SUBSYS_ID, 2) >= 0x40);
	assert_int_equal(cfg_rd(PCI_INT_PIN, 1), 1);
	assert_true(cfg_rd(PCI_STATUS, 2) & PCI_STATUS_CAP_LIST);
	/* Modern only: BAR 1 (MSI-X), BAR 2 (the port doorbells, I/O) and BAR 4/5 (64-bit memory). */
	for (unsigned b = 0; b < 6; b++) {
		uint32_t v = cfg_rd(PCI_BAR0 + 4 * b, 4);

		assert_int_equal(!!(v & PCI_BAR_IO), b == 2);
		if (b != 1 && b != 2 && b != 4 && b != 5)
			assert_int_equal(v, 0);
	}
	assert_true(cfg_rd(PCI_BAR0 + 16, 4) & PCI_BAR_MEM64);
}

static void test_caps_found_by_walk(void **state)
{
	unsigned common = find_vcap(VIRTIO_PCI_CAP_COMMON_CFG), notify = find_vcap(VIRTIO_PCI_CAP_NOTIFY_CFG);
	unsigned isr = find_vcap(VIRTIO_PCI_CAP_ISR_CFG), devc = find_vcap(VIRTIO_PCI_CAP_DEVICE_CFG);
	unsigned caps[4] = { common, notify, isr, devc };

	(void)state;
	assert_true(common && notify && isr && devc);
	assert_int_equal(find_vcap(VIRTIO_PCI_CAP_PCI_CFG), 0); /* not offered */
	for (unsigned i = 0; i < 4; i++) {
		assert_int_equal(cfg_rd(caps[i] + 2, 1), caps[i] == notify ? 20 : 16);
		assert_int_equal(cfg_rd(caps[i] + 4, 1), 4);
		for (unsigned j = 0; j < i; j++) /* distinct, non-overlapping ranges in BAR 4 */
			assert_true(cfg_rd(caps[i] + 8, 4) + cfg_rd(caps[i] + 12, 4) <= cfg_rd(caps[j] + 8, 4) ||
				    cfg_rd(caps[j] + 8, 4) + cfg_rd(caps[j] + 12, 4) <= cfg_rd(caps[i] + 8, 4));
		assert_true(cfg_rd(caps[i] + 8, 4) + cfg_rd(caps[i] + 12, 4) <= VIRTIO_PCI_BAR_SIZE);
	}
	assert_int_equal(cfg_rd(common + 12, 4), 0x38);
	assert_int_equal(cfg_rd(isr + 12, 4), 1);
	assert_int_equal(cfg_rd(devc + 12, 4), 8);
	assert_int_equal(cfg_rd(notify + 16, 4), VIRTIO_PCI_NOTIFY_MULT);
	assert_true(cfg_rd(notify + 12, 4) >= 2 * VIRTIO_PCI_NOTIFY_MULT); /* both doorbells inside */
}

static void test_msix_cap(void **state)
{
	unsigned c = find_cap(PCI_CAP_ID_MSIX);

	(void)state;
	assert_true(c != 0);
	assert_int_equal(cfg_rd(c + PCI_MSIX_CTRL, 2) & 0x7ff, 2); /* num_queues + 1 = 3 vectors */
	assert_int_equal(cfg_rd(c + PCI_MSIX_TABLE, 4) & 7, VIRTIO_PCI_MSIX_BAR);
	assert_int_equal(cfg_rd(c + PCI_MSIX_PBA, 4) & 7, VIRTIO_PCI_MSIX_BAR);
}

static void test_caps_read_only(void **state)
{
	unsigned c = find_vcap(VIRTIO_PCI_CAP_COMMON_CFG);
	uint32_t before = cfg_rd(c + 8, 4);

	(void)state;
	cfg_wr(c + 8, 4, 0x2000);
	cfg_wr(c + 3, 1, 7);
	cfg_wr(c + 4, 1, 0);
	assert_int_equal(cfg_rd(c + 8, 4), before);
	assert_int_equal(cfg_rd(c + 3, 1), VIRTIO_PCI_CAP_COMMON_CFG);
	assert_int_equal(cfg_rd(c + 4, 1), 4);
}

/* ---- features ---- */

static void test_device_feature_windows(void **state)
{
	(void)state;
	cc_wr(CC(device_feature_select), 4, 0);
	assert_int_equal(cc_rd(CC(device_feature), 4), (uint32_t)(F_DEV1 | F_DEV6 | F_EVENT | F_IND));
	cc_wr(CC(device_feature_select), 4, 1);
	assert_int_equal(cc_rd(CC(device_feature), 4), 1); /* VERSION_1; the backend's bit 33 dropped */
	cc_wr(CC(device_feature_select), 4, 2);
	assert_int_equal(cc_rd(CC(device_feature), 4), 0);
	cc_wr(CC(device_feature_select), 4, 0xffffffff);
	assert_int_equal(cc_rd(CC(device_feature), 4), 0);
	cc_wr(CC(device_feature), 4, 0); /* read-only */
	cc_wr(CC(device_feature_select), 4, 0);
	assert_int_equal(cc_rd(CC(device_feature), 4), (uint32_t)(F_DEV1 | F_DEV6 | F_EVENT | F_IND));
}

static void test_features_ok_accepted(void **state)
{
	(void)state;
	assert_true(negotiate(F_V1 | F_EVENT | F_DEV1) & VIRTIO_STATUS_FEATURES_OK);
	assert_int_equal(dev->driver_features, F_V1 | F_EVENT | F_DEV1);
	cc_wr(CC(driver_feature_select), 4, 0); /* negotiation is over: further writes are dropped */
	cc_wr(CC(driver_feature), 4, 0xffffffff);
	assert_int_equal(cc_rd(CC(driver_feature), 4), (uint32_t)(F_EVENT | F_DEV1));
	assert_int_equal(dev->driver_features, F_V1 | F_EVENT | F_DEV1);
}

static void test_features_ok_refused_without_version_1(void **state)
{
	(void)state;
	assert_false(negotiate(F_EVENT | F_DEV1) & VIRTIO_STATUS_FEATURES_OK);
	assert_true(status() & VIRTIO_STATUS_DRIVER);
}

static void test_features_ok_refused_unknown_bits(void **state)
{
	(void)state;
	assert_false(negotiate(F_V1 | (1ull << 2)) & VIRTIO_STATUS_FEATURES_OK);
	cc_wr(CC(device_status), 1, 0);
	assert_false(negotiate(F_V1 | F_DEV_DROPPED) & VIRTIO_STATUS_FEATURES_OK);
	cc_wr(CC(device_status), 1, 0);
	assert_false(negotiate(F_V1 | (1ull << 63)) & VIRTIO_STATUS_FEATURES_OK);
}

static void test_features_retry_after_refusal(void **state)
{
	(void)state;
	assert_false(negotiate(F_V1 | (1ull << 3)) & VIRTIO_STATUS_FEATURES_OK);
	assert_true(negotiate(F_V1 | F_DEV6) & VIRTIO_STATUS_FEATURES_OK);
	assert_int_equal(dev->driver_features, F_V1 | F_DEV6);
}

static void test_driver_feature_select_out_of_range(void **state)
{
	(void)state;
	cc_wr(CC(driver_feature_select), 4, 5);
	cc_wr(CC(driver_feature), 4, 0xffffffff);
	assert_int_equal(cc_rd(CC(driver_feature), 4), 0);
	assert_int_equal(dev->driver_features, 0);
}

/* ---- status ---- */

static void test_status_sticky_and_needs_reset_device_only(void **state)
{
	(void)state;
	cc_wr(CC(device_status), 1, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	cc_wr(CC(device_status), 1, VIRTIO_STATUS_ACKNOWLEDGE); /* clearing a bit is not a thing */
	assert_int_equal(status(), VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	cc_wr(CC(device_status), 1, VIRTIO_STATUS_NEEDS_RESET | VIRTIO_STATUS_FAILED);
	assert_int_equal(status(), VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FAILED);
	assert_int_equal(fk.resets, 1); /* the one from init */
	cc_wr(CC(device_status), 1, 0);
	assert_int_equal(status(), 0);
	assert_int_equal(fk.resets, 2);
}

/* ---- queues seen through queue_select ---- */

static void test_queue_geometry(void **state)
{
	(void)state;
	assert_int_equal(cc_rd(CC(num_queues), 2), 2);
	cc_wr(CC(queue_select), 2, 0);
	assert_int_equal(cc_rd(CC(queue_size), 2), 256);
	assert_int_equal(cc_rd(CC(queue_notify_off), 2), 0);
	assert_int_equal(cc_rd(CC(queue_msix_vector), 2), VIRTIO_PCI_NO_VECTOR);
	cc_wr(CC(queue_select), 2, 1);
	assert_int_equal(cc_rd(CC(queue_size), 2), 64);
	assert_int_equal(cc_rd(CC(queue_notify_off), 2), 1);
	assert_int_equal(cc_rd(CC(config_msix_vector), 2), VIRTIO_PCI_NO_VECTOR);
}

static void test_queue_select_out_of_range(void **state)
{
	(void)state;
	for (unsigned sel = 2; sel <= 0xffff; sel += 0x7fff) {
		cc_wr(CC(queue_select), 2, sel);
		assert_int_equal(cc_rd(CC(queue_select), 2), sel);
		cc_wr(CC(queue_size), 2, 4);
		cc_wr(CC(queue_desc), 8, DESC0);
		cc_wr(CC(queue_msix_vector), 2, 0);
		cc_wr(CC(queue_enable), 2, 1);
		assert_int_equal(cc_rd(CC(queue_size), 2), 0);
		assert_int_equal(cc_rd(CC(queue_enable), 2), 0);
		assert_int_equal(cc_rd(CC(queue_desc), 8), 0);
		assert_int_equal(cc_rd(CC(queue_msix_vector), 2), 0);
	}
	assert_int_equal(dev->qcfg[0].size, 256); /* nothing spilled into real queues */
	assert_int_equal(dev->qcfg[1].size, 64);
	assert_int_equal(dev->qcfg[0].desc, 0);
	assert_int_equal(dev->qcfg[1].msix_vector, VIRTIO_PCI_NO_VECTOR);
}

static void test_queue_size_write_rules(void **state)
{
	(void)state;
	cc_wr(CC(queue_select), 2, 1);
	cc_wr(CC(queue_size), 2, 32);
	assert_int_equal(cc_rd(CC(queue_size), 2), 32);
	cc_wr(CC(queue_size), 2, 24);  /* not a power of two */
	assert_int_equal(cc_rd(CC(queue_size), 2), 32);
	cc_wr(CC(queue_size), 2, 128); /* above the max of 64 */
	assert_int_equal(cc_rd(CC(queue_size), 2), 32);
	cc_wr(CC(queue_size), 2, 0);
	assert_int_equal(cc_rd(CC(queue_size), 2), 32);
	cc_wr(CC(queue_size), 2, 1);
	assert_int_equal(cc_rd(CC(queue_size), 2), 1);
}

static void test_msix_vector_checked(void **state)
{
	(void)state;
	cc_wr(CC(queue_select), 2, 0);
	cc_wr(CC(queue_msix_vector), 2, 2);
	assert_int_equal(cc_rd(CC(queue_msix_vector), 2), 2);
	cc_wr(CC(queue_msix_vector), 2, 3); /* the function has vectors 0-2 */
	assert_int_equal(cc_rd(CC(queue_msix_vector), 2), VIRTIO_PCI_NO_VECTOR);
	cc_wr(CC(config_msix_vector), 2, 0);
	assert_int_equal(cc_rd(CC(config_msix_vector), 2), 0);
	cc_wr(CC(config_msix_vector), 2, 0x8000);
	assert_int_equal(cc_rd(CC(config_msix_vector), 2), VIRTIO_PCI_NO_VECTOR);
}

/* ---- access widths and offsets ---- */

static void test_narrow_and_wide_reads(void **state)
{
	(void)state;
	cc_wr(CC(device_feature_select), 4, 0);
	assert_int_equal(cc_rd(CC(device_feature) + 3, 1), (uint8_t)((F_EVENT | F_IND) >> 24));
	assert_int_equal(cc_rd(CC(device_feature), 1), (uint8_t)(F_DEV1 | F_DEV6));
	assert_int_equal(cc_rd(CC(device_feature) + 1, 2), 0);
	/* One 2-byte read across num_queues' high byte and device_status. */
	cc_wr(CC(device_status), 1, VIRTIO_STATUS_ACKNOWLEDGE);
	assert_int_equal(cc_rd(CC(num_queues) + 1, 2), VIRTIO_STATUS_ACKNOWLEDGE << 8);
	/* An 8-byte read at 0x10: config vector, num_queues, status, generation, queue_select. */
	assert_int_equal(cc_rd(CC(config_msix_vector), 8),
			 0xffffull | 2ull << 16 | (uint64_t)VIRTIO_STATUS_ACKNOWLEDGE << 32);
}

static void test_64bit_fields_any_split(void **state)
{
	(void)state;
	cc_wr(CC(queue_select), 2, 0);
	cc_wr(CC(queue_desc), 8, 0x1122334455667700ull);
	assert_int_equal(cc_rd(CC(queue_desc), 8), 0x1122334455667700ull);
	cc_wr(CC(queue_desc) + 4, 4, 0xaabbccdd);
	assert_int_equal(cc_rd(CC(queue_desc), 8), 0xaabbccdd55667700ull);
	cc_wr(CC(queue_desc) + 1, 1, 0xee);
	assert_int_equal(cc_rd(CC(queue_desc), 4), 0x5566ee00);
	cc_wr(CC(queue_driver) + 2, 4, 0x12345678); /* misaligned inside the field */
	assert_int_equal(cc_rd(CC(queue_driver), 8), 0x0000123456780000ull);
	cc_wr(CC(queue_device) + 6, 4, 0xdeadbeef); /* straddles queue_device and the end of the struct */
	assert_int_equal(cc_rd(CC(queue_device), 8), 0xbeef000000000000ull);
	assert_int_equal(cc_rd(0x38, 4), 0);
}

static void test_byte_write_to_queue_select(void **state)
{
	(void)state;
	cc_wr(CC(queue_select), 2, 0x0100);
	cc_wr(CC(queue_select), 1, 1); /* low byte only: 0x0101, out of range */
	assert_int_equal(cc_rd(CC(queue_select), 2), 0x0101);
	assert_int_equal(cc_rd(CC(queue_size), 2), 0);
	cc_wr(CC(queue_select) + 1, 1, 0);
	assert_int_equal(cc_rd(CC(queue_size), 2), 64);
}

static void test_holes_and_straddles(void **state)
{
	uint64_t base = bar_base(VIRTIO_PCI_BAR);

	(void)state;
	assert_int_equal(cc_rd(0x100, 4), 0);
	cc_wr(0x3c, 4, 0xffffffff); /* past the 1.0 fields: dropped */
	assert_int_equal(mmio_rd(base + VIRTIO_PCI_ISR_OFF - 2, 4), 0); /* across two regions */
	mmio_wr(base + VIRTIO_PCI_COMMON_OFF + 0xffe, 4, 0xffffffff);
	assert_int_equal(mmio_rd(base + VIRTIO_PCI_BAR_SIZE - 8, 8), 0);
	assert_int_equal(status(), 0);
	/* Read-only fields ignore writes of every width. */
	cc_wr(CC(num_queues), 2, 9);
	cc_wr(CC(config_generation), 1, 9);
	cc_wr(CC(queue_notify_off), 2, 9);
	assert_int_equal(cc_rd(CC(num_queues), 2), 2);
	assert_int_equal(cc_rd(CC(config_generation), 1), 0);
	assert_int_equal(cc_rd(CC(queue_notify_off), 2), 0);
}

static void test_direct_bar_access_odd_sizes(void **state)
{
	uint64_t v = 0x1234;

	(void)state;
	virtio_pci_bar_access(dev, CC(num_queues), 3, false, &v);
	assert_int_equal(v, 0);
	virtio_pci_bar_access(dev, VIRTIO_PCI_BAR_SIZE, 1, false, &v);
	assert_int_equal(v, 0);
	v = 0;
	virtio_pci_bar_access(dev, ~0ull - 1, 4, true, &v); /* would wrap: dropped */
	v = 0xff;
	virtio_pci_bar_access(dev, CC(num_queues), 2, false, &v);
	assert_int_equal(v, 2);
}

/* ---- device config ---- */

static void test_device_config(void **state)
{
	uint64_t devc = region(VIRTIO_PCI_CAP_DEVICE_CFG);

	(void)state;
	assert_int_equal(mmio_rd(devc, 1), 0x11);
	assert_int_equal(mmio_rd(devc + 2, 2), 0x4433);
	assert_int_equal(mmio_rd(devc + 4, 4), 0x88776655);
	assert_int_equal(mmio_rd(devc, 8), 0x8877665544332211ull);
	assert_int_equal(mmio_rd(devc + 6, 4), 0); /* past config_size */
	assert_int_equal(mmio_rd(devc + 8, 1), 0);
	mmio_wr(devc + 7, 2, 0xffff);
	assert_int_equal(fk.cfg_writes, 0);
	mmio_wr(devc + 1, 1, 0xab);
	assert_int_equal(fk.cfg_writes, 1);
	assert_int_equal(fk.config[1], 0xab);
}

static void test_config_changed_bumps_generation(void **state)
{
	(void)state;
	virtio_pci_lock(dev);
	virtio_pci_config_changed(dev);
	virtio_pci_unlock(dev);
	assert_int_equal(cc_rd(CC(config_generation), 1), 1);
	assert_true(intx_asserted());
	assert_int_equal(isr_rd(), VIRTIO_ISR_CONFIG);
	assert_false(intx_asserted());
}

/* ---- setup checks ---- */

static void test_init_rejects_bad_ops(void **state)
{
	struct virtio_dev_ops o = fk_ops;
	struct virtio_pci_dev *d = calloc(1, sizeof(*d));

	(void)state;
	o.num_queues = 0;
	assert_int_equal(virtio_pci_init(d, vm, &o, NULL), -EINVAL);
	o.num_queues = VIRTIO_PCI_MAX_QUEUES + 1;
	assert_int_equal(virtio_pci_init(d, vm, &o, NULL), -EINVAL);
	o = fk_ops;
	o.config_size = VIRTIO_PCI_DEVICE_CFG_MAX + 1;
	assert_int_equal(virtio_pci_init(d, vm, &o, NULL), -EINVAL);
	o = fk_ops;
	o.queue_max[1] = 100;
	assert_int_equal(virtio_pci_init(d, vm, &o, NULL), -EINVAL);
	o = fk_ops;
	o.queue_max[0] = 0;
	assert_int_equal(virtio_pci_init(d, vm, &o, NULL), -EINVAL);
	free(d);
}

#define T(f) cmocka_unit_test_setup_teardown(f, h_setup, h_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_identity),
		T(test_caps_found_by_walk),
		T(test_msix_cap),
		T(test_caps_read_only),
		T(test_device_feature_windows),
		T(test_features_ok_accepted),
		T(test_features_ok_refused_without_version_1),
		T(test_features_ok_refused_unknown_bits),
		T(test_features_retry_after_refusal),
		T(test_driver_feature_select_out_of_range),
		T(test_status_sticky_and_needs_reset_device_only),
		T(test_queue_geometry),
		T(test_queue_select_out_of_range),
		T(test_queue_size_write_rules),
		T(test_msix_vector_checked),
		T(test_narrow_and_wide_reads),
		T(test_64bit_fields_any_split),
		T(test_byte_write_to_queue_select),
		T(test_holes_and_straddles),
		T(test_direct_bar_access_odd_sizes),
		T(test_device_config),
		T(test_config_changed_bumps_generation),
		T(test_init_rejects_bad_ops),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
