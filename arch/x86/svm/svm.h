/* SPDX-License-Identifier: MIT */
/* AMD-V backend: the svm_ops table and its private per-vCPU state. */
#ifndef BASALT_SVM_H
#define BASALT_SVM_H

#include <stdint.h>

#include "arch/x86/svm/svm_event.h"
#include "arch/x86/svm/svm_trace.h"
#include "arch/x86/svm/vmcb.h"
#include "kernel/vmm.h"

struct guest_gprs;

struct svm_vcpu {
	struct vmcb *vmcb;
	uint64_t vmcb_pa;
	uint32_t asid;
	uint64_t asid_generation; /* the CPU generation the ASID belongs to; stale means pick a new one */
	int asid_cpu;             /* the CPU whose ASID space `asid` is from; -1 = none yet */
	int last_cpu;             /* where the VMCB last ran; -1 = nowhere */
	struct svm_events events; /* an outstanding V_IRQ offer (svm_event.c) */
	struct svm_trace trace;   /* the last exits, with EXIT_TRACE=1 (svm_trace.h); the page has room */
};

/* One page each (svm_vcpu_create), trace included. */
_Static_assert(sizeof(struct svm_vcpu) <= 4096, "struct svm_vcpu fits its page");

extern const struct vmm_ops svm_ops;

/* vmm_ops.dump_trace: the vCPU's last exits (EXIT_TRACE=1 builds; otherwise nothing). */
void svm_dump_trace(struct vcpu *vcpu);

/* Assembly: loads guest GPRs, VMLOAD/VMRUN/VMSAVE, stores GPRs, VMLOAD host; GIF and IF handled inside. */
void svm_enter_guest(struct guest_gprs *gprs, uint64_t vmcb_pa, uint64_t host_vmcb_pa);

#endif
