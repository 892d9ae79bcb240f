/* SPDX-License-Identifier: MIT */
/* Fills a fresh VMCS: controls from the capability MSRs, host state, guest defaults, CR ownership. */
#include <string.h>

#include "arch/x86/cpu.h"
#include "arch/x86/cr.h"
#include "arch/x86/gdt.h"
#include "arch/x86/idt.h"
#include "arch/x86/msr.h"
#include "arch/x86/percpu.h"
#include "arch/x86/vmx/vmcs.h"
#include "arch/x86/vmx/vmx.h"
#include "arch/x86/vmx/vmx_insn.h"
#include "kernel/clock.h"
#include "kernel/errno.h"
#include "kernel/mem.h"
#include "kernel/panic.h"

#define GUEST_PAT_DEFAULT 0x0007040600070406ull

static void *io_bitmaps; /* A and B: two pages, every port exits */
static void *msr_bitmap;  /* MSRs exit to the core's MSR policy unless switched with the guest */

static const uint32_t switched_msrs[VMX_SWITCHED_MSRS] = {
	MSR_KERNEL_GS_BASE, MSR_STAR, MSR_LSTAR, MSR_CSTAR, MSR_SFMASK,
};
/* Guest state the VMCS or the MSR area keeps: the guest may access these MSRs directly. */
static const uint32_t passthrough_msrs[] = {
	MSR_IA32_SYSENTER_CS, MSR_IA32_SYSENTER_ESP, MSR_IA32_SYSENTER_EIP, MSR_FS_BASE, MSR_GS_BASE,
	MSR_KERNEL_GS_BASE, MSR_STAR, MSR_LSTAR, MSR_CSTAR, MSR_SFMASK,
};

/* The MSR bitmap: read bitmaps for low (0-0x1fff) and high (0xc0000000-) MSRs, then write bitmaps. */
static void msr_bitmap_allow(uint8_t *map, uint32_t msr)
{
	uint32_t base = msr >= 0xc0000000u ? 0x400 : 0;
	uint32_t bit = msr & 0x1fffu;

	map[base + bit / 8] &= (uint8_t)~(1u << (bit % 8));
	map[0x800 + base + bit / 8] &= (uint8_t)~(1u << (bit % 8));
}

int vmx_switched_msr_slot(uint32_t msr)
{
	for (int i = 0; i < VMX_SWITCHED_MSRS; i++)
		if (switched_msrs[i] == msr)
			return i;
	return -1;
}

/* Host state that differs between host CPUs: the tables and the per-CPU GS base. */
static void write_host_cpu_state(void)
{
	vmwrite(VMCS_HOST_GS_BASE, (uint64_t)(uintptr_t)this_cpu());
	vmwrite(VMCS_HOST_TR_BASE, tss_base());
	vmwrite(VMCS_HOST_GDTR_BASE, gdt_base());
}

/* A VMCS is active on at most one CPU (SDM 3C 25.11.1): it arrives clear (vmx_vmcs_init clears it
 * when several CPUs run guests, vmx_vcpu_put after each turn), is loaded here, gets this CPU's
 * host state, and forgets guest translations this CPU may still cache from an earlier visit
 * (INVEPT single context covers every mapping derived from this EPT, under any VPID). */
static void activate_here(struct vmx_vcpu *vv, struct percpu *pc)
{
	if (vv->active_cpu >= 0)
		panic("vmx: VMCS of a vCPU active on cpu %d is wanted on cpu %u", vv->active_cpu, pc->id);
	vmptrld(vv->vmcs_pa);
	pc->current_vmcs = vv->vmcs;
	vv->active_cpu = (int)pc->id;
	vv->launched = false;
	write_host_cpu_state();
	invept(INVEPT_SINGLE_CONTEXT, vv->eptp);
}

void vmx_load(struct vmx_vcpu *vv)
{
	struct percpu *pc = this_cpu();

	if (pc->current_vmcs == vv->vmcs)
		return;
	if (vv->active_cpu == (int)pc->id) {
		vmptrld(vv->vmcs_pa);
		pc->current_vmcs = vv->vmcs;
		return;
	}
	activate_here(vv, pc);
}

/* After a turn on a machine where the vCPU may run on another CPU next: VMCLEAR writes the
 * VMCS back to memory, so any CPU may load it. */
void vmx_release(struct vmx_vcpu *vv)
{
	struct percpu *pc = this_cpu();

	if (cpu_count == 1 || vv->active_cpu != (int)pc->id)
		return;
	vmclear(vv->vmcs_pa);
	if (pc->current_vmcs == vv->vmcs)
		pc->current_vmcs = NULL;
	vv->active_cpu = -1;
	vv->launched = false;
}

