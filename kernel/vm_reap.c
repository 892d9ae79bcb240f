/* SPDX-License-Identifier: MIT */
/* Releasing an ended VM only when no host CPU can still be using its vCPUs, and remote TLB flushes. */
#include "kernel/vm.h"

#include "arch/x86/cpu.h"
#include "arch/x86/percpu.h"
#include "arch/x86/smp.h"
#include "kernel/vcpu.h"
#include "kernel/vmm.h"

/*
 * Why a quiescent point and not "the last vCPU out of its turn": another CPU may have picked a
 * vCPU of the VM (under its run-queue lock) just before vm_end killed it, and not yet begun the
 * turn, so a count of vCPUs in turns can read zero while a CPU is about to use one. Every CPU
 * begins each run-loop iteration holding no vCPU; once each has begun a new one after the end
 * (or sits idle), none holds a vCPU of the VM any more, and none can pick one again: killed
 * entities are off every queue and never go back. Wakers (wake_sleepers, vcpu_kick) check the
 * VM is running first, inside their iteration, which the end precedes.
 */
void vm_reap_note_end(struct vm *vm)
{
	__atomic_thread_fence(__ATOMIC_SEQ_CST); /* the state store before the loop_seq reads */
	for (unsigned c = 0; c < cpu_count; c++)
		vm->reap_seq[c] = __atomic_load_n(&percpu_area[c].loop_seq, __ATOMIC_SEQ_CST);
	__atomic_store_n(&vm->reap_pending, 1, __ATOMIC_SEQ_CST);
}

static bool quiescent(const struct vm *vm)
{
	for (unsigned c = 0; c < cpu_count; c++) {
		const struct percpu *pc = &percpu_area[c];

		/* loop_seq before idle: a CPU clears idle before it begins an iteration. */
		if (__atomic_load_n(&pc->loop_seq, __ATOMIC_SEQ_CST) == vm->reap_seq[c] &&
		    !__atomic_load_n(&pc->idle, __ATOMIC_SEQ_CST) && pc->online)
			return false;
	}
	return __atomic_load_n(&vm->vcpus_in_turn, __ATOMIC_ACQUIRE) == 0;
}

static void try_release(struct vm *vm, bool all_out)
{
	int expected = 1;

	if (!__atomic_load_n(&vm->reap_pending, __ATOMIC_ACQUIRE) || (!all_out && !quiescent(vm)))
		return;
	if (__atomic_compare_exchange_n(&vm->reap_pending, &expected, 0, false, __ATOMIC_ACQ_REL, __ATOMIC_RELAXED))
		vm_release(vm);
}

void vm_reap_ready(void)
{
	for (unsigned i = 0; i < vm_count; i++)
		try_release(vm_list[i], false);
}

void vm_reap_all(void)
{
	for (unsigned i = 0; i < vm_count; i++)
		try_release(vm_list[i], true);
}

int vm_unmap_guest(struct vm *vm, uint64_t gpa, uint64_t size)
{
	int rc = vmm->unmap(vm, gpa, size);

	vm_flush_nested_tlbs(vm);
	return rc;
}

void vm_flush_nested_tlbs(struct vm *vm)
{
	unsigned me = this_cpu_id();

	for (unsigned i = 0; i < vm->nr_vcpus; i++)
		__atomic_store_n(&vm->vcpus[i]->tlb_flush_pending, true, __ATOMIC_SEQ_CST);
	for (unsigned i = 0; i < vm->nr_vcpus; i++) {
		struct vcpu *v = vm->vcpus[i];
		uint64_t seen = v->exits;
		int cpu = v->running_on;

		if (cpu < 0 || (unsigned)cpu == me)
			continue;
		smp_kick((unsigned)cpu);
		while (v->running_on == cpu && v->exits == seen)
			cpu_pause();
	}
}
