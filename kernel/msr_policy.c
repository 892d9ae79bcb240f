/* SPDX-License-Identifier: MIT */
/* MSR policy: what a guest may read and write. Known state is emulated, a few harmless identity and
 * tuning MSRs read as zero, everything else gets #GP as on a CPU without it. Host MSRs never leak. */
#include <stddef.h>

#include "arch/x86/cpu.h"
#include "drivers/pc/vlapic.h"
#include "kernel/clock.h"
#include "kernel/console.h"
#include "kernel/cr_rules.h"
#include "kernel/cr_access.h"
#include "kernel/exit.h"
#include "kernel/vm.h"
#include "kernel/vmm.h"

#define MSR_REPORT_LIMIT 8 /* refused MSRs reported per VM, so a probing guest cannot flood the console */

enum msr_kind {
	MSR_STATE, /* guest state behind a vm_reg */
	MSR_ZERO,  /* reads 0, writes are ignored: identity, microcode and tuning MSRs */
	MSR_TSC,   /* reads the TSC the guest sees; writes are ignored */
};

struct msr_rule {
	uint32_t index;
	enum msr_kind kind;
	enum vm_reg reg;
	const char *name;
};

static const struct msr_rule msr_rules[] = {
	{ 0x00000010, MSR_TSC, 0, "IA32_TSC" },
	{ 0x00000017, MSR_ZERO, 0, "IA32_PLATFORM_ID" },
	{ 0x0000008b, MSR_ZERO, 0, "IA32_BIOS_SIGN_ID/PATCH_LEVEL" },
	{ 0x00000174, MSR_STATE, VM_REG_SYSENTER_CS, "SYSENTER_CS" },
	{ 0x00000175, MSR_STATE, VM_REG_SYSENTER_ESP, "SYSENTER_ESP" },
	{ 0x00000176, MSR_STATE, VM_REG_SYSENTER_EIP, "SYSENTER_EIP" },
	{ 0x000001a0, MSR_ZERO, 0, "IA32_MISC_ENABLE" },
	{ 0x000001d9, MSR_ZERO, 0, "IA32_DEBUGCTL" },
	{ 0x00000277, MSR_STATE, VM_REG_PAT, "IA32_PAT" },
	{ 0xc0000080, MSR_STATE, VM_REG_EFER, "EFER" },
	{ 0xc0000081, MSR_STATE, VM_REG_STAR, "STAR" },
	{ 0xc0000082, MSR_STATE, VM_REG_LSTAR, "LSTAR" },
	{ 0xc0000083, MSR_STATE, VM_REG_CSTAR, "CSTAR" },
	{ 0xc0000084, MSR_STATE, VM_REG_SFMASK, "SFMASK" },
	{ 0xc0000100, MSR_STATE, VM_REG_FS_BASE, "FS_BASE" },
	{ 0xc0000101, MSR_STATE, VM_REG_GS_BASE, "GS_BASE" },
	{ 0xc0000102, MSR_STATE, VM_REG_KERNEL_GS_BASE, "KERNEL_GS_BASE" },
	{ 0xc0010010, MSR_ZERO, 0, "AMD SYSCFG" },
	{ 0xc0010015, MSR_ZERO, 0, "AMD HWCR" },
	{ 0xc001001f, MSR_ZERO, 0, "AMD NB_CFG" },
	/* Linux reads it on the family 0xf/0x10 parts QEMU's default CPU models claim to be (E400). */
	{ 0xc0010055, MSR_ZERO, 0, "AMD INT_PENDING_MSG" },
	{ 0xc0011029, MSR_ZERO, 0, "AMD DE_CFG" },
};

static const struct msr_rule *find_rule(uint32_t index)
{
	for (size_t i = 0; i < sizeof(msr_rules) / sizeof(msr_rules[0]); i++)
		if (msr_rules[i].index == index)
			return &msr_rules[i];
	return NULL;
}

