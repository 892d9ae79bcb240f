/* SPDX-License-Identifier: MIT */
/* Unit tests for the virtio-console backend: output to the VM's console, input through the receiveq and its FIFO. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "tests/unit/virtio_pci_harness.h"
#include "drivers/virtio/virtio_console.h"

/* Queue 1 (transmitq) lives beside queue 0 (receiveq, the harness's DESC0/AVAIL0/USED0). */
#define DESC1 (RAM_GPA + 0x8000)
#define AVAIL1 (RAM_GPA + 0xa000)
#define USED1 (RAM_GPA + 0xc000)
#define TXDATA (RAM_GPA + 0x20000)

static struct virtio_console *vc;
static char out[8192];
static size_t out_len;
static uint16_t avail_next[2];

/* The VM's console line, as kernel/vm.c would feed it. */
void vm_console_putc(struct vm *v, char c)
{
	assert_ptr_equal(v, vm);
	if (out_len < sizeof(out))
		out[out_len++] = c;
}

static int setup(void **state)
{
	(void)state;
	(void)fk_ops; /* the harness's fake backend: this file brings the real one */
	h_setup_vm();
	out_len = 0;
	memset(avail_next, 0, sizeof(avail_next));
	vc = calloc(1, sizeof(*vc));
	dev = &vc->dev; /* first member: h_teardown's free(dev) frees vc */
	assert_int_equal(vpci_attach(vm), 0);
	assert_int_equal(virtio_console_init(vc, vm), 0);
	assert_int_equal(virtio_pci_register(dev, vm, SLOT), 0);
	return 0;
}

static uint64_t desc_base(unsigned q)
{
	return q ? DESC1 : DESC0;
}

static void put_desc(unsigned q, uint16_t i, uint64_t addr, uint32_t len, uint16_t flags, uint16_t next)
{
	struct virtq_desc d = { .addr = addr, .len = len, .flags = flags, .next = next };

	memcpy(d_host(desc_base(q) + 16ull * i), &d, sizeof(d));
}

static void publish(unsigned q, uint16_t head)
{
	uint64_t avail = q ? AVAIL1 : AVAIL0;
	uint16_t idx;

	memcpy(d_host(avail + 4 + 2ull * (avail_next[q] % QSIZE)), &head, 2);
	idx = ++avail_next[q];
	memcpy(d_host(avail + 2), &idx, 2);
}

static void used_elem(unsigned q, unsigned n, uint32_t *id, uint32_t *len)
{
	uint64_t used = q ? USED1 : USED0;

	memcpy(id, d_host(used + 4 + 8ull * n), 4);
	memcpy(len, d_host(used + 8 + 8ull * n), 4);
}

static uint16_t used_of(unsigned q)
{
	uint16_t v;

	memcpy(&v, d_host((q ? USED1 : USED0) + 2), 2);
	return v;
}

static void up(void)
{
	assert_true(negotiate(F_V1) & VIRTIO_STATUS_FEATURES_OK);
	program_queue(0, QSIZE, DESC0, AVAIL0, USED0);
	program_queue(1, QSIZE, DESC1, AVAIL1, USED1);
	cc_wr(CC(device_status), 1,
	      VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK | VIRTIO_STATUS_DRIVER_OK);
	assert_true(status() & VIRTIO_STATUS_DRIVER_OK);
}

/* Guest output: one readable buffer on the transmitq at descriptor head. */
static void send(uint16_t head, const char *text, size_t len)
{
	memcpy(d_host(TXDATA + 0x100ull * head), text, len);
	put_desc(1, head, TXDATA + 0x100ull * head, (uint32_t)len, 0, 0);
	publish(1, head);
}

static void post_rx(uint16_t head, uint32_t len)
{
	put_desc(0, head, DATA + 0x100ull * head, len, VIRTQ_DESC_F_WRITE, 0);
	publish(0, head);
}

