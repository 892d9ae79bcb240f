/* SPDX-License-Identifier: MIT */
/* Guest 8259A PIC pair with the PIIX ELCR, modelled after the Intel 8259A datasheet (order no. 231468).
 *
 * Modelled: ICW1..ICW4, IMR (OCW1), non-specific/specific EOI, rotation (rotate on EOI, rotate in AEOI,
 * set priority), OCW3 IRR/ISR read select, poll mode and special mask mode, AEOI, per-line edge/level from
 * the ELCR, the PC/AT cascade of the slave on master IR2, spurious IR7 on INTA without a request.
 * Not modelled, because no PC operating system relies on them: 8080 (MCS-80) call mode (ICW4 uPM is taken
 * as 8086 whatever it says), buffered mode, special fully nested mode (ICW4 SFNM is ignored: slave
 * requests wait while the master has IR2 in service), and ICW1 LTIM (the PIIX ignores it too: the ELCR
 * decides edge/level per line). ICW3 is stored but the wiring is fixed: slave INT -> master IR2. */
#include "drivers/pc/vio_bytes.h"
#include "drivers/pc/vpic.h"
#include "kernel/errno.h"

#define ICW1_IC4 0x01
#define ICW1_SNGL 0x02
#define ICW1_INIT 0x10
#define ICW4_AEOI 0x02
#define OCW3_SELECT 0x08
#define OCW3_RIS 0x01
#define OCW3_RR 0x02
#define OCW3_POLL 0x04
#define OCW3_SMM 0x20
#define OCW3_ESMM 0x40
#define POLL_INT 0x80
#define SPURIOUS_IRQ 7
#define CASCADE_BIT (1u << VPIC_CASCADE_IRQ)
/* ELCR bits for IRQ 0, 1, 2, 8 and 13 are reserved and read 0 on the PIIX: those lines are always edge. */
#define ELCR_MASTER_MASK 0xf8
#define ELCR_SLAVE_MASK 0xde

enum { MASTER, SLAVE };

static void chip_reset(struct vpic_chip *c, uint8_t base, uint8_t elcr_mask)
{
	*c = (struct vpic_chip){ .imr = 0xff, .vector_base = base, .lowest = 7, .elcr_mask = elcr_mask };
}

void vpic_init(struct vpic *p)
{
	chip_reset(&p->chip[MASTER], 0x08, ELCR_MASTER_MASK);
	chip_reset(&p->chip[SLAVE], 0x70, ELCR_SLAVE_MASK);
	p->chip[MASTER].icw3 = CASCADE_BIT;
	p->chip[SLAVE].icw3 = VPIC_CASCADE_IRQ;
}

/* ---- priority resolution -------------------------------------------------------------------------- */

/* Priority rank of input irq, 0 the highest: the input after the lowest-priority one ranks first. */
static unsigned rank(const struct vpic_chip *c, unsigned irq)
{
	return (irq - c->lowest - 1u) & 7u;
}

/* The highest-priority input whose bit is set in bits, or -1. */
static int highest(const struct vpic_chip *c, uint8_t bits)
{
	if (!bits) /* the usual case, asked on every run-loop pass: no scan of eight levels */
		return -1;
	for (unsigned r = 0; r < 8; r++) {
		unsigned irq = (c->lowest + 1u + r) & 7u;

		if (bits & (1u << irq))
			return (int)irq;
	}
	return -1;
}

/* The input this chip would raise INT for given its requests irr, or -1. A request must beat every
 * in-service level (fully nested mode); in special mask mode masked in-service levels stop blocking. */
static int chip_request(const struct vpic_chip *c, uint8_t irr)
{
	int irq = highest(c, irr & ~c->imr);
	int cur;

	if (irq < 0)
		return -1;
	cur = highest(c, c->special_mask ? c->isr & ~c->imr : c->isr);
	if (cur >= 0 && rank(c, (unsigned)cur) <= rank(c, (unsigned)irq))
		return -1;
	return irq;
}

/* The master's requests with IR2 following the slave's INT output. Real IR2 is edge-triggered, but the
 * slave drops INT while the winning level is in service and raises it again after EOI, so following its
 * level gives the same deliveries without a second latch that could go stale. */
static uint8_t master_irr(const struct vpic *p)
{
	const struct vpic_chip *m = &p->chip[MASTER];
	uint8_t irr = m->irr & (uint8_t)~CASCADE_BIT;

	if (!m->single && chip_request(&p->chip[SLAVE], p->chip[SLAVE].irr) >= 0)
		irr |= CASCADE_BIT;
	return irr;
}

static uint8_t chip_irr(const struct vpic *p, unsigned idx)
{
	return idx == MASTER ? master_irr(p) : p->chip[SLAVE].irr;
}