/* Host-owned bits: a guest MOV that would change one exits to the core (kernel/cr_access.c), which
 * checks it as the CPU would, and the guest reads its own value from the shadow. Owned are the bits
 * the CPU forces in VMX operation, CR0.PG (a paging switch changes EFER.LMA, which the entry
 * controls must follow), and every CR4 bit the guest's CPUID does not offer: VMX would accept
 * them natively (OSXSAVE with the host's XCR0, for one). */
static uint64_t cr_mask(int cr)
{
	uint64_t fixed0 = cr == 0 ? vmx_caps.cr0_fixed0 : vmx_caps.cr4_fixed0;
	uint64_t fixed1 = cr == 0 ? vmx_caps.cr0_fixed1 : vmx_caps.cr4_fixed1;

	if (cr == 0 && (vmx_controls.proc2 & PROC2_UNRESTRICTED_GUEST))
		fixed0 &= ~(CR0_PE | CR0_PG);
	if (cr == 0)
		return fixed0 | ~fixed1 | CR0_PG;
	return fixed0 | ~fixed1 | ~vmm_features.guest_cr4_allowed;
}

void vmx_set_cr(struct vmx_vcpu *vv, int cr, uint64_t value)
{
	uint64_t fixed0 = cr == 0 ? vmx_caps.cr0_fixed0 : vmx_caps.cr4_fixed0;
	uint64_t fixed1 = cr == 0 ? vmx_caps.cr0_fixed1 : vmx_caps.cr4_fixed1;

	(void)vv;
	if (cr == 0 && (vmx_controls.proc2 & PROC2_UNRESTRICTED_GUEST))
		fixed0 &= ~(CR0_PE | CR0_PG);
	vmwrite(cr == 0 ? VMCS_CR0_SHADOW : VMCS_CR4_SHADOW, value);
	vmwrite(cr == 0 ? VMCS_GUEST_CR0 : VMCS_GUEST_CR4, vmx_apply_fixed(value, fixed0, fixed1));
}

uint64_t vmx_get_cr(int cr)
{
	uint64_t mask = cr_mask(cr);
	uint64_t actual = vmread(cr == 0 ? VMCS_GUEST_CR0 : VMCS_GUEST_CR4);
	uint64_t shadow = vmread(cr == 0 ? VMCS_CR0_SHADOW : VMCS_CR4_SHADOW);

	return (actual & ~mask) | (shadow & mask);
}

static int alloc_bitmaps(void)
{
	if (io_bitmaps)
		return 0;
	io_bitmaps = pages_alloc(2, PAGE_SIZE);
	msr_bitmap = page_alloc();
	if (!io_bitmaps || !msr_bitmap)
		return -ENOMEM;
	memset(io_bitmaps, 0xff, 2 * PAGE_SIZE);
	memset(msr_bitmap, 0xff, PAGE_SIZE);
	for (size_t i = 0; i < sizeof(passthrough_msrs) / sizeof(passthrough_msrs[0]); i++)
		msr_bitmap_allow(msr_bitmap, passthrough_msrs[i]);
	return 0;
}

static void write_host_state(void)
{
	vmwrite(VMCS_HOST_CR0, read_cr0());
	vmwrite(VMCS_HOST_CR3, read_cr3());
	vmwrite(VMCS_HOST_CR4, read_cr4());
	vmwrite(VMCS_HOST_CS_SEL, GDT_CODE);
	vmwrite(VMCS_HOST_SS_SEL, GDT_DATA);
	vmwrite(VMCS_HOST_DS_SEL, GDT_DATA);
	vmwrite(VMCS_HOST_ES_SEL, GDT_DATA);
	vmwrite(VMCS_HOST_FS_SEL, 0);
	vmwrite(VMCS_HOST_GS_SEL, 0);
	vmwrite(VMCS_HOST_TR_SEL, GDT_TSS);
	vmwrite(VMCS_HOST_FS_BASE, 0);
	write_host_cpu_state();
	vmwrite(VMCS_HOST_IDTR_BASE, idt_base());
	vmwrite(VMCS_HOST_SYSENTER_CS, 0);
	vmwrite(VMCS_HOST_SYSENTER_ESP, 0);
	vmwrite(VMCS_HOST_SYSENTER_EIP, 0);
	vmwrite(VMCS_HOST_EFER, rdmsr(MSR_EFER));
	vmwrite(VMCS_HOST_PAT, rdmsr(MSR_IA32_PAT));
	vmwrite(VMCS_HOST_RIP, (uint64_t)(uintptr_t)vmx_exit_point);
}

#define PREEMPTION_PERIOD_US 1000 /* with the timer on, the guest exits at least this often */

/* The preemption timer counts the TSC shifted right by IA32_VMX_MISC[4:0]; it restarts from this
 * value at every entry because its value is not saved on exit. */
