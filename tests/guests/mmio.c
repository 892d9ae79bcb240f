/* SPDX-License-Identifier: MIT */
/* MMIO emulation: every supported form, in 64-, 32- and 16-bit code, reaches the test device exactly. */
#include "drivers/pc/pc_layout.h"
#include "drivers/pc/vtestdev.h"
#include "lib/guest.h"
#include "tests/guests/mmio_snips.h"

#ifdef MMIO_BAD
const char guest_name[] = "mmio-bad";
static const bool mmio_bad = true;
#else
const char guest_name[] = "mmio";
static const bool mmio_bad = false;
#endif

#define DEV PC_TESTDEV_MMIO_BASE
#define PTE_P 1ull
#define PTE_RW 2ull
#define PTE_PS 0x80ull
#define PTE_ADDR 0x000ffffffffff000ull
#define CR0_WP (1ull << 16)
#define RF_CF 0x1ull
#define RF_ZF 0x40ull
#define RF_SF 0x80ull
#define UNCLAIMED 0xf0000000ull /* above RAM, below 4 GiB, claimed by nothing in this VM */

asm(".globl mmio_win\n\t.set mmio_win, 0x3fe00000");
_Static_assert(MMIO_WIN == 0x3fe00000, "the absolute symbol above");

enum { RAX, RCX, RDX, RBX, RSP, RBP, RSI, RDI, NOREG = -1 };

static uint64_t dev(unsigned off)
{
	return *(volatile uint64_t *)(DEV + off);
}

static uint64_t ram_a[512] __attribute__((aligned(4096)));
static uint64_t ram_b[512] __attribute__((aligned(4096)));
static uint64_t win_pd[512] __attribute__((aligned(4096)));
static uint64_t win_pt[512] __attribute__((aligned(4096)));
static uint64_t src[64], dst[64];
static uint8_t bytes_dst[512];
static int failures;

static void check(bool ok, const char *what, uint64_t got, uint64_t want)
{
	if (ok)
		return;
	failures++;
	printf("mmio: %s: got 0x%lx, want 0x%lx\n", what, got, want);
}

/* The window at MMIO_WIN: device, RAM A, device, hole, read-only RAM B, device (4 KiB each). */
static void map_window(void)
{
	uint64_t cr3, cr0, *pml4, *pdpt, *pd;

	asm volatile("mov %%cr3, %0" : "=r"(cr3));
	pml4 = (uint64_t *)(cr3 & PTE_ADDR);
	pdpt = (uint64_t *)(pml4[0] & PTE_ADDR);
	if (pdpt[0] & PTE_PS) { /* a 1 GiB page: split it into 2 MiB ones first */
		for (uint64_t i = 0; i < 512; i++)
			win_pd[i] = (i << 21) | PTE_P | PTE_RW | PTE_PS;
		pdpt[0] = (uint64_t)win_pd | PTE_P | PTE_RW;
	}
	pd = (uint64_t *)(pdpt[0] & PTE_ADDR);
	win_pt[0] = DEV | PTE_P | PTE_RW;
	win_pt[1] = (uint64_t)ram_a | PTE_P | PTE_RW;
	win_pt[2] = DEV | PTE_P | PTE_RW;
	win_pt[3] = 0;
	win_pt[4] = (uint64_t)ram_b | PTE_P;
	win_pt[5] = DEV | PTE_P | PTE_RW;
	pd[(MMIO_WIN >> 21) & 511] = (uint64_t)win_pt | PTE_P | PTE_RW;
	asm volatile("mov %%cr0, %0" : "=r"(cr0));
	asm volatile("mov %0, %%cr0\n\tmov %1, %%cr3" : : "r"(cr0 | CR0_WP), "r"(cr3) : "memory");
}

struct __attribute__((packed)) gdt_ptr {
	uint16_t limit;
	uint64_t base;
};
static uint64_t gdt[6] __attribute__((aligned(16)));

static uint64_t descriptor(uint32_t base, uint32_t limit, uint8_t type, uint8_t flags)
{
	return (limit & 0xffff) | (uint64_t)(base & 0xffffff) << 16 | (uint64_t)type << 40 |
	       (uint64_t)((limit >> 16) & 0xf) << 48 | (uint64_t)flags << 52 | (uint64_t)(base >> 24) << 56;
}

