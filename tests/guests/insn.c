/* SPDX-License-Identifier: MIT */
/* Intercepted instructions with redundant prefixes end at the right boundary, and single-step traps after each. */
#include "lib/hostile.h"
#include "arch/x86/msr.h"

const char guest_name[] = "insn";

#define MARK 0x5a5aul /* what the instruction after the tested bytes puts in R8 */
#define WAKE_AHEAD_NS 1000000ul
#define CR0_MP (1ul << 1)
#define CR4_TSD (1ul << 2)
#define DR7_FIXED 0x400ul
#define DR7_RW_LEN0 0xf0000ul /* RW0 = 11, LEN0 = 11, not enabled: harmless to load */
#define EXT1_ECX_ALTMOVCR8 (1u << 4)

/*
 * The register state after running one byte sequence. The sequence sees
 * RAX, RBX, RCX and RDX as given; R8 is zeroed before it and set to MARK by
 * the instruction after it, so a wrong instruction length (the CPU resuming
 * inside the bytes) or a fault shows as R8 != MARK.
 */
struct pfx_out {
	uint64_t rax, rbx, rcx, rdx, r8;
	int exc;
};

#define PFX_RUN(bytes, a, b, c, d)                                                                    \
	({                                                                                            \
		struct pfx_out o_ = { (a), (b), (c), (d), 0, EXC_NONE };                              \
		register uint64_t r8_ asm("r8");                                                       \
		exc_arm(EXC_UD);                                                                      \
		asm volatile("leaq 1f(%%rip), %%r11\n\t"                                              \
			     "movq %%r11, exc_resume(%%rip)\n\t"                                      \
			     "xorl %%r8d, %%r8d\n\t"                                                  \
			     ".byte " bytes "\n\t"                                                    \
			     "movq $0x5a5a, %%r8\n"                                                   \
			     "1:"                                                                     \
			     : "+a"(o_.rax), "+b"(o_.rbx), "+c"(o_.rcx), "+d"(o_.rdx), "=r"(r8_)      \
			     :                                                                        \
			     : "rsi", "rdi", "r9", "r10", "r11", "memory", "cc");                     \
		o_.exc = exc_disarm();                                                                \
		o_.r8 = r8_;                                                                          \
		o_;                                                                                   \
	})

/* Segment and operand-size prefixes that pad an instruction to 14 or 15 bytes (with REX: 15). */
#define PFX11 "0x2e,0x3e,0x26,0x64,0x65,0x36,0x2e,0x3e,0x26,0x64,0x66,"
#define PFX12 PFX11 "0xf3,"
#define PFX13 PFX12 "0x65,"
#define PFX14 PFX13 "0x36,"

/*
 * The redundant-prefix forms every instruction is run with. X(op, prefix) is
 * expanded once per form; LONG_A/LONG_B make the whole instruction 14 and 15
 * bytes. REX.B (41) is left out where it would change a ModRM operand.
 */
#define PFX_FORMS(X, op, LONG_A, LONG_B)                                                              \
	X(op, "") X(op, "0x66,") X(op, "0xf2,") X(op, "0xf3,") X(op, "0x2e,") X(op, "0x3e,")        \
	X(op, "0x26,") X(op, "0x64,") X(op, "0x65,") X(op, "0x36,") X(op, "0x40,") X(op, "0x48,")   \
	X(op, "0x66,0xf3,0x2e,0x48,") X(op, "0x26,0x64,0x65,0x36,0x40,") X(op, LONG_A) X(op, LONG_B)
#define PFX_FORMS_REXB(X, op, LONG_A, LONG_B)                                                         \
	PFX_FORMS(X, op, LONG_A, LONG_B) X(op, "0x41,") X(op, "0xf2,0x3e,0x41,")

static unsigned pfx_complaints;

/* Common to every form: no exception, and the next instruction ran. Prints the first few failures. */
static bool pfx_ok(const struct pfx_out *o, const char *insn, const char *pfx, bool extra_ok, const char *extra)
{
	bool ok = o->exc == EXC_NONE && o->r8 == MARK && extra_ok;

	if (!ok && pfx_complaints++ < 12)
		printf("insn: %s with prefixes [%s]: %s, r8 0x%lx, rax 0x%lx, rbx 0x%lx, %s\n", insn, pfx,
		       exc_name(o->exc), o->r8, o->rax, o->rbx, extra_ok ? "result right" : extra);
	return ok;
}