/* PAT entries must be a defined memory type (0, 1, 4, 5, 6, 7), or the write is #GP. */
static bool is_valid_pat(uint64_t v)
{
	for (int i = 0; i < 8; i++) {
		unsigned t = (v >> (8 * i)) & 0xff;

		if (t == 2 || t == 3 || t > 7)
			return false;
	}
	return true;
}

/* EFER follows the architectural rules (cr_rules.c): only bits the guest's CPUID offers, no LME
 * change while paging is on, LMA kept as the CPU has it. */
static bool write_allowed(struct vcpu *vcpu, enum vm_reg reg, uint64_t *v)
{
	struct cr_state s;

	if (reg == VM_REG_EFER) {
		vcpu_read_cr_state(vcpu, &s);
		return !cr_check_efer(&s, *v, vmm_features.guest_efer_allowed, v);
	}
	if (reg == VM_REG_PAT)
		return is_valid_pat(*v);
	return true;
}

static bool msr_emulate(struct vcpu *vcpu, const struct msr_rule *rule, bool write, uint64_t *value)
{
	if (!rule)
		return false;
	if (rule->kind == MSR_ZERO || rule->kind == MSR_TSC) {
		if (!write)
			*value = rule->kind == MSR_TSC ? rdtsc() + vmm_get_reg(vcpu, VM_REG_TSC_OFFSET) : 0;
		return true;
	}
	if (!write) {
		*value = vmm_get_reg(vcpu, rule->reg);
		return true;
	}
	if (!write_allowed(vcpu, rule->reg, value))
		return false;
	vmm_set_reg(vcpu, rule->reg, *value);
	return true;
}

static void report_refused(struct vcpu *vcpu, uint32_t index, bool write, uint64_t value)
{
	struct vm *vm = vcpu->vm;

	if (__atomic_fetch_add(&vm->stats.msr_refused, 1, __ATOMIC_RELAXED) >= MSR_REPORT_LIMIT)
		return;
	if (write)
		kprintf("basalt: vm '%s': write of 0x%llx to MSR 0x%x refused (#GP)\n", vm->name,
			(unsigned long long)value, index);
	else
		kprintf("basalt: vm '%s': read of MSR 0x%x refused (#GP)\n", vm->name, index);
}

/* The APIC's MSRs under vm->lock: an ICR write reaches other vCPUs' APICs. The other MSRs are
 * the vCPU's own and stay lock-free. */
static bool lapic_msr(struct vcpu *vcpu, uint32_t index, bool write, uint64_t *value)
{
	uint64_t now = clock_ns();
	int rc;

	spin_lock(&vcpu->vm->lock);
	rc = write ? vlapic_msr_write(vcpu->lapic, index, *value, now) : vlapic_msr_read(vcpu->lapic, index, value, now);
	spin_unlock(&vcpu->vm->lock);
	return rc == 0;
}

enum exit_action exit_handle_msr(struct vcpu *vcpu, const struct vm_exit *exit)
{
	uint64_t *r = vcpu->gprs.r;
	uint64_t value = (r[GPR_RDX] << 32) | (uint32_t)r[GPR_RAX];
	const struct msr_rule *rule = find_rule(exit->u.msr.index);
	bool ok;

	/* IA32_APIC_BASE, the x2APIC range and IA32_TSC_DEADLINE belong to the vCPU's local APIC;
	 * without one they stay #GP, as on a CPU whose CPUID shows no APIC. */
	if (vcpu->lapic && vlapic_is_msr(exit->u.msr.index))
		ok = lapic_msr(vcpu, exit->u.msr.index, exit->u.msr.write, &value);
	else
		ok = msr_emulate(vcpu, rule, exit->u.msr.write, &value);
	if (!ok) {
		report_refused(vcpu, exit->u.msr.index, exit->u.msr.write, value);
		vcpu_inject_gp(vcpu);
		return EXIT_RESUME;
	}
	if (!exit->u.msr.write) {
		r[GPR_RAX] = (uint32_t)value;
		r[GPR_RDX] = value >> 32;
	}
	vcpu_skip_insn(vcpu, exit);
	return EXIT_RESUME;
}
