/* SPDX-License-Identifier: MIT */
/* Unit tests for arch/x86/svm/svm_exit.c: raw VMCB exit state to vendor-neutral struct vm_exit. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "arch/x86/svm/svm_exit.h"
#include "arch/x86/svm/vmcb.h"

#define GUEST_RIP 0x100000ull

static struct vmcb *vmcb;
static const struct vmm_features no_nrips = { .nested_paging = true };
static const struct vmm_features with_nrips = { .nested_paging = true, .next_rip = true };
static const struct vmm_features with_assists = { .nested_paging = true, .decode_assist = true };

static int setup(void **state)
{
	(void)state;
	vmcb = aligned_alloc(4096, sizeof(*vmcb));
	assert_non_null(vmcb);
	memset(vmcb, 0, sizeof(*vmcb));
	vmcb->save.rip = GUEST_RIP;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	free(vmcb);
	return 0;
}

/* Translates an exit with the given code and exit info, NRIPS absent; poisons the result first. */
static struct vm_exit translate(uint64_t code, uint64_t info1, uint64_t info2)
{
	struct vm_exit e;

	memset(&e, 0xa5, sizeof(e));
	vmcb->control.exit_code = code;
	vmcb->control.exit_info_1 = info1;
	vmcb->control.exit_info_2 = info2;
	svm_translate_exit(vmcb, &no_nrips, 0, &e);
	return e;
}

/* ---- simple instruction exits -------------------------------------------- */

static void test_cpuid_without_nrips(void **state)
{
	struct vm_exit e = translate(0x72, 0, 0);

	(void)state;
	assert_int_equal(e.code, VM_EXIT_CPUID);
	assert_int_equal(e.insn_len, 0); /* no NRIPS: the core decodes the instruction */
	assert_true(e.decode);
	assert_int_equal(e.raw_reason, 0x72);
}

static void test_cpuid_with_nrips_uses_next_rip(void **state)
{
	struct vm_exit e;

	(void)state;
	vmcb->control.exit_code = 0x72;
	vmcb->control.next_rip = GUEST_RIP + 3; /* a prefixed CPUID */
	svm_translate_exit(vmcb, &with_nrips, 0, &e);
	assert_int_equal(e.code, VM_EXIT_CPUID);
	assert_int_equal(e.insn_len, 3);
}

static void test_nrips_ignored_when_not_reported(void **state)
{
	struct vm_exit e;

	(void)state;
	vmcb->control.exit_code = 0x72;
	vmcb->control.next_rip = GUEST_RIP + 7; /* stale value; the CPU said it has no NRIPS */
	svm_translate_exit(vmcb, &no_nrips, 0, &e);
	assert_int_equal(e.insn_len, 0); /* no NRIPS: the core decodes the instruction */
	assert_true(e.decode);
}

static void test_hlt(void **state)
{
	struct vm_exit e = translate(0x78, 0, 0);

	(void)state;
	assert_int_equal(e.code, VM_EXIT_HLT);
	assert_int_equal(e.insn_len, 0); /* no NRIPS: the core decodes the instruction */
	assert_true(e.decode);
}

static void test_vmmcall_is_hypercall(void **state)
{
	struct vm_exit e = translate(0x81, 0, 0);

	(void)state;
	assert_int_equal(e.code, VM_EXIT_HYPERCALL);
	assert_int_equal(e.insn_len, 0); /* no NRIPS: the core decodes the instruction */
	assert_true(e.decode);
}

static void test_virtualisation_instructions(void **state)
{
	/* VMRUN, VMLOAD, VMSAVE, STGI, CLGI, SKINIT, INVLPGA, XSETBV (APM vol. 2, table C-1);
	 * all are three bytes (0f 01 xx). */
	static const uint64_t codes[] = { 0x80, 0x82, 0x83, 0x84, 0x85, 0x86, 0x7a, 0x8d };

	(void)state;
	for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
		struct vm_exit e = translate(codes[i], 0, 0);

		assert_int_equal(e.code, VM_EXIT_VIRT_INSN);
		assert_false(e.decode); /* #UD follows: no length needed */
	}
}

