/* SPDX-License-Identifier: MIT */
/* Per-physical-CPU state of the hypervisor. */
#ifndef BASALT_X86_PERCPU_H
#define BASALT_X86_PERCPU_H

#include <stdbool.h>
#include <stdint.h>

#define MAX_CPUS 64

struct percpu {
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
	volatile bool resched;   /* set by the timer interrupt: the running vCPU's slice may be over */
	uint64_t timer_irqs;
	/* The CPU's DR0-DR3 hold a vCPU's breakpoints (or whatever the firmware left): the next vCPU
	 * must load its own. Starts false = unknown, i.e. "not clean". */
	bool debug_regs_clean;
};

extern struct percpu percpu_area[MAX_CPUS];
extern unsigned cpu_count;

/* Only the boot CPU runs guests so far; with SMP bring-up this reads the CPU id from GS. */
static inline struct percpu *this_cpu(void)
{
	return &percpu_area[0];
}

#endif
