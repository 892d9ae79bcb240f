/* SPDX-License-Identifier: MIT */
/* Guest-linear memory access and instruction fetch for the running vCPU (kernel/guest_walk.c walks). */
#include "kernel/gva.h"

#include <string.h>

#include "arch/x86/cr.h"
#include "kernel/errno.h"
#include "kernel/exit.h"
#include "kernel/gmem.h"
#include "kernel/guest_walk.h"
#include "kernel/vm.h"
#include "kernel/vmm.h"

#define VECTOR_GP 13
#define VECTOR_PF 14
#define PAGE_BYTES 4096u

static int read_guest_physical(void *ctx, uint64_t gpa, void *dst, size_t size)
{
	return gpa_read(ctx, gpa, dst, size);
}

static void walk_regs(struct vcpu *vcpu, struct gwalk_regs *r)
{
	*r = (struct gwalk_regs){ .cr0 = vmm_get_reg(vcpu, VM_REG_CR0), .cr3 = vmm_get_reg(vcpu, VM_REG_CR3),
				  .cr4 = vmm_get_reg(vcpu, VM_REG_CR4), .efer = vmm_get_reg(vcpu, VM_REG_EFER),
				  .cpl = (unsigned)vmm_get_reg(vcpu, VM_REG_CPL),
				  .maxphyaddr = vmm_features.guest_maxphyaddr };
}

static int fault_from(int rc, uint64_t la, uint32_t error, struct gva_fault *fault)
{
	if (rc == -EINVAL) /* non-canonical */
		*fault = (struct gva_fault){ .vector = VECTOR_GP };
	else if (rc == -EFAULT)
		*fault = (struct gva_fault){ .vector = VECTOR_PF, .error = error, .address = la };
	return rc == -EIO ? -EIO : -EFAULT;
}

/* One page at a time: each page of the range has its own translation and permissions. */
static int gva_copy(struct vcpu *vcpu, uint64_t la, void *buf, size_t len, bool write, struct gva_fault *fault)
{
	unsigned access = write ? GWALK_WRITE : 0;
	struct gwalk_regs r;
	uint8_t *p = buf;

	walk_regs(vcpu, &r);
	if (r.cpl == 3)
		access |= GWALK_USER;
	while (len) {
		size_t chunk = PAGE_BYTES - (la & (PAGE_BYTES - 1));
		uint64_t gpa;
		uint32_t error = 0;
		int rc = guest_walk(&r, read_guest_physical, vcpu->vm, la, access, &gpa, &error);

		if (rc)
			return fault_from(rc, la, error, fault);
		if (chunk > len)
			chunk = len;
		rc = write ? gpa_write(vcpu->vm, gpa, p, chunk) : gpa_read(vcpu->vm, gpa, p, chunk);
		if (rc)
			return -EIO; /* the guest's own mapping points at no RAM: what it asked for cannot be */
		la += chunk;
		p += chunk;
		len -= chunk;
	}
	return 0;
}

int gva_translate(struct vcpu *vcpu, uint64_t la, bool write, uint64_t *gpa, struct gva_fault *fault)
{
	struct gwalk_regs r;
	uint32_t error = 0;
	int rc;

	walk_regs(vcpu, &r);
	rc = guest_walk(&r, read_guest_physical, vcpu->vm, la,
			(write ? GWALK_WRITE : 0) | (r.cpl == 3 ? GWALK_USER : 0), gpa, &error);
	return rc ? fault_from(rc, la, error, fault) : 0;
}

int gva_read(struct vcpu *vcpu, uint64_t la, void *dst, size_t len, struct gva_fault *fault)
{
	return gva_copy(vcpu, la, dst, len, false, fault);
}

int gva_write(struct vcpu *vcpu, uint64_t la, const void *src, size_t len, struct gva_fault *fault)
{
	return gva_copy(vcpu, la, (void *)src, len, true, fault);
}

static enum insn_mode code_mode(struct vcpu *vcpu, const struct gwalk_regs *r, const struct vm_segment *cs);

enum insn_mode gva_code_mode(struct vcpu *vcpu)
{
	struct vm_segment cs;
	struct gwalk_regs r;

	walk_regs(vcpu, &r);
	vmm_get_seg(vcpu, VM_SEG_CS, &cs);
	return code_mode(vcpu, &r, &cs);
}

static enum insn_mode code_mode(struct vcpu *vcpu, const struct gwalk_regs *r, const struct vm_segment *cs)
{
	if (!(r->cr0 & CR0_PE) || (vmm_get_reg(vcpu, VM_REG_RFLAGS) & RFLAGS_VM))
		return INSN_MODE_16;
	if ((r->efer & EFER_LMA) && (cs->access & SEG_L))
		return INSN_MODE_64;
	return cs->access & SEG_DB ? INSN_MODE_32 : INSN_MODE_16;
}

