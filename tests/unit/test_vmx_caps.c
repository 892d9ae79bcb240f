/* SPDX-License-Identifier: MIT */
/* Unit tests for arch/x86/vmx/vmx_caps.c: control words from real capability MSRs, CR fixed bits, feature control. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "arch/x86/vmx/vmx_caps.h"
#include "kernel/errno.h"

/* Control bits as the Intel SDM (vol. 3C, "VM-Execution Control Fields", "VM-Exit Controls",
 * "VM-Entry Controls") numbers them, written out here so the test does not trust vmcs.h. */
#define PIN_EXT_INT (1u << 0)
#define PIN_NMI (1u << 3)
#define PIN_VNMI (1u << 5)
#define PIN_PREEMPT_TIMER (1u << 6)
#define PROC_TSC_OFFSET (1u << 3)
#define PROC_HLT (1u << 7)
#define PROC_MWAIT (1u << 10)
#define PROC_CR3_LOAD (1u << 15)
#define PROC_CR3_STORE (1u << 16)
#define PROC_CR8_LOAD (1u << 19)
#define PROC_CR8_STORE (1u << 20)
#define PROC_MOV_DR (1u << 23)
#define PROC_IO_BITMAPS (1u << 25)
#define PROC_MSR_BITMAPS (1u << 28)
#define PROC_MONITOR (1u << 29)
#define PROC_SECONDARY (1u << 31)
#define PROC2_EPT (1u << 1)
#define PROC2_RDTSCP (1u << 3)
#define PROC2_VPID (1u << 5)
#define PROC2_WBINVD (1u << 6)
#define PROC2_UNRESTRICTED (1u << 7)
#define EXIT_SAVE_DEBUG (1u << 2)
#define EXIT_HOST_64 (1u << 9)
#define EXIT_SAVE_PAT (1u << 18)
#define EXIT_LOAD_PAT (1u << 19)
#define EXIT_SAVE_EFER (1u << 20)
#define EXIT_LOAD_EFER (1u << 21)
#define ENTRY_LOAD_DEBUG (1u << 2)
#define ENTRY_IA32E (1u << 9)
#define ENTRY_LOAD_PAT (1u << 14)
#define ENTRY_LOAD_EFER (1u << 15)

/* What Basalt cannot run without (a design decision of the backend, restated here). */
#define NEED_PIN (PIN_EXT_INT | PIN_NMI | PIN_VNMI)
/* CR8 and MOV-DR exits keep the host's TPR and debug registers out of the guest's reach; the debug
 * controls switch DR7. */
#define NEED_PROC (PROC_HLT | PROC_IO_BITMAPS | PROC_MSR_BITMAPS | PROC_SECONDARY | PROC_TSC_OFFSET | \
		   PROC_CR8_LOAD | PROC_CR8_STORE | PROC_MOV_DR)
#define NEED_PROC2 PROC2_EPT
#define NEED_EXIT (EXIT_HOST_64 | EXIT_SAVE_EFER | EXIT_LOAD_EFER | EXIT_SAVE_DEBUG)
#define NEED_ENTRY (ENTRY_LOAD_EFER | ENTRY_LOAD_DEBUG)

/* ---- capability MSR sets ---------------------------------------------------- */

/* Intel Core i7-6700K (Skylake), IA32_VMX_* values from VirtualBox's CPU database
 * (src/VBox/VMM/VMMR3/cpus/Intel_Core_i7_6700K.h, dumped from real hardware). BASIC bit 55 is set,
 * so pin/proc/exit/entry are the TRUE_* MSRs (0x48d-0x490). */
static const struct vmx_caps skylake = {
	.basic = 0x00da040000000004ull,
	.misc = 0x7004c1e7ull,
	.pin = 0x0000007f00000016ull,
	.proc = 0xfff9fffe04006172ull,
	.proc2 = 0x001ffcff00000000ull,
	.exit = 0x01ffffff00036dfbull,
	.entry = 0x0003ffff000011fbull,
	.cr0_fixed0 = 0x80000021ull,
	.cr0_fixed1 = 0xffffffffull,
	.cr4_fixed0 = 0x2000ull,
	.cr4_fixed1 = 0x3727ffull,
	.ept_vpid = 0x00000f0106334141ull,
};