static void test_invd_and_wbinvd(void **state)
{
	(void)state;
	assert_int_equal(translate(0x76, 0, 0).code, VM_EXIT_INVD);
	assert_int_equal(translate(0x76, 0, 0).insn_len, 0); /* no NRIPS: the core decodes the instruction */
	assert_true(translate(0x76, 0, 0).decode);
	assert_int_equal(translate(0x89, 0, 0).code, VM_EXIT_INVD);
	assert_int_equal(translate(0x89, 0, 0).insn_len, 0); /* no NRIPS: the core decodes the instruction */
	assert_true(translate(0x89, 0, 0).decode);
}

/* ---- I/O ----------------------------------------------------------------- */

/* exit_info_1 for IOIO: bit 0 IN, bit 2 STR, bit 3 REP, bits 4-6 SZ8/16/32, bits 16-31 port. */
static uint64_t ioio(uint16_t port, unsigned size, bool in, bool str, bool rep)
{
	uint64_t sz = size == 1 ? 0x10 : size == 2 ? 0x20 : 0x40;

	return ((uint64_t)port << 16) | sz | (in ? 1 : 0) | (str ? 4 : 0) | (rep ? 8 : 0);
}

static void test_io_out_byte(void **state)
{
	struct vm_exit e = translate(0x7b, ioio(0xe9, 1, false, false, false), GUEST_RIP + 1);

	(void)state;
	assert_int_equal(e.code, VM_EXIT_IO);
	assert_int_equal(e.u.io.port, 0xe9);
	assert_int_equal(e.u.io.size, 1);
	assert_false(e.u.io.in);
	assert_false(e.u.io.string);
	assert_false(e.u.io.rep);
	assert_int_equal(e.insn_len, 1);
}

static void test_io_in_word_and_dword(void **state)
{
	struct vm_exit w = translate(0x7b, ioio(0x1f0, 2, true, false, false), GUEST_RIP + 2);
	struct vm_exit d = translate(0x7b, ioio(0xcfc, 4, true, false, false), GUEST_RIP + 1);

	(void)state;
	assert_int_equal(w.u.io.port, 0x1f0);
	assert_int_equal(w.u.io.size, 2);
	assert_true(w.u.io.in);
	assert_int_equal(w.insn_len, 2);
	assert_int_equal(d.u.io.port, 0xcfc);
	assert_int_equal(d.u.io.size, 4);
	assert_true(d.u.io.in);
	assert_int_equal(d.insn_len, 1);
}

static void test_io_rep_string(void **state)
{
	/* rep outsb with an address-size prefix: 3 bytes. */
	struct vm_exit e = translate(0x7b, ioio(0xffff, 1, false, true, true), GUEST_RIP + 3);

	(void)state;
	assert_int_equal(e.u.io.port, 0xffff);
	assert_true(e.u.io.string);
	assert_true(e.u.io.rep);
	assert_false(e.u.io.in);
	assert_int_equal(e.insn_len, 3);
}

static void test_io_length_from_exit_info_2_even_with_nrips(void **state)
{
	struct vm_exit e;

	(void)state;
	vmcb->control.exit_code = 0x7b;
	vmcb->control.exit_info_1 = ioio(0x60, 1, true, false, false);
	vmcb->control.exit_info_2 = GUEST_RIP + 2;
	vmcb->control.next_rip = GUEST_RIP + 2;
	svm_translate_exit(vmcb, &with_nrips, 0, &e);
	assert_int_equal(e.insn_len, 2);
	assert_int_equal(e.u.io.port, 0x60);
}

/* ---- MSR ----------------------------------------------------------------- */

