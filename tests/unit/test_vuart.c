/* SPDX-License-Identifier: MIT */
/* Unit tests for drivers/pc/vuart.c: Linux's 8250 probe and start-up, interrupt-driven TX, RX FIFO. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "drivers/pc/vuart.h"
#include "kernel/errno.h"

enum { RBR, IER, IIR, LCR, MCR, LSR, MSR, SCR };
#define FCR IIR
#define DLL RBR
#define DLM IER

/* What the callbacks saw. */
struct sink {
	char out[64];
	unsigned len;
	bool level;
	unsigned raises, lowers;
};

static void sink_tx(void *ctx, uint8_t byte)
{
	struct sink *s = ctx;

	assert_true(s->len < sizeof(s->out));
	s->out[s->len++] = (char)byte;
}

static void sink_irq(void *ctx, bool level)
{
	struct sink *s = ctx;

	assert_true(level != s->level); /* only called on changes */
	s->level = level;
	if (level)
		s->raises++;
	else
		s->lowers++;
}

static void setup(struct vuart *u, struct sink *s)
{
	memset(s, 0, sizeof(*s));
	vuart_init(u, sink_tx, sink_irq, s);
}

static void out(struct vuart *u, unsigned reg, uint8_t v)
{
	uint32_t value = v;

	assert_int_equal(vuart_io(u, (uint16_t)reg, 1, false, &value), 0);
}

static uint8_t in(struct vuart *u, unsigned reg)
{
	uint32_t value = 0;

	assert_int_equal(vuart_io(u, (uint16_t)reg, 1, true, &value), 0);
	return (uint8_t)value;
}

/* serial8250 autoconfig(): IER existence test, loopback MSR test, IIR FIFO bits, then the 16550A
 * variant probes, which must all conclude "plain 16550A". */
static void test_linux_autoconfig(void **state)
{
	struct vuart u;
	struct sink s;
	uint8_t save_ier, save_mcr, save_lcr, status1, status2;

	(void)state;
	setup(&u, &s);
	save_ier = in(&u, IER);
	out(&u, IER, 0);
	assert_int_equal(in(&u, IER) & 0x0f, 0);
	out(&u, IER, 0x0f);
	assert_int_equal(in(&u, IER) & 0x0f, 0x0f);
	out(&u, IER, save_ier);
	save_mcr = in(&u, MCR);
	save_lcr = in(&u, LCR);
	out(&u, MCR, 0x1a); /* loopback | OUT2 | RTS */
	assert_int_equal(in(&u, MSR) & 0xf0, 0x90);
	out(&u, MCR, save_mcr);
	out(&u, LCR, 0xbf);
	out(&u, FCR, 0); /* "EFR" */
	out(&u, LCR, 0);
	out(&u, FCR, 0x01);
	assert_int_equal(in(&u, IIR) >> 6, 3); /* 16550A */
	/* autoconfig_16550a(): no EFR under DLAB or 0xBF, not NatSemi, not 16750, not XScale. */
	out(&u, LCR, 0x80);
	assert_int_not_equal(in(&u, IIR), 0);
	out(&u, LCR, 0xbf);
	assert_int_not_equal(in(&u, IIR), 0);
	out(&u, LCR, 0);
	status1 = in(&u, MCR);
	out(&u, LCR, 0xe0);
	status2 = in(&u, IIR);
	assert_int_equal((status1 ^ status2) & 0x10, 0);
	out(&u, LCR, 0);
	out(&u, FCR, 0x21);
	status1 = in(&u, IIR) & 0xe0;
	out(&u, FCR, 0x01);
	out(&u, LCR, 0x80);
	out(&u, FCR, 0x21);
	status2 = in(&u, IIR) & 0xe0;
	out(&u, FCR, 0x01);
	out(&u, LCR, 0);
	assert_int_equal(status1, 0xc0);
	assert_int_equal(status2, 0xc0); /* no 64-byte FIFO bit: not a 16750 */
	out(&u, IER, 0x40);
	assert_int_equal(in(&u, IER) & 0x40, 0); /* no UUE bit: not XScale */
	out(&u, LCR, save_lcr);
	out(&u, MCR, save_mcr);
	out(&u, FCR, 0x07);
	out(&u, FCR, 0);
	in(&u, RBR);
	out(&u, IER, 0);
	assert_int_not_equal(in(&u, LSR), 0xff);
	out(&u, SCR, 0x55);
	assert_int_equal(in(&u, SCR), 0x55);
	assert_int_equal(s.len, 0);   /* nothing was transmitted */
	assert_int_equal(s.raises, 0); /* and the IRQ never moved */
}

