/* SPDX-License-Identifier: MIT */
/* Translation of VMCB exit state into vendor-neutral struct vm_exit. Plain C, unit-tested on the host. */
#ifndef BASALT_SVM_EXIT_H
#define BASALT_SVM_EXIT_H

#include <stdbool.h>
#include <stdint.h>

#include "arch/x86/svm/vmcb.h"
#include "kernel/vm_exit.h"

/* Fills exit from vmcb. has_nrips: the CPU wrote next_rip (CPUID 0x8000000A EDX bit 3).
 * guest_rcx: the guest's RCX (the MSR index for MSR exits; RCX is not in the VMCB). */
void svm_translate_exit(const struct vmcb *vmcb, bool has_nrips, uint64_t guest_rcx, struct vm_exit *exit);
/* Name of an SVM exit code for messages ("cpuid", "npf", ...) or "unknown". */
const char *svm_exit_name(uint64_t code);

#endif
