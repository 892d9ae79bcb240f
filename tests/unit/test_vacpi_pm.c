/* SPDX-License-Identifier: MIT */
/* Unit tests for drivers/pc/vacpi_pm.c: PM1a status/enable/control, the SCI line, S5, the PM timer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "drivers/pc/vacpi_pm.h"

#define EPOCH 1000000000ull /* the VM was created 1 s after the hypervisor's clock started */
#define S (1000000000ull)

static struct vacpi_pm pm;
static int sci_level = -1, sci_changes, sleeps;
static unsigned last_slp_typ;

static void set_sci(void *ctx, bool level)
{
	assert_ptr_equal(ctx, &pm);
	sci_level = level;
	sci_changes++;
}

static void do_sleep(void *ctx, unsigned slp_typ)
{
	assert_ptr_equal(ctx, &pm);
	sleeps++;
	last_slp_typ = slp_typ;
}

static const struct vacpi_pm_ops ops = { .set_sci = set_sci, .sleep = do_sleep };

static int setup(void **state)
{
	(void)state;
	sci_level = -1;
	sci_changes = sleeps = 0;
	last_slp_typ = 99;
	vacpi_pm_init(&pm, &ops, &pm, EPOCH);
	return 0;
}

static uint32_t rd(unsigned off, unsigned size, uint64_t now)
{
	uint32_t v = 0x5a5a5a5a;

	vacpi_pm_io(&pm, off, size, true, &v, now);
	return v;
}

static void wr(unsigned off, unsigned size, uint32_t v, uint64_t now)
{
	vacpi_pm_io(&pm, off, size, false, &v, now);
}

static void test_reset_state(void **state)
{
	(void)state;
	assert_int_equal(rd(VACPI_PM1_STS, 2, EPOCH), 0);
	assert_int_equal(rd(VACPI_PM1_EN, 2, EPOCH), 0);
	assert_int_equal(rd(VACPI_PM1_CNT, 2, EPOCH), VACPI_PM1_SCI_EN); /* ACPI mode, always */
	assert_int_equal(rd(VACPI_PM_TMR, 4, EPOCH), 0);
	assert_int_equal(sci_changes, 0);
}

/* SCI_EN cannot be cleared, GBL_RLS and SLP_EN read back as 0, SLP_TYP and BM_RLD stick. */
static void test_control_bits(void **state)
{
	(void)state;
	wr(VACPI_PM1_CNT, 2, 0, EPOCH);
	assert_int_equal(rd(VACPI_PM1_CNT, 2, EPOCH), VACPI_PM1_SCI_EN);
	wr(VACPI_PM1_CNT, 2, VACPI_PM1_BM_RLD | VACPI_PM1_GBL_RLS | (3u << VACPI_PM1_SLP_TYP_SHIFT) | 0x1f8, EPOCH);
	assert_int_equal(rd(VACPI_PM1_CNT, 2, EPOCH),
			 VACPI_PM1_SCI_EN | VACPI_PM1_BM_RLD | (3u << VACPI_PM1_SLP_TYP_SHIFT));
	assert_int_equal(sleeps, 0);
}

static void test_s5_word_write(void **state)
{
	(void)state;
	wr(VACPI_PM1_CNT, 2, (VACPI_SLP_TYP_S5 << VACPI_PM1_SLP_TYP_SHIFT) | VACPI_PM1_SLP_EN, EPOCH);
	assert_int_equal(sleeps, 1);
	assert_int_equal(last_slp_typ, VACPI_SLP_TYP_S5);
	assert_int_equal(rd(VACPI_PM1_CNT, 2, EPOCH) & VACPI_PM1_SLP_EN, 0);
}

/* The high byte alone carries SLP_TYP and SLP_EN: a byte write there sleeps too. */
static void test_s5_byte_write(void **state)
{
	(void)state;
	wr(VACPI_PM1_CNT + 1, 1, ((VACPI_SLP_TYP_S5 << VACPI_PM1_SLP_TYP_SHIFT) | VACPI_PM1_SLP_EN) >> 8, EPOCH);
	assert_int_equal(sleeps, 1);
	assert_int_equal(last_slp_typ, VACPI_SLP_TYP_S5);
	wr(VACPI_PM1_CNT + 1, 1, (2u << (VACPI_PM1_SLP_TYP_SHIFT - 8)) | (VACPI_PM1_SLP_EN >> 8), EPOCH);
	assert_int_equal(sleeps, 2);
	assert_int_equal(last_slp_typ, 2); /* reported; the glue ignores types no \_Sx names */
	/* A dword write of all ones to the event block covers 0x0-0x3 only, never the control register. */
	wr(VACPI_PM1_STS, 4, 0xffffffffu, EPOCH);
	assert_int_equal(sleeps, 2);
}

