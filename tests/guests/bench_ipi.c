/* SPDX-License-Identifier: MIT */
/* ipi_round_trip for tests/bench.sh: vCPU 0 sends a fixed IPI to vCPU 1 (started by the guest's own
 * INIT-SIPI-SIPI), which answers with one; vCPU 0's TSC times the round trip (instructions under
 * qemu -icount shift=0). Without a second vCPU it prints "ipi_round_trip unavailable: why". */
#include "lib/guest.h"
#include "bench_ipi.h"

const char guest_name[] = "bench_ipi";

#define IPI_N 1000ul            /* round trips measured */
#define IPI_PING 0xf0           /* vCPU 0 -> vCPU 1 */
#define IPI_PONG 0xf1           /* vCPU 1 -> vCPU 0 */
#define AP_ID 1u                /* the vlapic gives vCPU n the APIC ID n */
#define AP_WAIT_TICKS 200000000ull /* TSC ticks (0.2 s at 1 GHz) for the AP to come up */
#define ROUND_WAIT_TICKS 20000000ull

#define MSR_APIC_BASE 0x1b
#define APIC_EXTD (1u << 10)
#define X2APIC_ID 0x802
#define X2APIC_SVR 0x80f
#define X2APIC_ICR 0x830
#define ICR_INIT_ASSERT 0x4500u
#define ICR_SIPI 0x4600u

static uint8_t ap_stack[16384] __attribute__((aligned(16)));
uint64_t bench_ipi_ap_stack_top;
struct bench_ipi_idtr bench_ipi_idtr;
static volatile uint32_t ap_up;   /* the AP's APIC ID + 1 once it listens */
volatile uint64_t bench_ipi_pongs; /* pongs vCPU 0 took */

