/* SPDX-License-Identifier: MIT */
/* Exit-cost measurements for tests/bench.sh (run under qemu -icount shift=0: TSC ticks = instructions). */
#include "drivers/pc/pc_layout.h"
#include "drivers/pc/vtestdev.h"
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

/* A read of a test-device register (config test-devices = "mmio"): a nested page fault, decode
 * and emulation, the device model, and the way back. */
static uint64_t time_mmio(uint64_t n)
{
	uint64_t t0 = rdtsc_ordered();

	asm volatile("1:\tmovl (%[reg]), %%eax\n\t"
		     "decq %[n]\n\t"
		     "jnz 1b"
		     : [n] "+r"(n) : [reg] "r"(PC_TESTDEV_MMIO_BASE + VTESTDEV_ID) : "rax", "memory");
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

static void report(const char *what, uint64_t total)
{
	printf("BENCH %s %lu instructions\n", what, (total + BENCH_N / 2) / BENCH_N);
}

void guest_main(void)
{
	_Static_assert(BENCH_N > 0, "the loops run at least once");
	report("cpuid_exit_round_trip", time_cpuid(BENCH_N));
	report("io_exit_round_trip", time_outb(BENCH_N));
	if (*(volatile uint64_t *)(PC_TESTDEV_MMIO_BASE + VTESTDEV_ID) != VTESTDEV_ID_VALUE)
		fail(guest_name, "no MMIO test device (bench.dts: test-devices = \"mmio\")");
	report("mmio_exit_round_trip", time_mmio(BENCH_N));
	report("memory_loop_baseline", time_memory(BENCH_N));
	pass(guest_name);
}
