/* SPDX-License-Identifier: MIT */
/* Unit tests for drivers/pc/vpic.c: the 8259A pair driven the way Linux's i8259.c drives it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "drivers/pc/vpic.h"
#include "kernel/errno.h"

#define BASE1 0x30 /* ISA_IRQ_VECTOR(0) on x86_64 */
#define BASE2 0x38

static void outb(struct vpic *p, uint16_t port, uint8_t v)
{
	uint32_t value = v;

	assert_int_equal(vpic_io(p, port, 1, false, &value), 0);
}

static uint8_t inb(struct vpic *p, uint16_t port)
{
	uint32_t value = 0;

	assert_int_equal(vpic_io(p, port, 1, true, &value), 0);
	return (uint8_t)value;
}

/* Linux's probe_8259A() and init_8259A(): mask all, probe the IMR, ICW1..4 on both chips, then masks. */
static void linux_init(struct vpic *p, uint8_t icw4_master)
{
	vpic_init(p);
	outb(p, 0xa1, 0xff);
	outb(p, 0x21, 0xa5);
	assert_int_equal(inb(p, 0x21), 0xa5);
	outb(p, 0x21, 0xff);
	outb(p, 0x20, 0x11);
	outb(p, 0x21, BASE1);
	outb(p, 0x21, 0x04);
	outb(p, 0x21, icw4_master);
	outb(p, 0xa0, 0x11);
	outb(p, 0xa1, BASE2);
	outb(p, 0xa1, 0x02);
	outb(p, 0xa1, 0x01);
	outb(p, 0x21, 0xfb); /* everything masked except the cascade */
	outb(p, 0xa1, 0xff);
}

static void pulse(struct vpic *p, unsigned irq)
{
	vpic_set_irq(p, irq, true);
	vpic_set_irq(p, irq, false);
}

/* Linux's mask_and_ack_8259A(): specific EOI to the slave and to master IR2, or to the master. */
static void linux_eoi(struct vpic *p, unsigned irq)
{
	if (irq & 8) {
		outb(p, 0xa0, (uint8_t)(0x60 + (irq & 7)));
		outb(p, 0x20, 0x62);
	} else {
		outb(p, 0x20, (uint8_t)(0x60 + irq));
	}
}

static uint8_t read_isr(struct vpic *p, uint16_t cmd)
{
	uint8_t v;

	outb(p, cmd, 0x0b);
	v = inb(p, cmd);
	outb(p, cmd, 0x0a);
	return v;
}

static void test_power_on_state(void **state)
{
	struct vpic p;

	(void)state;
	vpic_init(&p);
	assert_int_equal(inb(&p, 0x21), 0xff);
	assert_int_equal(inb(&p, 0xa1), 0xff);
	pulse(&p, 0);
	assert_int_equal(vpic_pending_vector(&p), -1); /* masked at hand-off */
	assert_int_equal(inb(&p, 0x20), 0x01);         /* but latched in IRR */
}

static void test_linux_init_and_timer_tick(void **state)
{
	struct vpic p;

	(void)state;
	linux_init(&p, 0x01);
	assert_int_equal(vpic_pending_vector(&p), -1);
	outb(&p, 0x21, 0xfa); /* unmask IRQ 0 */
	pulse(&p, 0);
	assert_int_equal(vpic_pending_vector(&p), BASE1);
	assert_int_equal(vpic_ack(&p), BASE1);
	assert_int_equal(vpic_pending_vector(&p), -1);
	assert_int_equal(read_isr(&p, 0x20), 0x01);
	assert_int_equal(inb(&p, 0x20), 0x00); /* IRR back selected, request consumed */
	linux_eoi(&p, 0);
	assert_int_equal(read_isr(&p, 0x20), 0x00);
	pulse(&p, 0);
	assert_int_equal(vpic_ack(&p), BASE1);
}

