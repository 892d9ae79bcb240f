/* SPDX-License-Identifier: MIT */
/* VT-x guest entry and exit, register and segment access through the VMCS, event injection. */
#include "arch/x86/cpu.h"
#include "arch/x86/cr.h"
#include "arch/x86/msr.h"
#include "arch/x86/vmx/ept.h"
#include "arch/x86/vmx/vmcs.h"
#include "arch/x86/vmx/vmx.h"
#include "arch/x86/vmx/vmx_exit.h"
#include "arch/x86/vmx/vmx_insn.h"
#include "kernel/console.h"
#include "kernel/errno.h"
#include "kernel/vm.h"

/* Delivers a host interrupt that is pending in the LAPIC (it stays there until IF=1). Done after
 * every exit, as the SVM path does at STGI: a CPU that does not exit for a host interrupt while the
 * guest has IF=0 (Bochs) would otherwise hold the timer tick back for as long as the guest keeps
 * exiting for other reasons faster than the preemption timer (which restarts at every entry), and
 * a vCPU could run past its slice and delay every sleeper's wake-up. */
static inline void take_host_interrupt(void)
{
	__asm__ volatile("sti; nop; cli" ::: "memory");
}

/* An event whose delivery the exit interrupted must be delivered again on the next entry. */
static void requeue_vectoring_event(void)
{
	uint32_t info = (uint32_t)vmread(VMCS_IDT_VECTORING_INFO);

	if (!(info & INTR_INFO_VALID))
		return;
	vmwrite(VMCS_ENTRY_INTR_INFO, info & ~(1u << 12)); /* bit 12 is reserved on entry */
	if (info & INTR_INFO_ERROR_VALID)
		vmwrite(VMCS_ENTRY_EXCEPTION_ERROR, vmread(VMCS_IDT_VECTORING_ERROR));
}

static void report_entry_failure(struct vcpu *vcpu, struct vm_exit *exit)
{
	uint32_t err = (uint32_t)vmread(VMCS_INSN_ERROR);

	kprintf("vmx: vm '%s' vcpu %u: VM entry failed: VM-instruction error %u (%s)\n", vcpu->vm->name,
		vcpu->id, err, vmx_insn_error_name(err));
	exit->code = VM_EXIT_INVALID_STATE;
	exit->raw_reason = VMX_EXIT_FAILED_ENTRY | err;
	exit->insn_len = 0;
}

static bool enter_once(struct vcpu *vcpu, struct vmx_vcpu *vv, struct vmx_exit_info *info)
{
	if (read_cr2() != vv->cr2)
		write_cr2(vv->cr2);
	if (vmx_enter_guest(&vcpu->gprs, vv->launched))
		return false;
	vv->cr2 = read_cr2();
	vv->launched = true;
	info->reason = (uint32_t)vmread(VMCS_EXIT_REASON);
	take_host_interrupt();
	info->insn_len = (uint32_t)vmread(VMCS_EXIT_INSN_LEN);
	info->qualification = vmread(VMCS_EXIT_QUALIFICATION);
	info->guest_rcx = vcpu->gprs.r[GPR_RCX];
	requeue_vectoring_event();
	return true;
}

void vmx_run(struct vcpu *vcpu, struct vm_exit *exit)
{
	struct vmx_vcpu *vv = vcpu->arch;
	struct vmx_exit_info info;

	vmx_load(vv);
	if (!enter_once(vcpu, vv, &info)) {
		report_entry_failure(vcpu, exit);
		return;
	}
	if ((info.reason & 0xffff) == VMX_EXIT_EPT_VIOLATION)
		info.gpa = vmread(VMCS_GUEST_PHYSICAL_ADDRESS);
	if ((info.reason & 0xffff) == VMX_EXIT_EXCEPTION_NMI) {
		info.intr_info = (uint32_t)vmread(VMCS_EXIT_INTR_INFO);
		info.intr_error = (uint32_t)vmread(VMCS_EXIT_INTR_ERROR);
	}
	vmx_translate_exit(&info, exit);
}

static uint64_t *msr_area_slot(struct vmx_vcpu *vv, enum vm_reg reg)
{
	uint32_t msr;

	switch (reg) {
	case VM_REG_KERNEL_GS_BASE: msr = MSR_KERNEL_GS_BASE; break;
	case VM_REG_STAR: msr = MSR_STAR; break;
	case VM_REG_LSTAR: msr = MSR_LSTAR; break;
	case VM_REG_CSTAR: msr = MSR_CSTAR; break;
	case VM_REG_SFMASK: msr = MSR_SFMASK; break;
	default: return NULL;
	}
	return &vv->msrs[vmx_switched_msr_slot(msr)].value;
}

