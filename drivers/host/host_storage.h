/* SPDX-License-Identifier: MIT */
/* The host's NVMe drives and their GPT partitions, handed out to VMs as blkdevs. */
#ifndef BASALT_HOST_STORAGE_H
#define BASALT_HOST_STORAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "drivers/block/blkdev.h"

/*
 * Boot order: after paging_init (it maps the ECAM windows and NVMe BARs with paging_map_uc) and
 * clock_init, on the BSP, before VMs are created. Everything is found once; nothing is
 * hot-plugged.
 *
 * A partition blkdev is a window onto its namespace (writes and reads outside it fail with
 * -EINVAL; a read-only claim's writes with -EROFS). Claims: any number of read-only claims of one
 * partition, or exactly one writable claim and nothing else. Claims are never released (VMs live
 * as long as the host).
 *
 * Locking: init runs alone; the claim table is guarded by a spinlock in host_storage.c, so VMs
 * created on different cores may claim at once. The blkdevs guard themselves (the NVMe lock).
 */

#define HOST_STORAGE_MAX_CTRLS 4
#define HOST_STORAGE_MAX_PARTS 64

/* Finds every NVMe controller (PCI class 01/08/02) in the MCFG ranges of the ACPI tables at
 * rsdp_pa, brings it up, reads each namespace's GPT and logs one line per drive and per
 * partition. Returns the number of partitions found (0 with no NVMe, no MCFG or no GPT: not an
 * error) or -ENOMEM. A controller or namespace that fails is logged and skipped. */
int host_storage_init(uint64_t rsdp_pa);

/*
 * Claims a partition by GPT name (ASCII, exact) and/or unique GUID (text form, any case); at
 * least one of them non-NULL; when both are given, both must match the same partition. On success
 * *out is a blkdev for it (read-only when read_only) and 0 is returned. Otherwise -ENOENT (none),
 * -EEXIST (the name matches several partitions), -EBUSY (a writable claim where any claim exists,
 * or any claim where a writable one exists) or -EINVAL, with a reason in why.
 */
int host_storage_find_partition(const char *name, const char *guid, bool read_only, struct blkdev **out,
				char *why, size_t why_len);

#endif
