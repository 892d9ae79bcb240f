/* SPDX-License-Identifier: MIT */
/* The VM's MMIO map: which device model owns which guest-physical range. */
#include "kernel/mmio.h"

#include "kernel/errno.h"
#include "kernel/gmem.h"
#include "kernel/vm.h"

static bool overlaps(uint64_t a, uint64_t a_size, uint64_t b, uint64_t b_size)
{
	return a < b + b_size && b < a + a_size;
}

static bool overlaps_ram(const struct vm *vm, uint64_t base, uint64_t size)
{
	for (unsigned i = 0; i < vm->nr_regions; i++)
		if (overlaps(base, size, vm->mem[i].gpa, vm->mem[i].size))
			return true;
	return false;
}

int vm_register_mmio(struct vm *vm, uint64_t base, uint64_t size, mmio_fn handler, void *dev)
{
	if (!size || base + size < base || !handler || overlaps_ram(vm, base, size))
		return -EINVAL;
	if (vm->nr_mmio == VM_MAX_MMIO)
		return -ENOSPC;
	for (unsigned i = 0; i < vm->nr_mmio; i++)
		if (overlaps(base, size, vm->mmio[i].base, vm->mmio[i].size))
			return -EEXIST;
	vm->mmio[vm->nr_mmio++] = (struct mmio_range){ base, size, handler, dev };
	return 0;
}

int vm_unregister_mmio(struct vm *vm, uint64_t base, void *dev)
{
	for (unsigned i = 0; i < vm->nr_mmio; i++) {
		if (vm->mmio[i].base != base || vm->mmio[i].dev != dev)
			continue;
		vm->mmio[i] = vm->mmio[--vm->nr_mmio];
		return 0;
	}
	return -ENOENT;
}

const struct mmio_range *vm_find_mmio(const struct vm *vm, uint64_t gpa)
{
	for (unsigned i = 0; i < vm->nr_mmio; i++)
		if (gpa >= vm->mmio[i].base && gpa - vm->mmio[i].base < vm->mmio[i].size)
			return &vm->mmio[i];
	return NULL;
}

static uint64_t size_mask(unsigned size)
{
	return size >= 8 ? ~0ull : (1ull << (size * 8)) - 1;
}

/* Under vm->lock: the device models (the local APICs' xAPIC page included) are shared by the
 * VM's vCPUs, and a handler may move the ranges themselves (a PCI memory BAR). */
static void mmio_access_locked(struct vcpu *vcpu, uint64_t gpa, unsigned size, bool write, uint64_t *value)
{
	struct vm *vm = vcpu->vm;
	const struct mmio_range *r = vm_find_mmio(vm, gpa);

	if (write)
		*value &= size_mask(size);
	if (r && r->handler(vcpu, r->dev, gpa, size, write, value) >= 0) {
		if (!write)
			*value &= size_mask(size);
		return;
	}
	/* Like an empty bus: reads float to all ones, writes vanish; counted for diagnosis. */
	if (!write)
		*value = size_mask(size);
	if (write)
		vm->stats.unclaimed_mmio_writes++;
	else
		vm->stats.unclaimed_mmio_reads++;
}

void mmio_access(struct vcpu *vcpu, uint64_t gpa, unsigned size, bool write, uint64_t *value)
{
	spin_lock(&vcpu->vm->lock);
	mmio_access_locked(vcpu, gpa, size, write, value);
	spin_unlock(&vcpu->vm->lock);
}
