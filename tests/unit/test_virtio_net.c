/* SPDX-License-Identifier: MIT */
/* Unit tests for virtio-net: two VMs with one device each on one switch, driven as their guest drivers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "tests/unit/virtio_pci_harness.h"
#include "drivers/virtio/virtio_net.h"

/* Queue 1 (tx) beside the harness's queue 0 (rx); the tx queue may be 256 entries. */
#define DESC1 (RAM_GPA + 0x1000)
#define AVAIL1 (RAM_GPA + 0x5000)
#define USED1 (RAM_GPA + 0x7000)
#define TXDATA (RAM_GPA + 0x20000)
#define HDR 12u
#define VQ_W VIRTQ_DESC_F_WRITE
#define VQ_W_NEXT (VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT)

struct guest {
	struct vm *vm;
	uint8_t *ram;
	struct virtio_net *vn;
	uint16_t avail[2];
	unsigned wakes;
};

static struct guest g[2];
static struct vswitch sw;
static uint8_t mac[2][6];
static uint8_t frame[2048];

static void wake(struct vswitch_port *p)
{
	((struct guest *)p->wake_ctx)->wakes++;
}

/* Makes guest i the one the harness's helpers (and d_host) act on. */
static void use(unsigned i)
{
	vm = g[i].vm;
	dev = &g[i].vn->dev;
	d_vm = vm;
	d_ram = g[i].ram;
}

static int setup(void **state)
{
	(void)state;
	(void)fk_ops;
	memset(g, 0, sizeof(g));
	d_clear_vms();
	assert_int_equal(vswitch_init(&sw, "lan", 0), 0);
	for (unsigned i = 0; i < 2; i++) {
		h_setup_vm();
		g[i].vm = vm;
		g[i].ram = d_ram;
		d_add_vm(vm, d_ram, RAM_GPA, RAM_SIZE);
		eth_mac_from_name(i ? "beta" : "alpha", 0, mac[i]);
		assert_int_equal(vpci_attach(vm), 0);
		g[i].vn = calloc(1, sizeof(struct virtio_net));
		assert_int_equal(virtio_net_init(g[i].vn, vm, &sw, mac[i], false, wake, &g[i]), 0);
		assert_int_equal(virtio_pci_register(&g[i].vn->dev, vm, SLOT), 0);
	}
	d_nmsi = 0;
	use(0);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	for (unsigned i = 0; i < 2; i++) {
		virtio_net_detach(g[i].vn);
		free(g[i].vn);
		free(g[i].vm);
		free(g[i].ram);
	}
	d_ram = NULL;
	d_after_read = NULL;
	d_clear_vms();
	d_free_pages();
	return 0;
}

static uint64_t desc_base(unsigned q)
{
	return q ? DESC1 : DESC0;
}

static unsigned cur(void)
{
	return vm == g[1].vm;
}

static void put_desc(unsigned q, uint16_t i, uint64_t addr, uint32_t len, uint16_t flags, uint16_t next)
{
	struct virtq_desc d = { .addr = addr, .len = len, .flags = flags, .next = next };

	memcpy(d_host(desc_base(q) + 16ull * i), &d, sizeof(d));
}

static void publish(unsigned q, uint16_t head, uint16_t qsize)
{
	uint64_t avail = q ? AVAIL1 : AVAIL0;
	uint16_t *n = &g[cur()].avail[q], idx;

	memcpy(d_host(avail + 4 + 2ull * (*n % qsize)), &head, 2);
	idx = ++*n;
	memcpy(d_host(avail + 2), &idx, 2);
}

static void used_elem(unsigned q, unsigned n, uint16_t qsize, uint32_t *id, uint32_t *len)
{
	uint64_t used = q ? USED1 : USED0;

	memcpy(id, d_host(used + 4 + 8ull * (n % qsize)), 4);
	memcpy(len, d_host(used + 8 + 8ull * (n % qsize)), 4);
}

