/* SPDX-License-Identifier: MIT */
/* Unit tests for arch/x86/vmx/vmx_exit.c: VMX exit information to vendor-neutral struct vm_exit, and name tables. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "arch/x86/vmx/vmx_exit.h"

/* Basic exit reasons, numbered as in Intel SDM vol. 3D appendix C ("VMX Basic Exit Reasons"). */
enum {
	R_EXCEPTION_NMI = 0,
	R_EXTERNAL_INTERRUPT = 1,
	R_TRIPLE_FAULT = 2,
	R_INTERRUPT_WINDOW = 7,
	R_CPUID = 10,
	R_GETSEC = 11,
	R_HLT = 12,
	R_INVD = 13,
	R_VMCALL = 18,
	R_VMCLEAR = 19,
	R_VMXON = 27,
	R_IO = 30,
	R_RDMSR = 31,
	R_WRMSR = 32,
	R_INVALID_GUEST_STATE = 33,
	R_MSR_LOADING = 34,
	R_MWAIT = 36,
	R_MONITOR = 39,
	R_MACHINE_CHECK = 41,
	R_EPT_VIOLATION = 48,
	R_INVEPT = 50,
	R_PREEMPTION_TIMER = 52,
	R_INVVPID = 53,
	R_WBINVD = 54,
	R_XSETBV = 55,
};
#define R_FAILED_ENTRY 0x80000000u /* bit 31 of the exit reason */

/* Interruption-information field (SDM "Information for VM Exits Due to Vectored Events"):
 * bits 7:0 vector, 10:8 type, 11 error code valid, 31 valid. */
#define II_VALID 0x80000000u
#define II_ERROR 0x800u
#define II_TYPE_NMI (2u << 8)
#define II_TYPE_HW_EXC (3u << 8)
#define II_TYPE_SW_EXC (6u << 8)

/* Translates an exit with the given reason and qualification; poisons the result first. */
static struct vm_exit translate_info(const struct vmx_exit_info *info)
{
	struct vm_exit e;

	memset(&e, 0xa5, sizeof(e));
	vmx_translate_exit(info, &e);
	return e;
}

static struct vm_exit translate(uint32_t reason, uint64_t qualification)
{
	struct vmx_exit_info info = { .reason = reason, .qualification = qualification };

	return translate_info(&info);
}

static struct vm_exit translate_io(uint64_t qualification)
{
	struct vm_exit e = translate(R_IO, qualification);

	assert_int_equal(e.code, VM_EXIT_IO);
	return e;
}

static struct vm_exit translate_ept(uint64_t qualification, uint64_t gpa)
{
	struct vmx_exit_info info = { .reason = R_EPT_VIOLATION, .qualification = qualification, .gpa = gpa };
	struct vm_exit e = translate_info(&info);

	assert_int_equal(e.code, VM_EXIT_NPF);
	assert_int_equal(e.u.npf.gpa, gpa);
	return e;
}

static struct vm_exit translate_exception(uint32_t intr_info, uint32_t intr_error)
{
	struct vmx_exit_info info = { .reason = R_EXCEPTION_NMI, .intr_info = intr_info, .intr_error = intr_error };

	return translate_info(&info);
}

/* ---- simple instruction exits -------------------------------------------- */

static void test_cpuid(void **state)
{
	struct vmx_exit_info info = { .reason = R_CPUID, .insn_len = 2 };
	struct vm_exit e = translate_info(&info);

	(void)state;
	assert_int_equal(e.code, VM_EXIT_CPUID);
	assert_int_equal(e.insn_len, 2);
	assert_int_equal(e.raw_reason, R_CPUID);
}

static void test_hlt(void **state)
{
	struct vmx_exit_info info = { .reason = R_HLT, .insn_len = 1 };
	struct vm_exit e = translate_info(&info);

	(void)state;
	assert_int_equal(e.code, VM_EXIT_HLT);
	assert_int_equal(e.insn_len, 1);
}

static void test_vmcall_is_hypercall(void **state)
{
	struct vmx_exit_info info = { .reason = R_VMCALL, .insn_len = 3 };
	struct vm_exit e = translate_info(&info);

	(void)state;
	assert_int_equal(e.code, VM_EXIT_HYPERCALL);
	assert_int_equal(e.insn_len, 3);
}