/* When may a timer skip waking the host for an edge? Only when the edge could not reach the CPU. */
static void test_edge_would_deliver(void **state)
{
	struct vpic p;

	(void)state;
	linux_init(&p, 0x01);
	assert_false(vpic_edge_would_deliver(&p, 0)); /* masked */
	assert_true(vpic_irq_masked(&p, 0));
	outb(&p, 0x21, 0xfa);                          /* unmask IRQ 0 */
	assert_false(vpic_irq_masked(&p, 0));
	assert_true(vpic_edge_would_deliver(&p, 0));
	pulse(&p, 0);
	assert_false(vpic_edge_would_deliver(&p, 0)); /* latched: a second edge coalesces */
	assert_int_equal(vpic_ack(&p), BASE1);
	assert_false(vpic_edge_would_deliver(&p, 0)); /* in service, not acknowledged */
	assert_false(vpic_edge_would_deliver(&p, 1)); /* masked */
	outb(&p, 0x21, 0xf8);                          /* unmask IRQ 1 too */
	assert_false(vpic_edge_would_deliver(&p, 1)); /* lower priority than the in-service IRQ 0 */
	linux_eoi(&p, 0);
	assert_true(vpic_edge_would_deliver(&p, 0));
	assert_true(vpic_edge_would_deliver(&p, 1));
	assert_false(vpic_edge_would_deliver(&p, 2)); /* the cascade input is not a device line */
	assert_false(vpic_edge_would_deliver(&p, 8)); /* slave masked */
	outb(&p, 0xa1, 0xfe);
	assert_true(vpic_edge_would_deliver(&p, 8));
	assert_false(vpic_irq_masked(&p, 8));
	assert_true(vpic_irq_masked(&p, 9));
	outb(&p, 0x21, 0xfc);                          /* mask the cascade on the master */
	assert_false(vpic_edge_would_deliver(&p, 8));
	assert_true(vpic_irq_masked(&p, 8));           /* masked behind the cascade */
	assert_true(vpic_irq_masked(&p, 16));          /* no such input */
}

static void test_priority_and_masking(void **state)
{
	struct vpic p;

	(void)state;
	linux_init(&p, 0x01);
	outb(&p, 0x21, 0xe0); /* IRQ 0..4 unmasked */
	pulse(&p, 3);
	pulse(&p, 1);
	assert_int_equal(vpic_ack(&p), BASE1 + 1);
	assert_int_equal(vpic_pending_vector(&p), -1); /* IRQ 3 waits for IRQ 1's EOI */
	pulse(&p, 0);
	assert_int_equal(vpic_ack(&p), BASE1 + 0);     /* higher priority nests */
	assert_int_equal(read_isr(&p, 0x20), 0x03);
	outb(&p, 0x20, 0x20);                          /* non-specific EOI: IRQ 0 first */
	assert_int_equal(read_isr(&p, 0x20), 0x02);
	assert_int_equal(vpic_pending_vector(&p), -1);
	outb(&p, 0x20, 0x20);
	assert_int_equal(vpic_ack(&p), BASE1 + 3);
	outb(&p, 0x20, 0x20);
	outb(&p, 0x21, 0xff);
	pulse(&p, 4);
	assert_int_equal(vpic_pending_vector(&p), -1);
	assert_int_equal(inb(&p, 0x20), 0x10); /* masked, still requested */
	outb(&p, 0x21, 0xef);
	assert_int_equal(vpic_ack(&p), BASE1 + 4);
}

