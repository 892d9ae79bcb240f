/* SPDX-License-Identifier: MIT */
/* CRC-32 as GPT uses it (IEEE 802.3, reflected, polynomial 0xEDB88320, init and final xor ~0). */
#ifndef BASALT_HOST_CRC32_H
#define BASALT_HOST_CRC32_H

#include <stddef.h>
#include <stdint.h>

/* Continues a CRC: crc32_update(0, ...) starts one; feeding the bytes in pieces gives the same
 * result as feeding them at once. */
uint32_t crc32_update(uint32_t crc, const void *data, size_t len);

static inline uint32_t crc32_ieee(const void *data, size_t len)
{
	return crc32_update(0, data, len);
}

#endif
