/* SPDX-License-Identifier: MIT */
/* Exit dispatch: one handler per neutral exit code; the answer tells the run loop what to do next. */
#ifndef BASALT_EXIT_H
#define BASALT_EXIT_H

#include <stdbool.h>
#include <stdint.h>

#include "kernel/vm_exit.h"

struct vcpu;

enum exit_action {
	EXIT_RESUME, /* enter the guest again */
	EXIT_YIELD,  /* give up the rest of the slice */
	EXIT_BLOCK,  /* the vCPU waits (HLT with a wake time) */
	EXIT_STOP,   /* the VM ended */
};

typedef enum exit_action (*exit_handler_fn)(struct vcpu *vcpu, const struct vm_exit *exit);

enum exit_action exit_dispatch(struct vcpu *vcpu, const struct vm_exit *exit);

/* Handlers that live in their own files. */
enum exit_action exit_handle_io(struct vcpu *vcpu, const struct vm_exit *exit);
enum exit_action exit_handle_hypercall(struct vcpu *vcpu, const struct vm_exit *exit);
enum exit_action exit_handle_cpuid(struct vcpu *vcpu, const struct vm_exit *exit);
enum exit_action exit_handle_msr(struct vcpu *vcpu, const struct vm_exit *exit);

/* Queues an exception for the guest; one already pending (which never happens on these paths)
 * ends the VM rather than losing either. */
void vcpu_inject_exception(struct vcpu *vcpu, uint8_t vector, bool has_error, uint32_t error_code);
/* Delivers #UD / #GP(0) to the guest. */
void vcpu_inject_ud(struct vcpu *vcpu);
void vcpu_inject_gp(struct vcpu *vcpu);
/* The vCPU's family/model/stepping (its CPUID leaf 1 EAX), as EDX holds it after INIT. */
uint32_t vcpu_cpu_signature(struct vcpu *vcpu);

#endif
