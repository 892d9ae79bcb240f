/* SPDX-License-Identifier: MIT */
/* The VM's IOAPIC (version 0x20, 24 pins): indirect registers, edge/level pins, remote IRR, EOI. */
#include "drivers/pc/vioapic.h"

#include "drivers/pc/apic_bus.h"
#include "drivers/pc/pc_layout.h"
#include "kernel/errno.h"
#include "kernel/vm.h"

/*
 * Version 0x20 (the ICH's IOAPIC) rather than the 82093AA's 0x11: it adds the EOI register at
 * 0x40, which lets a guest (or a later LAPIC with "suppress EOI broadcast") clear remote IRR
 * directly. Linux and other OSes handle both; QEMU and KVM also model 0x20.
 */
#define IOAPIC_VERSION 0x20
#define IOAPIC_PINS PC_GSI_COUNT
#define IOAPIC_MMIO_SIZE 0x1000

/* Direct registers (byte offsets in the MMIO page); only aligned dword accesses are defined. */
#define IOAPIC_REGSEL 0x00
#define IOAPIC_WINDOW 0x10
#define IOAPIC_EOI 0x40

/* Indirect registers (IOREGSEL values). */
#define IOAPIC_REG_ID 0x00
#define IOAPIC_REG_VER 0x01
#define IOAPIC_REG_ARB 0x02
#define IOAPIC_REG_REDIR 0x10 /* 0x10 + 2n: low dword of pin n, 0x11 + 2n: high dword */
#define IOAPIC_ID_MASK 0x0f000000u

/* Redirection entry bits. */
#define RTE_VECTOR 0xffull
#define RTE_DELIVERY_SHIFT 8
#define RTE_DEST_LOGICAL (1ull << 11)
#define RTE_DELIVERY_STATUS (1ull << 12)
#define RTE_ACTIVE_LOW (1ull << 13)
#define RTE_REMOTE_IRR (1ull << 14)
#define RTE_LEVEL (1ull << 15)
#define RTE_MASKED (1ull << 16)
#define RTE_DEST_SHIFT 56
/* What software can write: bits 12 and 14 are status, 17-55 reserved (read as 0). */
#define RTE_WRITABLE (0xff00000000000000ull | RTE_MASKED | RTE_LEVEL | RTE_ACTIVE_LOW | RTE_DEST_LOGICAL | \
		      (7ull << RTE_DELIVERY_SHIFT) | RTE_VECTOR)

struct vioapic {
	struct vm *vm;
	uint32_t regsel;
	uint32_t id;           /* ID register as read: bits 27:24 */
	uint32_t lines;        /* bit n: pin n's device asserts its line */
	uint64_t rte[IOAPIC_PINS];
};

static struct vioapic ioapic_pool[VM_MAX];
static unsigned ioapic_used;

/* The wire as a PC board has it: ISA lines (pins 0-15) are driven high when asserted, PCI INTx#
 * lines (16-23) are open-drain, pulled up and driven low (so the MADT's ISA defaults and the _PRT's
 * "level, active low" for GSIs are both right). The polarity bit then says which electrical level
 * the pin takes as asserted; a guest that programs the wrong one sees an idle line as asserted. */
static bool pin_asserted(const struct vioapic *io, unsigned pin)
{
	bool asserted_by_device = io->lines & (1u << pin);
	bool high = pin >= PC_GSI_PCI_FIRST ? !asserted_by_device : asserted_by_device;

	return (io->rte[pin] & RTE_ACTIVE_LOW) ? !high : high;
}

/* Sends pin's message. Delivery modes 3 and 6 are reserved in a redirection entry: nothing is sent.
 * Vectors 0-15 go out as programmed; the receiving LAPIC rejects them as illegal, as on hardware. */
static int send_pin(struct vioapic *io, unsigned pin)
{
	uint64_t rte = io->rte[pin];
	unsigned mode = (unsigned)(rte >> RTE_DELIVERY_SHIFT) & 7;
	struct apic_msg m = {
		.vector = (uint8_t)(rte & RTE_VECTOR),
		.delivery = (uint8_t)mode,
		.shorthand = APIC_DEST_NONE,
		.logical = rte & RTE_DEST_LOGICAL,
		.level_triggered = (rte & RTE_LEVEL) && (mode == APIC_DM_FIXED || mode == APIC_DM_LOWEST),
		.assert = true,
		.dest = (uint32_t)(rte >> RTE_DEST_SHIFT),
	};

	if (mode == 3 || mode == APIC_DM_SIPI)
		return 0;
	return apic_bus_deliver(io->vm, NULL, &m);
}

/* A level pin that is asserted, unmasked and not waiting for an EOI sends again; remote IRR is set
 * when a LAPIC accepts the message (82093AA datasheet), so a message nobody takes is retried at
 * the next EOI, unmask or line change instead of wedging the pin. */
static void service_level(struct vioapic *io, unsigned pin)
{
	uint64_t *rte = &io->rte[pin];

	if (!(*rte & RTE_LEVEL) || (*rte & (RTE_MASKED | RTE_REMOTE_IRR)) || !pin_asserted(io, pin))
		return;
	if (send_pin(io, pin) > 0 && (*rte & RTE_LEVEL))
		*rte |= RTE_REMOTE_IRR;
}

