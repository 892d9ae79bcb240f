/* SPDX-License-Identifier: MIT */
/* Unit tests for drivers/virtio/virtqueue.c: used ring, length clamp, notification rules, chain copies. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "tests/unit/virtq_rings.h"

#define USED_EVENT(n) (AVAIL + VIRTQ_USED_EVENT_OFF(n))
#define AVAIL_EVENT(n) (USED + VIRTQ_AVAIL_EVENT_OFF(n))

/* Offers a one-buffer chain (writable, len bytes) at head and pops it. */
static void offer_pop(uint16_t head, uint32_t len)
{
	set_desc(head, DATA + 0x100ull * head, len, VIRTQ_DESC_F_WRITE, 0);
	offer(head);
	assert_int_equal(virtq_pop(&vq, &ch), 0);
}

/* ---- used ring ------------------------------------------------------------------------------ */

static void test_push_writes_entry_then_index(void **state)
{
	(void)state;
	assert_int_equal(start(8, 0), 0);
	offer_pop(3, 64);
	assert_int_equal(virtq_push(&vq, &ch, 20), 0);
	assert_int_equal(used_idx(), 1);
	assert_int_equal(used_id(0), 3);
	assert_int_equal(used_len(0), 20);
	offer_pop(5, 64);
	assert_int_equal(virtq_push(&vq, &ch, 64), 0);
	assert_int_equal(used_idx(), 2);
	assert_int_equal(used_id(1), 5);
	assert_int_equal(used_len(1), 64);
}

/* Chains finish out of order: each entry names its own head. */
static void test_push_out_of_order(void **state)
{
	static struct virtq_chain a, b;

	(void)state;
	assert_int_equal(start(8, 0), 0);
	set_desc(1, DATA, 4, VIRTQ_DESC_F_WRITE, 0);
	set_desc(2, DATA + 0x10, 4, VIRTQ_DESC_F_WRITE, 0);
	offer(1);
	offer(2);
	assert_int_equal(virtq_pop(&vq, &a), 0);
	assert_int_equal(virtq_pop(&vq, &b), 0);
	assert_int_equal(virtq_push(&vq, &b, 1), 0);
	assert_int_equal(virtq_push(&vq, &a, 2), 0);
	assert_int_equal(used_id(0), 2);
	assert_int_equal(used_id(1), 1);
	assert_int_equal(used_len(1), 2);
}

static void test_used_len_clamped_to_writable(void **state)
{
	(void)state;
	assert_int_equal(start(8, 0), 0);
	set_desc(0, DATA, 100, VIRTQ_DESC_F_NEXT, 1); /* readable bytes do not count */
	set_desc(1, DATA + 0x100, 10, VIRTQ_DESC_F_WRITE, 0);
	offer(0);
	assert_int_equal(virtq_pop(&vq, &ch), 0);
	assert_int_equal(virtq_push(&vq, &ch, 0xffffffffu), 0);
	assert_int_equal(used_len(0), 10);
	set_desc(2, DATA, 100, 0, 0); /* nothing writable: the length is 0 */
	offer(2);
	assert_int_equal(virtq_pop(&vq, &ch), 0);
	assert_int_equal(virtq_push(&vq, &ch, 50), 0);
	assert_int_equal(used_len(1), 0);
}

static void test_push_refused_when_disabled(void **state)
{
	(void)state;
	assert_int_equal(start(8, 0), 0);
	offer_pop(0, 4);
	virtq_reset(&vq);
	assert_int_equal(virtq_push(&vq, &ch, 4), -EINVAL);
	assert_int_equal(used_idx(), 0);
}

/* ---- interrupts: device -> driver ----------------------------------------------------------- */

struct need_case {
	uint16_t event, new_idx, old_idx;
	bool need;
};

