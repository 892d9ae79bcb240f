/* SPDX-License-Identifier: MIT */
/* x86 instruction decoder: prefixes, opcode maps, ModRM/SIB/displacement and immediates from tables. */
#include "arch/x86/insn_decode.h"

#include "kernel/errno.h"

/*
 * Tables are indexed by opcode: one 16-bit row per high nibble, bit n = low nibble n. B16 lists
 * the bits left to right (opcode x0 first) so the source reads like an opcode map.
 */
#define B16(a, b, c, d, e, f, g, h, i, j, k, l, m, n, o, p)                                      \
	((uint16_t)((a) << 0 | (b) << 1 | (c) << 2 | (d) << 3 | (e) << 4 | (f) << 5 | (g) << 6 |  \
		    (h) << 7 | (i) << 8 | (j) << 9 | (k) << 10 | (l) << 11 | (m) << 12 | (n) << 13 | \
		    (o) << 14 | (p) << 15))

static bool bit16(const uint16_t *rows, uint8_t op)
{
	return (rows[op >> 4] >> (op & 15)) & 1;
}

/* ---- map 0 (one-byte opcodes) ----------------------------------------------- */
static const uint16_t map0_modrm[16] = {
	B16(1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1, 1, 0, 0, 0, 0), /* 0x */
	B16(1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1, 1, 0, 0, 0, 0), /* 1x */
	B16(1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1, 1, 0, 0, 0, 0), /* 2x */
	B16(1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1, 1, 0, 0, 0, 0), /* 3x */
	0, 0,                                                /* 4x 5x */
	B16(0, 0, 1, 1, 0, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0, 0), /* 6x */
	0,                                                   /* 7x */
	0xffff,                                              /* 8x */
	0, 0, 0,                                             /* 9x Ax Bx */
	B16(1, 1, 0, 0, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0), /* Cx */
	B16(1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1), /* Dx */
	0,                                                   /* Ex */
	B16(0, 0, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 1, 1), /* Fx */
};

/*
 * Immediate kinds: '.' none, 'b' imm8, 'w' imm16, 'z' Iz (16 or 32 by operand size), 'v' Iv
 * (16/32/64), 'm' moffs (address size), 'p' far ptr16:16/32, 'e' ENTER (imm16 + imm8),
 * 'j' near branch rel16/32, 'g'/'G' group 3 (imm8 / Iz only for /0 and /1), 'q' 0F 78 (two imm8
 * with a 66 or F2 mandatory prefix).
 */
static const char map0_imm[256] = "....bz......bz.." "....bz......bz.." "....bz......bz.."
				  "....bz......bz.." "................" "................"
				  "........zzbb...." "bbbbbbbbbbbbbbbb" "bzbb............"
				  "..........p....." "mmmm....bz......" "bbbbbbbbvvvvvvvv"
				  "bbw...bze.w..b.." "....bb.........." "bbbbbbbbjjpb...."
				  "......gG........";

/*
 * Validity: '.' defined, 'x' #UD in 64-bit mode, 'P' a prefix (never reached as an opcode),
 * 'E' the 0F escape, 'v' LES/LDS or VEX, 'e' BOUND or EVEX.
 */
static const char map0_valid[256] = "......xx......xE" "......xx......xx" "......Px......Px"
				    "......Px......Px" "................" "................"
				    "xxe.PPPP........" "................" "..x............."
				    "..........x....." "................" "................"
				    "....vv........x." "....xxx........." "..........x....."
				    "P.PP............";

/* Opcodes whose operand size defaults to 64 bits in 64-bit mode (stack ops, near branches). */
static const uint16_t map0_d64[16] = {
	0, 0, 0, 0, 0, 0xffff,
	B16(0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0, 0, 0), /* 6x: PUSH Iz, PUSH Ib */
	0xffff,                                              /* 7x: Jcc */
	B16(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1), /* 8x: POP Ev */
	B16(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 0, 0), /* 9x: PUSHF, POPF */
	0, 0,
	B16(0, 0, 1, 1, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0), /* Cx: RET, ENTER, LEAVE */
	0,
	B16(1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 0, 1, 0, 0, 0, 0), /* Ex: LOOP/JCXZ, CALL, JMP */
	0,
};

