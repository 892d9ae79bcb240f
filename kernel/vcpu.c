/* SPDX-License-Identifier: MIT */
/* vCPU creation and the run loop: pick from the run queue, run until an exit ends the turn, account. */
#include "kernel/vcpu.h"

#include <stddef.h>
#include <string.h>

#include "arch/x86/cpu.h"
#include "arch/x86/percpu.h"
#include "arch/x86/smp.h"
#include "drivers/pc/vpc.h"
#include "drivers/host/lapic.h"
#include "drivers/pc/vlapic.h"
#include "kernel/clock.h"
#include "kernel/vm_io.h"
#include "kernel/console.h"
#include "kernel/errno.h"
#include "kernel/exit.h"
#include "kernel/console_input.h"
#include "kernel/cr_access.h"
#include "kernel/mem.h"
#include "kernel/panic.h"
#include "kernel/virq.h"
#include "kernel/vmm.h"

#define VCPU_PAGES ((sizeof(struct vcpu) + PAGE_SIZE - 1) / PAGE_SIZE)
#define FPU_FCW_DEFAULT 0x037f
#define FPU_MXCSR_DEFAULT 0x1f80
#define FPU_MXCSR_OFFSET 24

/* The lowest core no pinned VM owns: it polls console input and every VM's sleepers. Set by the
 * boot CPU before the APs are released; read-only afterwards. */
static unsigned watch_cpu;

static struct vcpu *vcpu_of(struct sched_entity *se)
{
	return (struct vcpu *)((char *)se - offsetof(struct vcpu, se));
}

/* The FXSAVE image of a CPU after reset, so a new guest starts with clean FPU/SSE state. */
static void fpu_init_image(uint8_t *area)
{
	uint16_t fcw = FPU_FCW_DEFAULT;
	uint32_t mxcsr = FPU_MXCSR_DEFAULT;

	memset(area, 0, 512);
	memcpy(area, &fcw, sizeof(fcw));
	memcpy(area + FPU_MXCSR_OFFSET, &mxcsr, sizeof(mxcsr));
}

static enum sched_class sched_class_of(enum config_sched_policy policy)
{
	return policy == CONFIG_SCHED_PINNED ? SCHED_CLASS_PINNED
	       : policy == CONFIG_SCHED_RR  ? SCHED_CLASS_RR
					    : SCHED_CLASS_SHARES;
}

/* The core a pinned vCPU owns: admission gave its VM exactly one core per vCPU (config_sched.c). */
static int nth_cpu(uint64_t mask, unsigned n)
{
	for (int cpu = 0; cpu < 64; cpu++)
		if ((mask & (1ull << cpu)) && n-- == 0)
			return cpu;
	return -1;
}

int vcpu_create(struct vm *vm, unsigned id)
{
	struct vcpu *v = pages_alloc(VCPU_PAGES, PAGE_SIZE);
	int rc;

	if (!v)
		return -ENOMEM;
	v->vm = vm;
	v->id = id;
	v->running_on = -1;
	fpu_init_image(v->fpu);
	vm->vcpus[vm->nr_vcpus++] = v;
	rc = vmm->vcpu_create(v);
	if (!rc && vm->pc)
		rc = vlapic_create(v);
	if (rc)
		return rc;
	/* Every VM's TSC starts near 0 when it is created, as after a reset. */
	vmm_set_reg(v, VM_REG_TSC_OFFSET, vm->tsc_offset);
	sched_entity_init(&v->se, &(struct sched_params){ .cls = sched_class_of(vm->cfg->policy),
			  .weight = vm->cfg->shares, .cpu_mask = vm->cfg->cpu_mask,
			  .pinned_cpu = vm->cfg->policy == CONFIG_SCHED_PINNED ? nth_cpu(vm->cfg->cpu_mask, id) : -1,
			  .group = vm->id });
	/* Secondary vCPUs wait for the guest's INIT-SIPI-SIPI through their local APIC (vcpu_start.c);
	 * boot vCPUs start together once every VM exists (vcpu_start_boot_cpus). */
	return 0;
}

