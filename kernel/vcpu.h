/* SPDX-License-Identifier: MIT */
/* vCPUs and the per-CPU loop that runs them. */
#ifndef BASALT_VCPU_H
#define BASALT_VCPU_H

#include "kernel/vm.h"

/* Creates vCPU `id` of vm (the boot vCPU, id 0, becomes runnable; others wait for a start signal). */
int vcpu_create(struct vm *vm, unsigned id);
void vcpu_destroy(struct vcpu *vcpu);
/* Runs guests on this CPU until no VM is left running. */
void cpu_run_loop(unsigned cpu);
/* The timer interrupt: the running vCPU's slice is due for a check. */
void vcpu_timer_interrupt(void);
/* The class every VM's vCPUs get (the global `/basalt sched` until per-VM policies are parsed). */
extern enum sched_class vcpu_default_class;
/* sched_host.resched_cpu: marks cpu's run loop to call sched_tick at its next exit. */
void vcpu_resched_cpu(unsigned cpu);
void vm_release(struct vm *vm);
/* Nanoseconds vcpu has run on host CPUs, including the turn in progress (BASALT_HC_RUN_NS). */
uint64_t vcpu_run_ns(const struct vcpu *vcpu);

#endif
