/* SPDX-License-Identifier: MIT */
/* What a guest may write to CR0, CR4, CR8, EFER and the debug registers: the architectural checks. */
#ifndef BASALT_CR_RULES_H
#define BASALT_CR_RULES_H

#include <stdbool.h>
#include <stdint.h>

/* The guest's paging-related state a check depends on. */
struct cr_state {
	uint64_t cr0, cr4, efer;
	bool code64; /* executing 64-bit code (EFER.LMA and CS.L) */
};

/*
 * Each returns 0 when the write is legal, with *out the value the register takes, or -EINVAL when
 * the CPU would raise #GP (SDM vol. 2 "MOV-Move to/from Control Registers", APM vol. 2 3.1).
 * cr4_allowed is the set of CR4 bits whose features the guest's CPUID offers (cr_cr4_allowed).
 */
int cr_check_cr0(const struct cr_state *s, uint64_t value, uint64_t *out);
int cr_check_cr4(const struct cr_state *s, uint64_t value, uint64_t cr4_allowed, uint64_t *out);
int cr_check_cr8(uint64_t value, uint64_t *out);
/* EFER: efer_allowed are the bits the CPUID offers (SCE, LME, NXE...). LMA is the CPU's to set: the
 * written LMA is ignored and the current one kept, as WRMSR does on both vendors. */
int cr_check_efer(const struct cr_state *s, uint64_t value, uint64_t efer_allowed, uint64_t *out);
/* EFER.LMA after a CR0 write that the guest made (paging switched on or off with EFER.LME). */
uint64_t cr_efer_after_cr0(uint64_t efer, uint64_t old_cr0, uint64_t new_cr0);

/* CR4 bits a guest may set, from the CPUID leaf 1 EDX/ECX and leaf 7 EBX/ECX words it is shown. */
uint64_t cr_cr4_allowed(uint32_t leaf1_edx, uint32_t leaf1_ecx, uint32_t leaf7_ebx, uint32_t leaf7_ecx);
/* EFER bits a guest may set, from the CPUID 0x80000001 EDX word it is shown. */
uint64_t cr_efer_allowed(uint32_t ext1_edx);

/* Debug registers: the value a MOV to DR6 / DR7 leaves, or -EINVAL (#GP: bits 63:32 set). */
int dr_check_dr6(uint64_t value, uint64_t *out);
int dr_check_dr7(uint64_t value, uint64_t *out);
/* DR6 B0-B3 bits of the enabled I/O breakpoints (CR4.DE set, R/W = 10b) that an access to
 * [port, port + size) hits. */
uint64_t dr_io_breakpoint_hits(uint64_t dr7, const uint64_t dr[4], uint64_t cr4, uint16_t port, uint8_t size);

#endif
