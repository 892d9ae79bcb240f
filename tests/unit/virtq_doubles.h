/* SPDX-License-Identifier: MIT */
/* Host doubles of kernel/gmem.h for the virtqueue tests and fuzzer: one fake RAM region in a buffer. */
#ifndef BASALT_TESTS_VIRTQ_DOUBLES_H
#define BASALT_TESTS_VIRTQ_DOUBLES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "kernel/errno.h"
#include "kernel/gmem.h"

/*
 * Guest RAM is [d_ram_gpa, d_ram_gpa + d_ram_size) backed by d_ram, with the rules of kernel/gmem.c
 * (one region, no sum that can wrap). The buffer is allocated to exactly d_ram_size bytes, so ASan
 * reports any access the library makes past what the double handed out.
 */
static uint8_t *d_ram;
static uint64_t d_ram_gpa;
static uint64_t d_ram_size;
static struct vm *d_vm; /* the VM the library must pass through; others get nothing */

/* Further VMs with RAM of their own, for tests with several VMs (d_add_vm); d_vm's region above
 * is looked at first, so single-VM users see no change. */
#define D_MAX_VMS 4
static struct d_vm_ram {
	struct vm *vm;
	uint8_t *ram;
	uint64_t gpa, size;
} d_vms[D_MAX_VMS];
static unsigned d_nvms;

/* Counters and a hook, so tests can see what was read and change guest memory in between. */
static unsigned d_maps;                         /* gpa_map_checked calls, from the library or gpa_* */
static uint64_t d_watch_gpa = ~0ull;            /* counts maps whose gpa is exactly this */
static unsigned d_watch_hits;
static void (*d_after_read)(uint64_t gpa, size_t len); /* runs after each successful gpa_read */
static void (*d_on_map)(uint64_t gpa, size_t len);     /* runs at each gpa_map_checked call */

void *gpa_map_checked(struct vm *vm, uint64_t gpa, size_t len)
{
	d_maps++;
	if (gpa == d_watch_gpa)
		d_watch_hits++;
	if (d_on_map)
		d_on_map(gpa, len);
	if (vm == d_vm && d_ram) {
		if (gpa >= d_ram_gpa && gpa - d_ram_gpa < d_ram_size && len <= d_ram_size - (gpa - d_ram_gpa))
			return d_ram + (gpa - d_ram_gpa);
		return NULL;
	}
	for (unsigned i = 0; i < d_nvms; i++) {
		const struct d_vm_ram *r = &d_vms[i];

		if (r->vm == vm && gpa >= r->gpa && gpa - r->gpa < r->size && len <= r->size - (gpa - r->gpa))
			return r->ram + (gpa - r->gpa);
	}
	return NULL;
}

/* The library copied a descriptor out of d_vm's RAM: d_after_read sees it as a read of its 16 bytes,
 * so a test can rewrite the descriptor at the moment a racing vCPU could. */
void virtq_test_desc_copied(const struct virtq_desc *guest);
void virtq_test_desc_copied(const struct virtq_desc *guest)
{
	const uint8_t *g = (const uint8_t *)guest;

	if (d_after_read && d_ram && g >= d_ram && g < d_ram + d_ram_size)
		d_after_read(d_ram_gpa + (uint64_t)(g - d_ram), sizeof(*guest));
}

/* Gives vm its own RAM [gpa, gpa + size) backed by ram (the caller's, freed by the caller). */
static inline void d_add_vm(struct vm *vm, uint8_t *ram, uint64_t gpa, uint64_t size)
{
	if (d_nvms < D_MAX_VMS)
		d_vms[d_nvms++] = (struct d_vm_ram){ vm, ram, gpa, size };
}

static inline void d_clear_vms(void)
{
	d_nvms = 0;
}

int gpa_read(struct vm *vm, uint64_t gpa, void *dst, size_t len)
{
	const void *src = gpa_map_checked(vm, gpa, len);

	if (!src)
		return -EFAULT;
	memcpy(dst, src, len);
	if (d_after_read)
		d_after_read(gpa, len);
	return 0;
}

int gpa_write(struct vm *vm, uint64_t gpa, const void *src, size_t len)
{
	void *dst = gpa_map_checked(vm, gpa, len);

	if (!dst)
		return -EFAULT;
	memcpy(dst, src, len);
	return 0;
}

/* Host address of a guest address the test knows is in RAM. */
static inline void *d_host(uint64_t gpa)
{
	return d_ram + (gpa - d_ram_gpa);
}

#endif