/* vpic_has_request is the run loop's quick test: false must always mean no vector. */
static void test_has_request(void **state)
{
	struct vpic p;
	uint32_t seed = 12345;

	(void)state;
	linux_init(&p, 0x01);
	assert_false(vpic_has_request(&p));
	pulse(&p, 4); /* masked: latched, not requested */
	assert_false(vpic_has_request(&p));
	outb(&p, 0x21, 0xeb);
	assert_true(vpic_has_request(&p));
	assert_int_equal(vpic_ack(&p), BASE1 + 4);
	assert_false(vpic_has_request(&p)); /* in service, IRR empty */
	linux_eoi(&p, 4);
	outb(&p, 0xa1, 0xfe);
	pulse(&p, 8);
	assert_true(vpic_has_request(&p)); /* the slave's, through IR2 */
	assert_int_equal(vpic_ack(&p), BASE2 + 0);
	linux_eoi(&p, 8);
	/* Any state: masks, edges, acknowledges and EOIs at random. */
	for (unsigned i = 0; i < 20000; i++) {
		unsigned r;

		seed = seed * 1103515245u + 12345u;
		r = seed >> 16;
		if (r % 5 == 0)
			outb(&p, r & 8 ? 0xa1 : 0x21, (uint8_t)(r >> 4));
		else if (r % 5 == 1 && vpic_pending_vector(&p) >= 0)
			(void)vpic_ack(&p);
		else if (r % 5 == 2)
			linux_eoi(&p, (r >> 4) & 15);
		else
			pulse(&p, (r >> 4) & 15);
		if (!vpic_has_request(&p))
			assert_int_equal(vpic_pending_vector(&p), -1);
	}
}

static void test_cascade(void **state)
{
	struct vpic p;

	(void)state;
	linux_init(&p, 0x01);
	outb(&p, 0xa1, 0xef); /* unmask IRQ 12 */
	pulse(&p, 12);
	assert_int_equal(inb(&p, 0x20), 0x04); /* master sees the slave on IR2 */
	assert_int_equal(vpic_pending_vector(&p), BASE2 + 4);
	assert_int_equal(vpic_ack(&p), BASE2 + 4);
	assert_int_equal(read_isr(&p, 0x20), 0x04);
	assert_int_equal(read_isr(&p, 0xa0), 0x10);
	outb(&p, 0x21, 0xfa);
	pulse(&p, 0);
	assert_int_equal(vpic_ack(&p), BASE1); /* IRQ 0 outranks the cascade */
	linux_eoi(&p, 0);
	pulse(&p, 12);
	assert_int_equal(vpic_pending_vector(&p), -1); /* IRQ 12 still in service */
	linux_eoi(&p, 12);
	assert_int_equal(read_isr(&p, 0x20), 0x00);
	assert_int_equal(read_isr(&p, 0xa0), 0x00);
	assert_int_equal(vpic_ack(&p), BASE2 + 4);
	/* Slave priority: IRQ 8 beats IRQ 12; master IRQ 3 ranks below the whole slave. */
	linux_eoi(&p, 12);
	outb(&p, 0x21, 0xf0);
	outb(&p, 0xa1, 0xee);
	pulse(&p, 3);
	pulse(&p, 12);
	pulse(&p, 8);
	assert_int_equal(vpic_ack(&p), BASE2 + 0);
	linux_eoi(&p, 8);
	assert_int_equal(vpic_ack(&p), BASE2 + 4);
	linux_eoi(&p, 12);
	assert_int_equal(vpic_ack(&p), BASE1 + 3);
}

static void test_auto_eoi(void **state)
{
	struct vpic p;

	(void)state;
	linux_init(&p, 0x03);
	outb(&p, 0x21, 0xfa);
	pulse(&p, 0);
	assert_int_equal(vpic_ack(&p), BASE1);
	assert_int_equal(read_isr(&p, 0x20), 0x00);
	pulse(&p, 0);
	assert_int_equal(vpic_ack(&p), BASE1); /* no EOI needed */
}

static void test_edge_latches_until_ack(void **state)
{
	struct vpic p;

	(void)state;
	linux_init(&p, 0x01);
	outb(&p, 0x21, 0xef);
	vpic_set_irq(&p, 4, true);
	vpic_set_irq(&p, 4, true); /* no new edge */
	assert_int_equal(vpic_ack(&p), BASE1 + 4);
	linux_eoi(&p, 4);
	assert_int_equal(vpic_pending_vector(&p), -1); /* line still high, but edge consumed */
	vpic_set_irq(&p, 4, false);
	assert_int_equal(vpic_pending_vector(&p), -1);
	vpic_set_irq(&p, 4, true);
	assert_int_equal(vpic_pending_vector(&p), BASE1 + 4);
}

