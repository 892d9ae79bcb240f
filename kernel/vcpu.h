/* SPDX-License-Identifier: MIT */
/* vCPUs and the per-CPU loop that runs them. */
#ifndef BASALT_VCPU_H
#define BASALT_VCPU_H

#include "kernel/exit.h"
#include "kernel/vm.h"

/* Creates vCPU `id` of vm (the boot vCPU, id 0, becomes runnable; others wait for a start signal). */
int vcpu_create(struct vm *vm, unsigned id);
void vcpu_destroy(struct vcpu *vcpu);
/* Runs guests on this CPU until no VM is left running. */
/* Makes every VM's boot vCPU runnable, once all VMs are created. */
void vcpu_start_boot_cpus(void);
void cpu_run_loop(unsigned cpu);
/* The timer interrupt: the running vCPU's slice is due for a check. */
void vcpu_timer_interrupt(void);
/* The class every VM's vCPUs get (the global `/basalt sched` until per-VM policies are parsed). */
/* sched_host.resched_cpu: marks cpu's run loop to call sched_tick at its next exit. */
void vcpu_resched_cpu(unsigned cpu);
void vm_release(struct vm *vm);
/* Nanoseconds vcpu has run on host CPUs, including the turn in progress (BASALT_HC_RUN_NS). */
uint64_t vcpu_run_ns(const struct vcpu *vcpu);

/* ---- SMP guests (kernel/vcpu_start.c) ---- */
/* v has new work (an interrupt or NMI pending, an INIT or SIPI, or its VM ended): make it notice
 * soon. Wakes it when blocked or never started; a vCPU in a turn on another host core must also be
 * made to exit (see the comment in the body). Callable from any vCPU or core, with or without
 * vm->lock (it takes only runqueue locks); never from an interrupt handler. */
void vcpu_kick(struct vcpu *v);
/* The INIT state with a SIPI's start address: real mode at vector << 12 (CS = vector << 8, IP = 0),
 * CR0 = 0x60000010, EFER = 0, RFLAGS = 2, DR7 = 0x400, EDX = CPUID 1 EAX. The vCPU's own CPU only. */
void vcpu_set_init_state(struct vcpu *v, uint8_t vector);
/* At the start of a turn and whenever startup_pending is seen: acts on INIT/SIPI, ends a HLT whose
 * wake event came. False when v has nothing to run (halted, waiting for SIPI): block it. */
bool vcpu_ready(struct vcpu *v);
/* Blocks v (its own CPU, after its turn) unless a wake event arrived meanwhile. */
void vcpu_block(struct vcpu *v);
/* For the poller of halted vCPUs: has v's wake event come (with vm->lock taken inside)? */
bool vcpu_wake_due(struct vcpu *v, uint64_t now);
/* HLT: EXIT_BLOCK, EXIT_RESUME when a wake event is already there, EXIT_STOP (VM ended) when
 * interrupts are off with no wake time and no other vCPU can ever wake it. */
enum exit_action vcpu_halt(struct vcpu *v, bool irqs_on);

#endif
