/* SPDX-License-Identifier: MIT */
/* Guest MMIO: device models claim guest-physical ranges; accesses there are decoded and emulated. */
#ifndef BASALT_MMIO_H
#define BASALT_MMIO_H

#include <stdbool.h>
#include <stdint.h>

#include "kernel/exit.h"

struct vm;
struct vcpu;

/*
 * One access of size 1, 2, 4 or 8 bytes at gpa (naturally aligned or not: the model decides what
 * an unaligned or odd-width access does, as its hardware would). A write passes *value; a read
 * fills it (the caller masks it to size). Returns 0; a negative value makes it an access to an
 * empty bus (reads all ones, writes dropped, counted). A model that must end the VM calls vm_crash.
 */
typedef int (*mmio_fn)(struct vcpu *vcpu, void *dev, uint64_t gpa, unsigned size, bool write, uint64_t *value);

struct mmio_range {
	uint64_t base;
	uint64_t size;
	mmio_fn handler;
	void *dev;
};

#define VM_MAX_MMIO 32

/* Claims [base, base+size) for dev. 0, -EINVAL (empty, wrapping, overlaps RAM), -EEXIST (overlaps
 * another range) or -ENOSPC. The range stays unmapped in the nested page tables so every access exits. */
int vm_register_mmio(struct vm *vm, uint64_t base, uint64_t size, mmio_fn handler, void *dev);
/* Gives up the range that starts at base and belongs to dev (a BAR moving). 0 or -ENOENT. */
int vm_unregister_mmio(struct vm *vm, uint64_t base, void *dev);
/* The range containing gpa, or NULL. */
const struct mmio_range *vm_find_mmio(const struct vm *vm, uint64_t gpa);
/* One access through the VM's MMIO map (empty bus where no model claims it). */
void mmio_access(struct vcpu *vcpu, uint64_t gpa, unsigned size, bool write, uint64_t *value);
/* A nested page fault on an address that is not RAM: decode the instruction, emulate it against the
 * device (or the empty bus), or end only this VM saying why (bytes, address). */
enum exit_action exit_handle_mmio(struct vcpu *vcpu, const struct vm_exit *exit);

#endif
