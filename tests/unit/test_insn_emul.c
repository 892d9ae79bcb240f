/* SPDX-License-Identifier: MIT */
/* Unit tests for the instruction emulator: GAS-assembled cases run on this CPU and in the emulator. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "arch/x86/insn_decode.h"
#include "arch/x86/insn_emul.h"
#include "kernel/errno.h"

struct ecase {
	uint64_t addr;
	uint8_t len, ign, pad[6];
};
_Static_assert(sizeof(struct ecase) == 16, "matches the .quad + 8 .byte record in insn_emul_cases.S");

/* Register file as native_exec loads and stores it. */
struct nregs {
	uint64_t r[16];
	uint64_t rflags;
};
_Static_assert(offsetof(struct nregs, rflags) == 128, "native_exec's layout");

extern const struct ecase emul_cases[], emul_cases_end[];
extern uint8_t emul_buf[4096];
void native_exec(struct nregs *r, const void *code);

/* The emulator's world: registers, segment bases and a window of memory at [base, base + size). */
struct world {
	struct nregs regs;
	uint64_t seg[6];
	uint64_t base;
	uint8_t *mem;
	size_t size;
	int fail_write;   /* the n-th write (1-based) fails; 0 never */
	int writes;
	unsigned accesses;
};

static uint64_t w_get_gpr(void *c, unsigned r) { return ((struct world *)c)->regs.r[r]; }
static void w_set_gpr(void *c, unsigned r, uint64_t v) { ((struct world *)c)->regs.r[r] = v; }
static uint64_t w_get_rflags(void *c) { return ((struct world *)c)->regs.rflags; }
static void w_set_rflags(void *c, uint64_t v) { ((struct world *)c)->regs.rflags = v; }
static uint64_t w_seg_base(void *c, enum insn_seg s) { return ((struct world *)c)->seg[s]; }

static uint8_t *w_at(struct world *w, uint64_t la, unsigned size)
{
	if (la < w->base || la - w->base + size > w->size) {
		printf("access outside the test memory: 0x%llx size %u\n", (unsigned long long)la, size);
		return NULL;
	}
	w->accesses++;
	return w->mem + (la - w->base);
}

static int w_read(void *c, uint64_t la, void *dst, unsigned size)
{
	uint8_t *p = w_at(c, la, size);

	if (!p)
		return -EFAULT;
	memcpy(dst, p, size);
	return 0;
}

static int w_write(void *c, uint64_t la, const void *src, unsigned size)
{
	struct world *w = c;
	uint8_t *p = w_at(c, la, size);

	if (!p || ++w->writes == w->fail_write)
		return -EFAULT;
	memcpy(p, src, size);
	return 0;
}

static const struct emul_ops world_ops = { w_get_gpr, w_set_gpr, w_get_rflags, w_set_rflags, w_seg_base,
					   w_read, w_write };

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;
static uint64_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

/* Runs in to completion the way the exit handler does: batches of max_reps while REP is unfinished. */
static int emulate_all(struct world *w, enum insn_mode mode, uint64_t rip, const uint8_t *bytes, unsigned max_reps)
{
	struct emul e = { &world_ops, w, mode, rip, max_reps };
	struct insn in;
	int rc = insn_decode(bytes, 15, mode, &in);

	if (rc)
		return rc;
	for (int round = 0; round < 100; round++) {
		rc = insn_emulate(&e, &in);
		if (rc != EMUL_REP_MORE)
			return rc;
	}
	return -EBUSY;
}

/* Registers that address the buffer point into it; data registers are random; the bit offsets
 * and the index/count registers are small (R14 negative). */
static void initial_state(struct nregs *r)
{
	uint64_t b = (uint64_t)(uintptr_t)emul_buf;

	for (int i = 0; i < 16; i++)
		r->r[i] = rnd();
	r->r[1] = 7;              /* RCX: index and REP count */
	r->r[3] = b + 0x800;      /* RBX */
	r->r[4] = 0;              /* RSP: not used */
	r->r[5] = b + 0x600;      /* RBP */
	r->r[6] = b + 0x400;      /* RSI */
	r->r[7] = b + 0xa00;      /* RDI */
	r->r[9] = 3;              /* R9: index */
	r->r[11] = 0x45;          /* R11: bit offset beyond one qword */
	r->r[12] = b + 0xc00;     /* R12 */
	r->r[13] = b + 0x300;     /* R13 */
	r->r[14] = (uint64_t)-0x30; /* R14: negative bit offset */
	r->rflags = 0x2 | (rnd() & EMUL_ARITH_FLAGS) | (rnd() & 1 ? EMUL_DF : 0);
}

