/* SPDX-License-Identifier: MIT */
/* VT-x capability logic: control values from the capability MSRs, CR fixed bits, feature control. Pure C. */
#ifndef BASALT_VMX_CAPS_H
#define BASALT_VMX_CAPS_H

#include <stddef.h>
#include <stdint.h>

#define VMX_BASIC_TRUE_CTLS (1ull << 55)
#define VMX_BASIC_REVISION(b) ((uint32_t)(b) & 0x7fffffffu)

#define FEATURE_CONTROL_LOCK (1ull << 0)
#define FEATURE_CONTROL_VMX_OUTSIDE_SMX (1ull << 2)

/* EPT/VPID capability bits (IA32_VMX_EPT_VPID_CAP) */
#define EPT_CAP_WALK_4 (1ull << 6)
#define EPT_CAP_WB (1ull << 14)
#define EPT_CAP_2M (1ull << 16)
#define EPT_CAP_1G (1ull << 17)
#define EPT_CAP_INVEPT (1ull << 20)
#define EPT_CAP_INVEPT_ALL (1ull << 26)
#define VPID_CAP_INVVPID (1ull << 32)
#define VPID_CAP_INVVPID_ALL (1ull << 42)

/* The capability MSR values, already the TRUE_* variants when IA32_VMX_BASIC offers them. */
struct vmx_caps {
	uint64_t basic;
	uint64_t misc; /* IA32_VMX_MISC: bits 4:0 = TSC shift of the preemption timer */
	uint64_t pin, proc, proc2, exit, entry;
	uint64_t cr0_fixed0, cr0_fixed1, cr4_fixed0, cr4_fixed1;
	uint64_t ept_vpid;
};

struct vmx_controls {
	uint32_t pin, proc, proc2, exit, entry;
};

/* A control value: wanted bits where allowed, plus the bits the CPU forces on.
 * Returns -ENOTSUP when a bit in `need` cannot be set (missing bits in *missing). */
int vmx_adjust_control(uint64_t cap_msr, uint32_t want, uint32_t need, uint32_t *out, uint32_t *missing);
/* Every control Basalt uses; on failure `why` names the control word and the missing bits. */
int vmx_compute_controls(const struct vmx_caps *caps, struct vmx_controls *out, char *why, size_t why_len);
/* Applies CR0/CR4 fixed bits: bits set in fixed0 must be 1, bits clear in fixed1 must be 0. */
uint64_t vmx_apply_fixed(uint64_t value, uint64_t fixed0, uint64_t fixed1);
/* What to write to IA32_FEATURE_CONTROL so VMXON works: 0 with *write set (or not), or -EPERM when
 * the firmware locked it with VMX disabled. */
int vmx_feature_control(uint64_t current, uint64_t *write_value, int *must_write);

#endif
