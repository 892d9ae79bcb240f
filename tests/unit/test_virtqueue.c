/* SPDX-License-Identifier: MIT */
/* Unit tests for drivers/virtio/virtqueue.c: enable checks, direct chains, every broken case, TOCTOU. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "tests/unit/virtq_rings.h"

/* ---- init and enable ------------------------------------------------------------- */

static void test_init_checks_max_size(void **state)
{
	struct virtq q;

	(void)state;
	assert_int_equal(virtq_init(&q, TVM, 0), -EINVAL);
	assert_int_equal(virtq_init(&q, TVM, 3), -EINVAL);
	assert_int_equal(virtq_init(&q, TVM, 65535), -EINVAL);
	assert_int_equal(virtq_init(&q, TVM, 32768), 0);
	assert_int_equal(virtq_init(&q, TVM, 1), 0);
	assert_false(virtq_is_enabled(&q));
}

static void test_enable_good_and_twice(void **state)
{
	(void)state;
	assert_int_equal(start(16, 0), 0);
	assert_true(virtq_is_enabled(&vq));
	assert_int_equal(start(16, 0), -EBUSY);
	assert_int_equal(virtq_pop(&vq, &ch), -EAGAIN); /* nothing offered */
}

static void test_enable_refuses_bad_size(void **state)
{
	(void)state;
	assert_int_equal(start(0, 0), -EINVAL);
	assert_int_equal(start(12, 0), -EINVAL);
	assert_int_equal(start(1024, 0), -EINVAL); /* above max_size 512 */
	assert_non_null(strstr(vq.reason, "1024"));
	assert_false(virtq_is_enabled(&vq));
	assert_false(virtq_is_broken(&vq));
	assert_int_equal(start(512, 0), 0);
}

static void test_enable_refuses_misaligned(void **state)
{
	struct virtq_config c = ring_cfg(16, 0);

	(void)state;
	c.desc = DESC + 8; /* 16 needed */
	assert_int_equal(virtq_enable(&vq, &c), -EINVAL);
	c = ring_cfg(16, 0);
	c.avail = AVAIL + 1;
	assert_int_equal(virtq_enable(&vq, &c), -EINVAL);
	c = ring_cfg(16, 0);
	c.used = USED + 2; /* 4 needed */
	assert_int_equal(virtq_enable(&vq, &c), -EINVAL);
	c.used = USED + 4;
	assert_int_equal(virtq_enable(&vq, &c), 0);
}

static void test_enable_refuses_rings_outside_ram(void **state)
{
	struct virtq_config c = ring_cfg(16, 0);

	(void)state;
	c.desc = RAM_GPA - 0x1000; /* below RAM */
	assert_int_equal(virtq_enable(&vq, &c), -EFAULT);
	assert_non_null(strstr(vq.reason, "0xff000"));
	c = ring_cfg(16, 0);
	c.avail = RAM_GPA + RAM_SIZE - 36; /* 6+2*16 = 38 bytes: the last two outside */
	assert_int_equal(virtq_enable(&vq, &c), -EFAULT);
	c.avail = RAM_GPA + RAM_SIZE - 38; /* exactly fits */
	c.used = RAM_GPA + RAM_SIZE - 132; /* 6+8*16 = 134: two bytes out */
	assert_int_equal(virtq_enable(&vq, &c), -EFAULT);
	c.used = ~0ull - 127; /* 4-aligned, wraps */
	assert_int_equal(virtq_enable(&vq, &c), -EFAULT);
	assert_non_null(strstr(vq.reason, "wraps"));
	assert_false(virtq_is_enabled(&vq));
}

/* ---- normal chains -------------------------------------------------------------------- */

static void test_pop_one_segment(void **state)
{
	(void)state;
	assert_int_equal(start(16, 0), 0);
	set_desc(5, DATA, 100, 0, 0);
	offer(5);
	assert_int_equal(virtq_pop(&vq, &ch), 0);
	assert_int_equal(ch.head, 5);
	assert_int_equal(ch.nr_segs, 1);
	assert_int_equal(ch.nr_readable, 1);
	assert_int_equal(ch.segs[0].gpa, DATA);
	assert_int_equal(ch.segs[0].len, 100);
	assert_int_equal(ch.segs[0].write, 0);
	assert_int_equal(ch.readable_bytes, 100);
	assert_int_equal(ch.writable_bytes, 0);
	assert_int_equal(virtq_pop(&vq, &ch), -EAGAIN);
}

