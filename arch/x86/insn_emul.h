/* SPDX-License-Identifier: MIT */
/* Emulation of the memory-operand instructions drivers use on device memory (MOV, ALU, MOVS, BT...). */
#ifndef BASALT_X86_INSN_EMUL_H
#define BASALT_X86_INSN_EMUL_H

#include <stdbool.h>
#include <stdint.h>

#include "arch/x86/insn_decode.h"

/* RFLAGS bits the emulator computes. */
#define EMUL_CF (1ull << 0)
#define EMUL_PF (1ull << 2)
#define EMUL_AF (1ull << 4)
#define EMUL_ZF (1ull << 6)
#define EMUL_SF (1ull << 7)
#define EMUL_DF (1ull << 10)
#define EMUL_OF (1ull << 11)
#define EMUL_ARITH_FLAGS (EMUL_CF | EMUL_PF | EMUL_AF | EMUL_ZF | EMUL_SF | EMUL_OF)

/*
 * The world the emulator acts on. GPRs are numbered in x86 order (0 RAX .. 15 R15), the full 64
 * bits. Memory is addressed by linear address (segment base already added, truncated to 32 bits
 * outside 64-bit code); size is 1..8 and the access may cross a page: splitting, translation and
 * permissions are the callee's. read/write return 0 or a negative value, which the emulator
 * returns at once without touching registers for that element (a fault the caller delivers).
 */
struct emul_ops {
	uint64_t (*get_gpr)(void *ctx, unsigned reg);
	void (*set_gpr)(void *ctx, unsigned reg, uint64_t value);
	uint64_t (*get_rflags)(void *ctx);
	void (*set_rflags)(void *ctx, uint64_t rflags);
	uint64_t (*seg_base)(void *ctx, enum insn_seg seg); /* only called for FS/GS in 64-bit code */
	int (*read)(void *ctx, uint64_t la, void *dst, unsigned size);
	int (*write)(void *ctx, uint64_t la, const void *src, unsigned size);
};

struct emul {
	const struct emul_ops *ops;
	void *ctx;
	enum insn_mode mode; /* the code segment's mode, as the instruction was decoded */
	uint64_t rip;        /* address of the instruction (RIP-relative operands) */
	unsigned max_reps;   /* REP iterations per call, at least 1 */
};

/* insn_emulate's positive result: a REP string form stopped after max_reps with rCX != 0. RSI,
 * RDI and RCX are advanced; RIP must stay on the instruction so it runs again. */
#define EMUL_REP_MORE 1

/*
 * Executes *in. 0: done, the caller moves RIP past it; EMUL_REP_MORE; -ENOTSUP for any
 * instruction outside the supported list (nothing was touched); -EINVAL for an encoding the CPU
 * would refuse with #UD before any access (LOCK on a non-RMW form, register operand where memory
 * is required): it cannot have caused the exit, so the bytes changed; or a negative value from
 * ops->read/write. Segment limits and alignment checks are not modelled (flat guests).
 */
int insn_emulate(const struct emul *e, const struct insn *in);

/* A memory operand an instruction accesses: its linear address, size, and whether it is written. */
struct emul_mem {
	uint64_t la;
	unsigned size;
	bool write;
};

/*
 * The memory operands *in will access in its next (or only) element, up to 2 (MOVS has a source
 * and a destination), into mem[]; returns how many, or -ENOTSUP/-EINVAL as insn_emulate would.
 * The caller checks these really lead to the page that faulted before it emulates.
 */
int insn_emul_operands(const struct emul *e, const struct insn *in, struct emul_mem mem[2]);

/* Pure flag helpers, exposed for tests. width in bytes (1, 2, 4, 8). The result holds only
 * EMUL_ARITH_FLAGS bits. op: EMUL_ADD, ... as in the ALU encoding (opcode bits 5:3). */
enum emul_alu { EMUL_ADD, EMUL_OR, EMUL_ADC, EMUL_SBB, EMUL_AND, EMUL_SUB, EMUL_XOR, EMUL_CMP };
uint64_t emul_alu(enum emul_alu op, uint64_t a, uint64_t b, unsigned width, uint64_t rflags_in,
		  uint64_t *flags_out);

#endif
