/* SPDX-License-Identifier: MIT */
/* Ring 3 reaches no hypercall (each returns EPERM and does nothing) and no privileged instruction. */
#include "lib/hostile.h"
#include "lib/ring3.h"

const char guest_name[] = "usermode";

/* Every defined number, the next free ones, and some wild ones; POWER_OFF (2) is among them. */
static const uint64_t hc_numbers[] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 0xff, 0x10000, 1ull << 32, ~0ull };
#define HC_COUNT (sizeof(hc_numbers) / sizeof(hc_numbers[0]))

static volatile long hc_result[HC_COUNT];
static volatile long console_result, power_result;
static volatile int user_cpl = -1;
static volatile uint64_t secret_gpa, secret_len;

static void user_hypercalls(void)
{
	user_cpl = current_cpl();
	/* Arguments aimed at harm: a kernel buffer to print, a wake time, a status. */
	for (unsigned i = 0; i < HC_COUNT; i++)
		hc_result[i] = hypercall(hc_numbers[i], secret_gpa, secret_len, 0);
	console_result = hypercall(BASALT_HC_CONSOLE_WRITE, secret_gpa, secret_len, 0);
	power_result = hypercall(BASALT_HC_POWER_OFF, 0, 0, 0);
}

static void check_hypercalls(void)
{
	char secret[32] = "SECRET-KERNEL-";

	memcpy(secret + 14, "BYTES-ON-STACK", 15);
	secret_gpa = (uint64_t)secret; /* top of RAM: a supervisor-only page */
	secret_len = sizeof(secret);
	ring3_call(user_hypercalls);
	check(user_cpl == 3, "usermode-cpl3", "ran at CPL %d", user_cpl);
	for (unsigned i = 0; i < HC_COUNT; i++) {
		printf("usermode: ring 3 hypercall 0x%lx -> %ld\n", hc_numbers[i], hc_result[i]);
		if (hc_result[i] != BASALT_HC_EPERM)
			check(false, "usermode-hypercalls-eperm", "number 0x%lx returned %ld, want -1 (EPERM)",
			      hc_numbers[i], hc_result[i]);
	}
	check(console_result == BASALT_HC_EPERM, "usermode-console-write-eperm", "returned %ld", console_result);
	check(power_result == BASALT_HC_EPERM, "usermode-power-off-eperm", "returned %ld", power_result);
	/* Still running: the ring 3 POWER_OFF did nothing. */
	check(true, "usermode-still-running", "%s", "powered off");
}

/* What ring 3 tried: each privileged instruction must raise #GP (IOPL 0, CPL 3). */
struct priv_try {
	const char *what;
	int got;
};
static struct priv_try priv[14];
static volatile unsigned priv_n;
static volatile bool cpuid_ok;

#define USER_TRY(name, insn)                                                      \
	do {                                                                      \
		priv[priv_n].what = name;                                         \
		priv[priv_n].got = TRY_INSN(EXC_GP, insn, 0);                      \
		priv_n++;                                                         \
	} while (0)

static void user_privileged(void)
{
	struct cpuid_regs r = cpuid(BASALT_CPUID_BASE, 0);

	cpuid_ok = r.ebx == 0x61736142u && r.ecx == 0x6142746cu && r.edx == 0x746c6173u; /* "Basa" "ltBa" "salt" */
	priv_n = 0;
	USER_TRY("rdmsr", "movl $0xc0000080, %%ecx\n\trdmsr");
	USER_TRY("wrmsr", "movl $0x277, %%ecx\n\txorl %%edx, %%edx\n\twrmsr");
	USER_TRY("in", "inb $0x71, %%al");
	USER_TRY("out", "outb %%al, $0x80");
	USER_TRY("out-console", "outb %%al, $0xe9");
	USER_TRY("rep-outsb", "movl $1, %%ecx\n\tmovl $0xe9, %%edx\n\tleaq exc_resume(%%rip), %%rsi\n\trep outsb");
	USER_TRY("mov-from-cr0", "mov %%cr0, %%rbx");
	USER_TRY("mov-to-cr4", "xorl %%ebx, %%ebx\n\tmov %%rbx, %%cr4");
	USER_TRY("mov-from-cr8", "mov %%cr8, %%rbx");
	USER_TRY("mov-to-dr7", "xorl %%ebx, %%ebx\n\tmov %%rbx, %%db7");
	USER_TRY("hlt", "hlt");
	USER_TRY("cli", "cli");
	USER_TRY("wbinvd", "wbinvd");
	USER_TRY("lidt", "lidt exc_resume(%%rip)");
}

static void check_privileged(void)
{
	unsigned bad = 0;

	ring3_call(user_privileged);
	check(cpuid_ok, "usermode-cpuid", "CPUID 0x40000000 at CPL 3 lost the signature");
	for (unsigned i = 0; i < priv_n; i++) {
		if (priv[i].got == EXC_GP)
			continue;
		bad++;
		printf("usermode: %s at CPL 3 gave %s, want #GP\n", priv[i].what, exc_name(priv[i].got));
	}
	check(priv_n == 14 && bad == 0, "usermode-privileged-gp", "%u of %u did not raise #GP", bad, priv_n);
}

void guest_main(void)
{
	ring3_setup();
	hostile_wait_start();
	check_hypercalls();
	check_privileged();
	check(current_cpl() == 0, "usermode-back-to-ring0", "CPL %d", current_cpl());
	hostile_finish();
}
