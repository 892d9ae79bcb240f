/* SPDX-License-Identifier: MIT */
/* The seeded hostile storm: >= 10,000 random port, string, MSR, CPUID, hypercall, CR/DR and prefixed
 * operations from ring 0 and ring 3, each with the outcome the hardware would give checked. */
#include "lib/hostile.h"
#include "lib/ring3.h"

const char guest_name[] = "storm";

#ifndef STORM_SEED
#define STORM_SEED 0x5706ab1eull
#endif
#define STORM_OPS 10200u      /* operations in all, ring 0 and ring 3 */
#define USER_BATCH 64u        /* operations per trip to ring 3 */
#define STRING_MAX 600u       /* REP count at most */
#define EXC_NO EXC_NONE

enum op_class { OP_PORT, OP_STRING, OP_MSR, OP_CPUID, OP_HCALL, OP_CRDR, OP_PREFIX, OP_CLASSES };
static const char *const class_names[OP_CLASSES] = { "ports", "strings", "msrs", "cpuid", "hypercalls",
						      "crdr", "prefixed" };
static unsigned counts[OP_CLASSES], user_counts[OP_CLASSES], bad[OP_CLASSES];
static unsigned crdr_bad[8]; /* per kind of op_crdr, for the report */
static uint64_t rng_state = STORM_SEED;

/* Operands for the instruction strings below (TRY_INSN takes text, so values go through memory). */
uint64_t storm_a __attribute__((used)), storm_b __attribute__((used)), storm_c __attribute__((used));
static uint8_t string_buf[8192] __attribute__((aligned(4096)));
static uint8_t code_buf[64] __attribute__((aligned(64)));

static uint64_t rnd(void)
{
	return rng_next(&rng_state);
}

/* Records one operation: ok is whether the outcome matched what the hardware would do. */
static void count(enum op_class c, bool ok, bool user)
{
	counts[c]++;
	if (user)
		user_counts[c]++;
	if (!ok)
		bad[c]++;
}

/* Ports that end the VM or belong to the console are left alone; every other one is fair game. */
static uint16_t random_port(void)
{
	for (;;) {
		uint16_t p = (uint16_t)rnd();

		if (p != 0xe9 && p != 0xf4 && p != 0xcf9 && p != 0x64 && (p < 0xe8 || p > 0xeb))
			return p;
	}
}

static int port_op(unsigned kind)
{
	switch (kind % 6) {
	case 0: return TRY_INSN(EXC_GP, "movw storm_a(%%rip), %%dx\n\tinb %%dx, %%al", 0);
	case 1: return TRY_INSN(EXC_GP, "movw storm_a(%%rip), %%dx\n\tinw %%dx, %%ax", 0);
	case 2: return TRY_INSN(EXC_GP, "movw storm_a(%%rip), %%dx\n\tinl %%dx, %%eax", 0);
	case 3: return TRY_INSN(EXC_GP, "movw storm_a(%%rip), %%dx\n\toutb %%al, %%dx", storm_b);
	case 4: return TRY_INSN(EXC_GP, "movw storm_a(%%rip), %%dx\n\toutw %%ax, %%dx", storm_b);
	default: return TRY_INSN(EXC_GP, "movw storm_a(%%rip), %%dx\n\toutl %%eax, %%dx", storm_b);
	}
}

/* Ring 0: any port works (unclaimed ones float); ring 3 (IOPL 0): every one is #GP. */
static void op_port(bool user)
{
	storm_a = random_port();
	storm_b = rnd();
	count(OP_PORT, port_op((unsigned)rnd()) == (user ? EXC_GP : EXC_NO), user);
}

/* REP INS/OUTS of every width, both directions: RCX ends at 0 and RSI/RDI moved by count * size. */
static int string_op(unsigned kind, uint64_t *rcx, uint64_t *ptr)
{
	uint64_t c = storm_b, p = storm_c;
	int v;

	exc_arm(EXC_GP);
	switch (kind % 4) {
	case 0: asm volatile("leaq 1f(%%rip), %%r11\n\tmovq %%r11, exc_resume(%%rip)\n\tmovw storm_a(%%rip), %%dx\n\t"
			     "rep insb\n1:" : "+c"(c), "+D"(p) : : "rdx", "r11", "memory", "cc"); break;
	case 1: asm volatile("leaq 1f(%%rip), %%r11\n\tmovq %%r11, exc_resume(%%rip)\n\tmovw storm_a(%%rip), %%dx\n\t"
			     "rep insw\n1:" : "+c"(c), "+D"(p) : : "rdx", "r11", "memory", "cc"); break;
	case 2: asm volatile("leaq 1f(%%rip), %%r11\n\tmovq %%r11, exc_resume(%%rip)\n\tmovw storm_a(%%rip), %%dx\n\t"
			     "rep outsb\n1:" : "+c"(c), "+S"(p) : : "rdx", "r11", "memory", "cc"); break;
	default: asm volatile("leaq 1f(%%rip), %%r11\n\tmovq %%r11, exc_resume(%%rip)\n\tmovw storm_a(%%rip), %%dx\n\t"
			      "rep outsl\n1:" : "+c"(c), "+S"(p) : : "rdx", "r11", "memory", "cc"); break;
	}
	v = exc_disarm();
	*rcx = c;
	*ptr = p;
	return v;
}

