/* SPDX-License-Identifier: MIT */
/* Unit tests for drivers/pc/vpit.c: Linux's TSC calibration and tick programming on simulated time. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "drivers/pc/vpit.h"
#include "kernel/errno.h"

#define MS 1000000ull
#define SEC 1000000000ull
#define LATCH_HZ250 ((VPIT_HZ + 125) / 250) /* Linux's PIT_LATCH for HZ=250: 4773 */
#define CAL_LATCH (VPIT_HZ / (1000 / 10))   /* pit_calibrate_tsc(): 10 ms, 11931 */

/* Time of tick t counted from a whole second, where ticks and ns line up exactly. */
static uint64_t at_tick(uint64_t base_s, uint64_t t)
{
	return base_s * SEC + (t * SEC + VPIT_HZ - 1) / VPIT_HZ;
}

static void outb(struct vpit *p, uint16_t port, uint8_t v, uint64_t now)
{
	uint32_t value = v;

	assert_int_equal(vpit_io(p, port, 1, false, &value, now), 0);
}

static uint8_t inb(struct vpit *p, uint16_t port, uint64_t now)
{
	uint32_t value = 0;

	assert_int_equal(vpit_io(p, port, 1, true, &value, now), 0);
	return (uint8_t)value;
}

static unsigned read_word(struct vpit *p, uint16_t port, uint64_t now)
{
	unsigned lo = inb(p, port, now);

	return lo | (unsigned)inb(p, port, now) << 8;
}

/* pit_calibrate_tsc(): gate on, speaker off, mode 0 on channel 2, poll OUT2 (port 0x61 bit 5). */
static void test_linux_pit_calibrate_tsc(void **state)
{
	struct vpit p;
	uint64_t t0 = 3 * SEC;
	uint8_t v;

	(void)state;
	vpit_init(&p);
	v = inb(&p, 0x61, t0);
	outb(&p, 0x61, (uint8_t)((v & ~0x02) | 0x01), t0);
	outb(&p, 0x43, 0xb0, t0);
	outb(&p, 0x42, CAL_LATCH & 0xff, t0);
	outb(&p, 0x42, CAL_LATCH >> 8, t0);
	assert_int_equal(inb(&p, 0x61, t0) & 0x21, 0x01);
	assert_int_equal(inb(&p, 0x61, at_tick(3, CAL_LATCH) - 1) & 0x20, 0);
	assert_int_equal(inb(&p, 0x61, at_tick(3, CAL_LATCH)) & 0x20, 0x20);
	assert_true(at_tick(3, CAL_LATCH) - t0 > 9999 * 1000ull); /* 11931 ticks are 9.9993 ms */
	assert_true(at_tick(3, CAL_LATCH) - t0 < 10000 * 1000ull);
	assert_int_equal(inb(&p, 0x61, t0 + 50 * MS) & 0x20, 0x20); /* stays high after terminal count */
	assert_int_equal(vpit_next_irq_ns(&p), UINT64_MAX);       /* channel 2 raises no IRQ */
}

/* quick_pit_calibrate(): mode 0 from 0xffff, MSB read back as it falls by one every 256 ticks. */
static void test_linux_quick_pit_calibrate(void **state)
{
	struct vpit p;

	(void)state;
	vpit_init(&p);
	outb(&p, 0x61, 0x01, 0);
	outb(&p, 0x43, 0xb0, SEC);
	outb(&p, 0x42, 0xff, SEC);
	outb(&p, 0x42, 0xff, SEC);
	for (unsigned i = 0; i < 200; i++) {
		uint64_t t = at_tick(1, 256u * i + 1);

		inb(&p, 0x42, t); /* LSB ignored */
		assert_int_equal(inb(&p, 0x42, t), 0xff - i);
		inb(&p, 0x42, at_tick(1, 256u * i + 255));
		assert_int_equal(inb(&p, 0x42, at_tick(1, 256u * i + 255)), 0xff - i);
	}
	assert_int_equal(read_word(&p, 0x42, at_tick(1, 1000)), 0xffff - 1000);
	assert_int_equal(read_word(&p, 0x42, at_tick(1, 0xffff + 5)), 0xffff - 4); /* wraps after 0 */
}