static void test_power_button_sci(void **state)
{
	(void)state;
	vacpi_pm_power_button(&pm, EPOCH); /* not enabled: status only, no SCI */
	assert_int_equal(rd(VACPI_PM1_STS, 2, EPOCH), VACPI_PM1_PWRBTN);
	assert_int_equal(sci_changes, 0);
	wr(VACPI_PM1_EN, 2, VACPI_PM1_PWRBTN, EPOCH); /* enabling with status set raises it */
	assert_int_equal(sci_level, 1);
	wr(VACPI_PM1_STS, 2, VACPI_PM1_TMR, EPOCH); /* clearing another bit changes nothing */
	assert_int_equal(sci_level, 1);
	assert_int_equal(rd(VACPI_PM1_STS, 2, EPOCH), VACPI_PM1_PWRBTN);
	wr(VACPI_PM1_STS + 1, 1, VACPI_PM1_PWRBTN >> 8, EPOCH); /* write 1 to clear, byte-wide */
	assert_int_equal(sci_level, 0);
	assert_int_equal(rd(VACPI_PM1_STS, 2, EPOCH), 0);
	vacpi_pm_power_button(&pm, EPOCH);
	assert_int_equal(sci_level, 1);
	wr(VACPI_PM1_EN, 2, 0, EPOCH); /* masking drops the line, status stays */
	assert_int_equal(sci_level, 0);
	assert_int_equal(rd(VACPI_PM1_STS, 2, EPOCH), VACPI_PM1_PWRBTN);
	assert_int_equal(sci_changes, 4);
}

/* Reserved enable bits read 0; a dword read of the event block gives status | enable << 16. */
static void test_enable_mask_and_dword(void **state)
{
	(void)state;
	wr(VACPI_PM1_EN, 2, 0xffff, EPOCH);
	assert_int_equal(rd(VACPI_PM1_EN, 2, EPOCH), VACPI_PM1_TMR | VACPI_PM1_GBL | VACPI_PM1_PWRBTN | VACPI_PM1_RTC);
	vacpi_pm_power_button(&pm, EPOCH);
	assert_int_equal(rd(VACPI_PM1_STS, 4, EPOCH),
			 VACPI_PM1_PWRBTN |
				 (uint32_t)(VACPI_PM1_TMR | VACPI_PM1_GBL | VACPI_PM1_PWRBTN | VACPI_PM1_RTC) << 16);
}

static void test_holes_and_edges(void **state)
{
	(void)state;
	assert_int_equal(rd(0x6, 2, EPOCH), 0xffff);
	assert_int_equal(rd(0xc, 4, EPOCH), 0xffffffffu);
	assert_int_equal(rd(0xf, 1, EPOCH), 0xff);
	/* 0x5-0x8: the control register's high byte, the hole, the timer's low byte. */
	assert_int_equal(rd(0x5, 4, EPOCH + S), (uint32_t)(3579545u & 0xff) << 24 | 0x00ffff00u);
	/* Past the block: bytes 0x10+ are someone else's, so all ones. */
	assert_int_equal(rd(0xe, 4, EPOCH), 0xffffffffu);
	wr(0x6, 2, 0xffff, EPOCH);
	wr(VACPI_PM_TMR, 4, 0x12345678, EPOCH); /* read-only */
	assert_int_equal(rd(VACPI_PM_TMR, 4, EPOCH), 0);
	assert_int_equal(rd(VACPI_PM1_CNT, 2, EPOCH), VACPI_PM1_SCI_EN);
	assert_int_equal(rd(VACPI_PM1_EN, 2, EPOCH), 0);
}

