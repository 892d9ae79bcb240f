/* SPDX-License-Identifier: MIT */
/* Guest 8254 PIT and port 0x61, modelled after the Intel 82C54 datasheet (order no. 231244).
 *
 * Time is the caller's: every access passes now_ns, converted to PIT ticks at 1193182 Hz from the same
 * origin, so counts and OUT are pure functions of (state, tick) and never drift.
 * Modelled: modes 0-5, RW LSB/MSB/LSB-then-MSB with the write and read flip-flops, counter latch command,
 * read-back command (count and status latches), BCD counting, gates (channels 0 and 1 tied high, channel
 * 2 from port 0x61 bit 0), null count, OUT for every channel, and IRQ 0 edges from channel 0's OUT.
 * Simplified, with no effect on PC operating systems:
 *  - a count is loaded at the write, not on the next CLK edge (the real counter starts ~1 tick later);
 *  - in modes 2 and 3 a new count takes effect at once instead of at the end of the current period;
 *  - mode 3 with an odd count decrements by 2 throughout (the real chip spends one extra tick per half);
 *  - counts of 1 in modes 2 and 3 (illegal per datasheet) behave as 2;
 *  - in modes 1 and 5 a count written during a one-shot is used from the next trigger only, as specified,
 *    but is also what the current one-shot reads back. */
#include "drivers/pc/vio_bytes.h"
#include "drivers/pc/vpit.h"
#include "kernel/errno.h"

#define NS_PER_S 1000000000ull
#define CTRL_SELECT_SHIFT 6
#define CTRL_READBACK 3
#define CTRL_RW_SHIFT 4
#define CTRL_RW_LATCH 0
#define RW_LSB 1
#define RW_MSB 2
#define RW_WORD 3
#define READBACK_NO_COUNT 0x20
#define READBACK_NO_STATUS 0x10
#define STATUS_OUT 0x80
#define STATUS_NULL 0x40
#define SYSCTL_GATE2 0x01
#define SYSCTL_WRITABLE 0x0f /* gate 2, speaker data, parity and channel check enables */
#define SYSCTL_REFRESH 0x10
#define SYSCTL_OUT2 0x20

/* ---- time ------------------------------------------------------------------------------------------ */

/* floor(ns * VPIT_HZ / 1e9) without a 128-bit product: whole seconds and the remainder separately. */
static uint64_t ns_to_tick(uint64_t ns)
{
	return ns / NS_PER_S * VPIT_HZ + ns % NS_PER_S * VPIT_HZ / NS_PER_S;
}

/* The first ns at which ns_to_tick reaches tick, or UINT64_MAX beyond the ns range. */
static uint64_t tick_to_ns(uint64_t tick)
{
	uint64_t sec = tick / VPIT_HZ, rem = tick % VPIT_HZ;
	uint64_t frac = (rem * NS_PER_S + VPIT_HZ - 1) / VPIT_HZ;

	if (sec > (UINT64_MAX - frac) / NS_PER_S)
		return UINT64_MAX;
	return sec * NS_PER_S + frac;
}

/* ---- one counter ----------------------------------------------------------------------------------- */

static bool gate_suspends(uint8_t mode)
{
	return mode == 0 || mode == 2 || mode == 3 || mode == 4;
}

static uint64_t elapsed(const struct vpit_channel *c, uint64_t tick)
{
	if (c->stopped)
		return c->frozen;
	return tick > c->start ? tick - c->start : 0;
}

static uint32_t period(const struct vpit_channel *c)
{
	return c->count < 2 ? 2 : c->count;
}

/* The counting element after d ticks: modes 2 and 3 reload, the others wrap through the maximum. */
static uint32_t count_after(const struct vpit_channel *c, uint64_t d)
{
	uint32_t modulus = c->bcd ? 10000u : 0x10000u;

	switch (c->mode) {
	case 2:
		return period(c) - (uint32_t)(d % period(c));
	case 3:
		return period(c) - (uint32_t)((d % period(c)) * 2 % period(c));
	default:
		return (uint32_t)((c->count + modulus - d % modulus) % modulus);
	}
}

