/* SPDX-License-Identifier: MIT */
/* Host console input: polled from COM1 on timer ticks and in idle, delivered to one VM's UART (and its hvc0). */
#include "kernel/console_input.h"

#include "drivers/host/uart16550.h"
#include "drivers/pc/vpc.h"
#include "drivers/virtio/virtio_console.h"
#include "kernel/console.h"
#include "kernel/vm.h"

static struct vm *owner;
static int held = -1; /* a byte the owner's FIFO had no room for yet */
static bool raw_allowed = true;

void console_input_allow_raw(bool allow)
{
	raw_allowed = allow;
}

bool console_input_is_raw(const struct vm *vm)
{
	return raw_allowed && vm == owner && vm_is_running(vm);
}

void console_input_offer(struct vm *vm)
{
	if (owner && vm_is_running(owner))
		return;
	owner = vm;
	kprintf("basalt: host console input goes to vm '%s', its output %s\n", vm->name,
		raw_allowed ? "raw" : "filtered (console=safe)");
}

/* With owner->lock held: the UART model and console line are shared with the VM's vCPUs. The serial
 * port paces input (a byte it refuses waits in held); each byte it accepts is also copied to the
 * VM's virtio console, if it has one, so a shell on ttyS0 or on hvc0 sees what is typed. */
static void feed_owner(void)
{
	vm_console_flush_partial(owner); /* show a prompt that waits for input */
	for (;;) {
		int byte = held >= 0 ? held : uart_read_byte();

		if (byte < 0)
			return;
		held = vpc_uart_input(owner->pc, (uint8_t)byte) < 0 ? byte : -1;
		if (held >= 0)
			return;
		if (owner->virtio_console) {
			uint8_t b = (uint8_t)byte;

			virtio_console_input(owner->virtio_console, &b, 1);
		}
	}
}

/* One host CPU polls (held and the host UART are this function's alone). */
bool console_input_poll(void)
{
	if (!owner || !vm_is_running(owner) || !owner->pc)
		return false;
	spin_lock(&owner->lock);
	feed_owner();
	spin_unlock(&owner->lock);
	return true;
}
