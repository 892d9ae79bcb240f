/* SPDX-License-Identifier: MIT */
/* Unit tests for kernel/vm_reap.c: remote nested-TLB flushes and releasing ended VMs at a quiescent point. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <asm/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <cmocka.h>

#include "arch/x86/percpu.h"
#include "arch/x86/smp.h"
#include "kernel/vcpu.h"
#include "kernel/vm.h"
#include "kernel/vmm.h"

#define NR_VCPUS 4
#define ME 1u /* the calling CPU */

/* ---- doubles of what vm_reap.c calls ---- */
struct percpu percpu_area[MAX_CPUS];
unsigned cpu_count;
struct vm *vm_list[VM_MAX];
unsigned vm_count;

static struct vm *vm;
static struct vcpu vcpus[NR_VCPUS];
static unsigned kicks[MAX_CPUS], releases, unmaps;

/* The kicked CPU's vCPU exits, as the real one would on the kick IPI. */
void smp_kick(unsigned cpu)
{
	kicks[cpu]++;
	for (unsigned i = 0; i < NR_VCPUS; i++)
		if (vcpus[i].running_on == (int)cpu)
			__atomic_store_n(&vcpus[i].exits, vcpus[i].exits + 1, __ATOMIC_RELEASE);
}

void vm_release(struct vm *v)
{
	assert_ptr_equal(v, vm);
	releases++;
}

static int fake_unmap(struct vm *v, uint64_t gpa, uint64_t size)
{
	assert_ptr_equal(v, vm);
	assert_int_equal(gpa, 0x200000);
	assert_int_equal(size, 0x1000);
	/* The tables change before any vCPU is told to flush. */
	for (unsigned i = 0; i < NR_VCPUS; i++)
		assert_false(vcpus[i].tlb_flush_pending);
	unmaps++;
	return 0;
}

static const struct vmm_ops fake_vmm = { .name = "fake", .unmap = fake_unmap };
const struct vmm_ops *vmm = &fake_vmm;

static int setup(void **state)
{
	(void)state;
	memset(percpu_area, 0, sizeof(percpu_area));
	memset(vcpus, 0, sizeof(vcpus));
	memset(kicks, 0, sizeof(kicks));
	releases = unmaps = 0;
	cpu_count = 4;
	for (unsigned c = 0; c < cpu_count; c++) {
		percpu_area[c].self = &percpu_area[c];
		percpu_area[c].id = c;
		percpu_area[c].online = true;
	}
	/* this_cpu() reads GS:0, as in the hypervisor. */
	assert_int_equal(syscall(SYS_arch_prctl, ARCH_SET_GS, (unsigned long)&percpu_area[ME]), 0);
	vm = calloc(1, sizeof(*vm));
	vm->nr_vcpus = NR_VCPUS;
	for (unsigned i = 0; i < NR_VCPUS; i++) {
		vcpus[i].running_on = -1;
		vm->vcpus[i] = &vcpus[i];
	}
	vm_list[0] = vm;
	vm_count = 1;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	free(vm);
	return 0;
}

/* Every vCPU flushes before its next entry; only vCPUs in the guest on other CPUs are kicked,
 * and the call returns once each of those has exited. */
static void test_flush_marks_all_kicks_remote_running(void **state)
{
	(void)state;
	vcpus[1].running_on = (int)ME; /* this CPU: it flushes at its own next entry */
	vcpus[2].running_on = 3;
	vcpus[3].running_on = 0;
	vcpus[3].exits = 41;
	vm_flush_nested_tlbs(vm);
	for (unsigned i = 0; i < NR_VCPUS; i++)
		assert_true(vcpus[i].tlb_flush_pending);
	assert_int_equal(kicks[ME], 0);
	assert_int_equal(kicks[2], 0);
	assert_int_equal(kicks[3], 1);
	assert_int_equal(kicks[0], 1);
	assert_int_equal(vcpus[3].exits, 42);
}

static void test_unmap_then_flush(void **state)
{
	(void)state;
	vcpus[0].running_on = 2;
	assert_int_equal(vm_unmap_guest(vm, 0x200000, 0x1000), 0);
	assert_int_equal(unmaps, 1);
	assert_int_equal(kicks[2], 1);
	for (unsigned i = 0; i < NR_VCPUS; i++)
		assert_true(vcpus[i].tlb_flush_pending);
}

/* An ended VM goes back only when every online CPU has begun a new loop iteration or sits idle. */
static void test_release_waits_for_every_cpu(void **state)
{
	(void)state;
	vm_reap_note_end(vm);
	vm_reap_ready();
	assert_int_equal(releases, 0);
	percpu_area[0].loop_seq++;
	percpu_area[1].loop_seq++;
	percpu_area[2].idle = true;
	vm_reap_ready();
	assert_int_equal(releases, 0); /* cpu 3 may still hold a vCPU */
	percpu_area[3].online = false; /* an offline CPU holds nothing */
	vm_reap_ready();
	assert_int_equal(releases, 1);
	vm_reap_ready();
	assert_int_equal(releases, 1); /* once */
}

static void test_release_waits_for_turns_to_end(void **state)
{
	(void)state;
	vm_reap_note_end(vm);
	for (unsigned c = 0; c < cpu_count; c++)
		percpu_area[c].loop_seq++;
	vm->vcpus_in_turn = 1;
	vm_reap_ready();
	assert_int_equal(releases, 0);
	vm->vcpus_in_turn = 0;
	vm_reap_ready();
	assert_int_equal(releases, 1);
}

/* vm_reap_all runs once every other CPU has left its loop: no quiescence check. */
static void test_reap_all_releases_pending_only(void **state)
{
	(void)state;
	vm_reap_all();
	assert_int_equal(releases, 0);
	vm_reap_note_end(vm);
	vm_reap_all();
	assert_int_equal(releases, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_flush_marks_all_kicks_remote_running, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unmap_then_flush, setup, teardown),
		cmocka_unit_test_setup_teardown(test_release_waits_for_every_cpu, setup, teardown),
		cmocka_unit_test_setup_teardown(test_release_waits_for_turns_to_end, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reap_all_releases_pending_only, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