static void test_msr_read_and_write(void **state)
{
	struct vm_exit e;

	(void)state;
	vmcb->control.exit_code = 0x7c;
	vmcb->control.exit_info_1 = 0; /* RDMSR */
	svm_translate_exit(vmcb, &no_nrips, 0xc0000080, &e);
	assert_int_equal(e.code, VM_EXIT_MSR);
	assert_int_equal(e.u.msr.index, 0xc0000080);
	assert_false(e.u.msr.write);
	assert_int_equal(e.insn_len, 0); /* no NRIPS: the core decodes the instruction */
	assert_true(e.decode);

	vmcb->control.exit_info_1 = 1; /* WRMSR */
	svm_translate_exit(vmcb, &no_nrips, 0xffffffff00000010ull, &e); /* upper RCX bits are ignored */
	assert_int_equal(e.u.msr.index, 0x10);
	assert_true(e.u.msr.write);
}

/* ---- nested page faults ---------------------------------------------------- */

static void test_npf_not_present_read(void **state)
{
	struct vm_exit e = translate(0x400, 0, 0xfee00040);

	(void)state;
	assert_int_equal(e.code, VM_EXIT_NPF);
	assert_int_equal(e.u.npf.gpa, 0xfee00040);
	assert_true(e.u.npf.read);
	assert_false(e.u.npf.write);
	assert_false(e.u.npf.exec);
	assert_false(e.u.npf.present);
	assert_int_equal(e.insn_len, 0);
	assert_int_equal(e.u.npf.insn_bytes_len, 0); /* no decode assists: the core fetches the bytes */
}

/* With decode assists the bytes the CPU fetched at CS:RIP come along; a zero count (the fetch
 * failed) means none. */
static void test_npf_decode_assist_bytes(void **state)
{
	static const uint8_t insn[] = { 0x89, 0x43, 0x08 };
	struct vm_exit e;

	(void)state;
	memset(&e, 0xa5, sizeof(e));
	vmcb->control.exit_code = 0x400;
	vmcb->control.exit_info_1 = 0x100000006ull;
	vmcb->control.exit_info_2 = 0xfeb00008;
	vmcb->control.insn_len = sizeof(insn);
	memcpy(vmcb->control.insn_bytes, insn, sizeof(insn));
	svm_translate_exit(vmcb, &with_assists, 0, &e);
	assert_int_equal(e.u.npf.insn_bytes_len, 3);
	assert_memory_equal(e.u.npf.insn_bytes, insn, 3);
	vmcb->control.insn_len = 0;
	svm_translate_exit(vmcb, &with_assists, 0, &e);
	assert_int_equal(e.u.npf.insn_bytes_len, 0);
	vmcb->control.insn_len = sizeof(insn);
	svm_translate_exit(vmcb, &no_nrips, 0, &e);
	assert_int_equal(e.u.npf.insn_bytes_len, 0);
	vmcb->control.insn_len = 0;
}

static void test_npf_present_write(void **state)
{
	/* P | RW, plus the "final guest-physical address" bit 32 the CPU sets. */
	struct vm_exit e = translate(0x400, 0x100000003ull, 0x123456789000ull);

	(void)state;
	assert_int_equal(e.u.npf.gpa, 0x123456789000ull);
	assert_true(e.u.npf.present);
	assert_true(e.u.npf.write);
	assert_false(e.u.npf.read);
	assert_false(e.u.npf.exec);
}

static void test_npf_exec(void **state)
{
	struct vm_exit e = translate(0x400, 0x11, 0x2000); /* P | ID (instruction fetch) */

	(void)state;
	assert_true(e.u.npf.exec);
	assert_true(e.u.npf.present);
	assert_false(e.u.npf.write);
	assert_false(e.u.npf.read);
}

/* ---- asynchronous and error exits ------------------------------------------ */

static void test_shutdown_intr_nmi(void **state)
{
	(void)state;
	assert_int_equal(translate(0x7f, 0, 0).code, VM_EXIT_SHUTDOWN);
	assert_int_equal(translate(0x7f, 0, 0).insn_len, 0);
	assert_int_equal(translate(0x60, 0, 0).code, VM_EXIT_INTR);
	assert_int_equal(translate(0x60, 0, 0).insn_len, 0);
	assert_int_equal(translate(0x61, 0, 0).code, VM_EXIT_NMI);
}

