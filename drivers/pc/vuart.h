/* SPDX-License-Identifier: MIT */
/* Guest 16550A UART with FIFOs and interrupts: a register model; bytes and IRQ changes leave by callback. */
#ifndef BASALT_DRIVERS_VUART_H
#define BASALT_DRIVERS_VUART_H

#include <stdbool.h>
#include <stdint.h>

#define VUART_COM1_BASE 0x3f8
#define VUART_COM1_IRQ 4
#define VUART_PORTS 8
#define VUART_FIFO_SIZE 16

/* Called for every byte the guest transmits (not in loopback). */
typedef void (*vuart_tx_fn)(void *ctx, uint8_t byte);
/* Called whenever the IRQ line (as wired on a PC: gated by MCR OUT2) changes level. */
typedef void (*vuart_irq_fn)(void *ctx, bool level);

struct vuart {
	uint8_t rx[VUART_FIFO_SIZE]; /* receive FIFO (one byte deep with FIFOs off, as a 16450) */
	uint8_t rx_head;
	uint8_t rx_count;
	uint8_t ier;          /* bits 3..0; 7..4 read 0 on a 16550A */
	uint8_t fcr;          /* FIFO enable, DMA mode and RX trigger bits as last programmed */
	uint8_t lcr;
	uint8_t mcr;          /* bits 4..0 */
	uint8_t lsr_errors;   /* OE, PE, FE, BI: sticky until LSR is read */
	uint8_t msr_lines;    /* MSR bits 7..4 as the UART sees them now */
	uint8_t msr_deltas;   /* MSR bits 3..0: changes since MSR was last read */
	uint8_t scr;
	uint8_t dll, dlm;     /* divisor latch: stored only, transmission is instantaneous */
	bool thre_pending;    /* THR-empty interrupt condition (before IER masking) */
	bool irq_level;       /* last level reported through irq_changed */
	vuart_tx_fn tx;
	vuart_irq_fn irq_changed;
	void *ctx;
};

/* Hand-off state as PC firmware leaves COM1: 115200 baud (divisor 1), 8N1, DTR and RTS up, OUT2 and all
 * interrupts off, FIFOs off, empty. The far end looks connected: DCD, DSR and CTS asserted, RI not.
 * tx and irq_changed may be NULL; neither may call back into this vuart. */
void vuart_init(struct vuart *u, vuart_tx_fn tx, vuart_irq_fn irq_changed, void *ctx);

/* Register access at port_offset 0..7 from the base. size 1, 2 or 4: wider accesses are split into byte
 * cycles on consecutive offsets. Returns 0; -ENODEV for an offset beyond 7 (reads give all ones);
 * -EINVAL for a bad size. May call tx and irq_changed. */
int vuart_io(struct vuart *u, uint16_t port_offset, uint8_t size, bool in, uint32_t *value);

/* Byte from the outside world into the RX FIFO. -ENOSPC when the FIFO (or the single holding register
 * with FIFOs off) is full, -EBUSY in loopback, where the serial input is disconnected: the caller keeps
 * the byte and offers it again later, so input is flow-controlled, never overrun. May call irq_changed. */
int vuart_receive(struct vuart *u, uint8_t byte);

/* The IRQ line now: an interrupt identified in IIR, and MCR OUT2 driving the PC's IRQ buffer. */
bool vuart_irq_level(const struct vuart *u);

#endif
