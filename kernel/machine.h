/* SPDX-License-Identifier: MIT */
/* Ending the machine: with a verdict for test harnesses, or by halting for good. */
#ifndef BASALT_MACHINE_H
#define BASALT_MACHINE_H

#include <stdbool.h>

/* Values written to QEMU's isa-debug-exit port (QEMU exits with 2 * value + 1). */
enum machine_verdict {
	VERDICT_PASS = 0x10,  /* every VM ran and ended successfully */
	VERDICT_FAIL = 0x11,  /* some VM failed, crashed or was refused */
	VERDICT_PANIC = 0x12, /* the hypervisor itself hit a broken invariant */
};

/* Set from the boot command line: ending the machine reports the verdict instead of halting. */
extern bool machine_test_mode;

/* Stops every activity for good: reports the verdict in test mode, else halts the CPU. */
void machine_stop(enum machine_verdict verdict) __attribute__((noreturn));

#endif
