/* SPDX-License-Identifier: MIT */
/* The MMIO exit: decode the faulting instruction, check it still targets the page, emulate it. */
#include <string.h>

#include "arch/x86/cr.h"
#include "arch/x86/insn_emul.h"
#include "kernel/console.h"
#include "kernel/cr_access.h"
#include "kernel/cr_rules.h"
#include "kernel/errno.h"
#include "kernel/gmem.h"
#include "kernel/gva.h"
#include "kernel/mmio.h"
#include "kernel/vm.h"
#include "kernel/vmm.h"

/* Elements of a REP string form per exit (as for INS/OUTS): the rest runs again from the same
 * RIP, so interrupts and the scheduler are served in between. */
#define MMIO_REP_BATCH 256u
#define PAGE_BYTES 4096u
#define VM_ENDED (-ENODEV) /* a device model ended the VM in the middle of an access */

struct mmio_ctx {
	struct vcpu *vcpu;
	struct gva_fault fault;
};

static uint64_t m_get_gpr(void *c, unsigned r)
{
	struct vcpu *v = ((struct mmio_ctx *)c)->vcpu;

	return r == GPR_RSP ? vmm_get_reg(v, VM_REG_RSP) : v->gprs.r[r & 15];
}

static void m_set_gpr(void *c, unsigned r, uint64_t value)
{
	struct vcpu *v = ((struct mmio_ctx *)c)->vcpu;

	if (r == GPR_RSP)
		vmm_set_reg(v, VM_REG_RSP, value);
	else
		v->gprs.r[r & 15] = value;
}

static uint64_t m_get_rflags(void *c)
{
	return vmm_get_reg(((struct mmio_ctx *)c)->vcpu, VM_REG_RFLAGS);
}

static void m_set_rflags(void *c, uint64_t rflags)
{
	vmm_set_reg(((struct mmio_ctx *)c)->vcpu, VM_REG_RFLAGS, rflags);
}

static uint64_t m_seg_base(void *c, enum insn_seg seg)
{
	struct vm_segment d;

	vmm_get_seg(((struct mmio_ctx *)c)->vcpu, (enum vm_seg)seg, &d);
	return d.base;
}

/* One piece of guest-physical space that is not RAM: the device (or empty bus) sees accesses of
 * 1, 2, 4 or 8 bytes, so an odd-sized piece (split by a page boundary) goes out in parts. */
static int mmio_piece(struct vcpu *vcpu, uint64_t gpa, uint8_t *p, size_t len, bool write)
{
	while (len) {
		unsigned n = len >= 8 ? 8 : len >= 4 ? 4 : len >= 2 ? 2 : 1;
		uint64_t v = 0;

		if (write)
			memcpy(&v, p, n);
		mmio_access(vcpu, gpa, n, write, &v);
		if (!vm_is_running(vcpu->vm))
			return VM_ENDED;
		if (!write)
			memcpy(p, &v, n);
		gpa += n;
		p += n;
		len -= n;
	}
	return 0;
}

/* Linear access page by page, through the guest's tables with its permissions; each page is RAM
 * (copied) or not (a device access): MOVS from RAM to MMIO and accesses across a page both work. */
static int m_access(struct mmio_ctx *c, uint64_t la, uint8_t *p, size_t len, bool write)
{
	uint64_t gpa;
	int rc;

	/* Every page is checked first: an access that faults on its second page must not have reached
	 * a device on its first. */
	for (uint64_t a = la; a < la + len; a = (a | (PAGE_BYTES - 1)) + 1)
		if ((rc = gva_translate(c->vcpu, a, write, &gpa, &c->fault)))
			return rc;
	while (len) {
		size_t chunk = PAGE_BYTES - (la & (PAGE_BYTES - 1));
		uint8_t *host;

		if ((rc = gva_translate(c->vcpu, la, write, &gpa, &c->fault)))
			return rc;
		if (chunk > len)
			chunk = len;
		host = gpa_map_checked(c->vcpu->vm, gpa, chunk);
		if (host && write)
			memcpy(host, p, chunk);
		else if (host)
			memcpy(p, host, chunk);
		else if ((rc = mmio_piece(c->vcpu, gpa, p, chunk, write)))
			return rc;
		la += chunk;
		p += chunk;
		len -= chunk;
	}
	return 0;
}

static int m_read(void *c, uint64_t la, void *dst, unsigned size)
{
	return m_access(c, la, dst, size, false);
}

static int m_write(void *c, uint64_t la, const void *src, unsigned size)
{
	return m_access(c, la, (uint8_t *)src, size, true);
}

static const struct emul_ops mmio_emul_ops = { m_get_gpr, m_set_gpr, m_get_rflags, m_set_rflags, m_seg_base,
					       m_read, m_write };

/* Does some byte of some operand live on the page that faulted? If not, another vCPU changed the
 * code or the mapping since the exit; running the instruction again is what the CPU would do.
 * 1 yes, 0 no, -EIO when the guest's tables lie outside RAM (the fault was on the walk itself,
 * which running again would only repeat). */
static int targets_page(struct mmio_ctx *c, const struct emul *e, const struct insn *in, uint64_t gpa)
{
	struct emul_mem mem[2];
	int n = insn_emul_operands(e, in, mem);

	for (int i = 0; i < n; i++) {
		uint64_t ends[2] = { mem[i].la, mem[i].la + mem[i].size - 1 }, g;
		for (int k = 0; k < 2; k++) {
			int rc = gva_translate(c->vcpu, ends[k], mem[i].write, &g, &c->fault);
			if (rc == -EIO)
				return rc;
			if (!rc && g >> 12 == gpa >> 12)
				return 1;
		}
	}
	return 0;
}

