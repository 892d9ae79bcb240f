/* SPDX-License-Identifier: MIT */
/* Unit tests for drivers/pc/vcmos.c: CMOS RAM, status registers and the BCD clock, driven through port I/O. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "drivers/pc/vdevices.h"
#include "kernel/clock.h"
#include "kernel/errno.h"
#include "kernel/vm.h"

#define NS 1000000000ull

/* ---- doubles: vm_register_pio records the handler, clock_ns returns a settable time ---- */

struct registration {
	struct vm *vm;
	uint16_t base, count;
	pio_fn handler;
	void *dev;
};

static struct registration regs[VM_MAX + 4];
static unsigned nregs;
static uint64_t now_ns;

int vm_register_pio(struct vm *vm, uint16_t base, uint16_t count, pio_fn handler, void *dev)
{
	assert_true(nregs < sizeof(regs) / sizeof(regs[0]));
	regs[nregs++] = (struct registration){ vm, base, count, handler, dev };
	return 0;
}

uint64_t clock_ns(void)
{
	return now_ns;
}

/* ---- a VM with the device attached, and port helpers ---------------------------- */

struct tvm {
	struct vm vm;
	const struct registration *reg;
};

static struct tvm *attach_vm(void)
{
	struct tvm *t = calloc(1, sizeof(*t));
	unsigned before = nregs;

	assert_non_null(t);
	assert_int_equal(vcmos_attach(&t->vm), 0);
	assert_int_equal(nregs, before + 1);
	t->reg = &regs[before];
	assert_ptr_equal(t->reg->vm, &t->vm);
	assert_non_null(t->reg->handler);
	return t;
}

static void out8(struct tvm *t, uint16_t port, uint8_t v)
{
	uint32_t value = v;

	assert_int_equal(t->reg->handler(NULL, t->reg->dev, port, 1, false, &value), 0);
}

static uint8_t in8(struct tvm *t, uint16_t port)
{
	uint32_t value = 0xdeadbeef;

	assert_int_equal(t->reg->handler(NULL, t->reg->dev, port, 1, true, &value), 0);
	assert_true(value <= 0xff);
	return (uint8_t)value;
}

static uint8_t cmos_get(struct tvm *t, uint8_t reg)
{
	out8(t, 0x70, reg);
	return in8(t, 0x71);
}

static void cmos_set(struct tvm *t, uint8_t reg, uint8_t v)
{
	out8(t, 0x70, reg);
	out8(t, 0x71, v);
}

static struct tvm *tvm;

static int setup(void **state)
{
	(void)state;
	now_ns = 0;
	tvm = attach_vm();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	free(tvm);
	return 0;
}

static void set_boot(uint16_t y, uint8_t mo, uint8_t d, uint8_t h, uint8_t mi, uint8_t s)
{
	const struct wallclock wc = { y, mo, d, h, mi, s };

	vcmos_set_boot_time(&wc);
}

/* Checks the clock registers against a date written out in BCD. */
static void expect_rtc(uint8_t cent, uint8_t yr, uint8_t mo, uint8_t d, uint8_t h, uint8_t mi, uint8_t s)
{
	assert_int_equal(cmos_get(tvm, 0x00), s);
	assert_int_equal(cmos_get(tvm, 0x02), mi);
	assert_int_equal(cmos_get(tvm, 0x04), h);
	assert_int_equal(cmos_get(tvm, 0x07), d);
	assert_int_equal(cmos_get(tvm, 0x08), mo);
	assert_int_equal(cmos_get(tvm, 0x09), yr);
	assert_int_equal(cmos_get(tvm, 0x32), cent);
}

/* ---- tests ---------------------------------------------------------------------- */

static void test_attach_registers_ports_70_71(void **state)
{
	(void)state;
	assert_int_equal(tvm->reg->base, 0x70);
	assert_int_equal(tvm->reg->count, 2);
	assert_ptr_equal(tvm->vm.cmos, tvm->reg->dev);
}

