/* SPDX-License-Identifier: MIT */
/* Prints an AMD-V vCPU's last exits (EXIT_TRACE=1 builds) after its VM crashed. */
#include "arch/x86/percpu.h"
#include "arch/x86/svm/svm.h"
#include "kernel/console.h"
#include "kernel/mem.h"
#include "kernel/vm.h"

#ifdef BASALT_EXIT_TRACE
static void dump_entry(const struct svm_trace_entry *e, uint32_t n)
{
	kprintf("  #%u cpu %u exit 0x%x rip 0x%llx rsp 0x%llx rflags 0x%llx in: inj 0x%llx vintr 0x%llx"
		" out: intinfo 0x%llx info1 0x%llx info2 0x%llx\n",
		n, e->cpu, e->exit_code, (unsigned long long)e->rip, (unsigned long long)e->rsp,
		(unsigned long long)e->rflags, (unsigned long long)e->event_inj, (unsigned long long)e->vintr,
		(unsigned long long)e->exit_int_info, (unsigned long long)e->exit_info_1,
		(unsigned long long)e->exit_info_2);
}
#endif

void svm_dump_trace(struct vcpu *vcpu)
{
#ifdef BASALT_EXIT_TRACE
	const struct svm_vcpu *sv = vcpu->arch;
	const struct vmcb_save *s;
	uint32_t first;

	if (!sv)
		return;
	s = &sv->vmcb->save;
	kprintf("basalt: vm '%s' vCPU %u: last exits of %u (VMCB 0x%llx: rip 0x%llx rsp 0x%llx cr3 0x%llx gdtr 0x%llx)\n",
		vcpu->vm->name, vcpu->id, sv->trace.count, (unsigned long long)sv->vmcb_pa,
		(unsigned long long)s->rip, (unsigned long long)s->rsp, (unsigned long long)s->cr3,
		(unsigned long long)s->gdtr.base);
	first = sv->trace.count > SVM_TRACE_LEN ? sv->trace.count - SVM_TRACE_LEN : 0;
	for (uint32_t n = first; n < sv->trace.count; n++)
		dump_entry(&sv->trace.e[n % SVM_TRACE_LEN], n);
	/* What each CPU's host save area held at its last VMRUN: a guest state equal to one of these
	 * is host state that came back as the guest's (README, Known problem). */
	for (unsigned c = 0; c < cpu_count; c++) {
		const struct vmcb *h = phys_to_virt(percpu_area[c].hsave_pa);

		kprintf("  cpu %u host save area: rip 0x%llx rsp 0x%llx cr3 0x%llx gdtr 0x%llx\n", c,
			(unsigned long long)h->save.rip, (unsigned long long)h->save.rsp,
			(unsigned long long)h->save.cr3, (unsigned long long)h->save.gdtr.base);
	}
#else
	(void)vcpu;
#endif
}