/* Linux's periodic clockevent: 0x34, LATCH LSB, MSB on channel 0: one IRQ 0 every ~4 ms. */
static void test_channel0_periodic_hz250(void **state)
{
	struct vpit p;
	uint64_t next, total = 0;

	(void)state;
	vpit_init(&p);
	assert_int_equal(vpit_next_irq_ns(&p), UINT64_MAX);
	outb(&p, 0x43, 0x34, 0);
	outb(&p, 0x40, LATCH_HZ250 & 0xff, 0);
	outb(&p, 0x40, LATCH_HZ250 >> 8, 0);
	next = vpit_next_irq_ns(&p);
	assert_int_equal(next, at_tick(0, LATCH_HZ250));
	assert_true(next > 3999 * 1000ull && next < 4001 * 1000ull);
	assert_int_equal(vpit_advance(&p, next - 1), 0);
	assert_int_equal(vpit_advance(&p, next), 1);
	assert_int_equal(vpit_next_irq_ns(&p), at_tick(0, 2 * LATCH_HZ250));
	/* Ten seconds in 1 ms steps, then the same span in one jump. */
	for (uint64_t t = MS; t <= 10 * SEC; t += MS)
		total += vpit_advance(&p, t);
	assert_int_equal(total + 1, 10 * VPIT_HZ / LATCH_HZ250);
	assert_int_equal(vpit_advance(&p, 20 * SEC), 20 * VPIT_HZ / LATCH_HZ250 - 10 * VPIT_HZ / LATCH_HZ250);
	/* The count runs LATCH..1 and reloads. */
	outb(&p, 0x43, 0x00, at_tick(30, 10));
	assert_int_equal(read_word(&p, 0x40, at_tick(30, 20)), LATCH_HZ250 - ((30 * VPIT_HZ + 10) % LATCH_HZ250));
}

/* Mode 3 with count 0 (65536), the BIOS's 18.2 Hz tick: OUT high for the first half of each period. */
static void test_mode3_square_wave(void **state)
{
	struct vpit p;

	(void)state;
	vpit_init(&p);
	outb(&p, 0x43, 0x36, SEC);
	outb(&p, 0x40, 0, SEC);
	outb(&p, 0x40, 0, SEC);
	outb(&p, 0x43, 0xe2, at_tick(1, 100)); /* read-back: status of channel 0 */
	assert_int_equal(inb(&p, 0x40, at_tick(1, 100)), 0x80 | 0x36);
	outb(&p, 0x43, 0xe2, at_tick(1, 32768));
	assert_int_equal(inb(&p, 0x40, at_tick(1, 32768)), 0x36); /* OUT low in the second half */
	assert_int_equal(read_word(&p, 0x40, at_tick(1, 10)), 0x10000 - 20); /* decrements by 2 */
	assert_int_equal(vpit_next_irq_ns(&p), at_tick(1, 65536));
	assert_int_equal(vpit_advance(&p, 11 * SEC), 10 * VPIT_HZ / 65536);
}