/* The same i7-6700K with the non-TRUE MSRs (0x481-0x484), as software that ignores BASIC bit 55 sees it. */
static const struct vmx_caps skylake_legacy_msrs = {
	.basic = 0x00da040000000004ull,
	.misc = 0x7004c1e7ull,
	.pin = 0x0000007f00000016ull,
	.proc = 0xfff9fffe0401e172ull,
	.proc2 = 0x001ffcff00000000ull,
	.exit = 0x01ffffff00036dffull,
	.entry = 0x0003ffff000011ffull,
	.cr0_fixed0 = 0x80000021ull,
	.cr0_fixed1 = 0xffffffffull,
	.cr4_fixed0 = 0x2000ull,
	.cr4_fixed1 = 0x3727ffull,
	.ept_vpid = 0x00000f0106334141ull,
};

/* Intel Core i7-3960X (Sandy Bridge-E), VirtualBox CPU database (Intel_Core_i7_3960X.h), TRUE MSRs. */
static const struct vmx_caps sandy_bridge_e = {
	.basic = 0x00da040000000010ull,
	.misc = 0x100401e5ull,
	.pin = 0x0000007f00000016ull,
	.proc = 0xfff9fffe04006172ull,
	.proc2 = 0x000004ff00000000ull,
	.exit = 0x007fffff00036dfbull,
	.entry = 0x0000ffff000011fbull,
	.cr0_fixed0 = 0x80000021ull,
	.cr0_fixed1 = 0xffffffffull,
	.cr4_fixed0 = 0x2000ull,
	.cr4_fixed1 = 0x627ffull,
	.ept_vpid = 0x00000f0106134141ull,
};

/* A VMware Workstation guest with nested VT-x: the non-TRUE MSRs as printed by a Linux module in a
 * published CMPE-283 (SJSU) assignment report on GitHub. No VMX-preemption timer (pin allowed-1
 * 0x3f), and the legacy primary MSR forces CR3-load/store exiting on. BASIC was not printed. */
static const struct vmx_caps vmware_nested = {
	.pin = 0x0000003f00000016ull,
	.proc = 0xfff9fffe0401e172ull,
	.proc2 = 0x00553cfe00000000ull,
	.exit = 0x003fffff00036dffull,
	.entry = 0x0000f3ff000011ffull,
};

/* Intel Xeon X5482 (Penryn), VirtualBox CPU database (Intel_Xeon_X5482_3_20GHz.h). BASIC bit 55
 * is clear (no TRUE MSRs); secondary controls offer only "virtualize APIC accesses" and "WBINVD
 * exiting" (allowed-1 0x41): no EPT. The exit controls lack PAT/EFER save/load as well. */
static const struct vmx_caps penryn = {
	.basic = 0x005a08000000000dull,
	.misc = 0x403c0ull,
	.pin = 0x0000003f00000016ull,
	.proc = 0xf7f9fffe0401e172ull,
	.proc2 = 0x0000004100000000ull,
	.exit = 0x0003ffff00036dffull,
	.entry = 0x00003fff000011ffull,
	.cr0_fixed0 = 0x80000021ull,
	.cr0_fixed1 = 0xffffffffull,
	.cr4_fixed0 = 0x2000ull,
	.cr4_fixed1 = 0x27ffull,
};

/* Constructed (no published dump found): an early-EPT CPU shaped like Nehalem, legacy MSRs taken
 * from the Penryn dump, secondary allowed-1 = virtualize APIC | EPT | RDTSCP | WBINVD exiting
 * (0x4b: no VPID, no unrestricted guest), no preemption timer, EFER save/load but no PAT
 * save/load (exit allowed-1 0x33ffff, entry allowed-1 0xbfff). */