/* x87 (D8..DF): defined register forms, bit n = ModRM C0+n; memory forms: undefined /reg members. */
static const uint64_t x87_reg_forms[8] = {
	0xffffffffffffffffull, 0xffff7f33ff01ffffull, 0x00000200ffffffffull, 0x00ffff1fffffffffull,
	0xffffffffffffffffull, 0x0000ffffffffffffull, 0xffffffff02ffffffull, 0x00ffff01ffffffffull,
};
static const uint8_t x87_mem_undefined[8] = { 0, 1u << 1, 0, 1u << 4 | 1u << 6, 0, 1u << 5, 0, 0 };

/* ---- map 1 (0F xx) ---------------------------------------------------------- */
static const uint16_t map1_modrm[16] = {
	B16(1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0), /* 0x */
	0xffff,                                              /* 1x */
	B16(1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1), /* 2x */
	0,                                                   /* 3x */
	0xffff, 0xffff, 0xffff,                              /* 4x 5x 6x */
	B16(1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1), /* 7x */
	0, 0xffff,                                           /* 8x 9x */
	B16(0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1), /* Ax */
	0xffff,                                              /* Bx */
	B16(1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0), /* Cx */
	0xffff, 0xffff, 0xffff,                              /* Dx Ex Fx */
};

static const char map1_imm[256] = "................" "................" "................"
				  "................" "................" "................"
				  "................" "bbbb....q......." "jjjjjjjjjjjjjjjj"
				  "................" "....b.......b..." "..........b....."
				  "..b.bbb........." "................" "................"
				  "................";

/* 'X' undefined, 'E' escape to 0F 38 / 0F 3A, 'n' 3DNow! (not claimed). */
static const char map1_valid[256] = "....X.....X.X.nn" "................" "....XXXX........"
				    "......X.EXEXXXXX" "................" "................"
				    "................" "..........XX...." "................"
				    "................" "......XX........" "................"
				    "................" "................" "................"
				    "................";

/* 64-bit defaults in 0F: Jcc rel32, PUSH/POP FS/GS. */
static const uint16_t map1_d64[16] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0xffff, 0,
	B16(1, 1, 0, 0, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0), /* Ax */
	0, 0, 0, 0, 0,
};

/* ---- maps 2 and 3 (0F 38 xx, 0F 3A xx): always ModRM; 0F 3A always imm8 -------- */
static const uint16_t map2_defined[16] = {
	B16(1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0), /* 0x: SSSE3 */
	B16(1, 0, 0, 0, 1, 1, 0, 1, 0, 0, 0, 0, 1, 1, 1, 0), /* 1x */
	B16(1, 1, 1, 1, 1, 1, 0, 0, 1, 1, 1, 1, 0, 0, 0, 0), /* 2x */
	B16(1, 1, 1, 1, 1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1), /* 3x */
	B16(1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0), /* 4x */
	0, 0, 0,
	B16(1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0), /* 8x: INVEPT INVVPID INVPCID */
	0, 0, 0,
	B16(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 0, 1), /* Cx: SHA, GF2P8MULB */
	B16(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1), /* Dx: AES */
	0,
	B16(1, 1, 0, 0, 0, 1, 1, 0, 1, 1, 0, 0, 0, 0, 0, 0), /* Fx: MOVBE CRC32 WRUSS ADX MOVDIR */
};

static const uint16_t map3_defined[16] = {
	B16(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1), /* 0x: ROUND BLEND PALIGNR */
	B16(0, 0, 0, 0, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0), /* 1x: PEXTR EXTRACTPS */
	B16(1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0), /* 2x: PINSR INSERTPS */
	0,
	B16(1, 1, 1, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0), /* 4x: DPPS DPPD MPSADBW PCLMUL */
	0,
	B16(1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0), /* 6x: PCMPxSTRx */
	0, 0, 0, 0, 0,
	B16(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1, 1), /* Cx: SHA1RNDS4 GF2P8AFFINE */
	B16(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1), /* Dx: AESKEYGENASSIST */
	0, 0,
};

/*
 * 0F 01 register forms (ModRM C0..FF) that are defined instructions, one bit per ModRM byte.
 * Others are left unclaimed (-ENOTSUP): the list keeps growing with each CPU generation.
 */
