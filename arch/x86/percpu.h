/* SPDX-License-Identifier: MIT */
/* Per-physical-CPU state of the hypervisor. */
#ifndef BASALT_X86_PERCPU_H
#define BASALT_X86_PERCPU_H

#include <stdbool.h>
#include <stdint.h>

#define MAX_CPUS 64

/* One per host CPU, in percpu_area[] (indexed by the CPU's number, 0 = the boot CPU). Each CPU
 * writes only its own entry after bring-up, except `online` (written by the AP, read by the boot
 * CPU with acquire) and the `kick_irqs`/`resched` flags other CPUs set through smp_kick. */
struct percpu {
	struct percpu *self;     /* first: GS:0 reads it, so this_cpu() is one load */
	unsigned id;
	uint32_t apic_id;
	bool online;
	uint64_t hsave_pa;       /* SVM: host save area (VM_HSAVE_PA) */
	uint64_t host_vmcb_pa;   /* SVM: host state kept by VMSAVE, restored by VMLOAD after each exit */
	const void *last_vmcb;   /* SVM: clean bits are valid only for the VMCB that ran last on this CPU */
	uint32_t next_asid;      /* SVM: next free ASID on this CPU */
	uint64_t asid_generation; /* SVM: bumped when ASIDs run out and the whole TLB is flushed */
	uint64_t vmxon_pa;       /* VMX: this CPU's VMXON region */
	const void *current_vmcs; /* VMX: the VMCS VMPTRLD made current here */
	volatile bool resched;   /* set by the timer or kick interrupt: look at the run queue again */
	uint64_t timer_irqs;
	uint64_t kick_irqs;      /* reschedule IPIs received */
	uint64_t stack_top;      /* this CPU's hypervisor stack */
	/* Run-loop iterations begun (seq_cst stores; read by other CPUs in kernel/vm_reap.c), and
	 * whether the CPU is halted in the loop's idle (holding no vCPU): an ended VM is released once
	 * every CPU has begun a new iteration or is idle. */
	uint64_t loop_seq;
	bool idle;
	/* The CPU's DR0-DR3 hold a vCPU's breakpoints (or whatever the firmware left): the next vCPU
	 * must load its own. Starts false = unknown, i.e. "not clean". */
	bool debug_regs_clean;
};

extern struct percpu percpu_area[MAX_CPUS];
extern unsigned cpu_count;

_Static_assert(__builtin_offsetof(struct percpu, self) == 0, "this_cpu() reads GS:0");

/* GS base holds this CPU's percpu_area entry from early bring-up on (percpu_install), on every
 * CPU; VMX restores it on each exit (HOST_GS_BASE), SVM's VMLOAD of the host save area too. */
static inline struct percpu *this_cpu(void)
{
	struct percpu *pc;

	__asm__("mov %%gs:0, %0" : "=r"(pc));
	return pc;
}

static inline unsigned this_cpu_id(void)
{
	return this_cpu()->id;
}

/* Points GS base at pc (pc->self must be set). */
void percpu_install(struct percpu *pc);

#endif
