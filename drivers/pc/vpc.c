/* SPDX-License-Identifier: MIT */
/* Glue for the legacy PC devices: port ranges, the UART's IRQ 4 line, PIT edges on IRQ 0. */
#include "drivers/pc/vpc.h"

#include "drivers/pc/pc_layout.h"
#include "drivers/pc/tick_owed.h"
#include "drivers/pc/vioapic.h"
#include "drivers/pc/vpic.h"
#include "drivers/pc/vpit.h"
#include "drivers/pc/vuart.h"
#include "kernel/clock.h"
#include "kernel/errno.h"
#include "kernel/virq.h"
#include "kernel/vm.h"

#define COM1_BASE 0x3f8
#define COM1_IRQ 4
#define PIT_IRQ 0
#define POST_PORT 0x80
/* The PIT's interrupts reach a guest at most this often (5 kHz): faster edges coalesce, as they
 * would on a PIC that is slow to be acknowledged. Counters still read exactly. Linux's tick is 4 ms
 * (HZ=250) or 1 ms, far above it; what it stops is a guest making the host take an exit every
 * 1.7 us (count 2) on its behalf. */
#define VPC_TIMER_MIN_PERIOD_NS 200000ull

struct vpc {
	struct vm *vm;
	struct vpic pic;
	struct vpit pit;
	struct vuart uart;
	bool timer_changed;   /* the next timer event may have moved: re-arm the host timer */
	struct tick_owed pit_owed; /* PIT periods not yet raised on IRQ 0, and when the last was */
};

static struct vpc pc_pool[VM_MAX];
static unsigned pc_used;

/* Timer edges the host did not wake for (see vpc_run_timers) are accounted before the guest can
 * see the PIC's state, and its writes (unmask, EOI) may make the next edge deliverable. */
static int pic_io(struct vcpu *vcpu, void *dev, uint16_t port, uint8_t size, bool in, uint32_t *value)
{
	struct vpc *pc = dev;

	(void)vcpu;
	vpc_run_timers(pc, clock_ns());
	if (!in)
		pc->timer_changed = true;
	return vpic_io(&pc->pic, port, size, in, value);
}

static int pit_io(struct vcpu *vcpu, void *dev, uint16_t port, uint8_t size, bool in, uint32_t *value)
{
	struct vpc *pc = dev;
	uint64_t now = clock_ns();

	(void)vcpu;
	if (!in && port != 0x61) {
		vpc_run_timers(pc, now); /* edges before the reprogramming go to the PIC first */
		pc->timer_changed = true;
	}
	return vpit_io(&pc->pit, port, size, in, value, now);
}

static int uart_io(struct vcpu *vcpu, void *dev, uint16_t port, uint8_t size, bool in, uint32_t *value)
{
	(void)vcpu;
	return vuart_io(&((struct vpc *)dev)->uart, (uint16_t)(port - COM1_BASE), size, in, value);
}

/* Port 0x80 is the POST/delay port Linux writes to for I/O delays: accepted silently. */
static int post_io(struct vcpu *vcpu, void *dev, uint16_t port, uint8_t size, bool in, uint32_t *value)
{
	(void)vcpu;
	(void)dev;
	(void)port;
	(void)size;
	if (in)
		*value = 0xffffffffu;
	return 0;
}

#define RESET_CONTROL_PORT 0xcf9
#define RESET_CONTROL_RESET (1u << 2)
#define KBC_COMMAND_PORT 0x64
#define KBC_PULSE_RESET 0xfe

/* Port 0xcf9 (reset control): writing the reset bit resets the machine. */
static int reset_control_io(struct vcpu *vcpu, void *dev, uint16_t port, uint8_t size, bool in,
			    uint32_t *value)
{
	(void)dev;
	(void)port;
	(void)size;
	if (in)
		*value = 0;
	else if (*value & RESET_CONTROL_RESET)
		vm_reset_requested(vcpu->vm, "reset control register, port 0xcf9");
	return 0;
}

/* Only the keyboard controller's reset pulse is modelled; everything else there stays an empty bus
 * (a negative return), so the i8042 probe finds no controller, as before. */
static int kbc_command_io(struct vcpu *vcpu, void *dev, uint16_t port, uint8_t size, bool in,
			  uint32_t *value)
{
	(void)dev;
	(void)port;
	(void)size;
	if (in || (*value & 0xff) != KBC_PULSE_RESET)
		return -ENODEV;
	vm_reset_requested(vcpu->vm, "keyboard controller reset pulse, port 0x64");
	return 0;
}

