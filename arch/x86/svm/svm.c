/* SPDX-License-Identifier: MIT */
/* AMD-V backend: host mode per CPU, one VMCB per vCPU, NPT per VM, and the svm_ops table. */
#include "arch/x86/svm/svm.h"

#include <string.h>

#include "arch/x86/cpu.h"
#include "arch/x86/cr.h"
#include "arch/x86/msr.h"
#include "arch/x86/percpu.h"
#include "arch/x86/svm/npt.h"
#include "arch/x86/svm/svm_exit.h"
#include "kernel/basalt_abi.h"
#include "kernel/console.h"
#include "kernel/errno.h"
#include "kernel/mem.h"
#include "kernel/vm.h"

#define CPUID_SVM_FEATURES 0x8000000au
#define SVM_FEAT_NPT (1u << 0)
#define SVM_FEAT_NRIPS (1u << 3)
#define SVM_FEAT_DECODE_ASSISTS (1u << 7)
#define CPUID_EXT_SVM (1u << 2)
#define CPUID_EXT_PAGE1GB (1u << 26)
#define IOPM_PAGES 3
#define MSRPM_PAGES 2
#define GUEST_PAT_DEFAULT 0x0007040600070406ull

/* One intercept-everything bitmap pair shared by all VMs: ports and MSRs are emulated by the core. */
static void *iopm;
static void *msrpm;

static int svm_probe(struct vmm_features *f)
{
	struct cpuid_regs r;

	cpuid_count(0x80000001u, 0, &r);
	if (!(r.ecx & CPUID_EXT_SVM)) {
		kprintf("svm: this CPU has no AMD-V (CPUID 0x80000001 ECX.SVM = 0)\n");
		return -ENODEV;
	}
	f->huge_pages = r.edx & CPUID_EXT_PAGE1GB;
	if (rdmsr(MSR_AMD_VM_CR) & VM_CR_SVMDIS) {
		kprintf("svm: AMD-V is disabled by the firmware (VM_CR.SVMDIS); enable it in the setup menu\n");
		return -ENODEV;
	}
	cpuid_count(CPUID_SVM_FEATURES, 0, &r);
	f->nested_paging = r.edx & SVM_FEAT_NPT;
	f->next_rip = r.edx & SVM_FEAT_NRIPS;
	f->decode_assist = r.edx & SVM_FEAT_DECODE_ASSISTS;
	f->asids = r.ebx;
	f->paging_off = true; /* with NPT a guest may run with paging off */
	if (!f->nested_paging) {
		kprintf("svm: this CPU has AMD-V but no nested paging (NPT); Basalt needs NPT\n");
		return -ENODEV;
	}
	if (f->asids < 2) {
		kprintf("svm: the CPU reports %u ASIDs; at least 2 are needed\n", f->asids);
		return -ENODEV;
	}
	return 0;
}

/* MSRs whose guest values live in the VMCB and are switched by VMLOAD/VMSAVE: the guest may
 * read and write them directly. Everything else goes through the core's MSR policy. */
static const uint32_t msr_passthrough[] = {
	MSR_IA32_SYSENTER_CS, MSR_IA32_SYSENTER_ESP, MSR_IA32_SYSENTER_EIP, MSR_STAR, MSR_LSTAR,
	MSR_CSTAR, MSR_SFMASK, MSR_FS_BASE, MSR_GS_BASE, MSR_KERNEL_GS_BASE,
};

/* The MSR permission map has three 2 KiB blocks (MSRs 0-0x1fff, 0xc0000000-, 0xc0010000-), two bits
 * (read, write) per MSR. */
static void msrpm_allow(uint8_t *map, uint32_t msr)
{
	uint32_t block = msr >= 0xc0010000u ? 2 : msr >= 0xc0000000u ? 1 : 0;
	uint32_t bit = (msr & 0x1fffu) * 2;

	map[block * 0x800 + bit / 8] &= (uint8_t)~(3u << (bit % 8));
}

static int alloc_bitmaps(void)
{
	iopm = pages_alloc(IOPM_PAGES, PAGE_SIZE);
	msrpm = pages_alloc(MSRPM_PAGES, PAGE_SIZE);
	if (!iopm || !msrpm)
		return -ENOMEM;
	memset(iopm, 0xff, IOPM_PAGES * PAGE_SIZE);
	memset(msrpm, 0xff, MSRPM_PAGES * PAGE_SIZE);
	for (size_t i = 0; i < sizeof(msr_passthrough) / sizeof(msr_passthrough[0]); i++)
		msrpm_allow(msrpm, msr_passthrough[i]);
	return 0;
}

