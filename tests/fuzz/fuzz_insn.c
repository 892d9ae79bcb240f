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
	return ZydisDecoderDecodeInstruction(&dec, &ctx, b, n, zi);
}

/*
 * Zydis refuses some encodings for reasons that do not change the length, where the CPU decodes
 * them (or this decoder deliberately keeps them for insn_classify to judge):
 *  - LOCK on an instruction that cannot be locked (#UD at execution, same length). The LOCK bytes
 *    are replaced by an ES override, which no instruction here gives a meaning to, and Zydis retried.
 */
static ZyanStatus zydis_relaxed(int mode, const uint8_t *b, size_t n, const struct insn *in,
				ZydisDecodedInstruction *zi)
{
	uint8_t tmp[INSN_MAX_LEN + 1];
	ZyanStatus st = zydis(mode, b, n, zi);

	if (st != ZYDIS_STATUS_ILLEGAL_LOCK)
		return st;
	memcpy(tmp, b, n);
	for (size_t i = 0; i < in->nr_prefixes; i++)
		if (tmp[i] == 0xf0)
			tmp[i] = 0x26;
	return zydis(mode, tmp, n, zi);
}

static void compare(const struct insn *in, const ZydisDecodedInstruction *zi, const uint8_t *buf, size_t len,
		    int mode)
{
	bool mem = in->has_modrm && in->mod != 3 && !(in->map == 1 && in->opcode >= 0x20 && in->opcode <= 0x23);
	bool zmem = (zi->attributes & ZYDIS_ATTRIB_HAS_MODRM) && zi->raw.modrm.mod != 3;

	CHECK(zi->length == in->len, "length differs");
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
	int mode, rc;
	ZyanStatus st;

	if (size < 1)
		return 0;
	mode = data[0] % 3;
	buf = data + 1;
	len = size - 1 > 16 ? 16 : size - 1;
	rc = insn_decode(buf, len, (enum insn_mode)mode, &in);
	if (rc == 0) {
		CHECK(in.len >= 1 && in.len <= INSN_MAX_LEN && in.len <= len, "bad length");
		st = zydis_relaxed(mode, buf, in.len, &in, &zi);
		if (!ZYAN_SUCCESS(st))
			dump_and_trap("zydis refuses what we decoded", buf, in.len, mode);
		compare(&in, &zi, buf, len, mode);
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