static void test_latch_command_freezes_count(void **state)
{
	struct vpit p;

	(void)state;
	vpit_init(&p);
	outb(&p, 0x43, 0x34, SEC);
	outb(&p, 0x40, 0x00, SEC);
	outb(&p, 0x40, 0x80, SEC); /* 0x8000 */
	outb(&p, 0x43, 0x00, at_tick(1, 100));
	outb(&p, 0x43, 0x00, at_tick(1, 200)); /* ignored: the first latch is unread */
	assert_int_equal(inb(&p, 0x40, at_tick(1, 5000)), 0x9c);
	assert_int_equal(inb(&p, 0x40, at_tick(1, 9000)), 0x7f);
	assert_int_equal(read_word(&p, 0x40, at_tick(1, 300)), 0x8000 - 300); /* live again */
	/* Read-back latching count and status: status first, then the count. */
	outb(&p, 0x43, 0xc2, at_tick(1, 400));
	assert_int_equal(inb(&p, 0x40, at_tick(1, 900)), 0x80 | 0x34);
	assert_int_equal(read_word(&p, 0x40, at_tick(1, 900)), 0x8000 - 400);
	/* Null count between a control word and its count. */
	outb(&p, 0x43, 0x34, at_tick(1, 1000));
	outb(&p, 0x43, 0xe2, at_tick(1, 1000));
	assert_int_equal(inb(&p, 0x40, at_tick(1, 1000)) & 0x40, 0x40);
}

static void test_access_modes_and_flip_flop(void **state)
{
	struct vpit p;

	(void)state;
	vpit_init(&p);
	outb(&p, 0x43, 0x50, SEC); /* channel 1, LSB only, mode 0 */
	outb(&p, 0x41, 0x80, SEC);
	assert_int_equal(inb(&p, 0x41, at_tick(1, 16)), 0x70);
	assert_int_equal(inb(&p, 0x41, at_tick(1, 17)), 0x6f); /* no flip-flop */
	outb(&p, 0x43, 0x60, SEC); /* MSB only */
	outb(&p, 0x41, 0x12, SEC);
	assert_int_equal(inb(&p, 0x41, at_tick(1, 1)), 0x11);
	outb(&p, 0x43, 0x70, SEC); /* LSB then MSB */
	outb(&p, 0x41, 0x34, SEC);
	outb(&p, 0x41, 0x12, SEC);
	assert_int_equal(inb(&p, 0x41, SEC), 0x34);
	assert_int_equal(inb(&p, 0x41, SEC), 0x12);
	assert_int_equal(inb(&p, 0x41, SEC), 0x34);
	outb(&p, 0x43, 0x70, SEC); /* a control word resets the flip-flop */
	outb(&p, 0x41, 0x01, SEC);
	outb(&p, 0x41, 0x02, SEC);
	inb(&p, 0x41, SEC);
	outb(&p, 0x43, 0x70, SEC);
	outb(&p, 0x41, 0x00, SEC);
	outb(&p, 0x41, 0x10, SEC);
	assert_int_equal(inb(&p, 0x41, SEC), 0x00);
}

/* Linux's oneshot clockevent: 0x38 (mode 4), then each event writes the delta: one IRQ each. */
static void test_channel0_oneshot_modes(void **state)
{
	struct vpit p;

	(void)state;
	vpit_init(&p);
	outb(&p, 0x43, 0x38, SEC);
	assert_int_equal(vpit_next_irq_ns(&p), UINT64_MAX); /* no count yet */
	outb(&p, 0x40, 1000 & 0xff, SEC);
	outb(&p, 0x40, 1000 >> 8, SEC);
	assert_int_equal(vpit_next_irq_ns(&p), at_tick(1, 1001)); /* OUT rises the tick after the strobe */
	assert_int_equal(vpit_advance(&p, 2 * SEC), 1);
	assert_int_equal(vpit_next_irq_ns(&p), UINT64_MAX);
	outb(&p, 0x40, 100, 2 * SEC);
	outb(&p, 0x40, 0, 2 * SEC);
	assert_int_equal(vpit_advance(&p, 3 * SEC), 1);
	/* pit_shutdown(): mode 0 with count 0 fires once after 65536 ticks. */
	outb(&p, 0x43, 0x30, 4 * SEC);
	outb(&p, 0x40, 0, 4 * SEC);
	outb(&p, 0x40, 0, 4 * SEC);
	assert_int_equal(vpit_next_irq_ns(&p), at_tick(4, 65536));
	assert_int_equal(vpit_advance(&p, 100 * SEC), 1);
	assert_int_equal(vpit_advance(&p, 200 * SEC), 0);
}