static void op_string(bool user)
{
	static const unsigned sizes[4] = { 1, 2, 1, 4 };
	unsigned kind = (unsigned)rnd() % 4, n = (unsigned)(rnd() % (STRING_MAX + 1));
	bool down = rnd() & 1;
	uint64_t start = (uint64_t)string_buf + (down ? sizeof(string_buf) - 8 : 0), rcx, ptr;
	uint64_t moved = (uint64_t)n * sizes[kind];
	int v;

	storm_a = random_port();
	storm_b = n;
	storm_c = start;
	if (down)
		asm volatile("std" ::: "cc");
	v = string_op(kind, &rcx, &ptr);
	asm volatile("cld" ::: "cc");
	if (user) /* #GP before the first element: nothing moved */
		count(OP_STRING, v == EXC_GP && rcx == n && ptr == start, true);
	else
		count(OP_STRING, v == EXC_NO && rcx == 0 && ptr == (down ? start - moved : start + moved), false);
}

static const uint32_t known_msrs[] = { 0xc0000080, 0x277, 0x10, 0xc0000081, 0xc0000082, 0xc0000084,
				       0xc0000100, 0xc0000102, 0x174, 0x175, 0x176 };
#define KNOWN_MSRS (sizeof(known_msrs) / sizeof(known_msrs[0]))

static bool is_known_msr(uint32_t m)
{
	for (unsigned i = 0; i < KNOWN_MSRS; i++)
		if (known_msrs[i] == m)
			return true;
	return false;
}

/* Known MSRs read and write back their own value; unknown ones may #GP but nothing else; ring 3 #GP. */
static void op_msr(bool user)
{
	bool known = rnd() & 1;
	uint32_t m = known ? known_msrs[rnd() % KNOWN_MSRS] : (uint32_t)rnd();
	int r, w;

	if (!known && is_known_msr(m))
		m ^= 0x55550000u;
	storm_a = m;
	r = TRY_INSN(EXC_GP, "movl storm_a(%%rip), %%ecx\n\trdmsr\n\tmovl %%eax, storm_b(%%rip)\n\t"
			     "movl %%edx, storm_b+4(%%rip)", 0);
	if (user) {
		count(OP_MSR, r == EXC_GP, true);
		return;
	}
	if (known) {
		w = r == EXC_NO ? TRY_INSN(EXC_GP, "movl storm_a(%%rip), %%ecx\n\tmovl storm_b(%%rip), %%eax\n\t"
						   "movl storm_b+4(%%rip), %%edx\n\twrmsr", 0) : r;
		count(OP_MSR, r == EXC_NO && w == EXC_NO, false);
		return;
	}
	storm_b = rnd();
	w = TRY_INSN(EXC_GP, "movl storm_a(%%rip), %%ecx\n\tmovl storm_b(%%rip), %%eax\n\t"
			     "movl storm_b+4(%%rip), %%edx\n\twrmsr", 0);
	count(OP_MSR, (r == EXC_NO || r == EXC_GP) && (w == EXC_NO || w == EXC_GP), false);
}

static bool is_signature(const struct cpuid_regs *r)
{
	return r->ebx == 0x61736142u && r->ecx == 0x6142746cu && r->edx == 0x746c6173u;
}

/* CPUID never faults, in either ring (an exception here ends the guest with FAIL: none is armed);
 * Basalt's leaf keeps its signature. */
static void op_cpuid(bool user)
{
	static const uint32_t bases[4] = { 0, 0x40000000u, 0x80000000u, 0 };
	uint32_t leaf = bases[rnd() % 4] + (uint32_t)(rnd() % 0x24);
	struct cpuid_regs r;

	if ((rnd() & 7) == 0)
		leaf = (uint32_t)rnd();
	r = cpuid(leaf, (uint32_t)rnd());
	count(OP_CPUID, leaf != 0x40000000u || is_signature(&r), user);
}

