/* SPDX-License-Identifier: MIT */
/* Guest interrupts: from the VM's interrupt controller model into its boot vCPU, and device timers. */
#ifndef BASALT_VIRQ_H
#define BASALT_VIRQ_H

#include <stdbool.h>
#include <stdint.h>

struct vm;
struct vcpu;

/* Before entering the guest: injects the pending interrupt if the guest can take it now, or asks the
 * backend for an exit as soon as it can. Cheap when the VM has no interrupt controller. */
void virq_deliver(struct vcpu *vcpu);
/* True when an interrupt waits for this vCPU (a halted vCPU with interrupts enabled wakes up). */
bool virq_pending(struct vcpu *vcpu);
/* Advances the VM's device timers to now (raising their IRQs); returns the next timer event in ns,
 * or 0 when none is armed. */
uint64_t virq_poll_timers(struct vm *vm, uint64_t now);

#endif
