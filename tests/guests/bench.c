/* SPDX-License-Identifier: MIT */
/* Exit-cost measurements for tests/bench.sh (run under qemu -icount shift=0: TSC ticks = instructions). */
#include "lib/guest.h"

const char guest_name[] = "bench";

#define BENCH_N 100000ul    /* iterations per measurement */
#define BENCH_PORT 0x80     /* unclaimed port: the hypervisor drops the write */
#define BENCH_ARRAY_WORDS 512 /* 4 KiB; the index wraps with a mask, so keep a power of two */

static uint64_t bench_array[BENCH_ARRAY_WORDS];

/* Each loop is asm so its instruction count per iteration is fixed: 4, 3, 3 and 7. */
static uint64_t time_cpuid(uint64_t n)
{
	uint64_t t0 = rdtsc_ordered();

	asm volatile("1:\txorl %%eax, %%eax\n\t"
		     "cpuid\n\t"
		     "decq %[n]\n\t"
		     "jnz 1b"
		     : [n] "+r"(n) : : "rax", "rbx", "rcx", "rdx", "memory");
	return rdtsc_ordered() - t0;
}

static uint64_t time_outb(uint64_t n)
{
	uint64_t t0 = rdtsc_ordered();

	asm volatile("xorl %%eax, %%eax\n"
		     "1:\toutb %%al, %[port]\n\t"
		     "decq %[n]\n\t"
		     "jnz 1b"
		     : [n] "+r"(n) : [port] "i"(BENCH_PORT) : "rax", "memory");
	return rdtsc_ordered() - t0;
}

/* A read of the local APIC's version register through the xAPIC page (pc VMs): a nested page
 * fault, decode and emulation, the LAPIC model, and the way back. */
#define XAPIC_VERSION_REG 0xfee00030ull

static uint64_t time_mmio(uint64_t n)
{
	uint64_t t0 = rdtsc_ordered();

	asm volatile("1:\tmovl (%[reg]), %%eax\n\t"
		     "decq %[n]\n\t"
		     "jnz 1b"
		     : [n] "+r"(n) : [reg] "r"(XAPIC_VERSION_REG) : "rax", "memory");
	return rdtsc_ordered() - t0;
}

static uint64_t time_memory(uint64_t n)
{
	uint64_t t0 = rdtsc_ordered(), idx = 0;

	asm volatile("1:\tmovq (%[a],%[i],8), %%rax\n\t"
		     "incq %%rax\n\t"
		     "movq %%rax, (%[a],%[i],8)\n\t"
		     "incq %[i]\n\t"
		     "andq %[mask], %[i]\n\t"
		     "decq %[n]\n\t"
		     "jnz 1b"
		     : [n] "+r"(n), [i] "+r"(idx)
		     : [a] "r"(bench_array), [mask] "i"(BENCH_ARRAY_WORDS - 1)
		     : "rax", "memory");
	return rdtsc_ordered() - t0;
}

static void report_n(const char *what, uint64_t total, uint64_t n)
{
	printf("BENCH %s %lu instructions\n", what, (total + n / 2) / n);
}

static void report(const char *what, uint64_t total)
{
	report_n(what, total, BENCH_N);
}

/* ---- local APIC figures, for a pc-platform VM (tests/configs/bench-pc.dts) ---- */
#define MSR_APIC_BASE 0x1b
#define MSR_TSC_DEADLINE 0x6e0
#define X2APIC_TPR 0x808
#define X2APIC_SVR 0x80f
#define X2APIC_LVT_TIMER 0x832
#define APIC_EXTD (1u << 10)
#define LVT_TSC_DEADLINE (2u << 17)
#define BENCH_TIMER_VECTOR 0xe0
#define BENCH_TIMER_N 1000ul        /* timer interrupts measured */
#define BENCH_TIMER_AHEAD 50000ul   /* deadline this many TSC ticks (instructions) ahead */

