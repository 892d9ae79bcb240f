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

/* Where a vCPU starts in 32-bit protected mode with paging off (multiboot's machine state). */
struct protected_mode_start {
	uint32_t entry, stack_top;
	uint32_t eax, ebx;   /* multiboot: the boot magic and the information structure */
	uint32_t gdt_base;
	uint16_t gdt_limit;
	uint16_t cs, ds, tr; /* selectors; DS is also used for ES, SS, FS and GS */
	uint32_t tss_base, tss_limit;
};

/* Puts vcpu in 32-bit protected mode: CR0 = PE|ET (paging off), CR4 = EFER = 0, flat 4 GiB
 * 32-bit segments, EFLAGS = 2 (interrupts off, VM clear), other GPRs 0. Needs vmm_features.paging_off. */
void loader_start_protected_mode(struct vcpu *vcpu, const struct protected_mode_start *s);
/* The 32-bit boot GDT (null, code 0x08, data 0x10, 32-bit TSS 0x18) and its TSS at LOADER_GDT_GPA /
 * LOADER_TSS_GPA; fills the table parts of s. 0 or -EFAULT. */
int loader_write_gdt32(struct vm *vm, struct protected_mode_start *s);

/* Puts vcpu in 64-bit long mode with paging on, interrupts off, flat segments and other GPRs 0. */
void loader_start_long_mode(struct vcpu *vcpu, const struct long_mode_start *s);
/* The flat-payload start: loader tables, selectors 0x08/0x10/0x18, RDI = RAM size, RSI = vCPU index. */
void loader_setup_long_mode(struct vcpu *vcpu, uint64_t entry, uint64_t stack_top);

#endif
