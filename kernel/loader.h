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
/* Where a vCPU starts in 64-bit mode: the loader-specific parts of the state. */
struct long_mode_start {
	uint64_t entry, stack_top, cr3;
	uint64_t gdt_base;
	uint16_t gdt_limit;
	uint16_t cs, ds, tr; /* selectors; DS is also used for ES, SS, FS and GS */
	uint64_t tss_base;
	uint32_t tss_limit;
	uint64_t rdi, rsi;   /* arguments: the flat loader passes RAM size and vCPU index */
};

/* Puts vcpu in 64-bit long mode with paging on, interrupts off, flat segments and other GPRs 0. */
void loader_start_long_mode(struct vcpu *vcpu, const struct long_mode_start *s);
/* The flat-payload start: loader tables, selectors 0x08/0x10/0x18, RDI = RAM size, RSI = vCPU index. */
void loader_setup_long_mode(struct vcpu *vcpu, uint64_t entry, uint64_t stack_top);

#endif
