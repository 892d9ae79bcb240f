/* SPDX-License-Identifier: MIT */
/* The one stdlib function libfdt needs. */
#ifndef BASALT_LIBC_STDLIB_H
#define BASALT_LIBC_STDLIB_H

unsigned long strtoul(const char *s, char **end, int base);

#endif
