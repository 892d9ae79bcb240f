/* SPDX-License-Identifier: MIT */
/* panic(): the end of the line for broken hypervisor invariants. */
#include "kernel/panic.h"

#include <stdarg.h>

#include "kernel/console.h"
#include "kernel/machine.h"

void panic(const char *fmt, ...)
{
	va_list ap;

	kprintf("\nbasalt: PANIC: ");
	va_start(ap, fmt);
	kvprintf(fmt, ap);
	va_end(ap);
	kprintf("\nbasalt: verdict: panic\n");
	machine_stop(VERDICT_PANIC);
}
