/* SPDX-License-Identifier: MIT */
/* The local APIC timer: one-shot, periodic and TSC-deadline, computed from time instead of ticked. */
#include "drivers/pc/vlapic.h"

#include "kernel/clock.h"
#include "kernel/vm.h"

/* Divide configuration bits 0, 1 and 3 (SDM 10.5.4): 0b000 = 2 ... 0b110 = 128, 0b111 = 1. */
static uint64_t divisor(uint32_t dcr)
{
	unsigned v = (dcr & 3) | ((dcr & 8) >> 1);

	return 1ull << ((v + 1) & 7);
}

static uint64_t ns_per_count(const struct vlapic *l)
{
	return VLAPIC_NS_PER_COUNT * divisor(l->timer_dcr);
}

static unsigned timer_mode(const struct vlapic *l)
{
	return LVT_TIMER_MODE(l->lvt[LVT_TIMER]);
}

/* The guest's TSC at host time now: host TSC + the VM's offset. */
static uint64_t guest_tsc_at(const struct vlapic *l, uint64_t now_ns)
{
	return clock_tsc_at_ns(now_ns) + l->vcpu->vm->tsc_offset;
}

void vlapic_timer_reset(struct vlapic *l)
{
	l->timer_icr = l->timer_dcr = l->timer_base = 0;
	l->timer_start_ns = l->timer_next_ns = l->timer_last_fire_ns = 0;
	l->tsc_deadline = 0;
	l->timer_changed = true;
}

/* Starts counting down from count at now (count > 0). */
static void start_count(struct vlapic *l, uint32_t count, uint64_t now)
{
	l->timer_base = count;
	l->timer_start_ns = now;
	l->timer_next_ns = now + count * ns_per_count(l);
	l->timer_changed = true;
}

static void stop(struct vlapic *l)
{
	l->timer_next_ns = 0;
	l->timer_base = 0;
	l->timer_changed = true;
}

uint32_t vlapic_timer_read_ccr(const struct vlapic *l, uint64_t now)
{
	uint64_t elapsed, npc = ns_per_count(l);

	if (timer_mode(l) == TIMER_TSC_DEADLINE || !l->timer_base || now < l->timer_start_ns)
		return timer_mode(l) == TIMER_TSC_DEADLINE || !l->timer_base ? 0 : l->timer_base;
	elapsed = (now - l->timer_start_ns) / npc;
	if (elapsed < l->timer_base)
		return (uint32_t)(l->timer_base - elapsed);
	if (timer_mode(l) != TIMER_PERIODIC || !l->timer_icr)
		return 0;
	return (uint32_t)(l->timer_icr - (elapsed - l->timer_base) % l->timer_icr);
}

void vlapic_timer_write_icr(struct vlapic *l, uint32_t count, uint64_t now)
{
	if (timer_mode(l) == TIMER_TSC_DEADLINE) /* ignored in TSC-deadline mode (SDM 10.5.4.1) */
		return;
	l->timer_icr = count;
	if (count)
		start_count(l, count, now);
	else
		stop(l);
}

/* A new divisor takes effect from the current count on. */
void vlapic_timer_write_dcr(struct vlapic *l, uint32_t dcr, uint64_t now)
{
	uint32_t ccr = vlapic_timer_read_ccr(l, now);

	l->timer_dcr = dcr;
	if (timer_mode(l) != TIMER_TSC_DEADLINE && ccr)
		start_count(l, ccr, now);
}

/* Switching between TSC-deadline and the count modes disarms the timer (SDM 10.5.4.1). */
void vlapic_timer_write_lvt(struct vlapic *l, uint32_t old, uint64_t now)
{
	bool was_deadline = LVT_TIMER_MODE(old) == TIMER_TSC_DEADLINE;
	bool deadline = timer_mode(l) == TIMER_TSC_DEADLINE;

	(void)now;
	if (was_deadline != deadline) {
		l->tsc_deadline = 0;
		l->timer_icr = 0;
		stop(l);
	}
	l->timer_changed = true; /* masking or unmasking changes whether the host must wake */
}

uint64_t vlapic_tsc_deadline_read(const struct vlapic *l)
{
	return timer_mode(l) == TIMER_TSC_DEADLINE ? l->tsc_deadline : 0;
}

/* The first host ns at which the guest TSC has reached deadline (clock_ns_at_tsc rounds up). */
void vlapic_tsc_deadline_write(struct vlapic *l, uint64_t deadline, uint64_t now)
{
	uint64_t guest_now = guest_tsc_at(l, now);

	if (timer_mode(l) != TIMER_TSC_DEADLINE) /* writes are ignored in the other modes */
		return;
	l->tsc_deadline = deadline;
	l->timer_changed = true;
	if (!deadline) {
		l->timer_next_ns = 0;
		return;
	}
	l->timer_next_ns = deadline <= guest_now ? now : clock_ns_at_tsc(deadline - l->vcpu->vm->tsc_offset);
	if (l->timer_next_ns < now)
		l->timer_next_ns = now;
}

static void fire(struct vlapic *l, uint64_t now)
{
	l->timer_last_fire_ns = now;
	vlapic_raise_lvt(l, LVT_TIMER);
	l->timer_changed = true;
}

/* Periodic: reload, skipping whole periods the host slept through (they coalesce into the one
 * interrupt already raised). */
static void reload(struct vlapic *l, uint64_t now)
{
	uint64_t period = (uint64_t)l->timer_icr * ns_per_count(l);
	uint64_t late;

	if (!period) {
		l->timer_next_ns = 0;
		return;
	}
	late = (now - l->timer_next_ns) / period;
	l->timer_next_ns += (late + 1) * period;
}

uint64_t vlapic_timer_poll(struct vlapic *l, uint64_t now)
{
	uint64_t next;

	if (l->timer_next_ns && now >= l->timer_next_ns) {
		fire(l, now);
		if (timer_mode(l) == TIMER_PERIODIC)
			reload(l, now);
		else {
			l->timer_next_ns = 0;
			l->tsc_deadline = 0; /* the MSR reads 0 once the deadline has passed */
		}
	}
	next = l->timer_next_ns;
	if (!next || (l->lvt[LVT_TIMER] & LVT_MASKED))
		return UINT64_MAX; /* a masked timer raises nothing: counts are computed when read */
	if (timer_mode(l) == TIMER_PERIODIC && next < l->timer_last_fire_ns + VLAPIC_MIN_PERIOD_NS)
		next = l->timer_last_fire_ns + VLAPIC_MIN_PERIOD_NS;
	return next;
}