static void test_need_event_table(void **state)
{
	static const struct need_case cases[] = {
		{ 0, 1, 0, true },          /* the first entry past event 0 */
		{ 0, 0, 0, false },         /* nothing moved */
		{ 5, 5, 4, false },         /* event not yet reached: wants one at 6 */
		{ 5, 6, 5, true },          /* exactly crosses it */
		{ 5, 10, 0, true },         /* a batch that includes it */
		{ 5, 10, 6, false },        /* already passed before this batch */
		{ 4, 5, 4, true },          /* event == old */
		{ 9, 10, 0, true },         /* event == new - 1 */
		{ 10, 10, 0, false },       /* event == new */
		{ 0xffff, 0, 0xffff, true },  /* crossing through the wrap */
		{ 0xfffe, 2, 0xfff0, true },  /* batch over the wrap that includes it */
		{ 0xfff0, 2, 0xfff8, false }, /* passed long ago, before the wrap */
		{ 1, 3, 0xfffe, true },       /* after the wrap, inside the batch */
		{ 3, 3, 0xfffe, false },      /* after the wrap, not yet */
		{ 0x8000, 0x8001, 0, true },  /* a half-ring batch */
	};

	(void)state;
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (virtq_need_event(cases[i].event, cases[i].new_idx, cases[i].old_idx) != cases[i].need)
			fail_msg("case %u: event %u new %u old %u", i, cases[i].event, cases[i].new_idx,
				 cases[i].old_idx);
}

static void test_interrupt_event_idx(void **state)
{
	(void)state;
	assert_int_equal(start(8, F_EVENT), 0);
	wr16(USED_EVENT(8), 1); /* interrupt when entry 1 is used */
	assert_false(virtq_should_interrupt(&vq)); /* nothing pushed */
	offer_pop(0, 4);
	assert_int_equal(virtq_push(&vq, &ch, 1), 0);
	assert_false(virtq_should_interrupt(&vq)); /* used idx 1: entry 0 done, 1 not yet */
	offer_pop(1, 4);
	assert_int_equal(virtq_push(&vq, &ch, 1), 0);
	assert_true(virtq_should_interrupt(&vq)); /* idx 2: crossed 1 */
	offer_pop(2, 4);
	assert_int_equal(virtq_push(&vq, &ch, 1), 0);
	assert_false(virtq_should_interrupt(&vq)); /* the driver has not moved used_event on */
	/* The NO_INTERRUPT flag is not the rule with EVENT_IDX. */
	wr16(AVAIL, VIRTQ_AVAIL_F_NO_INTERRUPT);
	wr16(USED_EVENT(8), 3);
	offer_pop(3, 4);
	assert_int_equal(virtq_push(&vq, &ch, 1), 0);
	assert_true(virtq_should_interrupt(&vq));
}

/* Two pushes between decisions: the batch is judged as a whole. */
static void test_interrupt_event_idx_batch(void **state)
{
	(void)state;
	assert_int_equal(start(8, F_EVENT), 0);
	wr16(USED_EVENT(8), 0);
	offer_pop(0, 4);
	assert_int_equal(virtq_push(&vq, &ch, 1), 0);
	offer_pop(1, 4);
	assert_int_equal(virtq_push(&vq, &ch, 1), 0);
	assert_true(virtq_should_interrupt(&vq));
	assert_false(virtq_should_interrupt(&vq)); /* asked again with nothing new */
}

static void test_interrupt_no_interrupt_flag(void **state)
{
	(void)state;
	assert_int_equal(start(8, 0), 0);
	wr16(AVAIL, VIRTQ_AVAIL_F_NO_INTERRUPT);
	offer_pop(0, 4);
	assert_int_equal(virtq_push(&vq, &ch, 1), 0);
	assert_false(virtq_should_interrupt(&vq));
	wr16(AVAIL, 0);
	offer_pop(1, 4);
	assert_int_equal(virtq_push(&vq, &ch, 1), 0);
	assert_true(virtq_should_interrupt(&vq));
	assert_false(virtq_should_interrupt(&vq)); /* nothing pushed since */
	wr16(USED_EVENT(8), 0x1234); /* ignored without EVENT_IDX */
	offer_pop(2, 4);
	assert_int_equal(virtq_push(&vq, &ch, 1), 0);
	assert_true(virtq_should_interrupt(&vq));
}

