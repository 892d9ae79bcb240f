/* SPDX-License-Identifier: MIT */
/* Builds a VM's PC platform: each model claims its ports, MMIO ranges and PCI slots itself. */
#include "drivers/pc/platform.h"

#include "drivers/pc/vacpi.h"
#include "drivers/vpc.h"
#include "kernel/vm.h"

int pc_platform_attach(struct vm *vm)
{
	int rc = vpc_attach(vm);

	if (!rc)
		rc = vacpi_attach(vm); /* after vpc: the SCI is an ISA line of its PIC */
	return rc;
}