/* What a ring 0 hypercall must answer; POWER_OFF and WAKE_AT are never made from ring 0. */
static bool hcall_ok(uint64_t nr, long ret)
{
	switch (nr) {
	case BASALT_HC_INFO: return ret == (long)BASALT_ABI_VERSION;
	case BASALT_HC_CONSOLE_WRITE: return ret == BASALT_HC_EFAULT || ret == BASALT_HC_EINVAL;
	case BASALT_HC_YIELD: return ret == 0;
	case BASALT_HC_CLOCK_NS: case BASALT_HC_RUN_NS: return ret > 0;
	default: return ret == BASALT_HC_ENOSYS;
	}
}

static void op_hcall(bool user)
{
	uint64_t nr = (rnd() & 1) ? rnd() % 8 : rnd();
	long ret;

	if (!user && (nr == BASALT_HC_POWER_OFF || nr == BASALT_HC_WAKE_AT))
		nr = BASALT_HC_INFO;
	if (nr == BASALT_HC_CONSOLE_WRITE) /* an address beyond RAM, never a printable buffer */
		ret = hypercall(nr, guest_ram_size + (rnd() & 0xffffff), 1 + (rnd() & 7) + ((rnd() & 1) << 13), 0);
	else
		ret = hypercall(nr, rnd(), rnd(), rnd());
	count(OP_HCALL, user ? ret == BASALT_HC_EPERM : hcall_ok(nr, ret), user);
}

/* CR4 bits whose features Basalt's CPUID hides: VMXE SMXE OSXSAVE LA57 PKE PCIDE UMIP, or >= 32. */
static uint64_t reserved_cr4_bit(void)
{
	static const uint8_t bits[7] = { 13, 14, 18, 12, 22, 17, 11 };
	unsigned i = (unsigned)(rnd() % 8);

	return i < 7 ? 1ull << bits[i] : 1ull << (32 + rnd() % 32);
}

/* Writes that must #GP, and legal ones whose value must read back; ring 3 gets #GP for all. */
static void op_crdr(bool user)
{
	unsigned kind = (unsigned)(rnd() % 7);
	uint64_t v = rnd();
	int e;

	unsigned before = bad[OP_CRDR];

	if (user) {
		storm_a = v;
		e = kind & 1 ? TRY_INSN(EXC_GP, "movq storm_a(%%rip), %%rbx\n\tmov %%rbx, %%cr8", 0)
			     : TRY_INSN(EXC_GP, "movq storm_a(%%rip), %%rbx\n\tmov %%rbx, %%db0", 0);
		count(OP_CRDR, e == EXC_GP, true);
		return;
	}
	switch (kind) {
	case 0: storm_a = read_cr4() | reserved_cr4_bit();
		e = TRY_INSN(EXC_GP, "movq storm_a(%%rip), %%rbx\n\tmov %%rbx, %%cr4", 0);
		count(OP_CRDR, e == EXC_GP, false); break;
	case 1: storm_a = 16 + (v >> 4);
		e = TRY_INSN(EXC_GP, "movq storm_a(%%rip), %%rbx\n\tmov %%rbx, %%cr8", 0);
		count(OP_CRDR, e == EXC_GP && read_cr8() == 0, false); break;
	case 2: write_cr8(v & 15);
		count(OP_CRDR, read_cr8() == (v & 15), false);
		write_cr8(0); break;
	case 3: write_dr0(v); write_dr1(~v); write_dr2(v >> 1); write_dr3(v << 1); /* DR7 arms none */
		count(OP_CRDR, read_dr0() == v && read_dr1() == ~v && read_dr2() == v >> 1 && read_dr3() == v << 1,
		      false); break;
	case 4: storm_a = (v | (1ull << 32)) & ~0xffffull;
		e = TRY_INSN(EXC_GP, "movq storm_a(%%rip), %%rbx\n\tmov %%rbx, %%db7", 0);
		count(OP_CRDR, e == EXC_GP && read_dr7() == 0x400, false); break;
	case 5: storm_a = rdmsr(0xc0000080) | (1ull << (v & 1 ? 1 : 12)); /* reserved bit, or SVME */
		e = TRY_INSN(EXC_GP, "movl $0xc0000080, %%ecx\n\tmovl storm_a(%%rip), %%eax\n\t"
				     "movl storm_a+4(%%rip), %%edx\n\twrmsr", 0);
		count(OP_CRDR, e == EXC_GP, false); break;
	default: e = TRY_INSN(EXC_UD, "xorl %%ecx, %%ecx\n\txorl %%edx, %%edx\n\tmovl $3, %%eax\n\txsetbv", 0);
		count(OP_CRDR, e == EXC_UD, false); break;
	}
	crdr_bad[kind] += bad[OP_CRDR] - before;
}

