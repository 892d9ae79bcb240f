/* SPDX-License-Identifier: MIT */
/* Ticket spinlock: FIFO-fair so no core starves on a contended run queue lock. */
#ifndef BASALT_SPINLOCK_H
#define BASALT_SPINLOCK_H

#include <stdbool.h>
#include <stdint.h>

/*
 * Neither function saves or masks interrupts: callers must not take a lock that
 * an interrupt handler on the same core may also take (Basalt handles timer
 * expiry as a VM exit, in normal context, so run queue locks are never taken
 * from interrupt handlers).
 */
typedef struct spinlock {
	uint32_t next;  /* next ticket to hand out */
	uint32_t owner; /* ticket now allowed in */
} spinlock_t;

#define SPINLOCK_INIT { 0, 0 }

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#endif
}

static inline void spin_lock_init(spinlock_t *l)
{
	__atomic_store_n(&l->next, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&l->owner, 0, __ATOMIC_RELEASE);
}

static inline void spin_lock(spinlock_t *l)
{
	uint32_t ticket = __atomic_fetch_add(&l->next, 1, __ATOMIC_RELAXED);

	while (__atomic_load_n(&l->owner, __ATOMIC_ACQUIRE) != ticket)
		cpu_relax();
}

/* Takes the lock only if nobody holds or waits for it; true on success. */
static inline bool spin_trylock(spinlock_t *l)
{
	uint32_t owner = __atomic_load_n(&l->owner, __ATOMIC_RELAXED);
	uint32_t expected = owner;

	return __atomic_compare_exchange_n(&l->next, &expected, owner + 1, false,
					   __ATOMIC_ACQUIRE, __ATOMIC_RELAXED);
}

static inline void spin_unlock(spinlock_t *l)
{
	/* Only the holder writes owner, so a plain read-then-store is race free. */
	uint32_t owner = __atomic_load_n(&l->owner, __ATOMIC_RELAXED);

	__atomic_store_n(&l->owner, owner + 1, __ATOMIC_RELEASE);
}

static inline bool spin_is_locked(spinlock_t *l)
{
	return __atomic_load_n(&l->owner, __ATOMIC_RELAXED) !=
	       __atomic_load_n(&l->next, __ATOMIC_RELAXED);
}

#endif