static bool compare_case(size_t i, const struct ecase *c, const struct nregs *cpu, const uint8_t *cpu_mem,
			 const struct world *w, int rc)
{
	uint64_t fmask = EMUL_ARITH_FLAGS | EMUL_DF;
	const uint8_t *b = (const uint8_t *)(uintptr_t)c->addr;
	bool ok = rc == 0;

	if (c->ign)
		fmask &= ~(EMUL_OF | EMUL_SF | EMUL_AF | EMUL_PF);
	for (int r = 0; r < 16; r++)
		if (cpu->r[r] != w->regs.r[r]) {
			printf("  r%d cpu 0x%llx emul 0x%llx\n", r, (unsigned long long)cpu->r[r],
			       (unsigned long long)w->regs.r[r]);
			ok = false;
		}
	if ((cpu->rflags ^ w->regs.rflags) & fmask) {
		printf("  rflags cpu 0x%llx emul 0x%llx\n", (unsigned long long)cpu->rflags,
		       (unsigned long long)w->regs.rflags);
		ok = false;
	}
	if (memcmp(cpu_mem, w->mem, w->size)) {
		printf("  memory differs\n");
		ok = false;
	}
	if (!ok) {
		printf("case %zu rc %d bytes", i, rc);
		for (unsigned k = 0; k < c->len; k++)
			printf(" %02x", b[k]);
		printf("\n");
	}
	return ok;
}

/* The differential check: the CPU and the emulator start from the same registers, flags and
 * memory; afterwards every register, the defined flags and every byte of memory must agree. */
static void test_against_cpu(void **s)
{
	static uint8_t init[4096], cpu_mem[4096];
	size_t n = (size_t)(emul_cases_end - emul_cases), failures = 0;
	(void)s;
	assert_true(n > 250);
	for (size_t i = 0; i < n; i++) {
		const struct ecase *c = &emul_cases[i];
		for (int round = 0; round < 24; round++) {
			struct nregs start, cpu;
			struct world w;
			int rc;

			for (size_t k = 0; k < sizeof(init); k++)
				init[k] = (uint8_t)rnd();
			if (round & 1) /* small values make carries, zeros and equal operands likely too */
				for (size_t k = 0; k < sizeof(init); k++)
					init[k] &= round & 2 ? 0x81 : 0x0f;
			initial_state(&start);
			if (round & 1)
				for (int r = 0; r < 16; r++)
					if (r == 0 || r == 2 || r == 8 || r == 10 || r == 15)
						start.r[r] &= round & 2 ? 0x8000000080008081ull : 0xf0f;
			memcpy(emul_buf, init, sizeof(init));
			cpu = start;
			native_exec(&cpu, (const void *)(uintptr_t)c->addr);
			memcpy(cpu_mem, emul_buf, sizeof(cpu_mem));
			memcpy(emul_buf, init, sizeof(init));
			w = (struct world){ .regs = start, .base = (uint64_t)(uintptr_t)emul_buf, .mem = emul_buf,
					    .size = sizeof(init) };
			rc = emulate_all(&w, INSN_MODE_64, c->addr, (const uint8_t *)(uintptr_t)c->addr, 1 + round % 4);
			if (!compare_case(i, c, &cpu, cpu_mem, &w, rc)) {
				failures++;
				break;
			}
		}
	}
	assert_int_equal(failures, 0);
}

extern const uint8_t x32_sib[], x32_ss[], x32_fs[], x32_wrap[], x32_moffs[], x32_addr16[], x32_repmovs[],
	x32_repstos[], x32_add[], x16_bpsi[], x16_disp16[], x16_wrap[], x16_addr32[], x16_repmovs[], x16_sub[],
	x16_btreg[], x64_addr32[], x64_fs[], x64_repstos32[], x64_add[], x64_not[], x64_inc[], x64_regform[],
	x64_lockmov[], x64_c6bad[];