static unsigned forms_cpuid(void)
{
	struct cpuid_regs r = cpuid(BASALT_CPUID_BASE, 0);
	unsigned bad = 0, n = 0;
	struct pfx_out o;

#define X(op, pfx)                                                                                    \
	o = PFX_RUN(pfx op, BASALT_CPUID_BASE, 0, 0, 0);                                              \
	n++;                                                                                          \
	bad += !pfx_ok(&o, "cpuid", pfx,                                                              \
		       o.rax == r.eax && o.rbx == r.ebx && o.rcx == r.ecx && o.rdx == r.edx,          \
		       "signature differs");
	PFX_FORMS_REXB(X, "0x0f,0xa2", PFX12, PFX13)
#undef X
	return bad;
}

static unsigned forms_rdmsr(void)
{
	uint64_t efer = rdmsr(MSR_EFER);
	unsigned bad = 0;
	struct pfx_out o;

#define X(op, pfx)                                                                                    \
	o = PFX_RUN(pfx op, 0, 0, MSR_EFER, 0);                                                       \
	bad += !pfx_ok(&o, "rdmsr EFER", pfx, ((o.rdx << 32) | (uint32_t)o.rax) == efer,              \
		       "value differs");
	PFX_FORMS_REXB(X, "0x0f,0x32", PFX12, PFX13)
#undef X
	return bad;
}

static unsigned forms_wrmsr(void)
{
	uint64_t pat = rdmsr(MSR_IA32_PAT);
	unsigned bad = 0;
	struct pfx_out o;

#define X(op, pfx)                                                                                    \
	o = PFX_RUN(pfx op, (uint32_t)pat, 0, MSR_IA32_PAT, pat >> 32);                               \
	bad += !pfx_ok(&o, "wrmsr PAT", pfx, rdmsr(MSR_IA32_PAT) == pat, "PAT changed");
	PFX_FORMS_REXB(X, "0x0f,0x30", PFX12, PFX13)
#undef X
	return bad;
}

/*
 * In group 7 (0f 01) 66, f2 and f3 are not redundant: they select other
 * instructions (f2/f3 0f 01 d9 is VMGEXIT on AMD; Bochs gives #UD for 66/f2/f3
 * 0f 01 c1), so the hypercall gets segment and REX prefixes only.
 */
#define SEG11 "0x2e,0x3e,0x26,0x64,0x65,0x36,0x2e,0x3e,0x26,0x64,0x65,"
#define SEG_FORMS(X, op)                                                                              \
	X(op, "") X(op, "0x2e,") X(op, "0x3e,") X(op, "0x26,") X(op, "0x64,") X(op, "0x65,")       \
	X(op, "0x36,") X(op, "0x40,") X(op, "0x48,") X(op, "0x41,") X(op, "0x26,0x64,0x65,0x36,0x48,") \
	X(op, SEG11) X(op, SEG11 "0x36,")

static unsigned forms_hcall(void)
{
	unsigned bad = 0;
	struct pfx_out o;

#define X(op, pfx)                                                                                    \
	o = PFX_RUN(pfx op, BASALT_HC_INFO, 0, 0, 0);                                                 \
	bad += !pfx_ok(&o, guest_hcall_kind == BASALT_HCALL_VMCALL ? "vmcall INFO" : "vmmcall INFO", pfx, \
		       o.rax == BASALT_ABI_VERSION, "not the ABI version");
	if (guest_hcall_kind == BASALT_HCALL_VMCALL) {
		SEG_FORMS(X, "0x0f,0x01,0xc1")
	} else {
		SEG_FORMS(X, "0x0f,0x01,0xd9")
	}
#undef X
	return bad;
}

static unsigned forms_cache(void)
{
	unsigned bad = 0;
	struct pfx_out o;

#define X(op, pfx)                                                                                    \
	o = PFX_RUN(pfx op, 0, 0, 0, 0);                                                              \
	bad += !pfx_ok(&o, op[8] == '8' ? "invd" : "wbinvd", pfx, true, "");
	PFX_FORMS_REXB(X, "0x0f,0x08", PFX12, PFX13)
	PFX_FORMS_REXB(X, "0x0f,0x09", PFX12, PFX13)
#undef X
	return bad;
}

