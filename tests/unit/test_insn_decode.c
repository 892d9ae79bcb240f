/* SPDX-License-Identifier: MIT */
/* Unit tests for the x86 decoder: GAS-assembled cases (lengths from the assembler), operands, errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "arch/x86/insn_decode.h"
#include "kernel/errno.h"
#include "tests/unit/insn_cases.h"

/* One record of tests/unit/insn_cases.S. */
struct insn_case {
	uint64_t addr;
	uint8_t len, bits, kind, reg, rm, pad[3];
};
_Static_assert(sizeof(struct insn_case) == 16, "matches the .quad + 8 .byte record in insn_cases.S");
_Static_assert(K_CPUID == INSN_CPUID && K_MOV_TO_DR == INSN_MOV_TO_DR && K_XSETBV == INSN_XSETBV &&
		       K_INVLPGA == INSN_INVLPGA && K_OUTS == INSN_OUTS, "insn_cases.h follows enum insn_kind");

extern const struct insn_case insn_cases[], insn_cases_end[];

static enum insn_mode mode_of(uint8_t bits)
{
	return bits == 16 ? INSN_MODE_16 : bits == 32 ? INSN_MODE_32 : INSN_MODE_64;
}

static void test_assembled_cases(void **s)
{
	size_t n = (size_t)(insn_cases_end - insn_cases), failures = 0;
	(void)s;
	assert_true(n > 150);
	for (size_t i = 0; i < n; i++) {
		const struct insn_case *c = &insn_cases[i];
		const uint8_t *b = (const uint8_t *)(uintptr_t)c->addr;
		struct insn in;
		int rc = insn_decode(b, 15, mode_of(c->bits), &in);
		bool ok = rc == 0 && in.len == c->len && insn_classify(&in) == c->kind &&
			  (c->reg == K_ANY || in.reg == c->reg) && (c->rm == K_ANY || in.rm == c->rm);
		if (ok)
			continue;
		failures++;
		printf("case %zu (%u-bit): rc %d len %u/%u kind %d/%u reg %u/%u rm %u/%u bytes", i, c->bits, rc,
		       in.len, c->len, insn_classify(&in), c->kind, in.reg, c->reg, in.rm, c->rm);
		for (unsigned k = 0; k < c->len; k++)
			printf(" %02x", b[k]);
		printf("\n");
	}
	assert_int_equal(failures, 0);
}

/* Every assembled case cut short must ask for more bytes, never decode or fail differently. */
static void test_truncated_cases(void **s)
{
	size_t n = (size_t)(insn_cases_end - insn_cases);
	(void)s;
	for (size_t i = 0; i < n; i++) {
		const struct insn_case *c = &insn_cases[i];
		struct insn in;
		for (size_t avail = 0; avail < c->len; avail++)
			assert_int_equal(insn_decode((const uint8_t *)(uintptr_t)c->addr, avail, mode_of(c->bits), &in),
					 -EAGAIN);
	}
}

static int dec(const char *bytes, size_t n, enum insn_mode m, struct insn *in)
{
	return insn_decode((const uint8_t *)bytes, n, m, in);
}

