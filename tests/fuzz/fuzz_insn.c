/* SPDX-License-Identifier: MIT */
/* libFuzzer target: insn_decode against Zydis; every form we claim must agree in length and memory operand. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <Zydis/Zydis.h>

#include "arch/x86/insn_decode.h"
#include "arch/x86/insn_emul.h"
#include "kernel/errno.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void dump_and_trap(const char *why, const uint8_t *b, size_t n, int mode)
{
	fprintf(stderr, "fuzz_insn: %s (mode %d):", why, mode);
	for (size_t i = 0; i < n && i < 16; i++)
		fprintf(stderr, " %02x", b[i]);
	fprintf(stderr, "\n");
	__builtin_trap();
}

#define CHECK(cond, why)                                  \
	do {                                              \
		if (!(cond))                              \
			dump_and_trap(why, buf, len, mode); \
	} while (0)

static const ZydisMachineMode zmode[3] = { ZYDIS_MACHINE_MODE_LEGACY_16, ZYDIS_MACHINE_MODE_LEGACY_32,
					   ZYDIS_MACHINE_MODE_LONG_64 };
static const ZydisStackWidth zstack[3] = { ZYDIS_STACK_WIDTH_16, ZYDIS_STACK_WIDTH_32, ZYDIS_STACK_WIDTH_64 };

static ZyanStatus zydis(int mode, const uint8_t *b, size_t n, ZydisDecodedInstruction *zi)
{
	ZydisDecoder dec;
	ZydisDecoderContext ctx;

	ZydisDecoderInit(&dec, zmode[mode], zstack[mode]);
	/* No MPX: current CPUs decode 0F 1A/1B as the hint NOPs they were before MPX. */
	ZydisDecoderEnableMode(&dec, ZYDIS_DECODER_MODE_MPX, ZYAN_FALSE);
	return ZydisDecoderDecodeInstruction(&dec, &ctx, b, n, zi);
}

/*
 * Zydis refuses some encodings for reasons that do not change the length, where the CPU decodes
 * them (or this decoder deliberately keeps them for insn_classify to judge):
 *  - LOCK on an instruction that cannot be locked (#UD at execution, same length). The LOCK bytes
 *    are replaced by an ES override, which no instruction here gives a meaning to, and Zydis retried.
 *  - Mandatory prefixes: insn_decode does not model which of none/66/F3/F2 an SSE/MMX opcode
 *    accepts (nor that x87 and a few others refuse F2/F3), because the length never depends on it
 *    except for 0F 78, which it handles. Zydis is retried with the F2/F3/66 bytes neutralised to ES
 *    overrides and with one of them prepended; a variant must decode with our length (+1 when a byte
 *    was prepended). Neutralising 66 changes Iz sizes, so it can only cause false alarms, never hide
 *    a wrong length.
 *  - MOV DR with REX.R: the SDM makes DR8..DR15 #UD, and Zydis refuses them; insn_decode still
 *    decodes them (same length as DR0..7) so insn_classify can report INSN_OTHER, as specified.
 * *delta is the length difference of the variant Zydis accepted.
 */
/* Overwrites with p a prefix byte that changes no length among the first n (the prefixes): the
 * last segment override, else in 64-bit code a REX that another REX after it voids, else one copy
 * of a prefix given twice. */
static bool put_over_neutral_prefix(uint8_t *b, size_t n, uint8_t p, int mode)
{
	for (size_t i = n; i-- > 0;) {
		if (b[i] == 0x26 || b[i] == 0x2e || b[i] == 0x36 || b[i] == 0x3e || b[i] == 0x64 || b[i] == 0x65) {
			b[i] = p;
			return true;
		}
	}
	for (size_t i = 0; mode == 2 && i + 1 < n; i++) {
		if ((b[i] & 0xf0) == 0x40) {
			b[i] = p;
			return true;
		}
	}
	for (size_t i = 0; i < n; i++) /* a prefix given twice: one copy is enough */
		for (size_t j = i + 1; j < n; j++)
			if (b[i] == b[j] && (mode != 2 || (b[i] & 0xf0) != 0x40)) {
				b[i] = p;
				return true;
			}
	return false;
}

