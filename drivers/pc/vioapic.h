/* SPDX-License-Identifier: MIT */
/* The VM's IOAPIC: 24 pins, edge and level, remote IRR, redirection to any local APIC. */
#ifndef BASALT_DRIVERS_PC_VIOAPIC_H
#define BASALT_DRIVERS_PC_VIOAPIC_H

#include <stdbool.h>
#include <stdint.h>

struct vm;
struct vioapic;

/* Creates the IOAPIC of vm at PC_IOAPIC_BASE (ID PC_IOAPIC_ID) and sets vm->ioapic. */
int vioapic_attach(struct vm *vm);
/* A device line changed (pin 0-23; level = the device asserts it). Pins 0-15 are wired active high
 * (ISA), 16-23 active low (PCI INTx#), as on a PC board: the redirection entry's polarity bit is
 * compared with that electrical level, so the guest programs it as the MADT and _PRT say. */
void vioapic_set_pin(struct vioapic *io, unsigned pin, bool level);
/* Whether the pin's redirection entry is masked (pins beyond the last: true). */
bool vioapic_pin_masked(const struct vioapic *io, unsigned pin);
/* A local APIC sent an EOI for a level-triggered vector: clears remote IRR of the pins using it
 * (and re-delivers when the line is still asserted). */
void vioapic_eoi(struct vioapic *io, uint8_t vector);

#endif