/* For the message only: the bytes at CS:RIP as data (best effort, the decode already read them). */
static unsigned bytes_for_message(struct vcpu *vcpu, const struct vm_exit_npf *f, uint8_t b[15])
{
	struct vm_segment cs;
	struct gva_fault fault;
	uint64_t rip = vmm_get_reg(vcpu, VM_REG_RIP), la;

	if (f->insn_bytes_len) {
		memcpy(b, f->insn_bytes, f->insn_bytes_len);
		return f->insn_bytes_len;
	}
	vmm_get_seg(vcpu, VM_SEG_CS, &cs);
	la = gva_code_mode(vcpu) == INSN_MODE_64 ? rip : (uint32_t)(cs.base + rip);
	for (unsigned n = 15; n; n--)
		if (!gva_read(vcpu, la, b, n, &fault))
			return n;
	return 0;
}

static enum exit_action refuse(struct vcpu *vcpu, const struct vm_exit_npf *f, const char *why)
{
	uint8_t b[15];
	char hex[15 * 3 + 1] = "";
	unsigned n = bytes_for_message(vcpu, f, b);
	static const char digits[] = "0123456789abcdef";

	for (unsigned i = 0; i < n; i++) {
		hex[i * 3] = ' ';
		hex[i * 3 + 1] = digits[b[i] >> 4];
		hex[i * 3 + 2] = digits[b[i] & 15];
		hex[i * 3 + 3] = 0;
	}
	vm_crash(vcpu->vm, "cannot emulate MMIO %s of guest-physical 0x%llx at rip 0x%llx (%s), bytes:%s",
		 f->write ? "write" : "read", (unsigned long long)f->gpa,
		 (unsigned long long)vmm_get_reg(vcpu, VM_REG_RIP), why, n ? hex : " unreadable");
	return EXIT_STOP;
}

/* The instruction at RIP: from the CPU's decode assist when it gave enough bytes, else fetched
 * through the guest's tables (a fault there is the guest's). 0, 1 (the exit ends: fault
 * injected or run again), or -ENOTSUP (an encoding the decoder does not claim). */
static int decode(struct vcpu *vcpu, const struct vm_exit_npf *f, enum insn_mode mode, struct insn *in)
{
	struct gva_fault fault;
	int rc = f->insn_bytes_len ? insn_decode(f->insn_bytes, f->insn_bytes_len, mode, in) : -EAGAIN;

	if (rc == -EAGAIN)
		rc = gva_decode_current(vcpu, in, &fault);
	if (rc == -EFAULT)
		vcpu_inject_fault(vcpu, &fault);
	else if (rc == -EIO)
		vm_crash(vcpu->vm, "instruction fetch at rip 0x%llx: the guest's page tables point outside its RAM (CR3 0x%llx)",
			 (unsigned long long)vmm_get_reg(vcpu, VM_REG_RIP), (unsigned long long)vmm_get_reg(vcpu, VM_REG_CR3));
	if (rc == -ENOTSUP)
		return rc;
	return rc ? 1 : 0;
}

static enum exit_action finish(struct vcpu *vcpu, const struct vm_exit *exit, struct mmio_ctx *c,
			       const struct insn *in, int rc)
{
	struct vm_exit done = *exit;

	if (rc == 0) {
		done.insn_len = in->len;
		vcpu_finish_insn(vcpu, &done, 0);
	} else if (rc == EMUL_REP_MORE && (vmm_get_reg(vcpu, VM_REG_RFLAGS) & RFLAGS_TF)) {
		vcpu_raise_debug(vcpu, DR6_BS); /* a single-stepped REP traps after each element */
	} else if (rc == -EFAULT) {
		vcpu_inject_fault(vcpu, &c->fault);
	} else if (rc == -EIO) {
		vm_crash(vcpu->vm, "MMIO instruction at rip 0x%llx: the guest's page tables point outside its RAM",
			 (unsigned long long)vmm_get_reg(vcpu, VM_REG_RIP));
	} else if (rc == -ENOTSUP) {
		return refuse(vcpu, &exit->u.npf, "instruction not emulated");
	}
	/* -EINVAL: an encoding the CPU refuses before any access, so the bytes changed: run again. */
	return vm_is_running(vcpu->vm) ? EXIT_RESUME : EXIT_STOP;
}

enum exit_action exit_handle_mmio(struct vcpu *vcpu, const struct vm_exit *exit)
{
	const struct vm_exit_npf *f = &exit->u.npf;
	struct mmio_ctx c = { .vcpu = vcpu };
	enum insn_mode mode = gva_code_mode(vcpu);
	struct emul e = { &mmio_emul_ops, &c, mode, vmm_get_reg(vcpu, VM_REG_RIP), MMIO_REP_BATCH };
	struct insn in;
	int rc = decode(vcpu, f, mode, &in);

	if (rc == -ENOTSUP)
		return refuse(vcpu, f, "encoding not decoded");
	if (rc)
		return vm_is_running(vcpu->vm) ? EXIT_RESUME : EXIT_STOP;
	if (vmm_get_reg(vcpu, VM_REG_RFLAGS) & RFLAGS_TF)
		e.max_reps = 1;
	rc = insn_emul_operands(&e, &in, (struct emul_mem[2]){ 0 });
	if (rc == -ENOTSUP)
		return refuse(vcpu, f, "instruction not emulated");
	if (rc < 0)
		return EXIT_RESUME;
	rc = targets_page(&c, &e, &in, f->gpa);
	if (rc == -EIO)
		return finish(vcpu, exit, &c, &in, rc);
	return rc ? finish(vcpu, exit, &c, &in, insn_emulate(&e, &in)) : EXIT_RESUME;
}
