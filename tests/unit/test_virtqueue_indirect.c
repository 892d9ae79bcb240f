/* SPDX-License-Identifier: MIT */
/* Unit tests for drivers/virtio/virtqueue.c: indirect descriptor tables and their violations. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "tests/unit/virtq_rings.h"

static void test_indirect_table(void **state)
{
	(void)state;
	assert_int_equal(start(8, F_IND), 0);
	desc_in(IND, 0, DATA, 16, VIRTQ_DESC_F_NEXT, 2);
	desc_in(IND, 2, DATA + 0x40, 32, VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE, 1);
	desc_in(IND, 1, DATA + 0x80, 1, VIRTQ_DESC_F_WRITE, 0);
	/* The WRITE flag on the descriptor naming the table means nothing and is ignored. */
	set_desc(4, IND, 3 * 16, VIRTQ_DESC_F_INDIRECT | VIRTQ_DESC_F_WRITE, 0);
	offer(4);
	assert_int_equal(virtq_pop(&vq, &ch), 0);
	assert_int_equal(ch.head, 4);
	assert_int_equal(ch.nr_segs, 3);
	assert_int_equal(ch.nr_readable, 1);
	assert_int_equal(ch.segs[1].gpa, DATA + 0x40);
	assert_int_equal(ch.segs[2].gpa, DATA + 0x80);
	assert_int_equal(ch.writable_bytes, 33);
	assert_int_equal(virtq_push(&vq, &ch, 33), 0);
	assert_int_equal(used_id(0), 4);
}

/* Direct descriptors, then one naming a table, make one chain. */
static void test_direct_then_indirect(void **state)
{
	(void)state;
	assert_int_equal(start(8, F_IND), 0);
	set_desc(0, DATA, 8, VIRTQ_DESC_F_NEXT, 6);
	set_desc(6, IND, 2 * 16, VIRTQ_DESC_F_INDIRECT, 0);
	desc_in(IND, 0, DATA + 0x10, 8, VIRTQ_DESC_F_NEXT, 1);
	desc_in(IND, 1, DATA + 0x20, 8, VIRTQ_DESC_F_WRITE, 0);
	offer(0);
	assert_int_equal(virtq_pop(&vq, &ch), 0);
	assert_int_equal(ch.nr_segs, 3);
	assert_int_equal(ch.nr_readable, 2);
	assert_int_equal(ch.segs[1].gpa, DATA + 0x10);
}

static void test_indirect_not_negotiated_breaks(void **state)
{
	(void)state;
	assert_int_equal(start(8, 0), 0);
	desc_in(IND, 0, DATA, 16, 0, 0);
	set_desc(0, IND, 16, VIRTQ_DESC_F_INDIRECT, 0);
	offer(0);
	expect_broken("VIRTIO_F_INDIRECT_DESC");
}

static void test_nested_indirect_breaks(void **state)
{
	(void)state;
	assert_int_equal(start(8, F_IND), 0);
	desc_in(IND, 0, DATA, 16, VIRTQ_DESC_F_NEXT, 1);
	desc_in(IND, 1, IND + 0x100, 16, VIRTQ_DESC_F_INDIRECT, 0);
	set_desc(0, IND, 2 * 16, VIRTQ_DESC_F_INDIRECT, 0);
	offer(0);
	expect_broken("nested INDIRECT");
}

static void test_indirect_with_next_breaks(void **state)
{
	(void)state;
	assert_int_equal(start(8, F_IND), 0);
	desc_in(IND, 0, DATA, 16, 0, 0);
	set_desc(0, IND, 16, VIRTQ_DESC_F_INDIRECT | VIRTQ_DESC_F_NEXT, 1);
	set_desc(1, DATA, 16, 0, 0);
	offer(0);
	expect_broken("INDIRECT together with NEXT");
}

static void test_indirect_bad_length_breaks(void **state)
{
	(void)state;
	assert_int_equal(start(8, F_IND), 0);
	set_desc(0, IND, 24, VIRTQ_DESC_F_INDIRECT, 0);
	offer(0);
	expect_broken("length 24");
	virtq_reset(&vq);
	drv_avail = 0;
	assert_int_equal(start(8, F_IND), 0);
	set_desc(0, IND, 0, VIRTQ_DESC_F_INDIRECT, 0);
	offer(0);
	expect_broken("length 0");
}

