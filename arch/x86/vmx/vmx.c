/* SPDX-License-Identifier: MIT */
/* Intel VT-x backend: VMX root mode per CPU, one VMCS per vCPU, EPT per VM, and the vmx_ops table. */
#include "arch/x86/vmx/vmx.h"

#include "arch/x86/cpu.h"
#include "arch/x86/cr.h"
#include "arch/x86/msr.h"
#include "arch/x86/percpu.h"
#include "arch/x86/vmx/ept.h"
#include "arch/x86/vmx/vmcs.h"
#include "arch/x86/vmx/vmx_exit.h"
#include "arch/x86/vmx/vmx_insn.h"
#include "kernel/basalt_abi.h"
#include "kernel/console.h"
#include "kernel/errno.h"
#include "kernel/mem.h"
#include "kernel/vm.h"

#define CPUID_1_ECX_VMX (1u << 5)
#define MSR_VMX_PINBASED 0x481u
#define MSR_VMX_PROCBASED 0x482u
#define MSR_VMX_EXIT 0x483u
#define MSR_VMX_ENTRY 0x484u
#define MSR_VMX_MISC 0x485u
#define MSR_VMX_CR0_FIXED0 0x486u
#define MSR_VMX_CR0_FIXED1 0x487u
#define MSR_VMX_CR4_FIXED0 0x488u
#define MSR_VMX_CR4_FIXED1 0x489u
#define MSR_VMX_PROCBASED2 0x48bu
#define MSR_VMX_EPT_VPID_CAP 0x48cu
#define MSR_VMX_TRUE_PINBASED 0x48du
#define MSR_VMX_TRUE_PROCBASED 0x48eu
#define MSR_VMX_TRUE_EXIT 0x48fu
#define MSR_VMX_TRUE_ENTRY 0x490u

struct vmx_caps vmx_caps;
struct vmx_controls vmx_controls;
static uint16_t next_vpid = 1;

static void read_caps(struct vmx_caps *c)
{
	bool true_ctls;

	c->basic = rdmsr(MSR_IA32_VMX_BASIC);
	true_ctls = c->basic & VMX_BASIC_TRUE_CTLS;
	c->pin = rdmsr(true_ctls ? MSR_VMX_TRUE_PINBASED : MSR_VMX_PINBASED);
	c->proc = rdmsr(true_ctls ? MSR_VMX_TRUE_PROCBASED : MSR_VMX_PROCBASED);
	c->exit = rdmsr(true_ctls ? MSR_VMX_TRUE_EXIT : MSR_VMX_EXIT);
	c->entry = rdmsr(true_ctls ? MSR_VMX_TRUE_ENTRY : MSR_VMX_ENTRY);
	c->cr0_fixed0 = rdmsr(MSR_VMX_CR0_FIXED0);
	c->cr0_fixed1 = rdmsr(MSR_VMX_CR0_FIXED1);
	c->cr4_fixed0 = rdmsr(MSR_VMX_CR4_FIXED0);
	c->cr4_fixed1 = rdmsr(MSR_VMX_CR4_FIXED1);
	c->misc = rdmsr(MSR_VMX_MISC);
	/* Secondary controls exist only when the primary word allows them, and the EPT/VPID
	 * capability MSR only when EPT or VPID can be enabled (reading it otherwise is #GP). */
	c->proc2 = (c->proc >> 32) & PROC_SECONDARY_CONTROLS ? rdmsr(MSR_VMX_PROCBASED2) : 0;
	c->ept_vpid = (c->proc2 >> 32) & (PROC2_ENABLE_EPT | PROC2_ENABLE_VPID) ? rdmsr(MSR_VMX_EPT_VPID_CAP) : 0;
}

static int check_ept(const struct vmx_caps *c)
{
	if (!((c->proc2 >> 32) & PROC2_ENABLE_EPT)) {
		kprintf("vmx: this CPU has VT-x but no EPT; Basalt needs EPT\n");
		return -ENODEV;
	}
	if (!(c->ept_vpid & EPT_CAP_WALK_4) || !(c->ept_vpid & EPT_CAP_WB) || !(c->ept_vpid & EPT_CAP_INVEPT)) {
		kprintf("vmx: EPT lacks 4-level walks, write-back tables or INVEPT (capabilities 0x%llx)\n",
			(unsigned long long)c->ept_vpid);
		return -ENODEV;
	}
	return 0;
}

static int vmx_probe(struct vmm_features *f)
{
	struct cpuid_regs r;
	char why[96];

	cpuid_count(1, 0, &r);
	if (!(r.ecx & CPUID_1_ECX_VMX)) {
		kprintf("vmx: this CPU has no VT-x (CPUID.1:ECX.VMX = 0)\n");
		return -ENODEV;
	}
	read_caps(&vmx_caps);
	if (check_ept(&vmx_caps))
		return -ENODEV;
	if (vmx_compute_controls(&vmx_caps, &vmx_controls, why, sizeof(why))) {
		kprintf("vmx: %s\n", why);
		return -ENODEV;
	}
	f->nested_paging = true;
	f->next_rip = true; /* the VMCS reports the length of every exiting instruction */
	f->decode_assist = false;
	f->huge_pages = vmx_caps.ept_vpid & EPT_CAP_1G;
	f->asids = vmx_controls.proc2 & PROC2_ENABLE_VPID ? 0xffff : 0;
	f->paging_off = vmx_controls.proc2 & PROC2_UNRESTRICTED_GUEST;
	if (vmx_caps.ept_vpid & EPT_CAP_2M)
		ept_format.max_leaf_level = f->huge_pages ? 3 : 2;
	else
		ept_format.max_leaf_level = 1;
	return 0;
}