/* Our own GDT: 64-bit code at the loader's selector, flat data, 32-bit code, 16-bit code based at
 * the 16-bit snippets (IP is 16 bits there), and a 16-bit data segment based at the device. */
static void load_gdt(void)
{
	struct gdt_ptr ptr = { sizeof(gdt) - 1, (uint64_t)gdt };

	gdt[0] = 0;
	gdt[1] = 0x00af9a000000ffffull;
	gdt[2] = 0x00cf92000000ffffull;
	gdt[3] = 0x00cf9a000000ffffull;
	gdt[4] = descriptor((uint32_t)(uint64_t)m16_mov, 0xffff, 0x9a, 0);
	gdt[5] = descriptor((uint32_t)DEV, 0xffff, 0x92, 0);
	asm volatile("lgdt %0\n\t"
		     "pushq $0x08\n\t"
		     "leaq 1f(%%rip), %%rax\n\t"
		     "pushq %%rax\n\t"
		     "lretq\n"
		     "1:\n\t"
		     "movw $0x10, %%ax\n\t"
		     "movw %%ax, %%ds\n\t"
		     "movw %%ax, %%es\n\t"
		     "movw %%ax, %%ss\n\t"
		     "movw $0x28, %%ax\n\t"
		     "movw %%ax, %%fs"
		     :
		     : "m"(ptr)
		     : "rax", "memory");
}

/* One snippet: the state it starts with, what the device must have recorded after it. */
struct mcase {
	const char *name;
	int bits;
	const void *fn;
	uint64_t in[8];
	uint32_t off, width, dir;
	uint64_t value;
	uint32_t accesses;
	int reg;
	uint64_t reg_value;
	uint64_t flags_set, flags_clear;
};

#define R(ax, cx, dx, bx, bp, si, di) { ax, cx, dx, bx, 0, bp, si, di }
#define W 1
#define RD 0
#define NOFL 0, 0

static void run_case(const struct mcase *c, struct sregs *r)
{
	uint64_t before = dev(VTESTDEV_COUNT), count;
	int fails = failures;

	for (int i = 0; i < 8; i++)
		r->r[i] = c->in[i];
	r->rflags = 2;
	if (c->bits == 64)
		call64(r, c->fn);
	else if (c->bits == 32)
		call_compat(r, (uint32_t)(uint64_t)c->fn, SEL_CODE32);
	else
		call_compat(r, (uint32_t)((uint64_t)c->fn - (uint64_t)m16_mov), SEL_CODE16);
	count = dev(VTESTDEV_COUNT) - before;
	check(count == c->accesses, "device accesses", count, c->accesses);
	if (c->accesses) {
		check(dev(VTESTDEV_LAST_OFFSET) == c->off, "offset", dev(VTESTDEV_LAST_OFFSET), c->off);
		check(dev(VTESTDEV_LAST_WIDTH) == c->width, "width", dev(VTESTDEV_LAST_WIDTH), c->width);
		check(dev(VTESTDEV_LAST_DIR) == c->dir, "direction", dev(VTESTDEV_LAST_DIR), c->dir);
		check(dev(VTESTDEV_LAST_VALUE) == c->value, "value", dev(VTESTDEV_LAST_VALUE), c->value);
	}
	if (c->reg != NOREG)
		check(r->r[c->reg] == c->reg_value, "register", r->r[c->reg], c->reg_value);
	check((r->rflags & c->flags_set) == c->flags_set, "flags set", r->rflags, c->flags_set);
	check(!(r->rflags & c->flags_clear), "flags clear", r->rflags, c->flags_clear);
	if (failures != fails)
		printf("mmio: ... in case %s (%d-bit)\n", c->name, c->bits);
}

