/* SPDX-License-Identifier: MIT */
/* The exit dispatch table and the small handlers; anything unexpected ends only the guest. */
#include "kernel/exit.h"

#include "arch/x86/smp.h"

#include "drivers/pc/vlapic.h"

#include "kernel/basalt_abi.h"
#include "kernel/clock.h"
#include "kernel/console.h"
#include "kernel/cpuid_policy.h"
#include "kernel/cr_access.h"
#include "kernel/gmem.h"
#include "kernel/gva.h"
#include "kernel/mmio.h"
#include "kernel/vcpu.h"
#include "kernel/virq.h"
#include "kernel/vm.h"
#include "kernel/vmm.h"

#define VECTOR_UD 6
#define RFLAGS_IF_BIT (1ull << 9)
#define VECTOR_GP 13

static const char *const exit_names[VM_EXIT_COUNT] = {
	[VM_EXIT_NONE] = "none", [VM_EXIT_INTR] = "intr", [VM_EXIT_NMI] = "nmi",
	[VM_EXIT_CPUID] = "cpuid", [VM_EXIT_HLT] = "hlt", [VM_EXIT_IO] = "io", [VM_EXIT_MSR] = "msr",
	[VM_EXIT_NPF] = "npf", [VM_EXIT_HYPERCALL] = "hypercall", [VM_EXIT_VIRT_INSN] = "virt_insn",
	[VM_EXIT_SHUTDOWN] = "shutdown", [VM_EXIT_INVD] = "invd", [VM_EXIT_EXCEPTION] = "exception",
	[VM_EXIT_INVALID_STATE] = "invalid_state", [VM_EXIT_IRQ_WINDOW] = "irq_window",
	[VM_EXIT_CR_ACCESS] = "cr_access", [VM_EXIT_DR_ACCESS] = "dr_access",
	[VM_EXIT_UNKNOWN] = "unknown",
};

const char *vm_exit_name(enum vm_exit_code code)
{
	return code < VM_EXIT_COUNT && exit_names[code] ? exit_names[code] : "unknown";
}

void vcpu_inject_exception(struct vcpu *vcpu, uint8_t vector, bool has_error, uint32_t error_code)
{
	struct vm_event ev = { .kind = VM_EVENT_EXCEPTION, .vector = vector, .has_error = has_error,
			       .error_code = error_code };

	if (vmm_inject(vcpu, &ev))
		vm_crash(vcpu->vm, "exception %u while another event was pending", vector);
}

void vcpu_inject_ud(struct vcpu *vcpu)
{
	vcpu_inject_exception(vcpu, VECTOR_UD, false, 0);
}

void vcpu_inject_gp(struct vcpu *vcpu)
{
	vcpu_inject_exception(vcpu, VECTOR_GP, true, 0);
}

static enum exit_action handle_resume(struct vcpu *vcpu, const struct vm_exit *exit)
{
	(void)vcpu;
	(void)exit;
	return EXIT_RESUME; /* the host interrupt already ran at STGI; the run loop checks the slice */
}

static enum exit_action handle_skip(struct vcpu *vcpu, const struct vm_exit *exit)
{
	vcpu_skip_insn(vcpu, exit); /* INVD/WBINVD: guest memory is coherent, nothing to flush */
	return EXIT_RESUME;
}

static enum exit_action handle_hlt(struct vcpu *vcpu, const struct vm_exit *exit)
{
	vcpu_skip_insn(vcpu, exit);
	return vcpu_halt(vcpu, vmm_get_reg(vcpu, VM_REG_RFLAGS) & RFLAGS_IF_BIT);
}

static enum exit_action handle_virt_insn(struct vcpu *vcpu, const struct vm_exit *exit)
{
	(void)exit;
	vcpu_inject_ud(vcpu); /* no nested virtualisation: behave like a CPU without SVM/VMX */
	return EXIT_RESUME;
}

/* A data access outside RAM is MMIO (a device or the empty bus); fetching code from there, or a
 * fault on RAM (never mapped read-only), ends the VM. */
static enum exit_action handle_npf(struct vcpu *vcpu, const struct vm_exit *exit)
{
	const struct vm_exit_npf *f = &exit->u.npf;

