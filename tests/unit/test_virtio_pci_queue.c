/* SPDX-License-Identifier: MIT */
/* Unit tests for the virtio-pci transport: queue enable, notify, NEEDS_RESET, reset, ISR, MSI-X and INTx. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "tests/unit/virtio_pci_harness.h"

static unsigned gsi(void)
{
	return pc_pci_intx_gsi(SLOT, 0);
}

/* ---- enable ---- */

static void test_enable_passes_programmed_values(void **state)
{
	(void)state;
	bring_up(F_V1 | F_EVENT);
	assert_true(virtq_is_enabled(&dev->vqs[0]));
	assert_int_equal(dev->vqs[0].size, QSIZE);
	assert_int_equal(dev->vqs[0].desc_gpa, DESC0);
	assert_int_equal(dev->vqs[0].avail_gpa, AVAIL0);
	assert_int_equal(dev->vqs[0].used_gpa, USED0);
	assert_true(dev->vqs[0].event_idx);
	assert_false(dev->vqs[0].indirect);
	assert_false(virtq_is_enabled(&dev->vqs[1]));
	assert_false(status() & VIRTIO_STATUS_NEEDS_RESET);
}

static void test_enable_before_features_ok_dropped(void **state)
{
	(void)state;
	program_queue(0, QSIZE, DESC0, AVAIL0, USED0);
	assert_int_equal(cc_rd(CC(queue_enable), 2), 0);
	assert_false(status() & VIRTIO_STATUS_NEEDS_RESET);
}

static void test_bad_ring_address_needs_reset(void **state)
{
	(void)state;
	assert_true(negotiate(F_V1) & VIRTIO_STATUS_FEATURES_OK);
	program_queue(0, QSIZE, RAM_GPA + RAM_SIZE - 16, AVAIL0, USED0); /* table runs out of RAM */
	assert_int_equal(cc_rd(CC(queue_enable), 2), 0);
	assert_true(status() & VIRTIO_STATUS_NEEDS_RESET);
	assert_true(intx_asserted()); /* the config-change interrupt, by INTx */
	assert_true(d_gsi[gsi()]);
	assert_int_equal(isr_rd(), VIRTIO_ISR_CONFIG);
	/* A second bad queue does not interrupt again. */
	program_queue(1, 8, DESC0 + 8, AVAIL0, USED0);
	assert_false(intx_asserted());
}

static void test_fields_frozen_while_enabled(void **state)
{
	(void)state;
	bring_up(F_V1);
	cc_wr(CC(queue_select), 2, 0);
	cc_wr(CC(queue_size), 2, 4);
	cc_wr(CC(queue_desc), 8, DATA);
	cc_wr(CC(queue_enable), 2, 0); /* not a way to stop it */
	assert_int_equal(cc_rd(CC(queue_size), 2), QSIZE);
	assert_int_equal(cc_rd(CC(queue_desc), 8), DESC0);
	assert_int_equal(cc_rd(CC(queue_enable), 2), 1);
	cc_wr(CC(queue_msix_vector), 2, 1); /* still allowed */
	assert_int_equal(cc_rd(CC(queue_msix_vector), 2), 1);
}

/* ---- notify ---- */

static void test_notify_reaches_backend(void **state)
{
	(void)state;
	bring_up(F_V1);
	fk.push_on_notify = true;
	offer(3);
	kick(0);
	assert_int_equal(fk.notifies, 1);
	assert_int_equal(fk.last_queue, 0);
	assert_int_equal(fk.pop_rc, 0);
	assert_int_equal(fk_chain.head, 3);
	assert_int_equal(used_idx(), 1);
}

static void test_notify_needs_driver_ok_and_enabled_queue(void **state)
{
	(void)state;
	assert_true(negotiate(F_V1) & VIRTIO_STATUS_FEATURES_OK);
	program_queue(0, QSIZE, DESC0, AVAIL0, USED0);
	kick(0); /* no DRIVER_OK yet */
	assert_int_equal(fk.notifies, 0);
	cc_wr(CC(device_status), 1, status() | VIRTIO_STATUS_DRIVER_OK);
	kick(1); /* queue 1 never enabled */
	assert_int_equal(fk.notifies, 0);
	kick(0);
	assert_int_equal(fk.notifies, 1);
}