bool vioapic_pin_masked(const struct vioapic *io, unsigned pin)
{
	return pin >= IOAPIC_PINS || (io->rte[pin] & RTE_MASKED);
}

void vioapic_set_pin(struct vioapic *io, unsigned pin, bool level)
{
	bool was;

	if (!io || pin >= IOAPIC_PINS)
		return;
	was = pin_asserted(io, pin);
	if (level)
		io->lines |= 1u << pin;
	else
		io->lines &= ~(1u << pin);
	if (io->rte[pin] & RTE_LEVEL)
		service_level(io, pin);
	else if (!was && pin_asserted(io, pin) && !(io->rte[pin] & RTE_MASKED))
		send_pin(io, pin); /* an edge while masked is lost, as on hardware */
}

void vioapic_eoi(struct vioapic *io, uint8_t vector)
{
	if (!io)
		return;
	for (unsigned pin = 0; pin < IOAPIC_PINS; pin++) {
		uint64_t *rte = &io->rte[pin];

		if ((*rte & RTE_VECTOR) != vector || !(*rte & RTE_REMOTE_IRR))
			continue;
		*rte &= ~RTE_REMOTE_IRR;
		service_level(io, pin);
	}
}

static uint32_t read_indirect(const struct vioapic *io, uint32_t reg)
{
	unsigned pin = (reg - IOAPIC_REG_REDIR) / 2;

	if (reg == IOAPIC_REG_ID)
		return io->id;
	if (reg == IOAPIC_REG_VER)
		return ((IOAPIC_PINS - 1u) << 16) | IOAPIC_VERSION;
	if (reg == IOAPIC_REG_ARB)
		return io->id; /* arbitration ID follows the APIC ID after reset */
	if (reg < IOAPIC_REG_REDIR || pin >= IOAPIC_PINS)
		return 0; /* unimplemented registers read as 0 */
	return (uint32_t)(reg & 1 ? io->rte[pin] >> 32 : io->rte[pin]);
}

static void write_rte(struct vioapic *io, unsigned pin, bool high, uint32_t value)
{
	uint64_t *rte = &io->rte[pin];
	uint64_t v = high ? (*rte & 0xffffffffull) | ((uint64_t)value << 32)
			  : (*rte & ~0xffffffffull) | value;

	*rte = (*rte & ~RTE_WRITABLE) | (v & RTE_WRITABLE);
	if (!(*rte & RTE_LEVEL))
		*rte &= ~RTE_REMOTE_IRR; /* remote IRR means nothing for an edge pin */
	service_level(io, pin); /* an unmasked, still asserted level pin delivers now */
}

static void write_indirect(struct vioapic *io, uint32_t reg, uint32_t value)
{
	unsigned pin = (reg - IOAPIC_REG_REDIR) / 2;

	if (reg == IOAPIC_REG_ID)
		io->id = value & IOAPIC_ID_MASK;
	else if (reg >= IOAPIC_REG_REDIR && pin < IOAPIC_PINS)
		write_rte(io, pin, reg & 1, value);
	/* version, arbitration and unimplemented registers ignore writes */
}

/* Only aligned dword accesses to IOREGSEL, IOWIN and EOI are defined; anything else (another
 * width, an unaligned or reserved offset) reads as all ones and writes are dropped. The page
 * aliases nothing. */
static int vioapic_mmio(struct vcpu *vcpu, void *dev, uint64_t gpa, unsigned size, bool write, uint64_t *value)
{
	struct vioapic *io = dev;
	uint64_t off = gpa - PC_IOAPIC_BASE;

	(void)vcpu;
	if (size != 4 || (off != IOAPIC_REGSEL && off != IOAPIC_WINDOW && off != IOAPIC_EOI)) {
		if (!write)
			*value = ~0ull;
		return 0;
	}
	if (off == IOAPIC_REGSEL) {
		if (write)
			io->regsel = (uint32_t)*value & 0xff;
		else
			*value = io->regsel;
	} else if (off == IOAPIC_WINDOW) {
		if (write)
			write_indirect(io, io->regsel, (uint32_t)*value);
		else
			*value = read_indirect(io, io->regsel);
	} else if (write) {
		vioapic_eoi(io, (uint8_t)*value);
	} else {
		*value = 0; /* EOI is write-only */
	}
	return 0;
}

static void vioapic_reset(struct vioapic *io, struct vm *vm)
{
	*io = (struct vioapic){ .vm = vm, .id = (uint32_t)PC_IOAPIC_ID << 24 };
	for (unsigned pin = 0; pin < IOAPIC_PINS; pin++)
		io->rte[pin] = RTE_MASKED;
}

int vioapic_attach(struct vm *vm)
{
	struct vioapic *io;
	int rc;

	if (ioapic_used == VM_MAX)
		return -ENOSPC;
	io = &ioapic_pool[ioapic_used++];
	vioapic_reset(io, vm);
	rc = vm_register_mmio(vm, PC_IOAPIC_BASE, IOAPIC_MMIO_SIZE, vioapic_mmio, io);
	if (!rc)
		vm->ioapic = io;
	return rc;
}
