/* SPDX-License-Identifier: MIT */
/* I/O breakpoints on emulated port I/O, the #GP/#UD rules of CR0/CR4/CR8/EFER/DR writes, and every MOV CR operand. */
#include "lib/hostile.h"
#include "arch/x86/msr.h"

const char guest_name[] = "insn-cr";

#define CR0_MP (1ul << 1)
#define CR0_NW (1ul << 29)
#define CR0_PG (1ul << 31)
#define CR0_PE (1ul << 0)
#define CR4_TSD (1ul << 2)
#define CR4_DE (1ul << 3)
#define CR4_PAE (1ul << 5)
#define EFER_LME (1ul << 8)
#define EFER_LMA (1ul << 10)
#define EFER_SVME (1ul << 12)
#define DR7_FIXED 0x400ul
#define DR7_IO_BP0 (DR7_FIXED | 0x1ul | 0x2ul << 16) /* L0, RW0 = 10 (I/O), LEN0 = 00 (1 byte) */
#define BP_PORT 0x80

/* ---- I/O breakpoints ------------------------------------------------------------------------ */
#define DB_MAX 8
static volatile unsigned db_n;
static volatile uint64_t db_rip[DB_MAX], db_dr6[DB_MAX], db_rcx[DB_MAX];

static void db_handler(struct exc_frame *f)
{
	unsigned i = db_n++;

	if (i < DB_MAX) {
		db_rip[i] = f->rip;
		db_dr6[i] = read_dr6();
		db_rcx[i] = f->rcx;
	}
	write_dr6(DR6_FIXED);
	f->rflags &= ~RFLAGS_TF;
}

/* Runs `insn` with RAX, RCX, RDX, RSI as given; returns the address after it (labels 2: at, 1: after). */
#define IO_RUN(insn, a, c, d, s, at)                                                                  \
	({                                                                                            \
		uint64_t a_ = (a), c_ = (c), d_ = (d), s_ = (s), after_;                              \
		db_n = 0;                                                                             \
		asm volatile("leaq 2f(%%rip), %[at]\n\t"                                              \
			     "leaq 1f(%%rip), %[after]\n"                                             \
			     "2:\t" insn "\n"                                                         \
			     "1:"                                                                     \
			     : [after] "=&r"(after_), [at] "=&r"(at), "+a"(a_), "+c"(c_), "+d"(d_),   \
			       "+S"(s_)                                                               \
			     :                                                                        \
			     : "memory", "cc");                                                       \
		after_;                                                                               \
	})

static void io_bp_arm(bool de)
{
	write_cr4(de ? read_cr4() | CR4_DE : read_cr4() & ~CR4_DE);
	write_dr0(BP_PORT);
	write_dr7(DR7_IO_BP0);
	write_dr6(DR6_FIXED);
}

static void io_bp_disarm(void)
{
	write_dr7(DR7_FIXED);
	write_cr4(read_cr4() & ~CR4_DE);
	write_dr0(0);
}

/* Exactly `want` #DB (0 or 1); when 1, right after the instruction with DR6.B0. */
static bool io_result(const char *what, uint64_t after, unsigned want)
{
	bool ok = db_n == want && (want == 0 || (db_rip[0] == after && (db_dr6[0] & 1)));

	if (!ok)
		printf("insn-cr: %s: %u #DB (want %u), rip 0x%lx (want 0x%lx), dr6 0x%lx\n", what, db_n, want,
		       db_rip[0], after, db_dr6[0]);
	return ok;
}

static const char outs_bytes[4] = "iobp";

static unsigned io_bp_simple(void)
{
	uint64_t after, at;
	unsigned bad = 0;

	io_bp_arm(true);
	after = IO_RUN("outb %%al, $0x80", 0, 0, 0, 0, at);
	bad += !io_result("out 0x80", after, 1);
	after = IO_RUN("inb $0x80, %%al", 0, 0, 0, 0, at);
	bad += !io_result("in 0x80", after, 1);
	after = IO_RUN("outb %%al, %%dx", 0, 0, BP_PORT, 0, at);
	bad += !io_result("out dx=0x80", after, 1);
	after = IO_RUN("outb %%al, $0x81", 0, 0, 0, 0, at);
	bad += !io_result("out 0x81 (other port)", after, 0);
	after = IO_RUN("inb $0x71, %%al", 0, 0, 0, 0, at);
	bad += !io_result("in 0x71 (other port)", after, 0);
	io_bp_disarm();
	io_bp_arm(false);
	after = IO_RUN("outb %%al, $0x80", 0, 0, 0, 0, at);
	bad += !io_result("out 0x80 with CR4.DE=0", after, 0);
	io_bp_disarm();
	return bad;
}

