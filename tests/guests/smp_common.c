/* SPDX-License-Identifier: MIT */
/* AP start-up and x2APIC helpers shared by the SMP test guests. */
#include "smp_common.h"

#define MSR_APIC_BASE 0x1b
#define APIC_BASE_EXTD (1ul << 10)
#define APIC_BASE_EN (1ul << 11)
#define X2APIC_ID 0x802
#define X2APIC_EOI 0x80b
#define X2APIC_SVR 0x80f
#define X2APIC_ICR 0x830

extern const char smp_tramp_start[], smp_tramp_end[];
uint8_t smp_ap_stacks[SMP_MAX_CPUS + 1][1u << SMP_STACK_SHIFT] __attribute__((aligned(16)));
void (*smp_ap_main)(uint32_t id, uint32_t signature, uint32_t cr0);
static volatile int print_lock;

void smp_ap_start(uint32_t signature, uint32_t cr0);

unsigned smp_cpus(void)
{
	return (cpuid(1, 0).ebx >> 16) & 0xff;
}

void smp_apic_on(void)
{
	uint64_t base = rdmsr(MSR_APIC_BASE);

	if (!(base & APIC_BASE_EXTD))
		wrmsr(MSR_APIC_BASE, base | APIC_BASE_EN | APIC_BASE_EXTD);
	wrmsr(X2APIC_SVR, 0x1ff);
}

uint32_t smp_apic_id(void)
{
	return (uint32_t)rdmsr(X2APIC_ID);
}

void smp_ipi(uint32_t dest, uint32_t lo)
{
	wrmsr(X2APIC_ICR, (uint64_t)dest << 32 | lo);
}

void smp_eoi(void)
{
	wrmsr(X2APIC_EOI, 0);
}

void smp_tramp_install(void)
{
	memcpy((void *)SMP_TRAMP_BASE, smp_tramp_start, (size_t)(smp_tramp_end - smp_tramp_start));
}

void smp_start_ap(uint32_t id, uint8_t vector)
{
	smp_ipi(id, ICR_INIT | ICR_ASSERT);
	smp_ipi(id, ICR_SIPI | ICR_ASSERT | vector);
	smp_ipi(id, ICR_SIPI | ICR_ASSERT | vector);
}

void smp_printf(const char *fmt, ...)
{
	va_list ap;

	while (__atomic_exchange_n(&print_lock, 1, __ATOMIC_ACQUIRE))
		asm volatile("pause");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	__atomic_store_n(&print_lock, 0, __ATOMIC_RELEASE);
}

bool smp_wait(volatile unsigned *p, unsigned want, uint64_t ns)
{
	uint64_t end = clock_ns() + ns;

	while (*p < want && clock_ns() < end) {
		hypercall(BASALT_HC_WAKE_AT, end, 0, 0);
		asm volatile("sti\n\thlt\n\tcli" ::: "memory");
	}
	return *p >= want;
}

/* From the trampoline, on this AP's stack: the shared IDT, its APIC, then the guest's code. */
void smp_ap_start(uint32_t signature, uint32_t cr0)
{
	idt_load();
	smp_apic_on();
	smp_ap_main(smp_apic_id(), signature, cr0);
	for (;;)
		asm volatile("sti\n\thlt" ::: "memory");
}
