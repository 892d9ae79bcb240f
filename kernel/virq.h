/* SPDX-License-Identifier: MIT */
/* Guest interrupts: the one interface between the core, device models and the VM's interrupt
 * controllers (PIC, IOAPIC, local APICs), and the device timers behind them. */
#ifndef BASALT_VIRQ_H
#define BASALT_VIRQ_H

#include <stdbool.h>
#include <stdint.h>

struct vm;
struct vcpu;

/*
 * Locking: virq_deliver and virq_poll_timers take vm->lock themselves (the run
 * loop calls them). Everything else here runs with vm->lock held by the caller: virq_pending (HLT
 * and wake checks) and the device-model side, which is only reached from a device access (port or
 * MMIO dispatch) or a device timer, both under the lock.
 */

/* ---- the core asks, per vCPU ---- */

/* What virq_deliver learnt of the timers: whether vcpu's next timer event may have moved since the
 * last look (a timer was reprogrammed, an interrupt taken or acknowledged), the host timer then
 * to be re-armed. Each look consumes the news. */
enum virq_timers {
	VIRQ_TIMERS_STILL,        /* not asked, or they did not move */
	VIRQ_TIMERS_MOVED_BEFORE, /* they had moved: nothing was delivered, the caller re-arms first */
	VIRQ_TIMERS_MOVED_AFTER,  /* delivered, and that (an acknowledge) moved them */
};
#define VIRQ_ASK_BEFORE 1u /* look at the timers first; if they moved, deliver nothing */
#define VIRQ_ASK_AFTER 2u  /* look at them after delivering */

/* Before entering the guest: injects the interrupt (or NMI) this vCPU can take now, or asks the
 * backend for an exit as soon as it can. Cheap when the VM has no interrupt controller. The
 * timer questions of ask (VIRQ_ASK_*) are answered under the same vm->lock, so the run loop's
 * usual pass (nothing moved) takes the lock once. */
enum virq_timers virq_deliver(struct vcpu *vcpu, unsigned ask);
/* True when an interrupt waits that this vCPU could take (a halted vCPU with interrupts on wakes). */
bool virq_pending(struct vcpu *vcpu);
/* Advances the VM's device timers (PIT, LAPIC timers, PM timer events) to now, raising their
 * interrupts; returns the next time one could deliver an interrupt, in ns, or 0 when none is armed. */
uint64_t virq_poll_timers(struct vm *vm, uint64_t now);

/* ---- device models raise ---- */

/* An ISA device's line (IRQ 0-15): the PIC's IRQ n and the IOAPIC's pin for it (IRQ 0 -> GSI 2). */
void virq_set_isa_irq(struct vm *vm, unsigned irq, bool level);
/* A line wired only to the IOAPIC (GSI 16-23: PCI INTx, pc_pci_intx_gsi). */
void virq_set_gsi(struct vm *vm, unsigned gsi, bool level);
/* An MSI/MSI-X write by a device model (see apic_msi_decode); one outside the MSI window is dropped. */
void virq_msi(struct vm *vm, uint64_t address, uint32_t data);

#endif
