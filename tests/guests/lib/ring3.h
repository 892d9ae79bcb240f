/* SPDX-License-Identifier: MIT */
/* Ring 3 for the test guests: a GDT with DPL 3 segments, a TSS, user pages, and a call into CPL 3. */
#ifndef RING3_H
#define RING3_H

#include "guest.h"

#define SEL_KCODE 0x08
#define SEL_KDATA 0x10
#define SEL_UDATA 0x23 /* GDT entry 4, RPL 3 */
#define SEL_UCODE 0x2b /* GDT entry 5, RPL 3 */
#define SEL_TSS 0x30
#define RING3_RETURN_VECTOR 0x80 /* DPL 3 gate that brings ring3_call back to CPL 0 */

/*
 * Loads our own GDT (kernel code/data at the loader's selectors, user
 * code/data, a TSS whose RSP0 is a private stack), marks the first 2 MiB
 * (the guest image, its data and stacks) user-accessible, clears
 * CR4.SMEP/SMAP (the kernel runs from those same pages) and installs the
 * return gate. Call once, at CPL 0.
 */
void ring3_setup(void);
/*
 * Runs fn() at CPL 3 (IOPL 0, IF 0) on a user stack and returns once fn
 * returns. fn must not print (port 0xE9 faults at CPL 3): store results.
 * Exceptions armed with exc_arm/TRY_INSN inside fn resume in ring 3.
 */
void ring3_call(void (*fn)(void));
/* The CPL the caller runs at (CS.RPL). */
int current_cpl(void);

#endif