#define D DEV
static const struct mcase cases64[] = {
	{ "mov-b", 64, m64_mov_b, R(0x11, 0, 0, D, 0, 0, 0), 1, 1, W, 0x11, 1, NOREG, 0, NOFL },
	{ "mov-ah", 64, m64_mov_ah, R(0x2200, 0, 0, D, 0, 0, 0), 2, 1, W, 0x22, 1, NOREG, 0, NOFL },
	{ "mov-w", 64, m64_mov_w, R(0x4433, 0, 0, D, 0, 0, 0), 4, 2, W, 0x4433, 1, NOREG, 0, NOFL },
	{ "mov-l", 64, m64_mov_l, R(0x88776655, 0, 0, D, 0, 0, 0), 8, 4, W, 0x88776655, 1, NOREG, 0, NOFL },
	{ "mov-q", 64, m64_mov_q, R(0x0123456789abcdefull, 0, 0, D, 0, 0, 0), 0x10, 8, W, 0x0123456789abcdefull, 1, NOREG, 0, NOFL },
	{ "mov-r8-sib", 64, m64_mov_r8, R(0xfedcba9876543210ull, 1, 0, D, 0, 0, 0), 0x20, 8, W, 0xfedcba9876543210ull, 1, NOREG, 0, NOFL },
	{ "load-b", 64, m64_ld_b, R(0, 0xaaaa, 0, D, 0, 0, 0), 1, 1, RD, 0x11, 1, RCX, 0xaa11, NOFL },
	{ "load-w", 64, m64_ld_w, R(0, 0, ~0ull, D, 0, 0, 0), 4, 2, RD, 0x4433, 1, RDX, 0xffffffffffff4433ull, NOFL },
	{ "load-l", 64, m64_ld_l, R(0, 0, 0, D, 0, ~0ull, 0), 8, 4, RD, 0x88776655, 1, RSI, 0x88776655, NOFL },
	{ "load-q", 64, m64_ld_q, R(0, 0, 0, D, 0, 0, 0), 0x10, 8, RD, 0x0123456789abcdefull, 1, RDI, 0x0123456789abcdefull, NOFL },
	{ "load-sib", 64, m64_ld_sib, R(0, 2, 0, D, 0, 0, 0), 0x10, 8, RD, 0x0123456789abcdefull, 1, RAX, 0x0123456789abcdefull, NOFL },
	{ "moffs-load", 64, m64_moffs_ld, R(0, 0, 0, 0, 0, 0, 0), 0x10, 8, RD, 0x0123456789abcdefull, 1, RAX, 0x0123456789abcdefull, NOFL },
	{ "moffs-store", 64, m64_moffs_st, R(0xcafebabe, 0, 0, 0, 0, 0, 0), 0x28, 4, W, 0xcafebabe, 1, NOREG, 0, NOFL },
	{ "imm-b", 64, m64_imm_b, R(0, 0, 0, D, 0, 0, 0), 0x21, 1, W, 0x7e, 1, NOREG, 0, NOFL },
	{ "imm-w", 64, m64_imm_w, R(0, 0, 0, D, 0, 0, 0), 0x22, 2, W, 0x1234, 1, NOREG, 0, NOFL },
	{ "imm-l", 64, m64_imm_l, R(0, 0, 0, D, 0, 0, 0), 0x24, 4, W, 0x89abcdef, 1, NOREG, 0, NOFL },
	{ "imm-q", 64, m64_imm_q, R(0, 0, 0, D, 0, 0, 0), 0x38, 8, W, 0xfffffffffffffffeull, 1, NOREG, 0, NOFL },
	{ "movzbl", 64, m64_movzbl, R(~0ull, 0, 0, D, 0, 0, 0), 0x24, 1, RD, 0xef, 1, RAX, 0xef, NOFL },
	{ "movzwq", 64, m64_movzwq, R(0, ~0ull, 0, D, 0, 0, 0), 0x24, 2, RD, 0xcdef, 1, RCX, 0xcdef, NOFL },
	{ "movsbl", 64, m64_movsbl, R(0, 0, ~0ull, D, 0, 0, 0), 0x27, 1, RD, 0x89, 1, RDX, 0xffffff89, NOFL },
	{ "movswq", 64, m64_movswq, R(0, 0, 0, D, 0, 0, 0), 0x26, 2, RD, 0x89ab, 1, RSI, 0xffffffffffff89abull, NOFL },
	{ "movslq", 64, m64_movslq, R(0, 0, 0, D, 0, 0, 0), 0x24, 4, RD, 0x89abcdef, 1, RDI, 0xffffffff89abcdefull, NOFL },
	{ "set", 64, m64_set100, R(0, 0, 0, D, 0, 0, 0), 0x30, 4, W, 100, 1, NOREG, 0, NOFL },
	{ "add", 64, m64_add, R(23, 0, 0, D, 0, 0, 0), 0x30, 4, W, 123, 2, NOREG, 0, 0, RF_ZF | RF_CF },
	{ "sub-imm8", 64, m64_sub83, R(0, 0, 0, D, 0, 0, 0), 0x30, 4, W, 120, 2, NOREG, 0, NOFL },
	{ "and-imm32", 64, m64_and81, R(0, 0, 0, D, 0, 0, 0), 0x30, 4, W, 0x70, 2, NOREG, 0, NOFL },
	{ "or-imm8-byte", 64, m64_or80, R(0, 0, 0, D, 0, 0, 0), 0x30, 1, W, 0x71, 2, NOREG, 0, NOFL },
	{ "xor-w", 64, m64_xorw, R(0x71, 0, 0, D, 0, 0, 0), 0x30, 2, W, 0, 2, NOREG, 0, RF_ZF, RF_CF },
	{ "cmp", 64, m64_cmp, R(1, 0, 0, D, 0, 0, 0), 0x30, 4, RD, 0, 1, NOREG, 0, RF_CF | RF_SF, RF_ZF },
	{ "add-to-reg", 64, m64_addreg, R(0, 1, 0, D, 0, 0, 0), 0x24, 4, RD, 0x89abcdef, 1, RCX, 0x89abcdf0, NOFL },
	{ "test-imm", 64, m64_testb, R(0, 0, 0, D, 0, 0, 0), 0x24, 1, RD, 0xef, 1, NOREG, 0, RF_SF, RF_ZF },
	{ "test-reg", 64, m64_testq, R(0x0123456789abcdefull, 0, 0, D, 0, 0, 0), 0x10, 8, RD, 0x0123456789abcdefull, 1, NOREG, 0, 0, RF_ZF },
	{ "xchg", 64, m64_xchg, R(0x5a5a5a5a, 0, 0, D, 0, 0, 0), 8, 4, W, 0x5a5a5a5a, 2, RAX, 0x88776655, NOFL },
	{ "xchg-b", 64, m64_xchgb, R(0, 0x99, 0, D, 0, 0, 0), 1, 1, W, 0x99, 2, RCX, 0x11, NOFL },
	{ "bt-imm", 64, m64_bt, R(0, 0, 0, D, 0, 0, 0), 8, 4, RD, 0x5a5a5a5a, 1, NOREG, 0, RF_CF, 0 },
	{ "bts-reg", 64, m64_btsreg, R(0, 70, 0, D, 0, 0, 0), 0x18, 8, W, 0x40, 2, NOREG, 0, 0, RF_CF },
	{ "btr-imm", 64, m64_btr, R(0, 0, 0, D, 0, 0, 0), 4, 2, W, 0x4431, 2, NOREG, 0, RF_CF, 0 },
	{ "btc-imm", 64, m64_btc, R(0, 0, 0, D, 0, 0, 0), 8, 4, W, 0xda5a5a5a, 2, NOREG, 0, 0, RF_CF },
	{ "lock-or", 64, m64_lockor, R(0, 0, 0, D, 0, 0, 0), 8, 4, W, 0xda5a5b5a, 2, NOREG, 0, NOFL },
	{ "rip-store", 64, m64_rip_st, R(0x44332211, 0, 0, 0, 0, 0, 0), 0x40, 4, W, 0x44332211, 1, NOREG, 0, NOFL },
	{ "rip-load", 64, m64_rip_ld, R(0, 0, 0, 0, 0, 0, 0), 0x40, 4, RD, 0x44332211, 1, RDX, 0x44332211, NOFL },
	{ "rip-cmp-imm", 64, m64_rip_cmp, R(0, 0, 0, 0, 0, 0, 0), 0x40, 1, RD, 0x11, 1, NOREG, 0, RF_CF, RF_ZF },
	{ "rep-stos-600", 64, m64_repstos, R(0x66, 300, 0, 0, 0, 0, D + 0x400), 0x52b, 1, W, 0x66, 300, RCX, 0, NOFL },
	{ "movs-dev-dev", 64, m64_movs_dd, R(0, 0, 0, 0, 0, D + 0x400, D + 0x600), 0x600, 4, W, 0x66666666, 2, RDI, D + 0x604, NOFL },
	{ "lods", 64, m64_lods, R(0, 0, 0, 0, 0, D + 0x400, 0), 0x400, 8, RD, 0x6666666666666666ull, 1, RAX, 0x6666666666666666ull, NOFL },
	{ "straddle-ram-dev", 64, m64_straddle, R(0x1122334455667788ull, 0, 0, 0, 0, 0, 0), 0, 4, W, 0x11223344, 1, NOREG, 0, NOFL },
	{ "unclaimed", 64, m64_unclaimed, R(0, 0, 0, UNCLAIMED, 0, 0, 0), 0, 0, 0, 0, 0, RCX, ~0ull, NOFL },
};