	if (!f->exec && !gpa_map_checked(vcpu->vm, f->gpa, 1))
		return exit_handle_mmio(vcpu, exit);
	vm_crash(vcpu->vm, "%s of unmapped guest-physical address 0x%llx at rip 0x%llx",
		 f->exec ? "instruction fetch" : f->write ? "write" : "read", (unsigned long long)f->gpa,
		 (unsigned long long)vmm_get_reg(vcpu, VM_REG_RIP));
	return EXIT_STOP;
}

static enum exit_action handle_shutdown(struct vcpu *vcpu, const struct vm_exit *exit)
{
	(void)exit;
	vm_crash(vcpu->vm, "triple fault (shutdown) at rip 0x%llx",
		 (unsigned long long)vmm_get_reg(vcpu, VM_REG_RIP));
	return EXIT_STOP;
}

static enum exit_action handle_invalid_state(struct vcpu *vcpu, const struct vm_exit *exit)
{
	vm_crash(vcpu->vm, "the CPU refused to run the guest's state (%s exit 0x%x)",
		 vmm->raw_exit_name(exit->raw_reason), exit->raw_reason);
	return EXIT_STOP;
}

static enum exit_action handle_unexpected(struct vcpu *vcpu, const struct vm_exit *exit)
{
	vm_crash(vcpu->vm, "unhandled exit %s (%s 0x%x) at rip 0x%llx", vm_exit_name(exit->code),
		 vmm->raw_exit_name(exit->raw_reason), exit->raw_reason,
		 (unsigned long long)vmm_get_reg(vcpu, VM_REG_RIP));
	return EXIT_STOP;
}

/* A host NMI that arrived in guest mode. On VT-x it is consumed by the exit, so the stop-on-panic
 * check the host's NMI handler would make is made here; on AMD-V it stays pending and reaches the
 * host's handler when GIF is set again. */
static enum exit_action handle_nmi(struct vcpu *vcpu, const struct vm_exit *exit)
{
	smp_park_if_stopping();
	return handle_resume(vcpu, exit);
}

static const exit_handler_fn exit_handlers[VM_EXIT_COUNT] = {
	[VM_EXIT_NONE] = handle_resume,
	[VM_EXIT_INTR] = handle_resume,
	[VM_EXIT_NMI] = handle_nmi,
	[VM_EXIT_IRQ_WINDOW] = handle_resume, /* the pending interrupt is injected before the next entry */
	[VM_EXIT_CPUID] = exit_handle_cpuid,
	[VM_EXIT_HLT] = handle_hlt,
	[VM_EXIT_IO] = exit_handle_io,
	[VM_EXIT_MSR] = exit_handle_msr,
	[VM_EXIT_NPF] = handle_npf,
	[VM_EXIT_HYPERCALL] = exit_handle_hypercall,
	[VM_EXIT_VIRT_INSN] = handle_virt_insn,
	[VM_EXIT_SHUTDOWN] = handle_shutdown,
	[VM_EXIT_INVD] = handle_skip,
	[VM_EXIT_INVALID_STATE] = handle_invalid_state,
	[VM_EXIT_CR_ACCESS] = exit_handle_cr,
	[VM_EXIT_DR_ACCESS] = exit_handle_dr,
};

/* Is the instruction at RIP the one the exit reports? It may not be: another vCPU (or a DMA-like
 * device later) can rewrite the bytes between the exit and our fetch. */
static bool insn_matches_exit(const struct insn *in, const struct vm_exit *exit)
{
	enum insn_kind k = insn_classify(in);

	switch (exit->code) {
	case VM_EXIT_CPUID: return k == INSN_CPUID;
	case VM_EXIT_HLT: return k == INSN_HLT;
	case VM_EXIT_INVD: return k == INSN_INVD || k == INSN_WBINVD;
	case VM_EXIT_MSR: return k == (exit->u.msr.write ? INSN_WRMSR : INSN_RDMSR);
	case VM_EXIT_HYPERCALL: return k == (vmm->hypercall_kind == BASALT_HCALL_VMMCALL ? INSN_VMMCALL : INSN_VMCALL);
	case VM_EXIT_CR_ACCESS: return k == INSN_MOV_TO_CR && in->reg == exit->u.cr.cr;
	case VM_EXIT_DR_ACCESS: return k == (exit->u.dr.write ? INSN_MOV_TO_DR : INSN_MOV_FROM_DR) && in->reg == exit->u.dr.dr;
	default: return false;
	}
}

