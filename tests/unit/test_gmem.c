/* SPDX-License-Identifier: MIT */
/* Unit tests for kernel/gmem.c: the guest RAM map and its bounds-checked accessors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "kernel/errno.h"
#include "kernel/gmem.h"
#include "kernel/vm.h"

#define RAM_SIZE 0x4000ull    /* four pages of "host memory" */
#define RAM_GPA 0x100000ull   /* where the guest sees them */
#define TOP (~0ull)           /* 2^64 - 1 */

static struct vm *vm;
static uint8_t *ram; /* host buffer; its address is the region's hpa */

static uint64_t hpa_of(const void *p)
{
	return (uint64_t)(uintptr_t)p;
}

static int setup(void **state)
{
	(void)state;
	vm = calloc(1, sizeof(*vm));
	ram = aligned_alloc(4096, RAM_SIZE);
	assert_non_null(vm);
	assert_non_null(ram);
	for (size_t i = 0; i < RAM_SIZE; i++)
		ram[i] = (uint8_t)(i * 7 + 1);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	free(vm);
	free(ram);
	return 0;
}

static void add_ram(void)
{
	assert_int_equal(gmem_add_region(vm, RAM_GPA, RAM_SIZE, hpa_of(ram)), 0);
}

/* ---- regions --------------------------------------------------------------- */

static void test_add_region_and_size(void **state)
{
	(void)state;
	assert_int_equal(gmem_size(vm), 0);
	add_ram();
	assert_int_equal(gmem_add_region(vm, 0x200000, 0x3000, 0x80000000), 0);
	assert_int_equal(gmem_size(vm), RAM_SIZE + 0x3000);
	assert_int_equal(vm->nr_regions, 2);
}

static void test_add_region_refuses_unaligned_and_empty(void **state)
{
	(void)state;
	assert_int_equal(gmem_add_region(vm, RAM_GPA + 1, RAM_SIZE, hpa_of(ram)), -EINVAL);
	assert_int_equal(gmem_add_region(vm, RAM_GPA, RAM_SIZE - 1, hpa_of(ram)), -EINVAL);
	assert_int_equal(gmem_add_region(vm, RAM_GPA, RAM_SIZE, hpa_of(ram) + 8), -EINVAL);
	assert_int_equal(gmem_add_region(vm, RAM_GPA, 0, hpa_of(ram)), -EINVAL);
	assert_int_equal(gmem_add_region(vm, 0xfffffffffffff000ull, 0x2000, 0), -EINVAL); /* wraps */
	assert_int_equal(vm->nr_regions, 0);
}

/* Overlaps are refused; gmem.h lists only -EINVAL and -ENOSPC, the code returns -EEXIST. */
static void test_add_region_refuses_overlap(void **state)
{
	(void)state;
	add_ram();
	assert_int_equal(gmem_add_region(vm, RAM_GPA, 0x1000, 0x80000000), -EEXIST);
	assert_int_equal(gmem_add_region(vm, RAM_GPA + RAM_SIZE - 0x1000, 0x2000, 0x80000000), -EEXIST);
	assert_int_equal(gmem_add_region(vm, RAM_GPA - 0x1000, 0x2000, 0x80000000), -EEXIST);
	assert_int_equal(gmem_add_region(vm, 0, 0x10000000, 0x80000000), -EEXIST);
	/* Touching is not overlapping. */
	assert_int_equal(gmem_add_region(vm, RAM_GPA - 0x1000, 0x1000, 0x80000000), 0);
	assert_int_equal(gmem_add_region(vm, RAM_GPA + RAM_SIZE, 0x1000, 0x80001000), 0);
	assert_int_equal(vm->nr_regions, 3);
}

static void test_add_region_refuses_too_many(void **state)
{
	(void)state;
	for (uint64_t i = 0; i < VM_MAX_REGIONS; i++)
		assert_int_equal(gmem_add_region(vm, i * 0x10000, 0x1000, 0x80000000 + i * 0x1000), 0);
	assert_int_equal(gmem_add_region(vm, 0x1000000, 0x1000, 0x90000000), -ENOSPC);
	assert_int_equal(vm->nr_regions, VM_MAX_REGIONS);
}

/* ---- gpa_map_checked ---------------------------------------------------------- */

static void test_map_first_and_last_byte(void **state)
{
	(void)state;
	add_ram();
	assert_ptr_equal(gpa_map_checked(vm, RAM_GPA, 1), ram);
	assert_ptr_equal(gpa_map_checked(vm, RAM_GPA + RAM_SIZE - 1, 1), ram + RAM_SIZE - 1);
	assert_ptr_equal(gpa_map_checked(vm, RAM_GPA, RAM_SIZE), ram);
	assert_ptr_equal(gpa_map_checked(vm, RAM_GPA + 0x1234, 0x100), ram + 0x1234);
}

static void test_map_outside_is_null(void **state)
{
	(void)state;
	add_ram();
	assert_null(gpa_map_checked(vm, RAM_GPA + RAM_SIZE, 1));     /* one past the end */
	assert_null(gpa_map_checked(vm, RAM_GPA - 1, 1));            /* one before */
	assert_null(gpa_map_checked(vm, RAM_GPA - 1, 2));            /* straddles the start */
	assert_null(gpa_map_checked(vm, RAM_GPA + RAM_SIZE - 4, 8)); /* crosses the end */
	assert_null(gpa_map_checked(vm, RAM_GPA, RAM_SIZE + 1));
	assert_null(gpa_map_checked(vm, 0, 1));
}