static int svm_init_cpu(unsigned cpu)
{
	struct percpu *pc = &percpu_area[cpu];
	void *hsave = page_alloc();
	void *host_vmcb = page_alloc();

	if (!hsave || !host_vmcb || (!iopm && alloc_bitmaps()))
		return -ENOMEM;
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SVME);
	pc->hsave_pa = virt_to_phys(hsave);
	pc->host_vmcb_pa = virt_to_phys(host_vmcb);
	wrmsr(MSR_AMD_VM_HSAVE_PA, pc->hsave_pa);
	/* Host FS/GS/TR/LDTR and syscall MSRs are not restored by #VMEXIT: keep a copy to VMLOAD. */
	__asm__ volatile("vmsave %%rax" ::"a"(pc->host_vmcb_pa) : "memory");
	pc->next_asid = 1;
	pc->asid_generation = 1;
	npt_nx_usable = rdmsr(MSR_EFER) & EFER_NXE;
	if (vmm_features.huge_pages)
		npt_format_amd.max_leaf_level = 3;
	return 0;
}

static int svm_vm_create(struct vm *vm)
{
	return npt_init(&vm->npt, &npt_format_amd);
}

static void svm_vm_destroy(struct vm *vm)
{
	npt_destroy(&vm->npt);
}

static int svm_map(struct vm *vm, uint64_t gpa, uint64_t hpa, uint64_t size, unsigned perms)
{
	return npt_map(&vm->npt, gpa, hpa, size, perms);
}

/* No VMCB is touched here: a vCPU may be running on another CPU (vm_unmap_guest flushes). */
static int svm_unmap(struct vm *vm, uint64_t gpa, uint64_t size)
{
	return npt_unmap(&vm->npt, gpa, size);
}

/* CR4 writes exit so bits the guest's CPUID hides (OSXSAVE above all: XSAVE state is not switched)
 * get #GP; DR0-DR3 writes exit so the core's copy (struct vcpu dr[]) stays the guest's truth. With
 * V_INTR_MASKING the guest's TPR is V_TPR and never the host's; CR8 writes still exit so the core
 * checks them as on VT-x (QEMU's SVM takes values above 15 without the #GP hardware raises). CR8
 * reads and DR6/DR7 stay in the VMCB. */
static void init_controls(struct vmcb_control *c, uint32_t asid, uint64_t ncr3)
{
	c->intercept_cr = SVM_INTERCEPT_CR_WRITE(4) | SVM_INTERCEPT_CR_WRITE(8);
	c->intercept_dr = SVM_INTERCEPT_DR_WRITE(0) | SVM_INTERCEPT_DR_WRITE(1) | SVM_INTERCEPT_DR_WRITE(2) |
			  SVM_INTERCEPT_DR_WRITE(3);
	c->intercept_misc1 = SVM_INTERCEPT_INTR | SVM_INTERCEPT_NMI | SVM_INTERCEPT_SMI |
			     SVM_INTERCEPT_CPUID | SVM_INTERCEPT_INVD | SVM_INTERCEPT_HLT |
			     SVM_INTERCEPT_INVLPGA | SVM_INTERCEPT_IOIO | SVM_INTERCEPT_MSR |
			     SVM_INTERCEPT_SHUTDOWN;
	/* VMRUN must be intercepted for VMRUN to succeed; the other SVM instructions would let
	 * a guest touch host state, so they all exit and the guest gets #UD. */
	c->intercept_misc2 = SVM_INTERCEPT_VMRUN | SVM_INTERCEPT_VMMCALL | SVM_INTERCEPT_VMLOAD |
			     SVM_INTERCEPT_VMSAVE | SVM_INTERCEPT_STGI | SVM_INTERCEPT_CLGI |
			     SVM_INTERCEPT_SKINIT | SVM_INTERCEPT_WBINVD | SVM_INTERCEPT_XSETBV;
	c->iopm_base_pa = virt_to_phys(iopm);
	c->msrpm_base_pa = virt_to_phys(msrpm);
	c->guest_asid = asid;
	c->tlb_control = SVM_TLB_FLUSH_ALL;
	c->vintr = SVM_VINTR_MASKING; /* host IF gates physical interrupts; guest IF only virtual ones */
	c->np_control = SVM_NP_ENABLE;
	c->n_cr3 = ncr3;
	c->clean = 0;
}

