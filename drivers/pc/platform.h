/* SPDX-License-Identifier: MIT */
/* The PC platform of a VM as one unit: legacy devices, interrupt controllers, ACPI, PCI, test devices. */
#ifndef BASALT_DRIVERS_PC_PLATFORM_H
#define BASALT_DRIVERS_PC_PLATFORM_H

struct vm;

/* Attaches every model of the "pc" platform (and the test devices the config asks for). */
int pc_platform_attach(struct vm *vm);

#endif
