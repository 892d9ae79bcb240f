/* SPDX-License-Identifier: MIT */
/* Guest linear-to-physical translation through the guest's own page tables, as the MMU does it. */
#ifndef BASALT_GUEST_WALK_H
#define BASALT_GUEST_WALK_H

#include <stddef.h>
#include <stdint.h>

/* The guest state the walk depends on. maxphyaddr 0 means 52 (the architectural maximum). */
struct gwalk_regs {
	uint64_t cr0, cr3, cr4, efer;
	unsigned cpl;
	uint8_t maxphyaddr;
};

/*
 * Reads `size` bytes (8 for PAE/long-mode entries, 4 for 32-bit entries, up to a page of data in
 * guest_fetch) of guest-physical memory at gpa into dst. 0, or -EFAULT when gpa is not guest RAM.
 */
typedef int (*gwalk_read_fn)(void *ctx, uint64_t gpa, void *dst, size_t size);

#define GWALK_WRITE 1u
#define GWALK_USER 2u /* the access is made at CPL 3 (guest_fetch sets it from cpl) */
#define GWALK_FETCH 4u

/* #PF error-code bits. */
#define GWALK_PF_P (1u << 0)
#define GWALK_PF_W (1u << 1)
#define GWALK_PF_U (1u << 2)
#define GWALK_PF_RSVD (1u << 3)
#define GWALK_PF_ID (1u << 4)

/*
 * Linear -> guest-physical for an access of kind `access`. 0 with *gpa set; -EFAULT when the
 * guest's tables deny it, with *pf_error the error code the CPU would push (inject #PF with
 * CR2 = la); -EIO when a table entry lies outside guest RAM (end the VM); -EINVAL for a
 * non-canonical address in long mode (inject #GP); -ENOTSUP for 5-level paging (CR4.LA57).
 * Accessed/dirty bits are never written: the walk serves instructions that already exited, and
 * the CPU set them when it fetched and began executing the instruction. SMAP ignores RFLAGS.AC
 * (every supervisor data access is treated as an implicit supervisor access).
 */
int guest_walk(const struct gwalk_regs *r, gwalk_read_fn read, void *ctx, uint64_t la, unsigned access,
	       uint64_t *gpa, uint32_t *pf_error);

/*
 * Reads len (<= 15) instruction bytes at la into dst page by page (an instruction may cross a
 * page boundary), with fetch permissions at r->cpl. 0; -EFAULT with *pf_error and *fault_la
 * (the linear address of the page that faulted); -EIO when a table or the bytes lie outside RAM;
 * -EINVAL for len > 15 or a non-canonical address.
 */
int guest_fetch(const struct gwalk_regs *r, gwalk_read_fn read, void *ctx, uint64_t la, void *dst, size_t len,
		uint32_t *pf_error, uint64_t *fault_la);

#endif
