/* SPDX-License-Identifier: MIT */
/* Guest runtime: start-up, hypercalls, console output and the PASS/FAIL verdicts. */
#include "guest.h"

uint64_t guest_ram_size;
uint32_t guest_vcpu;
uint32_t guest_hcall_kind;
volatile bool guest_stopping;

bool basalt_present(void)
{
	struct cpuid_regs r = cpuid(BASALT_CPUID_BASE, 0);
	char sig[12];

	memcpy(sig + 0, &r.ebx, 4);
	memcpy(sig + 4, &r.ecx, 4);
	memcpy(sig + 8, &r.edx, 4);
	return memcmp(sig, BASALT_SIGNATURE, sizeof(sig)) == 0;
}

/* Trust Basalt's answer; without one, guess from the vendor so power_off still works. */
static uint32_t detect_hcall_kind(void)
{
	struct cpuid_regs r;

	if (basalt_present()) {
		r = cpuid(BASALT_CPUID_INFO, 0);
		if (r.ebx == BASALT_HCALL_VMMCALL || r.ebx == BASALT_HCALL_VMCALL)
			return r.ebx;
	}
	r = cpuid(0, 0);
	if (r.ebx == 0x68747541u /* "Auth"enticAMD */ || r.ebx == 0x6f677948u /* "Hygo"nGenuine */)
		return BASALT_HCALL_VMMCALL;
	return BASALT_HCALL_VMCALL;
}

void guest_start(uint64_t ram_size, uint64_t vcpu)
{
	guest_ram_size = ram_size;
	guest_vcpu = (uint32_t)vcpu;
	idt_install();
	guest_hcall_kind = detect_hcall_kind();
	guest_main();
	fail(guest_name, "guest_main returned without a verdict");
}

long hypercall(uint64_t nr, uint64_t a0, uint64_t a1, uint64_t a2)
{
	long ret;

	if (guest_hcall_kind == BASALT_HCALL_VMCALL)
		asm volatile("vmcall" : "=a"(ret) : "a"(nr), "D"(a0), "S"(a1), "d"(a2) : "memory");
	else
		asm volatile("vmmcall" : "=a"(ret) : "a"(nr), "D"(a0), "S"(a1), "d"(a2) : "memory");
	return ret;
}

void power_off(int status)
{
	long ret;

	guest_stopping = true;
	ret = hypercall(BASALT_HC_POWER_OFF, (uint64_t)status, 0, 0);

	printf("%s: power off returned %ld, halting\n", guest_name, ret);
	for (;;)
		halt();
}

void console_putc(char c)
{
	outb(BASALT_CONSOLE_PORT, (uint8_t)c);
}

void console_puts(const char *s)
{
	while (*s)
		console_putc(*s++);
}

void pass(const char *name)
{
	printf("PASS %s\n", name);
	power_off(0);
}

void fail(const char *name, const char *fmt, ...)
{
	va_list ap;

	printf("FAIL %s: ", name);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	console_putc('\n');
	power_off(1);
}

/* String instructions, so the compiler cannot turn these loops back into calls to themselves. */
void *memset(void *dst, int c, size_t n)
{
	void *d = dst;

	asm volatile("rep stosb" : "+D"(d), "+c"(n) : "a"(c) : "memory");
	return dst;
}

void *memcpy(void *dst, const void *src, size_t n)
{
	void *d = dst;

	asm volatile("rep movsb" : "+D"(d), "+S"(src), "+c"(n) : : "memory");
	return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const uint8_t *x = a, *y = b;

	for (size_t i = 0; i < n; i++)
		if (x[i] != y[i])
			return x[i] < y[i] ? -1 : 1;
	return 0;
}
