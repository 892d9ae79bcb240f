/* SPDX-License-Identifier: MIT */
/* Hypercall ABI: results, -ENOSYS for unknown numbers, -EFAULT for bad buffers, registers preserved. */
#include "lib/guest.h"

const char guest_name[] = "hypercall";

/* Every GPR except RAX (the result) must survive a hypercall. */
#define SAVED_REGS 14
static const char *const reg_names[SAVED_REGS + 1] = {
	"rbx", "rcx", "rdx", "rsi", "rdi", "rbp", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15", "rsp",
};

/* Referenced by name from the asm below, so not static. */
uint64_t hc_regs_in[SAVED_REGS];      /* sentinels loaded before the call */
uint64_t hc_regs_out[SAVED_REGS + 1]; /* registers after the call, then RSP */
uint64_t hc_rsp_before;

/* Loads sentinels into all registers, makes hypercall nr and records the registers afterwards. */
static long hypercall_with_sentinels(uint64_t nr)
{
	uint64_t rax = nr;

	asm volatile("pushq %%rbp\n\t"
		     "movq %%rsp, hc_rsp_before(%%rip)\n\t"
		     "movq hc_regs_in+0(%%rip), %%rbx\n\t"
		     "movq hc_regs_in+8(%%rip), %%rcx\n\t"
		     "movq hc_regs_in+16(%%rip), %%rdx\n\t"
		     "movq hc_regs_in+24(%%rip), %%rsi\n\t"
		     "movq hc_regs_in+32(%%rip), %%rdi\n\t"
		     "movq hc_regs_in+40(%%rip), %%rbp\n\t"
		     "movq hc_regs_in+48(%%rip), %%r8\n\t"
		     "movq hc_regs_in+56(%%rip), %%r9\n\t"
		     "movq hc_regs_in+64(%%rip), %%r10\n\t"
		     "movq hc_regs_in+72(%%rip), %%r11\n\t"
		     "movq hc_regs_in+80(%%rip), %%r12\n\t"
		     "movq hc_regs_in+88(%%rip), %%r13\n\t"
		     "movq hc_regs_in+96(%%rip), %%r14\n\t"
		     "movq hc_regs_in+104(%%rip), %%r15\n\t"
		     "cmpl %[vmcall], guest_hcall_kind(%%rip)\n\t"
		     "je 1f\n\t"
		     "vmmcall\n\t"
		     "jmp 2f\n"
		     "1:\tvmcall\n"
		     "2:\tmovq %%rbx, hc_regs_out+0(%%rip)\n\t"
		     "movq %%rcx, hc_regs_out+8(%%rip)\n\t"
		     "movq %%rdx, hc_regs_out+16(%%rip)\n\t"
		     "movq %%rsi, hc_regs_out+24(%%rip)\n\t"
		     "movq %%rdi, hc_regs_out+32(%%rip)\n\t"
		     "movq %%rbp, hc_regs_out+40(%%rip)\n\t"
		     "movq %%r8, hc_regs_out+48(%%rip)\n\t"
		     "movq %%r9, hc_regs_out+56(%%rip)\n\t"
		     "movq %%r10, hc_regs_out+64(%%rip)\n\t"
		     "movq %%r11, hc_regs_out+72(%%rip)\n\t"
		     "movq %%r12, hc_regs_out+80(%%rip)\n\t"
		     "movq %%r13, hc_regs_out+88(%%rip)\n\t"
		     "movq %%r14, hc_regs_out+96(%%rip)\n\t"
		     "movq %%r15, hc_regs_out+104(%%rip)\n\t"
		     "movq %%rsp, hc_regs_out+112(%%rip)\n\t"
		     "popq %%rbp"
		     : "+a"(rax)
		     : [vmcall] "i"(BASALT_HCALL_VMCALL)
		     : "rbx", "rcx", "rdx", "rsi", "rdi", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15",
		       "memory", "cc");
	return (long)rax;
}

/* Makes hypercall nr with sentinel registers and checks both its result and the registers. */
static void check_call(uint64_t nr, long want, const char *what)
{
	long got;

	for (int i = 0; i < SAVED_REGS; i++)
		hc_regs_in[i] = 0x5e47000000000000ull | (nr & 0xffffffffull) << 8 | (uint64_t)(i + 1);
	got = hypercall_with_sentinels(nr);
	if (got != want)
		fail(guest_name, "%s (nr 0x%lx) returned %ld, expected %ld", what, nr, got, want);
	for (int i = 0; i <= SAVED_REGS; i++) {
		uint64_t before = i < SAVED_REGS ? hc_regs_in[i] : hc_rsp_before;

		if (hc_regs_out[i] != before)
			fail(guest_name, "%s (nr 0x%lx) changed %s: 0x%lx -> 0x%lx", what, nr, reg_names[i], before,
			     hc_regs_out[i]);
	}
	printf("hypercall: %s (nr 0x%lx) -> %ld, registers preserved\n", what, nr, got);
}

static void expect_console_write(uint64_t gpa, uint64_t len, long want, const char *what)
{
	long got = hypercall(BASALT_HC_CONSOLE_WRITE, gpa, len, 0);

	if (got != want)
		fail(guest_name, "CONSOLE_WRITE %s (gpa 0x%lx, len %lu) returned %ld, expected %ld", what, gpa, len,
		     got, want);
	printf("hypercall: CONSOLE_WRITE %s -> %ld\n", what, got);
}

void guest_main(void)
{
	static const char msg[] = "hypercall: this line came through BASALT_HC_CONSOLE_WRITE\n";
	uint64_t ram = guest_ram_size;

	check_call(BASALT_HC_INFO, (long)BASALT_ABI_VERSION, "INFO");
	check_call(0x7777, BASALT_HC_ENOSYS, "unknown");
	check_call(0xffffffffull, BASALT_HC_ENOSYS, "unknown");
	check_call(~0ull, BASALT_HC_ENOSYS, "unknown");
	check_call(BASALT_HC_YIELD, 0, "YIELD");

	expect_console_write((uint64_t)msg, sizeof(msg) - 1, (long)(sizeof(msg) - 1), "valid buffer");
	expect_console_write(ram + 0x1000, 16, BASALT_HC_EFAULT, "buffer above RAM");
	expect_console_write(ram - 8, 16, BASALT_HC_EFAULT, "buffer running past the end of RAM");
	expect_console_write(~0ull - 7, 16, BASALT_HC_EFAULT, "buffer wrapping around the address space");
	pass(guest_name);
}