/* A block request's shape: header readable, data and status writable; data read and written. */
static void test_pop_three_segments_and_copy(void **state)
{
	uint8_t hdr[16], out[9] = "456789abc";

	(void)state;
	assert_int_equal(start(16, 0), 0);
	memcpy(d_host(DATA), "0123456789abcdef", 16);
	set_desc(0, DATA, 16, VIRTQ_DESC_F_NEXT, 7);
	set_desc(7, DATA + 0x100, 6, VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE, 3);
	set_desc(3, DATA + 0x200, 4, VIRTQ_DESC_F_WRITE, 0);
	offer(0);
	assert_int_equal(virtq_pop(&vq, &ch), 0);
	assert_int_equal(ch.nr_segs, 3);
	assert_int_equal(ch.nr_readable, 1);
	assert_int_equal(ch.writable_bytes, 10);
	assert_int_equal(ch.segs[1].gpa, DATA + 0x100);
	assert_int_equal(ch.segs[2].write, 1);
	assert_int_equal(virtq_chain_read(TVM, &ch, 0, hdr, 16), 0);
	assert_memory_equal(hdr, "0123456789abcdef", 16);
	/* 9 bytes from offset 1 of the writable part: 5 in the first buffer, 4 in the second. */
	assert_int_equal(virtq_chain_write(TVM, &ch, 1, out, 9), 0);
	assert_memory_equal(d_host(DATA + 0x101), "45678", 5);
	assert_memory_equal(d_host(DATA + 0x200), "9abc", 4);
	assert_int_equal(*(uint8_t *)d_host(DATA + 0x100), 0); /* offset 0 left alone */
	assert_memory_equal(d_host(DATA), "0123456789abcdef", 16); /* readable part untouched */
}

/* Every descriptor of the table in one chain: the longest a direct chain may be. */
static void test_pop_chain_of_queue_size(void **state)
{
	(void)state;
	assert_int_equal(start(256, 0), 0);
	for (unsigned i = 0; i < 256; i++)
		set_desc(i, DATA + 4ull * i, 4, (uint16_t)(i < 255 ? VIRTQ_DESC_F_NEXT : 0) |
						       (i >= 128 ? VIRTQ_DESC_F_WRITE : 0), (uint16_t)(i + 1));
	offer(0);
	assert_int_equal(virtq_pop(&vq, &ch), 0);
	assert_int_equal(ch.nr_segs, 256);
	assert_int_equal(ch.nr_readable, 128);
	assert_int_equal(ch.readable_bytes, 512);
	assert_int_equal(ch.writable_bytes, 512);
	assert_int_equal(ch.segs[200].gpa, DATA + 800);
}

static void test_chain_over_library_limit_breaks(void **state)
{
	(void)state;
	assert_int_equal(start(512, 0), 0);
	for (unsigned i = 0; i <= VIRTQ_CHAIN_MAX; i++)
		set_desc(i, DATA + 4ull * i, 4, i < VIRTQ_CHAIN_MAX ? VIRTQ_DESC_F_NEXT : 0, (uint16_t)(i + 1));
	offer(0);
	expect_broken("more than 256 non-empty buffers");
}

static void test_zero_length_descriptors_dropped(void **state)
{
	(void)state;
	assert_int_equal(start(16, 0), 0);
	set_desc(0, ~0ull, 0, VIRTQ_DESC_F_NEXT, 1); /* names no byte: its address does not matter */
	set_desc(1, DATA, 8, VIRTQ_DESC_F_WRITE, 0);
	offer(0);
	assert_int_equal(virtq_pop(&vq, &ch), 0);
	assert_int_equal(ch.nr_segs, 1);
	assert_int_equal(ch.nr_readable, 0);
	assert_int_equal(ch.segs[0].gpa, DATA);
}

