/* SPDX-License-Identifier: MIT */
/* The instruction emulator for device memory: which forms it knows, their operands, and executing them. */
#include "arch/x86/insn_emul.h"

#include "kernel/errno.h"

enum form_kind {
	F_MOV_STORE, F_MOV_LOAD, F_MOV_IMM, F_MOVX, F_MOFFS_LOAD, F_MOFFS_STORE, F_ALU_MEM, F_ALU_REG,
	F_ALU_IMM, F_TEST_REG, F_TEST_IMM, F_XCHG, F_BT_REG, F_BT_IMM, F_MOVS, F_STOS, F_LODS,
};

/* What a supported encoding does: kind, operand width, and the ALU/BT operation or source width. */
struct form {
	enum form_kind kind;
	uint8_t width;   /* bytes of the memory operand (string element) */
	uint8_t sub;     /* enum emul_alu; BT: 0 BT, 1 BTS, 2 BTR, 3 BTC; MOVX: 1 sign-extend */
	uint8_t dwidth;  /* MOVX/MOVSXD: the destination register's width */
	bool lockable;
	bool string;
};

#define SEG_NONE (-1)

static uint64_t mask_of(unsigned width)
{
	return width >= 8 ? ~0ull : (1ull << (width * 8)) - 1;
}

static uint64_t sext(uint64_t v, unsigned width)
{
	unsigned sh = 64 - width * 8;

	return width >= 8 ? v : (uint64_t)((int64_t)(v << sh) >> sh);
}

static uint64_t gpr(const struct emul *e, unsigned r)
{
	return e->ops->get_gpr(e->ctx, r);
}

/* Byte registers 4-7 are AH, CH, DH, BH unless a REX prefix is present (then SPL..DIL). */
static uint64_t reg_read(const struct emul *e, const struct insn *in, unsigned r, unsigned width)
{
	if (width == 1 && !in->rex && r >= 4 && r < 8)
		return (gpr(e, r - 4) >> 8) & 0xff;
	return gpr(e, r) & mask_of(width);
}

/* A 32-bit write clears the upper half; 8- and 16-bit writes keep the rest of the register. */
static void reg_write(const struct emul *e, const struct insn *in, unsigned r, unsigned width, uint64_t v)
{
	uint64_t old;

	if (width == 1 && !in->rex && r >= 4 && r < 8) {
		old = gpr(e, r - 4);
		e->ops->set_gpr(e->ctx, r - 4, (old & ~0xff00ull) | ((v & 0xff) << 8));
		return;
	}
	if (width >= 4) {
		e->ops->set_gpr(e->ctx, r, v & mask_of(width));
		return;
	}
	old = gpr(e, r);
	e->ops->set_gpr(e->ctx, r, (old & ~mask_of(width)) | (v & mask_of(width)));
}

static void set_arith_flags(const struct emul *e, uint64_t keep_mask, uint64_t flags)
{
	uint64_t rf = e->ops->get_rflags(e->ctx);

	e->ops->set_rflags(e->ctx, (rf & ~keep_mask) | (flags & keep_mask));
}

static int form_alu(const struct insn *in, struct form *f)
{
	uint8_t op = in->opcode;

	if (op < 0x40 && (op & 7) < 4) {
		f->sub = op >> 3;
		f->width = op & 1 ? in->operand_size : 1;
		f->kind = op & 2 ? F_ALU_REG : F_ALU_MEM;
		f->lockable = f->kind == F_ALU_MEM && f->sub != EMUL_CMP;
		return 0;
	}
	if (op >= 0x80 && op <= 0x83) {
		f->kind = F_ALU_IMM;
		f->sub = in->reg & 7;
		f->width = op == 0x81 || op == 0x83 ? in->operand_size : 1;
		f->lockable = f->sub != EMUL_CMP;
		return 0;
	}
	return -ENOTSUP;
}