static void test_no_interrupt_when_broken(void **state)
{
	(void)state;
	assert_int_equal(start(8, 0), 0);
	offer_pop(0, 4);
	assert_int_equal(virtq_push(&vq, &ch, 1), 0);
	offer(8);
	assert_int_equal(virtq_pop(&vq, &ch), -EIO);
	assert_false(virtq_should_interrupt(&vq));
}

/* ---- notifications: driver -> device -------------------------------------------------------- */

static void test_no_notify_flag(void **state)
{
	(void)state;
	assert_int_equal(start(8, 0), 0);
	assert_int_equal(rd16(USED), 0);
	virtq_disable_notify(&vq);
	assert_int_equal(rd16(USED), VIRTQ_USED_F_NO_NOTIFY);
	assert_false(virtq_enable_notify(&vq));
	assert_int_equal(rd16(USED), 0);
}

static void test_avail_event_written(void **state)
{
	(void)state;
	assert_int_equal(start(8, F_EVENT), 0);
	wr16(AVAIL_EVENT(8), 0x5555);
	virtq_disable_notify(&vq);
	assert_int_equal(rd16(AVAIL_EVENT(8)), 0x5555); /* left behind, not rewritten */
	offer_pop(0, 4);
	offer_pop(1, 4);
	assert_int_equal(rd16(AVAIL_EVENT(8)), 0x5555); /* nor by pops while disabled */
	assert_false(virtq_enable_notify(&vq));
	assert_int_equal(rd16(AVAIL_EVENT(8)), 2); /* the next index the device looks at */
	assert_int_equal(rd16(USED), 0);            /* flags are not the rule with EVENT_IDX */
	offer_pop(2, 4);
	assert_int_equal(rd16(AVAIL_EVENT(8)), 3); /* kept current while enabled */
}

static void test_enable_at_start_publishes_avail_event(void **state)
{
	(void)state;
	wr16(AVAIL_EVENT(16), 0x7777); /* stale memory from before */
	assert_int_equal(start(16, F_EVENT), 0);
	assert_int_equal(rd16(AVAIL_EVENT(16)), 0);
}

/* A buffer that arrived while notifications were off is reported, so it is not stranded. */
static void test_enable_notify_reports_pending(void **state)
{
	(void)state;
	assert_int_equal(start(8, 0), 0);
	virtq_disable_notify(&vq);
	set_desc(0, DATA, 4, 0, 0);
	offer(0);
	assert_true(virtq_enable_notify(&vq));
	assert_int_equal(virtq_pop(&vq, &ch), 0);
	assert_false(virtq_enable_notify(&vq));
}

/* Notifications never turned off, no EVENT_IDX: used.flags said "notify" all along, so the driver
 * kicked for any buffer it added; nothing can be stranded and the answer is false without a look.
 * With EVENT_IDX avail_event moves with every pop, so the full look is taken. */
static void test_enable_notify_when_never_off(void **state)
{
	(void)state;
	assert_int_equal(start(8, 0), 0);
	set_desc(0, DATA, 4, 0, 0);
	offer(0);
	assert_false(virtq_enable_notify(&vq));
	assert_int_equal(rd16(USED), 0);
	assert_int_equal(virtq_pop(&vq, &ch), 0); /* the buffer is still there for the kick */
	virtq_disable_notify(&vq);
	set_desc(1, DATA, 4, 0, 0);
	offer(1);
	assert_true(virtq_enable_notify(&vq)); /* after a real "off": looked at */
	virtq_reset(&vq);
	assert_int_equal(start(8, F_EVENT), 0);
	set_desc(0, DATA, 4, 0, 0);
	offer(0);
	assert_true(virtq_enable_notify(&vq));
}

/* ---- chain copies --------------------------------------------------------------------------- */

/* A chain of readable 3 + 5 and writable 4 + 6 bytes. */
static void pop_mixed(void)
{
	assert_int_equal(start(8, 0), 0);
	memcpy(d_host(DATA), "abc", 3);
	memcpy(d_host(DATA + 0x10), "defgh", 5);
	set_desc(0, DATA, 3, VIRTQ_DESC_F_NEXT, 1);
	set_desc(1, DATA + 0x10, 5, VIRTQ_DESC_F_NEXT, 2);
	set_desc(2, DATA + 0x20, 4, VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE, 3);
	set_desc(3, DATA + 0x30, 6, VIRTQ_DESC_F_WRITE, 0);
	offer(0);
	assert_int_equal(virtq_pop(&vq, &ch), 0);
}

