/* SPDX-License-Identifier: MIT */
/* The MMIO test device (test-devices = "mmio"): a register file that records the last access to it. */
#ifndef BASALT_DRIVERS_PC_VTESTDEV_H
#define BASALT_DRIVERS_PC_VTESTDEV_H

/*
 * Guest-visible layout of the page at PC_TESTDEV_MMIO_BASE (little-endian, any width 1/2/4/8):
 *   [0x000, 0x800)  register file: plain storage, any alignment; every access to it is recorded
 *   0x800  LAST_OFFSET  offset of the last register-file access (read-only)
 *   0x808  LAST_WIDTH   its width in bytes
 *   0x810  LAST_DIR     0 read, 1 write
 *   0x818  LAST_VALUE   the value written or returned
 *   0x820  COUNT        register-file accesses so far (a write sets it)
 *   0x828  ID           VTESTDEV_ID_VALUE (read-only)
 * Reading the record does not change it. An access that starts in the register file and runs
 * past 0x800 sees zeros there. The rest of the page reads 0 and ignores writes.
 */
#define VTESTDEV_SIZE 0x1000u
#define VTESTDEV_FILE_SIZE 0x800u
#define VTESTDEV_LAST_OFFSET 0x800u
#define VTESTDEV_LAST_WIDTH 0x808u
#define VTESTDEV_LAST_DIR 0x810u
#define VTESTDEV_LAST_VALUE 0x818u
#define VTESTDEV_COUNT 0x820u
#define VTESTDEV_ID 0x828u
#define VTESTDEV_ID_VALUE 0x4d4d54534c534142ull /* "BASLTSMM" */

#ifndef __ASSEMBLER__
#include <stdbool.h>
#include <stdint.h>

struct vm;

/* Claims PC_TESTDEV_MMIO_BASE for vm. 0, -ENOSPC (no device left) or vm_register_mmio's error. */
int vtestdev_attach(struct vm *vm);
#endif

#endif
