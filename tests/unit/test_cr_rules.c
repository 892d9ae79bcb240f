/* SPDX-License-Identifier: MIT */
/* Unit tests for the architectural CR0/CR4/CR8/EFER/DR checks (kernel/cr_rules.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "arch/x86/cr.h"
#include "kernel/cr_rules.h"
#include "kernel/errno.h"

/* A 64-bit guest as Basalt starts it: paging, PAE, long mode active, 64-bit code. */
static const struct cr_state long_mode = {
	.cr0 = CR0_PE | CR0_ET | CR0_NE | CR0_PG, .cr4 = CR4_PAE, .efer = EFER_LME | EFER_LMA | EFER_SCE,
	.code64 = true,
};
/* What Basalt's CPUID shows on a typical host: leaf 1 EDX/ECX, leaf 7 EBX (FSGSBASE SMEP SMAP). */
#define L1_EDX 0x078ba17fu
#define L1_ECX 0x42d82203u
#define L7_EBX ((1u << 0) | (1u << 7) | (1u << 20))

static void test_cr0(void **state)
{
	uint64_t v;

	(void)state;
	assert_int_equal(cr_check_cr0(&long_mode, long_mode.cr0 | CR0_WP, &v), 0);
	assert_int_equal(v, long_mode.cr0 | CR0_WP);
	assert_int_equal(cr_check_cr0(&long_mode, long_mode.cr0 | (1ull << 32), &v), -EINVAL);
	assert_int_equal(cr_check_cr0(&long_mode, (long_mode.cr0 & ~CR0_PE), &v), -EINVAL); /* PG without PE */
	assert_int_equal(cr_check_cr0(&long_mode, long_mode.cr0 | CR0_NW, &v), -EINVAL);    /* NW without CD */
	assert_int_equal(cr_check_cr0(&long_mode, long_mode.cr0 | CR0_NW | CR0_CD, &v), 0);
	assert_int_equal(cr_check_cr0(&long_mode, long_mode.cr0 & ~CR0_PG, &v), -EINVAL);   /* in 64-bit code */
	/* Reserved low bits are ignored, ET reads as 1. */
	assert_int_equal(cr_check_cr0(&long_mode, (long_mode.cr0 | (1ull << 7)) & ~CR0_ET, &v), 0);
	assert_int_equal(v, long_mode.cr0);
}

static void test_cr0_paging_switch(void **state)
{
	struct cr_state s = { .cr0 = CR0_PE | CR0_ET, .cr4 = 0, .efer = EFER_LME };
	uint64_t v;

	(void)state;
	assert_int_equal(cr_check_cr0(&s, s.cr0 | CR0_PG, &v), -EINVAL); /* long mode needs PAE first */
	s.cr4 = CR4_PAE;
	assert_int_equal(cr_check_cr0(&s, s.cr0 | CR0_PG, &v), 0);
	assert_int_equal(cr_efer_after_cr0(s.efer, s.cr0, v), EFER_LME | EFER_LMA);
	assert_int_equal(cr_efer_after_cr0(EFER_LME | EFER_LMA, v, s.cr0), EFER_LME);
	assert_int_equal(cr_efer_after_cr0(0, s.cr0, s.cr0 | CR0_PG), 0); /* legacy paging */
	/* Compatibility mode may switch paging off. */
	s = long_mode;
	s.code64 = false;
	assert_int_equal(cr_check_cr0(&s, s.cr0 & ~CR0_PG, &v), 0);
}

static void test_cr4(void **state)
{
	uint64_t allowed = cr_cr4_allowed(L1_EDX, L1_ECX, L7_EBX, 0), v;

	(void)state;
	assert_true(allowed & CR4_PAE);
	assert_true(allowed & CR4_PGE);
	assert_true(allowed & CR4_OSFXSR);
	assert_true(allowed & CR4_SMEP);
	assert_false(allowed & CR4_OSXSAVE); /* XSAVE hidden */
	assert_false(allowed & CR4_VMXE);
	assert_false(allowed & CR4_MCE);     /* MCE hidden */
	assert_false(allowed & CR4_PCIDE);
	assert_false(allowed & CR4_LA57);
	assert_false(allowed & CR4_UMIP);
	assert_false(allowed & CR4_PKE);
	assert_false(allowed & (1ull << 32));
	assert_int_equal(cr_check_cr4(&long_mode, CR4_PAE | CR4_PGE | CR4_OSFXSR, allowed, &v), 0);
	assert_int_equal(cr_check_cr4(&long_mode, CR4_PAE | CR4_OSXSAVE, allowed, &v), -EINVAL);
	assert_int_equal(cr_check_cr4(&long_mode, CR4_PAE | (1ull << 40), allowed, &v), -EINVAL);
	assert_int_equal(cr_check_cr4(&long_mode, CR4_PGE, allowed, &v), -EINVAL); /* PAE off in long mode */
	assert_true(cr_cr4_allowed(0, 1u << 26, 0, 0) & CR4_OSXSAVE); /* a guest shown XSAVE may */
}

