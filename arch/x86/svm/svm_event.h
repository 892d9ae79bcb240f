/* SPDX-License-Identifier: MIT */
/* Events into an AMD-V guest: exceptions and NMIs by EVENTINJ, external interrupts as V_IRQ offers. */
#ifndef BASALT_ARCH_X86_SVM_SVM_EVENT_H
#define BASALT_ARCH_X86_SVM_SVM_EVENT_H

#include <stdbool.h>
#include <stdint.h>

#include "arch/x86/svm/vmcb.h"
#include "kernel/vmm.h"

/* Per-vCPU event state the VMCB alone cannot say: which vector an outstanding V_IRQ offers
 * (-1: none). Owned by the CPU running the vCPU's turn, like the VMCB. */
struct svm_events {
	int offered_vector;
};

void svm_events_init(struct svm_events *ev);
/* 0, or -EBUSY while an event is queued (an interrupt also waits for an outstanding offer). */
int svm_event_inject(struct vmcb *vmcb, struct svm_events *ev, const struct vm_event *event);
bool svm_event_interrupt_ready(const struct vmcb *vmcb, const struct svm_events *ev);
void svm_event_irq_window(struct vmcb *vmcb, const struct svm_events *ev, bool on);
/* After #VMEXIT: notes whether the offer was taken and queues again what the exit cut short. */
void svm_event_after_exit(struct vmcb *vmcb, struct svm_events *ev);
/* INIT: nothing queued survives. */
void svm_event_cancel(struct vmcb *vmcb, struct svm_events *ev);

#endif
