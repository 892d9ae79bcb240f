/* SPDX-License-Identifier: MIT */
/* Host IDT: every exception is reported with a register dump; external vectors go to registered handlers. */
#include "arch/x86/idt.h"

#include <stddef.h>

#include "arch/x86/cpu.h"
#include "arch/x86/gdt.h"
#include "arch/x86/percpu.h"
#include "arch/x86/smp.h"
#include "drivers/host/lapic.h"
#include "kernel/console.h"
#include "kernel/panic.h"

#define ISR_STUB_SIZE 16

struct idt_gate {
	uint16_t offset_low;
	uint16_t selector;
	uint8_t ist;
	uint8_t type_attr;
	uint16_t offset_mid;
	uint32_t offset_high;
	uint32_t reserved;
} __attribute__((packed));
_Static_assert(sizeof(struct idt_gate) == 16, "64-bit IDT gate");

struct idt_ptr {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));

extern char isr_stubs[];
static struct idt_gate idt[256] __attribute__((aligned(16)));
static irq_handler_fn irq_handlers[256];
static uint64_t unexpected_irqs;

static const char *const exception_names[32] = {
	"#DE divide error", "#DB debug", "NMI", "#BP breakpoint", "#OF overflow", "#BR bound range",
	"#UD invalid opcode", "#NM device not available", "#DF double fault", "coprocessor overrun",
	"#TS invalid TSS", "#NP segment not present", "#SS stack fault", "#GP general protection",
	"#PF page fault", "reserved 15", "#MF x87 error", "#AC alignment check", "#MC machine check",
	"#XM SIMD error", "#VE virtualization", "#CP control protection", "reserved 22", "reserved 23",
	"reserved 24", "reserved 25", "reserved 26", "reserved 27", "#HV hypervisor injection",
	"#VC VMM communication", "#SX security", "reserved 31",
};

static uint8_t ist_for_vector(unsigned v)
{
	if (v == 2)
		return IST_NMI;
	if (v == 8)
		return IST_DOUBLE_FAULT;
	if (v == 18)
		return IST_MACHINE_CHECK;
	return v < 32 ? IST_EXCEPTION : 0;
}

void idt_load(void)
{
	struct idt_ptr ptr = { .limit = sizeof(idt) - 1, .base = (uint64_t)(uintptr_t)idt };

	__asm__ volatile("lidt %0" ::"m"(ptr));
}

void idt_init(void)
{
	for (unsigned v = 0; v < 256; v++) {
		uint64_t addr = (uint64_t)(uintptr_t)(isr_stubs + v * ISR_STUB_SIZE);

		idt[v] = (struct idt_gate){
			.offset_low = (uint16_t)addr,
			.selector = GDT_CODE,
			.ist = ist_for_vector(v),
			.type_attr = 0x8e, /* present, DPL0, interrupt gate: IF cleared on entry */
			.offset_mid = (uint16_t)(addr >> 16),
			.offset_high = (uint32_t)(addr >> 32),
		};
	}
	idt_load();
}

void idt_set_irq_handler(uint8_t vector, irq_handler_fn fn)
{
	irq_handlers[vector] = fn;
}

static void dump_frame(const struct isr_frame *f)
{
	kprintf("  rip %016llx  cs %04llx  rflags %016llx  error %llx\n", (unsigned long long)f->rip,
		(unsigned long long)f->cs, (unsigned long long)f->rflags, (unsigned long long)f->error);
	kprintf("  rsp %016llx  ss %04llx  cr2 %016llx  cr3 %016llx\n", (unsigned long long)f->rsp,
		(unsigned long long)f->ss, (unsigned long long)read_cr2(), (unsigned long long)read_cr3());
	kprintf("  rax %016llx  rbx %016llx  rcx %016llx  rdx %016llx\n", (unsigned long long)f->rax,
		(unsigned long long)f->rbx, (unsigned long long)f->rcx, (unsigned long long)f->rdx);
	kprintf("  rsi %016llx  rdi %016llx  rbp %016llx  r8  %016llx\n", (unsigned long long)f->rsi,
		(unsigned long long)f->rdi, (unsigned long long)f->rbp, (unsigned long long)f->r8);
	kprintf("  r9  %016llx  r10 %016llx  r11 %016llx  r12 %016llx\n", (unsigned long long)f->r9,
		(unsigned long long)f->r10, (unsigned long long)f->r11, (unsigned long long)f->r12);
	kprintf("  r13 %016llx  r14 %016llx  r15 %016llx  cr0 %016llx\n", (unsigned long long)f->r13,
		(unsigned long long)f->r14, (unsigned long long)f->r15, (unsigned long long)read_cr0());
}

void isr_dispatch(struct isr_frame *frame)
{
	unsigned v = (unsigned)frame->vector;

	if (v == 2 && smp_park_if_stopping())
		return; /* not reached: the CPU halts */
	if (v < 32) {
		panic_begin();
		kprintf("\nbasalt: hypervisor exception %u (%s) on cpu %u (APIC ID %u)\n", v, exception_names[v],
			this_cpu_id(), this_cpu()->apic_id);
		dump_frame(frame);
		panic("unexpected exception %u in the hypervisor", v);
	}
	if (irq_handlers[v]) {
		irq_handlers[v]();
		return;
	}
	/* Spurious LAPIC vectors need no EOI; anything else unexpected is acknowledged and counted,
	 * and the first few named (one came from nowhere: a device or an emulator bug to find). */
	if (v != VECTOR_SPURIOUS) {
		if (unexpected_irqs < 3)
			kprintf("basalt: unexpected interrupt vector 0x%x at rip 0x%llx on cpu %u\n", v,
				(unsigned long long)frame->rip, this_cpu_id());
		unexpected_irqs++;
		lapic_eoi();
	}
}

uint64_t idt_base(void)
{
	return (uint64_t)(uintptr_t)idt;
}
