/* SPDX-License-Identifier: MIT */
/* Emulated CR/DR accesses and how an emulated instruction ends (single step, I/O breakpoints). */
#ifndef BASALT_CR_ACCESS_H
#define BASALT_CR_ACCESS_H

#include <stdbool.h>
#include <stdint.h>

#include "kernel/exit.h"

struct vcpu;
struct cr_state;

enum exit_action exit_handle_cr(struct vcpu *vcpu, const struct vm_exit *exit);
enum exit_action exit_handle_dr(struct vcpu *vcpu, const struct vm_exit *exit);

/* Moves RIP past the emulated instruction, then raises what the CPU would have raised after it:
 * the single-step trap when RFLAGS.TF was set, plus dr6_bits (I/O breakpoint hits). Every handler
 * that completes an instruction ends this way. */
void vcpu_finish_insn(struct vcpu *vcpu, const struct vm_exit *exit, uint64_t dr6_bits);
void vcpu_skip_insn(struct vcpu *vcpu, const struct vm_exit *exit);
/* DR6 B0-B3 bits of enabled I/O breakpoints that IN/OUT on [port, port+size) hits. */
uint64_t vcpu_io_breakpoints(struct vcpu *vcpu, uint16_t port, uint8_t size);
/* Sets dr6_bits in the guest's DR6 and injects #DB. */
void vcpu_raise_debug(struct vcpu *vcpu, uint64_t dr6_bits);
/* The guest's CR0, CR4, EFER and whether it runs 64-bit code. */
void vcpu_read_cr_state(struct vcpu *vcpu, struct cr_state *s);
/* Puts the guest's DR0-DR3 into this CPU unless they are there already (a CPU that ran only vCPUs
 * that never set them keeps zeros: *cpu_clean). */
void vcpu_load_debug_regs(struct vcpu *vcpu, bool *cpu_clean);

#endif