static uint64_t reg_field(enum vm_reg reg)
{
	switch (reg) {
	case VM_REG_TSC_OFFSET: return VMCS_TSC_OFFSET;
	case VM_REG_FS_BASE: return VMCS_GUEST_FS_BASE;
	case VM_REG_GS_BASE: return VMCS_GUEST_GS_BASE;
	case VM_REG_SYSENTER_CS: return VMCS_GUEST_SYSENTER_CS;
	case VM_REG_SYSENTER_ESP: return VMCS_GUEST_SYSENTER_ESP;
	case VM_REG_SYSENTER_EIP: return VMCS_GUEST_SYSENTER_EIP;
	case VM_REG_RIP: return VMCS_GUEST_RIP;
	case VM_REG_RSP: return VMCS_GUEST_RSP;
	case VM_REG_RFLAGS: return VMCS_GUEST_RFLAGS;
	case VM_REG_CR3: return VMCS_GUEST_CR3;
	case VM_REG_EFER: return VMCS_GUEST_EFER;
	case VM_REG_PAT: return VMCS_GUEST_PAT;
	case VM_REG_DR7: return VMCS_GUEST_DR7;
	default: return ~0ull;
	}
}

uint64_t vmx_get_reg(struct vcpu *vcpu, enum vm_reg reg)
{
	struct vmx_vcpu *vv = vcpu->arch;

	vmx_load(vv);
	if (reg == VM_REG_CR0 || reg == VM_REG_CR4)
		return vmx_get_cr(reg == VM_REG_CR0 ? 0 : 4);
	if (reg == VM_REG_CR2)
		return vv->cr2;
	if (reg == VM_REG_CR8)
		return vv->tpr;
	if (reg == VM_REG_DR6)
		return vv->dr6_loaded ? read_dr6() : vv->dr6;
	if (reg == VM_REG_CPL) /* VMX keeps CPL as SS.DPL (SDM 27.3.1, "Saving Segment Registers") */
		return (vmread(VMCS_GUEST_ES_AR + VMCS_SEG_STRIDE * VM_SEG_SS) >> 5) & 3;
	if (msr_area_slot(vv, reg))
		return *msr_area_slot(vv, reg);
	return reg_field(reg) == ~0ull ? 0 : vmread(reg_field(reg));
}

void vmx_set_reg(struct vcpu *vcpu, enum vm_reg reg, uint64_t value)
{
	struct vmx_vcpu *vv = vcpu->arch;

	vmx_load(vv);
	if (reg == VM_REG_CR0 || reg == VM_REG_CR4) {
		vmx_set_cr(vv, reg == VM_REG_CR0 ? 0 : 4, value);
		return;
	}
	if (reg == VM_REG_CR2) {
		vv->cr2 = value;
		return;
	}
	if (reg == VM_REG_CR8) {
		vv->tpr = value;
		return;
	}
	if (reg == VM_REG_DR6) {
		vv->dr6 = value;
		if (vv->dr6_loaded)
			write_dr6(value);
		return;
	}
	if (msr_area_slot(vv, reg)) {
		*msr_area_slot(vv, reg) = value;
		return;
	}
	if (reg == VM_REG_EFER) {
		/* The entry control for a 64-bit guest must agree with EFER.LMA. */
		vv->entry_controls = value & EFER_LMA ? vv->entry_controls | ENTRY_IA32E_MODE
						      : vv->entry_controls & ~ENTRY_IA32E_MODE;
		vmwrite(VMCS_ENTRY_CONTROLS, vv->entry_controls);
	}
	if (reg_field(reg) != ~0ull)
		vmwrite(reg_field(reg), value);
}

static uint32_t access_to_ar(uint16_t access)
{
	if (!(access & SEG_P))
		return VMX_AR_UNUSABLE;
	return (access & 0xffu) | ((uint32_t)(access & 0xf00u) << 4);
}

static uint16_t ar_to_access(uint32_t ar)
{
	if (ar & VMX_AR_UNUSABLE)
		return 0;
	return (uint16_t)((ar & 0xffu) | ((ar >> 4) & 0xf00u));
}

void vmx_get_seg(struct vcpu *vcpu, enum vm_seg seg, struct vm_segment *out)
{
	vmx_load(vcpu->arch);
	if (seg == VM_SEG_GDTR || seg == VM_SEG_IDTR) {
		bool g = seg == VM_SEG_GDTR;

		*out = (struct vm_segment){ .limit = (uint32_t)vmread(g ? VMCS_GUEST_GDTR_LIMIT : VMCS_GUEST_IDTR_LIMIT),
					    .base = vmread(g ? VMCS_GUEST_GDTR_BASE : VMCS_GUEST_IDTR_BASE) };
		return;
	}
	out->selector = (uint16_t)vmread(VMCS_GUEST_ES_SEL + VMCS_SEG_STRIDE * seg);
	out->limit = (uint32_t)vmread(VMCS_GUEST_ES_LIMIT + VMCS_SEG_STRIDE * seg);
	out->base = vmread(VMCS_GUEST_ES_BASE + VMCS_SEG_STRIDE * seg);
	out->access = ar_to_access((uint32_t)vmread(VMCS_GUEST_ES_AR + VMCS_SEG_STRIDE * seg));
}

