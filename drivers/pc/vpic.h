/* SPDX-License-Identifier: MIT */
/* Guest 8259A PIC pair (PC/AT cascade on IRQ 2) with the ELCR: a plain register model, host-testable. */
#ifndef BASALT_DRIVERS_VPIC_H
#define BASALT_DRIVERS_VPIC_H

#include <stdbool.h>
#include <stdint.h>

#define VPIC_MASTER_CMD 0x20
#define VPIC_MASTER_DATA 0x21
#define VPIC_SLAVE_CMD 0xa0
#define VPIC_SLAVE_DATA 0xa1
#define VPIC_ELCR_MASTER 0x4d0
#define VPIC_ELCR_SLAVE 0x4d1
#define VPIC_CASCADE_IRQ 2
#define VPIC_IRQS 16

/* One 8259A. Bit n of each byte is the chip's input IRn. */
struct vpic_chip {
	uint8_t irr;          /* requests latched (edge) or followed (level) */
	uint8_t isr;          /* in service: acknowledged, not yet EOId */
	uint8_t imr;          /* masked inputs (OCW1) */
	uint8_t line;         /* current input levels, for edge detection */
	uint8_t elcr;         /* 1 = level-triggered (ELCR), 0 = edge */
	uint8_t elcr_mask;    /* ELCR bits that are writable on this chip */
	uint8_t vector_base;  /* ICW2, low 3 bits clear */
	uint8_t icw3;         /* stored only: the cascade is wired as on the PC/AT */
	uint8_t lowest;       /* lowest-priority input (rotation); 7 after ICW1 */
	uint8_t init_step;    /* 0 = operational, else the ICW expected next (2..4) */
	bool need_icw4;       /* ICW1 IC4 */
	bool single;          /* ICW1 SNGL: no ICW3 */
	bool aeoi;            /* ICW4 AEOI */
	bool rotate_on_aeoi;  /* OCW2 R=1 SL=0 EOI=0 */
	bool read_isr;        /* OCW3 RR/RIS: the command port reads ISR, else IRR */
	bool poll;            /* OCW3 P: the next command-port read is a poll */
	bool special_mask;    /* OCW3 SMM */
};

struct vpic {
	struct vpic_chip chip[2]; /* [0] master at 0x20, [1] slave at 0xa0 */
};

/* Hand-off state, as firmware leaves the chips: vectors 0x08/0x70, all inputs masked and edge-triggered,
 * nothing pending. The guest re-initialises with ICW1..ICW4 (which unmasks everything, per datasheet). */
void vpic_init(struct vpic *p);

/* Port access for 0x20, 0x21, 0xa0, 0xa1, 0x4d0, 0x4d1. size 1, 2 or 4: wider accesses are split into
 * byte cycles on consecutive ports, as the ISA bus does. Returns 0; -ENODEV for a port that is not the
 * PIC's (reads then give all ones); -EINVAL for a bad size. Never fails for a guest's register value. */
int vpic_io(struct vpic *p, uint16_t port, uint8_t size, bool in, uint32_t *value);

/* Drives input irq (0..15) to level. Edge inputs latch IRR on 0->1; level inputs (ELCR) follow the line.
 * IRQ 2 is the cascade input, driven by the slave internally: calls for it are ignored. */
void vpic_set_irq(struct vpic *p, unsigned irq, bool level);

/* The vector the CPU would get if it took the interrupt now, or -1 (INTR low). Pure: changes nothing. */
int vpic_pending_vector(const struct vpic *p);
/* False when no unmasked request is latched on either chip: vpic_pending_vector is then -1 for
 * sure (a quick test for every run-loop pass; true says only that the full answer is needed). */
bool vpic_has_request(const struct vpic *p);

/* Would a rising edge on input irq now reach the CPU? False when the request is already latched
 * (edges coalesce), the input is masked, or an in-service level of equal or higher priority blocks
 * it. A timer may skip waking the host for such an edge: the edge is only accounted for later,
 * when the guest touches the PIC or takes an interrupt (see drivers/pc/vpc.c). Pure. */
bool vpic_edge_would_deliver(const struct vpic *p, unsigned irq);
/* Whether irq is masked in its chip's IMR (or, behind the slave, the cascade input is). */
bool vpic_irq_masked(const struct vpic *p, unsigned irq);

/* The CPU's INTA cycle: moves the winning request from IRR to ISR (not in AEOI mode) on the master and,
 * through IRQ 2, the slave, and returns the vector to deliver. Call it right when the interrupt is
 * injected, after vpic_pending_vector said one is pending. If the request vanished in between, the
 * answer is the 8259A's: the spurious IR7 vector (master base + 7), no ISR bit set. Because master IR2
 * follows the slave's INT level, a vanished slave request also gives master IR7, where real hardware
 * could give slave IR7 (IRQ 15) with IR2 in service; Linux's spurious handling copes with both. */
int vpic_ack(struct vpic *p);

#endif
