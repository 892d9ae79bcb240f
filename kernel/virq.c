/* SPDX-License-Identifier: MIT */
/* Interrupt delivery: each vCPU's local APIC (and the PIC through LINT0) decides, the backend injects. */
#include "kernel/virq.h"

#include "drivers/pc/apic_bus.h"
#include "drivers/pc/pc_layout.h"
#include "drivers/pc/vioapic.h"
#include "drivers/pc/vlapic.h"
#include "drivers/pc/vacpi.h"
#include "drivers/pc/vpc.h"
#include "kernel/vcpu.h"
#include "kernel/vm.h"
#include "kernel/vmm.h"

/* The PIC's INTR pin is wired to the boot processor's LINT0 (ExtINT), as on a PC; with the APIC
 * hardware-disabled it reaches that CPU directly, as on a CPU without one. */
static bool receives_pic(const struct vcpu *vcpu)
{
	return vcpu->vm->pc && vcpu->id == 0 && (!vcpu->lapic || vlapic_accepts_extint(vcpu->lapic));
}

/* CR8 is the APIC's TPR[7:4]. AMD's V_TPR is read by the guest without an exit, so the VMCB copy
 * follows every TPR change made through the APIC registers (CR8 writes exit on both vendors and
 * update both, kernel/cr_access.c). */
static void sync_cr8(struct vcpu *vcpu)
{
	uint64_t cr8 = vlapic_get_cr8(vcpu->lapic);

	if (vmm_get_reg(vcpu, VM_REG_CR8) != cr8)
		vmm_set_reg(vcpu, VM_REG_CR8, cr8);
}

/* An NMI goes in before any interrupt. The backend refuses while an event is queued or the guest's
 * NMI handler runs (NMI blocking until its IRET): the NMI then waits for a later entry, and a
 * maskable interrupt may still go in now, since NMI blocking does not block INTR. True if it went in. */
static bool deliver_nmi(struct vcpu *vcpu)
{
	struct vm_event ev = { .kind = VM_EVENT_NMI, .vector = 2 };

	if (!vcpu->lapic || !vlapic_has_nmi(vcpu->lapic) || vmm_inject(vcpu, &ev))
		return false;
	vlapic_take_nmi(vcpu->lapic);
	return true;
}

/* The vector this vCPU would take now, or -1: its APIC first, then the PIC behind LINT0. */
static int pending_vector(struct vcpu *vcpu, bool *from_pic)
{
	int v = vcpu->lapic ? vlapic_pending_vector(vcpu->lapic) : -1;

	*from_pic = v < 0 && receives_pic(vcpu);
	return *from_pic ? vpc_pending_vector(vcpu->vm->pc) : v;
}

static bool has_vector(struct vcpu *vcpu)
{
	bool from_pic;

	return pending_vector(vcpu, &from_pic) >= 0;
}

static void deliver_locked(struct vcpu *vcpu)
{
	struct vm_event ev = { .kind = VM_EVENT_INTERRUPT };
	bool from_pic;
	int vector;

	if (vcpu->lapic)
		sync_cr8(vcpu);
	/* Nothing requested in the APIC or the PIC (the usual state before an entry): the decision
	 * below would find no NMI and no vector; this is its answer without asking each model. */
	if (!(vcpu->lapic && vlapic_has_request(vcpu->lapic)) && !vpc_has_request(vcpu->vm->pc)) {
		vmm->request_irq_window(vcpu, false);
		return;
	}
	if (deliver_nmi(vcpu))
		return;
	vector = pending_vector(vcpu, &from_pic);
	if (vector < 0) {
		vmm->request_irq_window(vcpu, false);
		return;
	}
	if (!vmm->interrupt_ready(vcpu)) {
		vmm->request_irq_window(vcpu, true);
		return;
	}
	/* Acknowledge where it came from: IRR -> ISR in the APIC, or the PIC's INTA cycle. */
	if (from_pic)
		vector = vpc_ack(vcpu->vm->pc);
	else
		vlapic_ack(vcpu->lapic, (uint8_t)vector);
	ev.vector = (uint8_t)vector;
	vmm_inject(vcpu, &ev);
	vmm->request_irq_window(vcpu, false);
}

/* True (once) when vcpu's next timer event may have moved since the last look (a timer was
 * reprogrammed, an interrupt was taken or acknowledged): the host timer must be re-armed. */
static bool timer_changed_locked(struct vcpu *vcpu)
{
	bool pic = vpc_timer_changed(vcpu->vm->pc);
	bool lapic = vcpu->lapic && vlapic_timer_changed(vcpu->lapic);

	return pic || lapic;
}

enum virq_timers virq_deliver(struct vcpu *vcpu, unsigned ask)
{
	enum virq_timers t = VIRQ_TIMERS_STILL;

	if (!vcpu->vm->pc)
		return t;
	spin_lock(&vcpu->vm->lock);
	if ((ask & VIRQ_ASK_BEFORE) && timer_changed_locked(vcpu))
		t = VIRQ_TIMERS_MOVED_BEFORE;
	else
		deliver_locked(vcpu);
	if (t == VIRQ_TIMERS_STILL && (ask & VIRQ_ASK_AFTER) && timer_changed_locked(vcpu))
		t = VIRQ_TIMERS_MOVED_AFTER;
	spin_unlock(&vcpu->vm->lock);
	return t;
}

bool virq_pending(struct vcpu *vcpu)
{
	return vcpu->vm->pc && (has_vector(vcpu) || (vcpu->lapic && vlapic_has_nmi(vcpu->lapic)));
}

static uint64_t earliest(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

uint64_t virq_poll_timers(struct vm *vm, uint64_t now)
{
	uint64_t next;

	if (!vm->pc)
		return 0;
	spin_lock(&vm->lock);
	next = vpc_run_timers(vm->pc, now);
	for (unsigned i = 0; i < vm->nr_vcpus; i++)
		if (vm->vcpus[i]->lapic)
			next = earliest(next, vlapic_timer_poll(vm->vcpus[i]->lapic, now));
	if (vm->acpi) {
		uint64_t pm = vacpi_poll_timers(vm, now); /* 0: no PM-timer SCI armed */

		next = earliest(next, pm ? pm : UINT64_MAX);
	}
	spin_unlock(&vm->lock);
	return next == UINT64_MAX ? 0 : next;
}

void virq_set_isa_irq(struct vm *vm, unsigned irq, bool level)
{
	if (!vm->pc || irq >= PC_ISA_IRQS)
		return;
	vpc_set_irq(vm->pc, irq, level);
	/* The PIC's INTR goes to the boot vCPU (LINT0): wake it if it halted (the IOAPIC's messages
	 * kick their targets in the local APIC). */
	if (level && vm->nr_vcpus)
		vcpu_kick(vm->vcpus[0]);
	if (vm->ioapic)
		vioapic_set_pin(vm->ioapic, irq == PC_IRQ_PIT ? PC_GSI_PIT : irq, level);
}

void virq_set_gsi(struct vm *vm, unsigned gsi, bool level)
{
	if (vm->ioapic && gsi < PC_GSI_COUNT)
		vioapic_set_pin(vm->ioapic, gsi, level);
}

void virq_msi(struct vm *vm, uint64_t address, uint32_t data)
{
	struct apic_msg m;

	if (apic_msi_decode(address, data, &m))
		apic_bus_deliver(vm, NULL, &m);
}
