/* SPDX-License-Identifier: MIT */
/* Intel EPT: the entry encoder behind the vendor-neutral nested_pt builder, and the EPT pointer. */
#ifndef BASALT_VMX_EPT_H
#define BASALT_VMX_EPT_H

#include <stdint.h>

#include "kernel/nested_pt.h"

#define EPT_READ (1ull << 0)
#define EPT_WRITE (1ull << 1)
#define EPT_EXEC (1ull << 2)
#define EPT_MEMTYPE_SHIFT 3
#define EPT_MEMTYPE_UC 0ull
#define EPT_MEMTYPE_WB 6ull
#define EPT_LARGE (1ull << 7)
#define EPT_ADDR_MASK 0x000ffffffffff000ull
#define EPTP_WALK_4 (3ull << 3)

/* max_leaf_level is raised to 3 at boot when the CPU supports 1 GiB EPT pages. */
extern struct npt_format ept_format;

/* EPT pointer for a 4-level table at root_pa with write-back paging-structure accesses. */
static inline uint64_t ept_pointer(uint64_t root_pa)
{
	return (root_pa & EPT_ADDR_MASK) | EPTP_WALK_4 | EPT_MEMTYPE_WB;
}

#endif
