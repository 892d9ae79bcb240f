/* SPDX-License-Identifier: MIT */
/* Guest IDT for vectors 0-255, per-vector handlers and the expected-exception protocol of guest.h. */
#include "guest.h"

/* isr.S pushes 15 registers, then relies on this layout. */
_Static_assert(sizeof(struct exc_frame) == 22 * 8, "exc_frame must match isr.S");
_Static_assert(offsetof(struct exc_frame, vector) == 15 * 8, "exc_frame must match isr.S");
_Static_assert(offsetof(struct exc_frame, rip) == 17 * 8, "exc_frame must match isr.S");

#define IDT_VECTORS 256
#define EXC_VECTORS 32
#define IRQ_STUB_SIZE 16 /* isr.S: one stub per vector from 32 on */
#define GATE_INTERRUPT 0x8e /* present, DPL 0, 64-bit interrupt gate */

struct idt_gate {
	uint16_t offset_lo;  /* 0x0 */
	uint16_t selector;   /* 0x2 */
	uint8_t ist;         /* 0x4 */
	uint8_t type;        /* 0x5 */
	uint16_t offset_mid; /* 0x6 */
	uint32_t offset_hi;  /* 0x8 */
	uint32_t reserved;   /* 0xc */
} __attribute__((packed));
_Static_assert(sizeof(struct idt_gate) == 16, "64-bit IDT gates are 16 bytes");

struct __attribute__((packed)) idt_ptr {
	uint16_t limit;
	uint64_t base;
};

extern const uint64_t isr_table[EXC_VECTORS];
extern const char isr_irq_stubs[];
static guest_handler_fn handlers[IDT_VECTORS];
static struct idt_gate idt[IDT_VECTORS] __attribute__((aligned(16)));

volatile int exc_expect = EXC_NONE;
volatile uint64_t exc_resume;
volatile int exc_caught = EXC_NONE;
volatile uint64_t exc_error, exc_rip;

void idt_install(void)
{
	uint16_t cs;
	struct idt_ptr ptr = { sizeof(idt) - 1, (uint64_t)idt };

	/* Use whatever code segment the loader gave us rather than assuming 0x08. */
	asm volatile("mov %%cs, %0" : "=r"(cs));
	for (int v = 0; v < IDT_VECTORS; v++) {
		uint64_t h = v < EXC_VECTORS ? isr_table[v] : (uint64_t)(isr_irq_stubs + (v - EXC_VECTORS) * IRQ_STUB_SIZE);

		idt[v] = (struct idt_gate){ .offset_lo = (uint16_t)h, .selector = cs, .type = GATE_INTERRUPT,
					    .offset_mid = (uint16_t)(h >> 16), .offset_hi = (uint32_t)(h >> 32) };
	}
	asm volatile("lidt %0" : : "m"(ptr) : "memory");
}

void idt_load(void)
{
	struct idt_ptr ptr = { sizeof(idt) - 1, (uint64_t)idt };

	asm volatile("lidt %0" : : "m"(ptr) : "memory");
}

void idt_set_dpl(int vector, int dpl)
{
	idt[vector].type = (uint8_t)(GATE_INTERRUPT | (dpl & 3) << 5);
}

void idt_set_raw(int vector, uint64_t addr, int dpl)
{
	uint16_t cs;

	asm volatile("mov %%cs, %0" : "=r"(cs));
	idt[vector] = (struct idt_gate){ .offset_lo = (uint16_t)addr, .selector = cs,
					 .type = (uint8_t)(GATE_INTERRUPT | (dpl & 3) << 5),
					 .offset_mid = (uint16_t)(addr >> 16), .offset_hi = (uint32_t)(addr >> 32) };
}

void guest_set_handler(int vector, guest_handler_fn fn)
{
	handlers[vector] = fn;
}

void exc_arm(int vector)
{
	exc_caught = EXC_NONE;
	exc_error = 0;
	exc_rip = 0;
	exc_expect = vector;
}

int exc_disarm(void)
{
	exc_expect = EXC_NONE;
	return exc_caught;
}

const char *exc_name(int vector)
{
	static const char *const names[EXC_VECTORS] = {
		"#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM", "#DF", "vector 9", "#TS",
		"#NP", "#SS", "#GP", "#PF", "vector 15", "#MF", "#AC", "#MC", "#XM", "#VE", "#CP",
		"vector 22", "vector 23", "vector 24", "vector 25", "vector 26", "vector 27", "#HV",
		"#VC", "#SX", "vector 31",
	};

	if (vector < 0)
		return "no exception";
	return vector < EXC_VECTORS ? names[vector] : "vector >= 32";
}

void exc_dispatch(struct exc_frame *f)
{
	uint64_t cr2 = 0;

	if (f->vector < IDT_VECTORS && handlers[f->vector]) {
		handlers[f->vector](f);
		return;
	}
	if (exc_expect != EXC_NONE) {
		/* Any vector counts as "caught": the test compares it with what it expected. */
		exc_caught = (int)f->vector;
		exc_error = f->error;
		exc_rip = f->rip;
		exc_expect = EXC_NONE;
		f->rip = exc_resume;
		return;
	}
	if (guest_stopping) {
		/* The power-off hypercall (or fail() itself) faulted: not on Basalt? Stop here, quietly. */
		printf("%s: %s at rip 0x%lx while stopping, halting\n", guest_name, exc_name((int)f->vector), f->rip);
		for (;;)
			halt();
	}
	guest_stopping = true;
	if (f->vector == EXC_PF)
		asm volatile("mov %%cr2, %0" : "=r"(cr2));
	fail(guest_name, "unexpected exception %s (vector %lu) at rip 0x%lx, error 0x%lx, cr2 0x%lx, rsp 0x%lx",
	     exc_name((int)f->vector), f->vector, f->rip, f->error, cr2, f->rsp);
}