/* serial8250_do_startup(): THRE re-assert test (UART_BUG_THRE) and TX enable test (UART_BUG_TXEN). */
static void test_linux_startup_thre_tests(void **state)
{
	struct vuart u;
	struct sink s;
	uint8_t iir1, iir, lsr;

	(void)state;
	setup(&u, &s);
	in(&u, LSR);
	in(&u, RBR);
	in(&u, IIR);
	in(&u, MSR);
	out(&u, LCR, 0x03);
	out(&u, MCR, 0x0b); /* DTR | RTS | OUT2 */
	out(&u, IER, 0x02);
	iir1 = in(&u, IIR);
	out(&u, IER, 0);
	out(&u, IER, 0x02);
	iir = in(&u, IIR);
	out(&u, IER, 0);
	assert_int_equal(iir1 & 0x0f, 0x02);
	assert_int_equal(iir & 0x0f, 0x02); /* reasserted: no UART_BUG_THRE */
	out(&u, IER, 0x02);
	lsr = in(&u, LSR);
	iir = in(&u, IIR);
	out(&u, IER, 0);
	assert_int_equal(lsr & 0x60, 0x60);
	assert_int_equal(iir & 0x01, 0); /* an interrupt was pending: no UART_BUG_TXEN */
	assert_false(s.level);
}

/* Interrupt-driven output as serial8250_tx_chars() does it: on each THRE interrupt read IIR, fill THR,
 * and clear IER THRI when the buffer is empty. */
static void test_transmit_with_thre_interrupt(void **state)
{
	static const char msg[] = "Linux version 6.1.0-18-amd64";
	struct vuart u;
	struct sink s;
	unsigned sent = 0, irqs = 0;

	(void)state;
	setup(&u, &s);
	out(&u, MCR, 0x0b);
	out(&u, FCR, 0xc7);
	out(&u, IER, 0x02); /* start_tx */
	while (s.level) {
		uint8_t iir = in(&u, IIR);

		irqs++;
		assert_false(s.level); /* reading IIR cleared THRE: the line drops */
		if ((iir & 0x0f) != 0x02)
			break;
		for (unsigned n = 0; n < 16 && sent < sizeof(msg) - 1; n++)
			out(&u, RBR, (uint8_t)msg[sent++]);
		if (sent == sizeof(msg) - 1)
			out(&u, IER, 0); /* stop_tx */
		assert_int_equal(in(&u, LSR) & 0x60, 0x60);
	}
	assert_int_equal(s.len, sizeof(msg) - 1);
	assert_memory_equal(s.out, msg, sizeof(msg) - 1);
	assert_int_equal(irqs, 2);
	assert_int_equal(s.raises, 3); /* start_tx, then a fresh edge after each batch of THR writes */
	assert_false(vuart_irq_level(&u));
}

static void test_out2_gates_irq(void **state)
{
	struct vuart u;
	struct sink s;

	(void)state;
	setup(&u, &s);
	out(&u, IER, 0x02);
	assert_int_equal(in(&u, IIR), 0x02); /* pending inside the UART (read clears it) */
	out(&u, IER, 0);
	out(&u, IER, 0x02);
	assert_false(vuart_irq_level(&u));
	assert_int_equal(s.raises, 0);
	out(&u, MCR, 0x08);
	assert_true(vuart_irq_level(&u));
	assert_true(s.level);
	out(&u, MCR, 0x18); /* loopback forces the OUT2 pin inactive */
	assert_false(s.level);
	out(&u, MCR, 0x00);
	assert_int_equal(in(&u, IIR), 0x02);
}