static const struct mcase cases32[] = {
	{ "mov-b", 32, m32_mov_b, R(0x5a, 0, 0, D + 0x50, 0, 0, 0), 0x50, 1, W, 0x5a, 1, NOREG, 0, NOFL },
	{ "mov-w-sib", 32, m32_mov_w, R(0x1234, 3, 0, D, 0, 0, 0), 8, 2, W, 0x1234, 1, NOREG, 0, NOFL },
	{ "mov-l-sib", 32, m32_mov_l, R(0xdeadbeef, 4, 0, D, 0, 0, 0), 0x10, 4, W, 0xdeadbeef, 1, NOREG, 0, NOFL },
	{ "load-abs", 32, m32_ld, R(0, 0, 0, 0, 0, 0, 0), 0x10, 4, RD, 0xdeadbeef, 1, RDX, 0xdeadbeef, NOFL },
	{ "moffs", 32, m32_moffs, R(0, 0, 0, 0, 0, 0, 0), 0x10, 4, RD, 0xdeadbeef, 1, RAX, 0xdeadbeef, NOFL },
	{ "movzbl", 32, m32_movzbl, R(0, 0, 0, D, 0, 0, 0), 0x11, 1, RD, 0xbe, 1, RCX, 0xbe, NOFL },
	{ "movswl", 32, m32_movswl, R(0, 0, 0, D, 0, 0, 0), 0x12, 2, RD, 0xdead, 1, RSI, 0xffffdead, NOFL },
	{ "add-imm8", 32, m32_add, R(0, 0, 0, D, 0, 0, 0), 0x10, 4, W, 0xdeadbef4, 2, NOREG, 0, NOFL },
	{ "cmp-b", 32, m32_cmpb, R(0, 0, 0, D, 0, 0, 0), 0x10, 1, RD, 0xf4, 1, NOREG, 0, RF_ZF, RF_CF },
	{ "xchg", 32, m32_xchg, R(1, 0, 0, D, 0, 0, 0), 0x10, 4, W, 1, 2, RAX, 0xdeadbef4, NOFL },
	{ "bt", 32, m32_bt, R(0, 0, 0, D, 0, 0, 0), 0x10, 4, RD, 1, 1, NOREG, 0, RF_CF, 0 },
	{ "test", 32, m32_test, R(0, 0, 0, D, 0, 0, 0), 0x10, 4, RD, 1, 1, NOREG, 0, RF_ZF, 0 },
	{ "fs-override", 32, m32_fs, R(0x77777777, 0, 0, 0, 0, 0, 0), 0x18, 4, W, 0x77777777, 1, NOREG, 0, NOFL },
	{ "rep-stos-300", 32, m32_repstos, R(0x77, 300, 0, 0, 0, 0, D + 0x200), 0x32b, 1, W, 0x77, 300, RCX, 0, NOFL },
};

