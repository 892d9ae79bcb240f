/* SPDX-License-Identifier: MIT */
/* A vCPU's local APIC: xAPIC page and x2APIC MSRs, IRR/ISR priorities, LVTs, timer, IPIs. */
#ifndef BASALT_DRIVERS_PC_VLAPIC_H
#define BASALT_DRIVERS_PC_VLAPIC_H

#include <stdbool.h>
#include <stdint.h>

#include "drivers/pc/apic_bus.h"

struct vm;
struct vcpu;

/*
 * The APIC timer's input clock (the "bus" or core-crystal clock), one value for every VM and host.
 * 25 MHz: 40 ns per count, an exact integer, so counts and deadlines convert without drift; a
 * 32-bit count spans 171 s at divide 1. It is also what CPUID leaf 0x15 reports as the crystal on
 * Intel (Linux sets its APIC timer period from that crystal), and a crystal this low lets leaf
 * 0x15's TSC/crystal ratio be exact to a few ppm within Linux's 32-bit product (cpuid_policy.c).
 * CPUID 0x40000010 EBX and 0x16 ECX report it too.
 */
#define VLAPIC_BUS_HZ 25000000ull
#define VLAPIC_NS_PER_COUNT (1000000000ull / VLAPIC_BUS_HZ)
_Static_assert(1000000000ull % VLAPIC_BUS_HZ == 0, "a bus count is a whole number of ns");

/* A periodic timer wakes the host at most this often; faster periods coalesce into one interrupt
 * (IRR holds one bit per vector anyway) while the current count still reads exactly. */
#define VLAPIC_MIN_PERIOD_NS 100000ull

/* IA32_APIC_BASE bits. */
#define APIC_BASE_BSP (1ull << 8)
#define APIC_BASE_EXTD (1ull << 10)
#define APIC_BASE_EN (1ull << 11)

#define MSR_IA32_APIC_BASE 0x1bu
#define MSR_IA32_TSC_DEADLINE 0x6e0u
#define MSR_X2APIC_FIRST 0x800u
#define MSR_X2APIC_LAST 0x8ffu

/* LVT slots (register offset 0x320 + 0x10 * n, except CMCI at 0x2f0). */
enum vlapic_lvt { LVT_TIMER, LVT_THERMAL, LVT_PERF, LVT_LINT0, LVT_LINT1, LVT_ERROR, LVT_CMCI, LVT_COUNT };

#define LVT_MASKED (1u << 16)
#define LVT_DM(v) (((v) >> 8) & 7u)
#define LVT_LEVEL (1u << 15)
#define LVT_TIMER_MODE(v) (((v) >> 17) & 3u)
enum { TIMER_ONESHOT = 0, TIMER_PERIODIC = 1, TIMER_TSC_DEADLINE = 2 };

/* ESR bits. */
#define ESR_SEND_ILLEGAL_VECTOR (1u << 5)
#define ESR_RECV_ILLEGAL_VECTOR (1u << 6)
#define ESR_ILLEGAL_REGISTER (1u << 7)

/* Start-up state of the vCPU as its APIC sees it (for the SMP issue: APs wait for INIT-SIPI). */
enum vlapic_cpu_state { VLAPIC_CPU_RUNNING, VLAPIC_CPU_WAIT_INIT, VLAPIC_CPU_WAIT_SIPI, VLAPIC_CPU_SIPI_RECEIVED };

/* Shared by the VM's vCPUs (an IPI writes the target's IRR, lowest-priority delivery reads every
 * APR): every vlapic_* call runs with the VM's vm->lock held (kernel/vm.h), the owner's own
 * accesses included. An accepted interrupt, NMI, INIT or SIPI kicks the target (vcpu_kick). */
struct vlapic {
	struct vcpu *vcpu;
	uint32_t id;        /* the x2APIC ID (= vCPU index); xAPIC ID register is id << 24 */
	uint64_t apic_base; /* IA32_APIC_BASE */
	uint32_t xapic_id;  /* the writable xAPIC ID register */
	uint32_t tpr, ldr, dfr, svr;
	uint32_t esr, esr_pending; /* errors are latched into esr by an ESR write (write-before-read) */
	uint32_t icr_lo, icr_hi;
	uint32_t lvt[LVT_COUNT];
	uint32_t irr[8], isr[8], tmr[8];
	/* Timer: in one-shot/periodic mode the count was `base` at start_ns and falls one per
	 * VLAPIC_NS_PER_COUNT * divisor; a periodic timer reloads icr after reaching zero. */
	uint32_t timer_icr, timer_dcr, timer_base;
	uint64_t timer_start_ns;
	uint64_t timer_next_ns; /* next expiry; 0 = not armed */
	uint64_t timer_last_fire_ns;
	uint64_t tsc_deadline;  /* guest TSC value; 0 = disarmed */
	bool timer_changed;     /* the vCPU's next timer event may have moved */
	bool nmi_pending;
	enum vlapic_cpu_state cpu_state;
	uint8_t sipi_vector;
	uint32_t init_count, sipi_count; /* messages accepted, for diagnosis and tests */
};

/* ---- life cycle ---- */
/* Allocates vcpu's APIC in its power-on state (vCPU 0: the BSP, left by "firmware" in virtual-wire
 * mode: software-enabled, LINT0 ExtINT, LINT1 NMI, as PC firmware leaves it). 0 or -ENOMEM. */
int vlapic_create(struct vcpu *vcpu);
void vlapic_destroy(struct vcpu *vcpu);
/* The same state on caller-owned memory (unit tests). */
void vlapic_init(struct vlapic *l, struct vcpu *vcpu);
/* Claims the xAPIC page at PC_LAPIC_BASE for vm: one range, each access goes to the accessing vCPU's APIC. */
int vlapic_attach(struct vm *vm);

