/* SPDX-License-Identifier: MIT */
/* Emulated control- and debug-register accesses, and the end of every emulated instruction (single
 * step, I/O breakpoints). The checks themselves are in cr_rules.c. */
#include "kernel/cr_access.h"

#include "drivers/pc/vlapic.h"

#include "arch/x86/cpu.h"
#include "arch/x86/cr.h"
#include "kernel/cr_rules.h"
#include "kernel/exit.h"
#include "kernel/vm.h"
#include "kernel/vmm.h"

#define VECTOR_DB 1

void vcpu_read_cr_state(struct vcpu *vcpu, struct cr_state *s)
{
	struct vm_segment cs;

	s->cr0 = vmm_get_reg(vcpu, VM_REG_CR0);
	s->cr4 = vmm_get_reg(vcpu, VM_REG_CR4);
	s->efer = vmm_get_reg(vcpu, VM_REG_EFER);
	vmm_get_seg(vcpu, VM_SEG_CS, &cs);
	s->code64 = (s->efer & EFER_LMA) && (cs.access & SEG_L);
}

/* Outside 64-bit code MOV CR/DR moves 32 bits and the upper half of the destination is cleared. */
static uint64_t gpr_read(struct vcpu *vcpu, int gpr, bool code64)
{
	uint64_t v = gpr == GPR_RSP ? vmm_get_reg(vcpu, VM_REG_RSP) : vcpu->gprs.r[gpr];

	return code64 ? v : (uint32_t)v;
}

static void gpr_write(struct vcpu *vcpu, int gpr, uint64_t v, bool code64)
{
	if (!code64)
		v = (uint32_t)v;
	if (gpr == GPR_RSP)
		vmm_set_reg(vcpu, VM_REG_RSP, v);
	else
		vcpu->gprs.r[gpr] = v;
}

void vcpu_raise_debug(struct vcpu *vcpu, uint64_t dr6_bits)
{
	vmm_set_reg(vcpu, VM_REG_DR6, vmm_get_reg(vcpu, VM_REG_DR6) | dr6_bits);
	vcpu_inject_exception(vcpu, VECTOR_DB, false, 0);
}

void vcpu_finish_insn(struct vcpu *vcpu, const struct vm_exit *exit, uint64_t dr6_bits)
{
	/* The CPU never completed the instruction, so the single-step trap is ours to raise. */
	if (vmm_skip(vcpu, exit))
		dr6_bits |= DR6_BS;
	if (dr6_bits)
		vcpu_raise_debug(vcpu, dr6_bits);
}

void vcpu_skip_insn(struct vcpu *vcpu, const struct vm_exit *exit)
{
	vcpu_finish_insn(vcpu, exit, 0);
}

uint64_t vcpu_io_breakpoints(struct vcpu *vcpu, uint16_t port, uint8_t size)
{
	uint64_t dr7 = vmm_get_reg(vcpu, VM_REG_DR7);

	if (!(dr7 & 0xff)) /* no breakpoint enabled: the common case costs one register read */
		return 0;
	return dr_io_breakpoint_hits(dr7, vcpu->dr, vmm_get_reg(vcpu, VM_REG_CR4), port, size);
}

static int emulate_cr0_write(struct vcpu *vcpu, const struct cr_state *s, uint64_t value)
{
	uint64_t cr0, efer;

	if (cr_check_cr0(s, value, &cr0))
		return -1;
	efer = cr_efer_after_cr0(s->efer, s->cr0, cr0);
	vmm_set_reg(vcpu, VM_REG_CR0, cr0);
	if (efer != s->efer)
		vmm_set_reg(vcpu, VM_REG_EFER, efer);
	if ((cr0 ^ s->cr0) & (CR0_PG | CR0_WP))
		vmm->flush_guest_tlb(vcpu);
	return 0;
}

static int write_cr(struct vcpu *vcpu, const struct cr_state *s, unsigned cr, uint64_t value)
{
	uint64_t v;

	switch (cr) {
	case 0:
		return emulate_cr0_write(vcpu, s, value);
	case 4:
		if (cr_check_cr4(s, value, vmm_features.guest_cr4_allowed, &v))
			return -1;
		vmm_set_reg(vcpu, VM_REG_CR4, v);
		/* Changing paging-structure bits flushes the TLB, global entries included. */
		if ((v ^ s->cr4) & (CR4_PGE | CR4_PAE | CR4_PSE | CR4_SMEP | CR4_PCIDE))
			vmm->flush_guest_tlb(vcpu);
		return 0;
	case 8:
		if (cr_check_cr8(value, &v))
			return -1;
		/* CR8 and the local APIC's TPR are one register: the APIC holds it, the backend's
		 * copy (AMD V_TPR) follows. */
		if (vcpu->lapic) { /* other vCPUs read the TPR (lowest-priority arbitration) */
			spin_lock(&vcpu->vm->lock);
			vlapic_set_cr8(vcpu->lapic, v);
			spin_unlock(&vcpu->vm->lock);
		}
		vmm_set_reg(vcpu, VM_REG_CR8, v);
		return 0;
	default:
		return -1;
	}
}