static const struct vmx_caps older_ept_cpu = {
	.basic = 0x005a08000000000dull,
	.pin = 0x0000003f00000016ull,
	.proc = 0xf7f9fffe0401e172ull,
	.proc2 = 0x0000004b00000000ull,
	.exit = 0x0033ffff00036dffull,
	.entry = 0x0000bfff000011ffull,
};

/* Constructed: the Skylake set with "load IA32_EFER" (exit bit 21, MSR bit 53) taken away, as a
 * nested hypervisor hiding it from its guest could present. */
static struct vmx_caps skylake_without_exit_load_efer(void)
{
	struct vmx_caps c = skylake;

	c.exit &= ~(1ull << 53);
	return c;
}

/* ---- helpers ------------------------------------------------------------------ */

static char why[128];

static struct vmx_controls compute_ok(const struct vmx_caps *caps)
{
	struct vmx_controls out;

	memset(&out, 0xa5, sizeof(out));
	memset(why, 0, sizeof(why));
	assert_int_equal(vmx_compute_controls(caps, &out, why, sizeof(why)), 0);
	return out;
}

static void compute_fails(const struct vmx_caps *caps)
{
	struct vmx_controls out;

	memset(why, 0, sizeof(why));
	assert_int_equal(vmx_compute_controls(caps, &out, why, sizeof(why)), -ENOTSUP);
}

/* True when msg contains "0x<value>" not followed by another hex digit. */
static bool mentions_hex(const char *msg, uint32_t value)
{
	char want[16];
	size_t n = (size_t)snprintf(want, sizeof(want), "0x%x", value);

	for (const char *p = strstr(msg, want); p; p = strstr(p + 1, want))
		if (!strchr("0123456789abcdefABCDEF", p[n]) || p[n] == '\0')
			return true;
	return false;
}

static void expect_required_bits(const struct vmx_controls *c)
{
	assert_int_equal(c->pin & NEED_PIN, NEED_PIN);
	assert_int_equal(c->proc & NEED_PROC, NEED_PROC);
	assert_int_equal(c->proc2 & NEED_PROC2, NEED_PROC2);
	assert_int_equal(c->exit & NEED_EXIT, NEED_EXIT);
	assert_int_equal(c->entry & NEED_ENTRY, NEED_ENTRY);
}

/* Every control word must respect the MSR it came from: allowed-0 bits set, nothing beyond allowed-1. */
static void expect_within_msr(uint32_t value, uint64_t msr)
{
	uint32_t must = (uint32_t)msr, may = (uint32_t)(msr >> 32);

	assert_int_equal(value & must, must);
	assert_int_equal(value & ~may, 0);
}

/* ---- vmx_adjust_control ------------------------------------------------------- */

static void test_adjust_sets_allowed0_bits(void **state)
{
	uint32_t out = 0, missing = 1;

	(void)state;
	/* Pin-based default1 bits 1, 2, 4 (0x16) must be 1 even when nobody asks for them. */
	assert_int_equal(vmx_adjust_control(0x0000007f00000016ull, 0, 0, &out, &missing), 0);
	assert_int_equal(out, 0x16);
	assert_int_equal(missing, 0);
}

static void test_adjust_keeps_wanted_allowed_bits(void **state)
{
	uint32_t out, missing;

	(void)state;
	assert_int_equal(vmx_adjust_control(0x0000007f00000016ull, PIN_PREEMPT_TIMER, PIN_EXT_INT, &out, &missing), 0);
	assert_int_equal(out, 0x16 | PIN_PREEMPT_TIMER | PIN_EXT_INT);
	assert_int_equal(missing, 0);
}

static void test_adjust_drops_wanted_bits_not_allowed(void **state)
{
	uint32_t out, missing;

	(void)state;
	/* allowed-1 0x3f: no preemption timer; a merely wanted bit disappears without an error. */
	assert_int_equal(vmx_adjust_control(0x0000003f00000016ull, PIN_PREEMPT_TIMER, PIN_EXT_INT, &out, &missing), 0);
	assert_int_equal(out, 0x16 | PIN_EXT_INT);
	assert_int_equal(missing, 0);
}

