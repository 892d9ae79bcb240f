/* SPDX-License-Identifier: MIT */
/* Guest-physical memory map and its bounds-checked accessors. */
#include "kernel/gmem.h"

#include <string.h>

#include "kernel/errno.h"
#include "kernel/mem.h"
#include "kernel/vm.h"

int gmem_add_region(struct vm *vm, uint64_t gpa, uint64_t size, uint64_t hpa)
{
	if (!size || gpa + size < gpa || !IS_ALIGNED(gpa | size | hpa, PAGE_SIZE))
		return -EINVAL;
	if (vm->nr_regions == VM_MAX_REGIONS)
		return -ENOSPC;
	for (unsigned i = 0; i < vm->nr_regions; i++) {
		const struct gmem_region *r = &vm->mem[i];

		if (gpa < r->gpa + r->size && r->gpa < gpa + size)
			return -EEXIST;
	}
	vm->mem[vm->nr_regions++] = (struct gmem_region){ .gpa = gpa, .size = size, .hpa = hpa };
	return 0;
}

void *gpa_map_checked(struct vm *vm, uint64_t gpa, size_t len)
{
	for (unsigned i = 0; i < vm->nr_regions; i++) {
		const struct gmem_region *r = &vm->mem[i];

		/* Written so that no sum can wrap: gpa - r->gpa only after gpa >= r->gpa. */
		if (gpa >= r->gpa && gpa - r->gpa < r->size && len <= r->size - (gpa - r->gpa))
			return phys_to_virt(r->hpa + (gpa - r->gpa));
	}
	return NULL;
}

int gpa_read(struct vm *vm, uint64_t gpa, void *dst, size_t len)
{
	const void *src = gpa_map(vm, gpa, len);

	if (!src)
		return -EFAULT;
	memcpy(dst, src, len);
	return 0;
}

int gpa_write(struct vm *vm, uint64_t gpa, const void *src, size_t len)
{
	void *dst = gpa_map(vm, gpa, len);

	if (!dst)
		return -EFAULT;
	memcpy(dst, src, len);
	return 0;
}

uint64_t gmem_size(const struct vm *vm)
{
	uint64_t total = 0;

	for (unsigned i = 0; i < vm->nr_regions; i++)
		total += vm->mem[i].size;
	return total;
}
