/* SPDX-License-Identifier: MIT */
/* Host GDT and TSS with the IST stacks the IDT uses. */
#ifndef BASALT_X86_GDT_H
#define BASALT_X86_GDT_H

#include <stdint.h>

#define GDT_CODE 0x08
#define GDT_DATA 0x10
#define GDT_TSS 0x18

#define IST_DOUBLE_FAULT 1
#define IST_NMI 2
#define IST_EXCEPTION 3
#define IST_MACHINE_CHECK 4

struct tss64 {
	uint32_t reserved0;
	uint64_t rsp[3];
	uint64_t reserved1;
	uint64_t ist[7];
	uint64_t reserved2;
	uint16_t reserved3;
	uint16_t iomap_base;
} __attribute__((packed));
_Static_assert(sizeof(struct tss64) == 104, "64-bit TSS");

/* Loads the boot CPU's GDT, reloads segment registers (not GS) and TR. */
void gdt_init(void);
/* The same for host CPU `cpu` (its own GDT, TSS and IST stacks); -1 when out of memory. */
int gdt_init_cpu(unsigned cpu);
/* Where this CPU's tables live, for hardware that must restore them on VM exit (VMX host state). */
uint64_t gdt_base(void);
uint64_t tss_base(void);

#endif
