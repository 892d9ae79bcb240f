/* SPDX-License-Identifier: MIT */
/* Runtime shared by the Basalt test guests: console, hypercalls, verdicts, port I/O, CPUID, exceptions. */
#ifndef GUEST_H
#define GUEST_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kernel/basalt_abi.h"

/*
 * Each guest defines these two. guest_main() runs after the start code has
 * zeroed .bss, installed the exception handlers and picked the hypercall
 * instruction; it must end with pass() or fail().
 */
extern const char guest_name[];
void guest_main(void);

/* From the loader: RDI = guest RAM size in bytes, RSI = vCPU index. */
extern uint64_t guest_ram_size;
extern uint32_t guest_vcpu;
/* BASALT_HCALL_VMMCALL or BASALT_HCALL_VMCALL, from CPUID 0x40000001 EBX (vendor guess if absent). */
extern uint32_t guest_hcall_kind;
/* Set once the guest is powering off or failing: a fault then halts instead of recursing. */
extern volatile bool guest_stopping;

/* Called by start.S only. */
void guest_start(uint64_t ram_size, uint64_t vcpu) __attribute__((noreturn));

/* ---- port I/O: outX(port, value) ------------------------------------------ */
static inline void outb(uint16_t port, uint8_t v) { asm volatile("outb %0, %1" : : "a"(v), "Nd"(port)); }
static inline void outw(uint16_t port, uint16_t v) { asm volatile("outw %0, %1" : : "a"(v), "Nd"(port)); }
static inline void outl(uint16_t port, uint32_t v) { asm volatile("outl %0, %1" : : "a"(v), "Nd"(port)); }

static inline uint8_t inb(uint16_t port)
{
	uint8_t v;
	asm volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline uint16_t inw(uint16_t port)
{
	uint16_t v;
	asm volatile("inw %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline uint32_t inl(uint16_t port)
{
	uint32_t v;
	asm volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

/* ---- CPU ------------------------------------------------------------------ */
struct cpuid_regs {
	uint32_t eax, ebx, ecx, edx;
};

static inline struct cpuid_regs cpuid(uint32_t leaf, uint32_t subleaf)
{
	struct cpuid_regs r;
	asm volatile("cpuid" : "=a"(r.eax), "=b"(r.ebx), "=c"(r.ecx), "=d"(r.edx)
		     : "a"(leaf), "c"(subleaf));
	return r;
}

/* Never causes a VM exit unless the hypervisor intercepts RDTSC (Basalt does not). */
static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;
	asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

/* RDTSC that neither earlier nor later instructions can move across. */
static inline uint64_t rdtsc_ordered(void)
{
	uint32_t lo, hi;
	asm volatile("lfence\n\trdtsc\n\tlfence" : "=a"(lo), "=d"(hi) : : "memory");
	return ((uint64_t)hi << 32) | lo;
}

static inline void halt(void) { asm volatile("hlt" : : : "memory"); }

/* True when CPUID 0x40000000 carries the "BasaltBasalt" signature. */
bool basalt_present(void);

/* ---- hypercalls ------------------------------------------------------------ */
/* RAX = nr, RDI/RSI/RDX = a0..a2; returns RAX. Uses guest_hcall_kind's instruction. */
long hypercall(uint64_t nr, uint64_t a0, uint64_t a1, uint64_t a2);
/* Does not return: asks the hypervisor to stop the VM, halts forever if that fails. */
void power_off(int status) __attribute__((noreturn));

/* ---- console (port 0xE9) and verdicts --------------------------------------- */
void console_putc(char c);
void console_puts(const char *s); /* no newline added */
/* Supports %c %s %d %u %x %p, the l modifier, and a 0 flag with a width: %08lx. */
void printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void vprintf(const char *fmt, va_list ap);
/* "PASS name" and power off with status 0. */
void pass(const char *name) __attribute__((noreturn));
/* "FAIL name: why" and power off with status 1. */
void fail(const char *name, const char *fmt, ...) __attribute__((noreturn, format(printf, 2, 3)));

/* The compiler may emit calls to these even in freestanding code. */
void *memset(void *dst, int c, size_t n);
void *memcpy(void *dst, const void *src, size_t n);
int memcmp(const void *a, const void *b, size_t n);

/* ---- exceptions and interrupts (vectors 0-255) ----------------------------------- */
#define EXC_NONE (-1)
#define EXC_DE 0
#define EXC_DB 1
#define EXC_BP 3
#define EXC_UD 6
#define EXC_DF 8
#define EXC_GP 13
#define EXC_PF 14

/* What isr.S saves; field order is the reverse of its push order. */
struct exc_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector, error;
	uint64_t rip, cs, rflags, rsp, ss; /* pushed by the CPU */
};

/*
 * Expected-exception protocol: exc_arm(vec) says an exception may come; the
 * code stores a resume address in exc_resume and runs the instruction. The
 * handler records any vector in exc_caught (with exc_error, exc_rip), sets
 * the saved RIP to exc_resume and disarms. exc_disarm() returns the vector
 * caught or EXC_NONE. An exception while disarmed ends the guest with FAIL.
 */
extern volatile int exc_expect;
extern volatile uint64_t exc_resume;
extern volatile int exc_caught;
extern volatile uint64_t exc_error, exc_rip;

void idt_install(void);
/* Loads the IDT idt_install built (another vCPU of the guest, after start-up). */
void idt_load(void);
/* A handler set for a vector runs instead of the protocol below; it may edit the frame. */
typedef void (*guest_handler_fn)(struct exc_frame *f);
void guest_set_handler(int vector, guest_handler_fn fn); /* NULL restores the default */
void idt_set_dpl(int vector, int dpl); /* e.g. 3 so ring 3 may INT to it */
void idt_set_raw(int vector, uint64_t addr, int dpl); /* a gate to addr, bypassing isr_common */
void exc_arm(int vector);
int exc_disarm(void);
const char *exc_name(int vector); /* "#UD", ... */
void exc_dispatch(struct exc_frame *f); /* called by isr.S only */

/*
 * Runs the instruction text `insn` with RAX = rax_in, expecting exception
 * `vec`; evaluates to the vector caught or EXC_NONE. Execution resumes right
 * after `insn` either way. RBX, RCX, RDX and R11 are free for `insn` to use.
 */
#define TRY_INSN(vec, insn, rax_in)                                                  \
	({                                                                           \
		uint64_t try_rax_ = (rax_in);                                        \
		exc_arm(vec);                                                        \
		asm volatile("leaq 1f(%%rip), %%r11\n\t"                             \
			     "movq %%r11, exc_resume(%%rip)\n\t" insn "\n"          \
			     "1:"                                                    \
			     : "+a"(try_rax_)                                        \
			     :                                                       \
			     : "rbx", "rcx", "rdx", "r11", "memory", "cc");          \
		exc_disarm();                                                        \
	})

#endif