static void test_ram_and_alarm_write_read(void **state)
{
	(void)state;
	assert_int_equal(cmos_get(tvm, 0x40), 0); /* fresh RAM is zero */
	cmos_set(tvm, 0x40, 0x5a);
	cmos_set(tvm, 0x7f, 0xa5);
	cmos_set(tvm, 0x0e, 0x11);
	assert_int_equal(cmos_get(tvm, 0x40), 0x5a);
	assert_int_equal(cmos_get(tvm, 0x7f), 0xa5);
	assert_int_equal(cmos_get(tvm, 0x0e), 0x11);
	assert_int_equal(cmos_get(tvm, 0x41), 0);
	/* The alarm registers 1, 3 and 5 are plain storage. */
	cmos_set(tvm, 0x01, 0x30);
	cmos_set(tvm, 0x03, 0x15);
	cmos_set(tvm, 0x05, 0x07);
	assert_int_equal(cmos_get(tvm, 0x01), 0x30);
	assert_int_equal(cmos_get(tvm, 0x03), 0x15);
	assert_int_equal(cmos_get(tvm, 0x05), 0x07);
}

static void test_index_port(void **state)
{
	(void)state;
	cmos_set(tvm, 0x80 | 0x40, 0x77);
	assert_int_equal(cmos_get(tvm, 0x40), 0x77);
	assert_int_equal(cmos_get(tvm, 0x80 | 0x40), 0x77);
	assert_int_equal(cmos_get(tvm, 0x80 | 0x0d), 0x80);
	/* The index register is write-only. */
	out8(tvm, 0x70, 0x40);
	assert_int_equal(in8(tvm, 0x70), 0xff);
}

static void test_status_registers(void **state)
{
	(void)state;
	assert_int_equal(cmos_get(tvm, 0x0a), 0x26); /* 32.768 kHz, 1024 Hz, UIP clear */
	assert_int_equal(cmos_get(tvm, 0x0b), 0x02); /* 24-hour, BCD, no interrupts */
	assert_int_equal(cmos_get(tvm, 0x0c), 0x00);
	assert_int_equal(cmos_get(tvm, 0x0d), 0x80); /* battery good */
}

static void test_status_writes_ignored(void **state)
{
	(void)state;
	cmos_set(tvm, 0x0b, 0x06); /* binary mode: not supported, stays BCD */
	cmos_set(tvm, 0x0a, 0x00);
	cmos_set(tvm, 0x0d, 0x00);
	assert_int_equal(cmos_get(tvm, 0x0b), 0x02);
	assert_int_equal(cmos_get(tvm, 0x0a), 0x26);
	assert_int_equal(cmos_get(tvm, 0x0d), 0x80);
}

static void test_clock_across_midnight(void **state)
{
	(void)state;
	set_boot(2026, 11, 23, 23, 59, 58);
	expect_rtc(0x20, 0x26, 0x11, 0x23, 0x23, 0x59, 0x58);
	now_ns = 3 * NS;
	expect_rtc(0x20, 0x26, 0x11, 0x24, 0x00, 0x00, 0x01);
	assert_int_equal(cmos_get(tvm, 0x06), 3); /* Tuesday, with Sunday = 1 */
}

static void test_clock_ignores_partial_seconds(void **state)
{
	(void)state;
	set_boot(2026, 1, 2, 3, 4, 5);
	now_ns = NS - 1;
	assert_int_equal(cmos_get(tvm, 0x00), 0x05);
	now_ns = 59 * NS + NS / 2;
	expect_rtc(0x20, 0x26, 0x01, 0x02, 0x03, 0x05, 0x04);
}

static void test_leap_day(void **state)
{
	(void)state;
	set_boot(2024, 2, 28, 23, 59, 59);
	now_ns = NS;
	expect_rtc(0x20, 0x24, 0x02, 0x29, 0x00, 0x00, 0x00);
	assert_int_equal(cmos_get(tvm, 0x06), 5); /* Thursday */
	now_ns = NS + 86400 * NS;
	expect_rtc(0x20, 0x24, 0x03, 0x01, 0x00, 0x00, 0x00);
}