/* A 192 KiB window at 0x10000 with DS/ES at 0x10000, SS at 0x20000, FS at 0x28000. */
static uint8_t low_mem[0x30000];
static struct world low_world(void)
{
	struct world w = { .base = 0x10000, .mem = low_mem, .size = sizeof(low_mem) };

	memset(low_mem, 0, sizeof(low_mem));
	w.seg[INSN_SEG_DS] = w.seg[INSN_SEG_ES] = 0x10000;
	w.seg[INSN_SEG_SS] = 0x20000;
	w.seg[INSN_SEG_FS] = 0x28000;
	w.regs.rflags = 2;
	return w;
}

static uint32_t rd32(uint64_t la) { uint32_t v; memcpy(&v, low_mem + la - 0x10000, 4); return v; }
static void wr32(uint64_t la, uint32_t v) { memcpy(low_mem + la - 0x10000, &v, 4); }

static void test_32bit_addressing(void **s)
{
	struct world w = low_world();
	(void)s;
	/* SIB with DS base; -4(%ebp) takes SS; an FS override; the 32-bit offset wraps at 4 GiB. */
	w.regs.r[3] = 0x100, w.regs.r[1] = 2, wr32(0x10118, 0xcafe0001);
	assert_int_equal(emulate_all(&w, INSN_MODE_32, 0, x32_sib, 1), 0);
	assert_int_equal(w.regs.r[0], 0xcafe0001);
	w.regs.r[5] = 0x104, wr32(0x20100, 0x55aa55aa), wr32(0x10100, 1);
	assert_int_equal(emulate_all(&w, INSN_MODE_32, 0, x32_ss, 1), 0);
	assert_int_equal(w.regs.r[0], 0x55aa55aa);
	w.regs.r[0] = 0x11223344, w.regs.r[3] = 0x10;
	assert_int_equal(emulate_all(&w, INSN_MODE_32, 0, x32_fs, 1), 0);
	assert_int_equal(rd32(0x28018), 0x11223344);
	w.regs.r[3] = 0xfffffff0, wr32(0x10010, 0x0badf00d);
	assert_int_equal(emulate_all(&w, INSN_MODE_32, 0, x32_wrap, 1), 0);
	assert_int_equal(w.regs.r[0], 0x0badf00d);
	wr32(0x10040, 0x40404040);
	assert_int_equal(emulate_all(&w, INSN_MODE_32, 0, x32_moffs, 1), 0);
	assert_int_equal(w.regs.r[0], 0x40404040);
	/* 67: 16-bit addressing in 32-bit code, wrapping at 64 KiB. */
	w.regs.r[3] = 0xfff0, w.regs.r[6] = 0x20, wr32(0x10010, 0x16161616);
	assert_int_equal(emulate_all(&w, INSN_MODE_32, 0, x32_addr16, 1), 0);
	assert_int_equal(w.regs.r[0], 0x16161616);
}

static void test_32bit_strings_and_flags(void **s)
{
	struct world w = low_world();
	(void)s;
	/* REP MOVSL from DS:ESI to ES:EDI with different bases, in batches of 2. */
	w.seg[INSN_SEG_ES] = 0x20000;
	for (int i = 0; i < 3; i++)
		wr32(0x10200 + 4 * i, 0xa0 + i);
	w.regs.r[6] = 0x200, w.regs.r[7] = 0x300, w.regs.r[1] = 3;
	assert_int_equal(emulate_all(&w, INSN_MODE_32, 0, x32_repmovs, 2), 0);
	for (int i = 0; i < 3; i++)
		assert_int_equal(rd32(0x20300 + 4 * i), 0xa0 + i);
	assert_int_equal(w.regs.r[6], 0x20c);
	assert_int_equal(w.regs.r[7], 0x30c);
	assert_int_equal(w.regs.r[1], 0);
	/* REP STOSW downwards (DF). */
	w.regs.rflags = 2 | EMUL_DF, w.regs.r[0] = 0xbeef, w.regs.r[7] = 0x406, w.regs.r[1] = 4;
	assert_int_equal(emulate_all(&w, INSN_MODE_32, 0, x32_repstos, 3), 0);
	assert_int_equal(rd32(0x20400), 0xbeefbeef);
	assert_int_equal(rd32(0x20404), 0xbeefbeef);
	assert_int_equal(w.regs.r[7], 0x3fe);
	/* 0x7fffffff + 1: OF, SF, AF and PF (the low byte 0 has even parity), not CF or ZF. */
	w = low_world();
	w.regs.r[3] = 0x80, w.regs.r[0] = 1, wr32(0x10080, 0x7fffffff);
	assert_int_equal(emulate_all(&w, INSN_MODE_32, 0, x32_add, 1), 0);
	assert_int_equal(rd32(0x10080), 0x80000000);
	assert_int_equal(w.regs.rflags & EMUL_ARITH_FLAGS, EMUL_OF | EMUL_SF | EMUL_AF | EMUL_PF);
}