static uint16_t used_of(unsigned q)
{
	uint16_t v;

	memcpy(&v, d_host((q ? USED1 : USED0) + 2), 2);
	return v;
}

static void up_q(unsigned i, uint16_t txsize)
{
	use(i);
	assert_true(negotiate(F_V1 | F_EVENT | VIRTIO_NET_FEATURES) & VIRTIO_STATUS_FEATURES_OK);
	program_queue(0, QSIZE, DESC0, AVAIL0, USED0);
	program_queue(1, txsize, DESC1, AVAIL1, USED1);
	cc_wr(CC(device_status), 1,
	      VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK | VIRTIO_STATUS_DRIVER_OK);
	assert_true(status() & VIRTIO_STATUS_DRIVER_OK);
	/* Interrupt whenever anything is used (used_event follows the used index). */
	memset(d_host(AVAIL0 + VIRTQ_USED_EVENT_OFF(QSIZE)), 0, 2);
}

static void up(unsigned i)
{
	up_q(i, QSIZE);
}

/* A frame dst <- src of len bytes (pattern keyed by seed) in frame[]. */
static uint32_t mk(const uint8_t *dst, const uint8_t *src, uint32_t len, uint8_t seed)
{
	for (uint32_t k = 0; k < len; k++)
		frame[k] = (uint8_t)(seed + k * 13);
	memcpy(frame, dst, 6);
	memcpy(frame + 6, src, 6);
	frame[12] = 0x08;
	frame[13] = 0x00;
	return len;
}

/* The current guest transmits: header + frame[] in one buffer at descriptor head. */
static void tx(uint16_t head, const struct virtio_net_hdr_v1 *h, uint32_t len, uint16_t qsize)
{
	uint64_t at = TXDATA + 0x800ull * (head % 16);
	struct virtio_net_hdr_v1 zero = { 0 };

	memcpy(d_host(at), h ? h : &zero, HDR);
	memcpy(d_host(at + HDR), frame, len);
	put_desc(1, head, at, HDR + len, 0, 0);
	publish(1, head, qsize);
}

static void post_rx(uint16_t head, uint32_t len)
{
	put_desc(0, head, DATA + 0x800ull * head, len, VIRTQ_DESC_F_WRITE, 0);
	publish(0, head, QSIZE);
}

static void test_features_and_config(void **state)
{
	uint64_t cfg;

	(void)state;
	bus_on();
	assert_int_equal(cfg_rd(PCI_DEVICE_ID, 2), 0x1041);
	assert_int_equal(cfg_rd(PCI_REVISION, 4) >> 8, VIRTIO_NET_CLASS);
	assert_int_equal(cc_rd(CC(num_queues), 2), 2);
	cc_wr(CC(device_feature_select), 4, 0);
	assert_int_equal(cc_rd(CC(device_feature), 4) & 0xffffff, (1u << 3) | (1u << 5) | (1u << 16));
	cc_wr(CC(device_feature_select), 4, 1);
	assert_int_equal(cc_rd(CC(device_feature), 4) & 1, 1); /* VERSION_1 */
	cfg = region(VIRTIO_PCI_CAP_DEVICE_CFG);
	for (unsigned k = 0; k < 6; k++)
		assert_int_equal(mmio_rd(cfg + k, 1), mac[0][k]);
	assert_int_equal(mmio_rd(cfg + 6, 2), VIRTIO_NET_S_LINK_UP);
	assert_int_equal(mmio_rd(cfg + 8, 2), 1);
	assert_int_equal(mmio_rd(cfg + 10, 2), 1500);
	mmio_wr(cfg, 4, 0x12345678); /* read-only */
	assert_int_equal(mmio_rd(cfg, 1), mac[0][0]);
	assert_int_equal(mmio_rd(cfg + 12, 4), 0); /* past the config */
}

