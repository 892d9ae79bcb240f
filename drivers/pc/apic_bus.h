/* SPDX-License-Identifier: MIT */
/* Interrupt messages between a VM's IOAPIC, MSI-capable devices and its local APICs. */
#ifndef BASALT_DRIVERS_PC_APIC_BUS_H
#define BASALT_DRIVERS_PC_APIC_BUS_H

#include <stdbool.h>
#include <stdint.h>

struct vm;
struct vcpu;

/* Delivery modes, as ICR bits 10:8, IOAPIC redirection bits 10:8 and MSI data bits 10:8 encode them. */
enum apic_delivery {
	APIC_DM_FIXED = 0,
	APIC_DM_LOWEST = 1,
	APIC_DM_SMI = 2,
	APIC_DM_NMI = 4,
	APIC_DM_INIT = 5,
	APIC_DM_SIPI = 6,
	APIC_DM_EXTINT = 7,
};

/* ICR bits 19:18. */
enum apic_shorthand { APIC_DEST_NONE = 0, APIC_DEST_SELF = 1, APIC_DEST_ALL = 2, APIC_DEST_OTHERS = 3 };

struct apic_msg {
	uint8_t vector;
	uint8_t delivery;     /* enum apic_delivery */
	uint8_t shorthand;    /* enum apic_shorthand; only IPIs use anything but NONE */
	bool logical;         /* destination mode: logical (flat/cluster or x2APIC cluster) or physical */
	bool level_triggered; /* the LAPIC sets TMR and sends EOIs back to the IOAPIC */
	bool assert;          /* INIT level de-assert is the one message with assert = false */
	uint32_t dest;        /* APIC ID or logical mask: 8 bits in xAPIC mode, 32 in x2APIC mode; 0xff /
	                       * 0xffffffff is broadcast */
};

/* Delivers m to every local APIC of vm it names (src: the sending vCPU for IPI shorthands, NULL for
 * the IOAPIC and MSIs). Returns how many LAPICs accepted it. Never fails for a bad message: a
 * destination nobody has simply matches nobody, as on hardware. */
int apic_bus_deliver(struct vm *vm, struct vcpu *src, const struct apic_msg *m);

/* An MSI write as a message: address in [0xfee00000, 0xfeefffff] (destination ID bits 19:12,
 * RH bit 3, DM bit 2), data (vector 7:0, delivery mode 10:8, level 14, trigger 15). false for an
 * address outside the MSI window (the write then goes nowhere). */
bool apic_msi_decode(uint64_t address, uint32_t data, struct apic_msg *m);

#endif