static int svm_vcpu_create(struct vcpu *vcpu)
{
	struct svm_vcpu *sv = page_alloc();
	struct vmcb *vmcb = page_alloc();

	if (!sv || !vmcb)
		return -ENOMEM;
	sv->vmcb = vmcb;
	sv->vmcb_pa = virt_to_phys(vmcb);
	init_controls(&vmcb->control, 0, npt_root_pa(&vcpu->vm->npt));
	vmcb->save.efer = EFER_SVME; /* VMRUN refuses a guest without EFER.SVME */
	vmcb->save.g_pat = GUEST_PAT_DEFAULT;
	vmcb->save.dr6 = 0xffff0ff0;
	vmcb->save.dr7 = 0x400;
	vmcb->save.rflags = RFLAGS_RESERVED1;
	svm_events_init(&sv->events);
	vcpu->arch = sv;
	return 0;
}

static void svm_vcpu_destroy(struct vcpu *vcpu)
{
	struct svm_vcpu *sv = vcpu->arch;

	if (!sv)
		return;
	page_free(sv->vmcb);
	page_free(sv);
	vcpu->arch = NULL;
}

/* ASIDs are handed out per CPU on demand; when they run out, a new generation starts with a full
 * TLB flush, so any number of vCPUs can share the few ASIDs a CPU has (QEMU offers 16). A vCPU
 * that arrives from another CPU takes a fresh ASID here: its old one on this CPU may still tag
 * translations from before nested page tables changed (the flush then ran on the other CPU). */
static void refresh_asid(struct svm_vcpu *sv, struct percpu *pc)
{
	struct vmcb_control *c = &sv->vmcb->control;

	if (sv->asid_generation == pc->asid_generation && sv->asid_cpu == (int)pc->id)
		return;
	sv->asid_cpu = (int)pc->id;
	if (pc->next_asid >= vmm_features.asids) {
		pc->asid_generation++;
		pc->next_asid = 1;
		c->tlb_control = SVM_TLB_FLUSH_ALL;
	}
	sv->asid = pc->next_asid++;
	sv->asid_generation = pc->asid_generation;
	c->guest_asid = sv->asid;
	vmcb_mark_dirty(sv->vmcb, VMCB_CLEAN_ASID);
}

static void svm_run(struct vcpu *vcpu, struct vm_exit *exit)
{
	struct svm_vcpu *sv = vcpu->arch;
	struct vmcb *vmcb = sv->vmcb;
	struct percpu *pc = this_cpu();

	/* A CPU may cache VMCB state by address: after a run elsewhere, or another VMCB here, none of
	 * it is clean (APM vol. 2 15.15). */
	if (pc->last_vmcb != vmcb || sv->last_cpu != (int)pc->id) {
		vmcb->control.clean = 0;
		pc->last_vmcb = vmcb;
		sv->last_cpu = (int)pc->id;
	}
	refresh_asid(sv, pc);
	vmcb->save.rax = vcpu->gprs.r[GPR_RAX];
	/* The CPU writes EXITINTINFO at every #VMEXIT; zeroing it first means a stale value (an
	 * emulator that skips the write) can never be re-delivered below as a second event. */
	vmcb->control.exit_int_info = 0;
	svm_trace_entry_state(&sv->trace, vmcb, pc->id);
	svm_enter_guest(&vcpu->gprs, sv->vmcb_pa, pc->host_vmcb_pa);
	svm_trace_exit_state(&sv->trace, vmcb);
	vcpu->gprs.r[GPR_RAX] = vmcb->save.rax;
	vmcb->control.clean = VMCB_CLEAN_ALL;
	vmcb->control.tlb_control = SVM_TLB_FLUSH_NONE;
	/* The common exit has no offer out and nothing cut short: EVENTINJ was consumed, that is all. */
	if (sv->events.offered_vector >= 0 || (vmcb->control.exit_int_info & SVM_EVENT_VALID))
		svm_event_after_exit(vmcb, &sv->events);
	else
		vmcb->control.event_inj = 0;
	svm_translate_exit(vmcb, &vmm_features, vcpu->gprs.r[GPR_RCX], exit);
}

