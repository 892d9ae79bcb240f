/* SPDX-License-Identifier: MIT */
/* Guest-linear memory as the running vCPU sees it: its own page tables, its own privilege level. */
#ifndef BASALT_GVA_H
#define BASALT_GVA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arch/x86/insn_decode.h"

struct vcpu;

/* What the guest gets when an access fails as it would on the CPU. */
struct gva_fault {
	uint8_t vector;     /* 14 (#PF) or 13 (#GP, non-canonical address) */
	uint32_t error;     /* #PF error code */
	uint64_t address;   /* CR2 for #PF */
};

/*
 * Copies len bytes between the hypervisor and guest-linear address la (page by page, with write or
 * read permission and the vCPU's CPL). 0; -EFAULT with *fault filled (the caller injects it with
 * vcpu_inject_fault); -EIO when the guest's page tables point outside its RAM (the caller ends
 * the VM).
 */
int gva_read(struct vcpu *vcpu, uint64_t la, void *dst, size_t len, struct gva_fault *fault);
int gva_write(struct vcpu *vcpu, uint64_t la, const void *src, size_t len, struct gva_fault *fault);
/* Linear -> guest-physical for one data access (read or write) at the vCPU's CPL. 0 with *gpa;
 * -EFAULT with *fault, or -EIO, as gva_read. */
int gva_translate(struct vcpu *vcpu, uint64_t la, bool write, uint64_t *gpa, struct gva_fault *fault);
/* The code segment's mode (16/32/64-bit), as the decoder needs it. */
enum insn_mode gva_code_mode(struct vcpu *vcpu);
/* Fetches and decodes the instruction at CS:RIP. 0; -EFAULT (*fault) or -EIO as above; -EINVAL
 * when the bytes there are no instruction (they changed since the exit); -ENOTSUP for encodings
 * the decoder does not claim (VEX, EVEX...). */
int gva_decode_current(struct vcpu *vcpu, struct insn *insn, struct gva_fault *fault);
/* Delivers a fault gva_* reported (CR2 included). */
void vcpu_inject_fault(struct vcpu *vcpu, const struct gva_fault *fault);
/* gva_decode_current for an exit handler: true with *insn decoded; false when the exit ends here
 * (the guest got its fault, the VM was ended, or the bytes are no instruction any more and the
 * guest simply runs them again). */
bool gva_decode_for_exit(struct vcpu *vcpu, struct insn *insn);

#endif
