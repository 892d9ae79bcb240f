/* SPDX-License-Identifier: MIT */
/* Stopping the machine: the test-exit ports of QEMU and Bochs, or a halt loop on real hardware. */
#include "arch/x86/cpu.h"

#include "drivers/host/uart16550.h"
#include "kernel/machine.h"

#define QEMU_DEBUG_EXIT_PORT 0xf4
#define BOCHS_SHUTDOWN_PORT 0x8900

bool machine_test_mode;

static void bochs_shutdown(void)
{
	const char *s = "Shutdown";

	while (*s)
		outb(BOCHS_SHUTDOWN_PORT, (uint8_t)*s++);
}

void machine_stop(enum machine_verdict verdict)
{
	irq_disable();
	uart_drain();
	if (machine_test_mode) {
		outb(QEMU_DEBUG_EXIT_PORT, (uint8_t)verdict);
		/* Bochs has no isa-debug-exit: its harness reads the verdict line on the console. */
		bochs_shutdown();
	}
	for (;;)
		cpu_halt();
}
