/* SPDX-License-Identifier: MIT */
/* INS/OUTS, with or without REP: the element loop, through the guest's page tables, in batches. */
#include "arch/x86/cr.h"
#include "kernel/cr_access.h"
#include "kernel/cr_rules.h"
#include "kernel/errno.h"
#include "kernel/exit.h"
#include "kernel/gva.h"
#include "kernel/pio.h"
#include "kernel/vm.h"
#include "kernel/vmm.h"

/* Elements per exit. A longer REP runs again from the same RIP (RCX/RSI/RDI already advanced), so
 * the guest's interrupts and the scheduler are served in between, as a CPU interrupts REP too. */
#define STRING_IO_BATCH 256u

struct string_io {
	uint64_t mask;   /* address-size mask for RSI/RDI/RCX */
	uint64_t base;   /* segment base */
	int reg;         /* GPR_RSI (OUTS) or GPR_RDI (INS) */
	int64_t step;    /* +1 or -1 elements (RFLAGS.DF) */
	bool code64;
};

static uint64_t address_mask(uint8_t address_size)
{
	return address_size == 8 ? ~0ull : address_size == 4 ? 0xffffffffull : 0xffffull;
}

/* INS writes ES:rDI (no override possible); OUTS reads seg:rSI, DS unless overridden. In 64-bit
 * mode only FS and GS have a base. Segment limits are not checked (flat guests do not set them). */
static void setup(struct vcpu *vcpu, const struct insn *in, bool is_in, struct string_io *s)
{
	static const enum vm_seg segs[6] = { VM_SEG_ES, VM_SEG_CS, VM_SEG_SS, VM_SEG_DS, VM_SEG_FS, VM_SEG_GS };
	enum vm_seg seg = is_in ? VM_SEG_ES : in->seg >= 0 ? segs[in->seg] : VM_SEG_DS;
	struct vm_segment d;
	struct cr_state cs;

	vcpu_read_cr_state(vcpu, &cs);
	vmm_get_seg(vcpu, seg, &d);
	s->code64 = cs.code64;
	s->base = !cs.code64 || seg == VM_SEG_FS || seg == VM_SEG_GS ? d.base : 0;
	s->mask = address_mask(in->address_size);
	s->reg = is_in ? GPR_RDI : GPR_RSI;
	s->step = vmm_get_reg(vcpu, VM_REG_RFLAGS) & RFLAGS_DF ? -1 : 1;
}

static uint64_t linear(const struct string_io *s, uint64_t reg)
{
	uint64_t la = s->base + (reg & s->mask);

	return s->code64 ? la : (uint32_t)la;
}

/* One element; false when the guest got a fault or the VM ended. */
static bool one_element(struct vcpu *vcpu, const struct vm_exit_io *io, const struct string_io *s)
{
	uint64_t la = linear(s, vcpu->gprs.r[s->reg]);
	struct gva_fault fault;
	uint32_t value = 0;
	int rc = 0;

	if (!io->in)
		rc = gva_read(vcpu, la, &value, io->size, &fault);
	if (!rc) {
		pio_access(vcpu, io->port, io->size, io->in, &value);
		if (!vm_is_running(vcpu->vm))
			return false;
		if (io->in)
			rc = gva_write(vcpu, la, &value, io->size, &fault);
	}
	if (rc == -EFAULT)
		vcpu_inject_fault(vcpu, &fault);
	else if (rc)
		vm_crash(vcpu->vm, "%s at linear 0x%llx: the guest's page tables point outside its RAM",
			 io->in ? "INS" : "OUTS", (unsigned long long)la);
	return !rc;
}

enum exit_action exit_handle_string_io(struct vcpu *vcpu, const struct vm_exit *exit)
{
	const struct vm_exit_io *io = &exit->u.io;
	uint64_t *r = vcpu->gprs.r;
	struct vm_exit done = *exit;
	struct string_io s;
	struct insn in;
	uint64_t count;
	bool step;
	unsigned batch;

	if (!gva_decode_for_exit(vcpu, &in) || insn_classify(&in) != (io->in ? INSN_INS : INSN_OUTS))
		return vm_is_running(vcpu->vm) ? EXIT_RESUME : EXIT_STOP; /* the bytes changed: run it again */
	setup(vcpu, &in, io->in, &s);
	count = io->rep ? r[GPR_RCX] & s.mask : 1;
	/* Single-stepping traps after every iteration of a REP, with RIP still on the instruction. */
	step = vmm_get_reg(vcpu, VM_REG_RFLAGS) & RFLAGS_TF;
	batch = step ? 1 : STRING_IO_BATCH;
	for (unsigned n = 0; count && n < batch; n++) {
		if (!one_element(vcpu, io, &s))
			return vm_is_running(vcpu->vm) ? EXIT_RESUME : EXIT_STOP;
		r[s.reg] = (r[s.reg] & ~s.mask) | ((r[s.reg] + (uint64_t)(s.step * io->size)) & s.mask);
		count--;
		if (io->rep)
			r[GPR_RCX] = (r[GPR_RCX] & ~s.mask) | (count & s.mask);
	}
	if (count) { /* RIP stays on the REP instruction */
		if (step)
			vcpu_raise_debug(vcpu, DR6_BS);
		return EXIT_RESUME;
	}
	done.insn_len = in.len;
	vcpu_finish_insn(vcpu, &done, vcpu_io_breakpoints(vcpu, io->port, io->size));
	return EXIT_RESUME;
}