static void test_adjust_reports_missing_required_bits(void **state)
{
	uint32_t out, missing;

	(void)state;
	assert_int_equal(vmx_adjust_control(0x0000003f00000016ull, 0, PIN_PREEMPT_TIMER | PIN_NMI, &out, &missing),
			 -ENOTSUP);
	assert_int_equal(missing, PIN_PREEMPT_TIMER);
}

static void test_adjust_required_bit_forced_by_allowed0(void **state)
{
	uint32_t out, missing;

	(void)state;
	/* Bit 1 is a must-be-one bit, so requiring it is trivially satisfied. */
	assert_int_equal(vmx_adjust_control(0x0000003f00000016ull, 0, 1u << 1, &out, &missing), 0);
	assert_int_equal(out, 0x16);
	assert_int_equal(missing, 0);
}

static void test_adjust_all_zero_msr_misses_every_required_bit(void **state)
{
	uint32_t out, missing;

	(void)state;
	/* An absent MSR (e.g. PROCBASED_CTLS2 on a CPU without secondary controls) reads as 0 here. */
	assert_int_equal(vmx_adjust_control(0, PROC2_VPID, PROC2_EPT | PROC2_UNRESTRICTED, &out, &missing), -ENOTSUP);
	assert_int_equal(out, 0);
	assert_int_equal(missing, PROC2_EPT | PROC2_UNRESTRICTED);
}

static void test_adjust_high_bits_are_allowed1(void **state)
{
	uint32_t out, missing;

	(void)state;
	/* Bit 31 wanted, allowed-1 bit 63 set: the 32-bit halves must not be swapped or truncated. */
	assert_int_equal(vmx_adjust_control(0x8000000000000000ull, 0, 1u << 31, &out, &missing), 0);
	assert_int_equal(out, 1u << 31);
}

/* ---- vmx_compute_controls: real CPUs ------------------------------------------ */

static void test_skylake_true_controls(void **state)
{
	struct vmx_controls c = compute_ok(&skylake);

	(void)state;
	/* Worked out by hand: (wanted | required | allowed-0) & allowed-1 per word. */
	assert_int_equal(c.pin, 0x7f);        /* 0x16 | ext-int | NMI | virtual NMIs | preemption timer */
	/* 0x04006172 | TSC off | HLT | MWAIT | CR8 load/store | MOV-DR | IO/MSR bitmaps | MONITOR | 2nd */
	assert_int_equal(c.proc, 0xb69865fa);
	assert_int_equal(c.proc2, 0xea);      /* EPT | RDTSCP | VPID | WBINVD exiting | unrestricted guest */
	assert_int_equal(c.exit, 0x3f6fff);   /* 0x36dfb | save debug | host 64-bit | save/load PAT, EFER */
	assert_int_equal(c.entry, 0xd1ff);    /* 0x11fb | load debug | load PAT | load EFER */
}

static void test_sandy_bridge_e_true_controls(void **state)
{
	struct vmx_controls c = compute_ok(&sandy_bridge_e);

	(void)state;
	assert_int_equal(c.pin, 0x7f);
	assert_int_equal(c.proc, 0xb69865fa);
	assert_int_equal(c.proc2, 0xea);
	assert_int_equal(c.exit, 0x3f6fff);
	assert_int_equal(c.entry, 0xd1ff);
}

static void test_vmware_nested_without_preemption_timer(void **state)
{
	struct vmx_controls c = compute_ok(&vmware_nested);

	(void)state;
	assert_int_equal(c.pin, 0x3f); /* 0x16 | ext-int | NMI | virtual NMIs; bit 6 not offered */
	assert_false(c.pin & PIN_PREEMPT_TIMER);
	assert_int_equal(c.proc, 0xb699e5fa);
	assert_int_equal(c.proc2, 0xea);
	assert_int_equal(c.exit, 0x3f6fff);
	assert_int_equal(c.entry, 0xd1ff);
}

