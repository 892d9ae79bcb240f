/* SPDX-License-Identifier: MIT */
/* Builds a VM's PC platform: each model claims its ports, MMIO ranges and PCI slots itself. */
#include "drivers/pc/platform.h"

#include "drivers/pc/vacpi.h"
#include "drivers/pc/vioapic.h"
#include "drivers/pc/vlapic.h"
#include "drivers/pc/vpci.h"
#include "drivers/pc/vpci_testdev.h"
#include "drivers/pc/vpc.h"
#include "drivers/virtio/virtio_console.h"
#include "kernel/vm.h"

int pc_platform_attach(struct vm *vm)
{
	int rc = vpc_attach(vm);

	if (!rc)
		rc = vlapic_attach(vm);
	if (!rc)
		rc = vioapic_attach(vm);
	if (!rc)
		rc = vpci_attach(vm);
	if (!rc && (vm->cfg->test_devices & CONFIG_TESTDEV_PCI))
		rc = vpci_testdev_attach(vm);
	if (!rc && vm->cfg->virtio_console)
		rc = virtio_console_attach(vm); /* 00:04.0 */
	/* Last: the tables describe what the models above built (MCFG only with vm->pci), and the
	 * SCI is an ISA line of the PIC. */
	if (!rc)
		rc = vacpi_attach(vm);
	return rc;
}