static const struct mcase cases16[] = {
	{ "mov-bx-si", 16, m16_mov, R(0xbeef, 0, 0, 0x30, 0, 2, 0), 0x32, 2, W, 0xbeef, 1, NOREG, 0, NOFL },
	{ "ds-bp-di", 16, m16_ld_ds, R(0, 0, 0, 0, 0x30, 0, 2), 0x32, 2, RD, 0xbeef, 1, RCX, 0xbeef, NOFL },
	{ "disp16", 16, m16_disp16, R(0, 0, 0, 0, 0, 0, 0), 0x32, 2, RD, 0xbeef, 1, RDX, 0xbeef, NOFL },
	{ "addr32-op32", 16, m16_addr32, R(0x12345678, 0, 0, 0x40, 0, 0, 0), 0x40, 4, W, 0x12345678, 1, NOREG, 0, NOFL },
	{ "sub-imm", 16, m16_sub, R(0, 0, 0, 0, 0, 0, 0), 0x32, 2, W, 0xbeee, 2, NOREG, 0, NOFL },
	{ "wrap-64k", 16, m16_wrap, R(0x42, 0, 0, 0xfff0, 0, 0, 8), 8, 1, W, 0x42, 1, NOREG, 0, NOFL },
	{ "rep-stosw", 16, m16_repstos, R(0xabcd, 4, 0, 0, 0, 0, 0x60), 0x66, 2, W, 0xabcd, 4, RDI, 0x68, NOFL },
	{ "bts-reg", 16, m16_bts, R(17, 0, 0, 0x70, 0, 0, 0), 0x72, 2, W, 2, 2, NOREG, 0, 0, RF_CF },
};

