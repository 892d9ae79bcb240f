/* SPDX-License-Identifier: MIT */
/* Bits of ordinary x86-64 page-table entries (host paging, guest boot tables and AMD NPT share them). */
#ifndef BASALT_X86_PTE_H
#define BASALT_X86_PTE_H

#include <stdint.h>

#define PTE_P (1ull << 0)
#define PTE_RW (1ull << 1)
#define PTE_US (1ull << 2)
#define PTE_PWT (1ull << 3)
#define PTE_PCD (1ull << 4)
#define PTE_A (1ull << 5)
#define PTE_D (1ull << 6)
#define PTE_PS (1ull << 7) /* in a PDE/PDPTE: this entry maps a large page */
#define PTE_G (1ull << 8)
#define PTE_NX (1ull << 63)
#define PTE_ADDR_MASK 0x000ffffffffff000ull
/* For large leaves bit 12 is PAT, not address: mask by level. */
#define PTE_ADDR_MASK_2M 0x000fffffffe00000ull
#define PTE_ADDR_MASK_1G 0x000fffffc0000000ull

typedef uint64_t pte_t;
_Static_assert(sizeof(pte_t) == 8, "page-table entries are 8 bytes");

#endif