/* One-byte map: MOV, ALU, TEST, XCHG, string forms. */
static int form_map0(const struct insn *in, enum insn_mode mode, struct form *f)
{
	uint8_t op = in->opcode;
	unsigned osz = in->operand_size;

	switch (op) {
	case 0x88: case 0x89: f->kind = F_MOV_STORE; f->width = op & 1 ? osz : 1; return 0;
	case 0x8a: case 0x8b: f->kind = F_MOV_LOAD; f->width = op & 1 ? osz : 1; return 0;
	case 0xa0: case 0xa1: f->kind = F_MOFFS_LOAD; f->width = op & 1 ? osz : 1; return 0;
	case 0xa2: case 0xa3: f->kind = F_MOFFS_STORE; f->width = op & 1 ? osz : 1; return 0;
	case 0xc6: case 0xc7:
		if ((in->reg & 7) != 0)
			return -ENOTSUP;
		f->kind = F_MOV_IMM;
		f->width = op & 1 ? osz : 1;
		return 0;
	case 0x84: case 0x85: f->kind = F_TEST_REG; f->width = op & 1 ? osz : 1; return 0;
	case 0xf6: case 0xf7:
		if ((in->reg & 7) > 1) /* /0 TEST and its /1 alias; NOT/NEG/MUL/DIV are not emulated */
			return -ENOTSUP;
		f->kind = F_TEST_IMM;
		f->width = op & 1 ? osz : 1;
		return 0;
	case 0x86: case 0x87:
		f->kind = F_XCHG;
		f->width = op & 1 ? osz : 1;
		f->lockable = true;
		return 0;
	case 0x63:
		if (mode != INSN_MODE_64)
			return -ENOTSUP; /* ARPL outside 64-bit mode */
		/* MOVSXD reads 32 bits whatever the operand size (AMD reads 4 bytes with 66 too; the
		 * fault of a 66 63 at the end of a page shows it), and writes osz bytes. */
		f->kind = F_MOVX;
		f->width = 4;
		f->dwidth = (uint8_t)osz;
		f->sub = 1;
		return 0;
	case 0xa4: case 0xa5: f->kind = F_MOVS; break;
	case 0xaa: case 0xab: f->kind = F_STOS; break;
	case 0xac: case 0xad: f->kind = F_LODS; break;
	default: return form_alu(in, f);
	}
	f->string = true;
	f->width = op & 1 ? osz : 1;
	return 0;
}

static int form_map1(const struct insn *in, struct form *f)
{
	uint8_t op = in->opcode;

	switch (op) {
	case 0xb6: case 0xb7: case 0xbe: case 0xbf:
		f->kind = F_MOVX;
		f->width = op & 1 ? 2 : 1;
		f->dwidth = in->operand_size;
		f->sub = op >= 0xbe;
		return 0;
	case 0xa3: case 0xab: case 0xb3: case 0xbb:
		f->kind = F_BT_REG;
		f->sub = (op >> 3) & 3; /* A3 0, AB 1, B3 2, BB 3 */
		f->width = in->operand_size;
		f->lockable = f->sub != 0;
		return 0;
	case 0xba:
		if ((in->reg & 7) < 4)
			return -ENOTSUP;
		f->kind = F_BT_IMM;
		f->sub = in->reg & 3;
		f->width = in->operand_size;
		f->lockable = f->sub != 0;
		return 0;
	default: return -ENOTSUP;
	}
}

static int classify(const struct emul *e, const struct insn *in, struct form *f)
{
	bool moffs;
	int rc;

	*f = (struct form){ 0 };
	if (in->map == 0)
		rc = form_map0(in, e->mode, f);
	else if (in->map == 1)
		rc = form_map1(in, f);
	else
		rc = -ENOTSUP;
	if (rc)
		return rc;
	moffs = f->kind == F_MOFFS_LOAD || f->kind == F_MOFFS_STORE;
	if (!f->string && !moffs && (!in->has_modrm || in->mod == 3))
		return -EINVAL; /* a register operand touches no memory: this cannot have faulted */
	if (in->lock && !f->lockable)
		return -EINVAL; /* #UD at decode, before any access */
	return 0;
}

static uint64_t addr_mask(const struct insn *in)
{
	return mask_of(in->address_size);
}