/* Waking them all at once, heaviest first, lets placement balance the cores' weight sums, and no
 * VM counts the creation of the others as time it waited for a CPU. */
void vcpu_start_boot_cpus(void)
{
	struct sched_entity *boot[VM_MAX];
	uint64_t pinned = 0;
	unsigned n = 0;

	for (unsigned i = 0; i < vm_count; i++) {
		if (vm_list[i]->cfg->policy == CONFIG_SCHED_PINNED)
			pinned |= vm_list[i]->cfg->cpu_mask;
		/* The boot CPU created and loaded them: let go, wherever they run first. */
		for (unsigned j = 0; vmm->vcpu_release && j < vm_list[i]->nr_vcpus; j++)
			vmm->vcpu_release(vm_list[i]->vcpus[j]);
		if (vm_is_running(vm_list[i]) && vm_list[i]->nr_vcpus)
			boot[n++] = &vm_list[i]->vcpus[0]->se;
	}
	for (watch_cpu = 0; watch_cpu < cpu_count && ((pinned >> watch_cpu) & 1); watch_cpu++)
		;
	if (watch_cpu == cpu_count)
		watch_cpu = 0; /* every core pinned: the boot CPU watches */
	sched_wake_many(boot, n);
}

void vcpu_destroy(struct vcpu *vcpu)
{
	if (!vcpu)
		return;
	if (vcpu->arch)
		vmm->vcpu_destroy(vcpu);
	vlapic_destroy(vcpu);
	pages_free(vcpu, VCPU_PAGES);
}


/* The scheduler wants cpu to look again: the flag makes its run_turn call sched_tick at the next
 * exit, and the kick IPI makes that exit happen now (or ends the core's idle HLT). */
void vcpu_resched_cpu(unsigned cpu)
{
	if (cpu < cpu_count)
		smp_kick(cpu);
}

void vcpu_timer_interrupt(void)
{
	this_cpu()->resched = true;
	this_cpu()->timer_irqs++;
	lapic_eoi();
}

static bool any_vm_running(void)
{
	for (unsigned i = 0; i < vm_count; i++)
		if (vm_is_running(vm_list[i]))
			return true;
	return false;
}

static uint64_t earliest(uint64_t a, uint64_t b)
{
	return !a ? b : !b ? a : a < b ? a : b;
}

/* A halted vCPU wakes at its wake time, or when an interrupt it can take arrives (device timers
 * polled here; interrupts raised by devices and IPIs wake their target directly, vcpu_kick). */
static uint64_t wake_if_due(struct vcpu *v, uint64_t now, uint64_t timer_next)
{
	if (vcpu_wake_due(v, now)) {
		sched_wake(&v->se);
		return 0;
	}
	return earliest(v->wake_at_ns, v->halted_with_irqs ? timer_next : 0);
}

#define INPUT_POLL_NS 20000000ull /* typed characters reach an idle guest within 20 ms */

/* Runs device timers of VMs with halted vCPUs and wakes those whose time or interrupt has come
 * (host console input included); returns the earliest event still ahead (0 = none). */
static uint64_t wake_sleepers(unsigned cpu, uint64_t now)
{
	/* The host UART has one reader (the watch CPU), so typed characters stay in order. */
	uint64_t next = cpu == watch_cpu && console_input_poll() ? now + INPUT_POLL_NS : 0;

	for (unsigned i = 0; i < vm_count; i++) {
		struct vm *vm = vm_list[i];
		uint64_t timer_next = 0;
		bool polled = false;

		/* Only VMs that may run here: a pinned core is not woken for other VMs' timers. The
		 * watch CPU also looks at the rest, so a VM whose cores are all busy still wakes. */
		if (cpu != watch_cpu && !((vm->cfg->cpu_mask >> cpu) & 1))
			continue;

		for (unsigned j = 0; vm_is_running(vm) && j < vm->nr_vcpus; j++) {
			struct vcpu *v = vm->vcpus[j];

			if (v->se.state != SCHED_STATE_BLOCKED)
				continue;
			if (!polled) {
				timer_next = virq_poll_timers(vm, now);
				polled = true;
			}
			next = earliest(next, wake_if_due(v, now, timer_next));
		}
	}
	return next;
}