static void test_no_leap_day_in_common_years(void **state)
{
	(void)state;
	set_boot(2023, 2, 28, 23, 59, 59);
	now_ns = NS;
	expect_rtc(0x20, 0x23, 0x03, 0x01, 0x00, 0x00, 0x00);
	set_boot(2100, 2, 28, 12, 0, 0); /* divisible by 100, not by 400 */
	now_ns = 86400 * NS;
	expect_rtc(0x21, 0x00, 0x03, 0x01, 0x12, 0x00, 0x00);
	set_boot(2000, 2, 28, 12, 0, 0); /* divisible by 400 */
	expect_rtc(0x20, 0x00, 0x02, 0x29, 0x12, 0x00, 0x00);
}

static void test_century_rollover(void **state)
{
	(void)state;
	set_boot(1999, 12, 31, 23, 59, 59);
	expect_rtc(0x19, 0x99, 0x12, 0x31, 0x23, 0x59, 0x59);
	now_ns = NS;
	expect_rtc(0x20, 0x00, 0x01, 0x01, 0x00, 0x00, 0x00);
	assert_int_equal(cmos_get(tvm, 0x06), 7); /* Saturday */
}

static void test_long_uptime(void **state)
{
	(void)state;
	set_boot(2026, 11, 23, 10, 20, 30);
	now_ns = 400ull * 86400 * NS + 3600 * NS;
	expect_rtc(0x20, 0x27, 0x12, 0x28, 0x11, 0x20, 0x30);
}

static void test_time_register_writes_ignored(void **state)
{
	static const uint8_t clock_regs[] = { 0x00, 0x02, 0x04, 0x06, 0x07, 0x08, 0x09, 0x32 };

	(void)state;
	set_boot(2026, 11, 23, 23, 59, 58);
	for (size_t i = 0; i < sizeof(clock_regs); i++)
		cmos_set(tvm, clock_regs[i], 0x42);
	expect_rtc(0x20, 0x26, 0x11, 0x23, 0x23, 0x59, 0x58);
}

static void test_two_vms_have_separate_ram(void **state)
{
	struct tvm *other = attach_vm();

	(void)state;
	assert_ptr_not_equal(other->reg->dev, tvm->reg->dev);
	cmos_set(tvm, 0x40, 0x11);
	cmos_set(other, 0x40, 0x22);
	out8(tvm, 0x70, 0x50); /* each VM has its own index too */
	out8(other, 0x70, 0x40);
	out8(tvm, 0x71, 0x33);
	assert_int_equal(in8(other, 0x71), 0x22);
	assert_int_equal(cmos_get(tvm, 0x40), 0x11);
	assert_int_equal(cmos_get(tvm, 0x50), 0x33);
	assert_int_equal(cmos_get(other, 0x50), 0x00);
	free(other);
}

/* Runs last: the device pool holds one CMOS per possible VM, then attach fails cleanly. */
static void test_attach_refused_when_pool_is_full(void **state)
{
	struct vm *v = calloc(1, sizeof(*v));
	int rc;

	(void)state;
	assert_non_null(v);
	while ((rc = vcmos_attach(v)) == 0)
		assert_true(nregs <= VM_MAX);
	assert_int_equal(rc, -ENOSPC);
	assert_int_equal(nregs, VM_MAX);
	free(v);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_attach_registers_ports_70_71),
		T(test_ram_and_alarm_write_read),
		T(test_index_port),
		T(test_status_registers),
		T(test_status_writes_ignored),
		T(test_clock_across_midnight),
		T(test_clock_ignores_partial_seconds),
		T(test_leap_day),
		T(test_no_leap_day_in_common_years),
		T(test_century_rollover),
		T(test_long_uptime),
		T(test_time_register_writes_ignored),
		T(test_two_vms_have_separate_ram),
		cmocka_unit_test(test_attach_refused_when_pool_is_full),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