bool vpic_has_request(const struct vpic *p)
{
	const struct vpic_chip *m = &p->chip[MASTER], *s = &p->chip[SLAVE];

	/* IR2 never counts by itself: master_irr takes it from the slave alone. */
	return (m->irr & (uint8_t)~CASCADE_BIT & (uint8_t)~m->imr) || (s->irr & (uint8_t)~s->imr);
}

int vpic_pending_vector(const struct vpic *p)
{
	const struct vpic_chip *m = &p->chip[MASTER], *s = &p->chip[SLAVE];
	int irq = chip_request(m, master_irr(p));

	if (irq < 0)
		return -1;
	if (irq == VPIC_CASCADE_IRQ && !m->single)
		return s->vector_base + chip_request(s, s->irr);
	return m->vector_base + irq;
}

bool vpic_edge_would_deliver(const struct vpic *p, unsigned irq)
{
	const struct vpic_chip *m = &p->chip[MASTER], *s = &p->chip[SLAVE];
	uint8_t bit = (uint8_t)(1u << (irq & 7));

	if (irq >= VPIC_IRQS || irq == VPIC_CASCADE_IRQ)
		return false;
	if (irq < 8)
		return !(m->irr & bit) && chip_request(m, bit) == (int)irq;
	return !m->single && !(s->irr & bit) && chip_request(s, bit) == (int)(irq & 7) &&
	       chip_request(m, CASCADE_BIT) == VPIC_CASCADE_IRQ;
}

bool vpic_irq_masked(const struct vpic *p, unsigned irq)
{
	if (irq >= VPIC_IRQS)
		return true;
	if (irq < 8)
		return p->chip[MASTER].imr & (1u << irq);
	return (p->chip[SLAVE].imr & (1u << (irq & 7))) || (p->chip[MASTER].imr & CASCADE_BIT);
}

/* INTA on one chip: an edge request is consumed; a level request stays while its line is high. */
static void chip_ack(struct vpic_chip *c, unsigned irq)
{
	uint8_t bit = (uint8_t)(1u << irq);

	if (!(c->elcr & bit))
		c->irr &= (uint8_t)~bit;
	if (!c->aeoi)
		c->isr |= bit;
	else if (c->rotate_on_aeoi)
		c->lowest = (uint8_t)irq;
}

int vpic_ack(struct vpic *p)
{
	struct vpic_chip *m = &p->chip[MASTER], *s = &p->chip[SLAVE];
	int irq = chip_request(m, master_irr(p)), sirq;

	/* No request at INTA: the 8259A answers with IR7's vector and sets no ISR bit (datasheet). */
	if (irq < 0)
		return m->vector_base + SPURIOUS_IRQ;
	chip_ack(m, (unsigned)irq);
	if (irq != VPIC_CASCADE_IRQ || m->single)
		return m->vector_base + irq;
	sirq = chip_request(s, s->irr);
	if (sirq < 0) /* unreachable while IR2 follows the slave; kept as the chip would answer */
		return s->vector_base + SPURIOUS_IRQ;
	chip_ack(s, (unsigned)sirq);
	return s->vector_base + sirq;
}

void vpic_set_irq(struct vpic *p, unsigned irq, bool level)
{
	struct vpic_chip *c;
	uint8_t bit;

	if (irq >= VPIC_IRQS || irq == VPIC_CASCADE_IRQ)
		return;
	c = &p->chip[irq >> 3];
	bit = (uint8_t)(1u << (irq & 7));
	if (level) {
		if ((c->elcr & bit) || !(c->line & bit))
			c->irr |= bit;
		c->line |= bit;
	} else {
		c->line &= (uint8_t)~bit;
		if (c->elcr & bit)
			c->irr &= (uint8_t)~bit;
	}
}

/* ---- command words ------------------------------------------------------------------------------- */

/* ICW1 resets the chip (datasheet "Initialization Command Words"): IMR and ISR cleared, IR7 lowest
 * priority, special mask off, IRR selected for reads, ICW4 functions zero when IC4 is 0. The edge
 * detectors restart too, so an edge line that is already high needs a new 0->1; level lines stay
 * requested while high. */
static void write_icw1(struct vpic_chip *c, uint8_t v)
{
	c->init_step = 2;
	c->need_icw4 = v & ICW1_IC4;
	c->single = v & ICW1_SNGL;
	c->imr = 0;
	c->isr = 0;
	c->irr = c->line & c->elcr;
	c->lowest = 7;
	c->aeoi = false;
	c->rotate_on_aeoi = false;
	c->special_mask = false;
	c->read_isr = false;
	c->poll = false;
}