static void test_insn_len_copied_verbatim(void **state)
{
	/* A prefixed CPUID can be longer than 2 bytes; the CPU's length is what counts. */
	struct vmx_exit_info info = { .reason = R_CPUID, .insn_len = 15 };

	(void)state;
	assert_int_equal(translate_info(&info).insn_len, 15);
}

static void test_vmx_instructions_are_virt_insn(void **state)
{
	(void)state;
	/* VMCLEAR 19, VMLAUNCH 20, VMPTRLD 21, VMPTRST 22, VMREAD 23, VMRESUME 24, VMWRITE 25,
	 * VMXOFF 26, VMXON 27, then INVEPT 50 and INVVPID 53. */
	for (uint32_t r = R_VMCLEAR; r <= R_VMXON; r++)
		assert_int_equal(translate(r, 0).code, VM_EXIT_VIRT_INSN);
	assert_int_equal(translate(R_INVEPT, 0).code, VM_EXIT_VIRT_INSN);
	assert_int_equal(translate(R_INVVPID, 0).code, VM_EXIT_VIRT_INSN);
}

static void test_other_refused_instructions_are_virt_insn(void **state)
{
	(void)state;
	assert_int_equal(translate(R_GETSEC, 0).code, VM_EXIT_VIRT_INSN);
	assert_int_equal(translate(R_XSETBV, 0).code, VM_EXIT_VIRT_INSN);
	assert_int_equal(translate(R_MWAIT, 0).code, VM_EXIT_VIRT_INSN);
	assert_int_equal(translate(R_MONITOR, 0).code, VM_EXIT_VIRT_INSN);
}

static void test_invd_and_wbinvd(void **state)
{
	(void)state;
	assert_int_equal(translate(R_INVD, 0).code, VM_EXIT_INVD);
	assert_int_equal(translate(R_WBINVD, 0).code, VM_EXIT_INVD);
}

/* ---- I/O --------------------------------------------------------------------- */

static void test_io_out_byte(void **state)
{
	/* OUT DX, AL to 0x3f8: size 0 (1 byte), direction 0 (OUT), port in bits 31:16. */
	struct vm_exit e = translate_io(0x03f80000);

	(void)state;
	assert_int_equal(e.u.io.port, 0x3f8);
	assert_int_equal(e.u.io.size, 1);
	assert_false(e.u.io.in);
	assert_false(e.u.io.string);
	assert_false(e.u.io.rep);
}

static void test_io_in_word(void **state)
{
	struct vm_exit e = translate_io(0x01f00000 | 0x8 | 0x1); /* IN AX, DX from 0x1f0 */

	(void)state;
	assert_int_equal(e.u.io.port, 0x1f0);
	assert_int_equal(e.u.io.size, 2);
	assert_true(e.u.io.in);
}

static void test_io_in_dword_immediate(void **state)
{
	/* IN EAX, 0x71: size 3 (4 bytes), bit 6 = immediate operand (must not disturb anything). */
	struct vm_exit e = translate_io(0x00710000 | 0x40 | 0x8 | 0x3);

	(void)state;
	assert_int_equal(e.u.io.port, 0x71);
	assert_int_equal(e.u.io.size, 4);
	assert_true(e.u.io.in);
	assert_false(e.u.io.string);
}

static void test_io_rep_outsb(void **state)
{
	struct vm_exit e = translate_io(0xcf8c0000 | 0x20 | 0x10); /* REP OUTSB to 0xcf8c */

	(void)state;
	assert_int_equal(e.u.io.port, 0xcf8c);
	assert_int_equal(e.u.io.size, 1);
	assert_false(e.u.io.in);
	assert_true(e.u.io.string);
	assert_true(e.u.io.rep);
}

static void test_io_string_without_rep(void **state)
{
	struct vm_exit e = translate_io(0x00600000 | 0x10 | 0x8 | 0x1); /* INSW from 0x60 */

	(void)state;
	assert_true(e.u.io.string);
	assert_false(e.u.io.rep);
	assert_true(e.u.io.in);
	assert_int_equal(e.u.io.size, 2);
}

static void test_io_highest_port(void **state)
{
	(void)state;
	assert_int_equal(translate_io(0xffff0000).u.io.port, 0xffff);
}