/*
 * REP OUTSB of 4 bytes to the port. The hardware reports an I/O breakpoint
 * after the iteration that hit (RIP on the instruction, RCX 3); one #DB after
 * the whole instruction (RIP past it, RCX 0) is accepted too. Either is printed.
 */
static bool io_bp_rep(void)
{
	uint64_t at, after;
	bool per_iter, whole;

	io_bp_arm(true);
	after = IO_RUN("rep outsb", 0, 4, BP_PORT, (uint64_t)outs_bytes, at);
	io_bp_disarm();
	printf("insn-cr: rep outsb x4 to the breakpoint port: %u #DB, first rip 0x%lx (insn 0x%lx, after 0x%lx) rcx %lu dr6 0x%lx\n",
	       db_n, db_rip[0], at, after, db_rcx[0], db_dr6[0]);
	per_iter = db_n >= 1 && db_rip[0] == at && db_rcx[0] == 3 && (db_dr6[0] & 1);
	whole = db_n == 1 && db_rip[0] == after && db_rcx[0] == 0 && (db_dr6[0] & 1);
	return per_iter || whole;
}

static void check_io_breakpoints(void)
{
	unsigned b;

	guest_set_handler(EXC_DB, db_handler);
	b = io_bp_simple();
	check(b == 0, "insn-io-breakpoint", "%u cases wrong", b);
	check(io_bp_rep(), "insn-io-breakpoint-rep-outsb", "see above");
	guest_set_handler(EXC_DB, NULL);
}

/* ---- #GP and #UD rules ------------------------------------------------------------------------ */
static unsigned rule_bad;

static void want_exc(int want, int got, const char *what, uint64_t value)
{
	if (got == want)
		return;
	rule_bad++;
	printf("insn-cr: %s 0x%lx gave %s, want %s\n", what, value, exc_name(got), exc_name(want));
}

#define WRMSR_RAX "movq %%rax, %%rdx\n\tshrq $32, %%rdx\n\twrmsr"