/* Each HLT runs with IF=0 after WAKE_AT a little ahead: it must end once the clock passes. */
static unsigned forms_hlt(void)
{
	unsigned bad = 0;
	uint64_t wake;
	struct pfx_out o;

#define X(op, pfx)                                                                                    \
	wake = clock_ns() + WAKE_AHEAD_NS;                                                            \
	hypercall(BASALT_HC_WAKE_AT, wake, 0, 0);                                                     \
	o = PFX_RUN(pfx op, 0, 0, 0, 0);                                                              \
	bad += !pfx_ok(&o, "hlt", pfx, clock_ns() >= wake, "woke before the wake time");
	PFX_FORMS_REXB(X, "0xf4", PFX13, PFX14)
#undef X
	return bad;
}

/* MOV from CR0/CR4 into RBX (ModRM c3/e3), and back with MP/TSD flipped to see the write land. */
static unsigned forms_cr04(void)
{
	uint64_t cr0 = read_cr0(), cr4 = read_cr4();
	unsigned bad = 0;
	struct pfx_out o;

#define X(op, pfx)                                                                                    \
	o = PFX_RUN(pfx op, 0, 0, 0, 0);                                                              \
	bad += !pfx_ok(&o, "mov %cr0,%rbx", pfx, o.rbx == cr0, "wrong value");
	PFX_FORMS(X, "0x0f,0x20,0xc3", PFX11, PFX12)
#undef X
#define X(op, pfx)                                                                                    \
	o = PFX_RUN(pfx op, 0, cr0 ^ CR0_MP, 0, 0);                                                   \
	bad += !pfx_ok(&o, "mov %rbx,%cr0", pfx, read_cr0() == (cr0 ^ CR0_MP), "CR0 not written");    \
	write_cr0(cr0);
	PFX_FORMS(X, "0x0f,0x22,0xc3", PFX11, PFX12)
#undef X
#define X(op, pfx)                                                                                    \
	o = PFX_RUN(pfx op, 0, 0, 0, 0);                                                              \
	bad += !pfx_ok(&o, "mov %cr4,%rbx", pfx, o.rbx == cr4, "wrong value");
	PFX_FORMS(X, "0x0f,0x20,0xe3", PFX11, PFX12)
#undef X
#define X(op, pfx)                                                                                    \
	o = PFX_RUN(pfx op, 0, cr4 ^ CR4_TSD, 0, 0);                                                  \
	bad += !pfx_ok(&o, "mov %rbx,%cr4", pfx, read_cr4() == (cr4 ^ CR4_TSD), "CR4 not written");   \
	write_cr4(cr4);
	PFX_FORMS(X, "0x0f,0x22,0xe3", PFX11, PFX12)
#undef X
	return bad;
}

/* REX.R (44, 4c) turns CR0 into CR8; REX.B (41) is out because it would move the operand to R11. */
#define CR8_FORMS(X, op)                                                                              \
	X(op, "0x44,") X(op, "0x4c,") X(op, "0x66,0x44,") X(op, "0xf2,0x44,") X(op, "0xf3,0x4c,")  \
	X(op, "0x2e,0x3e,0x26,0x64,0x65,0x36,0x44,") X(op, "0x66,0xf3,0x2e,0x4c,") X(op, PFX11 "0x44,")

static unsigned forms_cr8(void)
{
	unsigned bad = 0;
	struct pfx_out o;

	write_cr8(5);
#define X(op, pfx)                                                                                    \
	o = PFX_RUN(pfx op, 0, 0, 0, 0);                                                              \
	bad += !pfx_ok(&o, "mov %cr8,%rbx", pfx, o.rbx == 5, "wrong value");
	CR8_FORMS(X, "0x0f,0x20,0xc3")
#undef X
#define X(op, pfx)                                                                                    \
	o = PFX_RUN(pfx op, 0, 9, 0, 0);                                                              \
	bad += !pfx_ok(&o, "mov %rbx,%cr8", pfx, read_cr8() == 9, "CR8 not written");                 \
	write_cr8(5);
	CR8_FORMS(X, "0x0f,0x22,0xc3")
#undef X
	write_cr8(0);
	return bad;
}