static void test_older_cpu_without_optional_controls(void **state)
{
	struct vmx_controls c = compute_ok(&older_ept_cpu);

	(void)state;
	assert_int_equal(c.pin, 0x3f);
	assert_int_equal(c.proc2, PROC2_EPT | PROC2_RDTSCP | PROC2_WBINVD); /* 0x4a */
	assert_false(c.proc2 & PROC2_VPID);
	assert_false(c.proc2 & PROC2_UNRESTRICTED);
	assert_int_equal(c.exit, 0x336fff); /* no save/load PAT */
	assert_int_equal(c.entry, 0x91ff);  /* no load PAT */
}

static void test_every_success_has_required_bits_and_respects_msrs(void **state)
{
	const struct vmx_caps *sets[] = { &skylake, &skylake_legacy_msrs, &sandy_bridge_e, &vmware_nested,
					  &older_ept_cpu };

	(void)state;
	for (size_t i = 0; i < sizeof(sets) / sizeof(sets[0]); i++) {
		struct vmx_controls c = compute_ok(sets[i]);

		expect_required_bits(&c);
		expect_within_msr(c.pin, sets[i]->pin);
		expect_within_msr(c.proc, sets[i]->proc);
		expect_within_msr(c.proc2, sets[i]->proc2);
		expect_within_msr(c.exit, sets[i]->exit);
		expect_within_msr(c.entry, sets[i]->entry);
	}
}

/* ---- CR3 exiting and IA-32e mode ---------------------------------------------- */

static void test_true_msrs_leave_cr3_exiting_off(void **state)
{
	(void)state;
	assert_false(compute_ok(&skylake).proc & (PROC_CR3_LOAD | PROC_CR3_STORE));
	assert_false(compute_ok(&sandy_bridge_e).proc & (PROC_CR3_LOAD | PROC_CR3_STORE));
}

static void test_legacy_msr_forces_cr3_exiting_on(void **state)
{
	(void)state;
	/* 0x0401e172 in the legacy primary MSR has bits 15 and 16 in allowed-0. */
	assert_int_equal(compute_ok(&skylake_legacy_msrs).proc & (PROC_CR3_LOAD | PROC_CR3_STORE),
			 PROC_CR3_LOAD | PROC_CR3_STORE);
	assert_int_equal(compute_ok(&vmware_nested).proc & (PROC_CR3_LOAD | PROC_CR3_STORE),
			 PROC_CR3_LOAD | PROC_CR3_STORE);
}

static void test_ia32e_mode_off_for_real_cpus(void **state)
{
	const struct vmx_caps *sets[] = { &skylake, &skylake_legacy_msrs, &sandy_bridge_e, &vmware_nested,
					  &older_ept_cpu };

	(void)state;
	for (size_t i = 0; i < sizeof(sets) / sizeof(sets[0]); i++)
		assert_false(compute_ok(sets[i]).entry & ENTRY_IA32E);
}

static void test_ia32e_mode_off_even_if_msr_forces_it(void **state)
{
	struct vmx_caps c = skylake;

	(void)state;
	/* Constructed: allowed-0 with bit 9. The per-vCPU code picks IA-32e mode from the guest's EFER. */
	c.entry |= ENTRY_IA32E;
	assert_false(compute_ok(&c).entry & ENTRY_IA32E);
	assert_true(compute_ok(&c).entry & ENTRY_LOAD_EFER);
}

/* ---- vmx_compute_controls: unsupported CPUs ----------------------------------- */

static void test_penryn_without_ept_fails_naming_secondary(void **state)
{
	(void)state;
	compute_fails(&penryn);
	assert_non_null(strstr(why, "secondary"));
	assert_true(mentions_hex(why, PROC2_EPT));
}

static void test_missing_exit_load_efer_fails(void **state)
{
	struct vmx_caps c = skylake_without_exit_load_efer();

	(void)state;
	compute_fails(&c);
	assert_non_null(strstr(why, "exit"));
	assert_true(mentions_hex(why, EXIT_LOAD_EFER));
}