static uint16_t to_bcd(uint32_t v)
{
	return (uint16_t)((v / 1000 % 10) << 12 | (v / 100 % 10) << 8 | (v / 10 % 10) << 4 | v % 10);
}

static uint32_t from_bcd(uint16_t v)
{
	return (v >> 12) * 1000u + (v >> 8 & 15) * 100u + (v >> 4 & 15) * 10u + (v & 15);
}

static uint16_t read_count(const struct vpit_channel *c, uint64_t tick)
{
	uint32_t v = c->armed ? count_after(c, elapsed(c, tick)) : c->count;

	return c->bcd ? to_bcd(v % 10000u) : (uint16_t)v;
}

/* OUT per datasheet "Operating Modes": mode 0 starts low and goes high at terminal count; mode 1 goes low
 * on the trigger and high at terminal count; mode 2 is high except one tick at count 1; mode 3 is high
 * for the first half of each period; modes 4 and 5 are high except one tick at terminal count. A low
 * gate forces OUT high in modes 2 and 3. Before counting starts, OUT is low only in mode 0. */
static bool out_after(const struct vpit_channel *c, uint64_t d)
{
	if (!c->armed)
		return c->mode != 0;
	switch (c->mode) {
	case 0:
	case 1:
		return d >= c->count;
	case 2:
		return !c->gate || d % period(c) != period(c) - 1;
	case 3:
		return !c->gate || d % period(c) < (period(c) + 1) / 2;
	default:
		return d != c->count;
	}
}

static bool channel_out(const struct vpit_channel *c, uint64_t tick)
{
	return out_after(c, elapsed(c, tick));
}

/* Where OUT rises, in ticks after start: at first, then every step ticks (step 0: only once). */
static bool rising_edges(const struct vpit_channel *c, uint64_t *first, uint64_t *step)
{
	if (!c->armed || c->stopped)
		return false;
	*step = 0;
	if (c->mode == 2 || c->mode == 3)
		*first = *step = period(c);
	else if (c->mode == 4 || c->mode == 5)
		*first = c->count + 1u; /* OUT returns high the tick after the strobe */
	else
		*first = c->count;      /* modes 0 and 1: OUT rises at terminal count */
	return true;
}

/* Rising edges at or before d ticks after start. */
static uint64_t edges_until(uint64_t d, uint64_t first, uint64_t step)
{
	if (d < first)
		return 0;
	return step ? (d - first) / step + 1 : 1;
}

/* ---- IRQ 0 accounting -------------------------------------------------------------------------- */

/* Counts channel 0's edges in (irq_tick, tick] into irq_edges. Called before channel 0 changes, so a
 * reprogramming never loses edges that already happened. */
static void account_irq(struct vpit *p, uint64_t tick)
{
	const struct vpit_channel *c = &p->ch[0];
	uint64_t first, step, n;

	if (tick <= p->irq_tick)
		return;
	if (rising_edges(c, &first, &step)) {
		n = edges_until(elapsed(c, tick), first, step) - edges_until(elapsed(c, p->irq_tick), first, step);
		p->irq_edges = n > UINT32_MAX - p->irq_edges ? UINT32_MAX : p->irq_edges + (unsigned)n;
	}
	p->irq_tick = tick;
}

uint64_t vpit_next_irq_ns(const struct vpit *p)
{
	const struct vpit_channel *c = &p->ch[0];
	uint64_t first, step, seen, edge;

	if (p->irq_edges)
		return tick_to_ns(p->irq_tick);
	if (!rising_edges(c, &first, &step))
		return UINT64_MAX;
	seen = edges_until(elapsed(c, p->irq_tick), first, step);
	if (!step && seen)
		return UINT64_MAX;
	edge = first + seen * step;
	if (edge > UINT64_MAX - c->start)
		return UINT64_MAX;
	return tick_to_ns(c->start + edge);
}

