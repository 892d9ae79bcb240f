/* SPDX-License-Identifier: MIT */
/* Interrupt delivery: the PIC model decides the vector, the backend injects it or opens a window. */
#include "kernel/virq.h"

#include "drivers/vpc.h"
#include "kernel/vm.h"
#include "kernel/vmm.h"

/* The legacy PIC is wired to the boot processor only, as on a PC without an APIC. */
static bool receives_pic(const struct vcpu *vcpu)
{
	return vcpu->vm->pc && vcpu->id == 0;
}

void virq_deliver(struct vcpu *vcpu)
{
	struct vpc *pc = vcpu->vm->pc;
	struct vm_event ev = { .kind = VM_EVENT_INTERRUPT };

	if (!receives_pic(vcpu))
		return;
	if (vpc_pending_vector(pc) < 0) {
		vmm->request_irq_window(vcpu, false);
		return;
	}
	if (!vmm->interrupt_ready(vcpu)) {
		vmm->request_irq_window(vcpu, true);
		return;
	}
	ev.vector = (uint8_t)vpc_ack(pc);
	vmm_inject(vcpu, &ev);
	vmm->request_irq_window(vcpu, false);
}

bool virq_pending(struct vcpu *vcpu)
{
	return receives_pic(vcpu) && vpc_pending_vector(vcpu->vm->pc) >= 0;
}

uint64_t virq_poll_timers(struct vm *vm, uint64_t now)
{
	uint64_t next;

	if (!vm->pc)
		return 0;
	next = vpc_run_timers(vm->pc, now);
	return next == UINT64_MAX ? 0 : next;
}

bool virq_timer_changed(struct vcpu *vcpu)
{
	return vcpu->vm->pc && vpc_timer_changed(vcpu->vm->pc);
}

void virq_set_isa_irq(struct vm *vm, unsigned irq, bool level)
{
	if (vm->pc)
		vpc_set_irq(vm->pc, irq, level);
}
