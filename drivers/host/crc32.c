/* SPDX-License-Identifier: MIT */
/* Bitwise-per-nibble CRC-32: a 16-entry table computed on the fly keeps it small and freestanding. */
#include "drivers/host/crc32.h"

#define POLY 0xedb88320u

/* The CRC of one 4-bit value, reflected: what the 16-entry table would hold. */
static uint32_t nibble(uint32_t v)
{
	for (int i = 0; i < 4; i++)
		v = (v >> 1) ^ (POLY & (0u - (v & 1u)));
	return v;
}

uint32_t crc32_update(uint32_t crc, const void *data, size_t len)
{
	static uint32_t table[16];
	static int ready;
	const uint8_t *p = data;

	if (!__atomic_load_n(&ready, __ATOMIC_ACQUIRE)) {
		for (uint32_t i = 0; i < 16; i++)
			table[i] = nibble(i);
		__atomic_store_n(&ready, 1, __ATOMIC_RELEASE);
	}
	crc = ~crc;
	for (size_t i = 0; i < len; i++) {
		crc ^= p[i];
		crc = (crc >> 4) ^ table[crc & 0xf];
		crc = (crc >> 4) ^ table[crc & 0xf];
	}
	return ~crc;
}