static void test_notify_address_decides_queue(void **state)
{
	uint64_t n = region(VIRTIO_PCI_CAP_NOTIFY_CFG);

	(void)state;
	bring_up(F_V1);
	mmio_wr(n + 4 * VIRTIO_PCI_NOTIFY_MULT, 2, 0); /* queue 4 does not exist */
	mmio_wr(n + 1, 1, 0);                          /* not on a doorbell */
	mmio_wr(n + 2, 2, 0);
	assert_int_equal(fk.notifies, 0);
	mmio_wr(n, 4, 0x1234); /* any value, any width: queue 0's doorbell */
	assert_int_equal(fk.notifies, 1);
	assert_int_equal(fk.last_queue, 0);
	assert_int_equal(mmio_rd(n, 4), 0);
	assert_int_equal(fk.notifies, 1); /* reads do not notify */
}

/* The port doorbells: the first notify capability, what Linux uses; same rules as the memory ones. */
static void test_port_notify(void **state)
{
	unsigned first = 0, guard = 0;
	uint16_t base;
	uint32_t v = 0;

	(void)state;
	for (unsigned p = cfg_rd(PCI_CAP_PTR, 1); p && !first && guard < 48; p = cfg_rd(p + 1, 1), guard++)
		if (cfg_rd(p, 1) == PCI_CAP_ID_VNDR && cfg_rd(p + 3, 1) == VIRTIO_PCI_CAP_NOTIFY_CFG)
			first = p;
	assert_int_equal(cfg_rd(first + 4, 1), VIRTIO_PCI_PIO_BAR);
	assert_int_equal(cfg_rd(first + 16, 4), VIRTIO_PCI_PIO_NOTIFY_MULT);
	assert_true(cfg_rd(PCI_BAR0 + 4 * VIRTIO_PCI_PIO_BAR, 4) & PCI_BAR_IO);
	assert_true(negotiate(F_V1) & VIRTIO_STATUS_FEATURES_OK);
	program_queue(0, QSIZE, DESC0, AVAIL0, USED0);
	kick_pio(0); /* no DRIVER_OK yet */
	assert_int_equal(fk.notifies, 0);
	cc_wr(CC(device_status), 1, status() | VIRTIO_STATUS_DRIVER_OK);
	fk.push_on_notify = true;
	offer(3);
	kick_pio(0);
	assert_int_equal(fk.notifies, 1);
	assert_int_equal(fk.last_queue, 0);
	assert_int_equal(used_idx(), 1);
	base = (uint16_t)bar_base(VIRTIO_PCI_PIO_BAR);
	fk.push_on_notify = false;
	assert_true(d_pio(vm, (uint16_t)(base + 1), 1, false, &v)); /* between doorbells */
	assert_true(d_pio(vm, (uint16_t)(base + 2 * 4), 2, false, &v)); /* queue 4 does not exist */
	assert_int_equal(fk.notifies, 1);
	assert_true(d_pio(vm, base, 2, true, &v));
	assert_int_equal(v, 0); /* reads give 0 and notify nothing */
	assert_int_equal(fk.notifies, 1);
	/* Without I/O space decoding the ports are not there. */
	cfg_wr(PCI_COMMAND, 2, PCI_CMD_MEM | PCI_CMD_MASTER);
	v = 0;
	d_pio(vm, base, 2, false, &v);
	assert_int_equal(fk.notifies, 1);
}

static void test_broken_queue_needs_reset(void **state)
{
	(void)state;
	bring_up(F_V1);
	fk.push_on_notify = true;
	offer(QSIZE + 5); /* head out of range: the queue breaks on pop */
	kick(0);
	assert_int_equal(fk.pop_rc, -EIO);
	assert_true(status() & VIRTIO_STATUS_NEEDS_RESET);
	assert_int_equal(isr_rd(), VIRTIO_ISR_CONFIG);
	kick(0); /* nothing reaches the backend any more */
	assert_int_equal(fk.notifies, 1);
	assert_false(intx_asserted());
}