/* 16-bit forms: [BX+SI] [BX+DI] [BP+SI] [BP+DI] [SI] [DI] [BP]/disp16 [BX]; BP-based ones use SS. */
static uint64_t ea16(const struct emul *e, const struct insn *in, int *seg)
{
	static const int8_t base[8] = { 3, 3, 5, 5, 6, 7, 5, 3 }, index[8] = { 6, 7, 6, 7, -1, -1, -1, -1 };
	unsigned rm = in->rm & 7;
	uint64_t off = (uint64_t)in->disp;

	if (in->mod == 0 && rm == 6)
		return off;
	off += gpr(e, (unsigned)base[rm]);
	if (index[rm] >= 0)
		off += gpr(e, (unsigned)index[rm]);
	if (base[rm] == 5)
		*seg = INSN_SEG_SS;
	return off;
}

/* 32/64-bit forms with SIB; rSP/rBP as base default to SS. RIP-relative counts from the next insn. */
static uint64_t ea32(const struct emul *e, const struct insn *in, int *seg)
{
	uint64_t off = (uint64_t)in->disp;
	unsigned b;

	if (in->rip_relative)
		return off + e->rip + in->len;
	if (!in->has_sib) {
		if (in->mod == 0 && (in->rm & 7) == 5)
			return off;
		b = in->rm;
	} else {
		unsigned idx = ((in->sib >> 3) & 7) | (in->rex & 2 ? 8 : 0);
		b = (in->sib & 7) | (in->rex & 1 ? 8 : 0);
		if (idx != 4)
			off += gpr(e, idx) << (in->sib >> 6);
		if (in->mod == 0 && (b & 7) == 5)
			return off;
	}
	if ((b & 7) == 4 || (b & 7) == 5)
		*seg = INSN_SEG_SS;
	return off + gpr(e, b);
}

/* seg:offset to linear. In 64-bit code only FS and GS have a base; elsewhere the sum wraps at 4 GiB. */
static uint64_t linear(const struct emul *e, int seg, uint64_t off)
{
	if (e->mode == INSN_MODE_64)
		return seg == INSN_SEG_FS || seg == INSN_SEG_GS ? off + e->ops->seg_base(e->ctx, (enum insn_seg)seg) : off;
	return (uint32_t)(off + e->ops->seg_base(e->ctx, (enum insn_seg)seg));
}

/* The ModRM operand's linear address, with extra (BT's bit-offset displacement) added before wrap. */
static uint64_t modrm_la(const struct emul *e, const struct insn *in, int64_t extra)
{
	int seg = INSN_SEG_DS;
	uint64_t off = in->address_size == 2 ? ea16(e, in, &seg) : ea32(e, in, &seg);

	if (in->seg >= 0)
		seg = in->seg;
	return linear(e, seg, (off + (uint64_t)extra) & addr_mask(in));
}

/* BT with a register offset reaches beyond the operand: the signed offset picks the element. */
static int64_t bt_displacement(const struct emul *e, const struct insn *in, unsigned width, unsigned *bit)
{
	int64_t off = (int64_t)sext(reg_read(e, in, in->reg, width), width);
	unsigned bits = width * 8;

	*bit = (unsigned)(off & (bits - 1));
	return (off >> (bits == 16 ? 4 : bits == 32 ? 5 : 6)) * (int64_t)width;
}

static uint64_t string_la(const struct emul *e, const struct insn *in, bool dst)
{
	unsigned r = dst ? 7 : 6;
	int seg = dst ? INSN_SEG_ES : in->seg >= 0 ? in->seg : INSN_SEG_DS;

	return linear(e, seg, gpr(e, r) & addr_mask(in));
}

