/* SPDX-License-Identifier: MIT */
/* Vendor-neutral builder for 4-level nested page tables (AMD NPT, Intel EPT) with per-vendor entry encoders. */
#ifndef BASALT_NESTED_PT_H
#define BASALT_NESTED_PT_H

#include <stdbool.h>
#include <stdint.h>

/* Permissions of a guest-physical mapping, vendor-neutral. */
#define NPT_READ 1u
#define NPT_WRITE 2u
#define NPT_EXEC 4u
#define NPT_RWX (NPT_READ | NPT_WRITE | NPT_EXEC)
#define NPT_UNCACHED 8u /* device memory: no caching on either side */

/* Levels: 1 = 4 KiB leaf, 2 = 2 MiB leaf, 3 = 1 GiB leaf, 4 = root. */
struct npt_format {
	const char *name;
	uint64_t (*table_entry)(uint64_t table_pa);
	uint64_t (*leaf_entry)(uint64_t pa, unsigned perms, unsigned level);
	bool (*is_present)(uint64_t entry);
	bool (*is_leaf)(uint64_t entry, unsigned level);
	uint64_t (*entry_address)(uint64_t entry, unsigned level);
	unsigned (*entry_perms)(uint64_t entry);
	unsigned max_leaf_level; /* 2, or 3 when the CPU has 1 GiB pages */
};

struct nested_pt {
	const struct npt_format *fmt;
	uint64_t *root;
	unsigned tables; /* pages used by tables, for accounting */
};

/* Allocates the root table. Returns 0 or -ENOMEM. */
int npt_init(struct nested_pt *pt, const struct npt_format *fmt);
/* Maps [gpa, gpa+size) to [hpa, ...) with perms, using the largest pages alignment allows. */
int npt_map(struct nested_pt *pt, uint64_t gpa, uint64_t hpa, uint64_t size, unsigned perms);
/* Removes mappings in [gpa, gpa+size), splitting large pages at the edges. */
int npt_unmap(struct nested_pt *pt, uint64_t gpa, uint64_t size);
/* Looks up gpa: returns 0 and fills hpa/perms/level, or -ENOENT. */
int npt_lookup(const struct nested_pt *pt, uint64_t gpa, uint64_t *hpa, unsigned *perms, unsigned *level);
/* Frees every table. */
void npt_destroy(struct nested_pt *pt);
/* Physical address of the root, for the backend (nCR3 / EPTP). */
uint64_t npt_root_pa(const struct nested_pt *pt);

#endif