/* 256 buffers of 16 MiB + 1 byte: more than the 2^32 bytes a chain may hold in total. */
static void test_chain_over_4gib_breaks(void **state)
{
	(void)state;
	free(d_ram);
	d_ram_size = 0x1100000; /* 17 MiB: every buffer overlaps the same bytes, as a guest may */
	d_ram = calloc(1, d_ram_size);
	assert_int_equal(start(256, 0), 0);
	for (unsigned i = 0; i < 256; i++)
		set_desc(i, DATA, 0x1000001, VIRTQ_DESC_F_WRITE | (i < 255 ? VIRTQ_DESC_F_NEXT : 0), (uint16_t)(i + 1));
	offer(0);
	expect_broken("longer than 2^32 bytes");
}

/* The smallest queue: one entry, every index maps to slot 0. */
static void test_queue_of_one(void **state)
{
	(void)state;
	assert_int_equal(start(1, 0), 0);
	set_desc(0, DATA, 4, VIRTQ_DESC_F_WRITE, 0);
	for (unsigned i = 0; i < 3; i++) {
		offer(0);
		assert_int_equal(virtq_pop(&vq, &ch), 0);
		assert_int_equal(virtq_push(&vq, &ch, 4), 0);
	}
	assert_int_equal(used_idx(), 3);
	offer(1);
	expect_broken("head 1");
}

/* Driver and device indices run past 65535 and wrap; entries keep their slots modulo the size. */
static void test_indices_wrap_past_65535(void **state)
{
	(void)state;
	assert_int_equal(start(4, 0), 0);
	for (unsigned i = 0; i < 65536 + 10; i++) {
		uint16_t head = (uint16_t)(i % 4);

		set_desc(head, DATA + head, 1 + head, VIRTQ_DESC_F_WRITE, 0);
		offer(head);
		assert_int_equal(virtq_pop(&vq, &ch), 0);
		assert_int_equal(ch.head, head);
		assert_int_equal(virtq_push(&vq, &ch, 1), 0);
	}
	assert_int_equal(vq.last_avail, 10);
	assert_int_equal(used_idx(), 10);
	assert_int_equal(used_id(9), 9 % 4);
	assert_int_equal(virtq_pop(&vq, &ch), -EAGAIN);
}

/* A full ring (exactly size entries ahead) is legal; one more is a jump. */
static void test_avail_full_ring_ok_jump_breaks(void **state)
{
	(void)state;
	assert_int_equal(start(8, 0), 0);
	for (unsigned i = 0; i < 8; i++) {
		set_desc(i, DATA, 1, 0, 0);
		offer((uint16_t)i);
	}
	for (unsigned i = 0; i < 8; i++)
		assert_int_equal(virtq_pop(&vq, &ch), 0);
	assert_int_equal(virtq_pop(&vq, &ch), -EAGAIN);
	wr16(AVAIL + 2, (uint16_t)(8 + 9)); /* 9 ahead of last_avail 8 */
	expect_broken("9 entries ahead");
}

static void test_avail_idx_backwards_breaks(void **state)
{
	(void)state;
	assert_int_equal(start(8, 0), 0);
	wr16(AVAIL + 2, 0xffff); /* "65535 ahead": a driver moving its index back */
	expect_broken("ahead");
}

static void test_head_beyond_size_breaks(void **state)
{
	(void)state;
	assert_int_equal(start(16, 0), 0);
	offer(16);
	expect_broken("head 16");
}

/* ---- direct-chain violations -------------------------------------------------------------- */

static void test_addr_outside_ram_breaks(void **state)
{
	(void)state;
	assert_int_equal(start(16, 0), 0);
	set_desc(0, DATA, 4, VIRTQ_DESC_F_NEXT, 1);
	set_desc(1, 0x7000000ull, 4, VIRTQ_DESC_F_WRITE, 0);
	offer(0);
	expect_broken("0x7000000");
}

