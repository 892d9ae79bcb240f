/* SPDX-License-Identifier: MIT */
/* Guest page-table walker: paging off, 32-bit (PSE), PAE and 4-level long mode, with the CPU's checks. */
#include "kernel/guest_walk.h"

#include <stdbool.h>

#include "arch/x86/cr.h"
#include "arch/x86/pte.h"
#include "kernel/errno.h"

#define CR4_PSE (1ull << 4)
#define CR4_LA57 (1ull << 12)
#define CR4_SMEP (1ull << 20)
#define CR4_SMAP (1ull << 21)

#define PAGE_SIZE 4096ull
#define PDE32_PS_RSVD (1ull << 21) /* 4 MiB PDE: bit 21 is reserved, 20:13 hold address bits 39:32 */
/* PAE PDPTE bits 2:1 and 8:5 are reserved (they are not permission bits at that level). */
#define PDPTE_PAE_RSVD 0x1e6ull

/* What one walk needs besides the registers. */
struct walk {
	const struct gwalk_regs *r;
	gwalk_read_fn read;
	void *ctx;
	uint64_t la;
	unsigned access;
	uint64_t rsvd_addr; /* address bits at or above MAXPHYADDR, up to bit 51 */
	uint64_t nx_rsvd;   /* bit 63 when NX is off: then it is reserved */
	bool rw, us, nx;    /* permissions so far, combined over the levels */
};

_Static_assert(sizeof(pte_t) == 8, "PAE and long-mode entries are 8 bytes");

static uint32_t pf_code(const struct walk *w, uint32_t bits)
{
	const struct gwalk_regs *r = w->r;
	bool id = (r->cr4 & CR4_SMEP) || ((r->cr4 & CR4_PAE) && (r->efer & EFER_NXE));

	if (w->access & GWALK_WRITE)
		bits |= GWALK_PF_W;
	if (w->access & GWALK_USER)
		bits |= GWALK_PF_U;
	if ((w->access & GWALK_FETCH) && id)
		bits |= GWALK_PF_ID;
	return bits;
}

/* Reads one entry of `size` bytes; a table outside RAM ends the VM rather than faulting the guest. */
static int read_entry(const struct walk *w, uint64_t gpa, size_t size, uint64_t *e)
{
	uint32_t v32;

	if (size == 4) {
		if (w->read(w->ctx, gpa, &v32, 4))
			return -EIO;
		*e = v32;
		return 0;
	}
	return w->read(w->ctx, gpa, e, 8) ? -EIO : 0;
}

static void combine(struct walk *w, uint64_t e)
{
	w->rw = w->rw && (e & PTE_RW);
	w->us = w->us && (e & PTE_US);
	w->nx = w->nx || (w->nx_rsvd == 0 && (e & PTE_NX));
}

/* U/S, R/W (with CR0.WP), NX, SMEP and SMAP on the combined permissions of the leaf. */
static int check_perms(const struct walk *w, uint32_t *pf_error)
{
	bool user = w->access & GWALK_USER, write = w->access & GWALK_WRITE;
	bool fetch = w->access & GWALK_FETCH, deny;
	uint64_t cr4 = w->r->cr4;

	if (user)
		deny = !w->us || (write && !w->rw) || (fetch && w->nx);
	else
		deny = (write && !w->rw && (w->r->cr0 & CR0_WP)) || (fetch && w->nx) ||
		       (fetch && w->us && (cr4 & CR4_SMEP)) || (!fetch && w->us && (cr4 & CR4_SMAP));
	if (!deny)
		return 0;
	*pf_error = pf_code(w, GWALK_PF_P);
	return -EFAULT;
}

static int fault(const struct walk *w, uint32_t bits, uint32_t *pf_error)
{
	*pf_error = pf_code(w, bits);
	return -EFAULT;
}

/*
 * The 8-byte-entry levels shared by PAE (start at the PD, level 2) and long mode (level 4).
 * Level n indexes la bits 12+9(n-1) .. 20+9(n-1); PS is legal at levels 2 and 3 only.
 */
static int walk_levels(struct walk *w, uint64_t table, int level, uint64_t *gpa, uint32_t *pf_error)
{
	for (;; level--) {
		unsigned shift = 12 + 9 * (unsigned)(level - 1);
		uint64_t e, rsvd = w->rsvd_addr | w->nx_rsvd;
		int rc = read_entry(w, table + ((w->la >> shift) & 511) * 8, 8, &e);

		if (rc)
			return rc;
		if (!(e & PTE_P))
			return fault(w, 0, pf_error);
		bool leaf = level == 1 || ((e & PTE_PS) && level <= 3);
		if (level == 4 && (e & PTE_PS))
			rsvd |= PTE_PS;
		if (leaf && level > 1)
			rsvd |= (((1ull << shift) - 1) & ~0x1fffull); /* large page: bits below the frame except PAT */
		if (e & rsvd)
			return fault(w, GWALK_PF_P | GWALK_PF_RSVD, pf_error);
		combine(w, e);
		if (leaf) {
			uint64_t mask = (1ull << shift) - 1;
			*gpa = ((e & PTE_ADDR_MASK) & ~mask) | (w->la & mask);
			return check_perms(w, pf_error);
		}
		table = e & PTE_ADDR_MASK;
	}
}

