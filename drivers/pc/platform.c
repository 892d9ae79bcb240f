/* SPDX-License-Identifier: MIT */
/* Builds a VM's PC platform: each model claims its ports, MMIO ranges and PCI slots itself. */
#include "drivers/pc/platform.h"

#include "drivers/pc/vlapic.h"
#include "drivers/vpc.h"
#include "kernel/vm.h"

int pc_platform_attach(struct vm *vm)
{
	int rc = vpc_attach(vm);

	if (!rc)
		rc = vlapic_attach(vm);
	return rc;
}