/* ---- MSR --------------------------------------------------------------------- */

static void test_rdmsr_index_from_ecx(void **state)
{
	/* RDMSR uses ECX only: the upper half of RCX must be ignored. */
	struct vmx_exit_info info = { .reason = R_RDMSR, .guest_rcx = 0xdeadbeefc0000080ull, .insn_len = 2 };
	struct vm_exit e = translate_info(&info);

	(void)state;
	assert_int_equal(e.code, VM_EXIT_MSR);
	assert_int_equal(e.u.msr.index, 0xc0000080);
	assert_false(e.u.msr.write);
	assert_int_equal(e.insn_len, 2);
}

static void test_wrmsr_is_write(void **state)
{
	struct vmx_exit_info info = { .reason = R_WRMSR, .guest_rcx = 0x1b };
	struct vm_exit e = translate_info(&info);

	(void)state;
	assert_int_equal(e.code, VM_EXIT_MSR);
	assert_int_equal(e.u.msr.index, 0x1b);
	assert_true(e.u.msr.write);
}

/* ---- EPT violation (SDM table "Exit Qualification for EPT Violations") ---------- */

static void test_ept_read_of_unmapped(void **state)
{
	/* bit 0 data read, bits 5:3 = 0 (nothing mapped), bit 7 linear address valid. */
	struct vm_exit e = translate_ept(0x81, 0x12345678);

	(void)state;
	assert_true(e.u.npf.read);
	assert_false(e.u.npf.write);
	assert_false(e.u.npf.exec);
	assert_false(e.u.npf.present);
}

static void test_ept_write_to_read_only(void **state)
{
	/* bit 1 data write; bit 3 (readable) and bit 5 (executable) set: a permission fault. */
	struct vm_exit e = translate_ept(0x2 | 0x8 | 0x20 | 0x180, 0xfee00000);

	(void)state;
	assert_false(e.u.npf.read);
	assert_true(e.u.npf.write);
	assert_false(e.u.npf.exec);
	assert_true(e.u.npf.present);
}

static void test_ept_fetch(void **state)
{
	struct vm_exit e = translate_ept(0x4, 0x100000);

	(void)state;
	assert_false(e.u.npf.read);
	assert_false(e.u.npf.write);
	assert_true(e.u.npf.exec);
	assert_false(e.u.npf.present);
}

static void test_ept_present_from_each_of_bits_3_to_5(void **state)
{
	(void)state;
	assert_true(translate_ept(0x1 | 0x8, 0).u.npf.present);
	assert_true(translate_ept(0x1 | 0x10, 0).u.npf.present);
	assert_true(translate_ept(0x1 | 0x20, 0).u.npf.present); /* read of an execute-only page */
	assert_false(translate_ept(0x1 | 0x40 | 0x80 | 0x100, 0).u.npf.present);
}

static void test_ept_read_modify_write_reports_read_and_write(void **state)
{
	/* The SDM: a read-modify-write "sets bit 1 (data write). Whether it also sets bit 0 (data
	 * read) is implementation-specific". When the CPU does set bit 0, the access was a read too. */
	struct vm_exit e = translate_ept(0x3, 0x2000);

	(void)state;
	assert_true(e.u.npf.write);
	/* Bit 0 decides, not "neither write nor fetch" (the AMD error code has no read bit). */
	assert_true(e.u.npf.read);
}

static void test_ept_gpa_full_width(void **state)
{
	(void)state;
	assert_int_equal(translate_ept(0x1, 0x000fedcba9876543ull).u.npf.gpa, 0x000fedcba9876543ull);
}

/* ---- events -------------------------------------------------------------------- */

static void test_triple_fault_is_shutdown(void **state)
{
	(void)state;
	assert_int_equal(translate(R_TRIPLE_FAULT, 0).code, VM_EXIT_SHUTDOWN);
}

static void test_external_interrupt_and_preemption_timer_are_intr(void **state)
{
	(void)state;
	assert_int_equal(translate(R_EXTERNAL_INTERRUPT, 0).code, VM_EXIT_INTR);
	assert_int_equal(translate(R_PREEMPTION_TIMER, 0).code, VM_EXIT_INTR);
}

