/* SPDX-License-Identifier: MIT */
/* TEMPORARY link seams until the LAPIC/virq piece of issue 9 lands: weak, so its real definitions win. */
#include "drivers/pc/apic_bus.h"
#include "kernel/virq.h"

/*
 * These drop every message, so until the real apic_bus.c / virq.c are linked no IOAPIC, MSI or
 * INTx interrupt reaches a guest. Delete this file (and its Makefile line) when merging with the
 * branch that defines them; being weak, they are harmless if forgotten but are not a feature.
 */
__attribute__((weak)) int apic_bus_deliver(struct vm *vm, struct vcpu *src, const struct apic_msg *m)
{
	(void)vm;
	(void)src;
	(void)m;
	return 0;
}

__attribute__((weak)) void virq_set_gsi(struct vm *vm, unsigned gsi, bool level)
{
	(void)vm;
	(void)gsi;
	(void)level;
}

__attribute__((weak)) void virq_msi(struct vm *vm, uint64_t address, uint32_t data)
{
	(void)vm;
	(void)address;
	(void)data;
}
