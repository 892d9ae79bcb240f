/* SPDX-License-Identifier: MIT */
/* Fatal hypervisor errors: only for broken hypervisor invariants, never for guest behaviour. */
#ifndef BASALT_PANIC_H
#define BASALT_PANIC_H

/* Prints the message, ends the machine (test mode: failure status through isa-debug-exit). */
void panic(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
/* The first half of panic, for reports that print more first (exception dumps): stops the other
 * CPUs (or halts this one if another CPU is already reporting) and frees the console. */
void panic_begin(void);

#ifdef BASALT_DEBUG
#define ASSERT(c) ((c) ? (void)0 : panic("assertion failed: %s at %s:%d", #c, __FILE__, __LINE__))
#else
#define ASSERT(c) ((void)0)
#endif

#define BUILD_ASSERT(c) _Static_assert(c, #c)

#endif