static void run_table(const struct mcase *t, unsigned n, const char *what)
{
	struct sregs r;
	int before = failures;

	for (unsigned i = 0; i < n; i++)
		run_case(&t[i], &r);
	if (failures == before)
		printf("PASS mmio-%s (%u forms)\n", what, n);
}

/* REP MOVS both ways between RAM and the device, 64- and 32-bit, checked byte for byte. */
static void strings_ram(void)
{
	struct sregs r;
	int before = failures;
	static const struct mcase in64 = { "rep-movsq-in", 64, m64_repmovs_in, R(0, 16, 0, 0, 0, 0, D + 0x100), 0x178, 8, W, 0, 16, RCX, 0, NOFL };
	static const struct mcase in32 = { "rep-movsl-in", 32, m32_repmovs, R(0, 8, 0, 0, 0, 0, D + 0x700), 0x71c, 4, W, 0, 8, RCX, 0, NOFL };
	struct mcase c;

	for (int i = 0; i < 64; i++)
		src[i] = 0x0101010101010101ull * (uint64_t)(i + 1) ^ 0x8000000000000000ull;
	c = in64;
	c.in[RSI] = (uint64_t)src;
	c.value = src[15];
	run_case(&c, &r);
	check(r.r[RSI] == (uint64_t)&src[16] && r.r[RDI] == D + 0x180, "rep movsq pointers", r.r[RDI], D + 0x180);
	c = (struct mcase){ "rep-movsb-out", 64, m64_repmovs_out, R(0, 128, 0, 0, 0, D + 0x100, (uint64_t)dst), 0x17f, 1, RD, (uint8_t)(src[15] >> 56), 128, RCX, 0, NOFL };
	run_case(&c, &r);
	check(!memcmp(src, dst, 128), "RAM -> device -> RAM copy", dst[0], src[0]);
	c = in32;
	c.in[RSI] = (uint64_t)src;
	c.value = (uint32_t)(src[3] >> 32);
	run_case(&c, &r);
	c = (struct mcase){ "rep-movsb-out", 32, m32_repmovs_out, R(0, 300, 0, 0, 0, D + 0x200, (uint64_t)bytes_dst), 0x32b, 1, RD, 0x77, 300, RCX, 0, NOFL };
	run_case(&c, &r);
	for (int i = 0; i < 300; i++)
		check(bytes_dst[i] == 0x77, "32-bit device -> RAM copy", bytes_dst[i], 0x77);
	if (failures == before)
		printf("PASS mmio-rep-movs-ram\n");
}

static volatile uint64_t pf_resume, pf_rip, pf_err, pf_cr2, pf_n;
static void pf_handler(struct exc_frame *f)
{
	uint64_t cr2;

	asm volatile("mov %%cr2, %0" : "=r"(cr2));
	pf_n++;
	pf_rip = f->rip;
	pf_err = f->error;
	pf_cr2 = cr2;
	f->rip = pf_resume;
}

static void expect_pf(const struct mcase *c, const void *resume, uint64_t cr2, uint64_t err, struct sregs *r)
{
	pf_n = 0;
	pf_resume = (uint64_t)resume;
	run_case(c, r);
	check(pf_n == 1, "#PF count", pf_n, 1);
	check(pf_cr2 == cr2, "CR2", pf_cr2, cr2);
	check(pf_err == err, "#PF error code", pf_err, err);
}

/* The RAM side of an MMIO instruction faults in the guest's own tables: the guest gets the #PF the
 * CPU would give, RIP on the instruction, a REP's registers at the element that faulted. */