static void test_level_follows_line(void **state)
{
	struct vpic p;

	(void)state;
	linux_init(&p, 0x01);
	outb(&p, 0x4d1, 0xff); /* reserved IRQ 8 and 13 stay edge */
	assert_int_equal(inb(&p, 0x4d1), 0xde);
	outb(&p, 0x4d0, 0xff); /* reserved IRQ 0, 1, 2 stay edge */
	assert_int_equal(inb(&p, 0x4d0), 0xf8);
	outb(&p, 0xa1, 0xfb); /* unmask IRQ 10 */
	vpic_set_irq(&p, 10, true);
	assert_int_equal(vpic_ack(&p), BASE2 + 2);
	linux_eoi(&p, 10);
	assert_int_equal(vpic_ack(&p), BASE2 + 2); /* still asserted: delivered again */
	vpic_set_irq(&p, 10, false);
	linux_eoi(&p, 10);
	assert_int_equal(vpic_pending_vector(&p), -1);
	vpic_set_irq(&p, 10, true);
	vpic_set_irq(&p, 10, false);
	assert_int_equal(vpic_pending_vector(&p), -1); /* a level pulse that is gone is gone */
}

static void test_spurious(void **state)
{
	struct vpic p;

	(void)state;
	linux_init(&p, 0x01);
	outb(&p, 0xa1, 0xfb);
	outb(&p, 0x4d1, 0x04);
	vpic_set_irq(&p, 10, true);
	assert_int_equal(vpic_pending_vector(&p), BASE2 + 2);
	vpic_set_irq(&p, 10, false); /* request vanished before INTA */
	assert_int_equal(vpic_ack(&p), BASE1 + 7);
	assert_int_equal(read_isr(&p, 0x20), 0x00);
	assert_int_equal(read_isr(&p, 0xa0), 0x00);
}

static void test_ocw3_reads_and_poll(void **state)
{
	struct vpic p;

	(void)state;
	linux_init(&p, 0x01);
	pulse(&p, 5);
	pulse(&p, 9);
	assert_int_equal(inb(&p, 0x20), 0x20); /* IRR; IR2 low: the slave request is masked */
	assert_int_equal(inb(&p, 0xa0), 0x02);
	outb(&p, 0x21, 0xdf);
	outb(&p, 0x20, 0x0c); /* poll */
	assert_int_equal(inb(&p, 0x20), 0x85);
	assert_int_equal(read_isr(&p, 0x20), 0x20);
	outb(&p, 0x20, 0x0c);
	assert_int_equal(inb(&p, 0x20), 0x00); /* nothing else pending */
	assert_int_equal(inb(&p, 0x20), 0x00); /* poll is one read only: back to IRR */
	outb(&p, 0x20, 0x65);
	assert_int_equal(vpic_pending_vector(&p), -1);
}

static void test_rotation(void **state)
{
	struct vpic p;

	(void)state;
	linux_init(&p, 0x01);
	outb(&p, 0x21, 0x00);
	outb(&p, 0x20, 0xc4); /* set priority: IR4 lowest, IR5 highest */
	pulse(&p, 1);
	pulse(&p, 6);
	assert_int_equal(vpic_ack(&p), BASE1 + 6);
	outb(&p, 0x20, 0xa0); /* rotate on non-specific EOI: IR6 becomes lowest */
	pulse(&p, 6);
	assert_int_equal(vpic_ack(&p), BASE1 + 1);
	outb(&p, 0x20, 0xe1); /* rotate on specific EOI: IR1 lowest */
	assert_int_equal(vpic_ack(&p), BASE1 + 6);
	outb(&p, 0x20, 0x20);
	outb(&p, 0x20, 0xc7); /* back to fixed priority */
	pulse(&p, 1);
	pulse(&p, 0);
	assert_int_equal(vpic_ack(&p), BASE1 + 0);
}