static void test_rx_fifo_and_interrupt(void **state)
{
	struct vuart u;
	struct sink s;

	(void)state;
	setup(&u, &s);
	out(&u, MCR, 0x0b);
	out(&u, FCR, 0x81); /* FIFOs on, trigger at 8 */
	out(&u, IER, 0x01);
	assert_int_equal(in(&u, LSR) & 0x01, 0);
	assert_int_equal(vuart_receive(&u, 'a'), 0);
	assert_true(s.level);
	assert_int_equal(in(&u, LSR) & 0x61, 0x61);
	assert_int_equal(in(&u, IIR), 0xcc); /* below trigger: timeout, reported at once */
	for (unsigned i = 1; i < 8; i++)
		assert_int_equal(vuart_receive(&u, (uint8_t)('a' + i)), 0);
	assert_int_equal(in(&u, IIR), 0xc4);
	for (unsigned i = 0; i < 8; i++)
		assert_int_equal(in(&u, RBR), 'a' + i);
	assert_false(s.level);
	assert_int_equal(in(&u, IIR), 0xc1);
	assert_int_equal(in(&u, LSR) & 0x01, 0);
	/* 16 bytes fit; the 17th is refused, not overrun. */
	for (unsigned i = 0; i < 16; i++)
		assert_int_equal(vuart_receive(&u, (uint8_t)i), 0);
	assert_int_equal(vuart_receive(&u, 99), -ENOSPC);
	assert_int_equal(in(&u, LSR) & 0x02, 0);
	assert_int_equal(in(&u, RBR), 0);
	assert_int_equal(vuart_receive(&u, 16), 0);
	for (unsigned i = 1; i <= 16; i++)
		assert_int_equal(in(&u, RBR), i);
	assert_int_equal(in(&u, RBR), 0); /* empty FIFO reads 0 */
	/* FIFOs off: a single holding register; FCR toggling empties the FIFO. */
	assert_int_equal(vuart_receive(&u, 1), 0);
	out(&u, FCR, 0x00);
	assert_int_equal(in(&u, LSR) & 0x01, 0);
	assert_int_equal(vuart_receive(&u, 1), 0);
	assert_int_equal(vuart_receive(&u, 2), -ENOSPC);
	assert_int_equal(in(&u, IIR), 0x04);
	out(&u, FCR, 0x01);
	assert_int_equal(in(&u, LSR) & 0x01, 0);
	assert_int_equal(vuart_receive(&u, 3), 0);
	out(&u, FCR, 0x03); /* clear RX */
	assert_int_equal(in(&u, LSR) & 0x01, 0);
}

static void test_loopback_and_overrun(void **state)
{
	struct vuart u;
	struct sink s;

	(void)state;
	setup(&u, &s);
	out(&u, FCR, 0x01);
	out(&u, MCR, 0x1b);
	assert_int_equal(vuart_receive(&u, 'x'), -EBUSY);
	for (unsigned i = 0; i < 17; i++)
		out(&u, RBR, (uint8_t)('A' + i));
	assert_int_equal(s.len, 0); /* looped back, not sent */
	out(&u, IER, 0x05);
	assert_int_equal(in(&u, IIR), 0xc6); /* line status outranks RX data */
	assert_false(s.level);               /* loopback cuts the PC IRQ line */
	assert_int_equal(in(&u, LSR) & 0x03, 0x03);
	assert_int_equal(in(&u, LSR) & 0x02, 0); /* OE clears on read */
	assert_int_equal(in(&u, IIR), 0xc4);
	for (unsigned i = 0; i < 16; i++)
		assert_int_equal(in(&u, RBR), 'A' + i); /* the 17th byte was lost */
	/* Without FIFOs the holding register is overwritten. */
	out(&u, FCR, 0x00);
	out(&u, RBR, 'a');
	out(&u, RBR, 'b');
	assert_int_equal(in(&u, LSR) & 0x03, 0x03);
	assert_int_equal(in(&u, RBR), 'b');
	out(&u, MCR, 0x0b);
	assert_int_equal(vuart_receive(&u, 'x'), 0);
}