static void test_tx_to_other_then_rx(void **state)
{
	struct virtio_net_hdr_v1 h;
	uint32_t id, len, n = mk(mac[1], mac[0], 98, 5);

	(void)state;
	up(1);
	up(0);
	tx(0, NULL, n, QSIZE);
	kick(1);
	assert_int_equal(used_of(1), 1);
	used_elem(1, 0, QSIZE, &id, &len);
	assert_int_equal(len, 0);
	assert_int_equal(g[0].vn->stats.tx_sent, 1);
	assert_int_equal(g[1].vn->port.inbox.frames, 1);
	assert_int_equal(g[1].wakes, 1);
	assert_int_equal(g[0].wakes, 0);
	/* The receiver's own context: buffer posted, then the lead's poll. */
	use(1);
	post_rx(3, 1526);
	virtio_net_poll_rx(g[1].vn);
	assert_int_equal(used_of(0), 1);
	used_elem(0, 0, QSIZE, &id, &len);
	assert_int_equal(id, 3);
	assert_int_equal(len, HDR + n);
	memcpy(&h, d_host(DATA + 0x800 * 3), HDR);
	assert_int_equal(h.num_buffers, 1);
	assert_int_equal(h.flags | h.gso_type | h.hdr_len | h.gso_size | h.csum_start | h.csum_offset, 0);
	assert_memory_equal(d_host(DATA + 0x800 * 3 + HDR), frame, n);
	assert_int_equal(g[1].vn->stats.rx_frames, 1);
	assert_int_equal(g[1].vn->port.inbox.frames, 0);
	assert_true(intx_asserted());
	/* Nothing of it went into the sender's own rx ring. */
	use(0);
	assert_int_equal(used_of(0), 0);
}

static void test_rx_waits_for_buffers(void **state)
{
	uint32_t id, len, n;

	(void)state;
	up(1);
	up(0);
	n = mk(mac[1], mac[0], 60, 1);
	tx(0, NULL, n, QSIZE);
	tx(1, NULL, n, QSIZE);
	kick(1);
	use(1);
	virtio_net_poll_rx(g[1].vn); /* no buffer: both wait */
	assert_int_equal(used_of(0), 0);
	assert_int_equal(g[1].vn->port.inbox.frames, 2);
	post_rx(0, 1526);
	post_rx(1, 1526);
	kick(0); /* the rx kick drains */
	assert_int_equal(used_of(0), 2);
	used_elem(0, 1, QSIZE, &id, &len);
	assert_int_equal(id, 1);
	assert_int_equal(len, HDR + 60);
	assert_int_equal(g[1].vn->port.inbox.frames, 0);
}

static void test_big_chain_rx(void **state)
{
	uint32_t id, len, n;

	(void)state;
	up(1);
	up(0);
	n = mk(mac[1], mac[0], 1500, 9);
	tx(0, NULL, n, QSIZE);
	kick(1);
	use(1);
	/* Linux's "big" layout: the header alone, then page-sized pieces. */
	put_desc(0, 4, DATA, HDR, VQ_W_NEXT, 5);
	put_desc(0, 5, DATA + 0x1000, 1000, VQ_W_NEXT, 6);
	put_desc(0, 6, DATA + 0x3000, 4096, VIRTQ_DESC_F_WRITE, 0);
	publish(0, 4, QSIZE);
	virtio_net_poll_rx(g[1].vn);
	used_elem(0, 0, QSIZE, &id, &len);
	assert_int_equal(id, 4);
	assert_int_equal(len, HDR + 1500);
	assert_memory_equal(d_host(DATA + 0x1000), frame, 1000);
	assert_memory_equal(d_host(DATA + 0x3000), frame + 1000, 500);
}

static void test_rx_too_big_for_buffer(void **state)
{
	uint32_t id, len;

	(void)state;
	up(1);
	up(0);
	tx(0, NULL, mk(mac[1], mac[0], 200, 2), QSIZE);
	kick(1);
	use(1);
	post_rx(2, 64);
	virtio_net_poll_rx(g[1].vn);
	assert_int_equal(used_of(0), 1);
	used_elem(0, 0, QSIZE, &id, &len);
	assert_int_equal(id, 2);
	assert_int_equal(len, 0);
	assert_int_equal(g[1].vn->stats.rx_too_big, 1);
	assert_int_equal(g[1].vn->port.inbox.frames, 0);
	assert_false(status() & VIRTIO_STATUS_NEEDS_RESET);
}