static void test_timer_rate_and_wrap(void **state)
{
	uint64_t wrap_ns;

	(void)state;
	assert_int_equal(vacpi_pm_timer(&pm, EPOCH - 5), 0); /* before the VM existed */
	assert_int_equal(vacpi_pm_timer(&pm, EPOCH + S), 3579545u);
	assert_int_equal(vacpi_pm_timer(&pm, EPOCH + S / 1000), 3579u);
	assert_int_equal(rd(VACPI_PM_TMR, 4, EPOCH + 10 * S), 35795450u);
	assert_int_equal(rd(VACPI_PM_TMR + 2, 2, EPOCH + 10 * S), 35795450u >> 16);
	/* 2^32 ticks = 1199.86 s: the count wraps to small values. */
	wrap_ns = (1ull << 32) * S / 3579545 + 1;
	assert_true(vacpi_pm_timer(&pm, EPOCH + wrap_ns - 1000) > 0xfffff000u);
	assert_true(vacpi_pm_timer(&pm, EPOCH + wrap_ns + 1000) < 0x1000u);
	/* A day later, still exact (no 64-bit overflow in the conversion). */
	assert_int_equal(vacpi_pm_timer(&pm, EPOCH + 86400 * S), (uint32_t)(86400ull * 3579545u));
	assert_int_equal(vacpi_pm_timer(&pm, EPOCH + 3650 * 86400 * S), (uint32_t)(3650ull * 86400 * 3579545u));
}

/* TMR_STS rises each time bit 31 flips; with TMR_EN the SCI follows, and poll says when. */
static void test_timer_status_and_poll(void **state)
{
	uint64_t half = (1ull << 31) * S / 3579545; /* ~599.9 s */
	uint64_t next;

	(void)state;
	assert_int_equal(vacpi_pm_poll(&pm, EPOCH), UINT64_MAX); /* TMR_EN off: nothing armed */
	wr(VACPI_PM1_EN, 2, VACPI_PM1_TMR, EPOCH);
	next = vacpi_pm_poll(&pm, EPOCH);
	assert_true(next > EPOCH + half && next <= EPOCH + half + 2);
	assert_int_equal(vacpi_pm_timer(&pm, next) >> 31, 1);
	assert_int_equal(vacpi_pm_timer(&pm, next - 1) >> 31, 0);
	assert_int_equal(vacpi_pm_poll(&pm, next - 1), next);
	assert_int_equal(sci_changes, 0);
	assert_int_equal(vacpi_pm_poll(&pm, next), UINT64_MAX); /* status set: nothing more to arm */
	assert_int_equal(sci_level, 1);
	assert_int_equal(rd(VACPI_PM1_STS, 2, next), VACPI_PM1_TMR);
	wr(VACPI_PM1_STS, 2, VACPI_PM1_TMR, next);
	assert_int_equal(sci_level, 0);
	next = vacpi_pm_poll(&pm, next);
	assert_true(next > EPOCH + 2 * half && next <= EPOCH + 2 * half + 2);
	/* Without polling, a read much later still sees the flip (status derived on access). */
	wr(VACPI_PM1_EN, 2, 0, next);
	assert_int_equal(rd(VACPI_PM1_STS, 2, EPOCH + 3 * half), VACPI_PM1_TMR);
}

static void test_odd_sizes(void **state)
{
	(void)state;
	/* pio only passes 1, 2 and 4; anything else is treated as a byte and cannot overrun. */
	assert_int_equal(rd(VACPI_PM1_CNT, 3, EPOCH), VACPI_PM1_SCI_EN);
	wr(VACPI_PM1_CNT, 0, 0xffffffffu, EPOCH);
	assert_int_equal(sleeps, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_reset_state, setup),
		cmocka_unit_test_setup(test_control_bits, setup),
		cmocka_unit_test_setup(test_s5_word_write, setup),
		cmocka_unit_test_setup(test_s5_byte_write, setup),
		cmocka_unit_test_setup(test_power_button_sci, setup),
		cmocka_unit_test_setup(test_enable_mask_and_dword, setup),
		cmocka_unit_test_setup(test_holes_and_edges, setup),
		cmocka_unit_test_setup(test_timer_rate_and_wrap, setup),
		cmocka_unit_test_setup(test_timer_status_and_poll, setup),
		cmocka_unit_test_setup(test_odd_sizes, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