static void uart_tx(void *ctx, uint8_t byte)
{
	vm_console_putc(((struct vpc *)ctx)->vm, (char)byte);
}

/* ISA lines go through virq so the IOAPIC's pin follows the PIC's. */
static void uart_irq(void *ctx, bool level)
{
	virq_set_isa_irq(((struct vpc *)ctx)->vm, COM1_IRQ, level);
}

int vpc_attach(struct vm *vm)
{
	struct vpc *pc;
	int rc;

	if (pc_used == VM_MAX)
		return -ENOSPC;
	pc = &pc_pool[pc_used++];
	pc->vm = vm;
	vpic_init(&pc->pic);
	vpit_init(&pc->pit);
	vuart_init(&pc->uart, uart_tx, uart_irq, pc);
	vm->pc = pc;
	rc = vm_register_pio(vm, 0x20, 2, pic_io, pc);
	if (!rc)
		rc = vm_register_pio(vm, 0xa0, 2, pic_io, pc);
	if (!rc)
		rc = vm_register_pio(vm, 0x4d0, 2, pic_io, pc);
	if (!rc)
		rc = vm_register_pio(vm, 0x40, 4, pit_io, pc);
	if (!rc)
		rc = vm_register_pio(vm, 0x61, 1, pit_io, pc);
	if (!rc)
		rc = vm_register_pio(vm, COM1_BASE, 8, uart_io, pc);
	if (!rc)
		rc = vm_register_pio(vm, POST_PORT, 1, post_io, pc);
	if (!rc)
		rc = vm_register_pio(vm, RESET_CONTROL_PORT, 1, reset_control_io, pc);
	if (!rc)
		rc = vm_register_pio(vm, KBC_COMMAND_PORT, 1, kbc_command_io, pc);
	return rc;
}

bool vpc_has_request(struct vpc *pc)
{
	return vpic_has_request(&pc->pic);
}

int vpc_pending_vector(struct vpc *pc)
{
	return vpic_pending_vector(&pc->pic);
}

int vpc_ack(struct vpc *pc)
{
	pc->timer_changed = true; /* a request left IRR: the next edge may matter again */
	return vpic_ack(&pc->pic);
}

/* The host wakes for the next PIT edge only if that edge would reach the CPU: not while IRQ 0 is
 * masked, already latched, or blocked by an unacknowledged interrupt. Skipped edges are not lost:
 * vpit counts them and the next call (at a PIC access or an ack) raises IRQ 0. A halted guest that
 * abuses its timer this way costs the host nothing. Periods that passed while the vCPU waited for a
 * core are owed (tick_owed.h) and raised one by one, VPC_TIMER_MIN_PERIOD_NS apart, once the line
 * can take one: at once through an unmasked IOAPIC pin 2 (the local APIC takes the vector), else
 * when the PIC's request for IRQ 0 is no longer latched or blocked. */
uint64_t vpc_run_timers(struct vpc *pc, uint64_t now_ns)
{
	bool ioapic_open = pc->vm->ioapic && !vioapic_pin_masked(pc->vm->ioapic, PC_GSI_PIT);
	bool ready = ioapic_open || vpic_edge_would_deliver(&pc->pic, PIT_IRQ);

	tick_owed_add(&pc->pit_owed, vpit_advance(&pc->pit, now_ns),
		      ioapic_open || !vpic_irq_masked(&pc->pic, PIT_IRQ));
	if (tick_owed_take(&pc->pit_owed, now_ns, VPC_TIMER_MIN_PERIOD_NS, ready)) {
		virq_set_isa_irq(pc->vm, PIT_IRQ, true);
		virq_set_isa_irq(pc->vm, PIT_IRQ, false);
		ready = ioapic_open; /* the PIC has it latched now */
	}
	/* Without an IOAPIC only the PIC can make the edge matter again, and its ack or EOI re-arms
	 * (pic_io, vpc_ack). With one, an RTE write does not, so the next period is still looked at. */
	if (!pc->vm->ioapic && !ready)
		return UINT64_MAX;
	return tick_owed_next(&pc->pit_owed, vpit_next_irq_ns(&pc->pit), VPC_TIMER_MIN_PERIOD_NS, now_ns, ready);
}

bool vpc_timer_changed(struct vpc *pc)
{
	bool changed = pc->timer_changed;

	pc->timer_changed = false;
	return changed;
}

int vpc_uart_input(struct vpc *pc, uint8_t byte)
{
	return vuart_receive(&pc->uart, byte);
}

void vpc_set_irq(struct vpc *pc, unsigned irq, bool level)
{
	if (irq < 16)
		vpic_set_irq(&pc->pic, irq, level);
}
