/* SPDX-License-Identifier: MIT */
/* libFuzzer target: insn_decode against Zydis; every form we claim must agree in length and memory operand. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <Zydis/Zydis.h>

#include "arch/x86/insn_decode.h"
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
			if (full && front[f] && in->nr_prefixes >= 2)
				tmp[0] = front[f];
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