static unsigned forms_dr7(void)
{
	uint64_t v = DR7_FIXED | DR7_RW_LEN0;
	unsigned bad = 0;
	struct pfx_out o;

	write_dr7(v);
#define X(op, pfx)                                                                                    \
	o = PFX_RUN(pfx op, 0, 0, 0, 0);                                                              \
	bad += !pfx_ok(&o, "mov %dr7,%rbx", pfx, o.rbx == v, "wrong value");
	PFX_FORMS(X, "0x0f,0x21,0xfb", PFX11, PFX12)
#undef X
	write_dr7(DR7_FIXED);
#define X(op, pfx)                                                                                    \
	o = PFX_RUN(pfx op, 0, v, 0, 0);                                                              \
	bad += !pfx_ok(&o, "mov %rbx,%dr7", pfx, read_dr7() == v, "DR7 not written");                 \
	write_dr7(DR7_FIXED);
	PFX_FORMS(X, "0x0f,0x23,0xfb", PFX11, PFX12)
#undef X
	return bad;
}

/* LOCK on any of these is #UD before anything runs; R8 must stay 0. */
static bool locked_ud(const struct pfx_out *o, const char *what)
{
	bool ok = o->exc == EXC_UD && o->r8 == 0;

	if (!ok && pfx_complaints++ < 12)
		printf("insn: lock %s gave %s, r8 0x%lx; want #UD\n", what, exc_name(o->exc), o->r8);
	return ok;
}

static unsigned lock_forms(void)
{
	uint64_t pat = rdmsr(MSR_IA32_PAT);
	bool alt_cr8 = cpuid(0x80000001u, 0).ecx & EXT1_ECX_ALTMOVCR8;
	unsigned bad = 0;
	struct pfx_out o;

#define L(what, bytes, a, c, d)                                                                       \
	o = PFX_RUN(bytes, a, 0, c, d);                                                               \
	bad += !locked_ud(&o, what);
	L("cpuid", "0xf0,0x0f,0xa2", BASALT_CPUID_BASE, 0, 0)
	L("66 cpuid", "0x66,0xf0,0x2e,0x0f,0xa2", BASALT_CPUID_BASE, 0, 0)
	L("rdmsr", "0xf0,0x0f,0x32", 0, MSR_EFER, 0)
	L("wrmsr", "0xf0,0x48,0x0f,0x30", (uint32_t)pat, MSR_IA32_PAT, pat >> 32)
	L("invd", "0xf0,0x0f,0x08", 0, 0, 0)
	L("wbinvd", "0xf3,0xf0,0x0f,0x09", 0, 0, 0)
	/* If LOCK HLT ran as HLT after all, the wake time ends it. */
	hypercall(BASALT_HC_WAKE_AT, clock_ns() + WAKE_AHEAD_NS, 0, 0);
	L("hlt", "0xf0,0xf4", 0, 0, 0)
	L("mov %dr7,%rbx", "0xf0,0x0f,0x21,0xfb", 0, 0, 0)
	L("mov %rbx,%dr7", "0xf0,0x0f,0x23,0xfb", 0, 0, 0)
	L("mov %cr4,%rbx", "0xf0,0x0f,0x20,0xe3", 0, 0, 0)
	if (guest_hcall_kind == BASALT_HCALL_VMCALL) {
		L("vmcall", "0xf0,0x0f,0x01,0xc1", BASALT_HC_INFO, 0, 0)
	} else {
		L("vmmcall", "0xf0,0x0f,0x01,0xd9", BASALT_HC_INFO, 0, 0)
	}
	/* With AltMovCr8 (AMD), LOCK MOV CR0 is the 32-bit way to reach CR8, not #UD. */
	if (!alt_cr8) {
		L("mov %cr0,%rbx", "0xf0,0x0f,0x20,0xc3", 0, 0, 0)
	} else {
		printf("insn: CPUID shows AltMovCr8; lock mov %%cr0 not expected to #UD\n");
	}
#undef L
	return bad;
}

/* A REX with a legacy prefix after it is ignored: 44 2e 0f 20 c3 reads CR0, not CR8 (set to 7 here). */
static bool rex_not_last(void)
{
	uint64_t cr0 = read_cr0();
	struct pfx_out o;

	write_cr8(7);
	o = PFX_RUN("0x44,0x2e,0x0f,0x20,0xc3", 0, 0, 0, 0);
	write_cr8(0);
	return pfx_ok(&o, "mov %cr0,%rbx", "0x44,0x2e,", o.rbx == cr0, "not CR0 (7: CR8)");
}

