/* SPDX-License-Identifier: MIT */
/* Host application processors: start-up, the reschedule kick, and the stop on panic. */
#ifndef BASALT_X86_SMP_H
#define BASALT_X86_SMP_H

#include <stdbool.h>
#include <stdint.h>

struct boot_info;

/* Starts every CPU in apic_ids (the host's MADT list; the boot CPU's own ID is skipped) through
 * INIT-SIPI-SIPI: each loads its own GDT/TSS/IST stacks, the IDT, its LAPIC, and root mode, then
 * waits. A CPU that does not come up is reported by APIC ID and left in INIT. Fills percpu_area
 * densely (CPU 0 = the boot CPU) and returns how many CPUs are online, the boot CPU included. */
unsigned smp_start_aps(const struct boot_info *info, const uint32_t *apic_ids, unsigned count);
/* Lets every waiting AP run fn(cpu) on its own stack; returns at once. */
void smp_release_aps(void (*fn)(unsigned cpu));
/* Waits until every released AP has returned from fn. */
void smp_wait_aps(void);
/* Makes `cpu` look at its run queue again: a flag, plus an IPI when it is another CPU. */
void smp_kick(unsigned cpu);
/* The kick IPI's handler. */
void smp_kick_interrupt(void);
/* Panic: stops every other CPU with an NMI (they halt). A CPU that calls this while another CPU
 * is already stopping the machine halts itself instead: one report, from the first to fail. */
void smp_stop_others(void);
/* Called on a host NMI (IDT vector 2, or a VMX NMI exit): halts this CPU for good if the machine
 * is stopping; false if it is not (the NMI was for something else). */
bool smp_park_if_stopping(void);

#endif