/* ---- guest accesses ---- */
/* The xAPIC page (an mmio_fn). Returns -1 (empty bus) when the APIC is disabled or in x2APIC mode. */
int vlapic_mmio(struct vcpu *vcpu, void *dev, uint64_t gpa, unsigned size, bool write, uint64_t *value);
/* True for the MSRs the APIC owns: IA32_APIC_BASE, 0x800-0x8ff, IA32_TSC_DEADLINE. */
bool vlapic_is_msr(uint32_t msr);
/* RDMSR/WRMSR of one of those. 0, or -1 when the CPU would raise #GP. */
int vlapic_msr_read(struct vlapic *l, uint32_t msr, uint64_t *value, uint64_t now_ns);
int vlapic_msr_write(struct vlapic *l, uint32_t msr, uint64_t value, uint64_t now_ns);
/* CR8 is TPR[7:4]. */
uint64_t vlapic_get_cr8(const struct vlapic *l);
void vlapic_set_cr8(struct vlapic *l, uint64_t cr8);

/* ---- interrupt logic ---- */
/* Highest IRR vector above the processor priority, or -1 (none, or the APIC is disabled). */
int vlapic_pending_vector(const struct vlapic *l);
/* The CPU takes vector: IRR -> ISR. */
void vlapic_ack(struct vlapic *l, uint8_t vector);
/* True (once) when an NMI waits (LINT1 in NMI mode, NMI IPIs). */
bool vlapic_take_nmi(struct vlapic *l);
bool vlapic_has_nmi(const struct vlapic *l);
/* False when IRR is empty and no NMI waits: this APIC has nothing to offer whatever its TPR, ISR
 * or enables say (vlapic_pending_vector is -1, vlapic_has_nmi false). */
bool vlapic_has_request(const struct vlapic *l);
/* LINT0 in ExtINT mode, unmasked, or the APIC hardware-disabled (a CPU without APIC): the PIC's INTR
 * reaches this CPU. */
bool vlapic_accepts_extint(const struct vlapic *l);
/* A message from the APIC bus (apic_bus.c). True when accepted. */
bool vlapic_accept(struct vlapic *l, const struct apic_msg *m);
/* Destination matching for bus messages (physical ID or logical LDR/DFR), in this APIC's mode. */
bool vlapic_match_dest(const struct vlapic *l, bool logical, uint32_t dest);
/* Arbitration priority, for lowest-priority delivery. */
uint32_t vlapic_apr(const struct vlapic *l);
uint32_t vlapic_ppr(const struct vlapic *l);
bool vlapic_is_x2apic(const struct vlapic *l);
bool vlapic_hw_enabled(const struct vlapic *l);
bool vlapic_sw_enabled(const struct vlapic *l);
/* Raises a local interrupt through an LVT entry (timer, LINT0/1, error...). */
void vlapic_raise_lvt(struct vlapic *l, enum vlapic_lvt which);
/* Records an APIC error and raises the error LVT. */
void vlapic_error(struct vlapic *l, uint32_t esr_bit);
/* True (once) when the next timer event may have moved. */
bool vlapic_timer_changed(struct vlapic *l);

/* ---- timer (vlapic_timer.c) ---- */
/* Fires expired timers up to now; returns the next time the timer could raise an interrupt the CPU
 * does not already have pending, in ns, or UINT64_MAX. */
uint64_t vlapic_timer_poll(struct vlapic *l, uint64_t now_ns);
void vlapic_timer_write_lvt(struct vlapic *l, uint32_t old, uint64_t now_ns);
void vlapic_timer_write_icr(struct vlapic *l, uint32_t count, uint64_t now_ns);
void vlapic_timer_write_dcr(struct vlapic *l, uint32_t dcr, uint64_t now_ns);
uint32_t vlapic_timer_read_ccr(const struct vlapic *l, uint64_t now_ns);
uint64_t vlapic_tsc_deadline_read(const struct vlapic *l);
void vlapic_tsc_deadline_write(struct vlapic *l, uint64_t deadline, uint64_t now_ns);
void vlapic_timer_reset(struct vlapic *l);

/* The guest-visible register numbers (xAPIC offset >> 4 = x2APIC MSR - 0x800). */
enum vlapic_reg {
	APIC_REG_ID = 0x02, APIC_REG_VERSION = 0x03, APIC_REG_TPR = 0x08, APIC_REG_APR = 0x09,
	APIC_REG_PPR = 0x0a, APIC_REG_EOI = 0x0b, APIC_REG_RRD = 0x0c, APIC_REG_LDR = 0x0d,
	APIC_REG_DFR = 0x0e, APIC_REG_SVR = 0x0f, APIC_REG_ISR0 = 0x10, APIC_REG_TMR0 = 0x18,
	APIC_REG_IRR0 = 0x20, APIC_REG_ESR = 0x28, APIC_REG_LVT_CMCI = 0x2f, APIC_REG_ICR_LO = 0x30,
	APIC_REG_ICR_HI = 0x31, APIC_REG_LVT_TIMER = 0x32, APIC_REG_LVT_THERMAL = 0x33,
	APIC_REG_LVT_PERF = 0x34, APIC_REG_LVT_LINT0 = 0x35, APIC_REG_LVT_LINT1 = 0x36,
	APIC_REG_LVT_ERROR = 0x37, APIC_REG_TIMER_ICR = 0x38, APIC_REG_TIMER_CCR = 0x39,
	APIC_REG_TIMER_DCR = 0x3e, APIC_REG_SELF_IPI = 0x3f,
};

#endif
