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
/* A device line changed (pin 0-23; level = electrical state, active high before the pin's polarity). */
void vioapic_set_pin(struct vioapic *io, unsigned pin, bool level);
/* A local APIC sent an EOI for a level-triggered vector: clears remote IRR of the pins using it
 * (and re-delivers when the line is still asserted). */
void vioapic_eoi(struct vioapic *io, uint8_t vector);

#endif