static void test_operands(void **s)
{
	struct insn in;
	(void)s;
	/* mov 0x12345678(%rbx,%r9,4), %r10d: REX.RX, SIB, disp32 */
	assert_int_equal(dec("\x46\x8b\x94\x8b\x78\x56\x34\x12", 8, INSN_MODE_64, &in), 0);
	assert_int_equal(in.len, 8);
	assert_int_equal(in.reg, 10);
	assert_true(in.has_sib);
	assert_int_equal(in.sib, 0x8b);
	assert_int_equal(in.disp, 0x12345678);
	assert_int_equal(in.disp_size, 4);
	assert_int_equal(in.operand_size, 4);
	/* lea -0x10(%rip), %rax */
	assert_int_equal(dec("\x48\x8d\x05\xf0\xff\xff\xff", 7, INSN_MODE_64, &in), 0);
	assert_true(in.rip_relative);
	assert_int_equal(in.disp, -16);
	assert_int_equal(in.operand_size, 8);
	/* 16-bit: mov -2(%bp,%si), %ax */
	assert_int_equal(dec("\x8b\x42\xfe", 3, INSN_MODE_16, &in), 0);
	assert_int_equal(in.disp, -2);
	assert_int_equal(in.address_size, 2);
	assert_int_equal(in.operand_size, 2);
	/* movabs $imm64, %rax */
	assert_int_equal(dec("\x48\xb8\x88\x77\x66\x55\x44\x33\x22\x11", 10, INSN_MODE_64, &in), 0);
	assert_int_equal(in.imm, 0x1122334455667788ull);
	assert_int_equal(in.imm_size, 8);
	/* enter $0x1234, $5: imm16 then imm8 */
	assert_int_equal(dec("\xc8\x34\x12\x05", 4, INSN_MODE_32, &in), 0);
	assert_int_equal(in.imm, 0x1234);
	assert_int_equal(in.imm2, 5);
	/* ljmp $0x10, $0x12345678 in 32-bit */
	assert_int_equal(dec("\xea\x78\x56\x34\x12\x10\x00", 7, INSN_MODE_32, &in), 0);
	assert_int_equal(in.imm, 0x12345678);
	assert_int_equal(in.imm2, 0x10);
	/* prefixes: last segment and last of F2/F3 win; REX followed by 66 is ignored */
	assert_int_equal(dec("\x26\x64\xf3\xf2\x40\x66\x90", 7, INSN_MODE_64, &in), 0);
	assert_int_equal(in.seg, INSN_SEG_FS);
	assert_true(in.repne && !in.rep);
	assert_int_equal(in.rex, 0);
	assert_int_equal(in.nr_prefixes, 6);
	/* 64-bit mode ignores a null (ES/CS/SS/DS) override after GS; 32-bit mode takes the last */
	assert_int_equal(dec("\x65\x36\x8b\x00", 4, INSN_MODE_64, &in), 0);
	assert_int_equal(in.seg, INSN_SEG_GS);
	assert_int_equal(dec("\x65\x36\x8b\x00", 4, INSN_MODE_32, &in), 0);
	assert_int_equal(in.seg, INSN_SEG_SS);
	/* push in 64-bit mode defaults to 64-bit operands */
	assert_int_equal(dec("\x50", 1, INSN_MODE_64, &in), 0);
	assert_int_equal(in.operand_size, 8);
}

static void test_errors(void **s)
{
	static const char prefixes[16] = "\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66\x90";
	struct insn in;
	(void)s;
	assert_int_equal(dec(prefixes, 16, INSN_MODE_32, &in), -EINVAL);        /* 16 bytes */
	assert_int_equal(dec(prefixes + 1, 15, INSN_MODE_32, &in), 0);          /* 15 is fine */
	assert_int_equal(dec(prefixes, 14, INSN_MODE_32, &in), -EAGAIN);
	assert_int_equal(dec("\x06", 1, INSN_MODE_64, &in), -EINVAL);           /* push es */
	assert_int_equal(dec("\xea\0\0\0\0\0\0", 7, INSN_MODE_64, &in), -EINVAL); /* far jmp */
	assert_int_equal(dec("\x0f\x0b", 2, INSN_MODE_64, &in), 0);              /* ud2 decodes */
	assert_int_equal(dec("\x0f\x04", 2, INSN_MODE_64, &in), -EINVAL);
	assert_int_equal(dec("\x8d\xc0", 2, INSN_MODE_64, &in), -EINVAL);        /* lea reg */
	assert_int_equal(dec("\xff\xf8", 2, INSN_MODE_64, &in), -EINVAL);        /* ff /7 */
	assert_int_equal(dec("\x0f\x20\xc8", 3, INSN_MODE_64, &in), -EINVAL);    /* cr1 */
	assert_int_equal(dec("\xc5\xf8\x77", 3, INSN_MODE_64, &in), -ENOTSUP);   /* vzeroupper */
	assert_int_equal(dec("\xc5\xf8\x77", 3, INSN_MODE_32, &in), -ENOTSUP);
	assert_int_equal(dec("\xc5\x00", 2, INSN_MODE_32, &in), 0);              /* lds */
	assert_int_equal(dec("\x62\xf1\x7c\x48\x28\xc1", 6, INSN_MODE_64, &in), -ENOTSUP);
	assert_int_equal(dec("\x8f\xe9\x78\xe1\xc1", 5, INSN_MODE_64, &in), -ENOTSUP); /* XOP */
	assert_int_equal(dec("\x0f\x0f\xc1\x9e", 4, INSN_MODE_32, &in), -ENOTSUP);     /* 3DNow! */
	assert_int_equal(dec("\xc5", 1, INSN_MODE_32, &in), -EAGAIN);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_assembled_cases),
		cmocka_unit_test(test_truncated_cases),
		cmocka_unit_test(test_operands),
		cmocka_unit_test(test_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
