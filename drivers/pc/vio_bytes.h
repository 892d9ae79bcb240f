/* SPDX-License-Identifier: MIT */
/* Wide port accesses on byte-wide ISA devices: split into byte cycles on consecutive ports. */
#ifndef BASALT_DRIVERS_VIO_BYTES_H
#define BASALT_DRIVERS_VIO_BYTES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kernel/errno.h"

/* One byte cycle on port; returns 0 or a negative error (the byte then floats high). */
typedef int (*vio_byte_fn)(void *dev, uint16_t port, bool in, uint8_t *byte, void *arg);

/* Splits a 1-, 2- or 4-byte access at port into byte cycles, as the ISA bus does; bytes whose cycle
 * failed read as 0xff. Returns the first byte's result, or -EINVAL for another size. */
static inline int vio_split_bytes(void *dev, uint16_t port, uint8_t size, bool in, uint32_t *value,
				  vio_byte_fn fn, void *arg)
{
	uint32_t result = 0;
	int rc = 0;

	if (size != 1 && size != 2 && size != 4) {
		if (in)
			*value = 0xffffffffu;
		return -EINVAL;
	}
	for (unsigned i = 0; i < size; i++) {
		uint8_t b = in ? 0xff : (uint8_t)(*value >> (8 * i));
		int r = fn(dev, (uint16_t)(port + i), in, &b, arg);

		if (r < 0)
			b = 0xff;
		if (i == 0)
			rc = r;
		result |= (uint32_t)b << (8 * i);
	}
	if (in)
		*value = result;
	return rc;
}

#endif