static inline void wrmsr64(uint32_t msr, uint64_t v)
{
	asm volatile("wrmsr" : : "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)) : "memory");
}

static inline uint64_t rdmsr64(uint32_t msr)
{
	uint32_t lo, hi;

	asm volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((uint64_t)hi << 32) | lo;
}

static void x2apic_on(void)
{
	wrmsr64(MSR_APIC_BASE, rdmsr64(MSR_APIC_BASE) | APIC_EXTD);
	wrmsr64(X2APIC_SVR, 0x1ff);
}

/* Entered straight from the IDT (no dispatcher in the figure). The AP answers each ping with a
 * pong to APIC ID 0; vCPU 0 counts pongs. Both EOI through the x2APIC EOI MSR (0x80b). */
void bench_ipi_ping_isr(void);
void bench_ipi_pong_isr(void);
asm(".text\n"
    ".globl bench_ipi_ping_isr\n"
    "bench_ipi_ping_isr:\n\t"
    "pushq %rax\n\tpushq %rdx\n\tpushq %rcx\n\t"
    "movl $0x80b, %ecx\n\txorl %eax, %eax\n\txorl %edx, %edx\n\twrmsr\n\t"
    "movl $0x830, %ecx\n\tmovl $0xf1, %eax\n\txorl %edx, %edx\n\twrmsr\n\t"
    "popq %rcx\n\tpopq %rdx\n\tpopq %rax\n\t"
    "iretq\n"
    ".globl bench_ipi_pong_isr\n"
    "bench_ipi_pong_isr:\n\t"
    "pushq %rax\n\tpushq %rdx\n\tpushq %rcx\n\t"
    "incq bench_ipi_pongs(%rip)\n\t"
    "movl $0x80b, %ecx\n\txorl %eax, %eax\n\txorl %edx, %edx\n\twrmsr\n\t"
    "popq %rcx\n\tpopq %rdx\n\tpopq %rax\n\t"
    "iretq\n");

/* On vCPU 1 after the trampoline: listen for pings with IF=1, spinning (a HLT would let the
 * emulators skip time and measure their idle path instead). */
void bench_ipi_ap_main(void)
{
	x2apic_on();
	ap_up = (uint32_t)rdmsr64(X2APIC_ID) + 1;
	asm volatile("sti" ::: "memory");
	for (;;)
		asm volatile("pause" ::: "memory");
}

static void wait_ticks(uint64_t n)
{
	uint64_t t0 = rdtsc();

	while (rdtsc() - t0 < n)
		asm volatile("pause");
}

/* The MP start-up: INIT, then SIPI twice, to APIC ID AP_ID. */
static bool start_ap(void)
{
	uint64_t cr3, t0;

	asm volatile("movq %%cr3, %0" : "=r"(cr3));
	asm volatile("sidt %0" : "=m"(bench_ipi_idtr));
	bench_ipi_tramp_cr3 = (uint32_t)cr3;
	bench_ipi_ap_stack_top = (uint64_t)(ap_stack + sizeof(ap_stack));
	memcpy((void *)BENCH_IPI_TRAMP_BASE, bench_ipi_tramp_start,
	       (size_t)(bench_ipi_tramp_end - bench_ipi_tramp_start));
	wrmsr64(X2APIC_ICR, ((uint64_t)AP_ID << 32) | ICR_INIT_ASSERT);
	wait_ticks(10000);
	for (int i = 0; i < 2; i++) {
		wrmsr64(X2APIC_ICR, ((uint64_t)AP_ID << 32) | ICR_SIPI | (BENCH_IPI_TRAMP_BASE >> 12));
		wait_ticks(2000);
	}
	for (t0 = rdtsc(); !ap_up && rdtsc() - t0 < AP_WAIT_TICKS;)
		asm volatile("pause" ::: "memory");
	return ap_up != 0;
}

/* IPI_N round trips with IF=1 on vCPU 0; 0 when a pong did not come back in time. */
static uint64_t time_round_trips(uint32_t dest)
{
	uint64_t total = 0;

	asm volatile("sti" ::: "memory");
	for (uint64_t i = 0; i < IPI_N; i++) {
		uint64_t want = bench_ipi_pongs + 1, t0 = rdtsc();

		wrmsr64(X2APIC_ICR, ((uint64_t)dest << 32) | IPI_PING);
		/* PAUSE: a polite spin on hardware, and under QEMU's round-robin TCG (every -icount
		 * run) the point where the other host cores get their turn; without it this core ran
		 * out its whole ~25 ms share of virtual time before the AP's core saw the ping. */
		while (bench_ipi_pongs < want) {
			if (rdtsc() - t0 > ROUND_WAIT_TICKS)
				return 0;
			asm volatile("pause" ::: "memory");
		}
		total += rdtsc() - t0;
	}
	asm volatile("cli" ::: "memory");
	return total;
}

void guest_main(void)
{
	uint32_t cpus = (cpuid(1, 0).ebx >> 16) & 0xff;
	uint64_t total;

	if (!(cpuid(1, 0).ecx & (1u << 21))) {
		printf("ipi_round_trip unavailable: the VM has no x2APIC (platform = \"pc\" needed)\n");
		pass(guest_name);
	}
	idt_set_raw(IPI_PING, (uint64_t)bench_ipi_ping_isr, 0);
	idt_set_raw(IPI_PONG, (uint64_t)bench_ipi_pong_isr, 0);
	x2apic_on();
	if (!start_ap()) {
		printf("ipi_round_trip unavailable: vCPU %u did not start after INIT-SIPI-SIPI (CPUID says %u logical CPUs)\n",
		       AP_ID, cpus);
		pass(guest_name);
	}
	total = time_round_trips(ap_up - 1);
	if (!total) {
		printf("ipi_round_trip unavailable: vCPU %u started but a pong did not come back within %lu ticks\n",
		       AP_ID, (uint64_t)ROUND_WAIT_TICKS);
		fail(guest_name, "IPI lost");
	}
	printf("BENCH ipi_round_trip %lu instructions\n", (total + IPI_N / 2) / IPI_N);
	pass(guest_name);
}