static void test_exceptions(void **state)
{
	struct vm_exit ud = translate(0x40 + 6, 0, 0);
	struct vm_exit gp = translate(0x40 + 13, 0x18, 0);
	struct vm_exit last = translate(0x40 + 31, 0, 0);

	(void)state;
	assert_int_equal(ud.code, VM_EXIT_EXCEPTION);
	assert_int_equal(ud.u.exception.vector, 6);
	assert_int_equal(gp.code, VM_EXIT_EXCEPTION);
	assert_int_equal(gp.u.exception.vector, 13);
	assert_int_equal(gp.u.exception.error_code, 0x18);
	assert_int_equal(last.u.exception.vector, 31);
	assert_int_equal(ud.insn_len, 0);
	/* 0x60 is INTR, not exception 32. */
	assert_int_equal(translate(0x60, 0, 0).code, VM_EXIT_INTR);
}

static void test_invalid_state(void **state)
{
	struct vm_exit e = translate(0xffffffffffffffffull, 0, 0);

	(void)state;
	assert_int_equal(e.code, VM_EXIT_INVALID_STATE);
	assert_int_equal(e.insn_len, 0);
}

static void test_invalid_state_32bit(void **state)
{
	/* QEMU writes VMEXIT_INVALID as a 32-bit -1. */
	assert_int_equal(translate(0xffffffffull, 0, 0).code, VM_EXIT_INVALID_STATE);
	(void)state;
}

static void test_cr4_write(void **state)
{
	struct vm_exit e = translate(0x14, 0, 0);
	struct vm_exit a;

	(void)state;
	assert_int_equal(e.code, VM_EXIT_CR_ACCESS);
	assert_int_equal(e.u.cr.cr, 4);
	assert_int_equal(e.u.cr.op, VM_CR_MOV_TO);
	assert_int_equal(e.u.cr.gpr, -1); /* no decode assists: the core decodes */
	assert_true(e.decode);
	vmcb->control.exit_code = 0x14;
	vmcb->control.exit_info_1 = (1ull << 63) | 13;
	svm_translate_exit(vmcb, &with_assists, 0, &a);
	assert_int_equal(a.u.cr.gpr, 13);
	vmcb->control.exit_info_1 = 13; /* the valid bit is what counts */
	svm_translate_exit(vmcb, &with_assists, 0, &a);
	assert_int_equal(a.u.cr.gpr, -1);
}

static void test_cr8_write(void **state)
{
	struct vm_exit e = translate(0x18, 0, 0);

	(void)state;
	assert_int_equal(e.code, VM_EXIT_CR_ACCESS);
	assert_int_equal(e.u.cr.cr, 8);
	assert_int_equal(e.u.cr.op, VM_CR_MOV_TO);
	assert_true(e.decode);
	assert_int_equal(translate(0x10, 0, 0).code, VM_EXIT_UNKNOWN); /* CR0 writes are not intercepted */
}

static void test_dr_writes(void **state)
{
	(void)state;
	for (unsigned n = 0; n < 4; n++) {
		struct vm_exit e = translate(0x30 + n, 0, 0);

		assert_int_equal(e.code, VM_EXIT_DR_ACCESS);
		assert_int_equal(e.u.dr.dr, n);
		assert_true(e.u.dr.write);
		assert_int_equal(e.u.dr.gpr, -1);
	}
	assert_int_equal(translate(0x37, 0, 0).code, VM_EXIT_UNKNOWN); /* DR7 writes are not intercepted */
}