static void test_buffer_crossing_ram_end_breaks(void **state)
{
	(void)state;
	assert_int_equal(start(16, 0), 0);
	set_desc(0, RAM_GPA + RAM_SIZE - 4, 5, 0, 0);
	offer(0);
	expect_broken("not inside guest RAM");
}

static void test_addr_len_wrap_breaks(void **state)
{
	(void)state;
	assert_int_equal(start(16, 0), 0);
	set_desc(0, 0xfffffffffffff000ull, 0x2000, 0, 0);
	offer(0);
	expect_broken("wraps past 2^64");
	assert_non_null(strstr(vq.reason, "0xfffffffffffff000"));
}

static void test_loop_breaks(void **state)
{
	(void)state;
	assert_int_equal(start(8, 0), 0);
	set_desc(2, DATA, 4, VIRTQ_DESC_F_NEXT, 5);
	set_desc(5, DATA, 4, VIRTQ_DESC_F_NEXT, 2);
	offer(2);
	expect_broken("loops");
}

static void test_self_loop_breaks(void **state)
{
	(void)state;
	assert_int_equal(start(8, 0), 0);
	set_desc(3, DATA, 4, VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE, 3);
	offer(3);
	expect_broken("loops");
}

static void test_next_beyond_size_breaks(void **state)
{
	(void)state;
	assert_int_equal(start(8, 0), 0);
	set_desc(0, DATA, 4, VIRTQ_DESC_F_NEXT, 8);
	offer(0);
	expect_broken("next 8");
}

static void test_readable_after_writable_breaks(void **state)
{
	(void)state;
	assert_int_equal(start(8, 0), 0);
	set_desc(0, DATA, 4, VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE, 1);
	set_desc(1, DATA, 4, 0, 0);
	offer(0);
	expect_broken("readable buffer after a writable one");
}

/* An empty writable descriptor still orders the chain: a readable one may not follow it. */
static void test_readable_after_empty_writable_breaks(void **state)
{
	(void)state;
	assert_int_equal(start(8, 0), 0);
	set_desc(0, DATA, 0, VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE, 1);
	set_desc(1, DATA, 4, 0, 0);
	offer(0);
	expect_broken("readable buffer after a writable one");
}

/* ---- copied once --------------------------------------------------------------------- */

/* Another vCPU rewrites the descriptor after the pop: the device's copy does not move. */
static void test_toctou_after_pop(void **state)
{
	(void)state;
	assert_int_equal(start(8, 0), 0);
	set_desc(0, DATA, 64, VIRTQ_DESC_F_WRITE, 0);
	offer(0);
	assert_int_equal(virtq_pop(&vq, &ch), 0);
	set_desc(0, 0x1000, 0x100000, VIRTQ_DESC_F_WRITE, 0);
	assert_int_equal(ch.segs[0].gpa, DATA);
	assert_int_equal(ch.segs[0].len, 64);
	assert_int_equal(virtq_chain_write(TVM, &ch, 0, "x", 1), 0);
	assert_int_equal(virtq_chain_write(TVM, &ch, 64, "x", 1), -EINVAL);
}

/* The descriptor is changed right after the library read it, as a racing vCPU would: the chain
 * holds the value that was checked, so a second fetch could not have slipped past the check. */
static void race_rewrite(uint64_t gpa, size_t len)
{
	(void)len;
	if (gpa == DESC + 16 * 1)
		set_desc(1, 0x1000, 0x10000000, VIRTQ_DESC_F_WRITE, 0);
}

static void test_toctou_during_walk(void **state)
{
	(void)state;
	assert_int_equal(start(8, 0), 0);
	set_desc(0, DATA, 8, VIRTQ_DESC_F_NEXT, 1);
	set_desc(1, DATA + 0x100, 8, VIRTQ_DESC_F_WRITE, 0);
	offer(0);
	d_after_read = race_rewrite;
	assert_int_equal(virtq_pop(&vq, &ch), 0);
	assert_false(virtq_is_broken(&vq));
	assert_int_equal(ch.nr_segs, 2);
	assert_int_equal(ch.segs[1].gpa, DATA + 0x100);
	assert_int_equal(ch.segs[1].len, 8);
	assert_int_equal(ch.writable_bytes, 8);
}