/* CPUID behind 1-5 redundant prefixes (and maybe a REX), run from a buffer: same answer, and RIP
 * lands after it (the RET executes, and the marker set after the call proves the return). A wrong
 * length would run the middle of the instruction: an exception then ends the guest with FAIL. */
static void op_prefix(bool user)
{
	static const uint8_t prefixes[9] = { 0x66, 0xf2, 0xf3, 0x2e, 0x3e, 0x26, 0x64, 0x65, 0x36 };
	unsigned n = 1 + (unsigned)(rnd() % 5), len = 0;
	struct cpuid_regs r;
	uint64_t marker = 0;

	for (unsigned i = 0; i < n; i++)
		code_buf[len++] = prefixes[rnd() % 9];
	if (rnd() & 1)
		code_buf[len++] = (uint8_t)(0x40 | (rnd() & 0xf));
	code_buf[len++] = 0x0f;
	code_buf[len++] = 0xa2;
	code_buf[len++] = 0xc3;
	asm volatile("call *%[fn]\n\tmovq $0x5a5a, %[m]"
		     : "=a"(r.eax), "=&b"(r.ebx), "=c"(r.ecx), "=d"(r.edx), [m] "+r"(marker)
		     : "a"(0x40000000u), "c"(0), [fn] "r"(code_buf)
		     : "memory");
	count(OP_PREFIX, marker == 0x5a5a && is_signature(&r), user);
}

static void one_op(bool user)
{
	switch (rnd() % OP_CLASSES) {
	case OP_PORT: op_port(user); break;
	case OP_STRING: op_string(user); break;
	case OP_MSR: op_msr(user); break;
	case OP_CPUID: op_cpuid(user); break;
	case OP_HCALL: op_hcall(user); break;
	case OP_CRDR: op_crdr(user); break;
	default: op_prefix(user); break;
	}
}

static void user_batch(void)
{
	for (unsigned i = 0; i < USER_BATCH; i++)
		one_op(true);
}

static unsigned total(const unsigned *c)
{
	unsigned t = 0;

	for (unsigned i = 0; i < OP_CLASSES; i++)
		t += c[i];
	return t;
}

static void report(void)
{
	for (unsigned i = 0; i < OP_CLASSES; i++)
		printf("storm: %s %u (ring 3 %u), unexpected %u\n", class_names[i], counts[i], user_counts[i], bad[i]);
	printf("storm: total %u (ring 3 %u)\n", total(counts), total(user_counts));
	if (bad[OP_CRDR])
		printf("storm: unexpected CR/DR outcomes by kind: cr4 %u cr8-high %u cr8 %u dr0-3 %u dr7-high %u "
		       "efer %u xsetbv %u\n", crdr_bad[0], crdr_bad[1], crdr_bad[2], crdr_bad[3], crdr_bad[4],
		       crdr_bad[5], crdr_bad[6]);
	check(total(counts) >= 10000, "storm-count", "only %u operations", total(counts));
	check(total(user_counts) >= total(counts) / 4, "storm-ring3", "only %u of them from ring 3",
	      total(user_counts));
	for (unsigned i = 0; i < OP_CLASSES; i++)
		if (bad[i])
			check(false, "storm-outcomes", "%u of %u %s operations had an outcome hardware would not give",
			      bad[i], counts[i], class_names[i]);
	check(total(bad) == 0, "storm-outcomes", "%u unexpected outcomes", total(bad));
}

void guest_main(void)
{
	phase_init();
	ring3_setup();
	printf("storm: seed 0x%lx, %u operations\n", (uint64_t)STORM_SEED, STORM_OPS);
	hostile_wait_start();
	while (total(counts) < STORM_OPS) {
		if (rnd() % 3 == 0)
			ring3_call(user_batch);
		else
			for (unsigned i = 0; i < USER_BATCH; i++)
				one_op(false);
	}
	write_dr0(0), write_dr1(0), write_dr2(0), write_dr3(0);
	report();
	hostile_finish();
}