static void test_missing_entry_load_efer_fails(void **state)
{
	struct vmx_caps c = skylake;

	(void)state;
	c.entry &= ~((uint64_t)ENTRY_LOAD_EFER << 32);
	compute_fails(&c);
	assert_non_null(strstr(why, "entry"));
	assert_true(mentions_hex(why, ENTRY_LOAD_EFER));
}

static void test_missing_nmi_exiting_fails_naming_pin_based(void **state)
{
	struct vmx_caps c = skylake;

	(void)state;
	c.pin &= ~((uint64_t)PIN_NMI << 32);
	compute_fails(&c);
	assert_non_null(strstr(why, "pin"));
	assert_true(mentions_hex(why, PIN_NMI));
}

static void test_no_secondary_controls_fails_naming_processor_based(void **state)
{
	struct vmx_caps c = skylake;

	(void)state;
	c.proc &= ~((uint64_t)PROC_SECONDARY << 32);
	compute_fails(&c);
	assert_non_null(strstr(why, "processor-based"));
	assert_null(strstr(why, "secondary"));
	assert_true(mentions_hex(why, PROC_SECONDARY));
}

static void test_failure_message_fits_small_buffer(void **state)
{
	struct vmx_controls out;
	char small[8];

	(void)state;
	memset(small, 'x', sizeof(small));
	assert_int_equal(vmx_compute_controls(&penryn, &out, small, sizeof(small)), -ENOTSUP);
	assert_int_equal(strlen(small), sizeof(small) - 1);
}

/* ---- vmx_apply_fixed ---------------------------------------------------------- */

static void test_cr0_fixed0_bits_forced(void **state)
{
	(void)state;
	/* CR0 reset value CD|NW|ET (0x60000010) gains PG, NE, PE from FIXED0 0x80000021. */
	assert_int_equal(vmx_apply_fixed(0x60000010ull, skylake.cr0_fixed0, skylake.cr0_fixed1), 0xe0000031ull);
}

static void test_cr0_bits_above_fixed1_cleared(void **state)
{
	(void)state;
	assert_int_equal(vmx_apply_fixed(0x180000031ull, skylake.cr0_fixed0, skylake.cr0_fixed1), 0x80000031ull);
}

static void test_cr4_vmxe_forced(void **state)
{
	(void)state;
	/* A typical host CR4 (PSE|PAE|MCE|PGE|OSFXSR|OSXMMEXCPT = 0x6f0) gains VMXE (bit 13). */
	assert_int_equal(vmx_apply_fixed(0x6f0ull, skylake.cr4_fixed0, skylake.cr4_fixed1), 0x26f0ull);
}

static void test_cr4_bits_clear_in_fixed1_removed(void **state)
{
	(void)state;
	/* 0x3727ff has neither UMIP (11), LA57 (12) nor PKE (22). */
	assert_int_equal(vmx_apply_fixed(0x6f0ull | (1ull << 11) | (1ull << 12) | (1ull << 22), skylake.cr4_fixed0,
					 skylake.cr4_fixed1),
			 0x26f0ull);
	/* Penryn's 0x27ff does not allow OSXSAVE (18) either. */
	assert_int_equal(vmx_apply_fixed(0x406f0ull, penryn.cr4_fixed0, penryn.cr4_fixed1), 0x26f0ull);
}

static void test_valid_value_unchanged(void **state)
{
	(void)state;
	assert_int_equal(vmx_apply_fixed(0x80050033ull, skylake.cr0_fixed0, skylake.cr0_fixed1), 0x80050033ull);
	assert_int_equal(vmx_apply_fixed(0x3726f0ull, skylake.cr4_fixed0, skylake.cr4_fixed1), 0x3726f0ull);
}

/* ---- vmx_feature_control ------------------------------------------------------ */