static const uint16_t grp7_reg_forms[4] = {
	B16(1, 1, 1, 1, 1, 1, 0, 0, 1, 1, 1, 1, 0, 0, 0, 1), /* C0..CF: VMX, MONITOR, CLAC, ENCLS */
	B16(1, 1, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1), /* D0..DF: XGETBV, XSETBV, VMFUNC, SVM */
	B16(1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 1, 1), /* E0..EF: SMSW, SERIALIZE, PKRU */
	B16(1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0), /* F0..FF: LMSW SWAPGS RDTSCP ..X CLZERO RDPRU */
};

/* ---- byte cursor ---------------------------------------------------------------- */
struct cursor {
	const uint8_t *b;
	size_t avail;
	size_t pos;
};

/* The 15-byte limit wins over a short buffer: such an encoding faults whatever follows. */
static int cur_need(const struct cursor *c, size_t n)
{
	if (c->pos + n > INSN_MAX_LEN)
		return -EINVAL;
	if (c->pos + n > c->avail)
		return -EAGAIN;
	return 0;
}

/* Little-endian read of n (1..8) bytes. */
static int cur_read(struct cursor *c, size_t n, uint64_t *v)
{
	int rc = cur_need(c, n);

	if (rc)
		return rc;
	*v = 0;
	for (size_t i = 0; i < n; i++)
		*v |= (uint64_t)c->b[c->pos + i] << (8 * i);
	c->pos += n;
	return 0;
}

static int cur_u8(struct cursor *c, uint8_t *v)
{
	uint64_t x;
	int rc = cur_read(c, 1, &x);

	*v = (uint8_t)x;
	return rc;
}

/* ---- prefixes ---------------------------------------------------------------------- */
static int seg_of(uint8_t b)
{
	switch (b) {
	case 0x26: return INSN_SEG_ES;
	case 0x2e: return INSN_SEG_CS;
	case 0x36: return INSN_SEG_SS;
	case 0x3e: return INSN_SEG_DS;
	case 0x64: return INSN_SEG_FS;
	case 0x65: return INSN_SEG_GS;
	default: return -1;
	}
}

/* Applies one legacy prefix; false if b is not one. In 64-bit mode ES/CS/SS/DS overrides are
 * ignored (SDM vol. 1 3.3.7.1), so they do not cancel an earlier FS or GS override. */
static bool apply_legacy_prefix(uint8_t b, enum insn_mode mode, struct insn *out)
{
	int seg = seg_of(b);

	if (seg >= 0) {
		if (mode != INSN_MODE_64 || seg >= INSN_SEG_FS || out->seg < INSN_SEG_FS)
			out->seg = (int8_t)seg;
	}
	else if (b == 0x66)
		out->opsize = true;
	else if (b == 0x67)
		out->adsize = true;
	else if (b == 0xf0)
		out->lock = true;
	else if (b == 0xf2)
		out->repne = true, out->rep = false;
	else if (b == 0xf3)
		out->rep = true, out->repne = false;
	else
		return false;
	return true;
}

/* A REX counts only if the opcode follows it directly: any later legacy prefix cancels it. */
static int decode_prefixes(struct cursor *c, enum insn_mode mode, struct insn *out)
{
	for (;;) {
		int rc = cur_need(c, 1);
		uint8_t b;

		if (rc)
			return rc;
		b = c->b[c->pos];
		if (mode == INSN_MODE_64 && (b & 0xf0) == 0x40)
			out->rex = b;
		else if (apply_legacy_prefix(b, mode, out))
			out->rex = 0;
		else
			return 0;
		c->pos++;
		out->nr_prefixes++;
	}
}

#define REX_W 8
#define REX_R 4
#define REX_X 2
#define REX_B 1

static uint8_t mandatory_prefix(const struct insn *in)
{
	return in->rep ? 0xf3 : in->repne ? 0xf2 : in->opsize ? 0x66 : 0;
}

/* ---- opcode ------------------------------------------------------------------------ */
/* Reads the opcode through the 0F / 0F 38 / 0F 3A escapes and rejects undefined ones. */
static int decode_opcode(struct cursor *c, enum insn_mode mode, struct insn *out)
{
	uint8_t op;
	int rc = cur_u8(c, &op);

	if (rc)
		return rc;
	if (map0_valid[op] == 'x' && mode == INSN_MODE_64)
		return -EINVAL;
	if ((map0_valid[op] == 'v' || map0_valid[op] == 'e') && mode == INSN_MODE_64)
		return -ENOTSUP; /* VEX / EVEX: 64-bit mode has no LES/LDS/BOUND to alias them */
	if (map0_valid[op] != 'E') {
		out->opcode = op;
		return 0;
	}
	if ((rc = cur_u8(c, &op)))
		return rc;
	if (map1_valid[op] == 'X')
		return -EINVAL;
	if (map1_valid[op] == 'n')
		return -ENOTSUP;
	out->map = 1;
	if (map1_valid[op] == 'E') {
		out->map = op == 0x38 ? 2 : 3;
		if ((rc = cur_u8(c, &op)))
			return rc;
		if (!bit16(out->map == 2 ? map2_defined : map3_defined, op))
			return -EINVAL;
	}
	out->opcode = op;
	return 0;
}

