/* SPDX-License-Identifier: MIT */
/* Integer limits for the freestanding hypervisor build (gcc's own limits.h wants a C library under it). */
#ifndef BASALT_LIBC_LIMITS_H
#define BASALT_LIBC_LIMITS_H

#define CHAR_BIT 8
#define INT_MAX __INT_MAX__
#define INT_MIN (-INT_MAX - 1)
#define UINT_MAX (INT_MAX * 2u + 1u)
#define LONG_MAX __LONG_MAX__
#define LONG_MIN (-LONG_MAX - 1l)
#define ULONG_MAX (LONG_MAX * 2ul + 1ul)

#endif
