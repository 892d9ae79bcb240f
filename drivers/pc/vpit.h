/* SPDX-License-Identifier: MIT */
/* Guest 8254 PIT (3 channels, ports 0x40-0x43) and port 0x61: a register model on caller-supplied time. */
#ifndef BASALT_DRIVERS_VPIT_H
#define BASALT_DRIVERS_VPIT_H

#include <stdbool.h>
#include <stdint.h>

#define VPIT_HZ 1193182u /* 14.31818 MHz / 12, the PC's PIT input clock */
#define VPIT_PORT_BASE 0x40 /* 0x40-0x42 channel data, 0x43 control word */
#define VPIT_PORT_CONTROL 0x43
#define VPIT_PORT_SYSCTL 0x61 /* system control port B: channel 2 gate, speaker, OUT2 */
#define VPIT_CHANNELS 3

struct vpit_channel {
	uint32_t count;       /* the count in use, 1..0x10000 (a written 0 is the maximum count) */
	uint64_t start;       /* tick at which counting (re)started from count */
	uint64_t frozen;      /* elapsed ticks held while the gate suspends counting */
	uint8_t ctrl;         /* control word bits 5..0 (RW, mode, BCD) as written, for read-back status */
	uint8_t mode;         /* 0..5 (6 and 7 are aliases of 2 and 3) */
	uint8_t rw;           /* 1 LSB only, 2 MSB only, 3 LSB then MSB */
	bool bcd;
	bool gate;
	bool loaded;          /* a full count was written after the last control word */
	bool armed;           /* counting its sequence (modes 1 and 5: after a gate trigger) */
	bool stopped;         /* gate low in mode 0, 2, 3 or 4: counting suspended at frozen */
	bool null_count;      /* status bit 6: count written but not yet in the counting element */
	bool write_msb_next;  /* RW 3 write flip-flop */
	bool read_msb_next;   /* RW 3 read flip-flop for unlatched reads */
	uint8_t write_lsb;
	uint8_t latch_left;   /* latched count bytes still to be read: 0, 1 or 2 */
	uint16_t latch;
	bool status_latched;
	uint8_t status;
};

struct vpit {
	struct vpit_channel ch[VPIT_CHANNELS];
	uint8_t sysctl;       /* port 0x61 bits 3..0 as written */
	bool refresh;         /* port 0x61 bit 4 */
	uint64_t irq_tick;    /* channel 0 OUT edges up to this tick are accounted for */
	unsigned irq_edges;   /* accounted edges not yet returned by vpit_advance */
};

/* Power-on state: no channel programmed (so no IRQ 0 until the guest programs channel 0), gates of
 * channels 0 and 1 tied high as on the PC, channel 2 gate low (port 0x61 = 0). */
void vpit_init(struct vpit *p);

/* Port access for 0x40-0x43 and 0x61 at guest time now_ns (monotonic, any origin, same clock for every
 * call). size 1, 2 or 4: wider accesses are split into byte cycles on consecutive ports. Returns 0;
 * -ENODEV for a port that is not the PIT's (reads give all ones); -EINVAL for a bad size. */
int vpit_io(struct vpit *p, uint16_t port, uint8_t size, bool in, uint32_t *value, uint64_t now_ns);

/* Earliest time at which vpit_advance will report an IRQ 0 edge (the rising edge of channel 0's OUT),
 * or UINT64_MAX when channel 0 will not produce one without being reprogrammed. A time in the past
 * means edges are already waiting: arm the host timer for this value and call vpit_advance when it
 * fires. */
uint64_t vpit_next_irq_ns(const struct vpit *p);

/* Number of IRQ 0 rising edges between the previous call (or the reprogramming of channel 0) and
 * now_ns, saturating at UINT32_MAX. The PIC latches one edge per line, so the caller should raise
 * IRQ 0 once (vpic_set_irq 1 then 0) when this is non-zero: extra edges coalesce as on hardware. */
unsigned vpit_advance(struct vpit *p, uint64_t now_ns);

#endif