static void test_16bit(void **s)
{
	struct world w = low_world();
	uint16_t v;
	(void)s;
	/* [BP+SI] takes SS. */
	w.regs.r[5] = 0x100, w.regs.r[6] = 0x20, wr32(0x20120, 0x1234abcd), w.regs.r[0] = 0xffffffff00000000ull;
	assert_int_equal(emulate_all(&w, INSN_MODE_16, 0, x16_bpsi, 1), 0);
	assert_int_equal(w.regs.r[0], 0xffffffff0000abcdull);
	wr32(0x11234, 0x7777);
	assert_int_equal(emulate_all(&w, INSN_MODE_16, 0, x16_disp16, 1), 0);
	assert_int_equal(w.regs.r[1] & 0xffff, 0x7777);
	/* BX+DI+disp wraps at 64 KiB. */
	w.regs.r[3] = 0xfff0, w.regs.r[7] = 0x8, w.regs.r[0] = 0x99;
	assert_int_equal(emulate_all(&w, INSN_MODE_16, 0, x16_wrap, 1), 0);
	assert_int_equal(low_mem[8], 0x99);
	/* 67 66: 32-bit addressing and operand in 16-bit code. */
	w.regs.r[3] = 0x10000, w.regs.r[1] = 0x10, wr32(0x20020, 0xfeedface);
	assert_int_equal(emulate_all(&w, INSN_MODE_16, 0, x16_addr32, 1), 0);
	assert_int_equal(w.regs.r[0], 0xfeedface);
	/* REP MOVSB with a 16-bit address size writes CX, SI, DI only. */
	memcpy(low_mem + 0x500, "hello", 5);
	w.regs.r[1] = 0xdead0005, w.regs.r[6] = 0x500, w.regs.r[7] = 0x600, w.regs.rflags = 2;
	assert_int_equal(emulate_all(&w, INSN_MODE_16, 0, x16_repmovs, 2), 0);
	assert_memory_equal(low_mem + 0x600, "hello", 5);
	assert_int_equal(w.regs.r[1], 0xdead0000);
	assert_int_equal(w.regs.r[6], 0x505);
	/* 0 - 1: CF SF AF PF. */
	w.regs.r[3] = 0x700;
	assert_int_equal(emulate_all(&w, INSN_MODE_16, 0, x16_sub, 1), 0);
	memcpy(&v, low_mem + 0x700, 2);
	assert_int_equal(v, 0xffff);
	assert_int_equal(w.regs.rflags & EMUL_ARITH_FLAGS, EMUL_CF | EMUL_SF | EMUL_AF | EMUL_PF);
	/* BTS with bit offset 17 in a 16-bit operand: the word at +2, bit 1. */
	w.regs.r[0] = 17, w.regs.r[3] = 0x800;
	assert_int_equal(emulate_all(&w, INSN_MODE_16, 0, x16_btreg, 1), 0);
	assert_int_equal(low_mem[0x802], 2);
	assert_int_equal(w.regs.rflags & EMUL_CF, 0);
}

