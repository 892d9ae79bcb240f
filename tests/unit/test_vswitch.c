/* SPDX-License-Identifier: MIT */
/* Unit tests for the virtual switch: learning, flooding, anti-spoofing, sizes, isolation, inboxes, wakes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "drivers/net/vswitch.h"
#include "kernel/errno.h"
#include "kernel/mem.h"

void *pages_alloc(size_t count, uint64_t align)
{
	void *p = aligned_alloc(align, count * PAGE_SIZE);

	if (p)
		memset(p, 0, count * PAGE_SIZE);
	return p;
}

void pages_free(void *p, size_t count)
{
	(void)count;
	free(p);
}

#define NPORTS 4
static struct vswitch sw, sw2;
static struct vswitch_port ports[NPORTS];
static unsigned wakes[NPORTS];
static uint8_t macs[NPORTS][6];
static uint8_t frame[9100];
static uint8_t out[9100];

static void wake(struct vswitch_port *p)
{
	wakes[(struct vswitch_port *)p->wake_ctx - ports]++;
}

static int setup(void **state)
{
	(void)state;
	memset(ports, 0, sizeof(ports));
	memset(wakes, 0, sizeof(wakes));
	assert_int_equal(vswitch_init(&sw, "lan0", 0), 0);
	assert_int_equal(vswitch_init(&sw2, "lan1", 0), 0);
	for (unsigned i = 0; i < NPORTS; i++) {
		eth_mac_from_name("vm", i, macs[i]);
		assert_int_equal(vswitch_port_attach(&sw, &ports[i], macs[i], i == 3, wake, &ports[i]), 0);
	}
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	for (unsigned i = 0; i < NPORTS; i++)
		vswitch_port_detach(&ports[i]);
	return 0;
}

/* A frame of len bytes from src to dst, filled with a pattern keyed by seed. */
static uint32_t mk(const uint8_t *dst, const uint8_t *src, uint32_t len, uint8_t seed)
{
	for (uint32_t i = 0; i < len; i++)
		frame[i] = (uint8_t)(seed + i * 7);
	if (len >= 6)
		memcpy(frame, dst, 6);
	if (len >= 12)
		memcpy(frame + 6, src, 6);
	if (len >= 14) {
		frame[12] = 0x08;
		frame[13] = 0x00;
	}
	return len;
}

static int send_from(unsigned p, const uint8_t *dst, uint32_t len)
{
	return vswitch_send_buf(&ports[p], frame, mk(dst, ports[p].mac, len, (uint8_t)p));
}

static unsigned queued(unsigned p)
{
	return ports[p].inbox.frames;
}

static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
static const uint8_t mcast[6] = { 0x01, 0x00, 0x5e, 0x00, 0x00, 0x01 };
static const uint8_t unknown[6] = { 0x02, 0x99, 0x99, 0x99, 0x99, 0x99 };

static void test_init_limits(void **state)
{
	struct vswitch s;

	(void)state;
	assert_int_equal(sw.mtu, VSWITCH_MTU_DEFAULT);
	assert_string_equal(sw.name, "lan0");
	assert_int_equal(vswitch_init(&s, "x", 67), -EINVAL);
	assert_int_equal(vswitch_init(&s, "x", 68), 0);
	assert_int_equal(vswitch_init(&s, "x", 9000), 0);
	assert_int_equal(vswitch_init(&s, "x", 9001), -EINVAL);
	assert_int_equal(vswitch_init(&s, "a-very-long-switch-name-that-goes-on-and-on", 0), 0);
	assert_int_equal(strlen(s.name), VSWITCH_NAME_MAX - 1);
}

static void test_flood_broadcast_multicast_unknown(void **state)
{
	(void)state;
	assert_int_equal(send_from(0, bcast, 60), 3);
	assert_int_equal(send_from(0, mcast, 60), 3);
	assert_int_equal(send_from(0, unknown, 60), 3);
	assert_int_equal(queued(0), 0); /* never back to the sender */
	for (unsigned i = 1; i < NPORTS; i++)
		assert_int_equal(queued(i), 3);
	assert_int_equal(ports[0].stats.flooded, 3);
	assert_int_equal(sw.stats.flooded, 3);
	assert_int_equal(sw.stats.deliveries, 9);
}

static void test_unicast_to_own_mac_of_port(void **state)
{
	int n;

	(void)state;
	assert_int_equal(send_from(0, ports[2].mac, 100), 1); /* fixed entry from attach: no flood */
	assert_int_equal(queued(2), 1);
	assert_int_equal(queued(1) + queued(3), 0);
	n = vswitch_inbox_pop(&ports[2], out, sizeof(out));
	assert_int_equal(n, 100);
	assert_memory_equal(out, frame, 100);
	assert_int_equal(ports[2].stats.rx_frames, 1);
	assert_int_equal(ports[2].stats.rx_bytes, 100);
	assert_int_equal(ports[0].stats.tx_bytes, 100);
}