int insn_emul_operands(const struct emul *e, const struct insn *in, struct emul_mem mem[2])
{
	struct form f;
	unsigned bit;
	int rc = classify(e, in, &f);
	bool writes;

	if (rc)
		return rc;
	switch (f.kind) {
	case F_MOVS:
		mem[0] = (struct emul_mem){ string_la(e, in, false), f.width, false };
		mem[1] = (struct emul_mem){ string_la(e, in, true), f.width, true };
		return 2;
	case F_STOS: mem[0] = (struct emul_mem){ string_la(e, in, true), f.width, true }; return 1;
	case F_LODS: mem[0] = (struct emul_mem){ string_la(e, in, false), f.width, false }; return 1;
	case F_MOFFS_LOAD:
	case F_MOFFS_STORE:
		mem[0] = (struct emul_mem){ linear(e, in->seg >= 0 ? in->seg : INSN_SEG_DS, in->imm & addr_mask(in)),
					    f.width, f.kind == F_MOFFS_STORE };
		return 1;
	case F_BT_REG:
		mem[0] = (struct emul_mem){ modrm_la(e, in, bt_displacement(e, in, f.width, &bit)), f.width, f.sub != 0 };
		return 1;
	default: break;
	}
	writes = f.kind == F_MOV_STORE || f.kind == F_MOV_IMM || f.kind == F_XCHG ||
		 (f.kind == F_ALU_MEM && f.sub != EMUL_CMP) || (f.kind == F_ALU_IMM && f.sub != EMUL_CMP) ||
		 (f.kind == F_BT_IMM && f.sub != 0);
	mem[0] = (struct emul_mem){ modrm_la(e, in, 0), f.width, writes };
	return 1;
}

static int mem_read(const struct emul *e, uint64_t la, unsigned width, uint64_t *v)
{
	uint8_t b[8] = { 0 };
	int rc = e->ops->read(e->ctx, la, b, width);

	*v = 0;
	for (unsigned i = 0; i < width; i++)
		*v |= (uint64_t)b[i] << (8 * i);
	return rc;
}

static int mem_write(const struct emul *e, uint64_t la, unsigned width, uint64_t v)
{
	uint8_t b[8];

	for (unsigned i = 0; i < width; i++)
		b[i] = (uint8_t)(v >> (8 * i));
	return e->ops->write(e->ctx, la, b, width);
}

/* Immediates come raw and zero-extended; Iz and imm8 of 83 sign-extend to the operand width. */
static uint64_t imm_operand(const struct insn *in, unsigned width)
{
	return sext(in->imm, in->imm_size) & mask_of(width);
}


/* Writes an address register (rSI, rDI, rCX) at the address size, as the string forms do. */
static void addr_reg_write(const struct emul *e, const struct insn *in, unsigned r, uint64_t v)
{
	reg_write(e, in, r, in->address_size, v);
}

/* MOVS/STOS/LODS, with or without REP (F2 and F3 both repeat these): at most max_reps elements. */
static int exec_string(const struct emul *e, const struct insn *in, const struct form *f)
{
	bool rep = in->rep || in->repne;
	uint64_t count = rep ? gpr(e, 1) & addr_mask(in) : 1, v = 0;
	int64_t step = e->ops->get_rflags(e->ctx) & EMUL_DF ? -(int64_t)f->width : (int64_t)f->width;
	unsigned max = rep && e->max_reps ? e->max_reps : 1;
	int rc = 0;

	for (unsigned n = 0; count && n < max; n++) {
		if (f->kind != F_STOS)
			rc = mem_read(e, string_la(e, in, false), f->width, &v);
		else
			v = reg_read(e, in, 0, f->width);
		if (!rc && f->kind != F_LODS)
			rc = mem_write(e, string_la(e, in, true), f->width, v);
		if (rc)
			return rc;
		if (f->kind == F_LODS)
			reg_write(e, in, 0, f->width, v);
		if (f->kind != F_STOS)
			addr_reg_write(e, in, 6, gpr(e, 6) + (uint64_t)step);
		if (f->kind != F_LODS)
			addr_reg_write(e, in, 7, gpr(e, 7) + (uint64_t)step);
		count--;
		if (rep)
			addr_reg_write(e, in, 1, count);
	}
	return count ? EMUL_REP_MORE : 0;
}

/* Read-modify-write ALU forms and TEST/CMP: the memory write (if any) comes before registers and
 * flags change, so a fault on it leaves the guest's state as it was. */