static void test_64bit_special(void **s)
{
	struct world w = low_world();
	(void)s;
	/* addr32 in 64-bit code: the address is EBX, no segment base. */
	w.regs.r[3] = 0xffffffff00010010ull, wr32(0x10010, 0x32323232);
	assert_int_equal(emulate_all(&w, INSN_MODE_64, 0, x64_addr32, 1), 0);
	assert_int_equal(w.regs.r[0], 0x32323232);
	/* FS has a base in 64-bit mode. */
	w.regs.r[0] = 0, wr32(0x28010, 0x64646464);
	assert_int_equal(emulate_all(&w, INSN_MODE_64, 0, x64_fs, 1), 0);
	assert_int_equal(w.regs.r[2], 0x64646464);
	/* addr32 REP STOSB: ECX and EDI, zero-extended as 32-bit register writes are. */
	w.regs.r[1] = 0xffffffff00000003ull, w.regs.r[7] = 0x1234567800010100ull, w.regs.r[0] = 0x5e;
	assert_int_equal(emulate_all(&w, INSN_MODE_64, 0, x64_repstos32, 2), 0);
	assert_int_equal(w.regs.r[1], 0);
	assert_int_equal(w.regs.r[7], 0x10103);
	assert_int_equal(low_mem[0x102], 0x5e);
}

static void test_refused(void **s)
{
	struct world w = low_world();
	struct emul e = { &world_ops, &w, INSN_MODE_64, 0, 1 };
	struct emul_mem mem[2];
	struct insn in;
	(void)s;
	w.regs.r[3] = 0x10000;
	assert_int_equal(emulate_all(&w, INSN_MODE_64, 0, x64_not, 1), -ENOTSUP);
	assert_int_equal(emulate_all(&w, INSN_MODE_64, 0, x64_inc, 1), -ENOTSUP);
	assert_int_equal(emulate_all(&w, INSN_MODE_64, 0, x64_regform, 1), -EINVAL);
	assert_int_equal(emulate_all(&w, INSN_MODE_64, 0, x64_lockmov, 1), -EINVAL);
	assert_int_equal(emulate_all(&w, INSN_MODE_64, 0, x64_c6bad, 1), -EINVAL);
	assert_int_equal(w.accesses, 0);
	assert_int_equal(insn_decode(x64_not, 15, INSN_MODE_64, &in), 0);
	assert_int_equal(insn_emul_operands(&e, &in, mem), -ENOTSUP);
}

/* A failing memory write leaves registers and flags as they were (the guest gets the fault). */
static void test_fault_keeps_state(void **s)
{
	struct world w = low_world();
	struct nregs before;
	(void)s;
	w.regs.r[3] = 0x10000, w.regs.r[0] = 5, w.regs.rflags = 2 | EMUL_ZF, w.fail_write = 1;
	before = w.regs;
	assert_int_equal(emulate_all(&w, INSN_MODE_64, 0, x64_add, 1), -EFAULT);
	assert_memory_equal(&before, &w.regs, sizeof(before));
	/* A REP that faults on its third element keeps the two it finished, RCX counting them. */
	w = low_world();
	w.regs.r[1] = 5, w.regs.r[7] = 0x10100, w.fail_write = 3;
	assert_int_equal(emulate_all(&w, INSN_MODE_64, 0, x64_repstos32, 8), -EFAULT);
	assert_int_equal(w.regs.r[1], 3);
	assert_int_equal(w.regs.r[7], 0x10102);
}

/* Operands reported for the exit handler's check: MOVS names both sides. */
static void test_operands(void **s)
{
	struct world w = low_world();
	struct emul e = { &world_ops, &w, INSN_MODE_32, 0, 1 };
	struct emul_mem mem[2];
	struct insn in;
	(void)s;
	w.regs.r[6] = 0x200, w.regs.r[7] = 0x300;
	assert_int_equal(insn_decode(x32_repmovs, 15, INSN_MODE_32, &in), 0);
	assert_int_equal(insn_emul_operands(&e, &in, mem), 2);
	assert_int_equal(mem[0].la, 0x10200);
	assert_false(mem[0].write);
	assert_int_equal(mem[1].la, 0x10300);
	assert_true(mem[1].write);
	assert_int_equal(mem[1].size, 4);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_against_cpu),
		cmocka_unit_test(test_32bit_addressing),
		cmocka_unit_test(test_32bit_strings_and_flags),
		cmocka_unit_test(test_16bit),
		cmocka_unit_test(test_64bit_special),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_fault_keeps_state),
		cmocka_unit_test(test_operands),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
