/* SPDX-License-Identifier: MIT */
/* Unit tests for arch/x86/svm/svm_event.c: interrupts as V_IRQ offers, exceptions by EVENTINJ. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "arch/x86/cr.h"
#include "arch/x86/svm/svm_event.h"
#include "arch/x86/svm/vmcb.h"
#include "kernel/errno.h"

#define TIMER_VECTOR 0xec
#define IPI_VECTOR 0xfb
#define GUEST_TPR 0x3ull

static struct vmcb *vmcb;
static struct svm_events ev;

static int setup(void **state)
{
	(void)state;
	vmcb = aligned_alloc(4096, sizeof(*vmcb));
	assert_non_null(vmcb);
	memset(vmcb, 0, sizeof(*vmcb));
	vmcb->save.rflags = RFLAGS_RESERVED1 | RFLAGS_IF;
	vmcb->control.vintr = SVM_VINTR_MASKING | GUEST_TPR;
	vmcb->control.clean = VMCB_CLEAN_ALL;
	svm_events_init(&ev);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	free(vmcb);
	return 0;
}

static int inject_irq(uint8_t vector)
{
	struct vm_event e = { .kind = VM_EVENT_INTERRUPT, .vector = vector };

	return svm_event_inject(vmcb, &ev, &e);
}

static uint8_t offered_vector_field(void)
{
	return (uint8_t)(vmcb->control.vintr >> SVM_VINTR_VECTOR_SHIFT);
}

/* What the CPU does at #VMEXIT after taking the virtual interrupt: V_IRQ cleared, no EXITINTINFO. */
static void cpu_takes_offer(void)
{
	vmcb->control.vintr &= ~SVM_VINTR_V_IRQ;
	vmcb->control.exit_int_info = 0;
	vmcb->control.clean = VMCB_CLEAN_ALL;
}

/* An interrupt is never put in EVENTINJ: it is a V_IRQ with its vector, no VINTR intercept, the
 * guest's TPR kept and the TPR group marked dirty. */
static void test_interrupt_is_offered_not_injected(void **state)
{
	(void)state;
	assert_int_equal(inject_irq(TIMER_VECTOR), 0);
	assert_int_equal(vmcb->control.event_inj, 0);
	assert_true(vmcb->control.vintr & SVM_VINTR_V_IRQ);
	assert_true(vmcb->control.vintr & SVM_VINTR_IGN_TPR);
	assert_true(vmcb->control.vintr & SVM_VINTR_MASKING);
	assert_int_equal(vmcb->control.vintr & SVM_VINTR_TPR_MASK, GUEST_TPR);
	assert_int_equal(offered_vector_field(), TIMER_VECTOR);
	assert_false(vmcb->control.intercept_misc1 & SVM_INTERCEPT_VINTR);
	assert_false(vmcb->control.clean & VMCB_CLEAN_TPR);
	assert_int_equal(ev.offered_vector, TIMER_VECTOR);
}

/* While an offer is outstanding no second interrupt goes in and the guest is not "ready". */
static void test_outstanding_offer_blocks_the_next(void **state)
{
	(void)state;
	assert_int_equal(inject_irq(TIMER_VECTOR), 0);
	assert_false(svm_event_interrupt_ready(vmcb, &ev));
	assert_int_equal(inject_irq(IPI_VECTOR), -EBUSY);
	assert_int_equal(offered_vector_field(), TIMER_VECTOR);
}

/* A window request must not put the VINTR intercept on an offer: it would stop its delivery. */
static void test_window_leaves_offer_alone(void **state)
{
	(void)state;
	assert_int_equal(inject_irq(TIMER_VECTOR), 0);
	svm_event_irq_window(vmcb, &ev, true);
	assert_false(vmcb->control.intercept_misc1 & SVM_INTERCEPT_VINTR);
	svm_event_irq_window(vmcb, &ev, false);
	assert_true(vmcb->control.vintr & SVM_VINTR_V_IRQ);
	assert_int_equal(offered_vector_field(), TIMER_VECTOR);
}

