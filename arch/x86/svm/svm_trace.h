/* SPDX-License-Identifier: MIT */
/* The last exits of each AMD-V vCPU, kept when built with EXIT_TRACE=1 and printed when its VM crashes. */
#ifndef BASALT_SVM_TRACE_H
#define BASALT_SVM_TRACE_H

#include <stdint.h>

#include "arch/x86/svm/vmcb.h"

/*
 * A flight recorder for bugs that show only under load: per exit, where the guest was, what went in
 * (EVENTINJ, the V_IRQ offer) and what came out (exit code and info, EXITINTINFO). Off by default:
 * it costs a dozen stores per exit, which the bench would count. `make EXIT_TRACE=1` builds it in.
 * Written only by the CPU running the vCPU; read when its VM has crashed (a racing entry on another
 * core may tear the newest record, which a post-mortem can live with).
 */
#define SVM_TRACE_LEN 32

struct svm_trace_entry {
	uint32_t cpu, exit_code;
	uint64_t rip, rsp, rflags;
	uint64_t event_inj;   /* at entry */
	uint64_t vintr;       /* at entry: V_IRQ offer or window, V_TPR */
	uint64_t exit_int_info, exit_info_1, exit_info_2;
};

struct svm_trace {
	uint32_t count; /* exits recorded so far; the last SVM_TRACE_LEN are kept */
	struct svm_trace_entry e[SVM_TRACE_LEN];
};

#ifdef BASALT_EXIT_TRACE
/* Before VMRUN: what goes in. */
static inline void svm_trace_entry_state(struct svm_trace *t, const struct vmcb *vmcb, uint32_t cpu)
{
	struct svm_trace_entry *e = &t->e[t->count % SVM_TRACE_LEN];

	e->cpu = cpu;
	e->event_inj = vmcb->control.event_inj;
	e->vintr = vmcb->control.vintr;
}

/* After #VMEXIT: what came out. */
static inline void svm_trace_exit_state(struct svm_trace *t, const struct vmcb *vmcb)
{
	struct svm_trace_entry *e = &t->e[t->count++ % SVM_TRACE_LEN];

	e->exit_code = (uint32_t)vmcb->control.exit_code;
	e->rip = vmcb->save.rip;
	e->rsp = vmcb->save.rsp;
	e->rflags = vmcb->save.rflags;
	e->exit_int_info = vmcb->control.exit_int_info;
	e->exit_info_1 = vmcb->control.exit_info_1;
	e->exit_info_2 = vmcb->control.exit_info_2;
}
#else
static inline void svm_trace_entry_state(struct svm_trace *t, const struct vmcb *vmcb, uint32_t cpu)
{
	(void)t;
	(void)vmcb;
	(void)cpu;
}

static inline void svm_trace_exit_state(struct svm_trace *t, const struct vmcb *vmcb)
{
	(void)t;
	(void)vmcb;
}
#endif

#endif
