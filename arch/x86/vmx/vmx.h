/* SPDX-License-Identifier: MIT */
/* Intel VT-x backend: the vmx_ops table and its private per-vCPU state. */
#ifndef BASALT_VMX_H
#define BASALT_VMX_H

#include <stdbool.h>
#include <stdint.h>

#include "arch/x86/vmx/vmx_caps.h"
#include "kernel/vmm.h"

struct guest_gprs;

/* An entry of the VM-entry MSR-load / VM-exit MSR-store areas (SDM: 16 bytes each). */
struct vmx_msr_entry {
	uint32_t index;
	uint32_t reserved;
	uint64_t value;
};
_Static_assert(sizeof(struct vmx_msr_entry) == 16, "VMX MSR area entry");

/* The syscall MSRs VMX does not switch: loaded at entry and stored at exit through one area. */
#define VMX_SWITCHED_MSRS 5

struct vmx_vcpu {
	struct vmx_msr_entry msrs[VMX_SWITCHED_MSRS]; /* first: 16-byte aligned within the page */
	void *vmcs;
	uint64_t vmcs_pa;
	bool launched;
	int active_cpu;         /* the CPU this VMCS is active on (VMPTRLD, no VMCLEAR since); -1 = clear */
	uint64_t eptp;
	uint16_t vpid;
	uint64_t cr2;           /* VMX does not switch CR2: kept here while other guests run */
	uint32_t entry_controls;
	uint32_t proc_controls;
	uint64_t tpr;           /* CR8 as the guest sees it: CR8 exits keep it off the host's TPR */
	uint64_t dr6;           /* the guest's DR6 between turns */
	bool dr6_loaded;        /* inside a turn: the guest's DR6 is in the CPU */
};

extern const struct vmm_ops vmx_ops;
extern struct vmx_caps vmx_caps;
extern struct vmx_controls vmx_controls;

/* Assembly: loads guest GPRs and enters with VMLAUNCH (launched = 0) or VMRESUME; returns 0 after a
 * VM exit, non-zero when the entry instruction itself failed. */
int vmx_enter_guest(struct guest_gprs *gprs, int launched);
/* Host RIP of every VM exit (inside vmx_entry.S). */
extern char vmx_exit_point[];

/* VMCS set-up, in vmx_vmcs.c. */
int vmx_vmcs_init(struct vmx_vcpu *vv, uint64_t eptp);
void vmx_set_cr(struct vmx_vcpu *vv, int cr, uint64_t value);
uint64_t vmx_get_cr(int cr);
/* Running and register access, in vmx_run.c. */
void vmx_run(struct vcpu *vcpu, struct vm_exit *exit);
uint64_t vmx_get_reg(struct vcpu *vcpu, enum vm_reg reg);
void vmx_set_reg(struct vcpu *vcpu, enum vm_reg reg, uint64_t value);
void vmx_get_seg(struct vcpu *vcpu, enum vm_seg seg, struct vm_segment *out);
void vmx_set_seg(struct vcpu *vcpu, enum vm_seg seg, const struct vm_segment *in);
int vmx_inject_event(struct vcpu *vcpu, const struct vm_event *event);
bool vmx_skip_instruction(struct vcpu *vcpu, const struct vm_exit *exit);
void vmx_flush_guest_tlb(struct vcpu *vcpu);
void vmx_vcpu_load(struct vcpu *vcpu);
void vmx_vcpu_put(struct vcpu *vcpu);
bool vmx_interrupt_ready(struct vcpu *vcpu);
void vmx_request_irq_window(struct vcpu *vcpu, bool on);
void vmx_cancel_events(struct vcpu *vcpu);

/* Index of msr in vmx_vcpu.msrs, or -1 when VMX does not switch it through the area. */
int vmx_switched_msr_slot(uint32_t msr);

/* Makes vv's VMCS current on this CPU (VMPTRLD only when it is not already). */
void vmx_load(struct vmx_vcpu *vv);
/* Ends vv's VMCS activity on this CPU when guests run on several CPUs (VMCLEAR). */
void vmx_release(struct vmx_vcpu *vv);

#endif
