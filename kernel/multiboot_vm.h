/* SPDX-License-Identifier: MIT */
/* Putting a multiboot (version 1) kernel and its modules into a VM and starting it in protected mode. */
#ifndef BASALT_MULTIBOOT_VM_H
#define BASALT_MULTIBOOT_VM_H

struct vm;
struct vcpu;
struct vm_images;

/* Checks the kernel's header, copies kernel and modules, writes the information structure and the
 * boot GDT. Prints one line naming the VM and the problem on failure (and returns -EINVAL). */
int multiboot_vm_load(struct vm *vm, const struct vm_images *img);
/* Starts the boot vCPU at the kernel's entry: EAX = 0x2BADB002, EBX = the information structure. */
void multiboot_vm_start_vcpu(struct vcpu *vcpu);

#endif
