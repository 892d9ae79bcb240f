/* SPDX-License-Identifier: MIT */
/* Computes VT-x control words from allowed-0/allowed-1 settings instead of hard-coding them. */
#include "arch/x86/vmx/vmx_caps.h"

#include "arch/x86/vmx/vmcs.h"
#include "kernel/console.h"
#include "kernel/errno.h"

int vmx_adjust_control(uint64_t cap_msr, uint32_t want, uint32_t need, uint32_t *out, uint32_t *missing)
{
	uint32_t must_be_one = (uint32_t)cap_msr;
	uint32_t may_be_one = (uint32_t)(cap_msr >> 32);
	uint32_t value = (want | need | must_be_one) & may_be_one;

	*out = value;
	*missing = need & ~value;
	return *missing ? -ENOTSUP : 0;
}

/* State VM entry and exit do not switch, so the guest must not reach it directly: CR8 is the host's
 * own task priority (a guest write would mask the host's timer), DR0-DR3 and DR6 are the host's
 * registers. DR7 is switched by the debug-controls entry/exit bits, required below. */
#define GUEST_STATE_EXITS (PROC_CR8_LOAD_EXITING | PROC_CR8_STORE_EXITING | PROC_MOV_DR_EXITING)

struct control_word {
	const char *name;
	uint64_t cap;
	uint32_t want;
	uint32_t need;
	uint32_t *out;
};

int vmx_compute_controls(const struct vmx_caps *caps, struct vmx_controls *out, char *why, size_t why_len)
{
	struct control_word words[] = {
		/* The preemption timer is a backstop for CPUs (and emulators) that do not exit for a host
		 * interrupt while the guest has interrupts disabled. Virtual NMIs are required: with NMI
		 * exiting alone a guest IRET never ends the NMI blocking an injected NMI starts (SDM vol. 3C
		 * 25.3), so a guest's second NMI could never go in. */
		{ "pin-based", caps->pin, PIN_PREEMPTION_TIMER,
		  PIN_EXTERNAL_INTERRUPT | PIN_NMI_EXITING | PIN_VIRTUAL_NMI, &out->pin },
		{ "processor-based", caps->proc, PROC_MWAIT_EXITING | PROC_MONITOR_EXITING,
		  PROC_HLT_EXITING | PROC_USE_IO_BITMAPS | PROC_USE_MSR_BITMAPS | PROC_SECONDARY_CONTROLS |
			  PROC_TSC_OFFSETTING | GUEST_STATE_EXITS, &out->proc },
		{ "secondary processor-based", caps->proc2,
		  PROC2_ENABLE_VPID | PROC2_UNRESTRICTED_GUEST | PROC2_ENABLE_RDTSCP | PROC2_WBINVD_EXITING,
		  PROC2_ENABLE_EPT, &out->proc2 },
		{ "VM-exit", caps->exit, EXIT_SAVE_PAT | EXIT_LOAD_PAT,
		  EXIT_HOST_ADDR_SPACE_SIZE | EXIT_SAVE_EFER | EXIT_LOAD_EFER | EXIT_SAVE_DEBUG, &out->exit },
		{ "VM-entry", caps->entry, ENTRY_LOAD_PAT, ENTRY_LOAD_EFER | ENTRY_LOAD_DEBUG, &out->entry },
	};

	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		uint32_t missing;

		if (vmx_adjust_control(words[i].cap, words[i].want, words[i].need, words[i].out, &missing)) {
			fmt_snprintf(why, why_len, "%s controls lack required bits 0x%x", words[i].name, missing);
			return -ENOTSUP;
		}
	}
	/* The entry control for a 64-bit guest is chosen per vCPU from its EFER, not here. */
	out->entry &= ~ENTRY_IA32E_MODE;
	return 0;
}

uint64_t vmx_apply_fixed(uint64_t value, uint64_t fixed0, uint64_t fixed1)
{
	return (value | fixed0) & fixed1;
}

int vmx_feature_control(uint64_t current, uint64_t *write_value, int *must_write)
{
	*must_write = 0;
	*write_value = current;
	if (current & FEATURE_CONTROL_LOCK)
		return (current & FEATURE_CONTROL_VMX_OUTSIDE_SMX) ? 0 : -EPERM;
	*write_value = current | FEATURE_CONTROL_LOCK | FEATURE_CONTROL_VMX_OUTSIDE_SMX;
	*must_write = 1;
	return 0;
}