static int exec_alu(const struct emul *e, const struct insn *in, const struct form *f, uint64_t la)
{
	unsigned w = f->width;
	uint64_t m, other, res, flags, rf = e->ops->get_rflags(e->ctx);
	enum emul_alu op = f->kind == F_TEST_REG || f->kind == F_TEST_IMM ? EMUL_AND : (enum emul_alu)f->sub;
	bool to_mem = f->kind == F_ALU_MEM || f->kind == F_ALU_IMM;
	int rc = mem_read(e, la, w, &m);

	if (rc)
		return rc;
	other = f->kind == F_ALU_IMM || f->kind == F_TEST_IMM ? imm_operand(in, w) : reg_read(e, in, in->reg, w);
	if (f->kind == F_ALU_REG)
		res = emul_alu(op, other, m, w, rf, &flags);
	else
		res = emul_alu(op, m, other, w, rf, &flags);
	if (op != EMUL_CMP && f->kind != F_TEST_REG && f->kind != F_TEST_IMM) {
		if (to_mem && (rc = mem_write(e, la, w, res)))
			return rc;
		if (!to_mem)
			reg_write(e, in, in->reg, w, res);
	}
	set_arith_flags(e, EMUL_ARITH_FLAGS, flags);
	return 0;
}

/* BT/BTS/BTR/BTC: CF gets the old bit; the other flags are left as they were (ZF is defined to
 * be unchanged; OF, SF, AF and PF are undefined). */
static int exec_bt(const struct emul *e, const struct insn *in, const struct form *f)
{
	unsigned bit, w = f->width;
	uint64_t la, v, nv;
	int rc;

	if (f->kind == F_BT_REG) {
		la = modrm_la(e, in, bt_displacement(e, in, w, &bit));
	} else {
		la = modrm_la(e, in, 0);
		bit = (unsigned)(in->imm & (w * 8 - 1));
	}
	if ((rc = mem_read(e, la, w, &v)))
		return rc;
	nv = f->sub == 1 ? v | (1ull << bit) : f->sub == 2 ? v & ~(1ull << bit) : v ^ (1ull << bit);
	if (f->sub && (rc = mem_write(e, la, w, nv)))
		return rc;
	set_arith_flags(e, EMUL_CF, (v >> bit) & 1 ? EMUL_CF : 0);
	return 0;
}

static int exec_move(const struct emul *e, const struct insn *in, const struct form *f, uint64_t la)
{
	unsigned w = f->width;
	uint64_t v;
	int rc;

	switch (f->kind) {
	case F_MOV_STORE: return mem_write(e, la, w, reg_read(e, in, in->reg, w));
	case F_MOV_IMM: return mem_write(e, la, w, imm_operand(in, w));
	case F_MOFFS_STORE: return mem_write(e, la, w, reg_read(e, in, 0, w));
	case F_XCHG:
		if ((rc = mem_read(e, la, w, &v)) || (rc = mem_write(e, la, w, reg_read(e, in, in->reg, w))))
			return rc;
		reg_write(e, in, in->reg, w, v);
		return 0;
	default: break;
	}
	if ((rc = mem_read(e, la, w, &v)))
		return rc;
	if (f->kind == F_MOVX)
		reg_write(e, in, in->reg, f->dwidth, f->sub ? sext(v, w) : v);
	else
		reg_write(e, in, f->kind == F_MOFFS_LOAD ? 0 : in->reg, w, v);
	return 0;
}

int insn_emulate(const struct emul *e, const struct insn *in)
{
	struct emul_mem mem[2];
	struct form f;
	int rc = classify(e, in, &f);

	if (rc)
		return rc;
	if (f.string)
		return exec_string(e, in, &f);
	if (f.kind == F_BT_REG || f.kind == F_BT_IMM)
		return exec_bt(e, in, &f);
	rc = insn_emul_operands(e, in, mem);
	if (rc < 0)
		return rc;
	switch (f.kind) {
	case F_ALU_MEM: case F_ALU_REG: case F_ALU_IMM: case F_TEST_REG: case F_TEST_IMM:
		return exec_alu(e, in, &f, mem[0].la);
	default: return exec_move(e, in, &f, mem[0].la);
	}
}