static void test_unknown_codes(void **state)
{
	(void)state;
	assert_int_equal(translate(0x3f, 0, 0).code, VM_EXIT_UNKNOWN); /* below the exceptions */
	assert_int_equal(translate(0x77, 0, 0).code, VM_EXIT_UNKNOWN); /* PAUSE: not intercepted */
	assert_int_equal(translate(0x9f, 0, 0).code, VM_EXIT_UNKNOWN);
	assert_int_equal(translate(0xa0, 0, 0).code, VM_EXIT_UNKNOWN);
	assert_int_equal(translate(0x401, 0, 0).code, VM_EXIT_UNKNOWN);
	assert_int_equal(translate(0x401, 0, 0).insn_len, 0);
	assert_int_equal(translate(0xfffffffffffffffeull, 0, 0).code, VM_EXIT_UNKNOWN); /* VMEXIT_BUSY */
}

static void test_exit_names(void **state)
{
	(void)state;
	assert_string_equal(svm_exit_name(0x72), "cpuid");
	assert_string_equal(svm_exit_name(0x78), "hlt");
	assert_string_equal(svm_exit_name(0x7b), "ioio");
	assert_string_equal(svm_exit_name(0x400), "npf");
	assert_string_equal(svm_exit_name(0x81), "vmmcall");
	assert_string_equal(svm_exit_name(0xffffffffffffffffull), "invalid");
	assert_string_equal(svm_exit_name(0x40 + 14), "exception");
	assert_string_equal(svm_exit_name(0x3f), "unknown");
	assert_string_equal(svm_exit_name(0x1234), "unknown");
}

/* ---- VMCB layout at run time (APM vol. 2, appendix B, tables B-1 and B-2) ---- */

static void test_vmcb_offsets_match_manual(void **state)
{
	(void)state;
	assert_int_equal(sizeof(struct vmcb), 4096);
	assert_int_equal(offsetof(struct vmcb, control.intercept_misc1), 0x00c);
	assert_int_equal(offsetof(struct vmcb, control.msrpm_base_pa), 0x048);
	assert_int_equal(offsetof(struct vmcb, control.tsc_offset), 0x050);
	assert_int_equal(offsetof(struct vmcb, control.tlb_control), 0x05c);
	assert_int_equal(offsetof(struct vmcb, control.exit_info_1), 0x078);
	assert_int_equal(offsetof(struct vmcb, control.exit_info_2), 0x080);
	assert_int_equal(offsetof(struct vmcb, control.n_cr3), 0x0b0);
	assert_int_equal(offsetof(struct vmcb, control.insn_bytes), 0x0d1);
	assert_int_equal(offsetof(struct vmcb, save.cs), 0x410);
	assert_int_equal(offsetof(struct vmcb, save.idtr), 0x480);
	assert_int_equal(offsetof(struct vmcb, save.cr3), 0x550);
	assert_int_equal(offsetof(struct vmcb, save.cr0), 0x558);
	assert_int_equal(offsetof(struct vmcb, save.rflags), 0x570);
	assert_int_equal(offsetof(struct vmcb, save.lstar), 0x608);
	assert_int_equal(offsetof(struct vmcb, save.sysenter_eip), 0x638);
	assert_int_equal(offsetof(struct vmcb, save.dbgctl), 0x670);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_cpuid_without_nrips),
		T(test_cpuid_with_nrips_uses_next_rip),
		T(test_nrips_ignored_when_not_reported),
		T(test_hlt),
		T(test_vmmcall_is_hypercall),
		T(test_virtualisation_instructions),
		T(test_invd_and_wbinvd),
		T(test_io_out_byte),
		T(test_io_in_word_and_dword),
		T(test_io_rep_string),
		T(test_io_length_from_exit_info_2_even_with_nrips),
		T(test_msr_read_and_write),
		T(test_npf_not_present_read),
		T(test_npf_decode_assist_bytes),
		T(test_npf_present_write),
		T(test_npf_exec),
		T(test_shutdown_intr_nmi),
		T(test_exceptions),
		T(test_invalid_state),
		T(test_unknown_codes), T(test_invalid_state_32bit), T(test_cr4_write), T(test_cr8_write), T(test_dr_writes),
		T(test_exit_names),
		T(test_vmcb_offsets_match_manual),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
