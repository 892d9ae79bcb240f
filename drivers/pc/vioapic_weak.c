/* SPDX-License-Identifier: MIT */
/* Link-time stand-ins for the IOAPIC until drivers/pc/vioapic.c lands: vm->ioapic stays NULL then,
 * so callers never reach these; the real model's strong symbols replace them. Delete on merge. */
#include "drivers/pc/vioapic.h"

__attribute__((weak)) void vioapic_set_pin(struct vioapic *io, unsigned pin, bool level)
{
	(void)io;
	(void)pin;
	(void)level;
}

__attribute__((weak)) void vioapic_eoi(struct vioapic *io, uint8_t vector)
{
	(void)io;
	(void)vector;
}