static void test_map_huge_lengths(void **state)
{
	(void)state;
	add_ram();
	assert_null(gpa_map_checked(vm, RAM_GPA, SIZE_MAX));
	assert_null(gpa_map_checked(vm, RAM_GPA + 0x10, SIZE_MAX - 0x8));
	/* gpa + len wraps to just inside the region: must not be mistaken for a fit. */
	assert_null(gpa_map_checked(vm, RAM_GPA + 0x10, (size_t)(0 - 0x8)));
	assert_null(gpa_map_checked(vm, TOP, 1));
	assert_null(gpa_map_checked(vm, TOP - 0xf, 0x20)); /* wraps to 0x10 */
}

static void test_map_region_near_top_of_address_space(void **state)
{
	const uint64_t gpa = 0xffffffffffffe000ull; /* [2^64 - 8 KiB, 2^64 - 4 KiB) */

	(void)state;
	assert_int_equal(gmem_add_region(vm, gpa, 0x1000, hpa_of(ram)), 0);
	assert_ptr_equal(gpa_map_checked(vm, gpa, 0x1000), ram);
	assert_ptr_equal(gpa_map_checked(vm, gpa + 0xfff, 1), ram + 0xfff);
	assert_null(gpa_map_checked(vm, gpa + 0xfff, 2));
	assert_null(gpa_map_checked(vm, gpa + 0x1000, 1));
	assert_null(gpa_map_checked(vm, gpa + 0x800, SIZE_MAX));
	assert_null(gpa_map_checked(vm, TOP, 1));
	assert_null(gpa_map_checked(vm, TOP, 0x3000)); /* wraps past zero */
}

static void test_map_never_spans_two_regions(void **state)
{
	(void)state;
	/* Two touching regions backed by one host buffer: still two regions, no joint access. */
	assert_int_equal(gmem_add_region(vm, RAM_GPA, 0x2000, hpa_of(ram)), 0);
	assert_int_equal(gmem_add_region(vm, RAM_GPA + 0x2000, 0x2000, hpa_of(ram) + 0x2000), 0);
	assert_ptr_equal(gpa_map_checked(vm, RAM_GPA + 0x1ff0, 0x10), ram + 0x1ff0);
	assert_ptr_equal(gpa_map_checked(vm, RAM_GPA + 0x2000, 0x10), ram + 0x2000);
	assert_null(gpa_map_checked(vm, RAM_GPA + 0x1ff0, 0x20));
}

static void test_map_picks_the_right_region(void **state)
{
	(void)state;
	assert_int_equal(gmem_add_region(vm, 0x0, 0x2000, hpa_of(ram) + 0x2000), 0);
	assert_int_equal(gmem_add_region(vm, 0x40000000, 0x2000, hpa_of(ram)), 0);
	assert_ptr_equal(gpa_map_checked(vm, 0x1000, 4), ram + 0x3000);
	assert_ptr_equal(gpa_map_checked(vm, 0x40001000, 4), ram + 0x1000);
	assert_null(gpa_map_checked(vm, 0x2000, 1));
}

/* ---- gpa_read / gpa_write ------------------------------------------------------ */

static void test_write_then_read(void **state)
{
	const char msg[] = "hello, guest";
	char back[sizeof(msg)];

	(void)state;
	add_ram();
	assert_int_equal(gpa_write(vm, RAM_GPA + 0x1ffa, msg, sizeof(msg)), 0);
	assert_memory_equal(ram + 0x1ffa, msg, sizeof(msg)); /* crosses a page inside the region */
	assert_int_equal(ram[0x1ff9], (uint8_t)(0x1ff9 * 7 + 1)); /* neighbours untouched */
	assert_int_equal(ram[0x1ffa + sizeof(msg)], (uint8_t)((0x1ffa + sizeof(msg)) * 7 + 1));
	memset(back, 0, sizeof(back));
	assert_int_equal(gpa_read(vm, RAM_GPA + 0x1ffa, back, sizeof(back)), 0);
	assert_memory_equal(back, msg, sizeof(msg));
}

static void test_read_gets_host_bytes(void **state)
{
	uint8_t b[4];

	(void)state;
	add_ram();
	assert_int_equal(gpa_read(vm, RAM_GPA + RAM_SIZE - 4, b, 4), 0);
	for (unsigned i = 0; i < 4; i++)
		assert_int_equal(b[i], (uint8_t)((RAM_SIZE - 4 + i) * 7 + 1));
}

static void test_read_write_outside_fault(void **state)
{
	uint8_t b[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	uint8_t copy[8];

	(void)state;
	add_ram();
	memcpy(copy, ram + RAM_SIZE - 4, 4);
	assert_int_equal(gpa_write(vm, RAM_GPA + RAM_SIZE - 4, b, 8), -EFAULT);
	assert_memory_equal(ram + RAM_SIZE - 4, copy, 4); /* nothing partially written */
	assert_int_equal(gpa_read(vm, RAM_GPA + RAM_SIZE, b, 1), -EFAULT);
	assert_int_equal(b[0], 1); /* destination untouched */
	assert_int_equal(gpa_read(vm, 0, b, 1), -EFAULT);
	assert_int_equal(gpa_write(vm, TOP, b, 2), -EFAULT);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_add_region_and_size),
		T(test_add_region_refuses_unaligned_and_empty),
		T(test_add_region_refuses_overlap),
		T(test_add_region_refuses_too_many),
		T(test_map_first_and_last_byte),
		T(test_map_outside_is_null),
		T(test_map_huge_lengths),
		T(test_map_region_near_top_of_address_space),
		T(test_map_never_spans_two_regions),
		T(test_map_picks_the_right_region),
		T(test_write_then_read),
		T(test_read_gets_host_bytes),
		T(test_read_write_outside_fault),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