static void test_feature_control_unlocked_is_locked_with_vmx(void **state)
{
	uint64_t wr = 0;
	int must = 0;

	(void)state;
	assert_int_equal(vmx_feature_control(0, &wr, &must), 0);
	assert_int_equal(must, 1);
	assert_int_equal(wr, 0x5); /* lock (bit 0) | VMX outside SMX (bit 2) */
}

static void test_feature_control_unlocked_keeps_other_bits(void **state)
{
	uint64_t wr = 0;
	int must = 0;

	(void)state;
	/* VMX inside SMX (bit 1) and SGX enable (bit 18) survive. */
	assert_int_equal(vmx_feature_control(0x40002, &wr, &must), 0);
	assert_int_equal(must, 1);
	assert_int_equal(wr, 0x40007);
}

static void test_feature_control_locked_enabled_needs_no_write(void **state)
{
	uint64_t wr = 0;
	int must = 1;

	(void)state;
	assert_int_equal(vmx_feature_control(0x5, &wr, &must), 0);
	assert_int_equal(must, 0);
	assert_int_equal(vmx_feature_control(0xff07, &wr, &must), 0);
	assert_int_equal(must, 0);
}

static void test_feature_control_locked_disabled_is_eperm(void **state)
{
	uint64_t wr = 0;
	int must = 1;

	(void)state;
	assert_int_equal(vmx_feature_control(0x1, &wr, &must), -EPERM);
	assert_int_equal(must, 0);
	/* Enabled only inside SMX (bit 1) does not help a UEFI application. */
	must = 1;
	assert_int_equal(vmx_feature_control(0x3, &wr, &must), -EPERM);
	assert_int_equal(must, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_adjust_sets_allowed0_bits),
		cmocka_unit_test(test_adjust_keeps_wanted_allowed_bits),
		cmocka_unit_test(test_adjust_drops_wanted_bits_not_allowed),
		cmocka_unit_test(test_adjust_reports_missing_required_bits),
		cmocka_unit_test(test_adjust_required_bit_forced_by_allowed0),
		cmocka_unit_test(test_adjust_all_zero_msr_misses_every_required_bit),
		cmocka_unit_test(test_adjust_high_bits_are_allowed1),
		cmocka_unit_test(test_skylake_true_controls),
		cmocka_unit_test(test_sandy_bridge_e_true_controls),
		cmocka_unit_test(test_vmware_nested_without_preemption_timer),
		cmocka_unit_test(test_older_cpu_without_optional_controls),
		cmocka_unit_test(test_every_success_has_required_bits_and_respects_msrs),
		cmocka_unit_test(test_true_msrs_leave_cr3_exiting_off),
		cmocka_unit_test(test_legacy_msr_forces_cr3_exiting_on),
		cmocka_unit_test(test_ia32e_mode_off_for_real_cpus),
		cmocka_unit_test(test_ia32e_mode_off_even_if_msr_forces_it),
		cmocka_unit_test(test_penryn_without_ept_fails_naming_secondary),
		cmocka_unit_test(test_missing_exit_load_efer_fails),
		cmocka_unit_test(test_missing_entry_load_efer_fails),
		cmocka_unit_test(test_missing_nmi_exiting_fails_naming_pin_based),
		cmocka_unit_test(test_no_secondary_controls_fails_naming_processor_based),
		cmocka_unit_test(test_failure_message_fits_small_buffer),
		cmocka_unit_test(test_cr0_fixed0_bits_forced),
		cmocka_unit_test(test_cr0_bits_above_fixed1_cleared),
		cmocka_unit_test(test_cr4_vmxe_forced),
		cmocka_unit_test(test_cr4_bits_clear_in_fixed1_removed),
		cmocka_unit_test(test_valid_value_unchanged),
		cmocka_unit_test(test_feature_control_unlocked_is_locked_with_vmx),
		cmocka_unit_test(test_feature_control_unlocked_keeps_other_bits),
		cmocka_unit_test(test_feature_control_locked_enabled_needs_no_write),
		cmocka_unit_test(test_feature_control_locked_disabled_is_eperm),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