void vmx_set_seg(struct vcpu *vcpu, enum vm_seg seg, const struct vm_segment *in)
{
	vmx_load(vcpu->arch);
	if (seg == VM_SEG_GDTR || seg == VM_SEG_IDTR) {
		bool g = seg == VM_SEG_GDTR;

		vmwrite(g ? VMCS_GUEST_GDTR_LIMIT : VMCS_GUEST_IDTR_LIMIT, in->limit);
		vmwrite(g ? VMCS_GUEST_GDTR_BASE : VMCS_GUEST_IDTR_BASE, in->base);
		return;
	}
	vmwrite(VMCS_GUEST_ES_SEL + VMCS_SEG_STRIDE * seg, in->selector);
	vmwrite(VMCS_GUEST_ES_LIMIT + VMCS_SEG_STRIDE * seg, in->limit);
	vmwrite(VMCS_GUEST_ES_BASE + VMCS_SEG_STRIDE * seg, in->base);
	vmwrite(VMCS_GUEST_ES_AR + VMCS_SEG_STRIDE * seg, access_to_ar(in->access));
}

int vmx_inject_event(struct vcpu *vcpu, const struct vm_event *ev)
{
	uint32_t info = ev->vector | INTR_INFO_VALID;

	vmx_load(vcpu->arch);
	if ((uint32_t)vmread(VMCS_ENTRY_INTR_INFO) & INTR_INFO_VALID)
		return -EBUSY;
	/* An NMI while the guest's NMI handler runs (or in an STI/MOV SS shadow) would fail VM entry
	 * (SDM 26.3.1.5): it stays pending, as the CPU holds it until IRET, and goes in at a later entry. */
	if (ev->kind == VM_EVENT_NMI &&
	    (vmread(VMCS_GUEST_INTERRUPTIBILITY) & (INTERRUPTIBILITY_STI | INTERRUPTIBILITY_MOV_SS | INTERRUPTIBILITY_NMI)))
		return -EBUSY;
	if (ev->kind == VM_EVENT_EXCEPTION)
		info |= INTR_TYPE_HW_EXCEPTION;
	else if (ev->kind == VM_EVENT_NMI)
		info |= INTR_TYPE_NMI;
	if (ev->has_error) {
		info |= INTR_INFO_ERROR_VALID;
		vmwrite(VMCS_ENTRY_EXCEPTION_ERROR, ev->error_code);
	}
	vmwrite(VMCS_ENTRY_INTR_INFO, info);
	return 0;
}

bool vmx_skip_instruction(struct vcpu *vcpu, const struct vm_exit *exit)
{
	uint64_t shadow;

	vmx_load(vcpu->arch);
	vmwrite(VMCS_GUEST_RIP, vmread(VMCS_GUEST_RIP) + exit->insn_len);
	shadow = vmread(VMCS_GUEST_INTERRUPTIBILITY);
	if (shadow & (INTERRUPTIBILITY_STI | INTERRUPTIBILITY_MOV_SS))
		vmwrite(VMCS_GUEST_INTERRUPTIBILITY, shadow & ~(uint64_t)(INTERRUPTIBILITY_STI | INTERRUPTIBILITY_MOV_SS));
	return vmread(VMCS_GUEST_RFLAGS) & RFLAGS_TF;
}

/* VMX switches DR7 but not DR6, which the CPU updates itself on a #DB inside the guest: the guest's
 * DR6 lives in the CPU for the whole turn and in vv->dr6 between turns. */
void vmx_vcpu_load(struct vcpu *vcpu)
{
	struct vmx_vcpu *vv = vcpu->arch;

	write_dr6(vv->dr6);
	vv->dr6_loaded = true;
}

void vmx_vcpu_put(struct vcpu *vcpu)
{
	struct vmx_vcpu *vv = vcpu->arch;

	vv->dr6 = read_dr6();
	vv->dr6_loaded = false;
	write_dr6(DR6_RESET); /* the next vCPU loads its own; leave nothing of this one behind */
	vmx_release(vv);
}

void vmx_flush_guest_tlb(struct vcpu *vcpu)
{
	invept(INVEPT_SINGLE_CONTEXT, ept_pointer(npt_root_pa(&vcpu->vm->npt)));
}

bool vmx_interrupt_ready(struct vcpu *vcpu)
{
	vmx_load(vcpu->arch);
	return (vmread(VMCS_GUEST_RFLAGS) & RFLAGS_IF) &&
	       !(vmread(VMCS_GUEST_INTERRUPTIBILITY) & (INTERRUPTIBILITY_STI | INTERRUPTIBILITY_MOV_SS)) &&
	       !((uint32_t)vmread(VMCS_ENTRY_INTR_INFO) & INTR_INFO_VALID);
}

void vmx_cancel_events(struct vcpu *vcpu)
{
	vmx_load(vcpu->arch);
	vmwrite(VMCS_ENTRY_INTR_INFO, 0);
	vmx_request_irq_window(vcpu, false);
}

void vmx_request_irq_window(struct vcpu *vcpu, bool on)
{
	struct vmx_vcpu *vv = vcpu->arch;
	uint32_t want = on ? vv->proc_controls | PROC_INTERRUPT_WINDOW : vv->proc_controls & ~PROC_INTERRUPT_WINDOW;

	if (want == vv->proc_controls)
		return;
	vmx_load(vv);
	vv->proc_controls = want;
	vmwrite(VMCS_PROC_CONTROLS, want);
}