static void write_icw(struct vpic_chip *c, uint8_t v)
{
	switch (c->init_step) {
	case 2:
		c->vector_base = v & 0xf8; /* in 8086 mode T7..T3 come from ICW2, the level fills bits 2..0 */
		c->init_step = !c->single ? 3 : c->need_icw4 ? 4 : 0;
		break;
	case 3:
		c->icw3 = v;
		c->init_step = c->need_icw4 ? 4 : 0;
		break;
	default:
		c->aeoi = v & ICW4_AEOI;
		c->init_step = 0;
		break;
	}
}

/* OCW2: R, SL, EOI in bits 7..5, level in bits 2..0. */
static void write_ocw2(struct vpic_chip *c, uint8_t v)
{
	unsigned level = v & 7u;
	int irq;

	switch (v >> 5) {
	case 0: /* rotate in AEOI mode: clear */
	case 4: /* rotate in AEOI mode: set */
		c->rotate_on_aeoi = v >> 7;
		break;
	case 1: /* non-specific EOI: the highest-priority level in service */
	case 5: /* rotate on non-specific EOI: that level becomes the lowest */
		irq = highest(c, c->isr);
		if (irq < 0)
			break;
		c->isr &= (uint8_t)~(1u << irq);
		if (v >> 7)
			c->lowest = (uint8_t)irq;
		break;
	case 3: /* specific EOI */
	case 7: /* rotate on specific EOI */
		c->isr &= (uint8_t)~(1u << level);
		if (v >> 7)
			c->lowest = (uint8_t)level;
		break;
	case 6: /* set priority */
		c->lowest = (uint8_t)level;
		break;
	default: /* 2: no operation */
		break;
	}
}

static void write_ocw3(struct vpic_chip *c, uint8_t v)
{
	if (v & OCW3_RR)
		c->read_isr = v & OCW3_RIS;
	if (v & OCW3_ESMM)
		c->special_mask = v & OCW3_SMM;
	c->poll = v & OCW3_POLL;
}

static void write_command(struct vpic_chip *c, uint8_t v)
{
	if (v & ICW1_INIT)
		write_icw1(c, v);
	else if (v & OCW3_SELECT)
		write_ocw3(c, v);
	else
		write_ocw2(c, v);
}

/* Poll: the read is the INTA (datasheet "The Poll Command"): I bit and level, ISR set as on INTA. */
static uint8_t read_poll(struct vpic *p, unsigned idx)
{
	struct vpic_chip *c = &p->chip[idx];
	int irq = chip_request(c, chip_irr(p, idx));

	c->poll = false;
	if (irq < 0)
		return 0;
	chip_ack(c, (unsigned)irq);
	return (uint8_t)(POLL_INT | irq);
}

static uint8_t read_command(struct vpic *p, unsigned idx)
{
	const struct vpic_chip *c = &p->chip[idx];

	if (c->poll)
		return read_poll(p, idx);
	return c->read_isr ? c->isr : chip_irr(p, idx);
}

/* ---- port dispatch --------------------------------------------------------------------------------- */

static void elcr_write(struct vpic_chip *c, uint8_t v)
{
	c->elcr = v & c->elcr_mask;
	c->irr = (uint8_t)((c->irr & ~c->elcr) | (c->line & c->elcr)); /* level lines follow at once */
}

static int pic_byte(struct vpic *p, uint16_t port, bool in, uint8_t *v)
{
	unsigned idx = port == VPIC_SLAVE_CMD || port == VPIC_SLAVE_DATA || port == VPIC_ELCR_SLAVE;
	struct vpic_chip *c = &p->chip[idx];

	switch (port) {
	case VPIC_MASTER_CMD:
	case VPIC_SLAVE_CMD:
		if (in)
			*v = read_command(p, idx);
		else
			write_command(c, *v);
		return 0;
	case VPIC_MASTER_DATA:
	case VPIC_SLAVE_DATA:
		if (in)
			*v = c->imr;
		else if (c->init_step)
			write_icw(c, *v);
		else
			c->imr = *v;
		return 0;
	case VPIC_ELCR_MASTER:
	case VPIC_ELCR_SLAVE:
		if (in)
			*v = c->elcr;
		else
			elcr_write(c, *v);
		return 0;
	default:
		return -ENODEV;
	}
}

static int pic_byte_cycle(void *dev, uint16_t port, bool in, uint8_t *b, void *arg)
{
	(void)arg;
	return pic_byte(dev, port, in, b);
}

int vpic_io(struct vpic *p, uint16_t port, uint8_t size, bool in, uint32_t *value)
{
	return vio_split_bytes(p, port, size, in, value, pic_byte_cycle, NULL);
}