static ZyanStatus zydis_relaxed(int mode, const uint8_t *b, const struct insn *in, ZydisDecodedInstruction *zi,
				int *delta)
{
	static const uint8_t front[] = { 0, 0x66, 0xf3, 0xf2 };
	uint8_t tmp[INSN_MAX_LEN + 2], src[INSN_MAX_LEN];
	ZyanStatus st;

	*delta = 0;
	memcpy(src, b, in->len);
	if (in->map == 1 && (in->opcode == 0x21 || in->opcode == 0x23) && (in->rex & 4))
		src[in->nr_prefixes - 1] &= (uint8_t)~4; /* the REX byte directly precedes 0F */
	b = src;
	st = zydis(mode, b, in->len, zi);
	if (st != ZYDIS_STATUS_ILLEGAL_LOCK && st != ZYDIS_STATUS_DECODING_ERROR)
		return st;
	for (int strip66 = 0; strip66 < 2; strip66++) {
		for (size_t f = 0; f < sizeof(front); f++) {
			/* At 15 bytes there is no room to prepend: the candidate overwrites the first prefix. */
			bool full = in->len == INSN_MAX_LEN;
			size_t k = front[f] && !full ? 1 : 0;
			tmp[0] = front[f];
			memcpy(tmp + k, b, in->len);
			for (size_t i = 0; i < in->nr_prefixes; i++) {
				uint8_t *p = &tmp[k + i];
				if (*p == 0xf0 || *p == 0xf2 || *p == 0xf3 || (strip66 && *p == 0x66))
					*p = 0x26;
			}
			/* At full length the candidate takes the place of a prefix that changes no length
			 * (the first prefix could be 67 or 66, which do). */
			if (full && front[f] && !put_over_neutral_prefix(tmp, in->nr_prefixes, front[f], mode))
				continue;
			st = zydis(mode, tmp, in->len + k, zi);
			if (ZYAN_SUCCESS(st) && zi->length == in->len + k) {
				*delta = (int)k;
				return st;
			}
		}
	}
	return st;
}

static void compare(const struct insn *in, const ZydisDecodedInstruction *zi, int delta, const uint8_t *buf,
		    size_t len, int mode)
{
	/* MOV CR/DR ignore mod: neither side has a memory operand whatever the bits say. */
	bool forced = in->map == 1 && in->opcode >= 0x20 && in->opcode <= 0x23;
	bool mem = in->has_modrm && in->mod != 3 && !forced;
	bool zmem = (zi->attributes & ZYDIS_ATTRIB_HAS_MODRM) && zi->raw.modrm.mod != 3 && !forced;

	CHECK(zi->length == in->len + delta, "length differs");
	CHECK(mem == zmem, "memory operand differs");
	if (!mem)
		return;
	CHECK(zi->raw.modrm.mod == in->mod, "modrm differs");
	CHECK(!!(zi->attributes & ZYDIS_ATTRIB_HAS_SIB) == in->has_sib, "sib differs");
	CHECK(!in->has_sib || (zi->raw.sib.scale << 6 | zi->raw.sib.index << 3 | zi->raw.sib.base) == in->sib,
	      "sib byte differs");
	CHECK(zi->raw.disp.size == in->disp_size * 8, "disp size differs");
	CHECK(zi->raw.disp.value == in->disp, "disp value differs");
}

/*
 * The emulator's view of the memory operands against Zydis's: each GPR holds a distinct
 * random-looking value and each segment a distinct base, so the same linear address means the same
 * base, index, scale, displacement, segment and address-size wrap. The width must agree too.
 */