/* Without next-RIP from the CPU (QEMU TCG), the instruction is fetched through the guest's page
 * tables and decoded, prefixes included; the decode also names the register of MOV CR/DR. false
 * means the exit is finished here: a fault was injected, or the instruction is run again. */
static bool decode_exit(struct vcpu *vcpu, struct vm_exit *exit)
{
	struct insn in;

	if (!gva_decode_for_exit(vcpu, &in) || !insn_matches_exit(&in, exit))
		return false;
	exit->insn_len = in.len;
	exit->decode = false;
	if (exit->code == VM_EXIT_CR_ACCESS && exit->u.cr.gpr < 0)
		exit->u.cr.gpr = (int8_t)in.rm;
	if (exit->code == VM_EXIT_DR_ACCESS && exit->u.dr.gpr < 0)
		exit->u.dr.gpr = (int8_t)in.rm;
	return true;
}

enum exit_action exit_dispatch(struct vcpu *vcpu, const struct vm_exit *exit)
{
	exit_handler_fn fn = exit->code < VM_EXIT_COUNT ? exit_handlers[exit->code] : NULL;
	struct vm_exit decoded;

	/* Relaxed atomic: the VM's vCPUs may count on several cores at once. */
	__atomic_fetch_add(&vcpu->vm->stats.exits[exit->code < VM_EXIT_COUNT ? exit->code : VM_EXIT_UNKNOWN], 1,
			   __ATOMIC_RELAXED);
	if (exit->decode && fn) {
		decoded = *exit;
		if (!decode_exit(vcpu, &decoded))
			return vm_is_running(vcpu->vm) ? EXIT_RESUME : EXIT_STOP;
		exit = &decoded;
	}
	return (fn ? fn : handle_unexpected)(vcpu, exit);
}

/* CPUID announces the local APIC exactly when the vCPU has one (pc platform). */
static bool lapic_announced(const struct vcpu *vcpu)
{
	return vcpu->lapic != NULL;
}

static const struct vcpu_cpuid_entry *cpuid_lookup(struct vcpu *vcpu, uint32_t leaf, uint32_t subleaf)
{
	struct vcpu_cpuid_entry *e = &vcpu->cpuid_cache[(leaf ^ (leaf >> 28) ^ subleaf) % VCPU_CPUID_CACHE];
	struct cpuid_guest g;
	struct cpuid_result out;

	if (e->valid && e->leaf == leaf && e->subleaf == subleaf)
		return e;
	g = (struct cpuid_guest){ .vcpu_id = vcpu->id, .nr_vcpus = vcpu->vm->nr_vcpus,
				  .hypercall_kind = vmm->hypercall_kind, .tsc_hz = clock_tsc_hz(),
				  .has_lapic = lapic_announced(vcpu), .lapic_bus_hz = VLAPIC_BUS_HZ };
	cpuid_policy_apply(&g, leaf, subleaf, &out);
	*e = (struct vcpu_cpuid_entry){ .leaf = leaf, .subleaf = subleaf, .valid = true,
					.regs = { out.eax, out.ebx, out.ecx, out.edx } };
	return e;
}

uint32_t vcpu_cpu_signature(struct vcpu *vcpu)
{
	return cpuid_lookup(vcpu, 1, 0)->regs[0];
}

enum exit_action exit_handle_cpuid(struct vcpu *vcpu, const struct vm_exit *exit)
{
	uint64_t *r = vcpu->gprs.r;
	const struct vcpu_cpuid_entry *e = cpuid_lookup(vcpu, (uint32_t)r[GPR_RAX], (uint32_t)r[GPR_RCX]);

	r[GPR_RAX] = e->regs[0];
	r[GPR_RBX] = e->regs[1];
	r[GPR_RCX] = e->regs[2];
	r[GPR_RDX] = e->regs[3];
	vcpu_skip_insn(vcpu, exit);
	return EXIT_RESUME;
}