unsigned vpit_advance(struct vpit *p, uint64_t now_ns)
{
	unsigned n;

	account_irq(p, ns_to_tick(now_ns));
	n = p->irq_edges;
	p->irq_edges = 0;
	return n;
}

/* ---- programming ------------------------------------------------------------------------------- */

static void latch_count(struct vpit_channel *c, uint64_t tick)
{
	if (c->latch_left) /* a second latch before the first is read is ignored (datasheet) */
		return;
	c->latch = read_count(c, tick);
	c->latch_left = c->rw == RW_WORD ? 2 : 1;
}

static void latch_status(struct vpit_channel *c, uint64_t tick)
{
	if (c->status_latched)
		return;
	c->status = (uint8_t)((channel_out(c, tick) ? STATUS_OUT : 0) | (c->null_count ? STATUS_NULL : 0) |
			      c->ctrl);
	c->status_latched = true;
}

/* A control word resets the counter's logic: OUT to its initial level, no count, flip-flops cleared. */
static void write_mode(struct vpit_channel *c, uint8_t v)
{
	c->ctrl = v & 0x3f;
	c->rw = (v >> CTRL_RW_SHIFT) & 3;
	c->mode = (v >> 1) & 7;
	if (c->mode > 5)
		c->mode -= 4;
	c->bcd = v & 1;
	c->loaded = c->armed = c->stopped = false;
	c->null_count = true;
	c->write_msb_next = c->read_msb_next = false;
	c->latch_left = 0;
	c->status_latched = false;
}

static void write_control(struct vpit *p, uint8_t v, uint64_t tick)
{
	unsigned sel = v >> CTRL_SELECT_SHIFT;

	if (sel == CTRL_READBACK) {
		for (unsigned i = 0; i < VPIT_CHANNELS; i++) {
			if (!(v & (2u << i)))
				continue;
			if (!(v & READBACK_NO_STATUS))
				latch_status(&p->ch[i], tick);
			if (!(v & READBACK_NO_COUNT))
				latch_count(&p->ch[i], tick);
		}
		return;
	}
	if (((v >> CTRL_RW_SHIFT) & 3) == CTRL_RW_LATCH) {
		latch_count(&p->ch[sel], tick);
		return;
	}
	if (sel == 0)
		account_irq(p, tick);
	write_mode(&p->ch[sel], v);
}

/* A complete count: modes 1 and 5 wait for a gate trigger, the others start now (or when the gate
 * allows). */
static void load_count(struct vpit_channel *c, uint16_t raw, uint64_t tick)
{
	uint32_t n = c->bcd ? from_bcd(raw) : raw;

	c->count = n ? n : c->bcd ? 10000u : 0x10000u;
	c->loaded = true;
	if (c->mode == 1 || c->mode == 5)
		return;
	c->null_count = false;
	c->armed = true;
	c->start = tick;
	c->frozen = 0;
	c->stopped = !c->gate;
}

static void write_data(struct vpit *p, unsigned idx, uint8_t v, uint64_t tick)
{
	struct vpit_channel *c = &p->ch[idx];

	if (idx == 0)
		account_irq(p, tick);
	switch (c->rw) {
	case RW_LSB:
		load_count(c, v, tick);
		break;
	case RW_MSB:
		load_count(c, (uint16_t)(v << 8), tick);
		break;
	case RW_WORD:
		if (c->write_msb_next) {
			c->write_msb_next = false;
			load_count(c, (uint16_t)(c->write_lsb | v << 8), tick);
			break;
		}
		c->write_lsb = v;
		c->write_msb_next = true;
		if (c->mode == 0) /* mode 0: the first byte stops counting and drops OUT at once */
			c->armed = false;
		break;
	default: /* no control word yet: the counter ignores data */
		break;
	}
}

static uint8_t count_byte(uint16_t v, bool msb)
{
	return (uint8_t)(msb ? v >> 8 : v);
}