static void test_interrupt_window(void **state)
{
	(void)state;
	assert_int_equal(translate(R_INTERRUPT_WINDOW, 0).code, VM_EXIT_IRQ_WINDOW);
}

static void test_nmi(void **state)
{
	struct vm_exit e = translate_exception(II_VALID | II_TYPE_NMI | 2, 0);

	(void)state;
	assert_int_equal(e.code, VM_EXIT_NMI);
}

static void test_exception_with_error_code(void **state)
{
	/* #GP (13) with error code 0x10 */
	struct vm_exit e = translate_exception(II_VALID | II_ERROR | II_TYPE_HW_EXC | 13, 0x10);

	(void)state;
	assert_int_equal(e.code, VM_EXIT_EXCEPTION);
	assert_int_equal(e.u.exception.vector, 13);
	assert_true(e.u.exception.has_error);
	assert_int_equal(e.u.exception.error_code, 0x10);
}

static void test_exception_without_error_code(void **state)
{
	/* #UD (6): no error code */
	struct vm_exit e = translate_exception(II_VALID | II_TYPE_HW_EXC | 6, 0xdead);

	(void)state;
	assert_int_equal(e.code, VM_EXIT_EXCEPTION);
	assert_int_equal(e.u.exception.vector, 6);
	assert_false(e.u.exception.has_error);
}

static void test_software_exception_is_exception(void **state)
{
	/* INT3 (#BP, vector 3) is reported with type 6, software exception. */
	struct vm_exit e = translate_exception(II_VALID | II_TYPE_SW_EXC | 3, 0);

	(void)state;
	assert_int_equal(e.code, VM_EXIT_EXCEPTION);
	assert_int_equal(e.u.exception.vector, 3);
}

static void test_page_fault_vector_and_error(void **state)
{
	struct vm_exit e = translate_exception(II_VALID | II_ERROR | II_TYPE_HW_EXC | 14, 0x7);

	(void)state;
	assert_int_equal(e.u.exception.vector, 14);
	assert_int_equal(e.u.exception.error_code, 0x7);
}

/* ---- failed entries and unknown reasons ------------------------------------------ */

static void test_invalid_guest_state(void **state)
{
	(void)state;
	/* The CPU reports these with bit 31 set; the basic number alone must also be understood. */
	assert_int_equal(translate(R_INVALID_GUEST_STATE, 0).code, VM_EXIT_INVALID_STATE);
	assert_int_equal(translate(R_FAILED_ENTRY | R_INVALID_GUEST_STATE, 0).code, VM_EXIT_INVALID_STATE);
	assert_int_equal(translate(R_FAILED_ENTRY | R_MSR_LOADING, 0).code, VM_EXIT_INVALID_STATE);
	assert_int_equal(translate(R_FAILED_ENTRY | R_MACHINE_CHECK, 0).code, VM_EXIT_INVALID_STATE);
}

static void test_failed_entry_bit_wins_over_basic_reason(void **state)
{
	struct vm_exit e = translate(R_FAILED_ENTRY | R_IO, 0x03f80000);

	(void)state;
	assert_int_equal(e.code, VM_EXIT_INVALID_STATE);
	assert_int_equal(e.raw_reason, R_FAILED_ENTRY | R_IO);
}

static void test_unknown_reasons(void **state)
{
	(void)state;
	assert_int_equal(translate(64, 0).code, VM_EXIT_UNKNOWN);
	assert_int_equal(translate(65, 0).code, VM_EXIT_UNKNOWN);
	assert_int_equal(translate(1000, 0).code, VM_EXIT_UNKNOWN);
	assert_int_equal(translate(0xffff, 0).code, VM_EXIT_UNKNOWN);
	assert_int_equal(translate(1000, 0).raw_reason, 1000);
}

/* ---- names ---------------------------------------------------------------------- */

static void test_exit_reason_names(void **state)
{
	(void)state;
	assert_string_equal(vmx_exit_reason_name(R_CPUID), "cpuid");
	assert_string_equal(vmx_exit_reason_name(R_EPT_VIOLATION), "ept-violation");
	assert_string_equal(vmx_exit_reason_name(R_HLT), "hlt");
	/* The failed-entry bit does not change which reason it is. */
	assert_string_equal(vmx_exit_reason_name(R_FAILED_ENTRY | R_INVALID_GUEST_STATE), "invalid-guest-state");
}