static void test_tx_bad_requests(void **state)
{
	struct virtio_net_hdr_v1 gso = { .gso_type = 1 }, csum = { .flags = VIRTIO_NET_HDR_F_NEEDS_CSUM };
	struct virtio_net *vn;

	(void)state;
	up(1);
	up(0);
	vn = g[0].vn;
	tx(0, &gso, mk(mac[1], mac[0], 60, 0), QSIZE);
	tx(1, &csum, 60, QSIZE);
	/* A writable buffer in a tx chain, and a chain shorter than the header. */
	put_desc(1, 2, TXDATA + 0x4000, 74, VQ_W, 0);
	publish(1, 2, QSIZE);
	put_desc(1, 3, TXDATA + 0x4800, 11, 0, 0);
	publish(1, 3, QSIZE);
	/* A spoofed source, and a runt after the header. */
	tx(4, NULL, mk(mac[1], mac[1], 60, 0), QSIZE);
	tx(5, NULL, 13, QSIZE);
	kick(1);
	assert_int_equal(used_of(1), 6);
	assert_int_equal(vn->stats.tx_chains, 6);
	assert_int_equal(vn->stats.tx_bad_hdr, 2);
	assert_int_equal(vn->stats.tx_bad_chain, 2);
	assert_int_equal(vn->stats.tx_dropped, 2);
	assert_int_equal(vn->stats.tx_sent, 0);
	assert_int_equal(vn->port.stats.dropped_spoof, 1);
	assert_int_equal(vn->port.stats.dropped_undersize, 1);
	assert_int_equal(g[1].vn->port.inbox.frames, 0);
	assert_false(status() & VIRTIO_STATUS_NEEDS_RESET);
	/* The device still works. */
	tx(6, NULL, mk(mac[1], mac[0], 60, 0), QSIZE);
	kick(1);
	assert_int_equal(vn->stats.tx_sent, 1);
}

static void test_reset_in_the_middle(void **state)
{
	uint32_t id, len;

	(void)state;
	up(1);
	up(0);
	for (uint16_t k = 0; k < 3; k++)
		tx(k, NULL, mk(mac[1], mac[0], 60, (uint8_t)k), QSIZE);
	kick(1);
	use(1);
	assert_int_equal(g[1].vn->port.inbox.frames, 3);
	cc_wr(CC(device_status), 1, 0); /* the driver resets with frames waiting */
	assert_int_equal(status(), 0);
	assert_int_equal(g[1].vn->stats.rx_flushed, 3);
	assert_int_equal(g[1].vn->port.inbox.frames, 0);
	virtio_net_poll_rx(g[1].vn); /* not DRIVER_OK: nothing */
	memset(g[1].ram, 0, RAM_SIZE);
	g[1].avail[0] = g[1].avail[1] = 0;
	up(1);
	use(0);
	tx(3, NULL, mk(mac[1], mac[0], 70, 7), QSIZE);
	kick(1);
	use(1);
	post_rx(0, 1526);
	virtio_net_poll_rx(g[1].vn);
	assert_int_equal(used_of(0), 1);
	used_elem(0, 0, QSIZE, &id, &len);
	assert_int_equal(len, HDR + 70);
	assert_memory_equal(d_host(DATA + HDR), frame, 70);
}

/* The driver keeps refilling the tx ring while the device serves it (d_after_read runs inside it). */
static unsigned refills;
static void refill(uint64_t gpa, size_t n)
{
	uint16_t used;

	(void)gpa;
	(void)n;
	memcpy(&used, d_host(USED1 + 2), 2);
	if (refills < 600 && (uint16_t)(g[0].avail[1] - used) < 200) {
		refills++;
		publish(1, (uint16_t)(g[0].avail[1] % 256), 256);
	}
}