/* Edges that happened before a reprogramming are still reported. */
static void test_reprogram_keeps_edges(void **state)
{
	struct vpit p;

	(void)state;
	vpit_init(&p);
	outb(&p, 0x43, 0x34, 0);
	outb(&p, 0x40, 100, 0);
	outb(&p, 0x40, 0, 0);
	outb(&p, 0x43, 0x34, at_tick(0, 350));
	assert_int_equal(vpit_next_irq_ns(&p), at_tick(0, 350)); /* edges wait: fire now */
	outb(&p, 0x40, 0, at_tick(0, 350));
	outb(&p, 0x40, 1, at_tick(0, 350)); /* 256 */
	assert_int_equal(vpit_advance(&p, at_tick(0, 350 + 256)), 4);
	assert_int_equal(vpit_next_irq_ns(&p), at_tick(0, 350 + 512));
}

static void test_gate_controls_channel2(void **state)
{
	struct vpit p;

	(void)state;
	vpit_init(&p);
	outb(&p, 0x43, 0xb0, SEC); /* mode 0, gate low: waits */
	outb(&p, 0x42, 0x00, SEC);
	outb(&p, 0x42, 0x10, SEC);
	assert_int_equal(read_word(&p, 0x42, at_tick(1, 500)), 0x1000);
	outb(&p, 0x61, 0x01, at_tick(1, 500));
	outb(&p, 0x61, 0x00, at_tick(1, 600)); /* counted 100, paused */
	assert_int_equal(read_word(&p, 0x42, at_tick(1, 900)), 0x1000 - 100);
	outb(&p, 0x61, 0x01, at_tick(1, 1000));
	assert_int_equal(read_word(&p, 0x42, at_tick(1, 1050)), 0x1000 - 150);
	assert_int_equal(inb(&p, 0x61, at_tick(1, 1000 + 0x1000 - 100)) & 0x20, 0x20);
	/* Mode 2: gate low forces OUT2 high; the rising edge reloads the count. */
	outb(&p, 0x43, 0xb4, 2 * SEC);
	outb(&p, 0x42, 10, 2 * SEC);
	outb(&p, 0x42, 0, 2 * SEC);
	assert_int_equal(inb(&p, 0x61, at_tick(2, 9)) & 0x20, 0x00); /* count 1: OUT low */
	assert_int_equal(inb(&p, 0x61, at_tick(2, 10)) & 0x20, 0x20);
	assert_int_equal(inb(&p, 0x61, at_tick(2, 19)) & 0x20, 0x00); /* count 1 again */
	outb(&p, 0x61, 0x00, at_tick(2, 19));
	assert_int_equal(inb(&p, 0x61, at_tick(2, 19)) & 0x20, 0x20); /* gate low: OUT high at once */
	assert_int_equal(read_word(&p, 0x42, at_tick(2, 25)), 1);    /* and the count holds */
	outb(&p, 0x61, 0x01, at_tick(2, 30));
	assert_int_equal(read_word(&p, 0x42, at_tick(2, 33)), 7);
	/* Mode 1: the gate's rising edge triggers the one-shot, OUT low until terminal count. */
	outb(&p, 0x43, 0xb2, 3 * SEC);
	outb(&p, 0x42, 50, 3 * SEC);
	outb(&p, 0x42, 0, 3 * SEC);
	assert_int_equal(inb(&p, 0x61, at_tick(3, 10)) & 0x20, 0x20);
	outb(&p, 0x61, 0x00, at_tick(3, 20));
	outb(&p, 0x61, 0x01, at_tick(3, 20));
	assert_int_equal(inb(&p, 0x61, at_tick(3, 69)) & 0x20, 0x00);
	assert_int_equal(inb(&p, 0x61, at_tick(3, 70)) & 0x20, 0x20);
}

