/* SPDX-License-Identifier: MIT */
/* The test-exit port (`test-exit = <port>`): QEMU isa-debug-exit style, a write ends the VM with that status. */
#include "drivers/pc/vdevices.h"

#include "kernel/console.h"
#include "kernel/errno.h"
#include "kernel/vm.h"

/*
 * Like QEMU's isa-debug-exit with iosize 4: any write of 1, 2 or 4 bytes to port..port+3 ends the
 * machine. QEMU exits with (v << 1) | 1, and payloads written for it (kvm-unit-tests) write 0 for
 * success. Basalt ends only this VM, with status v itself, and reports it as every guest status is
 * reported: 0 passed, anything else failed. So a QEMU payload's verdict comes through unchanged.
 */
#define TESTEXIT_PORTS 4

static int vtestexit_io(struct vcpu *vcpu, void *dev, uint16_t port, uint8_t size, bool in, uint32_t *value)
{
	uint32_t mask = size >= 4 ? 0xffffffffu : (1u << (size * 8)) - 1;

	(void)dev;
	(void)port;
	if (in) {
		*value = mask; /* nothing to read: what an empty bus gives */
		return 0;
	}
	vm_test_exit(vcpu->vm, *value & mask);
	return 0;
}

int vtestexit_attach(struct vm *vm, uint16_t port)
{
	int rc = vm_register_pio(vm, port, TESTEXIT_PORTS, vtestexit_io, NULL);

	if (rc == -EEXIST)
		kprintf("basalt: vm '%s': test-exit: ports 0x%x-0x%x overlap another device of this VM\n", vm->name,
			port, port + TESTEXIT_PORTS - 1);
	return rc;
}
