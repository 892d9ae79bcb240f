/* SPDX-License-Identifier: MIT */
/* Guest 16550A UART, modelled after the National/TI PC16550D datasheet (SNLS378).
 *
 * Transmission is instantaneous: a byte written to THR goes to the tx callback at once and THR and the
 * transmitter are empty again, so LSR always shows THRE and TEMT and output never stalls. The THRE
 * interrupt keeps its 16550 semantics (datasheet table "Interrupt Control Functions"): it is pending
 * after THR empties and when IER ETBEI goes 0->1 with THR empty; reading IIR while it is the reported
 * source, or writing THR, clears it. RX has no time base, so the character timeout interrupt (IIR 0xC)
 * is reported as soon as the FIFO holds fewer bytes than the trigger level, instead of 4 character
 * times later: every received byte is signalled promptly. Line errors other than overrun (parity,
 * framing, break) never happen on a virtual line. The DMA mode bit is stored and has no effect. */
#include <string.h>

#include "drivers/pc/vio_bytes.h"
#include "drivers/pc/vuart.h"
#include "kernel/errno.h"

enum { REG_DATA, REG_IER, REG_IIR_FCR, REG_LCR, REG_MCR, REG_LSR, REG_MSR, REG_SCR };

#define IER_RDI 0x01
#define IER_THRI 0x02
#define IER_RLSI 0x04
#define IER_MSI 0x08
#define IER_MASK 0x0f
#define IIR_NO_INT 0x01
#define IIR_MSI 0x00
#define IIR_THRI 0x02
#define IIR_RDI 0x04
#define IIR_RLSI 0x06
#define IIR_RX_TIMEOUT 0x0c
#define IIR_FIFO_ENABLED 0xc0
#define FCR_ENABLE 0x01
#define FCR_CLEAR_RX 0x02
#define FCR_KEEP 0xc9 /* enable, DMA mode, RX trigger */
#define LCR_DLAB 0x80
#define LCR_8N1 0x03
#define MCR_DTR 0x01
#define MCR_RTS 0x02
#define MCR_OUT1 0x04
#define MCR_OUT2 0x08
#define MCR_LOOP 0x10
#define MCR_MASK 0x1f
#define LSR_DR 0x01
#define LSR_OE 0x02
#define LSR_THRE 0x20
#define LSR_TEMT 0x40
#define MSR_DCTS 0x01
#define MSR_DDSR 0x02
#define MSR_TERI 0x04
#define MSR_DDCD 0x08
#define MSR_CTS 0x10
#define MSR_DSR 0x20
#define MSR_RI 0x40
#define MSR_DCD 0x80
#define MSR_CONNECTED (MSR_DCD | MSR_DSR | MSR_CTS)

_Static_assert(VUART_FIFO_SIZE == 16, "the 16550A's FIFOs are 16 bytes; IIR/FCR semantics assume it");

/* ---- state queries ----------------------------------------------------------------------------- */

static bool fifo_enabled(const struct vuart *u)
{
	return u->fcr & FCR_ENABLE;
}

static unsigned rx_capacity(const struct vuart *u)
{
	return fifo_enabled(u) ? VUART_FIFO_SIZE : 1;
}

/* FCR bits 7..6 select 1, 4, 8 or 14 bytes. */
static unsigned rx_trigger(const struct vuart *u)
{
	static const uint8_t level[4] = { 1, 4, 8, 14 };

	return fifo_enabled(u) ? level[u->fcr >> 6] : 1;
}

/* Highest-priority enabled interrupt (datasheet IIR table): line status, RX data or timeout, THR empty,
 * modem status. */
static uint8_t interrupt_id(const struct vuart *u)
{
	if ((u->ier & IER_RLSI) && u->lsr_errors)
		return IIR_RLSI;
	if ((u->ier & IER_RDI) && u->rx_count)
		return u->rx_count >= rx_trigger(u) ? IIR_RDI : IIR_RX_TIMEOUT;
	if ((u->ier & IER_THRI) && u->thre_pending)
		return IIR_THRI;
	if ((u->ier & IER_MSI) && u->msr_deltas)
		return IIR_MSI;
	return IIR_NO_INT;
}

