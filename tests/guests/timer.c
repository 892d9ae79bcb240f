/* SPDX-License-Identifier: MIT */
/* Timer abuse on the pc platform: the fastest PIT, masked, never acknowledged, IF=0; the host must not care. */
#include "lib/hostile.h"

const char guest_name[] = "timer";

#define PIC1_CMD 0x20
#define PIC1_DATA 0x21
#define PIC2_CMD 0xa0
#define PIC2_DATA 0xa1
#define PIC_EOI 0x20
#define PIT_CH0 0x40
#define PIT_CMD 0x43
#define PIT_MODE2_CH0 0x34 /* channel 0, lobyte/hibyte, mode 2 (rate generator), binary */
#define VEC_BASE 0x20
#define VEC_IRQ0 VEC_BASE
#define PIT_HZ 1193182ul
#define COUNT_1KHZ 1193u
#define SEGMENTS 5          /* the hostile phase is cut into this many attacks */
#define SPIN_NS 2000000ul   /* (c) and (d): CPU-busy for at most 2 ms each */

static volatile unsigned irq0_count, spurious_count;
static volatile bool irq0_eoi = true;

static void irq0_handler(struct exc_frame *f)
{
	(void)f;
	irq0_count++;
	if (irq0_eoi)
		outb(PIC1_CMD, PIC_EOI);
}

/* IRQ 7 / 15 without an ISR bit: spurious, no EOI (8259A data sheet). */
static void spurious_handler(struct exc_frame *f)
{
	(void)f;
	spurious_count++;
}

static void pic_init(void)
{
	outb(PIC1_CMD, 0x11); /* ICW1: edge, cascade, ICW4 follows */
	outb(PIC2_CMD, 0x11);
	outb(PIC1_DATA, VEC_BASE);     /* ICW2 */
	outb(PIC2_DATA, VEC_BASE + 8);
	outb(PIC1_DATA, 0x04); /* ICW3: slave on IRQ 2 */
	outb(PIC2_DATA, 0x02);
	outb(PIC1_DATA, 0x01); /* ICW4: 8086 mode */
	outb(PIC2_DATA, 0x01);
	outb(PIC1_DATA, 0xff); /* everything masked */
	outb(PIC2_DATA, 0xff);
	for (int v = VEC_BASE; v < VEC_BASE + 16; v++)
		guest_set_handler(v, spurious_handler);
	guest_set_handler(VEC_IRQ0, irq0_handler);
}

static void pit_periodic(uint16_t count)
{
	outb(PIT_CMD, PIT_MODE2_CH0);
	outb(PIT_CH0, (uint8_t)count);
	outb(PIT_CH0, (uint8_t)(count >> 8));
}

static void irq0_mask(bool masked)
{
	outb(PIC1_DATA, masked ? 0xff : 0xfe);
}

/* HLT with IF=1 until the clock passes end (the wake time ends each HLT at the latest). */
static void idle_with_interrupts(uint64_t end)
{
	while (clock_ns() < end) {
		hypercall(BASALT_HC_WAKE_AT, end, 0, 0);
		asm volatile("sti\n\thlt\n\tcli" ::: "memory");
	}
}

/* (a) the fastest PIT, IRQ 0 masked at the PIC: nothing may arrive. */
static void attack_masked(uint64_t end)
{
	unsigned before = irq0_count;

	irq0_mask(true);
	pit_periodic(2);
	idle_with_interrupts(end - PHASE_NS / SEGMENTS / 2);
	pit_periodic(1); /* count 1 is illegal in mode 2: whatever the model does, it must stay sane */
	idle_with_interrupts(end);
	check(irq0_count == before, "timer-masked", "%u IRQ 0 arrived while masked", irq0_count - before);
}

/* (b) unmasked but never acknowledged: the ISR bit blocks IRQ 0 after the first one. */
static void attack_no_eoi(uint64_t end)
{
	unsigned before = irq0_count;

	irq0_eoi = false;
	pit_periodic(2);
	irq0_mask(false);
	idle_with_interrupts(end);
	irq0_mask(true);
	irq0_eoi = true;
	outb(PIC1_CMD, PIC_EOI);
	check(irq0_count - before == 1, "timer-no-eoi", "%u IRQ 0 without an EOI, want exactly 1",
	      irq0_count - before);
}

/* (c) unmasked, IF=0: spin a little, then HLT with a wake time (still IF=0). */
static void attack_if0(uint64_t end)
{
	uint64_t t = clock_ns() + SPIN_NS;

	pit_periodic(2);
	irq0_mask(false);
	while (clock_ns() < t)
		;
	while (clock_ns() < end) {
		hypercall(BASALT_HC_WAKE_AT, end, 0, 0);
		halt();
	}
	irq0_mask(true);
	check(clock_ns() >= end, "timer-if0-hlt", "HLT with IF=0 returned before its wake time");
}

/*
 * (d) reprogram the PIT as fast as the guest can for a moment (IRQ 0 masked,
 * IF=1: an unmasked sub-microsecond PIT would only measure interrupt
 * injection cost), then idle.
 */
static void attack_reprogram(uint64_t end)
{
	uint64_t t = clock_ns() + SPIN_NS;
	unsigned writes = 0;

	irq0_mask(true);
	asm volatile("sti" ::: "memory");
	while (clock_ns() < t) {
		for (int i = 0; i < 64; i++, writes++)
			pit_periodic((uint16_t)(1 + (i & 3)));
	}
	asm volatile("cli" ::: "memory");
	idle_with_interrupts(end);
	check(writes > 0, "timer-reprogram", "no PIT writes");
	printf("timer: %u PIT reprogrammings\n", writes);
}

/* The sanity side: a 1 kHz PIT delivers about 100 interrupts in 100 ms of clock. */
static void check_1khz(void)
{
	uint64_t end;
	unsigned before;

	pit_periodic(COUNT_1KHZ);
	irq0_mask(false);
	before = irq0_count;
	end = clock_ns() + 100000000ul;
	idle_with_interrupts(end);
	irq0_mask(true);
	check(irq0_count - before >= 80 && irq0_count - before <= 120, "timer-1khz",
	      "%u interrupts in 100 ms at 1 kHz, want 80..120", irq0_count - before);
}

void guest_main(void)
{
	uint64_t seg = PHASE_NS / SEGMENTS, t;

	phase_init();
	pic_init();
	hostile_wait_start();
	t = phase_hostile();
	attack_masked(t += seg);
	attack_no_eoi(t += seg);
	attack_if0(t += seg);
	attack_reprogram(t += seg);
	attack_masked(t += seg);
	check_1khz();
	printf("timer: %u spurious interrupts\n", spurious_count);
	hostile_finish();
}