static void test_indirect_table_outside_ram_breaks(void **state)
{
	(void)state;
	assert_int_equal(start(8, F_IND), 0);
	set_desc(0, RAM_GPA + RAM_SIZE - 16, 32, VIRTQ_DESC_F_INDIRECT, 0);
	offer(0);
	expect_broken("indirect table 0x13fff0");
}

static void test_indirect_table_wrap_breaks(void **state)
{
	(void)state;
	assert_int_equal(start(8, F_IND), 0);
	set_desc(0, ~0ull - 15, 32, VIRTQ_DESC_F_INDIRECT, 0);
	offer(0);
	expect_broken("indirect table");
}

static void test_indirect_entry_outside_ram_breaks(void **state)
{
	(void)state;
	assert_int_equal(start(8, F_IND), 0);
	desc_in(IND, 0, 0x10, 16, 0, 0);
	set_desc(0, IND, 16, VIRTQ_DESC_F_INDIRECT, 0);
	offer(0);
	expect_broken("indirect descriptor 0: buffer 0x10");
}

static void test_indirect_loop_breaks(void **state)
{
	(void)state;
	assert_int_equal(start(8, F_IND), 0);
	desc_in(IND, 0, DATA, 16, VIRTQ_DESC_F_NEXT, 1);
	desc_in(IND, 1, DATA, 16, VIRTQ_DESC_F_NEXT, 0);
	set_desc(0, IND, 2 * 16, VIRTQ_DESC_F_INDIRECT, 0);
	offer(0);
	expect_broken("loops");
}

static void test_indirect_next_beyond_table_breaks(void **state)
{
	(void)state;
	assert_int_equal(start(8, F_IND), 0);
	desc_in(IND, 0, DATA, 16, VIRTQ_DESC_F_NEXT, 2); /* the table has entries 0 and 1 */
	set_desc(0, IND, 2 * 16, VIRTQ_DESC_F_INDIRECT, 0);
	offer(0);
	expect_broken("next 2 beyond");
}

static void test_indirect_table_over_queue_size_breaks(void **state)
{
	(void)state;
	assert_int_equal(start(8, F_IND), 0);
	for (unsigned i = 0; i < 9; i++)
		desc_in(IND, i, DATA, 1, i < 8 ? VIRTQ_DESC_F_NEXT : 0, (uint16_t)(i + 1));
	set_desc(0, IND, 9 * 16, VIRTQ_DESC_F_INDIRECT, 0);
	offer(0);
	expect_broken("9 entries exceeds the queue size 8");
}

/* Direct buffers plus a table's entries count together against the queue size. */
static void test_chain_longer_than_queue_breaks(void **state)
{
	(void)state;
	assert_int_equal(start(4, F_IND), 0);
	for (unsigned i = 0; i < 3; i++)
		set_desc(i, DATA, 1, VIRTQ_DESC_F_NEXT, (uint16_t)(i + 1));
	set_desc(3, IND, 2 * 16, VIRTQ_DESC_F_INDIRECT, 0);
	desc_in(IND, 0, DATA, 1, VIRTQ_DESC_F_NEXT, 1);
	desc_in(IND, 1, DATA, 1, 0, 0);
	offer(0);
	expect_broken("more than 4 buffers");
}

static void test_readable_after_writable_in_indirect_breaks(void **state)
{
	(void)state;
	assert_int_equal(start(8, F_IND), 0);
	set_desc(0, DATA, 8, VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE, 1);
	set_desc(1, IND, 16, VIRTQ_DESC_F_INDIRECT, 0);
	desc_in(IND, 0, DATA, 8, 0, 0);
	offer(0);
	expect_broken("indirect descriptor 0: device-readable buffer after a writable one");
}

int main(void)
{
#define T(t) cmocka_unit_test_setup_teardown(t, ring_setup, ring_teardown)
	const struct CMUnitTest tests[] = {
		T(test_indirect_table),
		T(test_direct_then_indirect),
		T(test_indirect_not_negotiated_breaks),
		T(test_nested_indirect_breaks),
		T(test_indirect_with_next_breaks),
		T(test_indirect_bad_length_breaks),
		T(test_indirect_table_outside_ram_breaks),
		T(test_indirect_table_wrap_breaks),
		T(test_indirect_entry_outside_ram_breaks),
		T(test_indirect_loop_breaks),
		T(test_indirect_next_beyond_table_breaks),
		T(test_indirect_table_over_queue_size_breaks),
		T(test_chain_longer_than_queue_breaks),
		T(test_readable_after_writable_in_indirect_breaks),
	};
#undef T
	return cmocka_run_group_tests(tests, NULL, NULL);
}