static uint32_t preemption_timer_value(void)
{
	uint64_t ticks = clock_tsc_hz() / 1000000 * PREEMPTION_PERIOD_US >> (vmx_caps.misc & 0x1f);

	return ticks > 0xffffffffu ? 0xffffffffu : ticks ? (uint32_t)ticks : 1;
}

static void write_controls(struct vmx_vcpu *vv, uint64_t eptp)
{
	vmwrite(VMCS_PIN_CONTROLS, vmx_controls.pin);
	if (vmx_controls.pin & PIN_PREEMPTION_TIMER)
		vmwrite(VMCS_PREEMPTION_TIMER, preemption_timer_value());
	vv->proc_controls = vmx_controls.proc;
	vmwrite(VMCS_PROC_CONTROLS, vv->proc_controls);
	vmwrite(VMCS_PROC_CONTROLS2, vmx_controls.proc2);
	vmwrite(VMCS_EXIT_CONTROLS, vmx_controls.exit);
	vv->entry_controls = vmx_controls.entry;
	vmwrite(VMCS_ENTRY_CONTROLS, vv->entry_controls);
	vmwrite(VMCS_EXCEPTION_BITMAP, 0);
	vmwrite(VMCS_CR3_TARGET_COUNT, 0);
	/* One area serves both ways: the guest's values are loaded at entry and stored back at exit.
	 * The host never uses these MSRs, so nothing needs restoring for it. */
	for (int i = 0; i < VMX_SWITCHED_MSRS; i++)
		vv->msrs[i] = (struct vmx_msr_entry){ .index = switched_msrs[i] };
	vmwrite(VMCS_EXIT_MSR_STORE_ADDR, virt_to_phys(vv->msrs));
	vmwrite(VMCS_ENTRY_MSR_LOAD_ADDR, virt_to_phys(vv->msrs));
	vmwrite(VMCS_EXIT_MSR_STORE_COUNT, VMX_SWITCHED_MSRS);
	vmwrite(VMCS_EXIT_MSR_LOAD_COUNT, 0);
	vmwrite(VMCS_ENTRY_MSR_LOAD_COUNT, VMX_SWITCHED_MSRS);
	vmwrite(VMCS_ENTRY_INTR_INFO, 0);
	vmwrite(VMCS_IO_BITMAP_A, virt_to_phys(io_bitmaps));
	vmwrite(VMCS_IO_BITMAP_B, virt_to_phys(io_bitmaps) + PAGE_SIZE);
	vmwrite(VMCS_MSR_BITMAP, virt_to_phys(msr_bitmap));
	vmwrite(VMCS_TSC_OFFSET, 0);
	vmwrite(VMCS_EPT_POINTER, eptp);
	if (vmx_controls.proc2 & PROC2_ENABLE_VPID)
		vmwrite(VMCS_VPID, vv->vpid);
	vmwrite(VMCS_CR0_MASK, cr_mask(0));
	vmwrite(VMCS_CR4_MASK, cr_mask(4));
}

static void write_guest_defaults(struct vmx_vcpu *vv)
{
	vmwrite(VMCS_LINK_POINTER, ~0ull);
	vmwrite(VMCS_GUEST_ACTIVITY, 0);
	vmwrite(VMCS_GUEST_INTERRUPTIBILITY, 0);
	vmwrite(VMCS_GUEST_PENDING_DEBUG, 0);
	vmwrite(VMCS_GUEST_DEBUGCTL, 0);
	vmwrite(VMCS_GUEST_SYSENTER_CS, 0);
	vmwrite(VMCS_GUEST_SYSENTER_ESP, 0);
	vmwrite(VMCS_GUEST_SYSENTER_EIP, 0);
	vmwrite(VMCS_GUEST_DR7, 0x400);
	vmwrite(VMCS_GUEST_PAT, GUEST_PAT_DEFAULT);
	vmwrite(VMCS_GUEST_EFER, 0);
	vmwrite(VMCS_GUEST_RFLAGS, RFLAGS_RESERVED1);
	vmx_set_cr(vv, 0, CR0_ET | CR0_NE);
	vmx_set_cr(vv, 4, 0);
}

int vmx_vmcs_init(struct vmx_vcpu *vv, uint64_t eptp)
{
	int rc = alloc_bitmaps();

	if (rc)
		return rc;
	*(uint32_t *)vv->vmcs = VMX_BASIC_REVISION(vmx_caps.basic);
	if (vmclear(vv->vmcs_pa) || vmptrld(vv->vmcs_pa))
		return -EIO;
	this_cpu()->current_vmcs = vv->vmcs;
	vv->active_cpu = (int)this_cpu_id();
	vv->eptp = eptp;
	write_controls(vv, eptp);
	write_host_state();
	write_guest_defaults(vv);
	vmx_release(vv); /* several CPUs: it starts clear, wherever it runs first */
	return 0;
}
