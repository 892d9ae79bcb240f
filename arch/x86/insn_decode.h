/* SPDX-License-Identifier: MIT */
/* Table-driven x86 instruction decoder (legacy, 0F, 0F 38, 0F 3A maps): lengths, prefixes, operands. */
#ifndef BASALT_X86_INSN_DECODE_H
#define BASALT_X86_INSN_DECODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The architectural limit: longer encodings fault even if every byte is a valid prefix. */
#define INSN_MAX_LEN 15

/* Default operand/address size of the code segment (CS.D, CS.L, EFER.LMA). */
enum insn_mode { INSN_MODE_16, INSN_MODE_32, INSN_MODE_64 };

/* Segment override numbers in x86 encoding order (the sreg field of MOV Sw). */
enum insn_seg { INSN_SEG_ES, INSN_SEG_CS, INSN_SEG_SS, INSN_SEG_DS, INSN_SEG_FS, INSN_SEG_GS };

struct insn {
	uint8_t len;          /* total bytes, prefixes included, 1..15 */
	uint8_t nr_prefixes;  /* legacy prefixes + REX (ignored REX bytes count too: they are bytes) */
	bool opsize;          /* 0x66 seen */
	bool adsize;          /* 0x67 seen */
	bool lock, rep, repne; /* F0, F3, F2 (the last of F2/F3 wins, as the CPU does) */
	int8_t seg;           /* enum insn_seg of the last segment override, -1 none */
	uint8_t rex;          /* the REX byte if it directly precedes the opcode in 64-bit mode, else 0 */
	uint8_t map;          /* 0 = one-byte, 1 = 0F, 2 = 0F 38, 3 = 0F 3A */
	uint8_t opcode;       /* the opcode byte within its map */
	bool has_modrm;
	uint8_t modrm, mod, reg, rm; /* reg/rm extended by REX.R/REX.B (0..15); rm is the register if mod==3 */
	bool has_sib;
	uint8_t sib;
	int64_t disp;         /* sign-extended displacement */
	uint8_t disp_size;    /* 0, 1, 2 or 4 */
	uint64_t imm;         /* first immediate, zero-extended raw bytes (the consumer sign-extends) */
	uint8_t imm_size;
	/* A second immediate: ENTER's imm8 level, the selector of a far ptr16:16/32 (imm is the
	 * offset), EXTRQ/INSERTQ's second imm8. */
	uint64_t imm2;
	uint8_t imm2_size;
	uint8_t operand_size; /* effective operand size in bytes: 2, 4 or 8 (REX.W, 66, mode, 64-bit stack ops) */
	uint8_t address_size; /* effective address size in bytes: 2, 4 or 8 */
	bool rip_relative;    /* 64-bit mode, mod==0 rm==5 without SIB: disp is relative to the next RIP */
};

/*
 * Decodes one instruction from bytes[0..avail). Returns 0 and fills *out on success;
 * -EINVAL for an encoding the CPU refuses (#UD for undefined opcodes/group members, #GP for more
 * than 15 bytes; LOCK and REX legality are not checked); -EAGAIN when avail is too short to finish
 * (fetch more and retry); -ENOTSUP for encodings this decoder does not claim: VEX (C4/C5 in
 * 64-bit mode, or with mod==3 elsewhere), EVEX (62 likewise), XOP (8F with reg != 0), 3DNow!
 * (0F 0F, 0F 0E) and 0F 01 register forms it does not know. *out is unspecified on error.
 * Near branches in 64-bit mode take a rel32 even with 66 (the Intel rule, which Zydis and QEMU follow).
 */
int insn_decode(const uint8_t *bytes, size_t avail, enum insn_mode mode, struct insn *out);

enum insn_kind {
	INSN_OTHER, INSN_CPUID, INSN_RDMSR, INSN_WRMSR, INSN_HLT, INSN_INVD, INSN_WBINVD,
	INSN_VMMCALL, INSN_VMCALL, INSN_MOV_FROM_CR, INSN_MOV_TO_CR, INSN_MOV_FROM_DR, INSN_MOV_TO_DR,
	INSN_XSETBV, INSN_VMRUN, INSN_VMLOAD, INSN_VMSAVE, INSN_STGI, INSN_CLGI, INSN_SKINIT, INSN_INVLPGA,
	INSN_RDTSC, INSN_RDTSCP, INSN_RDPMC, INSN_MONITOR, INSN_MWAIT, INSN_IN, INSN_OUT, INSN_INS, INSN_OUTS
};

/*
 * What a decoded instruction is, for the hypervisor's intercepts. MOV CR/DR: in->reg is the CR/DR
 * number (REX.R extends CR to 8..15, and on AMD a LOCK prefix on MOV CR0 selects CR8, which
 * insn_decode already folds into reg), in->rm the GPR (x86 order RAX..R15). The mod bits are
 * ignored as the CPU ignores them. Only CR0/2/3/4/8 are classified; other CR numbers and DR with
 * REX.R (#UD per SDM) are INSN_OTHER. F2/F3 0F 01 D9 (VMGEXIT) counts as VMMCALL: outside SEV-ES
 * it exits as VMMCALL does.
 */
enum insn_kind insn_classify(const struct insn *in);

#endif
