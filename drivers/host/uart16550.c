/* SPDX-License-Identifier: MIT */
/* Polled 16550 driver for the host console: 115200 8N1 on COM1. */
#include "drivers/host/uart16550.h"

#include "arch/x86/cpu.h"

#define COM1 0x3f8
#define UART_DATA 0
#define UART_IER 1
#define UART_DLL 0
#define UART_DLM 1
#define UART_FCR 2
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5
#define LSR_DATA_READY 0x01
#define LSR_THR_EMPTY 0x20
#define LSR_TX_IDLE 0x40
#define LCR_DLAB 0x80
#define LCR_8N1 0x03
#define SPIN_LIMIT 100000 /* a missing UART must not hang the hypervisor */

void uart_init(void)
{
	outb(COM1 + UART_IER, 0);
	outb(COM1 + UART_LCR, LCR_DLAB);
	outb(COM1 + UART_DLL, 1); /* 115200 baud */
	outb(COM1 + UART_DLM, 0);
	outb(COM1 + UART_LCR, LCR_8N1);
	outb(COM1 + UART_FCR, 0x07); /* enable and clear FIFOs */
	outb(COM1 + UART_MCR, 0x03); /* DTR, RTS */
}

static void uart_putc(char c)
{
	for (int i = 0; i < SPIN_LIMIT && !(inb(COM1 + UART_LSR) & LSR_THR_EMPTY); i++)
		cpu_pause();
	outb(COM1 + UART_DATA, (uint8_t)c);
}

void uart_write(const char *text, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (text[i] == '\n')
			uart_putc('\r');
		uart_putc(text[i]);
	}
}

int uart_read_byte(void)
{
	if (!(inb(COM1 + UART_LSR) & LSR_DATA_READY))
		return -1;
	return inb(COM1 + UART_DATA);
}

void uart_drain(void)
{
	for (int i = 0; i < SPIN_LIMIT && !(inb(COM1 + UART_LSR) & LSR_TX_IDLE); i++)
		cpu_pause();
}