static void test_identity_and_config(void **state)
{
	(void)state;
	bus_on();
	assert_int_equal(cfg_rd(PCI_DEVICE_ID, 2), 0x1043);
	assert_int_equal(cc_rd(CC(num_queues), 2), 2);
	cc_wr(CC(device_feature_select), 4, 0);
	assert_int_equal(cc_rd(CC(device_feature), 4) & 0xffffff, 0); /* no SIZE, MULTIPORT, EMERG_WRITE */
	for (unsigned off = 0; off < VIRTIO_CONSOLE_CONFIG_SIZE; off += 2)
		assert_int_equal(mmio_rd(region(VIRTIO_PCI_CAP_DEVICE_CFG) + off, 2), 0);
	mmio_wr(region(VIRTIO_PCI_CAP_DEVICE_CFG), 4, 0x00500019);
	assert_int_equal(mmio_rd(region(VIRTIO_PCI_CAP_DEVICE_CFG), 4), 0);
}

static void test_output(void **state)
{
	uint32_t id, len;

	(void)state;
	up();
	send(0, "hello\n", 6);
	send(1, "world", 5);
	kick(1);
	assert_int_equal(out_len, 11);
	assert_memory_equal(out, "hello\nworld", 11);
	assert_int_equal(used_of(1), 2);
	used_elem(1, 1, &id, &len);
	assert_int_equal(id, 1);
	assert_int_equal(len, 0);
	assert_false(status() & VIRTIO_STATUS_NEEDS_RESET);
}

static void test_output_chain_of_segments(void **state)
{
	(void)state;
	up();
	memcpy(d_host(TXDATA), "ab", 2);
	memcpy(d_host(TXDATA + 0x800), "cde", 3);
	put_desc(1, 2, TXDATA, 2, VIRTQ_DESC_F_NEXT, 3);
	put_desc(1, 3, TXDATA + 0x800, 3, 0, 0);
	publish(1, 2);
	kick(1);
	assert_int_equal(out_len, 5);
	assert_memory_equal(out, "abcde", 5);
}

static void test_output_oversized_chain_is_cut(void **state)
{
	(void)state;
	up();
	memset(d_host(TXDATA), 'x', 5000);
	put_desc(1, 0, TXDATA, 5000, 0, 0);
	publish(1, 0);
	kick(1);
	assert_int_equal(out_len, VIRTIO_CONSOLE_TX_MAX);
	assert_int_equal(vc->tx_cut, 5000 - VIRTIO_CONSOLE_TX_MAX);
	assert_int_equal(used_of(1), 1);
}

static void test_output_broken_queue_needs_reset(void **state)
{
	(void)state;
	up();
	put_desc(1, 0, 0xfff00000000ull, 16, 0, 0); /* outside guest RAM */
	publish(1, 0);
	kick(1);
	assert_int_equal(out_len, 0);
	assert_true(status() & VIRTIO_STATUS_NEEDS_RESET);
	kick(1); /* still refused, still no crash */
	assert_int_equal(out_len, 0);
}

static void test_input_into_posted_buffer(void **state)
{
	uint32_t id, len;

	(void)state;
	up();
	post_rx(0, 64);
	virtio_console_input(vc, (const uint8_t *)"abc", 3);
	assert_int_equal(used_of(0), 1);
	used_elem(0, 0, &id, &len);
	assert_int_equal(id, 0);
	assert_int_equal(len, 3);
	assert_memory_equal(d_host(DATA), "abc", 3);
	assert_int_equal(vc->fifo_count, 0);
}

static void test_input_waits_for_a_buffer(void **state)
{
	uint32_t id, len;

	(void)state;
	virtio_console_input(vc, (const uint8_t *)"xy", 2); /* before the driver is up */
	assert_int_equal(vc->fifo_count, 2);
	up();
	virtio_console_input(vc, (const uint8_t *)"z", 1);
	assert_int_equal(vc->fifo_count, 3);
	assert_int_equal(used_of(0), 0);
	post_rx(5, 64);
	kick(0); /* the driver posted a buffer: what waited goes in */
	assert_int_equal(used_of(0), 1);
	used_elem(0, 0, &id, &len);
	assert_int_equal(id, 5);
	assert_int_equal(len, 3);
	assert_memory_equal(d_host(DATA + 0x500), "xyz", 3);
	assert_int_equal(vc->fifo_count, 0);
}