static const uint64_t fuzz_gpr[16] = {
	0x9c1f3a5b7d2e4f60ull, 0x1b2c3d4e5f607182ull, 0xf0e1d2c3b4a59687ull, 0x0123456789abcdefull,
	0x7fedcba987654321ull, 0x3141592653589793ull, 0x2718281828459045ull, 0xdeadbeefcafef00dull,
	0x5555aaaa3333ccccull, 0x0f1e2d3c4b5a6978ull, 0x8badf00d0ddba11ull, 0x6a09e667f3bcc908ull,
	0xbb67ae8584caa73bull, 0x3c6ef372fe94f82bull, 0xa54ff53a5f1d36f1ull, 0x510e527fade682d1ull,
};
static const uint64_t fuzz_seg[6] = { 0x11000, 0x22000, 0x33000, 0x44000, 0x7f5500000000ull, 0x7f6600000000ull };
#define FUZZ_RIP 0x7000123450ull

static uint64_t f_get_gpr(void *c, unsigned r) { (void)c; return fuzz_gpr[r & 15]; }
static void f_set_gpr(void *c, unsigned r, uint64_t v) { (void)c; (void)r; (void)v; }
static uint64_t f_get_rflags(void *c) { (void)c; return 2; }
static void f_set_rflags(void *c, uint64_t v) { (void)c; (void)v; }
static uint64_t f_seg_base(void *c, enum insn_seg s) { (void)c; return fuzz_seg[s]; }
static int f_mem(void *c, uint64_t la, void *p, unsigned n) { (void)c; (void)la; (void)p; (void)n; return 0; }
static int f_wmem(void *c, uint64_t la, const void *p, unsigned n) { (void)c; (void)la; (void)p; (void)n; return 0; }
static const struct emul_ops fuzz_ops = { f_get_gpr, f_set_gpr, f_get_rflags, f_set_rflags, f_seg_base, f_mem, f_wmem };

static uint64_t zreg_value(int mode, ZydisRegister reg, uint64_t next_rip)
{
	ZydisRegisterWidth w = ZydisRegisterGetWidth(zmode[mode], reg);
	uint64_t v;

	if (reg == ZYDIS_REGISTER_NONE)
		return 0;
	if (reg == ZYDIS_REGISTER_RIP || reg == ZYDIS_REGISTER_EIP)
		v = next_rip;
	else
		v = fuzz_gpr[ZydisRegisterGetId(reg) & 15];
	return w >= 64 ? v : v & ((1ull << w) - 1);
}

static uint64_t zydis_la(int mode, const ZydisDecodedInstruction *zi, const ZydisDecodedOperand *op, int64_t extra)
{
	const ZydisDecodedOperandMem *m = &op->mem;
	uint64_t off = zreg_value(mode, m->base, FUZZ_RIP + zi->length) +
		       zreg_value(mode, m->index, 0) * (m->index != ZYDIS_REGISTER_NONE ? m->scale : 0) +
		       (uint64_t)m->disp.value + (uint64_t)extra;
	int seg = m->segment - ZYDIS_REGISTER_ES;

	if (zi->address_width < 64)
		off &= (1ull << zi->address_width) - 1;
	if (mode == 2)
		return seg == INSN_SEG_FS || seg == INSN_SEG_GS ? off + fuzz_seg[seg] : off;
	return (uint32_t)(off + fuzz_seg[seg]);
}

/* BT with a register bit offset reaches the element the signed offset selects. */
static int64_t zydis_bt_extra(int mode, const ZydisDecodedInstruction *zi, const ZydisDecodedOperand *ops)
{
	unsigned bits = zi->operand_width;
	uint64_t v;

	if ((zi->mnemonic != ZYDIS_MNEMONIC_BT && zi->mnemonic != ZYDIS_MNEMONIC_BTS &&
	     zi->mnemonic != ZYDIS_MNEMONIC_BTR && zi->mnemonic != ZYDIS_MNEMONIC_BTC) ||
	    ops[1].type != ZYDIS_OPERAND_TYPE_REGISTER)
		return 0;
	v = zreg_value(mode, ops[1].reg.value, 0);
	v = bits == 64 ? v : (uint64_t)((int64_t)(v << (64 - bits)) >> (64 - bits));
	return ((int64_t)v >> (bits == 16 ? 4 : bits == 32 ? 5 : 6)) * (int64_t)(bits / 8);
}