static void test_avail_idx_read_once_per_pop(void **state)
{
	(void)state;
	assert_int_equal(start(8, 0), 0);
	set_desc(0, DATA, 8, 0, 0);
	offer(0);
	offer(0);
	d_watch_gpa = AVAIL; /* the ring is mapped once per pop, its index read from that mapping */
	assert_int_equal(virtq_pop(&vq, &ch), 0);
	assert_int_equal(d_watch_hits, 1);
	assert_int_equal(virtq_pop(&vq, &ch), 0);
	assert_int_equal(d_watch_hits, 2);
	assert_int_equal(virtq_pop(&vq, &ch), -EAGAIN);
	assert_int_equal(d_watch_hits, 3);
}

/* ---- reset and sticky breakage --------------------------------------------------------- */

static void test_broken_is_sticky_until_reset(void **state)
{
	(void)state;
	assert_int_equal(start(8, 0), 0);
	set_desc(0, DATA, 8, VIRTQ_DESC_F_WRITE, 0);
	offer(0);
	assert_int_equal(virtq_pop(&vq, &ch), 0);
	offer(9);
	expect_broken("head 9");
	assert_int_equal(virtq_push(&vq, &ch, 8), -EIO);
	assert_int_equal(used_idx(), 0);
	virtq_reset(&vq);
	assert_false(virtq_is_broken(&vq));
	assert_false(virtq_is_enabled(&vq));
	assert_int_equal(vq.last_avail, 0);
	assert_int_equal(vq.used_idx, 0);
	assert_int_equal(vq.max_size, MAX_SIZE);
	assert_int_equal(virtq_pop(&vq, &ch), -EAGAIN);
	/* A chain from before the reset is refused, even though its head would fit. */
	drv_avail = 0;
	assert_int_equal(start(8, 0), 0);
	assert_int_equal(virtq_push(&vq, &ch, 8), -EINVAL);
	offer(0);
	assert_int_equal(virtq_pop(&vq, &ch), 0);
	assert_int_equal(virtq_push(&vq, &ch, 8), 0);
	assert_int_equal(used_idx(), 1);
}

static void test_ring_leaving_ram_breaks(void **state)
{
	(void)state;
	assert_int_equal(start(8, 0), 0);
	d_ram_size = 0x1000; /* the map shrank under the queue: the rings are gone */
	assert_int_equal(virtq_pop(&vq, &ch), -EIO);
	assert_non_null(strstr(vq.reason, "left guest RAM"));
}

int main(void)
{
#define T(t) cmocka_unit_test_setup_teardown(t, ring_setup, ring_teardown)
	const struct CMUnitTest tests[] = {
		T(test_init_checks_max_size),
		T(test_enable_good_and_twice),
		T(test_enable_refuses_bad_size),
		T(test_enable_refuses_misaligned),
		T(test_enable_refuses_rings_outside_ram),
		T(test_pop_one_segment),
		T(test_pop_three_segments_and_copy),
		T(test_pop_chain_of_queue_size),
		T(test_chain_over_library_limit_breaks),
		T(test_zero_length_descriptors_dropped),
		T(test_chain_over_4gib_breaks),
		T(test_queue_of_one),
		T(test_indices_wrap_past_65535),
		T(test_avail_full_ring_ok_jump_breaks),
		T(test_avail_idx_backwards_breaks),
		T(test_head_beyond_size_breaks),
		T(test_addr_outside_ram_breaks),
		T(test_buffer_crossing_ram_end_breaks),
		T(test_addr_len_wrap_breaks),
		T(test_loop_breaks),
		T(test_self_loop_breaks),
		T(test_next_beyond_size_breaks),
		T(test_readable_after_writable_breaks),
		T(test_readable_after_empty_writable_breaks),
		T(test_toctou_after_pop),
		T(test_toctou_during_walk),
		T(test_avail_idx_read_once_per_pop),
		T(test_broken_is_sticky_until_reset),
		T(test_ring_leaving_ram_breaks),
	};
#undef T
	return cmocka_run_group_tests(tests, NULL, NULL);
}