/* Nothing runnable: sleep until the next wake time (the timer interrupt ends the HLT) or a kick
 * (a wake placed work here). The resched flag is tested with interrupts off and STI;HLT takes a
 * kick that arrives after the test, so neither can be lost. */
static void idle_until(struct percpu *pc, uint64_t wake_ns)
{
	uint64_t now = clock_ns();

	/* The wake time may have passed since it was computed (this CPU can be slow, or preempted
	 * under emulation): halting then would wait for a timer nobody armed, forever. */
	if (wake_ns <= now)
		return;
	lapic_timer_oneshot(wake_ns - now);
	__atomic_store_n(&pc->idle, true, __ATOMIC_SEQ_CST);
	if (!pc->resched)
		__asm__ volatile("sti; hlt; cli" ::: "memory");
	__atomic_store_n(&pc->idle, false, __ATOMIC_SEQ_CST);
	pc->resched = false;
	lapic_timer_oneshot(0);
}

/* The next timer interrupt: the end of v's slice (the scheduler's account plus `unaccounted` ns
 * since the last tick), or a sleeper's wake time or the running VM's next device-timer event if
 * that comes first. Also queues sleepers whose time has come, so a tick sees them waiting. */
static void arm_timer(unsigned cpu, struct vcpu *v, uint64_t now, uint64_t unaccounted)
{
	uint64_t slice = sched_timeslice_ns();
	/* A vCPU alone on its queue keeps running past its slice (nobody to preempt it for), so the
	 * account can exceed a slice: then the next check is due at the next slice boundary. */
	uint64_t left = slice - (v->se.slice_used_ns + unaccounted) % slice;
	uint64_t next_event = earliest(wake_sleepers(cpu, now), virq_poll_timers(v->vm, now));

	/* Nobody waits on this cpu (a pinned core, or a vCPU alone): no slice timer, device events
	 * only. A wake onto this cpu calls vcpu_resched_cpu, whose tick re-arms this. Read after
	 * wake_sleepers, which may just have queued someone here. */
	if (!sched_tick_needed(cpu))
		left = UINT64_MAX;
	if (next_event && next_event - now < left)
		left = next_event > now ? next_event - now : 1;
	lapic_timer_oneshot(left == UINT64_MAX ? 0 : left);
}

/*
 * Guest CPU state that neither VMRUN/#VMEXIT nor VM entry/exit switches, and where each piece is
 * kept (the hostile-guest review's list, from APM vol. 2 15.5 and SDM vol. 3 25.3/27.5):
 *  - x87/SSE state: FXSAVE image per vCPU, restored and saved around each turn (cpu_run_loop).
 *  - DR0-DR3: struct vcpu dr[], written by exit_handle_dr (every guest write exits on both
 *    vendors), loaded here when another vCPU's (or the firmware's) values are in the CPU.
 *  - DR6: VMCB on AMD; on Intel the backend's vcpu_load/vcpu_put (VMX does not switch it).
 *  - DR7, CR0/CR3/CR4, EFER, PAT, segment and syscall MSRs: VMCB or VMCS (+ MSR area on Intel).
 *  - CR2: VMCB on AMD; struct vmx_vcpu on Intel (vmx_run.c).
 *  - CR8/TPR: V_TPR in the VMCB (V_INTR_MASKING) on AMD; CR8 exits and struct vmx_vcpu on Intel.
 *  - XCR0 and XSAVE-managed state (AVX...): unreachable. CPUID hides XSAVE, CR4.OSXSAVE writes
 *    get #GP (intercepted on AMD, host-owned on Intel) and XSETBV gets #UD.
 *  - Other MSRs: intercepted; msr_policy.c emulates or refuses every one.
 */
static void load_guest_cpu_state(struct percpu *pc, struct vcpu *v)
{
	vcpu_load_debug_regs(v, &pc->debug_regs_clean);
	if (vmm->vcpu_load)
		vmm->vcpu_load(v);
}


