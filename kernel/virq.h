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
 * Locking: virq_deliver, virq_poll_timers and virq_timer_changed take vm->lock themselves (the run
 * loop calls them). Everything else here runs with vm->lock held by the caller: virq_pending (HLT
 * and wake checks) and the device-model side, which is only reached from a device access (port or
 * MMIO dispatch) or a device timer, both under the lock.
 */

/* ---- the core asks, per vCPU ---- */

/* Before entering the guest: injects the interrupt (or NMI) this vCPU can take now, or asks the
 * backend for an exit as soon as it can. Cheap when the VM has no interrupt controller. With
 * ask_timers, returns virq_timer_changed's answer taken under the same lock just after (an
 * acknowledge moves the timers), saving the run loop a second round trip; else false. */
bool virq_deliver(struct vcpu *vcpu, bool ask_timers);
/* True when an interrupt waits that this vCPU could take (a halted vCPU with interrupts on wakes). */
bool virq_pending(struct vcpu *vcpu);
/* Advances the VM's device timers (PIT, LAPIC timers, PM timer events) to now, raising their
 * interrupts; returns the next time one could deliver an interrupt, in ns, or 0 when none is armed. */
uint64_t virq_poll_timers(struct vm *vm, uint64_t now);
/* True (once) when vcpu's next timer event may have moved since the last call (a timer was
 * reprogrammed, an interrupt was taken or acknowledged): the host timer must be re-armed. */
bool virq_timer_changed(struct vcpu *vcpu);

/* ---- device models raise ---- */

/* An ISA device's line (IRQ 0-15): the PIC's IRQ n and the IOAPIC's pin for it (IRQ 0 -> GSI 2). */
void virq_set_isa_irq(struct vm *vm, unsigned irq, bool level);
/* A line wired only to the IOAPIC (GSI 16-23: PCI INTx, pc_pci_intx_gsi). */
void virq_set_gsi(struct vm *vm, unsigned gsi, bool level);
/* An MSI/MSI-X write by a device model (see apic_msi_decode); one outside the MSI window is dropped. */
void virq_msi(struct vm *vm, uint64_t address, uint32_t data);

#endif
