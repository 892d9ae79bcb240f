/* SPDX-License-Identifier: MIT */
/* Putting an unmodified Linux kernel into a VM by the 64-bit boot protocol. */
#ifndef BASALT_LINUX_VM_H
#define BASALT_LINUX_VM_H

#include <stddef.h>

struct vm;
struct vcpu;
struct vm_images;

/* Checks the bzImage, plans the layout and writes kernel, initrd, command line, zero page and boot
 * tables into guest memory. Prints one line naming the VM and the problem on failure. */
int linux_vm_load(struct vm *vm, const struct vm_images *img, const char *cmdline);
/* Starts the boot vCPU at the kernel's 64-bit entry with RSI = the zero page. */
void linux_vm_start_vcpu(struct vcpu *vcpu);

#endif