static void test_learning(void **state)
{
	static const uint8_t x[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x42 };

	(void)state;
	/* Port 3 may spoof: it sends as x, so x is learnt there. */
	assert_int_equal(vswitch_send_buf(&ports[3], frame, mk(bcast, x, 60, 1)), 3);
	assert_int_equal(sw.stats.learned, 1);
	vswitch_inbox_flush(&ports[0]);
	vswitch_inbox_flush(&ports[1]);
	vswitch_inbox_flush(&ports[2]);
	assert_int_equal(send_from(0, x, 60), 1);
	assert_int_equal(queued(3), 1);
	assert_int_equal(queued(1) + queued(2), 0);
	/* Port 3 sending to x (learnt on itself) is dropped. */
	assert_int_equal(vswitch_send_buf(&ports[3], frame, mk(x, ports[3].mac, 60, 1)), -EAGAIN);
	assert_int_equal(ports[3].stats.dropped_local, 1);
	/* A port's own MAC never moves, even when a spoofing port uses it. */
	assert_int_equal(vswitch_send_buf(&ports[3], frame, mk(bcast, ports[1].mac, 60, 1)), 3);
	vswitch_inbox_flush(&ports[1]);
	assert_int_equal(send_from(0, ports[1].mac, 60), 1);
	assert_int_equal(queued(1), 1);
}

static void test_anti_spoofing(void **state)
{
	(void)state;
	assert_int_equal(vswitch_send_buf(&ports[0], frame, mk(bcast, ports[1].mac, 60, 0)), -EPERM);
	assert_int_equal(ports[0].stats.dropped_spoof, 1);
	assert_int_equal(ports[0].stats.tx_frames, 0);
	assert_int_equal(ports[0].stats.tx_attempts, 1);
	for (unsigned i = 0; i < NPORTS; i++)
		assert_int_equal(queued(i), 0);
	/* allow_spoofing (port 3) passes the same frame. */
	assert_int_equal(vswitch_send_buf(&ports[3], frame, mk(bcast, ports[1].mac, 60, 0)), 3);
	assert_int_equal(ports[3].stats.dropped_spoof, 0);
}

static void test_mtu_boundaries(void **state)
{
	struct vswitch big;
	struct vswitch_port a = { 0 }, b = { 0 };

	(void)state;
	assert_int_equal(vswitch_init(&big, "jumbo", 9000), 0);
	assert_int_equal(vswitch_port_attach(&big, &a, macs[0], false, wake, &ports[0]), 0);
	assert_int_equal(vswitch_port_attach(&big, &b, macs[1], false, wake, &ports[1]), 0);
	assert_int_equal(vswitch_send_buf(&a, frame, mk(macs[1], macs[0], 14 + 9000, 3)), 1);
	assert_int_equal(vswitch_send_buf(&a, frame, mk(macs[1], macs[0], 14 + 9000 + 4, 3)), 1); /* tagged */
	assert_int_equal(vswitch_send_buf(&a, frame, mk(macs[1], macs[0], 14 + 9000 + 5, 3)), -E2BIG);
	assert_int_equal(a.stats.dropped_oversize, 1);
	assert_int_equal(vswitch_inbox_pop(&b, out, sizeof(out)), 9014);
	assert_int_equal(vswitch_inbox_pop(&b, out, sizeof(out)), 9018);
	assert_memory_equal(out, frame, 9018); /* the last frame built is longer by one, same bytes */
	/* The default switch: 1518 passes, 1519 does not. */
	assert_int_equal(send_from(0, ports[1].mac, 1518), 1);
	assert_int_equal(send_from(0, ports[1].mac, 1519), -E2BIG);
	vswitch_port_detach(&a);
	vswitch_port_detach(&b);
}

static void test_runts(void **state)
{
	(void)state;
	assert_int_equal(send_from(0, bcast, 13), -E2BIG);
	assert_int_equal(send_from(0, bcast, 0), -E2BIG);
	assert_int_equal(ports[0].stats.dropped_undersize, 2);
	assert_int_equal(send_from(0, bcast, 14), 3); /* a bare header is a frame */
	assert_int_equal(vswitch_inbox_pop(&ports[1], out, sizeof(out)), 14);
}

static void test_switches_isolated(void **state)
{
	struct vswitch_port o = { 0 };
	static const uint8_t m[6] = { 0x02, 1, 2, 3, 4, 5 };

	(void)state;
	assert_int_equal(vswitch_port_attach(&sw2, &o, m, false, wake, &ports[0]), 0);
	assert_int_equal(vswitch_send_buf(&o, frame, mk(bcast, m, 60, 0)), 0); /* alone on lan1 */
	assert_int_equal(vswitch_send_buf(&o, frame, mk(ports[1].mac, m, 60, 0)), 0);
	for (unsigned i = 0; i < NPORTS; i++)
		assert_int_equal(queued(i), 0);
	assert_int_equal(send_from(0, bcast, 60), 3);
	assert_int_equal(o.inbox.frames, 0);
	vswitch_port_detach(&o);
}