/* A repeat of the cached instruction: same RIP, address space and code mode, and the same bytes
 * still at the same guest-physical place. The bytes are compared, so a rewritten instruction is
 * decoded again; only a guest that remaps its code page under the same CR3 without a flush could
 * see the old mapping used, as a CPU's TLB may use it too. */
static bool decode_cached(struct vcpu *vcpu, uint64_t rip, struct insn *insn)
{
	const struct vcpu_insn_cache *c = &vcpu->insn_cache;
	struct vm_segment cs;
	const uint8_t *now;

	if (!c->valid || c->rip != rip || c->cr3 != vmm_get_reg(vcpu, VM_REG_CR3) ||
	    c->efer != vmm_get_reg(vcpu, VM_REG_EFER))
		return false;
	vmm_get_seg(vcpu, VM_SEG_CS, &cs);
	if (c->cs_access != cs.access || c->cs_base != cs.base)
		return false;
	now = gpa_map_checked(vcpu->vm, c->gpa, c->insn.len);
	if (!now || memcmp(now, c->bytes, c->insn.len))
		return false;
	*insn = c->insn;
	return true;
}

/* Remembers a decoded instruction that lies within one page (the common case). */
static void cache_insn(struct vcpu *vcpu, uint64_t rip, uint64_t la, const struct gwalk_regs *r,
		       const struct vm_segment *cs, const uint8_t *bytes, const struct insn *insn)
{
	struct vcpu_insn_cache *c = &vcpu->insn_cache;
	uint32_t error;
	uint64_t gpa;

	c->valid = false;
	if ((la & (PAGE_BYTES - 1)) + insn->len > PAGE_BYTES ||
	    guest_walk(r, read_guest_physical, vcpu->vm, la, GWALK_FETCH | (r->cpl == 3 ? GWALK_USER : 0), &gpa, &error))
		return;
	*c = (struct vcpu_insn_cache){ .cr3 = r->cr3, .efer = r->efer, .rip = rip, .gpa = gpa,
				       .cs_base = cs->base, .cs_access = cs->access, .valid = true, .insn = *insn };
	memcpy(c->bytes, bytes, insn->len);
}

/* Fetches only up to the end of the page first: an instruction that ends there must not fault on
 * a next page it does not use. */
int gva_decode_current(struct vcpu *vcpu, struct insn *insn, struct gva_fault *fault)
{
	struct vm_segment cs;
	struct gwalk_regs r;
	uint8_t bytes[INSN_MAX_LEN];
	enum insn_mode mode;
	uint64_t la, fault_la = 0;
	uint32_t error = 0;
	size_t n;
	int rc;
	uint64_t rip = vmm_get_reg(vcpu, VM_REG_RIP);

	if (decode_cached(vcpu, rip, insn))
		return 0;
	walk_regs(vcpu, &r);
	vmm_get_seg(vcpu, VM_SEG_CS, &cs);
	mode = code_mode(vcpu, &r, &cs);
	la = mode == INSN_MODE_64 ? rip : (uint32_t)(cs.base + rip);
	n = PAGE_BYTES - (la & (PAGE_BYTES - 1));
	if (n > INSN_MAX_LEN)
		n = INSN_MAX_LEN;
	for (;;) {
		rc = guest_fetch(&r, read_guest_physical, vcpu->vm, la, bytes, n, &error, &fault_la);
		if (rc)
			return fault_from(rc, fault_la, error, fault);
		rc = insn_decode(bytes, n, mode, insn);
		if (!rc)
			cache_insn(vcpu, rip, la, &r, &cs, bytes, insn);
		if (rc != -EAGAIN || n == INSN_MAX_LEN)
			return rc == -ENOTSUP ? rc : rc ? -EINVAL : 0;
		n = INSN_MAX_LEN;
	}
}

void vcpu_inject_fault(struct vcpu *vcpu, const struct gva_fault *fault)
{
	if (fault->vector == VECTOR_PF)
		vmm_set_reg(vcpu, VM_REG_CR2, fault->address);
	vcpu_inject_exception(vcpu, fault->vector, true, fault->error);
}

bool gva_decode_for_exit(struct vcpu *vcpu, struct insn *insn)
{
	struct gva_fault fault;
	int rc = gva_decode_current(vcpu, insn, &fault);

	if (rc == -EFAULT)
		vcpu_inject_fault(vcpu, &fault);
	else if (rc == -EIO)
		vm_crash(vcpu->vm, "instruction fetch at rip 0x%llx: the guest's page tables point outside its RAM (CR3 0x%llx)",
			 (unsigned long long)vmm_get_reg(vcpu, VM_REG_RIP), (unsigned long long)vmm_get_reg(vcpu, VM_REG_CR3));
	return !rc;
}