static void test_modem_status(void **state)
{
	struct vuart u;
	struct sink s;

	(void)state;
	setup(&u, &s);
	assert_int_equal(in(&u, MSR), 0xb0); /* DCD, DSR, CTS: connected */
	out(&u, MCR, 0x1f);                  /* loopback with every output up: RI rises */
	assert_int_equal(in(&u, MSR), 0xf0);
	out(&u, IER, 0x08);
	assert_int_equal(in(&u, IIR), 0x01);
	out(&u, MCR, 0x1b);                  /* OUT1 down: RI trailing edge */
	assert_int_equal(in(&u, IIR), 0x00);
	assert_int_equal(in(&u, MSR), 0xb4);
	out(&u, MCR, 0x10);                  /* all down */
	assert_int_equal(in(&u, MSR), 0x0b);
	out(&u, MCR, 0x08);                  /* out of loopback: connected again, IRQ enabled by OUT2 */
	assert_true(s.level);
	assert_int_equal(in(&u, MSR), 0xbb);
	assert_false(s.level);
}

static void test_divisor_latch_and_lcr(void **state)
{
	struct vuart u;
	struct sink s;

	(void)state;
	setup(&u, &s);
	out(&u, LCR, 0x83);
	assert_int_equal(in(&u, DLL), 1); /* firmware left 115200 */
	assert_int_equal(in(&u, DLM), 0);
	out(&u, DLL, 0x0c);
	out(&u, DLM, 0x00);
	assert_int_equal(in(&u, DLL), 0x0c);
	assert_int_equal(in(&u, LCR), 0x83);
	out(&u, LCR, 0x03);
	assert_int_equal(in(&u, IER), 0);
	out(&u, RBR, 'z');
	assert_int_equal(s.len, 1);
	out(&u, LCR, 0x83);
	assert_int_equal(in(&u, DLL), 0x0c);
	assert_int_equal(s.len, 1);
}

static void test_interrupt_priorities(void **state)
{
	struct vuart u;
	struct sink s;

	(void)state;
	setup(&u, &s);
	out(&u, MCR, 0x13); /* loopback without OUT2: DCD drops */
	out(&u, RBR, 'a');
	out(&u, RBR, 'b'); /* FIFOs off: overrun */
	out(&u, MCR, 0x0b); /* leaving loopback changes modem lines */
	out(&u, IER, 0x0f);
	assert_int_equal(in(&u, IIR), 0x06);
	in(&u, LSR);
	assert_int_equal(in(&u, IIR), 0x04);
	in(&u, RBR);
	assert_int_equal(in(&u, IIR), 0x02);
	assert_int_equal(in(&u, IIR), 0x00); /* THRE cleared by the read that reported it */
	in(&u, MSR);
	assert_int_equal(in(&u, IIR), 0x01);
	assert_false(s.level);
}

static void test_bad_accesses(void **state)
{
	struct vuart u;
	struct sink s;
	uint32_t v = 0;

	(void)state;
	setup(&u, &s);
	assert_int_equal(vuart_io(&u, 8, 1, true, &v), -ENODEV);
	assert_int_equal(v, 0xff);
	assert_int_equal(vuart_io(&u, 0, 3, true, &v), -EINVAL);
	out(&u, SCR, 0x42);
	assert_int_equal(vuart_io(&u, 7, 2, true, &v), 0);
	assert_int_equal(v, 0xff42);
	v = 0x0b00;
	assert_int_equal(vuart_io(&u, 3, 2, false, &v), 0); /* LCR 0, MCR 0x0b */
	assert_int_equal(in(&u, MCR), 0x0b);
	out(&u, LSR, 0x00); /* ignored */
	assert_int_equal(in(&u, LSR), 0x60);
	vuart_init(&u, NULL, NULL, NULL);
	out(&u, MCR, 0x08);
	out(&u, IER, 0x02);
	out(&u, RBR, 'q'); /* no callbacks: nothing breaks */
	assert_true(vuart_irq_level(&u));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_linux_autoconfig),
		cmocka_unit_test(test_linux_startup_thre_tests),
		cmocka_unit_test(test_transmit_with_thre_interrupt),
		cmocka_unit_test(test_out2_gates_irq),
		cmocka_unit_test(test_rx_fifo_and_interrupt),
		cmocka_unit_test(test_loopback_and_overrun),
		cmocka_unit_test(test_modem_status),
		cmocka_unit_test(test_divisor_latch_and_lcr),
		cmocka_unit_test(test_interrupt_priorities),
		cmocka_unit_test(test_bad_accesses),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
