/* SPDX-License-Identifier: MIT */
/* SMP guests: INIT and start-up IPIs acted on by the vCPU they name, HLT wake-ups, and the kick. */
#include "kernel/vcpu.h"

#include <string.h>

#include "arch/x86/cr.h"
#include "arch/x86/percpu.h"
#include "arch/x86/smp.h"
#include "drivers/pc/vlapic.h"
#include "kernel/clock.h"
#include "kernel/exit.h"
#include "kernel/gmem.h"
#include "kernel/virq.h"
#include "kernel/vmm.h"

#define REAL_MODE_LIMIT 0xffffu
#define SIPI_PAGE_SHIFT 12

void vcpu_kick(struct vcpu *v)
{
	/* Blocked (halted, waiting for SIPI) or never started: runnable again. A spurious wake-up
	 * is harmless: the turn re-checks (vcpu_ready) and blocks again without entering. */
	int cpu;

	sched_wake(&v->se);
	/* A vCPU in a turn on another host core has to leave the guest to see the new work (an
	 * interrupt to inject, a start-up request, its VM ended). The fence orders the caller's
	 * stores (the work) before the running_on load; run_turn stores running_on and then does a
	 * locked add before it looks for work, so one of the two sides sees the other. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	cpu = v->running_on;
	if (cpu >= 0 && (unsigned)cpu != this_cpu_id())
		smp_kick((unsigned)cpu);
}

/* The architectural state after INIT, then the SIPI's start address (SDM vol. 3 table 9-1, APM
 * vol. 2 14.1.3): real mode at vector:0000, i.e. CS = V << 8 with base V << 12, IP = 0. */
void vcpu_set_init_state(struct vcpu *v, uint8_t vector)
{
	struct vm_segment cs = { (uint16_t)(vector << 8), SEG_TYPE(0xb) | SEG_S | SEG_P, REAL_MODE_LIMIT,
				 (uint64_t)vector << SIPI_PAGE_SHIFT };
	struct vm_segment data = { 0, SEG_TYPE(0x3) | SEG_S | SEG_P, REAL_MODE_LIMIT, 0 };
	struct vm_segment ldt = { 0, SEG_TYPE(0x2) | SEG_P, REAL_MODE_LIMIT, 0 };
	struct vm_segment tr = { 0, SEG_TYPE(0xb) | SEG_P, REAL_MODE_LIMIT, 0 };
	struct vm_segment table = { 0, 0, REAL_MODE_LIMIT, 0 };
	static const enum vm_seg data_segs[] = { VM_SEG_DS, VM_SEG_ES, VM_SEG_SS, VM_SEG_FS, VM_SEG_GS };
	uint32_t signature = vcpu_cpu_signature(v);

	vmm_set_seg(v, VM_SEG_CS, &cs);
	for (size_t i = 0; i < sizeof(data_segs) / sizeof(data_segs[0]); i++)
		vmm_set_seg(v, data_segs[i], &data);
	vmm_set_seg(v, VM_SEG_LDTR, &ldt);
	vmm_set_seg(v, VM_SEG_TR, &tr);
	vmm_set_seg(v, VM_SEG_GDTR, &table);
	vmm_set_seg(v, VM_SEG_IDTR, &table);
	/* CD and NW set, ET set, paging and protection off. */
	vmm_set_reg(v, VM_REG_CR0, CR0_CD | CR0_NW | CR0_ET);
	vmm_set_reg(v, VM_REG_CR2, 0);
	vmm_set_reg(v, VM_REG_CR3, 0);
	vmm_set_reg(v, VM_REG_CR4, 0);
	vmm_set_reg(v, VM_REG_EFER, 0);
	vmm_set_reg(v, VM_REG_CR8, 0);
	vmm_set_reg(v, VM_REG_RFLAGS, RFLAGS_RESERVED1);
	vmm_set_reg(v, VM_REG_RIP, 0);
	vmm_set_reg(v, VM_REG_RSP, 0);
	vmm_set_reg(v, VM_REG_DR7, DR7_RESET);
	vmm_set_reg(v, VM_REG_DR6, DR6_RESET);
	memset(v->dr, 0, sizeof(v->dr));
	memset(&v->gprs, 0, sizeof(v->gprs));
	v->gprs.r[GPR_RDX] = signature; /* family, model, stepping: CPUID leaf 1 EAX */
	v->insn_cache.valid = false;
	vmm->cancel_events(v); /* an event queued before the INIT is not delivered after it */
}

/* A start-up request the vCPU acts on itself, with vm->lock held. True when it may enter. */
static bool take_startup(struct vcpu *v)
{
	struct vlapic *l = v->lapic;
	uint8_t vector;

	v->startup_pending = false;
	if (l->cpu_state != VLAPIC_CPU_SIPI_RECEIVED) {
		/* INIT (or never started): no HLT state survives, a SIPI starts it afresh. */
		v->halted = v->halted_with_irqs = false;
		v->wake_at_ns = 0;
		return false;
	}
	vector = l->sipi_vector;
	l->cpu_state = VLAPIC_CPU_RUNNING;
	v->halted = v->halted_with_irqs = false;
	v->wake_at_ns = 0;
	/* The vector is a page number below 1 MiB; a page that is not RAM has no code to run (this
	 * VM has no ROM), so the start would only fetch from a device or the empty bus. */
	if (!gpa_map_checked(v->vm, (uint64_t)vector << SIPI_PAGE_SHIFT, 1u << SIPI_PAGE_SHIFT)) {
		vm_crash(v->vm, "vCPU %u started by SIPI at vector 0x%02x: page 0x%05x is not guest RAM", v->id,
			 vector, (unsigned)vector << SIPI_PAGE_SHIFT);
		return false;
	}
	vcpu_set_init_state(v, vector);
	return true;
}

/* With vm->lock held: something has happened that ends v's halt (or its wait for a SIPI). */
static bool wake_event(struct vcpu *v, uint64_t now)
{
	if (v->startup_pending)
		return true;
	if (v->lapic && v->lapic->cpu_state != VLAPIC_CPU_RUNNING)
		return false;
	if (!v->halted)
		return true;
	if (v->lapic && vlapic_has_nmi(v->lapic))
		return true;
	if (v->halted_with_irqs && virq_pending(v))
		return true;
	return v->wake_at_ns && v->wake_at_ns <= now;
}

bool vcpu_wake_due(struct vcpu *v, uint64_t now)
{
	bool due;

	spin_lock(&v->vm->lock);
	due = wake_event(v, now);
	spin_unlock(&v->vm->lock);
	return due;
}

bool vcpu_ready(struct vcpu *v)
{
	bool ready = true;

	if (!v->startup_pending && !v->halted && (!v->lapic || v->lapic->cpu_state == VLAPIC_CPU_RUNNING))
		return true; /* the common case: running, nothing new; no lock needed to see it */
	spin_lock(&v->vm->lock);
	if (v->startup_pending)
		ready = take_startup(v);
	if (ready && v->lapic && v->lapic->cpu_state != VLAPIC_CPU_RUNNING)
		ready = false;
	if (ready && v->halted) {
		ready = wake_event(v, clock_ns());
		if (ready) {
			v->halted = v->halted_with_irqs = false;
			v->wake_at_ns = 0;
		}
	}
	spin_unlock(&v->vm->lock);
	return ready;
}

void vcpu_block(struct vcpu *v)
{
	/* Under the lock a waker also holds to deliver: either it came first and the check sees its
	 * event, or it comes after sched_block and its sched_wake finds the vCPU blocked. */
	spin_lock(&v->vm->lock);
	if (!wake_event(v, clock_ns()))
		sched_block(&v->se);
	spin_unlock(&v->vm->lock);
}

/* With vm->lock held: can any other vCPU of the VM still do something? */
static bool others_can_run(struct vcpu *self)
{
	struct vm *vm = self->vm;

	for (unsigned i = 0; i < vm->nr_vcpus; i++) {
		struct vcpu *o = vm->vcpus[i];

		if (o == self)
			continue;
		if (o->lapic && o->lapic->cpu_state != VLAPIC_CPU_RUNNING && !o->startup_pending)
			continue; /* waiting for a SIPI nobody running can send */
		if (!o->halted || o->halted_with_irqs || o->wake_at_ns || wake_event(o, clock_ns()))
			return true;
	}
	return false;
}

enum exit_action vcpu_halt(struct vcpu *v, bool irqs_on)
{
	enum exit_action action = EXIT_BLOCK;

	spin_lock(&v->vm->lock);
	v->halted = true;
	v->halted_with_irqs = irqs_on;
	if (wake_event(v, clock_ns())) {
		v->halted = v->halted_with_irqs = false; /* an interrupt is already waiting: HLT ends at once */
		action = EXIT_RESUME;
	} else if (!irqs_on && !v->wake_at_ns && !others_can_run(v)) {
		/* Interrupts off, no wake time, and no other vCPU left to send an NMI or INIT. */
		action = EXIT_STOP;
	}
	spin_unlock(&v->vm->lock);
	if (action == EXIT_STOP)
		vm_halt_forever(v->vm);
	return action;
}