/* Taken: the next exit clears the offer, and the guest may get another interrupt. */
static void test_taken_offer_is_cleared(void **state)
{
	(void)state;
	assert_int_equal(inject_irq(TIMER_VECTOR), 0);
	cpu_takes_offer();
	svm_event_after_exit(vmcb, &ev);
	assert_int_equal(ev.offered_vector, -1);
	assert_int_equal(offered_vector_field(), 0);
	assert_false(vmcb->control.vintr & SVM_VINTR_IGN_TPR);
	assert_int_equal(vmcb->control.event_inj, 0);
	assert_true(svm_event_interrupt_ready(vmcb, &ev));
	assert_int_equal(inject_irq(IPI_VECTOR), 0);
	assert_int_equal(offered_vector_field(), IPI_VECTOR);
}

/* Not taken (a host interrupt exited first): it stays offered for the next entry, unchanged. */
static void test_untaken_offer_stays(void **state)
{
	(void)state;
	assert_int_equal(inject_irq(TIMER_VECTOR), 0);
	vmcb->control.clean = VMCB_CLEAN_ALL;
	svm_event_after_exit(vmcb, &ev);
	assert_int_equal(ev.offered_vector, TIMER_VECTOR);
	assert_true(vmcb->control.vintr & SVM_VINTR_V_IRQ);
	assert_int_equal(vmcb->control.clean, VMCB_CLEAN_ALL);
}

/* Delivery cut short (EXITINTINFO holds the interrupt, V_IRQ already cleared): offered again. */
static void test_cut_short_interrupt_is_offered_again(void **state)
{
	(void)state;
	assert_int_equal(inject_irq(TIMER_VECTOR), 0);
	cpu_takes_offer();
	vmcb->control.exit_int_info = SVM_EVENT_VALID | SVM_EVENT_TYPE_INTR | TIMER_VECTOR;
	svm_event_after_exit(vmcb, &ev);
	assert_int_equal(vmcb->control.event_inj, 0);
	assert_int_equal(ev.offered_vector, TIMER_VECTOR);
	assert_true(vmcb->control.vintr & SVM_VINTR_V_IRQ);
	assert_int_equal(offered_vector_field(), TIMER_VECTOR);
}

/* A cut-short exception (here #PF with its error code) goes back into EVENTINJ as it was. */
static void test_cut_short_exception_is_reinjected(void **state)
{
	uint64_t pf = SVM_EVENT_VALID | SVM_EVENT_TYPE_EXCEPTION | SVM_EVENT_ERROR_VALID | 14 | (2ull << 32);

	(void)state;
	vmcb->control.exit_int_info = pf;
	svm_event_after_exit(vmcb, &ev);
	assert_int_equal(vmcb->control.event_inj, pf);
	assert_int_equal(ev.offered_vector, -1);
	assert_false(svm_event_interrupt_ready(vmcb, &ev));
}

/* EVENTINJ is consumed by the entry: with nothing cut short, it is empty after the exit. */
static void test_exit_clears_delivered_injection(void **state)
{
	struct vm_event gp = { .kind = VM_EVENT_EXCEPTION, .vector = 13, .has_error = true, .error_code = 0 };

	(void)state;
	assert_int_equal(svm_event_inject(vmcb, &ev, &gp), 0);
	assert_int_equal(vmcb->control.event_inj, SVM_EVENT_VALID | SVM_EVENT_TYPE_EXCEPTION | SVM_EVENT_ERROR_VALID | 13);
	vmcb->control.exit_int_info = 0;
	svm_event_after_exit(vmcb, &ev);
	assert_int_equal(vmcb->control.event_inj, 0);
}

/* An exception or NMI may go in ahead of an outstanding offer; a second one may not. */
static void test_exception_ahead_of_offer(void **state)
{
	struct vm_event nmi = { .kind = VM_EVENT_NMI, .vector = 2 };
	struct vm_event ud = { .kind = VM_EVENT_EXCEPTION, .vector = 6 };

	(void)state;
	assert_int_equal(inject_irq(TIMER_VECTOR), 0);
	assert_int_equal(svm_event_inject(vmcb, &ev, &nmi), 0);
	assert_int_equal(vmcb->control.event_inj, SVM_EVENT_VALID | SVM_EVENT_TYPE_NMI | 2);
	assert_int_equal(svm_event_inject(vmcb, &ev, &ud), -EBUSY);
	assert_int_equal(ev.offered_vector, TIMER_VECTOR);
}