static int enable_feature_control(void)
{
	uint64_t value;
	int write;

	if (vmx_feature_control(rdmsr(MSR_IA32_FEATURE_CONTROL), &value, &write)) {
		kprintf("vmx: the firmware locked IA32_FEATURE_CONTROL with VT-x disabled; enable it in the setup menu\n");
		return -EPERM;
	}
	if (write)
		wrmsr(MSR_IA32_FEATURE_CONTROL, value);
	return 0;
}

static int vmx_init_cpu(unsigned cpu)
{
	struct percpu *pc = &percpu_area[cpu];
	uint32_t *region = page_alloc();
	int rc = enable_feature_control();

	if (rc)
		return rc;
	if (!region)
		return -ENOMEM;
	write_cr0(vmx_apply_fixed(read_cr0(), vmx_caps.cr0_fixed0, vmx_caps.cr0_fixed1));
	write_cr4(vmx_apply_fixed(read_cr4() | CR4_VMXE, vmx_caps.cr4_fixed0, vmx_caps.cr4_fixed1));
	*region = VMX_BASIC_REVISION(vmx_caps.basic);
	pc->vmxon_pa = virt_to_phys(region);
	if (vmxon(pc->vmxon_pa)) {
		kprintf("vmx: VMXON failed on cpu %u\n", cpu);
		return -EIO;
	}
	return 0;
}

static int vmx_vm_create(struct vm *vm)
{
	return npt_init(&vm->npt, &ept_format);
}

static void vmx_vm_destroy(struct vm *vm)
{
	npt_destroy(&vm->npt);
}

static int vmx_map(struct vm *vm, uint64_t gpa, uint64_t hpa, uint64_t size, unsigned perms)
{
	return npt_map(&vm->npt, gpa, hpa, size, perms);
}

/* This CPU's cached translations go now; every vCPU's, wherever it runs, in vm_unmap_guest. */
static int vmx_unmap(struct vm *vm, uint64_t gpa, uint64_t size)
{
	int rc = npt_unmap(&vm->npt, gpa, size);

	invept(INVEPT_SINGLE_CONTEXT, ept_pointer(npt_root_pa(&vm->npt)));
	return rc;
}

static int vmx_vcpu_create(struct vcpu *vcpu)
{
	struct vmx_vcpu *vv = page_alloc();

	if (!vv)
		return -ENOMEM;
	vcpu->arch = vv;
	vv->vmcs = page_alloc();
	if (!vv->vmcs)
		return -ENOMEM;
	vv->vmcs_pa = virt_to_phys(vv->vmcs);
	vv->vpid = next_vpid++;
	vv->dr6 = DR6_RESET;
	return vmx_vmcs_init(vv, ept_pointer(npt_root_pa(&vcpu->vm->npt)));
}

static void vmx_vcpu_destroy(struct vcpu *vcpu)
{
	struct vmx_vcpu *vv = vcpu->arch;

	if (!vv)
		return;
	if (vv->vmcs) {
		vmclear(vv->vmcs_pa);
		if (this_cpu()->current_vmcs == vv->vmcs)
			this_cpu()->current_vmcs = NULL;
		page_free(vv->vmcs);
	}
	page_free(vv);
	vcpu->arch = NULL;
}

static void vmx_vcpu_release(struct vcpu *vcpu)
{
	vmx_release(vcpu->arch);
}

const struct vmm_ops vmx_ops = {
	.name = "Intel VT-x (VMX with EPT)",
	.probe = vmx_probe,
	.init_cpu = vmx_init_cpu,
	.vm_create = vmx_vm_create,
	.vm_destroy = vmx_vm_destroy,
	.map = vmx_map,
	.unmap = vmx_unmap,
	.vcpu_create = vmx_vcpu_create,
	.vcpu_destroy = vmx_vcpu_destroy,
	.run = vmx_run,
	.get_reg = vmx_get_reg,
	.set_reg = vmx_set_reg,
	.get_seg = vmx_get_seg,
	.set_seg = vmx_set_seg,
	.inject_event = vmx_inject_event,
	.skip_instruction = vmx_skip_instruction,
	.interrupt_ready = vmx_interrupt_ready,
	.request_irq_window = vmx_request_irq_window,
	.cancel_events = vmx_cancel_events,
	.flush_guest_tlb = vmx_flush_guest_tlb,
	.vcpu_load = vmx_vcpu_load,
	.vcpu_put = vmx_vcpu_put,
	.vcpu_release = vmx_vcpu_release,
	.raw_exit_name = vmx_exit_reason_name,
	.hypercall_kind = BASALT_HCALL_VMCALL,
};
