/* SPDX-License-Identifier: MIT */
/* Intel EPT entries: R/W/X permissions per entry, memory type in leaves, bit 7 for large pages. */
#include "arch/x86/vmx/ept.h"

static uint64_t ept_table_entry(uint64_t table_pa)
{
	/* Non-leaf entries grant everything: permissions are decided by the leaves. */
	return (table_pa & EPT_ADDR_MASK) | EPT_READ | EPT_WRITE | EPT_EXEC;
}

static uint64_t ept_leaf_entry(uint64_t pa, unsigned perms, unsigned level)
{
	uint64_t e = 0;
	uint64_t mask = level == 3 ? 0x000fffffc0000000ull : level == 2 ? 0x000fffffffe00000ull : EPT_ADDR_MASK;

	if (perms & NPT_READ)
		e |= EPT_READ;
	if (perms & NPT_WRITE)
		e |= EPT_WRITE | EPT_READ; /* write-only is a misconfiguration: writable implies readable */
	if (perms & NPT_EXEC)
		e |= EPT_EXEC;
	if (!e)
		return 0;
	e |= (perms & NPT_UNCACHED ? EPT_MEMTYPE_UC : EPT_MEMTYPE_WB) << EPT_MEMTYPE_SHIFT;
	if (level > 1)
		e |= EPT_LARGE;
	return e | (pa & mask);
}

static bool ept_is_present(uint64_t e)
{
	return e & (EPT_READ | EPT_WRITE | EPT_EXEC);
}

static bool ept_is_leaf(uint64_t e, unsigned level)
{
	return level == 1 || (level <= 3 && (e & EPT_LARGE));
}

static uint64_t ept_entry_address(uint64_t e, unsigned level)
{
	if (level == 3 && (e & EPT_LARGE))
		return e & 0x000fffffc0000000ull;
	if (level == 2 && (e & EPT_LARGE))
		return e & 0x000fffffffe00000ull;
	return e & EPT_ADDR_MASK;
}

static unsigned ept_entry_perms(uint64_t e)
{
	unsigned p = 0;

	if (e & EPT_READ)
		p |= NPT_READ;
	if (e & EPT_WRITE)
		p |= NPT_WRITE;
	if (e & EPT_EXEC)
		p |= NPT_EXEC;
	if (((e >> EPT_MEMTYPE_SHIFT) & 7) == EPT_MEMTYPE_UC)
		p |= NPT_UNCACHED;
	return p;
}

struct npt_format ept_format = {
	.name = "ept",
	.table_entry = ept_table_entry,
	.leaf_entry = ept_leaf_entry,
	.is_present = ept_is_present,
	.is_leaf = ept_is_leaf,
	.entry_address = ept_entry_address,
	.entry_perms = ept_entry_perms,
	.max_leaf_level = 2,
};
