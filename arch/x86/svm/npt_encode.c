/* SPDX-License-Identifier: MIT */
/* AMD NPT entry encoder: nested tables use ordinary x86-64 entries, walked as user accesses. */
#include "arch/x86/svm/npt.h"

#include "arch/x86/pte.h"

static uint64_t npt_table_entry(uint64_t table_pa)
{
	/* The nested walk checks U/S like a user access, so every level needs US (platform.md). */
	return (table_pa & PTE_ADDR_MASK) | PTE_P | PTE_RW | PTE_US;
}

static uint64_t npt_leaf_entry(uint64_t pa, unsigned perms, unsigned level)
{
	uint64_t e = PTE_P | PTE_US | PTE_A | PTE_D;

	if (!(perms & NPT_READ))
		return 0; /* x86 entries cannot express write- or execute-only: absent means no access */
	if (perms & NPT_WRITE)
		e |= PTE_RW;
	if (!(perms & NPT_EXEC) && npt_nx_usable)
		e |= PTE_NX;
	if (perms & NPT_UNCACHED)
		e |= PTE_PCD | PTE_PWT;
	if (level > 1)
		e |= PTE_PS;
	return e | (pa & (level == 3 ? PTE_ADDR_MASK_1G : level == 2 ? PTE_ADDR_MASK_2M : PTE_ADDR_MASK));
}

static bool npt_is_present(uint64_t e)
{
	return e & PTE_P;
}

static bool npt_is_leaf(uint64_t e, unsigned level)
{
	return level == 1 || (level <= 3 && (e & PTE_PS));
}

static uint64_t npt_entry_address(uint64_t e, unsigned level)
{
	if (level == 3 && (e & PTE_PS))
		return e & PTE_ADDR_MASK_1G;
	if (level == 2 && (e & PTE_PS))
		return e & PTE_ADDR_MASK_2M;
	return e & PTE_ADDR_MASK;
}

static unsigned npt_entry_perms(uint64_t e)
{
	unsigned p = NPT_READ;

	if (e & PTE_RW)
		p |= NPT_WRITE;
	if (!(e & PTE_NX))
		p |= NPT_EXEC;
	if (e & PTE_PCD)
		p |= NPT_UNCACHED;
	return p;
}

bool npt_nx_usable;

struct npt_format npt_format_amd = {
	.name = "npt",
	.table_entry = npt_table_entry,
	.leaf_entry = npt_leaf_entry,
	.is_present = npt_is_present,
	.is_leaf = npt_is_leaf,
	.entry_address = npt_entry_address,
	.entry_perms = npt_entry_perms,
	.max_leaf_level = 2,
};
