/* SPDX-License-Identifier: MIT */
/* The console port (BASALT_CONSOLE_PORT): bytes written become the VM's console lines. */
#include "drivers/pc/vdevices.h"
#include "kernel/basalt_abi.h"
#include "kernel/vm.h"

#define DEBUGCON_READBACK 0xe9 /* what QEMU and Bochs return, so guests can detect the port */

static int vdebugcon_io(struct vcpu *vcpu, void *dev, uint16_t port, uint8_t size, bool in, uint32_t *value)
{
	(void)dev;
	(void)port;
	(void)size;
	if (in)
		*value = DEBUGCON_READBACK;
	else
		vm_console_putc(vcpu->vm, (char)(*value & 0xff));
	return 0;
}

int vdebugcon_attach(struct vm *vm)
{
	return vm_register_pio(vm, BASALT_CONSOLE_PORT, 1, vdebugcon_io, NULL);
}
