/* SPDX-License-Identifier: MIT */
/* Shared by the SMP test guests (smp, hostile-ipi): AP start-up, x2APIC IPIs, a console lock. */
#ifndef SMP_COMMON_H
#define SMP_COMMON_H

#define SMP_TRAMP_BASE 0x9000      /* SIPI vector 0x09: free RAM above the loader's tables */
#define SMP_TRAMP_VECTOR (SMP_TRAMP_BASE >> 12)
#define SMP_LOADER_PML4 0x1000     /* kernel/loader.h: the flat loader's identity tables and GDT */
#define SMP_LOADER_GDT 0x500
#define SMP_LOADER_GDT_LIMIT 39
#define SMP_MAX_CPUS 64
#define SMP_STACK_SHIFT 13         /* 8 KiB per AP */

#ifndef __ASSEMBLER__
#include "lib/hostile.h"

#define ICR_FIXED 0x0000u
#define ICR_NMI 0x0400u
#define ICR_INIT 0x0500u
#define ICR_SIPI 0x0600u
#define ICR_ASSERT 0x4000u
#define ICR_SELF (1u << 18)
#define ICR_ALL (2u << 18)
#define ICR_OTHERS (3u << 18)

extern uint8_t smp_ap_stacks[SMP_MAX_CPUS + 1][1u << SMP_STACK_SHIFT];

/* Set by the guest before starting APs: what each AP runs (its APIC ID, EDX and CR0 at entry). */
extern void (*smp_ap_main)(uint32_t id, uint32_t signature, uint32_t cr0);

/* vCPUs the VM has (CPUID 1 EBX[23:16]). */
unsigned smp_cpus(void);
/* x2APIC mode, software-enabled, spurious vector 0xff. */
void smp_apic_on(void);
uint32_t smp_apic_id(void);
/* An IPI through the x2APIC ICR: dest (x2APIC ID), low half (vector | mode | shorthand). */
void smp_ipi(uint32_t dest, uint32_t lo);
void smp_eoi(void);
/* Copies the trampoline to SMP_TRAMP_BASE. */
void smp_tramp_install(void);
/* INIT, then SIPI twice (as the MP protocol does) to the AP with APIC ID id. */
void smp_start_ap(uint32_t id, uint8_t vector);
/* printf under a lock, so lines of several vCPUs do not mix. */
void smp_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* HLT with IF=1 until *p reaches want or ns pass; true if it did. */
bool smp_wait(volatile unsigned *p, unsigned want, uint64_t ns);
#endif

#endif
