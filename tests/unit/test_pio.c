/* SPDX-License-Identifier: MIT */
/* Unit tests for kernel/pio.c's port ranges: registration in any order, lookup by bisection, removal. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "kernel/cr_access.h"
#include "kernel/errno.h"
#include "kernel/pio.h"
#include "kernel/vm.h"

/* ---- doubles for what the IO exit handler calls (not exercised here) ---- */
void vcpu_finish_insn(struct vcpu *vcpu, const struct vm_exit *exit, uint64_t dr6_bits)
{
	(void)vcpu, (void)exit, (void)dr6_bits;
}

uint64_t vcpu_io_breakpoints(struct vcpu *vcpu, uint16_t port, uint8_t size)
{
	(void)vcpu, (void)port, (void)size;
	return 0;
}

enum exit_action exit_handle_string_io(struct vcpu *vcpu, const struct vm_exit *exit)
{
	(void)vcpu, (void)exit;
	return EXIT_RESUME;
}

static int dev_a, dev_b, dev_c;

static int handler(struct vcpu *vcpu, void *dev, uint16_t port, uint8_t size, bool in, uint32_t *value)
{
	(void)vcpu, (void)dev, (void)port, (void)size, (void)in, (void)value;
	return 0;
}

static const void *owner(const struct vm *vm, uint16_t port)
{
	const struct pio_range *r = vm_find_pio(vm, port);

	return r ? r->dev : NULL;
}

/* Every port of 0..0xffff, against a plain scan of the registered ranges. */
static void check_all_ports(const struct vm *vm, const uint16_t (*ranges)[2], const void **devs, unsigned n)
{
	for (uint32_t port = 0; port <= 0xffff; port++) {
		const void *want = NULL;

		for (unsigned i = 0; i < n; i++)
			if (port >= ranges[i][0] && port < (uint32_t)ranges[i][0] + ranges[i][1])
				want = devs[i];
		assert_ptr_equal(owner(vm, (uint16_t)port), want);
	}
}

static void test_lookup_any_registration_order(void **state)
{
	static struct vm vm;
	const uint16_t ranges[][2] = { { 0x3f8, 8 }, { 0x20, 2 }, { 0xcf8, 1 }, { 0xffff, 1 }, { 0, 1 }, { 0xcfc, 4 } };
	const void *devs[] = { &dev_a, &dev_b, &dev_c, &dev_a, &dev_b, &dev_c };

	(void)state;
	memset(&vm, 0, sizeof(vm));
	assert_ptr_equal(owner(&vm, 0x3f8), NULL);
	for (unsigned i = 0; i < 6; i++)
		assert_int_equal(vm_register_pio(&vm, ranges[i][0], ranges[i][1], handler, (void *)devs[i]), 0);
	for (unsigned i = 1; i < vm.nr_pio; i++)
		assert_true(vm.pio[i - 1].base < vm.pio[i].base);
	check_all_ports(&vm, ranges, devs, 6);
}

static void test_refusals_keep_the_table(void **state)
{
	static struct vm vm;

	(void)state;
	memset(&vm, 0, sizeof(vm));
	assert_int_equal(vm_register_pio(&vm, 0x40, 4, handler, &dev_a), 0);
	assert_int_equal(vm_register_pio(&vm, 0x43, 2, handler, &dev_b), -EEXIST);
	assert_int_equal(vm_register_pio(&vm, 0x3e, 3, handler, &dev_b), -EEXIST);
	assert_int_equal(vm_register_pio(&vm, 0xfff0, 0x11, handler, &dev_b), -EINVAL);
	assert_int_equal(vm_register_pio(&vm, 0x10, 0, handler, &dev_b), -EINVAL);
	for (unsigned i = 1; i < VM_MAX_PIO; i++)
		assert_int_equal(vm_register_pio(&vm, (uint16_t)(0x1000 - 4 * i), 2, handler, &dev_c), 0);
	assert_int_equal(vm_register_pio(&vm, 0x2000, 1, handler, &dev_c), -ENOSPC);
	assert_ptr_equal(owner(&vm, 0x43), &dev_a);
	assert_ptr_equal(owner(&vm, 0x44), NULL);
	assert_ptr_equal(owner(&vm, 0x0ffc), &dev_c);
	assert_ptr_equal(owner(&vm, 0x0ffe), NULL);
}