/*
 * Debian's Zydis gets one form wrong: in 64-bit code with a 67 prefix, a SIB with base 101, mod 00
 * and REX.B set has no base and a disp32 (SDM vol. 2A, 2.2.1.2: REX.B is not decoded there), but
 * Zydis reports base r13d and displacement 0 while consuming the disp32 (without 67 it is right).
 * The operand is put right from Zydis's own raw fields before the comparison.
 */
static void zydis_fix_sib_no_base(int mode, const ZydisDecodedInstruction *zi, ZydisDecodedOperand *op)
{
	if (mode == 2 && zi->address_width == 32 && zi->raw.sib.base == 5 && zi->raw.modrm.mod == 0 &&
	    op->mem.base != ZYDIS_REGISTER_NONE) {
		op->mem.base = ZYDIS_REGISTER_NONE;
		op->mem.disp.value = zi->raw.disp.value;
	}
}

static void compare_operands(const struct insn *in, const uint8_t *buf, size_t len, int mode)
{
	struct emul e = { &fuzz_ops, NULL, (enum insn_mode)mode, FUZZ_RIP, 1 };
	ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];
	ZydisDecodedInstruction zi;
	struct emul_mem mem[2];
	ZydisDecoder dec;
	int n = insn_emul_operands(&e, in, mem);

	if (n <= 0)
		return;
	ZydisDecoderInit(&dec, zmode[mode], zstack[mode]);
	ZydisDecoderEnableMode(&dec, ZYDIS_DECODER_MODE_MPX, ZYAN_FALSE);
	CHECK(ZYAN_SUCCESS(ZydisDecoderDecodeFull(&dec, buf, in->len, &zi, ops)), "zydis refuses an emulated form");
	CHECK(zi.address_width == in->address_size * 8, "address size differs");
	for (int i = 0; i < n; i++) {
		bool found = false;
		for (unsigned k = 0; k < zi.operand_count_visible + 2u && k < ZYDIS_MAX_OPERAND_COUNT && !found; k++) {
			if (k >= zi.operand_count || ops[k].type != ZYDIS_OPERAND_TYPE_MEMORY ||
			    ops[k].mem.type != ZYDIS_MEMOP_TYPE_MEM)
				continue;
			zydis_fix_sib_no_base(mode, &zi, &ops[k]);
			found = zydis_la(mode, &zi, &ops[k], zydis_bt_extra(mode, &zi, ops)) == mem[i].la &&
				ops[k].size == mem[i].size * 8u &&
				!!(ops[k].actions & ZYDIS_OPERAND_ACTION_MASK_WRITE) == mem[i].write;
		}
		CHECK(found, "emulated memory operand differs (address, segment, width or direction)");
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	ZydisDecodedInstruction zi;
	struct insn in;
	const uint8_t *buf;
	size_t len;
	int mode, rc, delta;
	ZyanStatus st;

	if (size < 1)
		return 0;
	mode = data[0] % 3;
	buf = data + 1;
	len = size - 1 > 16 ? 16 : size - 1;
	rc = insn_decode(buf, len, (enum insn_mode)mode, &in);
	if (rc == 0) {
		CHECK(in.len >= 1 && in.len <= INSN_MAX_LEN && in.len <= len, "bad length");
		st = zydis_relaxed(mode, buf, &in, &zi, &delta);
		if (!ZYAN_SUCCESS(st))
			dump_and_trap("zydis refuses what we decoded", buf, in.len, mode);
		compare(&in, &zi, delta, buf, len, mode);
		compare_operands(&in, buf, len, mode);
		(void)insn_classify(&in);
	} else if (rc == -EAGAIN) {
		/* Too short for us must be too short for Zydis as well (or something it refuses). */
		st = zydis(mode, buf, len, &zi);
		CHECK(!ZYAN_SUCCESS(st), "zydis decodes what we call truncated");
	} else {
		CHECK(rc == -EINVAL || rc == -ENOTSUP, "unexpected error code");
	}
	return 0;
}