static int walk_pae(struct walk *w, uint64_t *gpa, uint32_t *pf_error)
{
	uint64_t pdpte;
	int rc = read_entry(w, (w->r->cr3 & 0xffffffe0ull) + ((w->la >> 30) & 3) * 8, 8, &pdpte);

	if (rc)
		return rc;
	if (!(pdpte & PTE_P))
		return fault(w, 0, pf_error);
	if (pdpte & (w->rsvd_addr | PDPTE_PAE_RSVD | PTE_NX))
		return fault(w, GWALK_PF_P | GWALK_PF_RSVD, pf_error);
	return walk_levels(w, pdpte & PTE_ADDR_MASK, 2, gpa, pf_error);
}

/* 32-bit paging: 4-byte entries, no NX, 4 MiB pages with PSE-36 address bits. */
static int walk_32(struct walk *w, uint64_t *gpa, uint32_t *pf_error)
{
	uint64_t pde, pte;
	int rc = read_entry(w, (w->r->cr3 & 0xfffff000ull) + ((w->la >> 22) & 1023) * 4, 4, &pde);

	if (rc)
		return rc;
	if (!(pde & PTE_P))
		return fault(w, 0, pf_error);
	combine(w, pde);
	if ((pde & PTE_PS) && (w->r->cr4 & CR4_PSE)) {
		uint64_t hi = ((pde >> 13) & 0xff) << 32;
		if ((pde & PDE32_PS_RSVD) || (hi & w->rsvd_addr))
			return fault(w, GWALK_PF_P | GWALK_PF_RSVD, pf_error);
		*gpa = hi | (pde & 0xffc00000ull) | (w->la & 0x3fffff);
		return check_perms(w, pf_error);
	}
	if ((rc = read_entry(w, (pde & 0xfffff000ull) + ((w->la >> 12) & 1023) * 4, 4, &pte)))
		return rc;
	if (!(pte & PTE_P))
		return fault(w, 0, pf_error);
	combine(w, pte);
	*gpa = (pte & 0xfffff000ull) | (w->la & 0xfff);
	return check_perms(w, pf_error);
}

static bool is_canonical(uint64_t la)
{
	return (uint64_t)((int64_t)(la << 16) >> 16) == la;
}

int guest_walk(const struct gwalk_regs *r, gwalk_read_fn read, void *ctx, uint64_t la, unsigned access,
	       uint64_t *gpa, uint32_t *pf_error)
{
	unsigned maxpa = r->maxphyaddr ? r->maxphyaddr : 52;
	struct walk w = { .r = r, .read = read, .ctx = ctx, .la = la, .access = access, .rw = true, .us = true };

	*pf_error = 0;
	w.rsvd_addr = maxpa >= 52 ? 0 : ((1ull << 52) - 1) & ~((1ull << maxpa) - 1);
	w.nx_rsvd = (r->efer & EFER_NXE) ? 0 : PTE_NX;
	if (!(r->cr0 & CR0_PG)) {
		*gpa = la & 0xffffffffull;
		return 0;
	}
	if (r->efer & EFER_LMA) {
		if (r->cr4 & CR4_LA57)
			return -ENOTSUP;
		if (!is_canonical(la))
			return -EINVAL;
		return walk_levels(&w, r->cr3 & PTE_ADDR_MASK, 4, gpa, pf_error);
	}
	w.la = la & 0xffffffffull;
	return (r->cr4 & CR4_PAE) ? walk_pae(&w, gpa, pf_error) : walk_32(&w, gpa, pf_error);
}

int guest_fetch(const struct gwalk_regs *r, gwalk_read_fn read, void *ctx, uint64_t la, void *dst, size_t len,
		uint32_t *pf_error, uint64_t *fault_la)
{
	unsigned access = GWALK_FETCH | (r->cpl == 3 ? GWALK_USER : 0);
	bool long_mode = (r->efer & EFER_LMA) && (r->cr0 & CR0_PG);
	uint8_t *out = dst;

	*pf_error = 0;
	if (len > 15)
		return -EINVAL;
	while (len) {
		size_t chunk = PAGE_SIZE - (la & (PAGE_SIZE - 1));
		uint64_t gpa;
		int rc;

		if (!long_mode)
			la &= 0xffffffffull; /* outside long mode linear addresses wrap at 4 GiB */
		chunk = chunk < len ? chunk : len;
		rc = guest_walk(r, read, ctx, la, access, &gpa, pf_error);
		if (rc == -EFAULT)
			*fault_la = la;
		if (rc)
			return rc;
		if (read(ctx, gpa, out, chunk))
			return -EIO;
		out += chunk, la += chunk, len -= chunk;
	}
	return 0;
}
