/* SPDX-License-Identifier: MIT */
/* The host drivers' only way to touch device registers: 32/64-bit volatile loads and stores. */
#ifndef BASALT_HOST_MMIO_H
#define BASALT_HOST_MMIO_H

#include <stdint.h>

/*
 * Device memory is identity-mapped uncached (arch/x86/paging.c; paging_map_uc for ranges above the
 * RAM map), so an access is one volatile load or store of the given width. Host unit tests point
 * the same calls at ordinary memory playing the device (a fake ECAM window, fake NVMe registers).
 * The compiler barrier keeps stores to DMA memory (queue entries) ordered before a doorbell write;
 * x86 keeps stores in order, so no fence instruction is needed for uncached MMIO.
 */
static inline uint32_t mmio_read32(const volatile void *p)
{
	uint32_t v = *(const volatile uint32_t *)p;

	__asm__ volatile("" ::: "memory");
	return v;
}

static inline uint64_t mmio_read64(const volatile void *p)
{
	uint64_t v = *(const volatile uint64_t *)p;

	__asm__ volatile("" ::: "memory");
	return v;
}

static inline void mmio_write32(volatile void *p, uint32_t v)
{
	__asm__ volatile("" ::: "memory");
	*(volatile uint32_t *)p = v;
}

static inline void mmio_write64(volatile void *p, uint64_t v)
{
	__asm__ volatile("" ::: "memory");
	*(volatile uint64_t *)p = v;
}

#endif
