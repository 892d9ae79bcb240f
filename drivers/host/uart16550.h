/* SPDX-License-Identifier: MIT */
/* Host serial console on a 16550 UART (COM1), polled. */
#ifndef BASALT_DRIVERS_UART16550_H
#define BASALT_DRIVERS_UART16550_H

#include <stddef.h>

void uart_init(void);
void uart_write(const char *text, size_t len);
/* The next received byte, or -1 when none is waiting. */
int uart_read_byte(void);
/* Waits until every byte has left the transmitter (before the machine is switched off). */
void uart_drain(void);

#endif