/* On a PC the INTR pin reaches the PIC only through a buffer enabled by the OUT2 pin, and loopback
 * forces the OUT pins inactive (datasheet "Loopback"), so loopback also cuts the line. */
bool vuart_irq_level(const struct vuart *u)
{
	return interrupt_id(u) != IIR_NO_INT && (u->mcr & (MCR_OUT2 | MCR_LOOP)) == MCR_OUT2;
}

static void update_irq(struct vuart *u)
{
	bool level = vuart_irq_level(u);

	if (level == u->irq_level)
		return;
	u->irq_level = level;
	if (u->irq_changed)
		u->irq_changed(u->ctx, level);
}

/* Modem inputs: the far end looks connected, or in loopback the MCR outputs fed back as the datasheet
 * wires them (RTS->CTS, DTR->DSR, OUT1->RI, OUT2->DCD). Changes set the delta bits; RI counts on its
 * trailing edge only. */
static void update_modem_lines(struct vuart *u)
{
	uint8_t lines = MSR_CONNECTED, changed;

	if (u->mcr & MCR_LOOP)
		lines = (uint8_t)((u->mcr & MCR_RTS ? MSR_CTS : 0) | (u->mcr & MCR_DTR ? MSR_DSR : 0) |
				  (u->mcr & MCR_OUT1 ? MSR_RI : 0) | (u->mcr & MCR_OUT2 ? MSR_DCD : 0));
	changed = lines ^ u->msr_lines;
	if (changed & MSR_CTS)
		u->msr_deltas |= MSR_DCTS;
	if (changed & MSR_DSR)
		u->msr_deltas |= MSR_DDSR;
	if (changed & u->msr_lines & MSR_RI)
		u->msr_deltas |= MSR_TERI;
	if (changed & MSR_DCD)
		u->msr_deltas |= MSR_DDCD;
	u->msr_lines = lines;
}

void vuart_init(struct vuart *u, vuart_tx_fn tx, vuart_irq_fn irq_changed, void *ctx)
{
	memset(u, 0, sizeof(*u));
	u->lcr = LCR_8N1;
	u->mcr = MCR_DTR | MCR_RTS;
	u->msr_lines = MSR_CONNECTED;
	u->dll = 1;
	u->tx = tx;
	u->irq_changed = irq_changed;
	u->ctx = ctx;
}

/* ---- receive path ------------------------------------------------------------------------------- */

static void rx_push(struct vuart *u, uint8_t byte)
{
	u->rx[(u->rx_head + u->rx_count) % VUART_FIFO_SIZE] = byte;
	u->rx_count++;
}

static uint8_t rx_pop(struct vuart *u)
{
	uint8_t byte;

	if (!u->rx_count)
		return 0;
	byte = u->rx[u->rx_head];
	u->rx_head = (uint8_t)((u->rx_head + 1) % VUART_FIFO_SIZE);
	u->rx_count--;
	return byte;
}

static void rx_clear(struct vuart *u)
{
	u->rx_head = 0;
	u->rx_count = 0;
}

/* A byte the guest sent itself in loopback. Unlike host input nobody can hold it back: a full FIFO
 * overruns (datasheet "OE"): in FIFO mode the new byte is lost, a 16450-style holding register is
 * overwritten. */
static void loopback_receive(struct vuart *u, uint8_t byte)
{
	if (u->rx_count < rx_capacity(u)) {
		rx_push(u, byte);
		return;
	}
	u->lsr_errors |= LSR_OE;
	if (!fifo_enabled(u))
		u->rx[u->rx_head] = byte;
}

int vuart_receive(struct vuart *u, uint8_t byte)
{
	if (u->mcr & MCR_LOOP)
		return -EBUSY;
	if (u->rx_count >= rx_capacity(u))
		return -ENOSPC;
	rx_push(u, byte);
	update_irq(u);
	return 0;
}

