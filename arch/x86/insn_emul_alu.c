/* SPDX-License-Identifier: MIT */
/* The ALU of the instruction emulator: ADD..CMP results and the arithmetic flags as the CPU sets them. */
#include "arch/x86/insn_emul.h"

static uint64_t width_mask(unsigned width)
{
	return width >= 8 ? ~0ull : (1ull << (width * 8)) - 1;
}

static uint64_t sign_bit(unsigned width)
{
	return 1ull << (width * 8 - 1);
}

/* PF counts the low byte only, whatever the operand width: set when its number of ones is even. */
static uint64_t parity_flag(uint64_t res)
{
	uint8_t b = (uint8_t)res;

	b ^= b >> 4;
	b ^= b >> 2;
	b ^= b >> 1;
	return b & 1 ? 0 : EMUL_PF;
}

static uint64_t szp(uint64_t res, unsigned width)
{
	uint64_t f = parity_flag(res);

	if (!(res & width_mask(width)))
		f |= EMUL_ZF;
	if (res & sign_bit(width))
		f |= EMUL_SF;
	return f;
}

/* a + b + carry: CF is the carry out of the top bit, OF a sign change both inputs did not have,
 * AF the carry out of bit 3. */
static uint64_t add_flags(uint64_t a, uint64_t b, uint64_t carry, unsigned width, uint64_t *f)
{
	uint64_t m = width_mask(width), res = (a + b + carry) & m;

	*f = szp(res, width);
	if (res < a || (carry && res == a))
		*f |= EMUL_CF;
	if ((a ^ res) & (b ^ res) & sign_bit(width))
		*f |= EMUL_OF;
	if ((a ^ b ^ res) & 0x10)
		*f |= EMUL_AF;
	return res;
}

/* a - b - borrow: CF a borrow out of the top bit, OF when the operands' signs differ and the
 * result's sign differs from a's. */
static uint64_t sub_flags(uint64_t a, uint64_t b, uint64_t borrow, unsigned width, uint64_t *f)
{
	uint64_t m = width_mask(width), res = (a - b - borrow) & m;

	*f = szp(res, width);
	if (a < b || (borrow && a == b))
		*f |= EMUL_CF;
	if ((a ^ b) & (a ^ res) & sign_bit(width))
		*f |= EMUL_OF;
	if ((a ^ b ^ res) & 0x10)
		*f |= EMUL_AF;
	return res;
}

/* Logic ops clear CF and OF; AF is architecturally undefined and the CPUs we run on clear it. */
uint64_t emul_alu(enum emul_alu op, uint64_t a, uint64_t b, unsigned width, uint64_t rflags_in,
		  uint64_t *flags_out)
{
	uint64_t m = width_mask(width), carry = rflags_in & EMUL_CF ? 1 : 0, res;

	a &= m;
	b &= m;
	switch (op) {
	case EMUL_ADD: return add_flags(a, b, 0, width, flags_out);
	case EMUL_ADC: return add_flags(a, b, carry, width, flags_out);
	case EMUL_SUB:
	case EMUL_CMP: return sub_flags(a, b, 0, width, flags_out);
	case EMUL_SBB: return sub_flags(a, b, carry, width, flags_out);
	case EMUL_OR: res = a | b; break;
	case EMUL_AND: res = a & b; break;
	default: res = a ^ b; break;
	}
	*flags_out = szp(res, width);
	return res;
}
