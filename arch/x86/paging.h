/* SPDX-License-Identifier: MIT */
/* Host page tables: all physical memory identity-mapped, device ranges uncached. */
#ifndef BASALT_X86_PAGING_H
#define BASALT_X86_PAGING_H

#include "kernel/boot_info.h"

/* Builds the tables from the physical allocator and switches CR3 to them. 0 or -ENOMEM. */
int paging_init(const struct boot_info *info);

/* Makes sure [pa, pa + size) is identity-mapped; the 2 MiB pages it adds are uncached. For device
 * windows outside what paging_init mapped (a 64-bit BAR above the top of RAM). Pages already
 * mapped are left as they are (paging_init already made every non-RAM page uncached). Boot-time
 * only, on the BSP before the APs run (it changes the shared tables without a TLB shootdown; new
 * entries replace not-present ones, so no flush is needed). 0, -EINVAL (beyond 52 bits) or -ENOMEM. */
int paging_map_uc(uint64_t pa, uint64_t size);

#endif