/* 16 bytes is one too many: #GP, and nothing runs. */
static bool too_long_gp(void)
{
	struct pfx_out o = PFX_RUN(PFX14 "0x0f,0xa2", BASALT_CPUID_BASE, 0, 0, 0);

	if (o.exc != EXC_GP || o.r8 != 0)
		printf("insn: 16-byte cpuid gave %s, r8 0x%lx; want #GP\n", exc_name(o.exc), o.r8);
	return o.exc == EXC_GP && o.r8 == 0;
}

static void check_prefixes(void)
{
	unsigned b;

	b = forms_cpuid();
	check(b == 0, "insn-prefix-cpuid", "%u forms wrong", b);
	b = forms_rdmsr();
	check(b == 0, "insn-prefix-rdmsr", "%u forms wrong", b);
	b = forms_wrmsr();
	check(b == 0, "insn-prefix-wrmsr", "%u forms wrong", b);
	b = forms_hcall();
	check(b == 0, "insn-prefix-hypercall", "%u forms wrong", b);
	b = forms_cache();
	check(b == 0, "insn-prefix-invd-wbinvd", "%u forms wrong", b);
	b = forms_hlt();
	check(b == 0, "insn-prefix-hlt", "%u forms wrong", b);
	b = forms_cr04();
	check(b == 0, "insn-prefix-cr0-cr4", "%u forms wrong", b);
	b = forms_cr8();
	check(b == 0, "insn-prefix-cr8", "%u forms wrong", b);
	b = forms_dr7();
	check(b == 0, "insn-prefix-dr7", "%u forms wrong", b);
	check(too_long_gp(), "insn-prefix-16-bytes-gp", "see above");
}

/* What the hardware decoder does before any intercept; insn-strict.bin only (see the expect file). */
static void check_strict(void)
{
	unsigned b = lock_forms();

	check(b == 0, "insn-prefix-lock-ud", "%u forms wrong", b);
	check(rex_not_last(), "insn-prefix-rex-not-last", "see above");
}

/* ---- single-step ---------------------------------------------------------------------------- */
#define DB_MAX 8
static volatile unsigned db_n;
static volatile uint64_t db_rip[DB_MAX], db_dr6[DB_MAX], db_rcx[DB_MAX];
static volatile uint64_t db_keep_rip; /* a #DB here (a REP not yet done) keeps TF set */

static void db_handler(struct exc_frame *f)
{
	unsigned i = db_n++;

	if (i < DB_MAX) {
		db_rip[i] = f->rip;
		db_dr6[i] = read_dr6();
		db_rcx[i] = f->rcx;
	}
	write_dr6(DR6_FIXED);
	if (f->rip != db_keep_rip || i >= DB_MAX)
		f->rflags &= ~RFLAGS_TF;
}

struct step_in {
	uint64_t rax, rcx, rdx, rsi;
};

/*
 * Sets TF with POPF right before `insn` (the trap comes after the
 * instruction following POPF) and returns the address after `insn`; label 2
 * (the instruction itself) goes to db_keep_rip.
 */
#define STEP_RUN(insn, in)                                                                            \
	({                                                                                            \
		struct step_in s_ = (in);                                                             \
		uint64_t after_;                                                                      \
		db_n = 0;                                                                             \
		asm volatile("leaq 2f(%%rip), %%r11\n\t"                                              \
			     "movq %%r11, db_keep_rip(%%rip)\n\t"                                     \
			     "leaq 1f(%%rip), %[after]\n\t"                                           \
			     "pushfq\n\t"                                                             \
			     "orq $0x100, (%%rsp)\n\t"                                                \
			     "popfq\n"                                                                \
			     "2:\t" insn "\n"                                                         \
			     "1:"                                                                     \
			     : [after] "=&r"(after_), "+a"(s_.rax), "+c"(s_.rcx), "+d"(s_.rdx),       \
			       "+S"(s_.rsi)                                                           \
			     :                                                                        \
			     : "rbx", "rdi", "r8", "r9", "r10", "r11", "memory", "cc");               \
		after_;                                                                               \
	})

/* Exactly one #DB, right after the instruction, with DR6.BS; TF is clear again. */
static bool one_step(const char *what, uint64_t after)
{
	bool ok = db_n == 1 && db_rip[0] == after && (db_dr6[0] & DR6_BS) && !(read_rflags() & RFLAGS_TF);

	if (!ok)
		printf("insn: step %s: %u #DB, rip 0x%lx (want 0x%lx), dr6 0x%lx\n", what, db_n, db_rip[0], after,
		       db_dr6[0]);
	return ok;
}