/* Guest IF clear or an interrupt shadow: not ready, so the core asks for a window instead. */
static void test_ready_follows_if_and_shadow(void **state)
{
	(void)state;
	assert_true(svm_event_interrupt_ready(vmcb, &ev));
	vmcb->save.rflags &= ~RFLAGS_IF;
	assert_false(svm_event_interrupt_ready(vmcb, &ev));
	vmcb->save.rflags |= RFLAGS_IF;
	vmcb->control.interrupt_shadow = SVM_INTERRUPT_SHADOW;
	assert_false(svm_event_interrupt_ready(vmcb, &ev));
}

/* The window is V_IRQ with the VINTR intercept and no vector; off again removes both. */
static void test_window_on_and_off(void **state)
{
	(void)state;
	svm_event_irq_window(vmcb, &ev, true);
	assert_true(vmcb->control.vintr & SVM_VINTR_V_IRQ);
	assert_true(vmcb->control.intercept_misc1 & SVM_INTERCEPT_VINTR);
	assert_false(vmcb->control.clean & VMCB_CLEAN_INTERCEPTS);
	vmcb->control.clean = VMCB_CLEAN_ALL;
	svm_event_irq_window(vmcb, &ev, true); /* no change: the clean bits stay */
	assert_int_equal(vmcb->control.clean, VMCB_CLEAN_ALL);
	svm_event_irq_window(vmcb, &ev, false);
	assert_false(vmcb->control.vintr & SVM_VINTR_V_IRQ);
	assert_false(vmcb->control.intercept_misc1 & SVM_INTERCEPT_VINTR);
	assert_int_equal(vmcb->control.vintr & SVM_VINTR_TPR_MASK, GUEST_TPR);
}

/* A window the CPU cleared V_IRQ of (an emulator may) is set again, not taken as still on. */
static void test_window_rearmed_when_v_irq_was_cleared(void **state)
{
	(void)state;
	svm_event_irq_window(vmcb, &ev, true);
	vmcb->control.vintr &= ~SVM_VINTR_V_IRQ;
	svm_event_irq_window(vmcb, &ev, true);
	assert_true(vmcb->control.vintr & SVM_VINTR_V_IRQ);
}

/* INIT: the offer, EVENTINJ and the window all go. */
static void test_cancel_drops_everything(void **state)
{
	struct vm_event pf = { .kind = VM_EVENT_EXCEPTION, .vector = 14, .has_error = true, .error_code = 2 };

	(void)state;
	assert_int_equal(inject_irq(TIMER_VECTOR), 0);
	assert_int_equal(svm_event_inject(vmcb, &ev, &pf), 0);
	svm_event_cancel(vmcb, &ev);
	assert_int_equal(vmcb->control.event_inj, 0);
	assert_int_equal(ev.offered_vector, -1);
	assert_false(vmcb->control.vintr & SVM_VINTR_V_IRQ);
	assert_false(vmcb->control.intercept_misc1 & SVM_INTERCEPT_VINTR);
	assert_true(svm_event_interrupt_ready(vmcb, &ev));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_interrupt_is_offered_not_injected, setup, teardown),
		cmocka_unit_test_setup_teardown(test_outstanding_offer_blocks_the_next, setup, teardown),
		cmocka_unit_test_setup_teardown(test_window_leaves_offer_alone, setup, teardown),
		cmocka_unit_test_setup_teardown(test_taken_offer_is_cleared, setup, teardown),
		cmocka_unit_test_setup_teardown(test_untaken_offer_stays, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cut_short_interrupt_is_offered_again, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cut_short_exception_is_reinjected, setup, teardown),
		cmocka_unit_test_setup_teardown(test_exit_clears_delivered_injection, setup, teardown),
		cmocka_unit_test_setup_teardown(test_exception_ahead_of_offer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ready_follows_if_and_shadow, setup, teardown),
		cmocka_unit_test_setup_teardown(test_window_on_and_off, setup, teardown),
		cmocka_unit_test_setup_teardown(test_window_rearmed_when_v_irq_was_cleared, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cancel_drops_everything, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