/*
 * Before an entry: a guest that reprogrammed a timer (or took or acknowledged an interrupt) wants
 * its next interrupt then, not at the next tick, so the host timer is re-armed; re-arming advances
 * the VM's timers, which may raise an interrupt that is already due (a TSC deadline that passed
 * while its WRMSR exited), so delivery is decided after it, and once more if delivering (an
 * acknowledge) moved the timers again. The usual pass (nothing moved) is one vm->lock round trip.
 */
static void deliver_interrupts(unsigned cpu, struct vcpu *v, uint64_t last)
{
	enum virq_timers t = virq_deliver(v, VIRQ_ASK_BEFORE | VIRQ_ASK_AFTER);
	uint64_t now;

	if (t == VIRQ_TIMERS_MOVED_BEFORE) {
		now = clock_ns();
		arm_timer(cpu, v, now, now - last);
		t = virq_deliver(v, VIRQ_ASK_AFTER);
	}
	if (t == VIRQ_TIMERS_MOVED_AFTER) {
		now = clock_ns();
		arm_timer(cpu, v, now, now - last);
		virq_deliver(v, 0); /* a change this one causes waits for the next entry, as ever */
	}
}

/* Runs v until its slice ends or an exit takes it off the CPU; returns why it stopped. */
static enum exit_action run_turn(unsigned cpu, struct vcpu *v, uint64_t *ran_ns)
{
	struct percpu *pc = this_cpu();
	uint64_t last = clock_ns(), now, ran;
	enum exit_action action;
	struct vm_exit exit;

	pc->resched = false;
	v->charged_until_ns = last;
	/* A scheduler bug must never run one vCPU on two cores: its VMCB/VMCS would be torn. */
	if (__atomic_exchange_n(&v->in_turn, true, __ATOMIC_ACQ_REL))
		panic("vm '%s' vCPU %u entered a turn on cpu %u while in one on cpu %d", v->vm->name, v->id, cpu,
		      v->running_on);
	v->running_on = (int)cpu;
	__atomic_fetch_add(&v->vm->vcpus_in_turn, 1, __ATOMIC_ACQ_REL);
	load_guest_cpu_state(pc, v);
	arm_timer(cpu, v, last, 0);
	for (;;) {
		/* Frames from other VMs wait in this VM's port inboxes: delivering them may raise the
		 * interrupt that makes a halted vCPU ready, so this comes first. */
		if (__atomic_load_n(&v->vm->io_pending, __ATOMIC_ACQUIRE))
			vm_io_service(v->vm);
		/* Woken for nothing (halted, or waiting for SIPI), or told to stop by an INIT. */
		if (!vcpu_ready(v)) {
			action = EXIT_BLOCK;
			break;
		}
		if (v->vm->pc)
			deliver_interrupts(cpu, v, last);
		if (__atomic_load_n(&v->tlb_flush_pending, __ATOMIC_ACQUIRE) &&
		    __atomic_exchange_n(&v->tlb_flush_pending, false, __ATOMIC_ACQ_REL))
			vmm->flush_guest_tlb(v);
		vmm_run(v, &exit);
		__atomic_store_n(&v->exits, v->exits + 1, __ATOMIC_RELEASE);
		action = exit_dispatch(v, &exit);
		if (action != EXIT_RESUME || !vm_is_running(v->vm))
			break;
		if (!pc->resched)
			continue;
		pc->resched = false;
		now = clock_ns();
		ran = now - last;
		last = now; /* each nanosecond is charged once: to this tick or to put_prev below */
		v->charged_until_ns = now;
		if (sched_tick(cpu, &v->se, ran)) {
			action = EXIT_YIELD;
			break;
		}
		arm_timer(cpu, v, now, 0);
	}
	lapic_timer_oneshot(0);
	if (vmm->vcpu_put)
		vmm->vcpu_put(v);
	v->running_on = -1;
	__atomic_store_n(&v->in_turn, false, __ATOMIC_RELEASE);
	*ran_ns = clock_ns() - last;
	return vm_is_running(v->vm) ? action : EXIT_STOP;
}