static void test_inbox_full(void **state)
{
	unsigned sent = 0;
	int n;

	(void)state;
	for (unsigned i = 0; i < 300; i++)
		if (send_from(0, ports[1].mac, 1500) == 1)
			sent++;
	assert_true(ports[1].stats.dropped_inbox_full > 0);
	assert_int_equal(ports[1].stats.rx_frames + ports[1].stats.dropped_inbox_full, 300);
	assert_int_equal(queued(1), ports[1].stats.rx_frames);
	assert_int_equal(queued(1), sent);
	/* Draining one makes room for one more. */
	assert_int_equal(vswitch_inbox_pop(&ports[1], out, sizeof(out)), 1500);
	assert_int_equal(send_from(0, ports[1].mac, 1500), 1);
	assert_int_equal(ports[1].stats.rx_frames, sent + 1);
	n = vswitch_inbox_pop(&ports[1], out, 10);
	assert_int_equal(n, -ENOSPC); /* too small a buffer keeps the frame */
	assert_int_equal(vswitch_inbox_flush(&ports[1]), sent);
	assert_int_equal(ports[1].stats.flushed, sent);
	assert_int_equal(vswitch_inbox_pop(&ports[1], out, sizeof(out)), -EAGAIN);
}

/* Many rounds of mixed sizes through the ring: every frame comes out whole and in order. */
static void test_inbox_wraps(void **state)
{
	uint32_t lens[64];
	unsigned head = 0, tail = 0;

	(void)state;
	for (unsigned round = 0; round < 4000; round++) {
		uint32_t len = 14 + (round * 997) % 1505;

		if (send_from(0, ports[1].mac, len) == 1)
			lens[tail++ % 64] = len;
		while (queued(1) > 40 || (round % 7 == 0 && queued(1))) {
			uint32_t want = lens[head++ % 64];

			mk(ports[1].mac, ports[0].mac, want, 0);
			assert_int_equal(vswitch_inbox_pop(&ports[1], out, sizeof(out)), want);
			assert_memory_equal(out, frame, want);
		}
	}
	assert_int_equal(ports[1].stats.dropped_inbox_full, 0);
	assert_true(ports[1].inbox.used <= VSWITCH_INBOX_BYTES);
}

static void test_inbox_next_and_headroom(void **state)
{
	uint32_t len = 0;
	uint8_t *p;

	(void)state;
	send_from(0, ports[1].mac, 60);
	send_from(0, ports[1].mac, 61);
	p = vswitch_inbox_peek(&ports[1], &len);
	assert_non_null(p);
	assert_int_equal(len, 60);
	for (unsigned k = 1; k <= VSWITCH_INBOX_HEADROOM; k++)
		assert_int_equal(p[-(int)k], 0); /* zeroed room for the consumer's header */
	p = vswitch_inbox_next(&ports[1], &len);
	assert_non_null(p);
	assert_int_equal(len, 61);
	assert_memory_equal(p, frame, 61);
	assert_null(vswitch_inbox_next(&ports[1], &len));
	assert_int_equal(queued(1), 0);
	assert_null(vswitch_inbox_next(&ports[1], &len)); /* empty: nothing to drop */
}

static void test_detach(void **state)
{
	static const uint8_t x[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x43 };

	(void)state;
	vswitch_send_buf(&ports[3], frame, mk(bcast, x, 60, 1));
	vswitch_port_detach(&ports[3]);
	assert_null(ports[3].sw);
	assert_null(ports[3].inbox.buf);
	assert_int_equal(send_from(0, bcast, 60), 2);
	assert_int_equal(send_from(0, x, 60), 2); /* forgotten with its port: unknown again */
	assert_int_equal(vswitch_send_buf(&ports[3], frame, 60), -ENOENT);
	vswitch_port_detach(&ports[3]); /* twice: nothing */
	/* The slot is reused. */
	assert_int_equal(vswitch_port_attach(&sw, &ports[3], macs[3], true, wake, &ports[3]), 0);
	assert_int_equal(send_from(0, bcast, 60), 3);
}