static void test_check_broken_helper(void **state)
{
	(void)state;
	bring_up(F_V1);
	virtio_pci_lock(dev);
	assert_false(virtio_pci_check_broken(dev, 0));
	assert_false(virtio_pci_check_broken(dev, 7));
	offer(QSIZE);
	assert_int_equal(virtq_pop(&dev->vqs[0], &fk_chain), -EIO);
	assert_true(virtio_pci_check_broken(dev, 0));
	virtio_pci_unlock(dev);
	assert_true(status() & VIRTIO_STATUS_NEEDS_RESET);
}

/* ---- reset ---- */

static void test_reset_through_status_zero(void **state)
{
	(void)state;
	bring_up(F_V1 | F_EVENT);
	cc_wr(CC(queue_msix_vector), 2, 1);
	cc_wr(CC(config_msix_vector), 2, 0);
	cc_wr(CC(queue_select), 2, 1);
	cc_wr(CC(queue_size), 2, 8);
	virtio_pci_lock(dev);
	virtio_pci_set_needs_reset(dev);
	virtio_pci_unlock(dev);
	assert_true(intx_asserted());
	cc_wr(CC(device_status), 1, 0);
	assert_int_equal(status(), 0);
	assert_int_equal(fk.resets, 2);
	assert_false(intx_asserted());
	assert_int_equal(isr_rd(), 0);
	assert_int_equal(dev->driver_features, 0);
	assert_int_equal(cc_rd(CC(queue_select), 2), 0);
	assert_int_equal(cc_rd(CC(queue_enable), 2), 0);
	assert_int_equal(cc_rd(CC(queue_desc), 8), 0);
	assert_int_equal(cc_rd(CC(queue_msix_vector), 2), VIRTIO_PCI_NO_VECTOR);
	assert_int_equal(cc_rd(CC(config_msix_vector), 2), VIRTIO_PCI_NO_VECTOR);
	cc_wr(CC(queue_select), 2, 1);
	assert_int_equal(cc_rd(CC(queue_size), 2), 64);
	assert_false(virtq_is_enabled(&dev->vqs[0]));
	/* And the device comes up again. */
	drv_avail = 0;
	memset(d_host(USED0), 0, 8);
	bring_up(F_V1);
	fk.push_on_notify = true;
	offer(0);
	kick(0);
	assert_int_equal(used_idx(), 1);
}

/* ---- interrupts ---- */

static void test_intx_and_isr_read_to_clear(void **state)
{
	(void)state;
	bring_up(F_V1);
	fk.push_on_notify = true;
	offer(1);
	kick(0);
	assert_true(intx_asserted());
	assert_true(d_gsi[gsi()]);
	assert_int_equal(isr_rd(), VIRTIO_ISR_QUEUE);
	assert_false(intx_asserted());
	assert_false(d_gsi[gsi()]);
	assert_int_equal(isr_rd(), 0);
	assert_int_equal(d_nmsi, 0);
}

static void test_isr_only_first_byte(void **state)
{
	uint64_t isr = region(VIRTIO_PCI_CAP_ISR_CFG);

	(void)state;
	virtio_pci_lock(dev);
	virtio_pci_config_changed(dev);
	virtio_pci_unlock(dev);
	assert_int_equal(mmio_rd(isr + 1, 1), 0);
	mmio_wr(isr, 1, 0); /* writes do nothing */
	assert_true(intx_asserted());
	assert_int_equal(mmio_rd(isr, 4), VIRTIO_ISR_CONFIG);
	assert_false(intx_asserted());
}

static void test_no_interrupt_when_driver_suppresses(void **state)
{
	uint16_t flags = VIRTQ_AVAIL_F_NO_INTERRUPT;

	(void)state;
	bring_up(F_V1);
	memcpy(d_host(AVAIL0), &flags, 2);
	fk.push_on_notify = true;
	offer(2);
	kick(0);
	assert_int_equal(used_idx(), 1);
	assert_false(intx_asserted());
	assert_int_equal(isr_rd(), 0);
}

