/* SPDX-License-Identifier: MIT */
/* Host page tables: all physical memory identity-mapped, device ranges uncached. */
#ifndef BASALT_X86_PAGING_H
#define BASALT_X86_PAGING_H

#include "kernel/boot_info.h"

/* Builds the tables from the physical allocator and switches CR3 to them. 0 or -ENOMEM. */
int paging_init(const struct boot_info *info);

#endif