/* ---- register writes ---------------------------------------------------------------------------- */

static void write_thr(struct vuart *u, uint8_t byte)
{
	u->thre_pending = false;
	if (u->mcr & MCR_LOOP)
		loopback_receive(u, byte);
	else if (u->tx)
		u->tx(u->ctx, byte);
	u->thre_pending = true; /* sent at once: THR is empty again */
}

static void write_ier(struct vuart *u, uint8_t v)
{
	v &= IER_MASK;
	if (!(u->ier & IER_THRI) && (v & IER_THRI))
		u->thre_pending = true; /* THR is always empty */
	u->ier = v;
}

/* FCR0 gates every other bit; toggling it empties the FIFOs (datasheet "FIFO Control Register"). */
static void write_fcr(struct vuart *u, uint8_t v)
{
	if ((v ^ u->fcr) & FCR_ENABLE)
		rx_clear(u);
	if (!(v & FCR_ENABLE)) {
		u->fcr = 0;
		return;
	}
	if (v & FCR_CLEAR_RX)
		rx_clear(u);
	u->fcr = v & FCR_KEEP;
}

static void write_reg(struct vuart *u, unsigned reg, uint8_t v)
{
	bool dlab = u->lcr & LCR_DLAB;

	switch (reg) {
	case REG_DATA:
		if (dlab)
			u->dll = v;
		else
			write_thr(u, v);
		break;
	case REG_IER:
		if (dlab)
			u->dlm = v;
		else
			write_ier(u, v);
		break;
	case REG_IIR_FCR:
		write_fcr(u, v);
		break;
	case REG_LCR:
		u->lcr = v;
		break;
	case REG_MCR:
		u->mcr = v & MCR_MASK;
		update_modem_lines(u);
		break;
	case REG_SCR:
		u->scr = v;
		break;
	default: /* LSR and MSR writes are factory test on the 16550: ignored */
		break;
	}
}

/* ---- register reads ----------------------------------------------------------------------------- */

static uint8_t read_iir(struct vuart *u)
{
	uint8_t id = interrupt_id(u);

	if (id == IIR_THRI)
		u->thre_pending = false;
	return (uint8_t)(id | (fifo_enabled(u) ? IIR_FIFO_ENABLED : 0));
}

static uint8_t read_lsr(struct vuart *u)
{
	uint8_t v = (uint8_t)(u->lsr_errors | LSR_THRE | LSR_TEMT | (u->rx_count ? LSR_DR : 0));

	u->lsr_errors = 0;
	return v;
}

static uint8_t read_msr(struct vuart *u)
{
	uint8_t v = u->msr_lines | u->msr_deltas;

	u->msr_deltas = 0;
	return v;
}

static uint8_t read_reg(struct vuart *u, unsigned reg)
{
	bool dlab = u->lcr & LCR_DLAB;

	switch (reg) {
	case REG_DATA:
		return dlab ? u->dll : rx_pop(u);
	case REG_IER:
		return dlab ? u->dlm : u->ier;
	case REG_IIR_FCR:
		return read_iir(u);
	case REG_LCR:
		return u->lcr;
	case REG_MCR:
		return u->mcr;
	case REG_LSR:
		return read_lsr(u);
	case REG_MSR:
		return read_msr(u);
	default:
		return u->scr;
	}
}

static int uart_byte_cycle(void *dev, uint16_t reg, bool in, uint8_t *b, void *arg)
{
	(void)arg;
	if (reg >= VUART_PORTS)
		return -ENODEV;
	if (in)
		*b = read_reg(dev, reg);
	else
		write_reg(dev, reg, *b);
	return 0;
}

int vuart_io(struct vuart *u, uint16_t port_offset, uint8_t size, bool in, uint32_t *value)
{
	int rc = vio_split_bytes(u, port_offset, size, in, value, uart_byte_cycle, NULL);

	update_irq(u);
	return rc;
}
