/* SPDX-License-Identifier: MIT */
/* The test module: MODULE_BYTES bytes of (i * 7 + 3) mod 256, which mbtest.c recomputes and checks. */
	.section .data
	.set i, 0
	.rept 5000
	.byte (i * 7 + 3) & 0xff
	.set i, i + 1
	.endr