static void test_cr8(void **state)
{
	uint64_t v;

	(void)state;
	assert_int_equal(cr_check_cr8(15, &v), 0);
	assert_int_equal(v, 15);
	assert_int_equal(cr_check_cr8(16, &v), -EINVAL);
	assert_int_equal(cr_check_cr8(~0ull, &v), -EINVAL);
}

static void test_efer(void **state)
{
	uint64_t allowed = cr_efer_allowed((1u << 11) | (1u << 20) | (1u << 29)), v;

	(void)state;
	assert_int_equal(allowed, EFER_SCE | EFER_LME | EFER_NXE);
	assert_int_equal(cr_check_efer(&long_mode, long_mode.efer | EFER_NXE, allowed, &v), 0);
	assert_int_equal(v, long_mode.efer | EFER_NXE);
	assert_int_equal(cr_check_efer(&long_mode, long_mode.efer | EFER_SVME, allowed, &v), -EINVAL);
	assert_int_equal(cr_check_efer(&long_mode, long_mode.efer | (1ull << 1), allowed, &v), -EINVAL);
	assert_int_equal(cr_check_efer(&long_mode, long_mode.efer | (1ull << 63), allowed, &v), -EINVAL);
	assert_int_equal(cr_check_efer(&long_mode, long_mode.efer & ~EFER_LME, allowed, &v), -EINVAL);
	/* LMA is the CPU's: a written 0 leaves it set. */
	assert_int_equal(cr_check_efer(&long_mode, long_mode.efer & ~EFER_LMA, allowed, &v), 0);
	assert_int_equal(v, long_mode.efer);
	assert_int_equal(cr_check_efer(&long_mode, long_mode.efer, cr_efer_allowed(0), &v), -EINVAL);
}

static void test_debug_registers(void **state)
{
	uint64_t v;

	(void)state;
	assert_int_equal(dr_check_dr6(0, &v), 0);
	assert_int_equal(v, DR6_RESET);
	assert_int_equal(dr_check_dr6(0xffffffffu, &v), 0);
	assert_int_equal(v, 0xffffeff0ull | 0xf); /* bit 12 stays 0 */
	assert_int_equal(dr_check_dr6(1ull << 32, &v), -EINVAL);
	assert_int_equal(dr_check_dr7(0, &v), 0);
	assert_int_equal(v, DR7_RESET);
	assert_int_equal(dr_check_dr7(0xffffffffu, &v), 0);
	assert_int_equal(v, 0xffff27ffull);
	assert_int_equal(dr_check_dr7(1ull << 40, &v), -EINVAL);
}

static void test_io_breakpoints(void **state)
{
	const uint64_t dr[4] = { 0x80, 0x3f8, 0x71, 0x1234 };
	/* DR0: I/O 1 byte, local enable; DR1: I/O 4 bytes (0x3f8-0x3fb), global; DR2: data write. */
	uint64_t dr7 = 0x1 | (2ull << 16) | (0x2 << 2) | (2ull << 20) | (3ull << 22) | (0x1 << 4) | (1ull << 24);

	(void)state;
	assert_int_equal(dr_io_breakpoint_hits(dr7, dr, CR4_DE, 0x80, 1), DR6_B(0));
	assert_int_equal(dr_io_breakpoint_hits(dr7, dr, CR4_DE, 0x7f, 2), DR6_B(0)); /* 0x7f-0x80 */
	assert_int_equal(dr_io_breakpoint_hits(dr7, dr, CR4_DE, 0x81, 1), 0);
	assert_int_equal(dr_io_breakpoint_hits(dr7, dr, CR4_DE, 0x3fa, 1), DR6_B(1));
	assert_int_equal(dr_io_breakpoint_hits(dr7, dr, CR4_DE, 0x71, 1), 0);       /* a data breakpoint */
	assert_int_equal(dr_io_breakpoint_hits(dr7, dr, 0, 0x80, 1), 0);            /* CR4.DE off */
	assert_int_equal(dr_io_breakpoint_hits(dr7 & ~3ull, dr, CR4_DE, 0x80, 1), 0); /* disabled */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cr0), cmocka_unit_test(test_cr0_paging_switch), cmocka_unit_test(test_cr4),
		cmocka_unit_test(test_cr8), cmocka_unit_test(test_efer), cmocka_unit_test(test_debug_registers),
		cmocka_unit_test(test_io_breakpoints),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
