/* SPDX-License-Identifier: MIT */
/* The guest's BIOS-style memory map (e820), built from its RAM regions for the Linux loader. */
#ifndef BASALT_E820_H
#define BASALT_E820_H

#include <stdint.h>

#include "kernel/bootparams.h"

/*
 * PC convention: conventional memory ends at 639 KiB; from there to 1 MiB lie the EBDA, the VGA
 * window and the BIOS ROMs. Basalt puts nothing there, but Linux must not use that range either
 * (it looks there for the EBDA and firmware tables), so the map always reports it reserved.
 */
#define E820_LEGACY_START 0x9fc00ull
#define E820_LEGACY_END 0x100000ull
#define E820_MAX_INPUTS 32u /* RAM regions + marks per call: bounds the stack the builder uses */

/* One range of guest RAM: (gpa, size), e.g. from struct gmem_region. */
struct e820_ram {
	uint64_t gpa;
	uint64_t size;
};

/*
 * Builds a sorted, merged e820 map in out[0, max_out):
 *   - every byte of ram[] is E820_RAM, exactly: no more, no less;
 *   - [E820_LEGACY_START, E820_LEGACY_END) is E820_RESERVED (RAM or not);
 *   - marks[] (types other than E820_RAM: reserved, ACPI, NVS...) override both. Inside RAM
 *     they take those bytes out of the usable pool (ACPI tables the VM keeps in its RAM);
 *     outside RAM they add a range (an MMIO window Linux should see as reserved).
 * Neighbouring ranges of one type are merged. Basalt's own boot structures (page tables, GDT,
 * zero page, command line, kernel, initrd) need no mark: the boot protocol tells the kernel where
 * they are, and it protects them itself until it has consumed them.
 * Returns the number of entries, -E2BIG if more than max_out are needed, -EINVAL if RAM regions
 * overlap each other, marks overlap each other, a range is empty or wraps, a mark has type
 * E820_RAM or 0, or there are more than E820_MAX_INPUTS inputs.
 */
int e820_build(const struct e820_ram *ram, unsigned nr_ram, const struct e820_entry *marks, unsigned nr_marks,
	       struct e820_entry *out, unsigned max_out);

/* Sum of the sizes of the entries of one type. */
uint64_t e820_bytes_of_type(const struct e820_entry *map, unsigned n, uint32_t type);

#endif