static void test_input_split_over_small_buffers(void **state)
{
	uint32_t id, len;

	(void)state;
	up();
	post_rx(0, 4);
	virtio_console_input(vc, (const uint8_t *)"0123456789", 10);
	used_elem(0, 0, &id, &len);
	assert_int_equal(len, 4);
	assert_memory_equal(d_host(DATA), "0123", 4);
	assert_int_equal(vc->fifo_count, 6);
	post_rx(1, 64);
	kick(0);
	used_elem(0, 1, &id, &len);
	assert_int_equal(len, 6);
	assert_memory_equal(d_host(DATA + 0x100), "456789", 6);
}

static void test_fifo_bound(void **state)
{
	uint8_t many[300];
	uint32_t id, len;

	(void)state;
	for (unsigned i = 0; i < sizeof(many); i++)
		many[i] = (uint8_t)i;
	up();
	virtio_console_input(vc, many, sizeof(many));
	assert_int_equal(vc->fifo_count, VIRTIO_CONSOLE_FIFO);
	assert_int_equal(vc->rx_dropped, sizeof(many) - VIRTIO_CONSOLE_FIFO);
	put_desc(0, 0, DATA, 0x1000, VIRTQ_DESC_F_WRITE, 0);
	publish(0, 0);
	kick(0);
	used_elem(0, 0, &id, &len);
	assert_int_equal(len, VIRTIO_CONSOLE_FIFO);
	assert_memory_equal(d_host(DATA), many, VIRTIO_CONSOLE_FIFO); /* the oldest bytes were kept */
}

static void test_fifo_wraps(void **state)
{
	uint8_t a[200], b[200];
	uint32_t id, len;

	(void)state;
	memset(a, 'a', sizeof(a));
	memset(b, 'b', sizeof(b));
	up();
	post_rx(0, 150);
	virtio_console_input(vc, a, sizeof(a)); /* 150 delivered, 50 wait at the FIFO's start */
	virtio_console_input(vc, b, sizeof(b)); /* 250 wait, across the wrap */
	assert_int_equal(vc->fifo_count, 250);
	put_desc(0, 1, DATA + 0x1000, 0x1000, VIRTQ_DESC_F_WRITE, 0);
	publish(0, 1);
	kick(0);
	used_elem(0, 1, &id, &len);
	assert_int_equal(len, 250);
	assert_memory_equal(d_host(DATA + 0x1000), a, 50);
	assert_memory_equal(d_host(DATA + 0x1000 + 50), b, 200);
}

static void test_input_readable_only_chain(void **state)
{
	uint32_t id, len;

	(void)state;
	up();
	put_desc(0, 0, DATA, 16, 0, 0); /* no writable part: returned empty */
	publish(0, 0);
	post_rx(1, 16);
	virtio_console_input(vc, (const uint8_t *)"q", 1);
	used_elem(0, 0, &id, &len);
	assert_int_equal(len, 0);
	used_elem(0, 1, &id, &len);
	assert_int_equal(len, 1);
}

static void test_input_broken_queue_needs_reset(void **state)
{
	uint16_t idx = 100; /* far more than the ring holds */

	(void)state;
	up();
	memcpy(d_host(AVAIL0 + 2), &idx, 2);
	virtio_console_input(vc, (const uint8_t *)"k", 1);
	assert_true(status() & VIRTIO_STATUS_NEEDS_RESET);
	virtio_console_input(vc, (const uint8_t *)"k", 1); /* no more pops, no crash */
	assert_int_equal(used_of(0), 0);
}

static void test_attach(void **state)
{
	struct vm *v = calloc(1, sizeof(*v));

	(void)state;
	d_vm = v;
	assert_int_equal(vpci_attach(v), 0);
	assert_int_equal(virtio_console_attach(v), 0);
	assert_non_null(v->virtio_console);
	assert_int_equal(vpci_config_read(v->pci, 0, VIRTIO_CONSOLE_SLOT << 3, PCI_DEVICE_ID, 2), 0x1043);
	free(v);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, h_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_identity_and_config), T(test_output), T(test_output_chain_of_segments),
		T(test_output_oversized_chain_is_cut), T(test_output_broken_queue_needs_reset),
		T(test_input_into_posted_buffer), T(test_input_waits_for_a_buffer),
		T(test_input_split_over_small_buffers), T(test_fifo_bound), T(test_fifo_wraps),
		T(test_input_readable_only_chain), T(test_input_broken_queue_needs_reset), T(test_attach),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