static bool opcode_has_modrm(const struct insn *in)
{
	if (in->map == 0)
		return bit16(map0_modrm, in->opcode);
	if (in->map == 1)
		return bit16(map1_modrm, in->opcode);
	return true;
}

static void set_address_size(struct insn *in, enum insn_mode mode)
{
	if (mode == INSN_MODE_64)
		in->address_size = in->adsize ? 4 : 8;
	else
		in->address_size = ((mode == INSN_MODE_32) != in->adsize) ? 4 : 2;
}

/* After ModRM: FF's stack and branch members default to 64-bit operands in 64-bit mode. */
static void set_operand_size(struct insn *in, enum insn_mode mode)
{
	bool d64 = false;

	if (mode == INSN_MODE_64) {
		if (in->map == 0)
			d64 = bit16(map0_d64, in->opcode) ||
			      (in->opcode == 0xff && (in->reg & 7) >= 2 && (in->reg & 7) <= 6 &&
			       (in->reg & 7) != 3 && (in->reg & 7) != 5);
		else if (in->map == 1)
			d64 = bit16(map1_d64, in->opcode);
		if (in->rex & REX_W)
			in->operand_size = 8;
		else
			in->operand_size = in->opsize ? 2 : d64 ? 8 : 4;
		return;
	}
	in->operand_size = ((mode == INSN_MODE_32) != in->opsize) ? 4 : 2;
}

/* ---- ModRM, SIB, displacement ------------------------------------------------------- */
/* MOV to/from CR/DR always name a register, whatever the mod bits say. */
static bool modrm_forced_reg(const struct insn *in)
{
	return in->map == 1 && in->opcode >= 0x20 && in->opcode <= 0x23;
}

static int decode_modrm_byte(struct cursor *c, struct insn *in)
{
	int rc = cur_u8(c, &in->modrm);

	if (rc)
		return rc;
	in->mod = in->modrm >> 6;
	in->reg = (uint8_t)(((in->modrm >> 3) & 7) | ((in->rex & REX_R) ? 8 : 0));
	in->rm = (uint8_t)((in->modrm & 7) | ((in->rex & REX_B) ? 8 : 0));
	/* AMD's AltMovCr8: LOCK MOV CR0 reaches CR8 from outside 64-bit mode. */
	if (in->lock && (in->opcode == 0x20 || in->opcode == 0x22) && in->map == 1 && in->reg == 0)
		in->reg = 8;
	return 0;
}

static int read_disp(struct cursor *c, struct insn *in, uint8_t size)
{
	uint64_t v;
	int rc = cur_read(c, size, &v);

	if (rc)
		return rc;
	in->disp_size = size;
	in->disp = size == 1 ? (int8_t)v : size == 2 ? (int16_t)v : (int32_t)v;
	return 0;
}

/* 16-bit addressing has no SIB; mod 0 rm 6 is a bare disp16. */
static int decode_mem16(struct cursor *c, struct insn *in)
{
	if (in->mod == 1)
		return read_disp(c, in, 1);
	if (in->mod == 2 || (in->mod == 0 && (in->modrm & 7) == 6))
		return read_disp(c, in, 2);
	return 0;
}

static int decode_mem32(struct cursor *c, struct insn *in, enum insn_mode mode)
{
	int rc;

	if ((in->modrm & 7) == 4) {
		if ((rc = cur_u8(c, &in->sib)))
			return rc;
		in->has_sib = true;
		if (in->mod == 0 && (in->sib & 7) == 5)
			return read_disp(c, in, 4);
	} else if (in->mod == 0 && (in->modrm & 7) == 5) {
		in->rip_relative = mode == INSN_MODE_64;
		return read_disp(c, in, 4);
	}
	if (in->mod == 1)
		return read_disp(c, in, 1);
	if (in->mod == 2)
		return read_disp(c, in, 4);
	return 0;
}