static uint64_t *reg_field(struct vmcb *vmcb, enum vm_reg reg, uint32_t *clean_bit)
{
	struct vmcb_save *s = &vmcb->save;

	*clean_bit = 0;
	switch (reg) {
	case VM_REG_RIP: return &s->rip;
	case VM_REG_RSP: return &s->rsp;
	case VM_REG_RFLAGS: return &s->rflags;
	case VM_REG_CR0: *clean_bit = VMCB_CLEAN_CRX; return &s->cr0;
	case VM_REG_CR3: *clean_bit = VMCB_CLEAN_CRX; return &s->cr3;
	case VM_REG_CR4: *clean_bit = VMCB_CLEAN_CRX; return &s->cr4;
	case VM_REG_EFER: *clean_bit = VMCB_CLEAN_CRX; return &s->efer;
	case VM_REG_CR2: *clean_bit = VMCB_CLEAN_CR2; return &s->cr2;
	case VM_REG_PAT: *clean_bit = VMCB_CLEAN_NP; return &s->g_pat;
	case VM_REG_DR7: *clean_bit = VMCB_CLEAN_DRX; return &s->dr7;
	case VM_REG_DR6: *clean_bit = VMCB_CLEAN_DRX; return &s->dr6;
	case VM_REG_TSC_OFFSET: *clean_bit = VMCB_CLEAN_INTERCEPTS; return &vmcb->control.tsc_offset;
	/* VMLOAD state: reloaded before every VMRUN, so no clean bit covers it. */
	case VM_REG_FS_BASE: return &s->fs.base;
	case VM_REG_GS_BASE: return &s->gs.base;
	case VM_REG_KERNEL_GS_BASE: return &s->kernel_gs_base;
	case VM_REG_STAR: return &s->star;
	case VM_REG_LSTAR: return &s->lstar;
	case VM_REG_CSTAR: return &s->cstar;
	case VM_REG_SFMASK: return &s->sfmask;
	case VM_REG_SYSENTER_CS: return &s->sysenter_cs;
	case VM_REG_SYSENTER_ESP: return &s->sysenter_esp;
	case VM_REG_SYSENTER_EIP: return &s->sysenter_eip;
	default: return NULL;
	}
}

static uint64_t svm_get_reg(struct vcpu *vcpu, enum vm_reg reg)
{
	struct svm_vcpu *sv = vcpu->arch;
	uint32_t clean_bit;
	uint64_t *field;

	/* Before the table: CR8 is read before every entry (virq.c's sync_cr8). */
	if (reg == VM_REG_CPL)
		return sv->vmcb->save.cpl & 3;
	if (reg == VM_REG_CR8)
		return sv->vmcb->control.vintr & SVM_VINTR_TPR_MASK;
	field = reg_field(sv->vmcb, reg, &clean_bit);
	if (!field)
		return 0;
	return reg == VM_REG_EFER ? *field & ~EFER_SVME : *field;
}

static void svm_set_reg(struct vcpu *vcpu, enum vm_reg reg, uint64_t value)
{
	struct svm_vcpu *sv = vcpu->arch;
	uint32_t clean_bit;
	uint64_t *field = reg_field(sv->vmcb, reg, &clean_bit);

	if (reg == VM_REG_CR8) {
		sv->vmcb->control.vintr = (sv->vmcb->control.vintr & ~SVM_VINTR_TPR_MASK) | (value & SVM_VINTR_TPR_MASK);
		vmcb_mark_dirty(sv->vmcb, VMCB_CLEAN_TPR);
		return;
	}
	if (!field)
		return;
	*field = reg == VM_REG_EFER ? value | EFER_SVME : value;
	vmcb_mark_dirty(sv->vmcb, clean_bit);
}

static struct vmcb_seg *seg_field(struct vmcb *vmcb, enum vm_seg seg, uint32_t *clean_bit)
{
	struct vmcb_seg *segs[VM_SEG_COUNT] = {
		[VM_SEG_ES] = &vmcb->save.es, [VM_SEG_CS] = &vmcb->save.cs, [VM_SEG_SS] = &vmcb->save.ss,
		[VM_SEG_DS] = &vmcb->save.ds, [VM_SEG_FS] = &vmcb->save.fs, [VM_SEG_GS] = &vmcb->save.gs,
		[VM_SEG_LDTR] = &vmcb->save.ldtr, [VM_SEG_TR] = &vmcb->save.tr,
		[VM_SEG_GDTR] = &vmcb->save.gdtr, [VM_SEG_IDTR] = &vmcb->save.idtr,
	};