/* An ended VM's memory goes back later, at a point no CPU can still use its vCPUs (vm_reap.c). */
static void finish_turn(unsigned cpu, struct vcpu *v, enum exit_action action, uint64_t ran_ns)
{
	if (action == EXIT_BLOCK)
		vcpu_block(v);
	else if (action == EXIT_YIELD)
		sched_yield(cpu, &v->se);
	sched_put_prev(cpu, &v->se, ran_ns);
	__atomic_fetch_sub(&v->vm->vcpus_in_turn, 1, __ATOMIC_ACQ_REL);
}

/* Turns begun on any CPU (atomic): a stuck check only counts when none began in between. */
static uint64_t turns_begun;

/* Every vCPU of every running VM blocked (none queued, none in a turn). */
static bool all_vcpus_blocked(void)
{
	for (unsigned i = 0; i < vm_count; i++) {
		struct vm *vm = vm_list[i];

		for (unsigned j = 0; vm_is_running(vm) && j < vm->nr_vcpus; j++)
			if (__atomic_load_n(&vm->vcpus[j]->se.state, __ATOMIC_ACQUIRE) != SCHED_STATE_BLOCKED)
				return false;
	}
	return true;
}

/*
 * Running VMs whose vCPUs are all blocked, with no wake time and no device timer ahead, can never
 * make progress again. With several CPUs one look can be stale (a vCPU blocking on another core
 * just after this one computed the wake times), so the boot CPU only ends them when two looks an
 * idle period apart agree and no turn began anywhere in between.
 */
static bool confirm_stuck(void)
{
	static uint64_t turns_at_first_look = UINT64_MAX;
	uint64_t turns = __atomic_load_n(&turns_begun, __ATOMIC_ACQUIRE);

	if (!all_vcpus_blocked()) {
		turns_at_first_look = UINT64_MAX;
		return false;
	}
	if (turns_at_first_look == turns)
		return true;
	turns_at_first_look = turns;
	return false;
}

static void stop_stuck_vms(void)
{
	for (unsigned i = 0; i < vm_count; i++)
		if (vm_is_running(vm_list[i]))
			vm_halt_forever(vm_list[i]);
	for (unsigned c = 0; c < cpu_count; c++)
		if (c != this_cpu_id())
			smp_kick(c); /* their loops end when no VM runs */
}

uint64_t vcpu_run_ns(const struct vcpu *vcpu)
{
	uint64_t now = clock_ns();

	/* Only the running vCPU asks (from a hypercall), so its turn is open since charged_until_ns. */
	return vcpu->se.total_ns + (now > vcpu->charged_until_ns ? now - vcpu->charged_until_ns : 0);
}

#define IDLE_BACKSTOP_NS 10000000ull /* an idle core with no wake time looks again this often */

void cpu_run_loop(unsigned cpu)
{
	struct percpu *pc = this_cpu();

	while (any_vm_running()) {
		uint64_t next_wake, ran;
		struct sched_entity *se;
		struct vcpu *v;
		enum exit_action action;

		__atomic_store_n(&pc->loop_seq, pc->loop_seq + 1, __ATOMIC_SEQ_CST);
		vm_reap_ready();
		next_wake = wake_sleepers(cpu, clock_ns());
		se = sched_pick(cpu);
		if (!se) {
			if (!next_wake && cpu == watch_cpu && confirm_stuck()) {
				stop_stuck_vms();
				continue;
			}
			idle_until(pc, next_wake ? next_wake : clock_ns() + IDLE_BACKSTOP_NS);
			continue;
		}
		__atomic_fetch_add(&turns_begun, 1, __ATOMIC_ACQ_REL);
		v = vcpu_of(se);
		/* x87/SSE state is saved at the end of every turn: the host never uses it, and no CPU
		 * keeps a pointer to a vCPU between iterations (an ended VM's vCPUs are freed). */
		fpu_restore(v->fpu);
		action = run_turn(cpu, v, &ran);
		fpu_save(v->fpu);
		finish_turn(cpu, v, action, ran);
	}
	__atomic_store_n(&pc->idle, true, __ATOMIC_SEQ_CST); /* out of the loop: holds no vCPU */
}
