/* SPDX-License-Identifier: MIT */
/* CPU-time accounting of VMs and host cores: kept when a VM ends, printed for tests and operators. */
#ifndef BASALT_CPU_TIME_H
#define BASALT_CPU_TIME_H

#include <stdint.h>

struct vm;

/* What a VM's vCPUs used, summed; kept in struct vm after its vCPUs are gone (the shell to come reads it). */
struct vm_cpu_time {
	uint64_t run_ns;   /* time its vCPUs ran */
	uint64_t steal_ns; /* time its vCPUs were runnable but waited for a core */
	uint64_t switches, migrations;
};

/* Sums vm's vCPUs into vm->cpu_time and prints one line per VM and per vCPU; call once, before the
 * vCPUs are freed (vm_release). */
void cpu_time_vm_ended(struct vm *vm);
/* Prints one line per host core that ran the scheduler: busy time per VM, and idle time. */
void cpu_time_report_cores(void);

#endif