	/* FS, GS, TR and LDTR are VMLOAD state and have no clean bit. */
	*clean_bit = seg == VM_SEG_GDTR || seg == VM_SEG_IDTR ? VMCB_CLEAN_DT
		     : seg <= VM_SEG_DS ? VMCB_CLEAN_SEG : 0;
	return seg < VM_SEG_COUNT ? segs[seg] : NULL;
}

static void svm_get_seg(struct vcpu *vcpu, enum vm_seg seg, struct vm_segment *out)
{
	struct svm_vcpu *sv = vcpu->arch;
	uint32_t clean_bit;
	const struct vmcb_seg *s = seg_field(sv->vmcb, seg, &clean_bit);

	*out = (struct vm_segment){ .selector = s->selector, .access = s->attrib, .limit = s->limit, .base = s->base };
}

static void svm_set_seg(struct vcpu *vcpu, enum vm_seg seg, const struct vm_segment *in)
{
	struct svm_vcpu *sv = vcpu->arch;
	uint32_t clean_bit;
	struct vmcb_seg *s = seg_field(sv->vmcb, seg, &clean_bit);

	*s = (struct vmcb_seg){ .selector = in->selector, .attrib = in->access, .limit = in->limit, .base = in->base };
	if (seg == VM_SEG_SS)
		sv->vmcb->save.cpl = (in->access >> 5) & 3; /* the VMCB keeps CPL apart from SS.DPL */
	vmcb_mark_dirty(sv->vmcb, clean_bit);
}

static int svm_inject_event(struct vcpu *vcpu, const struct vm_event *ev)
{
	struct svm_vcpu *sv = vcpu->arch;

	return svm_event_inject(sv->vmcb, &sv->events, ev);
}

static bool svm_skip_instruction(struct vcpu *vcpu, const struct vm_exit *exit)
{
	struct svm_vcpu *sv = vcpu->arch;

	sv->vmcb->save.rip += exit->insn_len;
	sv->vmcb->control.interrupt_shadow = 0; /* the instruction completed: no STI/MOV SS shadow remains */
	return sv->vmcb->save.rflags & RFLAGS_TF;
}

static const char *svm_raw_exit_name(uint32_t raw)
{
	return svm_exit_name(raw == (uint32_t)SVM_EXIT_INVALID ? SVM_EXIT_INVALID : raw);
}

static bool svm_interrupt_ready(struct vcpu *vcpu)
{
	struct svm_vcpu *sv = vcpu->arch;

	return svm_event_interrupt_ready(sv->vmcb, &sv->events);
}

static void svm_request_irq_window(struct vcpu *vcpu, bool on)
{
	struct svm_vcpu *sv = vcpu->arch;

	svm_event_irq_window(sv->vmcb, &sv->events, on);
}

static void svm_cancel_events(struct vcpu *vcpu)
{
	struct svm_vcpu *sv = vcpu->arch;

	svm_event_cancel(sv->vmcb, &sv->events);
}

static void svm_flush_guest_tlb(struct vcpu *vcpu)
{
	struct svm_vcpu *sv = vcpu->arch;

	sv->vmcb->control.tlb_control = SVM_TLB_FLUSH_ALL;
}

const struct vmm_ops svm_ops = {
	.name = "AMD-V (SVM with NPT)",
	.probe = svm_probe,
	.init_cpu = svm_init_cpu,
	.vm_create = svm_vm_create,
	.vm_destroy = svm_vm_destroy,
	.map = svm_map,
	.unmap = svm_unmap,
	.vcpu_create = svm_vcpu_create,
	.vcpu_destroy = svm_vcpu_destroy,
	.run = svm_run,
	.get_reg = svm_get_reg,
	.set_reg = svm_set_reg,
	.get_seg = svm_get_seg,
	.set_seg = svm_set_seg,
	.inject_event = svm_inject_event,
	.skip_instruction = svm_skip_instruction,
	.interrupt_ready = svm_interrupt_ready,
	.request_irq_window = svm_request_irq_window,
	.cancel_events = svm_cancel_events,
	.flush_guest_tlb = svm_flush_guest_tlb,
	.raw_exit_name = svm_raw_exit_name,
	.dump_trace = svm_dump_trace,
	.hypercall_kind = BASALT_HCALL_VMMCALL,
};