static void test_exit_reason_names_unknown(void **state)
{
	(void)state;
	assert_string_equal(vmx_exit_reason_name(64), "unknown");
	assert_string_equal(vmx_exit_reason_name(1000), "unknown");
	assert_string_equal(vmx_exit_reason_name(0xffffffffu), "unknown");
}

static void test_every_translated_reason_has_a_name(void **state)
{
	(void)state;
	for (uint32_t r = 0; r < 70; r++)
		if (translate(r, 0).code != VM_EXIT_UNKNOWN)
			assert_string_not_equal(vmx_exit_reason_name(r), "unknown");
}

static void test_insn_error_names(void **state)
{
	(void)state;
	/* SDM vol. 3C, "VM-Instruction Error Numbers". */
	assert_string_equal(vmx_insn_error_name(7), "VM entry with invalid control field(s)");
	assert_string_equal(vmx_insn_error_name(8), "VM entry with invalid host-state field(s)");
	assert_string_equal(vmx_insn_error_name(11), "VMPTRLD with incorrect VMCS revision identifier");
	assert_string_equal(vmx_insn_error_name(12), "VMREAD/VMWRITE from/to unsupported VMCS component");
	assert_string_equal(vmx_insn_error_name(26), "VM entry with events blocked by MOV SS");
	assert_non_null(strstr(vmx_insn_error_name(28), "INVEPT/INVVPID"));
}

static void test_insn_error_names_unknown(void **state)
{
	/* 0 means "no error"; 14, 21, 27 and 29 are not assigned; 99 is beyond the table. */
	static const uint32_t unknown[] = { 0, 14, 21, 27, 29, 99, 0xffffffffu };

	(void)state;

	for (size_t i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++)
		assert_string_equal(vmx_insn_error_name(unknown[i]), "unknown VM-instruction error");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cpuid),
		cmocka_unit_test(test_hlt),
		cmocka_unit_test(test_vmcall_is_hypercall),
		cmocka_unit_test(test_insn_len_copied_verbatim),
		cmocka_unit_test(test_vmx_instructions_are_virt_insn),
		cmocka_unit_test(test_other_refused_instructions_are_virt_insn),
		cmocka_unit_test(test_invd_and_wbinvd),
		cmocka_unit_test(test_io_out_byte),
		cmocka_unit_test(test_io_in_word),
		cmocka_unit_test(test_io_in_dword_immediate),
		cmocka_unit_test(test_io_rep_outsb),
		cmocka_unit_test(test_io_string_without_rep),
		cmocka_unit_test(test_io_highest_port),
		cmocka_unit_test(test_rdmsr_index_from_ecx),
		cmocka_unit_test(test_wrmsr_is_write),
		cmocka_unit_test(test_ept_read_of_unmapped),
		cmocka_unit_test(test_ept_write_to_read_only),
		cmocka_unit_test(test_ept_fetch),
		cmocka_unit_test(test_ept_present_from_each_of_bits_3_to_5),
		cmocka_unit_test(test_ept_read_modify_write_reports_read_and_write),
		cmocka_unit_test(test_ept_gpa_full_width),
		cmocka_unit_test(test_triple_fault_is_shutdown),
		cmocka_unit_test(test_external_interrupt_and_preemption_timer_are_intr),
		cmocka_unit_test(test_interrupt_window),
		cmocka_unit_test(test_nmi),
		cmocka_unit_test(test_exception_with_error_code),
		cmocka_unit_test(test_exception_without_error_code),
		cmocka_unit_test(test_software_exception_is_exception),
		cmocka_unit_test(test_page_fault_vector_and_error),
		cmocka_unit_test(test_invalid_guest_state),
		cmocka_unit_test(test_failed_entry_bit_wins_over_basic_reason),
		cmocka_unit_test(test_unknown_reasons),
		cmocka_unit_test(test_exit_reason_names),
		cmocka_unit_test(test_exit_reason_names_unknown),
		cmocka_unit_test(test_every_translated_reason_has_a_name),
		cmocka_unit_test(test_insn_error_names),
		cmocka_unit_test(test_insn_error_names_unknown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