static void test_port61_bits(void **state)
{
	struct vpit p;
	uint8_t a, b;

	(void)state;
	vpit_init(&p);
	outb(&p, 0x61, 0xff, 0);
	a = inb(&p, 0x61, 0);
	b = inb(&p, 0x61, 0);
	assert_int_equal(a & 0xcf, 0x0f); /* bits 0-3 read back, 6-7 zero */
	assert_int_equal((a ^ b) & 0x10, 0x10); /* refresh toggles on every read */
}

static void test_bcd_count(void **state)
{
	struct vpit p;

	(void)state;
	vpit_init(&p);
	outb(&p, 0x43, 0x35, SEC); /* mode 2, BCD */
	outb(&p, 0x40, 0x00, SEC);
	outb(&p, 0x40, 0x10, SEC); /* 1000 decimal */
	assert_int_equal(read_word(&p, 0x40, at_tick(1, 1)), 0x0999);
	assert_int_equal(vpit_next_irq_ns(&p), at_tick(1, 1000));
}

/* ns -> tick stays exact and overflow-free far past the 2.5 h where ns * 1193182 leaves 64 bits. */
static void test_long_uptimes(void **state)
{
	struct vpit p;
	uint64_t base_s = 100ull * 365 * 86400; /* a century */

	(void)state;
	vpit_init(&p);
	outb(&p, 0x43, 0x34, base_s * SEC);
	outb(&p, 0x40, LATCH_HZ250 & 0xff, base_s * SEC);
	outb(&p, 0x40, LATCH_HZ250 >> 8, base_s * SEC);
	assert_int_equal(vpit_next_irq_ns(&p), at_tick(base_s, LATCH_HZ250));
	assert_int_equal(vpit_advance(&p, (base_s + 3600) * SEC), 3600ull * VPIT_HZ / LATCH_HZ250);
	outb(&p, 0x43, 0x00, (base_s + 3600) * SEC + 123456789);
	assert_int_equal(read_word(&p, 0x40, 0),
			 LATCH_HZ250 - (3600ull * VPIT_HZ + 123456789ull * VPIT_HZ / SEC) % LATCH_HZ250);
	assert_int_equal(vpit_advance(&p, UINT64_MAX), UINT32_MAX); /* 4.6e12 edges saturate */
	assert_true(vpit_next_irq_ns(&p) > UINT64_MAX - 5 * MS);
	assert_int_equal(vpit_advance(&p, UINT64_MAX), 0);
}

static void test_bad_accesses(void **state)
{
	struct vpit p;
	uint32_t v = 0;

	(void)state;
	vpit_init(&p);
	assert_int_equal(vpit_io(&p, 0x44, 1, true, &v, 0), -ENODEV);
	assert_int_equal(v, 0xff);
	assert_int_equal(inb(&p, 0x43, 0), 0xff);
	assert_int_equal(vpit_io(&p, 0x40, 8, true, &v, 0), -EINVAL);
	assert_int_equal(vpit_io(&p, 0x42, 4, true, &v, 0), 0);
	assert_int_equal(v >> 16, 0xffff); /* 0x44 and 0x45 float */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_linux_pit_calibrate_tsc),
		cmocka_unit_test(test_linux_quick_pit_calibrate),
		cmocka_unit_test(test_channel0_periodic_hz250),
		cmocka_unit_test(test_mode3_square_wave),
		cmocka_unit_test(test_latch_command_freezes_count),
		cmocka_unit_test(test_access_modes_and_flip_flop),
		cmocka_unit_test(test_channel0_oneshot_modes),
		cmocka_unit_test(test_reprogram_keeps_edges),
		cmocka_unit_test(test_gate_controls_channel2),
		cmocka_unit_test(test_port61_bits),
		cmocka_unit_test(test_bcd_count),
		cmocka_unit_test(test_long_uptimes),
		cmocka_unit_test(test_bad_accesses),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