static void test_msix_routes_queue_vector(void **state)
{
	(void)state;
	bring_up(F_V1);
	msix_on();
	cc_wr(CC(queue_select), 2, 0);
	cc_wr(CC(queue_msix_vector), 2, 2);
	fk.push_on_notify = true;
	offer(0);
	kick(0);
	assert_int_equal(d_nmsi, 1);
	assert_int_equal(d_msis[0].addr, 0xfee00000u);
	assert_int_equal(d_msis[0].data, 0x42);
	assert_false(intx_asserted());
	assert_int_equal(isr_rd(), 0); /* no queue bit with MSI-X */
}

static void test_msix_no_vector_sends_nothing(void **state)
{
	(void)state;
	bring_up(F_V1);
	msix_on();
	fk.push_on_notify = true;
	offer(0);
	kick(0); /* queue vector left at NO_VECTOR */
	assert_int_equal(used_idx(), 1);
	assert_int_equal(d_nmsi, 0);
	assert_false(intx_asserted());
}

static void test_msix_config_vector(void **state)
{
	(void)state;
	bring_up(F_V1);
	msix_on();
	cc_wr(CC(config_msix_vector), 2, 1);
	virtio_pci_lock(dev);
	virtio_pci_config_changed(dev);
	virtio_pci_unlock(dev);
	assert_int_equal(d_nmsi, 1);
	assert_int_equal(d_msis[0].data, 0x41);
	assert_false(intx_asserted());
	assert_int_equal(isr_rd(), VIRTIO_ISR_CONFIG); /* the config bit is set with MSI-X too */
}

static void test_msix_masked_vector_pends(void **state)
{
	uint64_t t;

	(void)state;
	bring_up(F_V1);
	msix_on();
	t = bar_base(VIRTIO_PCI_MSIX_BAR);
	mmio_wr(t + 16 * 1 + 12, 4, PCI_MSIX_ENTRY_CTRL_MASK);
	cc_wr(CC(queue_msix_vector), 2, 1);
	fk.push_on_notify = true;
	offer(0);
	kick(0);
	assert_int_equal(d_nmsi, 0);
	assert_int_equal(mmio_rd(t + VIRTIO_PCI_MSIX_PBA_OFF, 4), 1u << 1);
	mmio_wr(t + 16 * 1 + 12, 4, 0);
	assert_int_equal(d_nmsi, 1);
	assert_int_equal(d_msis[0].data, 0x41);
}

static void test_notify_used_bad_queue_ignored(void **state)
{
	(void)state;
	bring_up(F_V1);
	virtio_pci_lock(dev);
	virtio_pci_notify_used(dev, 9);
	virtio_pci_notify_used(dev, 1); /* disabled: nothing pushed, no interrupt */
	virtio_pci_unlock(dev);
	assert_false(intx_asserted());
	assert_false(status() & VIRTIO_STATUS_NEEDS_RESET);
}

#define T(f) cmocka_unit_test_setup_teardown(f, h_setup, h_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_enable_passes_programmed_values),
		T(test_enable_before_features_ok_dropped),
		T(test_bad_ring_address_needs_reset),
		T(test_fields_frozen_while_enabled),
		T(test_notify_reaches_backend),
		T(test_notify_needs_driver_ok_and_enabled_queue),
		T(test_notify_address_decides_queue),
		T(test_port_notify),
		T(test_broken_queue_needs_reset),
		T(test_check_broken_helper),
		T(test_reset_through_status_zero),
		T(test_intx_and_isr_read_to_clear),
		T(test_isr_only_first_byte),
		T(test_no_interrupt_when_driver_suppresses),
		T(test_msix_routes_queue_vector),
		T(test_msix_no_vector_sends_nothing),
		T(test_msix_config_vector),
		T(test_msix_masked_vector_pends),
		T(test_notify_used_bad_queue_ignored),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