static void faults(void)
{
	struct sregs r;
	int before = failures;
	struct mcase rep = { "pf-rep-movs", 64, m64_pf_rep, R(0, 4, 0, 0, 0, MMIO_WIN + 0x4008, D + 0x300), 0x2f8, 8, W, 0, 2, RCX, 2, NOFL };
	struct mcase ro = { "pf-readonly", 64, m64_pf_ro, R(0, 0, 0, 0, 0, D + 0x10, MMIO_WIN + 0x4000), 0x10, 8, RD, 0x0123456700000001ull, 1, RSI, D + 0x10, NOFL };
	struct mcase cross = { "pf-cross", 64, m64_pf_cross, R(0x99999999, 0, 0, 0, 0, 0, 0), 0, 0, 0, 0, 0, NOREG, 0, NOFL };

	ram_b[1] = 0x4242424242424242ull;
	ram_b[0] = 0x4141414141414141ull;
	rep.value = ram_b[0];
	guest_set_handler(EXC_PF, pf_handler);
	expect_pf(&rep, m64_pf_rep_end, MMIO_WIN + 0x3ff8, 0, &r);
	check(pf_rip == (uint64_t)m64_pf_rep + 1, "#PF rip on the REP MOVS", pf_rip, (uint64_t)m64_pf_rep + 1);
	check(r.r[RSI] == MMIO_WIN + 0x3ff8 && r.r[RDI] == D + 0x2f0, "REP registers at the fault", r.r[RDI], D + 0x2f0);
	check(dev(0x300) == ram_b[1], "first element", dev(0x300), ram_b[1]);
	expect_pf(&ro, m64_pf_ro_end, MMIO_WIN + 0x4000, 3, &r);
	check(pf_rip == (uint64_t)m64_pf_ro, "#PF rip on MOVS", pf_rip, (uint64_t)m64_pf_ro);
	check(r.r[RDI] == MMIO_WIN + 0x4000, "MOVS registers unchanged", r.r[RDI], MMIO_WIN + 0x4000);
	expect_pf(&cross, m64_pf_cross_end, MMIO_WIN + 0x3000, 2, &r);
	check(pf_rip == (uint64_t)m64_pf_cross, "#PF rip on the crossing store", pf_rip, (uint64_t)m64_pf_cross);
	guest_set_handler(EXC_PF, NULL);
	check(ram_a[511] == 0x5566778800000000ull, "straddle's RAM half", ram_a[511], 0x5566778800000000ull);
	if (failures == before)
		printf("PASS mmio-guest-page-faults\n");
}

static volatile uint64_t db_rip, db_n;
static void db_handler(struct exc_frame *f)
{
	db_n++;
	db_rip = f->rip;
	f->rflags &= ~0x100ull;
}

extern const char m64_tf_after[];
static void single_step(void)
{
	struct sregs r;
	int before = failures;
	struct mcase c = { "tf", 64, m64_tf_mov, R(0x7f7f7f7f, 0, 0, D, 0, 0, 0), 0x48, 4, W, 0x7f7f7f7f, 1, NOREG, 0, NOFL };

	guest_set_handler(EXC_DB, db_handler);
	db_n = 0;
	run_case(&c, &r);
	guest_set_handler(EXC_DB, NULL);
	check(db_n == 1 && db_rip == (uint64_t)m64_tf_after, "one #DB right after the MMIO store", db_rip,
	      (uint64_t)m64_tf_after);
	if (failures == before)
		printf("PASS mmio-single-step\n");
}

void guest_main(void)
{
	struct sregs r;

	if (dev(VTESTDEV_ID) != VTESTDEV_ID_VALUE)
		fail(guest_name, "no test device at 0x%lx (id 0x%lx)", (uint64_t)DEV, dev(VTESTDEV_ID));
	map_window();
	load_gdt();
	if (mmio_bad) {
		r = (struct sregs){ .r = { [RBX] = DEV } };
		printf("mmio-bad: NOT on the device must end this VM\n");
		call64(&r, m64_not);
		fail(guest_name, "an unemulated MMIO instruction completed");
	}
	run_table(cases64, sizeof(cases64) / sizeof(cases64[0]), "64bit");
	run_table(cases32, sizeof(cases32) / sizeof(cases32[0]), "32bit-compat");
	run_table(cases16, sizeof(cases16) / sizeof(cases16[0]), "16bit");
	strings_ram();
	faults();
	single_step();
	if (failures)
		fail(guest_name, "%d checks failed", failures);
	pass(guest_name);
}