static void test_special_mask_mode(void **state)
{
	struct vpic p;

	(void)state;
	linux_init(&p, 0x01);
	outb(&p, 0x21, 0x00);
	pulse(&p, 1);
	assert_int_equal(vpic_ack(&p), BASE1 + 1);
	pulse(&p, 5);
	assert_int_equal(vpic_pending_vector(&p), -1);
	outb(&p, 0x21, 0x02);  /* mask the level in service */
	outb(&p, 0x20, 0x68);  /* enter special mask mode */
	assert_int_equal(vpic_ack(&p), BASE1 + 5);
	outb(&p, 0x20, 0x48);  /* leave it */
	outb(&p, 0x20, 0x20);
	outb(&p, 0x20, 0x20);
	assert_int_equal(read_isr(&p, 0x20), 0x00);
}

static void test_icw1_resets_edge_detection(void **state)
{
	struct vpic p;

	(void)state;
	linux_init(&p, 0x01);
	outb(&p, 0x21, 0xf9);
	vpic_set_irq(&p, 1, true);
	assert_int_equal(vpic_ack(&p), BASE1 + 1);
	linux_eoi(&p, 1);
	outb(&p, 0x20, 0x11); /* re-init while the edge line is still high: it needs a new 0->1 */
	outb(&p, 0x21, BASE1);
	outb(&p, 0x21, 0x04);
	outb(&p, 0x21, 0x01);
	assert_int_equal(inb(&p, 0x21), 0x00); /* ICW1 cleared the IMR */
	assert_int_equal(vpic_pending_vector(&p), -1);
	vpic_set_irq(&p, 1, true); /* still no edge */
	assert_int_equal(vpic_pending_vector(&p), -1);
	vpic_set_irq(&p, 1, false);
	vpic_set_irq(&p, 1, true);
	assert_int_equal(vpic_pending_vector(&p), BASE1 + 1);
}

static void test_bad_accesses(void **state)
{
	struct vpic p;
	uint32_t v = 0;

	(void)state;
	vpic_init(&p);
	assert_int_equal(vpic_io(&p, 0x22, 1, true, &v), -ENODEV);
	assert_int_equal(v, 0xff);
	assert_int_equal(vpic_io(&p, 0x20, 3, true, &v), -EINVAL);
	v = 0x0c20;
	assert_int_equal(vpic_io(&p, 0x4d0, 2, false, &v), 0);
	assert_int_equal(vpic_io(&p, 0x4d0, 2, true, &v), 0);
	assert_int_equal(v, 0x0c20);
	assert_int_equal(vpic_io(&p, 0x21, 2, true, &v), 0);
	assert_int_equal(v, 0xffff); /* IMR, then the floating 0x22 */
	vpic_set_irq(&p, 2, true);  /* the cascade input is not a device line */
	vpic_set_irq(&p, 99, true);
	assert_int_equal(inb(&p, 0x20), 0x00);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_power_on_state),
		cmocka_unit_test(test_linux_init_and_timer_tick),
		cmocka_unit_test(test_edge_would_deliver),
		cmocka_unit_test(test_priority_and_masking),
		cmocka_unit_test(test_has_request),
		cmocka_unit_test(test_cascade),
		cmocka_unit_test(test_auto_eoi),
		cmocka_unit_test(test_edge_latches_until_ack),
		cmocka_unit_test(test_level_follows_line),
		cmocka_unit_test(test_spurious),
		cmocka_unit_test(test_ocw3_reads_and_poll),
		cmocka_unit_test(test_rotation),
		cmocka_unit_test(test_special_mask_mode),
		cmocka_unit_test(test_icw1_resets_edge_detection),
		cmocka_unit_test(test_bad_accesses),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
