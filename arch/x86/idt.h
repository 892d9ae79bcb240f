/* SPDX-License-Identifier: MIT */
/* Host interrupt descriptor table, exception reporting and interrupt vectors. */
#ifndef BASALT_X86_IDT_H
#define BASALT_X86_IDT_H

#include <stdint.h>

#define VECTOR_TIMER 0xf0
#define VECTOR_KICK 0xf1 /* reschedule IPI between host CPUs */
#define VECTOR_SPURIOUS 0xff

struct isr_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rdi, rsi, rbp, rbx, rdx, rcx, rax;
	uint64_t vector, error;
	uint64_t rip, cs, rflags, rsp, ss;
};
_Static_assert(sizeof(struct isr_frame) == 22 * 8, "matches the pushes in isr.S");

typedef void (*irq_handler_fn)(void);

/* Loads the IDT: exceptions on IST stacks, NMI and double fault on their own. */
void idt_init(void);
/* Loads the (shared, read-only after idt_init) IDT on another CPU. */
void idt_load(void);
/* Handler for an external vector (>= 32); it must EOI itself. */
void idt_set_irq_handler(uint8_t vector, irq_handler_fn fn);
void isr_dispatch(struct isr_frame *frame);
uint64_t idt_base(void);

#endif