static void test_attach_errors(void **state)
{
	struct vswitch_port extra[VSWITCH_MAX_PORTS] = { 0 };
	unsigned ok = 0;

	(void)state;
	assert_int_equal(vswitch_port_attach(&sw, &ports[0], macs[0], false, wake, NULL), -EINVAL);
	assert_int_equal(vswitch_port_attach(&sw2, &extra[0], mcast, false, wake, NULL), -EINVAL);
	assert_int_equal(vswitch_port_attach(&sw2, &extra[0], macs[0], false, NULL, NULL), -EINVAL);
	for (unsigned i = 0; i < VSWITCH_MAX_PORTS; i++) {
		uint8_t m[6];

		eth_mac_from_name("many", i, m);
		if (vswitch_port_attach(&sw, &extra[i], m, false, wake, &ports[0]) == 0)
			ok++;
	}
	assert_int_equal(ok, VSWITCH_MAX_PORTS - NPORTS);
	for (unsigned i = 0; i < VSWITCH_MAX_PORTS; i++)
		vswitch_port_detach(&extra[i]);
}

static void test_mac_table_replacement(void **state)
{
	uint8_t m[6] = { 0x02, 0x10, 0, 0, 0, 0 };

	(void)state;
	/* Far more sources than entries, all from the spoofing port. */
	for (unsigned i = 0; i < 4 * VSWITCH_MAC_BUCKETS * VSWITCH_MAC_WAYS; i++) {
		m[4] = (uint8_t)(i >> 8);
		m[5] = (uint8_t)i;
		vswitch_send_buf(&ports[3], frame, mk(ports[0].mac, m, 60, 0));
	}
	assert_true(sw.stats.replaced > 0);
	assert_true(sw.stats.learned <= 4 * VSWITCH_MAC_BUCKETS * VSWITCH_MAC_WAYS);
	/* The ports' own addresses survived: unicast to them still goes to one port. */
	for (unsigned i = 0; i < 3; i++) {
		vswitch_inbox_flush(&ports[i]);
		assert_int_equal(send_from(3, ports[i].mac, 60), 1);
	}
	/* The newest source is still known. */
	vswitch_inbox_flush(&ports[3]);
	assert_int_equal(send_from(0, m, 60), 1);
	assert_int_equal(queued(3), 1);
}

static void test_wakes_batched(void **state)
{
	(void)state;
	for (unsigned i = 0; i < 10; i++)
		send_from(0, bcast, 60);
	assert_int_equal(wakes[1] + wakes[2] + wakes[3], 0); /* not before the flush */
	assert_true(ports[0].wake_owed);
	vswitch_flush_wakes(&ports[0]);
	assert_int_equal(wakes[0], 0);
	assert_int_equal(wakes[1], 1);
	assert_int_equal(wakes[2], 1);
	assert_int_equal(wakes[3], 1);
	/* Inboxes still hold frames: their owners were told already. */
	send_from(0, ports[1].mac, 60);
	assert_false(ports[0].wake_owed);
	vswitch_flush_wakes(&ports[0]);
	assert_int_equal(wakes[1], 1);
	/* Drained: the next frame wakes again. */
	vswitch_inbox_flush(&ports[1]);
	send_from(0, ports[1].mac, 60);
	vswitch_flush_wakes(&ports[0]);
	assert_int_equal(wakes[1], 2);
	assert_int_equal(wakes[2], 1);
}

static void test_generated_macs(void **state)
{
	uint8_t a[6], b[6], c[6], d[6];

	(void)state;
	eth_mac_from_name("alpha", 0, a);
	eth_mac_from_name("alpha", 0, b);
	assert_memory_equal(a, b, 6);
	eth_mac_from_name("alpha", 1, c);
	eth_mac_from_name("beta", 0, d);
	assert_memory_not_equal(a, c, 6);
	assert_memory_not_equal(a, d, 6);
	assert_memory_not_equal(c, d, 6);
	for (unsigned i = 0; i < 64; i++) {
		eth_mac_from_name("g", i, a);
		assert_int_equal(a[0] & 3, 2); /* locally administered, unicast */
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_init_limits, setup, teardown),
		cmocka_unit_test_setup_teardown(test_flood_broadcast_multicast_unknown, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unicast_to_own_mac_of_port, setup, teardown),
		cmocka_unit_test_setup_teardown(test_learning, setup, teardown),
		cmocka_unit_test_setup_teardown(test_anti_spoofing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mtu_boundaries, setup, teardown),
		cmocka_unit_test_setup_teardown(test_runts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_switches_isolated, setup, teardown),
		cmocka_unit_test_setup_teardown(test_inbox_full, setup, teardown),
		cmocka_unit_test_setup_teardown(test_inbox_wraps, setup, teardown),
		cmocka_unit_test_setup_teardown(test_inbox_next_and_headroom, setup, teardown),
		cmocka_unit_test_setup_teardown(test_detach, setup, teardown),
		cmocka_unit_test_setup_teardown(test_attach_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mac_table_replacement, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wakes_batched, setup, teardown),
		cmocka_unit_test_setup_teardown(test_generated_macs, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
