/* SPDX-License-Identifier: MIT */
/* The fuzz targets' input cursor: little-endian values taken off the front of libFuzzer's bytes. */
#ifndef BASALT_TESTS_FUZZ_INPUT_H
#define BASALT_TESTS_FUZZ_INPUT_H

#include <stddef.h>
#include <stdint.h>

#include "tests/fuzz/fuzz_check.h"

struct input {
	const uint8_t *p;
	size_t left;
};

/* The next `bytes` (at most 8) bytes as a little-endian number; zeros once the input runs out. */
static inline uint64_t take(struct input *in, unsigned bytes)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < bytes && in->left; i++, in->left--)
		v |= (uint64_t)*in->p++ << (8 * i);
	return v;
}

#endif
