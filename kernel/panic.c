/* SPDX-License-Identifier: MIT */
/* panic(): the end of the line for broken hypervisor invariants. */
#include "kernel/panic.h"

#include <stdarg.h>

#include "arch/x86/percpu.h"
#include "arch/x86/smp.h"
#include "kernel/console.h"
#include "kernel/machine.h"

void panic_begin(void)
{
	smp_stop_others();
	console_break_lock();
}

void panic(const char *fmt, ...)
{
	va_list ap;

	panic_begin();
	kprintf("\nbasalt: PANIC on cpu %u (APIC ID %u): ", this_cpu_id(), this_cpu()->apic_id);
	va_start(ap, fmt);
	kvprintf(fmt, ap);
	va_end(ap);
	kprintf("\nbasalt: verdict: panic\n");
	machine_stop(VERDICT_PANIC);
}