static void test_chain_read_across_segments(void **state)
{
	char buf[9] = { 0 };

	(void)state;
	pop_mixed();
	assert_int_equal(virtq_chain_read(TVM, &ch, 0, buf, 8), 0);
	assert_string_equal(buf, "abcdefgh");
	memset(buf, 0, sizeof(buf));
	assert_int_equal(virtq_chain_read(TVM, &ch, 2, buf, 3), 0);
	assert_string_equal(buf, "cde");
	assert_int_equal(virtq_chain_read(TVM, &ch, 8, buf, 0), 0);
}

static void test_chain_read_bounds(void **state)
{
	char buf[16];

	(void)state;
	pop_mixed();
	memset(buf, 'z', sizeof(buf));
	assert_int_equal(virtq_chain_read(TVM, &ch, 0, buf, 9), -EINVAL); /* 8 readable bytes */
	assert_int_equal(virtq_chain_read(TVM, &ch, 7, buf, 2), -EINVAL);
	assert_int_equal(virtq_chain_read(TVM, &ch, 9, buf, 0), -EINVAL);
	assert_int_equal(virtq_chain_read(TVM, &ch, ~0ull, buf, 2), -EINVAL); /* offset + len wraps */
	assert_int_equal(virtq_chain_read(TVM, &ch, 1, buf, SIZE_MAX), -EINVAL);
	assert_int_equal(buf[0], 'z'); /* nothing copied on a refusal */
}

static void test_chain_write_bounds_and_placement(void **state)
{
	(void)state;
	pop_mixed();
	memset(d_host(DATA + 0x20), '.', 0x20);
	assert_int_equal(virtq_chain_write(TVM, &ch, 0, "0123456789", 10), 0);
	assert_memory_equal(d_host(DATA + 0x20), "0123....", 8); /* 4 in the first, nothing past */
	assert_memory_equal(d_host(DATA + 0x30), "456789..", 8);
	assert_int_equal(virtq_chain_write(TVM, &ch, 0, "0123456789x", 11), -EINVAL);
	assert_int_equal(virtq_chain_write(TVM, &ch, 10, "x", 1), -EINVAL);
	assert_int_equal(virtq_chain_write(TVM, &ch, ~0ull - 1, "xy", 2), -EINVAL);
	assert_memory_equal(d_host(DATA), "abc", 3); /* the readable part is never written */
}

static void test_chain_copy_fault(void **state)
{
	char buf[8];

	(void)state;
	pop_mixed();
	d_ram_size = 0x10000; /* RAM below DATA only: the buffers went away */
	assert_int_equal(virtq_chain_read(TVM, &ch, 0, buf, 4), -EFAULT);
	assert_int_equal(virtq_chain_write(TVM, &ch, 0, "abcd", 4), -EFAULT);
}

int main(void)
{
#define T(t) cmocka_unit_test_setup_teardown(t, ring_setup, ring_teardown)
	const struct CMUnitTest tests[] = {
		T(test_push_writes_entry_then_index),
		T(test_push_out_of_order),
		T(test_used_len_clamped_to_writable),
		T(test_push_refused_when_disabled),
		T(test_need_event_table),
		T(test_interrupt_event_idx),
		T(test_interrupt_event_idx_batch),
		T(test_interrupt_no_interrupt_flag),
		T(test_no_interrupt_when_broken),
		T(test_no_notify_flag),
		T(test_avail_event_written),
		T(test_enable_at_start_publishes_avail_event),
		T(test_enable_notify_reports_pending),
		T(test_enable_notify_when_never_off),
		T(test_chain_read_across_segments),
		T(test_chain_read_bounds),
		T(test_chain_write_bounds_and_placement),
		T(test_chain_copy_fault),
	};
#undef T
	return cmocka_run_group_tests(tests, NULL, NULL);
}