static void test_unregister_keeps_order(void **state)
{
	static struct vm vm;
	const uint16_t ranges[][2] = { { 0x60, 1 }, { 0x64, 1 }, { 0x70, 2 } };
	const void *devs[] = { &dev_a, &dev_b, &dev_c };

	(void)state;
	memset(&vm, 0, sizeof(vm));
	assert_int_equal(vm_register_pio(&vm, 0x70, 2, handler, &dev_c), 0);
	assert_int_equal(vm_register_pio(&vm, 0x64, 1, handler, &dev_b), 0);
	assert_int_equal(vm_register_pio(&vm, 0x80, 1, handler, &dev_a), 0);
	assert_int_equal(vm_register_pio(&vm, 0x60, 1, handler, &dev_a), 0);
	assert_int_equal(vm_unregister_pio(&vm, 0x80, &dev_b), -ENOENT);
	assert_int_equal(vm_unregister_pio(&vm, 0x80, &dev_a), 0);
	assert_int_equal(vm.nr_pio, 3);
	check_all_ports(&vm, ranges, devs, 3);
	assert_int_equal(vm_unregister_pio(&vm, 0x64, &dev_b), 0);
	{
		const uint16_t left[][2] = { { 0x60, 1 }, { 0x70, 2 } };
		const void *left_devs[] = { &dev_a, &dev_c };

		check_all_ports(&vm, left, left_devs, 2);
	}
}

static const void *last_dev;

static int record(struct vcpu *vcpu, void *dev, uint16_t port, uint8_t size, bool in, uint32_t *value)
{
	(void)vcpu, (void)port, (void)size, (void)in, (void)value;
	last_dev = dev;
	return 0;
}

/* The device pio_access reaches for port, or NULL when none claims it. */
static const void *reached(struct vcpu *v, uint16_t port)
{
	uint32_t value = 0;

	last_dev = NULL;
	pio_access(v, port, 1, false, &value);
	return last_dev;
}

/* pio_access tries the range it found last first: ranges moved or removed since must not fool it. */
static void test_last_hit_survives_table_changes(void **state)
{
	static struct vm vm;
	static struct vcpu vcpu;

	(void)state;
	memset(&vm, 0, sizeof(vm));
	vcpu.vm = &vm;
	assert_int_equal(vm_register_pio(&vm, 0x60, 1, record, &dev_a), 0);
	assert_int_equal(vm_register_pio(&vm, 0x70, 2, record, &dev_b), 0);
	assert_ptr_equal(reached(&vcpu, 0x71), &dev_b);
	assert_ptr_equal(reached(&vcpu, 0x71), &dev_b); /* the hint hits */
	assert_int_equal(vm_register_pio(&vm, 0x64, 1, record, &dev_c), 0); /* 0x70 moves up one slot */
	assert_ptr_equal(reached(&vcpu, 0x64), &dev_c);
	assert_ptr_equal(reached(&vcpu, 0x70), &dev_b);
	assert_int_equal(vm_unregister_pio(&vm, 0x70, &dev_b), 0); /* the hint now names no range */
	assert_ptr_equal(reached(&vcpu, 0x70), NULL);
	assert_int_equal(vm.stats.unclaimed_pio_writes, 1);
	assert_ptr_equal(reached(&vcpu, 0x60), &dev_a);
	assert_int_equal(vm_unregister_pio(&vm, 0x60, &dev_a), 0); /* 0x64 slides into the hint's slot */
	assert_ptr_equal(reached(&vcpu, 0x60), NULL);
	assert_ptr_equal(reached(&vcpu, 0x64), &dev_c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lookup_any_registration_order),
		cmocka_unit_test(test_refusals_keep_the_table),
		cmocka_unit_test(test_unregister_keeps_order),
		cmocka_unit_test(test_last_hit_survives_table_changes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
