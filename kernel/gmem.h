/* SPDX-License-Identifier: MIT */
/* Checked access to guest-physical memory: the only way the hypervisor reads or writes guest RAM. */
#ifndef BASALT_GMEM_H
#define BASALT_GMEM_H

#include <stddef.h>
#include <stdint.h>

struct vm;

/* Adds [gpa, gpa+size) backed by host memory at hpa to the VM's RAM map. 0, -EINVAL (unaligned,
 * empty or wrapping), -EEXIST (overlaps a region) or -ENOSPC (no slot left). */
int gmem_add_region(struct vm *vm, uint64_t gpa, uint64_t size, uint64_t hpa);
/* Host pointer to [gpa, gpa+len) if it lies entirely inside one RAM region, else NULL. */
void *gpa_map_checked(struct vm *vm, uint64_t gpa, size_t len);
/*
 * gpa_map_checked with the VM's first region (all of a pc VM's low RAM, where rings and buffers
 * live) checked inline: the same check, without the call, on the virtio paths that map a dozen
 * ranges per request. Anything else goes to gpa_map_checked. The host tests and fuzzers replace
 * gpa_map_checked with their doubles, so there it is only that call.
 */
#ifndef BASALT_HOST_TEST
#include "kernel/mem.h"
#include "kernel/vm.h"

static inline void *gpa_map(struct vm *vm, uint64_t gpa, size_t len)
{
	const struct gmem_region *r = &vm->mem[0];

	/* Written so that no sum can wrap, as in gpa_map_checked. */
	if (vm->nr_regions && gpa >= r->gpa && gpa - r->gpa < r->size && len <= r->size - (gpa - r->gpa))
		return phys_to_virt(r->hpa + (gpa - r->gpa));
	return gpa_map_checked(vm, gpa, len);
}
#else
static inline void *gpa_map(struct vm *vm, uint64_t gpa, size_t len)
{
	return gpa_map_checked(vm, gpa, len);
}
#endif
/* Copies between guest RAM and the hypervisor; -EFAULT if any byte is outside guest RAM. */
int gpa_read(struct vm *vm, uint64_t gpa, void *dst, size_t len);
int gpa_write(struct vm *vm, uint64_t gpa, const void *src, size_t len);
/* Total RAM of the VM. */
uint64_t gmem_size(const struct vm *vm);

#endif