static const char outs_bytes[4] = "step";

static unsigned step_basic(void)
{
	uint64_t pat = rdmsr(MSR_IA32_PAT), after;
	unsigned bad = 0;

#define S(what, insn, a, c, d, s)                                                                     \
	after = STEP_RUN(insn, ((struct step_in){ (a), (c), (d), (s) }));                             \
	bad += !one_step(what, after);
	S("cpuid", "cpuid", BASALT_CPUID_BASE, 0, 0, 0)
	S("out 0x80", "outb %%al, $0x80", 0, 0, 0, 0)
	S("in 0x71", "inb $0x71, %%al", 0, 0, 0, 0)
	S("rdmsr EFER", "rdmsr", 0, MSR_EFER, 0, 0)
	S("wrmsr PAT", "wrmsr", (uint32_t)pat, MSR_IA32_PAT, pat >> 32, 0)
	if (guest_hcall_kind == BASALT_HCALL_VMCALL) {
		S("vmcall", "vmcall", BASALT_HC_INFO, 0, 0, 0)
	} else {
		S("vmmcall", "vmmcall", BASALT_HC_INFO, 0, 0, 0)
	}
	hypercall(BASALT_HC_WAKE_AT, clock_ns() + WAKE_AHEAD_NS, 0, 0);
	S("hlt", "hlt", 0, 0, 0, 0)
	S("mov %rax,%cr4", "mov %%rax, %%cr4", read_cr4(), 0, 0, 0)
	S("rep outsb x1", "rep outsb", 0, 1, 0x80, (uint64_t)outs_bytes)
#undef S
	return bad;
}

/*
 * REP OUTSB of 4 bytes: the hardware traps after every iteration, with RIP
 * back on the instruction and RCX counting down, and after the last one with
 * RIP past it: 4 #DB, each with BS.
 */
static bool step_rep(void)
{
	uint64_t after = STEP_RUN("rep outsb", ((struct step_in){ 0, 4, 0x80, (uint64_t)outs_bytes }));
	uint64_t at = db_keep_rip;
	bool ok = db_n == 4;

	for (unsigned i = 0; ok && i < 4; i++)
		ok = db_rip[i] == (i < 3 ? at : after) && db_rcx[i] == 3 - i && (db_dr6[i] & DR6_BS);
	if (!ok) {
		printf("insn: step rep outsb x4: %u #DB (want 4: 3 at 0x%lx, 1 at 0x%lx)\n", db_n, at, after);
		for (unsigned i = 0; i < db_n && i < DB_MAX; i++)
			printf("insn:   #DB %u: rip 0x%lx rcx %lu dr6 0x%lx\n", i, db_rip[i], db_rcx[i], db_dr6[i]);
	}
	return ok && !(read_rflags() & RFLAGS_TF);
}

static void check_single_step(void)
{
	unsigned b;

	guest_set_handler(EXC_DB, db_handler);
	write_dr6(DR6_FIXED);
	b = step_basic();
	check(b == 0, "insn-step-emulated", "%u instructions wrong", b);
	guest_set_handler(EXC_DB, NULL);
}

static void check_step_rep(void)
{
	guest_set_handler(EXC_DB, db_handler);
	write_dr6(DR6_FIXED);
	check(step_rep(), "insn-step-rep-outsb", "see above");
	guest_set_handler(EXC_DB, NULL);
}

/*
 * One source, three images (guests.mk): insn.bin runs what both emulators
 * must get right; insn-strict.bin the decoder rules QEMU's TCG does not
 * follow; insn-rep-step.bin single-step through a REP of 4 iterations.
 */
#if defined(INSN_STRICT)
#define INSN_PART 1
#elif defined(INSN_REP_STEP)
#define INSN_PART 2
#else
#define INSN_PART 0
#endif

void guest_main(void)
{
	phase_init();
	hostile_wait_start();
	if (INSN_PART == 1) {
		check_strict();
	} else if (INSN_PART == 2) {
		check_step_rep();
	} else {
		check_prefixes();
		check_single_step();
	}
	write_dr7(DR7_FIXED);
	hostile_finish();
}