/* ---- group members and operand-form restrictions ------------------------------------ */
static int check_map0(const struct insn *in, enum insn_mode mode)
{
	uint8_t r = (in->modrm >> 3) & 7;

	switch (in->opcode) {
	case 0x62: case 0xc4: case 0xc5:
		return in->mod == 3 ? -ENOTSUP : 0; /* EVEX / VEX outside 64-bit mode */
	case 0x8d: return in->mod == 3 ? -EINVAL : 0;
	case 0x8c: return r >= 6 ? -EINVAL : 0;
	case 0x8e: return (r >= 6 || r == 1) ? -EINVAL : 0;
	case 0x8f: return r ? -ENOTSUP : 0; /* XOP, or undefined */
	case 0xc6: case 0xc7: return (r && in->modrm != 0xf8) ? -EINVAL : 0; /* XABORT / XBEGIN */
	case 0xfe: return r >= 2 ? -EINVAL : 0;
	case 0xff: return (r == 7 || ((r == 3 || r == 5) && in->mod == 3)) ? -EINVAL : 0;
	default: break;
	}
	(void)mode;
	if (in->opcode >= 0xd8 && in->opcode <= 0xdf) {
		if (in->mod == 3)
			return (x87_reg_forms[in->opcode - 0xd8] >> (in->modrm - 0xc0)) & 1 ? 0 : -EINVAL;
		return (x87_mem_undefined[in->opcode - 0xd8] >> r) & 1 ? -EINVAL : 0;
	}
	return 0;
}

static int check_grp9(const struct insn *in)
{
	uint8_t r = (in->modrm >> 3) & 7;

	if (r == 0 || r == 2)
		return -EINVAL;
	if (in->mod == 3)
		return r >= 6 ? 0 : -EINVAL; /* RDRAND, RDSEED, RDPID */
	return 0;
}

static bool is_real_cr(uint8_t n)
{
	return n == 0 || n == 2 || n == 3 || n == 4 || n == 8;
}

static int check_map1(const struct insn *in, enum insn_mode mode)
{
	uint8_t r = (in->modrm >> 3) & 7, mp = mandatory_prefix(in);

	switch (in->opcode) {
	case 0x00: return r >= 6 ? -EINVAL : 0;
	case 0x01:
		if (in->mod != 3)
			return (r == 5 && mp != 0xf3) ? -EINVAL : 0; /* /5 memory is RSTORSSP only */
		if (in->modrm == 0xf8 && mode != INSN_MODE_64)
			return -EINVAL; /* SWAPGS */
		return bit16(grp7_reg_forms, (uint8_t)(in->modrm - 0xc0)) ? 0 : -ENOTSUP;
	case 0x0d: case 0x13: case 0x17: case 0x2b: case 0xb2: case 0xb4: case 0xb5:
	case 0xc3: case 0xe7: case 0xf0:
		return in->mod == 3 ? -EINVAL : 0; /* memory-only forms */
	case 0x20: case 0x22:
		return is_real_cr(in->reg) ? 0 : -EINVAL;
	case 0x50: case 0xc5: case 0xd7: case 0xf7:
		return in->mod != 3 ? -EINVAL : 0; /* register-only forms */
	case 0x71: case 0x72:
		return (in->mod != 3 || (r != 2 && r != 4 && r != 6)) ? -EINVAL : 0;
	case 0x73:
		if (in->mod != 3 || r == 0 || r == 1 || r == 4 || r == 5)
			return -EINVAL;
		return ((r == 3 || r == 7) && mp != 0x66) ? -EINVAL : 0; /* PSRLDQ/PSLLDQ are SSE only */
	case 0x78: case 0x79:
		if (mp == 0xf3)
			return -EINVAL;
		return (mp && in->mod != 3) ? -EINVAL : 0; /* EXTRQ / INSERTQ are register-only */
	case 0xae:
		if (in->mod != 3 || r > 4)
			return 0;
		if (r == 4)
			return mp == 0xf3 ? 0 : -EINVAL; /* PTWRITE */
		return (mp == 0xf3 && mode == INSN_MODE_64) ? 0 : -EINVAL; /* RD/WR FS/GS BASE */
	case 0xb8: return mp == 0xf3 ? 0 : -EINVAL; /* POPCNT; bare 0F B8 is Itanium's JMPE */
	case 0xba: return r < 4 ? -EINVAL : 0;
	case 0xc7: return check_grp9(in);
	default: return 0;
	}
}