static bool read_cr(struct vcpu *vcpu, unsigned cr, uint64_t *v)
{
	static const enum vm_reg regs[9] = { VM_REG_CR0, VM_REG_COUNT, VM_REG_CR2, VM_REG_CR3, VM_REG_CR4,
					     VM_REG_COUNT, VM_REG_COUNT, VM_REG_COUNT, VM_REG_CR8 };

	if (cr > 8 || regs[cr] == VM_REG_COUNT)
		return false;
	*v = cr == 8 && vcpu->lapic ? vlapic_get_cr8(vcpu->lapic) : vmm_get_reg(vcpu, regs[cr]);
	return true;
}

enum exit_action exit_handle_cr(struct vcpu *vcpu, const struct vm_exit *exit)
{
	const struct vm_exit_cr *c = &exit->u.cr;
	struct cr_state s;
	uint64_t v;
	int bad = 0;

	vcpu_read_cr_state(vcpu, &s);
	switch (c->op) {
	case VM_CR_MOV_FROM:
		if (!read_cr(vcpu, c->cr, &v)) {
			vcpu_inject_ud(vcpu);
			return EXIT_RESUME;
		}
		gpr_write(vcpu, c->gpr, v, s.code64);
		break;
	case VM_CR_MOV_TO:
		bad = write_cr(vcpu, &s, c->cr, gpr_read(vcpu, c->gpr, s.code64));
		break;
	case VM_CR_CLTS:
		bad = emulate_cr0_write(vcpu, &s, s.cr0 & ~CR0_TS);
		break;
	default: /* LMSW loads PE, MP, EM and TS, and can set PE but never clear it */
		bad = emulate_cr0_write(vcpu, &s, (s.cr0 & ~(CR0_MP | CR0_EM | CR0_TS)) | (c->lmsw_src & 0xf));
		break;
	}
	if (bad)
		vcpu_inject_gp(vcpu);
	else
		vcpu_skip_insn(vcpu, exit);
	return EXIT_RESUME;
}

/* DR0-DR3 go to the CPU at once too: this vCPU is the one running on it. */
static void write_debug_address(struct vcpu *vcpu, unsigned n, uint64_t v)
{
	vcpu->dr[n] = v;
	vcpu->dr_used = true;
	switch (n) {
	case 0: write_dr0(v); break;
	case 1: write_dr1(v); break;
	case 2: write_dr2(v); break;
	default: write_dr3(v); break;
	}
}

static int write_dr(struct vcpu *vcpu, unsigned dr, uint64_t value)
{
	uint64_t v;

	if (dr < 4) {
		write_debug_address(vcpu, dr, value);
		return 0;
	}
	if (dr == 6 ? dr_check_dr6(value, &v) : dr_check_dr7(value, &v))
		return -1;
	vmm_set_reg(vcpu, dr == 6 ? VM_REG_DR6 : VM_REG_DR7, v);
	return 0;
}

enum exit_action exit_handle_dr(struct vcpu *vcpu, const struct vm_exit *exit)
{
	const struct vm_exit_dr *d = &exit->u.dr;
	unsigned dr = d->dr;
	uint64_t dr7 = vmm_get_reg(vcpu, VM_REG_DR7);
	struct cr_state s;

	vcpu_read_cr_state(vcpu, &s);
	if (vmm_get_reg(vcpu, VM_REG_CPL) != 0) {
		vcpu_inject_gp(vcpu);
		return EXIT_RESUME;
	}
	if (dr == 4 || dr == 5) { /* aliases of DR6/DR7 unless debug extensions are on */
		if (s.cr4 & CR4_DE) {
			vcpu_inject_ud(vcpu);
			return EXIT_RESUME;
		}
		dr += 2;
	}
	if (dr7 & DR7_GD) { /* general detect: the access faults and GD is cleared for the handler */
		vmm_set_reg(vcpu, VM_REG_DR7, dr7 & ~DR7_GD);
		vcpu_raise_debug(vcpu, DR6_BD);
		return EXIT_RESUME;
	}
	if (d->write) {
		if (write_dr(vcpu, dr, gpr_read(vcpu, d->gpr, s.code64))) {
			vcpu_inject_gp(vcpu);
			return EXIT_RESUME;
		}
	} else {
		gpr_write(vcpu, d->gpr,
			  dr < 4 ? vcpu->dr[dr] : vmm_get_reg(vcpu, dr == 6 ? VM_REG_DR6 : VM_REG_DR7), s.code64);
	}
	vcpu_skip_insn(vcpu, exit);
	return EXIT_RESUME;
}

void vcpu_load_debug_regs(struct vcpu *vcpu, bool *cpu_clean)
{
	if (!vcpu->dr_used && *cpu_clean)
		return;
	write_dr0(vcpu->dr[0]);
	write_dr1(vcpu->dr[1]);
	write_dr2(vcpu->dr[2]);
	write_dr3(vcpu->dr[3]);
	*cpu_clean = !vcpu->dr_used;
}
