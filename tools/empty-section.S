/* SPDX-License-Identifier: MIT */
/* The .basalt section of a plain build: no embedded config. tools/embed-config.sh replaces it. */
	.section .basalt, "a"
	.globl basalt_config_start, basalt_config_end
	.p2align 3
basalt_config_start:
basalt_config_end:
	.section .note.GNU-stack, "", @progbits