static uint8_t read_data(struct vpit_channel *c, uint64_t tick)
{
	bool msb;

	if (c->status_latched) {
		c->status_latched = false;
		return c->status;
	}
	if (c->latch_left) {
		msb = c->rw == RW_MSB || (c->rw == RW_WORD && c->latch_left == 1);
		c->latch_left--;
		return count_byte(c->latch, msb);
	}
	msb = c->rw == RW_MSB || (c->rw == RW_WORD && c->read_msb_next);
	if (c->rw == RW_WORD)
		c->read_msb_next = !c->read_msb_next;
	return count_byte(read_count(c, tick), msb); /* unlatched: the live counter at this very read */
}

/* Gate edges per datasheet "Gate": modes 0 and 4 pause while low; modes 2 and 3 pause with OUT high
 * and restart from the full count on the rising edge; modes 1 and 5 start a one-shot on the rising
 * edge. */
static void set_gate(struct vpit_channel *c, bool gate, uint64_t tick)
{
	if (gate == c->gate)
		return;
	c->gate = gate;
	if (!gate) {
		if (c->armed && !c->stopped && gate_suspends(c->mode)) {
			c->frozen = elapsed(c, tick);
			c->stopped = true;
		}
		return;
	}
	if (!c->loaded)
		return;
	if ((c->mode == 0 || c->mode == 4) && c->armed) {
		c->start = tick > c->frozen ? tick - c->frozen : 0;
		c->stopped = false;
	} else if (c->mode != 0 && c->mode != 4) {
		c->armed = true;
		c->null_count = false;
		c->start = tick;
		c->stopped = false;
	}
}

void vpit_init(struct vpit *p)
{
	*p = (struct vpit){ 0 };
	for (unsigned i = 0; i < VPIT_CHANNELS; i++) {
		write_mode(&p->ch[i], RW_WORD << CTRL_RW_SHIFT);
		p->ch[i].null_count = false;
		p->ch[i].gate = i != 2;
	}
}

/* ---- port dispatch --------------------------------------------------------------------------------- */

/* Port 0x61 reads: bit 4 toggles on every read so loops waiting for refresh edges always progress. */
static uint8_t read_sysctl(struct vpit *p, uint64_t tick)
{
	uint8_t v = p->sysctl & SYSCTL_WRITABLE;

	if (p->refresh)
		v |= SYSCTL_REFRESH;
	p->refresh = !p->refresh;
	if (channel_out(&p->ch[2], tick))
		v |= SYSCTL_OUT2;
	return v;
}

static int pit_byte(struct vpit *p, uint16_t port, bool in, uint8_t *v, uint64_t tick)
{
	if (port == VPIT_PORT_SYSCTL) {
		if (in) {
			*v = read_sysctl(p, tick);
		} else {
			p->sysctl = *v & SYSCTL_WRITABLE;
			set_gate(&p->ch[2], *v & SYSCTL_GATE2, tick);
		}
		return 0;
	}
	if (port < VPIT_PORT_BASE || port > VPIT_PORT_CONTROL)
		return -ENODEV;
	if (port == VPIT_PORT_CONTROL) {
		if (in)
			*v = 0xff; /* the control register is write-only: the bus floats */
		else
			write_control(p, *v, tick);
	} else if (in) {
		*v = read_data(&p->ch[port - VPIT_PORT_BASE], tick);
	} else {
		write_data(p, port - VPIT_PORT_BASE, *v, tick);
	}
	return 0;
}

static int pit_byte_cycle(void *dev, uint16_t port, bool in, uint8_t *b, void *arg)
{
	return pit_byte(dev, port, in, b, *(const uint64_t *)arg);
}

int vpit_io(struct vpit *p, uint16_t port, uint8_t size, bool in, uint32_t *value, uint64_t now_ns)
{
	uint64_t tick = ns_to_tick(now_ns);

	return vio_split_bytes(p, port, size, in, value, pit_byte_cycle, &tick);
}
