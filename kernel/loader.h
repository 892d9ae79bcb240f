/* SPDX-License-Identifier: MIT */
/* Puts a payload into guest memory and sets the boot vCPU's state for it. */
#ifndef BASALT_LOADER_H
#define BASALT_LOADER_H

#include <stddef.h>
#include <stdint.h>

struct vm;
struct vcpu;

/* Guest-physical layout below the payload, created by the flat loader. */
#define LOADER_GDT_GPA 0x0500ull
#define LOADER_TSS_GPA 0x0600ull
#define LOADER_PML4_GPA 0x1000ull
#define LOADER_PDPT_GPA 0x2000ull
#define LOADER_PD_GPA 0x3000ull /* four page directories: the first 4 GiB */
#define LOADER_LOW_END 0x8000ull

/* Copies a flat image to load_gpa and writes the boot GDT and identity page tables. 0 or -errno
 * (with a message naming the VM) when the image does not fit. */
int loader_load_flat(struct vm *vm, const void *image, size_t size, uint64_t load_gpa, uint64_t entry);
/* Puts vcpu in 64-bit long mode at entry with paging on the loader's tables. */
void loader_setup_long_mode(struct vcpu *vcpu, uint64_t entry, uint64_t stack_top);

#endif
