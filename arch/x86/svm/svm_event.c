/* SPDX-License-Identifier: MIT */
/* Events into an AMD-V guest: exceptions and NMIs by EVENTINJ, external interrupts as V_IRQ offers. */
#include "arch/x86/svm/svm_event.h"

#include "arch/x86/cr.h"
#include "kernel/errno.h"

/*
 * Why external interrupts do not go through EVENTINJ: QEMU's TCG (7.2 and later) delivers an
 * injected INTR inside VMRUN but leaves the vector in its pending-exception slot, and when its
 * round-robin scheduler or an icount deadline interrupts the guest before the next #VMEXIT, it
 * delivers that vector a second time, with IF clear: Linux then took its timer interrupt at the
 * first instruction of the timer handler, on the user GS, and died of recursive page faults
 * (only under single-threaded TCG and -icount, i.e. the bench). A virtual interrupt (V_IRQ with
 * V_INTR_VECTOR, APM vol. 2 15.21.4) is an architectural way to deliver the same interrupt that
 * QEMU takes through its ordinary interrupt path. It is offered only when the guest can take it at
 * once (IF set, no shadow, nothing in EVENTINJ), so it is taken at the first instruction boundary
 * unless a host interrupt exits first; then it stays offered for the next entry. V_IGN_TPR: the
 * virtual local APIC already chose this vector against the guest's TPR.
 */
#define OFFER_BITS (SVM_VINTR_V_IRQ | SVM_VINTR_PRIO_MAX | SVM_VINTR_IGN_TPR)
#define VECTOR_BITS (0xffull << SVM_VINTR_VECTOR_SHIFT)

static void write_vintr(struct vmcb *vmcb, uint64_t vintr, bool intercept_vintr)
{
	uint32_t misc1 = intercept_vintr ? vmcb->control.intercept_misc1 | SVM_INTERCEPT_VINTR
					 : vmcb->control.intercept_misc1 & ~SVM_INTERCEPT_VINTR;

	if (vintr == vmcb->control.vintr && misc1 == vmcb->control.intercept_misc1)
		return;
	vmcb->control.vintr = vintr;
	vmcb->control.intercept_misc1 = misc1;
	vmcb_mark_dirty(vmcb, VMCB_CLEAN_INTERCEPTS | VMCB_CLEAN_TPR);
}

/* The V_TPR and V_INTR_MASKING bits stay; the request bits and vector are replaced. */
static uint64_t vintr_without_request(const struct vmcb *vmcb)
{
	return vmcb->control.vintr & ~(OFFER_BITS | VECTOR_BITS);
}

static void offer(struct vmcb *vmcb, struct svm_events *ev, uint8_t vector)
{
	write_vintr(vmcb, vintr_without_request(vmcb) | OFFER_BITS | ((uint64_t)vector << SVM_VINTR_VECTOR_SHIFT),
		    false);
	ev->offered_vector = vector;
}

void svm_events_init(struct svm_events *ev)
{
	ev->offered_vector = -1;
}

int svm_event_inject(struct vmcb *vmcb, struct svm_events *ev, const struct vm_event *event)
{
	uint64_t inj = event->vector | SVM_EVENT_VALID;

	if (vmcb->control.event_inj & SVM_EVENT_VALID)
		return -EBUSY;
	if (event->kind == VM_EVENT_INTERRUPT) {
		if (ev->offered_vector >= 0)
			return -EBUSY;
		offer(vmcb, ev, event->vector);
		return 0;
	}
	/* An exception or NMI ahead of an outstanding offer goes first, as the CPU delivers a
	 * pending exception before it looks for interrupts. */
	inj |= event->kind == VM_EVENT_NMI ? SVM_EVENT_TYPE_NMI : SVM_EVENT_TYPE_EXCEPTION;
	if (event->has_error)
		inj |= SVM_EVENT_ERROR_VALID | ((uint64_t)event->error_code << 32);
	vmcb->control.event_inj = inj;
	return 0;
}

bool svm_event_interrupt_ready(const struct vmcb *vmcb, const struct svm_events *ev)
{
	return (vmcb->save.rflags & RFLAGS_IF) && !(vmcb->control.interrupt_shadow & SVM_INTERRUPT_SHADOW) &&
	       !(vmcb->control.event_inj & SVM_EVENT_VALID) && ev->offered_vector < 0;
}

/* A window is V_IRQ with the VINTR intercept: the exit comes exactly when the guest could take an
 * interrupt. An outstanding offer is left alone (the intercept would stop its delivery); the exit
 * after it is taken decides again. */
void svm_event_irq_window(struct vmcb *vmcb, const struct svm_events *ev, bool on)
{
	if (ev->offered_vector >= 0)
		return;
	write_vintr(vmcb, vintr_without_request(vmcb) | (on ? OFFER_BITS : 0), on);
}

/*
 * The CPU clears V_IRQ when it takes the virtual interrupt and reports in EXITINTINFO an event
 * whose delivery the exit cut short (a nested page fault on the guest's stack, say). Such an event
 * goes in again: an interrupt as an offer (IF and the shadow are as they were when it was taken),
 * an exception or NMI by EVENTINJ.
 */
void svm_event_after_exit(struct vmcb *vmcb, struct svm_events *ev)
{
	uint64_t info = vmcb->control.exit_int_info;

	vmcb->control.event_inj = 0;
	if (ev->offered_vector >= 0 && !(vmcb->control.vintr & SVM_VINTR_V_IRQ)) {
		ev->offered_vector = -1;
		write_vintr(vmcb, vintr_without_request(vmcb), false);
	}
	if (!(info & SVM_EVENT_VALID))
		return;
	if ((info & SVM_EVENT_TYPE_MASK) == SVM_EVENT_TYPE_INTR && ev->offered_vector < 0)
		offer(vmcb, ev, (uint8_t)info);
	else if ((info & SVM_EVENT_TYPE_MASK) != SVM_EVENT_TYPE_INTR)
		vmcb->control.event_inj = info;
}

void svm_event_cancel(struct vmcb *vmcb, struct svm_events *ev)
{
	vmcb->control.event_inj = 0;
	ev->offered_vector = -1;
	write_vintr(vmcb, vintr_without_request(vmcb), false);
}