static void test_tx_per_kick_bound(void **state)
{
	struct virtio_net *vn;

	(void)state;
	up(1);
	up_q(0, 256);
	vn = g[0].vn;
	mk(mac[1], mac[0], 60, 0);
	for (uint16_t k = 0; k < 256; k++) {
		memcpy(d_host(TXDATA + 0x80ull * (k % 64)), &(struct virtio_net_hdr_v1){ 0 }, HDR);
		memcpy(d_host(TXDATA + 0x80ull * (k % 64) + HDR), frame, 60);
		put_desc(1, k, TXDATA + 0x80ull * (k % 64), HDR + 60, 0, 0);
	}
	publish(1, 0, 256);
	d_after_read = refill;
	kick(1);
	d_after_read = NULL;
	assert_int_equal(vn->stats.tx_chains, VIRTIO_NET_TX_BATCH);
	assert_true(vn->tx_pending);
	assert_int_equal(g[0].wakes, 1); /* asks to be polled for the rest */
	assert_int_equal(g[1].wakes, 1); /* one wake for 256 frames */
	virtio_net_poll_rx(vn);
	assert_int_equal(vn->stats.tx_resumed, 1);
	assert_int_equal(vn->stats.tx_chains, g[0].avail[1]);
	assert_false(vn->tx_pending);
	assert_int_equal(g[1].vn->port.inbox.frames, g[0].avail[1]);
	assert_false(status() & VIRTIO_STATUS_NEEDS_RESET);
}

/* Several frames per drain: one interrupt per drain, one per tx kick. */
static void test_one_interrupt_per_batch(void **state)
{
	uint64_t t;

	(void)state;
	up(1);
	msix_on();
	cc_wr(CC(queue_select), 2, 0);
	cc_wr(CC(queue_msix_vector), 2, 1);
	for (uint16_t k = 0; k < 8; k++)
		post_rx(k, 1526);
	up(0);
	msix_on();
	cc_wr(CC(queue_select), 2, 1);
	cc_wr(CC(queue_msix_vector), 2, 2);
	memset(d_host(AVAIL1 + VIRTQ_USED_EVENT_OFF(QSIZE)), 0, 2);
	for (uint16_t k = 0; k < 8; k++)
		tx(k, NULL, mk(mac[1], mac[0], 60 + k, (uint8_t)k), QSIZE);
	d_nmsi = 0;
	kick(1);
	assert_int_equal(d_nmsi, 1);
	assert_ptr_equal(d_msis[0].vm, g[0].vm);
	assert_int_equal(d_msis[0].data, 0x42);
	use(1);
	virtio_net_poll_rx(g[1].vn);
	assert_int_equal(used_of(0), 8);
	assert_int_equal(d_nmsi, 2);
	assert_ptr_equal(d_msis[1].vm, g[1].vm);
	assert_int_equal(d_msis[1].data, 0x41);
	t = g[1].vn->stats.rx_bytes;
	assert_int_equal(t, 8 * 60 + 28);
}

static void test_detach_link_down(void **state)
{
	(void)state;
	up(1);
	up(0);
	virtio_net_detach(g[1].vn);
	use(1);
	assert_int_equal(mmio_rd(region(VIRTIO_PCI_CAP_DEVICE_CFG) + 6, 2), 0);
	use(0);
	tx(0, NULL, mk(mac[1], mac[0], 60, 0), QSIZE);
	kick(1);
	assert_int_equal(g[0].vn->stats.tx_sent, 1); /* flooded to nobody */
	assert_int_equal(g[0].vn->port.stats.flooded, 1);
	virtio_net_poll_rx(g[1].vn); /* detached: nothing, no crash */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_features_and_config, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tx_to_other_then_rx, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rx_waits_for_buffers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_big_chain_rx, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rx_too_big_for_buffer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tx_bad_requests, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reset_in_the_middle, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tx_per_kick_bound, setup, teardown),
		cmocka_unit_test_setup_teardown(test_one_interrupt_per_batch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_detach_link_down, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