static int try_wrmsr(uint32_t msr, uint64_t v)
{
	exc_arm(EXC_GP);
	asm volatile("leaq 1f(%%rip), %%r11\n\tmovq %%r11, exc_resume(%%rip)\n\t"
		     "wrmsr\n1:"
		     : : "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)) : "r11", "memory");
	return exc_disarm();
}

static void efer_rules(void)
{
	uint64_t efer = rdmsr(MSR_EFER);
	static const uint64_t bad_bits[] = { 1ul << 1, 1ul << 13, 1ul << 63, EFER_SVME };
	int got;

	for (unsigned i = 0; i < sizeof(bad_bits) / sizeof(bad_bits[0]); i++) {
		got = try_wrmsr(MSR_EFER, efer | bad_bits[i]);
		want_exc(EXC_GP, got, "wrmsr EFER", efer | bad_bits[i]);
		if (got == EXC_NONE)
			wrmsr(MSR_EFER, efer);
	}
	got = try_wrmsr(MSR_EFER, efer ^ EFER_LME);
	want_exc(EXC_GP, got, "wrmsr EFER (LME flipped, paging on)", efer ^ EFER_LME);
	got = try_wrmsr(MSR_EFER, efer & ~EFER_LMA);
	want_exc(EXC_NONE, got, "wrmsr EFER (LMA clear)", efer & ~EFER_LMA);
	if (rdmsr(MSR_EFER) != efer) {
		rule_bad++;
		printf("insn-cr: EFER reads 0x%lx after writing LMA clear, want 0x%lx\n", rdmsr(MSR_EFER), efer);
	}
}

struct cr4_feature {
	uint64_t bit;
	uint32_t leaf, reg, mask; /* reg: 0 EBX, 1 ECX */
};

/* A CR4 bit for a feature the guest's CPUID shows is legal (LA57 never in long mode); skip those. */
static bool cr4_feature_shown(const struct cr4_feature *f)
{
	struct cpuid_regs r;

	if (!f->mask)
		return false;
	r = cpuid(f->leaf, 0);
	return ((f->reg ? r.ecx : r.ebx) & f->mask) != 0;
}

static void cr4_rules(void)
{
	static const struct cr4_feature bits[] = {
		{ 1ul << 13, 1, 1, 1u << 5 },  /* VMXE: VMX */
		{ 1ul << 14, 1, 1, 1u << 6 },  /* SMXE: SMX */
		{ 1ul << 18, 1, 1, 1u << 26 }, /* OSXSAVE: XSAVE */
		{ 1ul << 12, 0, 0, 0 },        /* LA57: cannot change in long mode */
		{ 1ul << 22, 7, 1, 1u << 3 },  /* PKE: PKU */
		{ 1ul << 17, 1, 1, 1u << 17 }, /* PCIDE: PCID */
		{ 1ul << 11, 7, 1, 1u << 2 },  /* UMIP */
		{ 1ul << 32, 0, 0, 0 },        { 1ul << 40, 0, 0, 0 }, { 1ul << 63, 0, 0, 0 },
	};
	uint64_t cr4 = read_cr4();
	int got;

	for (unsigned i = 0; i < sizeof(bits) / sizeof(bits[0]); i++) {
		if (cr4_feature_shown(&bits[i])) {
			printf("insn-cr: CR4 bit 0x%lx: its feature is in CPUID, not tested\n", bits[i].bit);
			continue;
		}
		got = TRY_INSN(EXC_GP, "mov %%rax, %%cr4", cr4 | bits[i].bit);
		want_exc(EXC_GP, got, "mov to CR4", cr4 | bits[i].bit);
		write_cr4(cr4);
	}
	got = TRY_INSN(EXC_GP, "mov %%rax, %%cr4", cr4 & ~CR4_PAE);
	want_exc(EXC_GP, got, "mov to CR4 (PAE clear, long mode)", cr4 & ~CR4_PAE);
	write_cr4(cr4);
}

/* DR4/DR5 as .byte: 0f 23 e0 / 0f 23 e8 (to), 0f 21 e0 / 0f 21 e8 (from), operand RAX. */
#define MOV_TO_DR4 ".byte 0x0f,0x23,0xe0"
#define MOV_TO_DR5 ".byte 0x0f,0x23,0xe8"
#define MOV_FROM_DR4 ".byte 0x0f,0x21,0xe0"
#define MOV_FROM_DR5 ".byte 0x0f,0x21,0xe8"

static uint64_t dr_alias_read(bool dr5)
{
	uint64_t v;

	if (dr5)
		asm volatile(MOV_FROM_DR5 : "=a"(v));
	else
		asm volatile(MOV_FROM_DR4 : "=a"(v));
	return v;
}

static void dr_rules(void)
{
	uint64_t cr4 = read_cr4(), v7 = DR7_FIXED | 0xf0000ul, got;

	want_exc(EXC_GP, TRY_INSN(EXC_GP, "mov %%rax, %%db6", DR6_FIXED | 1ul << 32), "mov to DR6", 1ul << 32);
	want_exc(EXC_GP, TRY_INSN(EXC_GP, "mov %%rax, %%db7", DR7_FIXED | 1ul << 32), "mov to DR7", 1ul << 32);
	write_dr6(DR6_FIXED);
	write_dr7(DR7_FIXED);
	write_cr4(cr4 | CR4_DE);
	want_exc(EXC_UD, TRY_INSN(EXC_UD, MOV_TO_DR4, DR6_FIXED), "mov to DR4 with CR4.DE", DR6_FIXED);
	want_exc(EXC_UD, TRY_INSN(EXC_UD, MOV_TO_DR5, DR7_FIXED), "mov to DR5 with CR4.DE", DR7_FIXED);
	want_exc(EXC_UD, TRY_INSN(EXC_UD, MOV_FROM_DR4, 0), "mov from DR4 with CR4.DE", 0);
	want_exc(EXC_UD, TRY_INSN(EXC_UD, MOV_FROM_DR5, 0), "mov from DR5 with CR4.DE", 0);
	write_cr4(cr4 & ~CR4_DE);
	/* With DE=0 they alias: DR5 is DR7, DR4 is DR6. */
	want_exc(EXC_NONE, TRY_INSN(EXC_UD, MOV_TO_DR5, v7), "mov to DR5 with CR4.DE=0", v7);
	got = read_dr7();
	if (got != v7 || dr_alias_read(true) != v7)
		rule_bad++, printf("insn-cr: DR5=0x%lx: DR7 0x%lx, DR5 0x%lx\n", v7, got, dr_alias_read(true));
	write_dr7(DR7_FIXED);
	want_exc(EXC_NONE, TRY_INSN(EXC_UD, MOV_TO_DR4, DR6_FIXED | 1), "mov to DR4 with CR4.DE=0", DR6_FIXED | 1);
	got = read_dr6();
	if ((got & 0xf) != 1 || (dr_alias_read(false) & 0xf) != 1)
		rule_bad++, printf("insn-cr: DR4=B0: DR6 0x%lx, DR4 0x%lx\n", got, dr_alias_read(false));
	write_dr6(DR6_FIXED);
	write_cr4(cr4);
}

static void check_rules(void)
{
	rule_bad = 0;
	efer_rules();
	check(rule_bad == 0, "insn-efer-rules", "%u cases wrong", rule_bad);
	rule_bad = 0;
	cr4_rules();
	check(rule_bad == 0, "insn-cr4-rules", "%u cases wrong", rule_bad);
	rule_bad = 0;
	dr_rules();
	check(rule_bad == 0, "insn-dr-rules", "%u cases wrong", rule_bad);
	rule_bad = 0;
	want_exc(EXC_UD, TRY_INSN(EXC_UD, "xorl %%ecx, %%ecx\n\txorl %%edx, %%edx\n\txsetbv", 1), "xsetbv", 1);
	check(rule_bad == 0, "insn-xsetbv-ud", "%u cases wrong", rule_bad);
}

/* ---- every register as the MOV CR operand ---------------------------------------------------- */
/*
 * crN_via_REG(v): moves v into REG, REG to CRn, zeroes REG, CRn back into
 * REG, and returns REG. The RSP form does the same with interrupts off and
 * RSP saved in R11. cr_via[cr][i]: cr 0, 4, 8; i in GPR order, 16 = RSP.
 */
asm(".text\n"
    ".macro CR_VIA cr, r\n"
    "cr\\cr\\()_via_\\r:\n"
    "\tpush %rbx\n\tpush %rbp\n\tpush %r12\n\tpush %r13\n\tpush %r14\n\tpush %r15\n"
    "\tmov %rdi, %\\r\n"
    "\tmov %\\r, %cr\\cr\n"
    "\tmov $0, %\\r\n"
    "\tmov %cr\\cr, %\\r\n"
    "\tmov %\\r, %rax\n"
    "\tpop %r15\n\tpop %r14\n\tpop %r13\n\tpop %r12\n\tpop %rbp\n\tpop %rbx\n"
    "\tret\n"
    ".endm\n"
    ".macro CR_VIA_RSP cr\n"
    "cr\\cr\\()_via_rsp:\n"
    "\tpushfq\n\tcli\n\tmov %rsp, %r11\n"
    "\tmov %rdi, %rsp\n"
    "\tmov %rsp, %cr\\cr\n"
    "\tmov $0, %rsp\n"
    "\tmov %cr\\cr, %rsp\n"
    "\tmov %rsp, %rax\n"
    "\tmov %r11, %rsp\n\tpopfq\n\tret\n"
    ".endm\n"
    ".irp cr, 0,4,8\n"
    ".irp r, rax,rcx,rdx,rbx,rsi,rdi,rbp,r8,r9,r10,r11,r12,r13,r14,r15\n"
    "\tCR_VIA \\cr, \\r\n"
    ".endr\n"
    "\tCR_VIA_RSP \\cr\n"
    ".endr\n"
    ".section .rodata\n"
    ".balign 8\n"
    "cr_via:\n"
    ".irp cr, 0,4,8\n"
    ".irp r, rax,rcx,rdx,rbx,rsi,rdi,rbp,r8,r9,r10,r11,r12,r13,r14,r15,rsp\n"
    "\t.quad cr\\cr\\()_via_\\r\n"
    ".endr\n"
    ".endr\n"
    ".text\n");

#define VIA_REGS 16
typedef uint64_t (*cr_via_fn)(uint64_t v);
extern const cr_via_fn cr_via[3][VIA_REGS];
static const char *const via_names[VIA_REGS] = { "rax", "rcx", "rdx", "rbx", "rsi", "rdi", "rbp", "r8", "r9",
						 "r10", "r11", "r12", "r13", "r14", "r15", "rsp" };

_Static_assert(sizeof(via_names) / sizeof(via_names[0]) == VIA_REGS, "one name per table column");

/* The value written must come back through the same register and be what the CR now holds. */
static unsigned every_register(int which, uint64_t base, uint64_t flip)
{
	uint64_t (*const readers[3])(void) = { read_cr0, read_cr4, read_cr8 };
	unsigned bad = 0;

	for (unsigned i = 0; i < VIA_REGS; i++) {
		uint64_t v = which == 2 ? 1 + i % 15 : base ^ (i & 1 ? flip : 0);
		uint64_t got = cr_via[which][i](v), now = readers[which]();

		if (got != v || now != v) {
			bad++;
			printf("insn-cr: mov via %s to/from CR%d: wrote 0x%lx, read 0x%lx, CR holds 0x%lx\n",
			       via_names[i], which * 4, v, got, now);
		}
	}
	return bad;
}

static void check_every_register(void)
{
	uint64_t cr0 = read_cr0(), cr4 = read_cr4();
	unsigned b;

	b = every_register(0, cr0, CR0_MP);
	write_cr0(cr0);
	check(b == 0, "insn-cr0-every-register", "%u registers wrong", b);
	b = every_register(1, cr4, CR4_TSD);
	write_cr4(cr4);
	check(b == 0, "insn-cr4-every-register", "%u registers wrong", b);
	b = every_register(2, 0, 0);
	write_cr8(0);
	check(b == 0, "insn-cr8-every-register", "%u registers wrong", b);
}

/*
 * CR0 writes that must #GP: bit 32, bit 63, PG without PE, NW without CD,
 * PG cleared in 64-bit code; CR8 above 15. insn-cr0.bin only (hostile-insn-cr0.expect says
 * why); each is printed first, as a wrong answer may end the VM.
 */
static void check_cr0_rules(void)
{
	uint64_t cr0 = read_cr0();
	const uint64_t bad[] = { cr0 | 1ul << 32, cr0 | 1ul << 63, cr0 & ~CR0_PE, cr0 | CR0_NW, cr0 & ~CR0_PG };

	rule_bad = 0;
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		printf("insn-cr: mov 0x%lx to CR0\n", bad[i]);
		want_exc(EXC_GP, TRY_INSN(EXC_GP, "mov %%rax, %%cr0", bad[i]), "mov to CR0", bad[i]);
		write_cr0(cr0);
	}
	check(rule_bad == 0, "insn-cr0-rules", "%u cases wrong", rule_bad);
	rule_bad = 0;
	want_exc(EXC_GP, TRY_INSN(EXC_GP, "mov %%rax, %%cr8", 16), "mov to CR8", 16);
	want_exc(EXC_GP, TRY_INSN(EXC_GP, "mov %%rax, %%cr8", 1ul << 32), "mov to CR8", 1ul << 32);
	write_cr8(0);
	check(rule_bad == 0, "insn-cr8-rules", "%u cases wrong", rule_bad);
}

#ifdef INSN_CR0
#define CR0_ONLY 1
#else
#define CR0_ONLY 0
#endif

void guest_main(void)
{
	phase_init();
	hostile_wait_start();
	if (CR0_ONLY) {
		check_cr0_rules();
	} else {
		check_io_breakpoints();
		check_rules();
		check_every_register();
	}
	write_dr7(DR7_FIXED);
	hostile_finish();
}