static int check_map2(const struct insn *in)
{
	uint8_t mp = mandatory_prefix(in);

	if (in->mod != 3)
		return 0;
	switch (in->opcode) {
	case 0x2a: case 0x80: case 0x81: case 0x82: case 0xf5: case 0xf8: case 0xf9:
		return -EINVAL; /* MOVNTDQA, INVEPT/INVVPID/INVPCID, WRUSS, MOVDIR*: memory only */
	case 0xf0: case 0xf1: return mp == 0xf2 ? 0 : -EINVAL; /* CRC32 takes registers, MOVBE not */
	case 0xf6: return mp ? 0 : -EINVAL; /* ADCX/ADOX take registers, WRSS not */
	default: return 0;
	}
}

static int check_form(const struct insn *in, enum insn_mode mode)
{
	if (in->map == 0)
		return check_map0(in, mode);
	if (in->map == 1)
		return check_map1(in, mode);
	if (in->map == 2)
		return check_map2(in);
	return 0;
}

/* ---- immediates ---------------------------------------------------------------------- */
static char imm_kind(const struct insn *in)
{
	if (in->map == 0)
		return map0_imm[in->opcode];
	if (in->map == 1)
		return map1_imm[in->opcode];
	return in->map == 3 ? 'b' : '.';
}

/* Sizes of the first and second immediates. */
static void imm_sizes(const struct insn *in, enum insn_mode mode, uint8_t *s1, uint8_t *s2)
{
	uint8_t z = in->operand_size == 2 ? 2 : 4, r = (in->modrm >> 3) & 7;
	uint8_t mp = mandatory_prefix(in);

	*s2 = 0;
	switch (imm_kind(in)) {
	case 'b': *s1 = 1; break;
	case 'w': *s1 = 2; break;
	case 'z': *s1 = z; break;
	case 'v': *s1 = in->operand_size; break;
	case 'm': *s1 = in->address_size; break;
	case 'p': *s1 = z, *s2 = 2; break;
	case 'e': *s1 = 2, *s2 = 1; break;
	case 'j': *s1 = mode == INSN_MODE_64 ? 4 : z; break;
	case 'g': *s1 = r < 2 ? 1 : 0; break;
	case 'G': *s1 = r < 2 ? z : 0; break;
	case 'q': *s1 = *s2 = (mp == 0x66 || mp == 0xf2) ? 1 : 0; break;
	default: *s1 = 0; break;
	}
}

static int decode_imms(struct cursor *c, struct insn *in, enum insn_mode mode)
{
	int rc;

	imm_sizes(in, mode, &in->imm_size, &in->imm2_size);
	if (in->imm_size && (rc = cur_read(c, in->imm_size, &in->imm)))
		return rc;
	if (in->imm2_size && (rc = cur_read(c, in->imm2_size, &in->imm2)))
		return rc;
	return 0;
}

/* ---- entry points ---------------------------------------------------------------------- */
static int decode_operands(struct cursor *c, enum insn_mode mode, struct insn *out)
{
	int rc;

	out->has_modrm = opcode_has_modrm(out);
	if (out->has_modrm) {
		if ((rc = decode_modrm_byte(c, out)) || (rc = check_form(out, mode)))
			return rc;
		if (out->mod != 3 && !modrm_forced_reg(out)) {
			rc = out->address_size == 2 ? decode_mem16(c, out) : decode_mem32(c, out, mode);
			if (rc)
				return rc;
		}
	}
	set_operand_size(out, mode);
	return decode_imms(c, out, mode);
}

int insn_decode(const uint8_t *bytes, size_t avail, enum insn_mode mode, struct insn *out)
{
	struct cursor c = { .b = bytes, .avail = avail, .pos = 0 };
	int rc;

	*out = (struct insn){ .seg = -1 };
	if ((rc = decode_prefixes(&c, mode, out)))
		return rc;
	set_address_size(out, mode);
	if ((rc = decode_opcode(&c, mode, out)) || (rc = decode_operands(&c, mode, out)))
		return rc;
	out->len = (uint8_t)c.pos;
	return 0;
}
