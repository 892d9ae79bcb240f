/* SPDX-License-Identifier: MIT */
/* Translation of VMCB exit state into vendor-neutral struct vm_exit. Plain C, unit-tested on the host. */
#ifndef BASALT_SVM_EXIT_H
#define BASALT_SVM_EXIT_H

#include <stdbool.h>
#include <stdint.h>

#include "arch/x86/svm/vmcb.h"
#include "kernel/vm_exit.h"
#include "kernel/vmm.h"

/* Fills exit from vmcb. f->next_rip: the CPU wrote next_rip (NRIPS), else exit->decode asks the
 * core to decode instructions whose length it needs; f->decode_assist: EXITINFO1 names the GPR of
 * MOV CR/DR intercepts. guest_rcx: the guest's RCX (the MSR index; RCX is not in the VMCB). */
void svm_translate_exit(const struct vmcb *vmcb, const struct vmm_features *f, uint64_t guest_rcx,
			struct vm_exit *exit);
/* Name of an SVM exit code for messages ("cpuid", "npf", ...) or "unknown". */
const char *svm_exit_name(uint64_t code);

#endif