static inline void bench_wrmsr(uint32_t msr, uint64_t v)
{
	asm volatile("wrmsr" : : "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)) : "memory");
}

static inline uint64_t bench_rdmsr(uint32_t msr)
{
	uint32_t lo, hi;

	asm volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((uint64_t)hi << 32) | lo;
}

/* The loop is 4 instructions per iteration, like the CPUID one: the RDMSR of the x2APIC TPR exits. */
static uint64_t time_x2apic_rdmsr(uint64_t n)
{
	uint64_t t0 = rdtsc_ordered();

	asm volatile("1:\tmovl %[msr], %%ecx\n\t"
		     "rdmsr\n\t"
		     "decq %[n]\n\t"
		     "jnz 1b"
		     : [n] "+r"(n) : [msr] "i"(X2APIC_TPR) : "rax", "rcx", "rdx", "memory");
	return rdtsc_ordered() - t0;
}

/* The timer handler takes the TSC after three pushes, then EOIs through the x2APIC MSR: it is
 * entered straight from the IDT, without the guest library's dispatcher in the figure. */
volatile uint64_t bench_irq_tsc;
void bench_timer_isr(void);
asm(".text\n"
    ".globl bench_timer_isr\n"
    "bench_timer_isr:\n\t"
    "pushq %rax\n\tpushq %rdx\n\tpushq %rcx\n\t"
    "rdtsc\n\tshlq $32, %rdx\n\torq %rdx, %rax\n\t"
    "movq %rax, bench_irq_tsc(%rip)\n\t"
    "movl $0x80b, %ecx\n\txorl %eax, %eax\n\txorl %edx, %edx\n\twrmsr\n\t"
    "popq %rcx\n\tpopq %rdx\n\tpopq %rax\n\t"
    "iretq\n");

/* Instructions from the TSC deadline to the handler's first RDTSC, the guest spinning with IF=1
 * (a HLT would let the emulators skip time). */
static uint64_t time_timer_latency(uint64_t n)
{
	uint64_t total = 0;

	idt_set_raw(BENCH_TIMER_VECTOR, (uint64_t)bench_timer_isr, 0);
	bench_wrmsr(X2APIC_LVT_TIMER, LVT_TSC_DEADLINE | BENCH_TIMER_VECTOR);
	for (uint64_t i = 0; i < n; i++) {
		uint64_t deadline = rdtsc() + BENCH_TIMER_AHEAD;

		bench_irq_tsc = 0;
		bench_wrmsr(MSR_TSC_DEADLINE, deadline);
		asm volatile("sti" ::: "memory");
		while (!bench_irq_tsc)
			asm volatile("pause" ::: "memory");
		asm volatile("cli" ::: "memory");
		total += bench_irq_tsc - deadline;
	}
	return total;
}

static void bench_lapic(void)
{
	/* The APIC starts in xAPIC mode (IA32_APIC_BASE = 0xfee00900 on the boot vCPU). */
	report("mmio_exit_round_trip", time_mmio(BENCH_N));
	bench_wrmsr(MSR_APIC_BASE, bench_rdmsr(MSR_APIC_BASE) | APIC_EXTD);
	bench_wrmsr(X2APIC_SVR, 0x1ff);
	report("x2apic_msr_round_trip", time_x2apic_rdmsr(BENCH_N));
	report_n("lapic_timer_irq_latency", time_timer_latency(BENCH_TIMER_N), BENCH_TIMER_N);
}

void guest_main(void)
{
	_Static_assert(BENCH_N > 0, "the loops run at least once");
	/* In a pc-platform VM (a local APIC in CPUID) only the APIC figures: the other figures are
	 * measured in the plain VM of bench.dts, where port 0x80 is unclaimed. */
	if (cpuid(1, 0).edx & (1u << 9)) {
		bench_lapic();
		pass(guest_name);
	}
	report("cpuid_exit_round_trip", time_cpuid(BENCH_N));
	report("io_exit_round_trip", time_outb(BENCH_N));
	report("memory_loop_baseline", time_memory(BENCH_N));
	pass(guest_name);
}
