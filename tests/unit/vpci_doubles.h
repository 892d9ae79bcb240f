/* SPDX-License-Identifier: MIT */
/* Host doubles for vpci's unit tests and fuzzer: the VM's port/MMIO maps, page allocation, virq records. */
#ifndef BASALT_TESTS_VPCI_DOUBLES_H
#define BASALT_TESTS_VPCI_DOUBLES_H

#include <stdlib.h>
#include <string.h>

#include "kernel/errno.h"
#include "kernel/mem.h"
#include "kernel/virq.h"
#include "kernel/vm.h"

/* The maps keep the same rules as kernel/mmio.c and kernel/pio.c (no overlap, RAM refused). */
static bool d_overlaps(uint64_t a, uint64_t as, uint64_t b, uint64_t bs)
{
	return a < b + bs && b < a + as;
}

int vm_register_mmio(struct vm *vm, uint64_t base, uint64_t size, mmio_fn handler, void *dev)
{
	if (!size || base + size < base || !handler)
		return -EINVAL;
	for (unsigned i = 0; i < vm->nr_regions; i++)
		if (d_overlaps(base, size, vm->mem[i].gpa, vm->mem[i].size))
			return -EINVAL;
	if (vm->nr_mmio == VM_MAX_MMIO)
		return -ENOSPC;
	for (unsigned i = 0; i < vm->nr_mmio; i++)
		if (d_overlaps(base, size, vm->mmio[i].base, vm->mmio[i].size))
			return -EEXIST;
	vm->mmio[vm->nr_mmio++] = (struct mmio_range){ base, size, handler, dev };
	return 0;
}

int vm_unregister_mmio(struct vm *vm, uint64_t base, void *dev)
{
	for (unsigned i = 0; i < vm->nr_mmio; i++) {
		if (vm->mmio[i].base == base && vm->mmio[i].dev == dev) {
			vm->mmio[i] = vm->mmio[--vm->nr_mmio];
			return 0;
		}
	}
	return -ENOENT;
}

int vm_register_pio(struct vm *vm, uint16_t base, uint16_t count, pio_fn handler, void *dev)
{
	if (!count || (uint32_t)base + count > 0x10000u)
		return -EINVAL;
	if (vm->nr_pio == VM_MAX_PIO)
		return -ENOSPC;
	for (unsigned i = 0; i < vm->nr_pio; i++)
		if (d_overlaps(base, count, vm->pio[i].base, vm->pio[i].count))
			return -EEXIST;
	vm->pio[vm->nr_pio++] = (struct pio_range){ base, count, handler, dev, 0 };
	return 0;
}

int vm_unregister_pio(struct vm *vm, uint16_t base, void *dev)
{
	for (unsigned i = 0; i < vm->nr_pio; i++) {
		if (vm->pio[i].base == base && vm->pio[i].dev == dev) {
			vm->pio[i] = vm->pio[--vm->nr_pio];
			return 0;
		}
	}
	return -ENOENT;
}

static void *d_pages[64];
static unsigned d_npages;

void *pages_alloc(size_t count, uint64_t align)
{
	void *p = aligned_alloc(align, count * PAGE_SIZE);

	if (p)
		memset(p, 0, count * PAGE_SIZE);
	if (p && d_npages < 64)
		d_pages[d_npages++] = p;
	return p;
}

/* Frees one allocation early (a device's detach); d_free_pages frees the rest. */
void pages_free(void *p, size_t count)
{
	(void)count;
	for (unsigned i = 0; i < d_npages; i++) {
		if (d_pages[i] == p) {
			d_pages[i] = d_pages[--d_npages];
			break;
		}
	}
	free(p);
}

static void d_free_pages(void)
{
	while (d_npages)
		free(d_pages[--d_npages]);
}

struct d_msi { uint64_t addr; uint32_t data; struct vm *vm; };
static struct d_msi d_msis[256];
static unsigned d_nmsi;
static bool d_gsi[24];
static unsigned d_gsi_changes;

void virq_msi(struct vm *vm, uint64_t address, uint32_t data)
{
	if (d_nmsi < 256)
		d_msis[d_nmsi] = (struct d_msi){ address, data, vm };
	d_nmsi++;
}

void virq_set_gsi(struct vm *vm, unsigned gsi, bool level)
{
	(void)vm;
	if (gsi < 24) {
		d_gsi[gsi] = level;
		d_gsi_changes++;
	}
}

/* Guest-side accesses through the maps, as the exit handlers would make them. */
static bool d_pio(struct vm *vm, uint16_t port, uint8_t size, bool in, uint32_t *value)
{
	for (unsigned i = 0; i < vm->nr_pio; i++) {
		const struct pio_range *r = &vm->pio[i];

		if (port >= r->base && port - r->base < r->count) {
			if (in)
				*value = size == 4 ? ~0u : (1u << (8 * size)) - 1;
			if (r->handler(NULL, r->dev, port, size, in, value) >= 0)
				return true;
			break;
		}
	}
	if (in)
		*value = size == 4 ? ~0u : (1u << (8 * size)) - 1;
	return false;
}

static const struct mmio_range *d_find_mmio(const struct vm *vm, uint64_t gpa)
{
	for (unsigned i = 0; i < vm->nr_mmio; i++)
		if (gpa >= vm->mmio[i].base && gpa - vm->mmio[i].base < vm->mmio[i].size)
			return &vm->mmio[i];
	return NULL;
}

static bool d_mmio(struct vm *vm, uint64_t gpa, unsigned size, bool write, uint64_t *value)
{
	const struct mmio_range *r = d_find_mmio(vm, gpa);
	uint64_t mask = size >= 8 ? ~0ull : (1ull << (8 * size)) - 1;

	if (write)
		*value &= mask;
	if (r && r->handler(NULL, r->dev, gpa, size, write, value) >= 0) {
		if (!write)
			*value &= mask;
		return true;
	}
	if (!write)
		*value = mask;
	return false;
}

#endif
