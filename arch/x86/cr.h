/* SPDX-License-Identifier: MIT */
/* Control-register, EFER and RFLAGS bits, one place for all of them. */
#ifndef BASALT_X86_CR_H
#define BASALT_X86_CR_H

#define CR0_PE (1ull << 0)
#define CR0_MP (1ull << 1)
#define CR0_EM (1ull << 2)
#define CR0_TS (1ull << 3)
#define CR0_ET (1ull << 4)
#define CR0_NE (1ull << 5)
#define CR0_WP (1ull << 16)
#define CR0_AM (1ull << 18)
#define CR0_NW (1ull << 29)
#define CR0_CD (1ull << 30)
#define CR0_PG (1ull << 31)

#define CR4_PAE (1ull << 5)
#define CR4_PGE (1ull << 7)
#define CR4_OSFXSR (1ull << 9)
#define CR4_OSXMMEXCPT (1ull << 10)
#define CR4_VMXE (1ull << 13)
#define CR4_OSXSAVE (1ull << 18)

#define EFER_SCE (1ull << 0)
#define EFER_LME (1ull << 8)
#define EFER_LMA (1ull << 10)
#define EFER_NXE (1ull << 11)
#define EFER_SVME (1ull << 12)

#define RFLAGS_RESERVED1 (1ull << 1)
#define RFLAGS_TF (1ull << 8)
#define RFLAGS_IF (1ull << 9)

#endif
