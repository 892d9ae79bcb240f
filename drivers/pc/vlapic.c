/* SPDX-License-Identifier: MIT */
/* Local APIC registers and priorities (SDM vol. 3 ch. 10 / 11): xAPIC page, x2APIC MSRs, IRR/ISR/TMR. */
#include "drivers/pc/vlapic.h"

#include <stddef.h>
#include <string.h>

#include "drivers/pc/pc_layout.h"
#include "drivers/pc/vioapic.h"
#include "kernel/clock.h"
#include "kernel/errno.h"
#include "kernel/mem.h"
#include "kernel/vcpu.h"
#include "kernel/vm.h"
#include "kernel/vmm.h"

#define APIC_VERSION 0x14u              /* integrated APIC, as on every x86-64 part */
#define APIC_MAX_LVT (LVT_COUNT - 1u)   /* version[23:16]: index of the last LVT (CMCI) */
#define SVR_ENABLE (1u << 8)
#define SVR_WRITABLE 0x11ffu            /* vector, enable, focus check (bit 9) and EOI suppression off */
#define DFR_FLAT 0xffffffffu
#define ICR_LO_WRITABLE 0x000ccfffu     /* vector, mode, dest mode, level, trigger, shorthand */
#define ICR_DEST_LOGICAL (1u << 11)
#define ICR_LEVEL_ASSERT (1u << 14)
#define ICR_TRIGGER_LEVEL (1u << 15)
#define X2APIC_ICR_RESERVED 0xfff33000u /* low half bits that must be 0 in x2APIC mode: 12, 13, 16, 17, 20-31 */

/* Bits software may set in each LVT (the rest read as 0; delivery status and remote IRR are ours). */
static const uint32_t lvt_writable[LVT_COUNT] = {
	[LVT_TIMER] = 0x000700ffu, [LVT_THERMAL] = 0x000107ffu, [LVT_PERF] = 0x000107ffu,
	[LVT_LINT0] = 0x0001a7ffu, [LVT_LINT1] = 0x0001a7ffu, [LVT_ERROR] = 0x000100ffu,
	[LVT_CMCI] = 0x000107ffu,
};

/* ---- 256-bit vectors ---- */
static void vec_set(uint32_t *v, unsigned n) { v[n / 32] |= 1u << (n % 32); }
static void vec_clear(uint32_t *v, unsigned n) { v[n / 32] &= ~(1u << (n % 32)); }
static bool vec_test(const uint32_t *v, unsigned n) { return v[n / 32] >> (n % 32) & 1; }

static int vec_highest(const uint32_t *v)
{
	/* Empty is the usual answer (IRR before every entry): one test of all eight words. */
	if (!(v[0] | v[1] | v[2] | v[3] | v[4] | v[5] | v[6] | v[7]))
		return -1;
	for (int i = 7; i >= 0; i--)
		if (v[i])
			return i * 32 + 31 - __builtin_clz(v[i]);
	return -1;
}

/* ---- state ---- */
bool vlapic_is_x2apic(const struct vlapic *l) { return (l->apic_base & APIC_BASE_EXTD) != 0; }
bool vlapic_hw_enabled(const struct vlapic *l) { return (l->apic_base & APIC_BASE_EN) != 0; }
bool vlapic_sw_enabled(const struct vlapic *l) { return vlapic_hw_enabled(l) && (l->svr & SVR_ENABLE); }

static void x2apic_derive_ids(struct vlapic *l)
{
	l->ldr = ((l->id >> 4) << 16) | (1u << (l->id & 0xf));
}

/* The register state after RESET, or after the APIC is hardware-disabled (SDM 10.4.7.1). */
static void reset_registers(struct vlapic *l)
{
	l->xapic_id = l->id << 24;
	l->tpr = l->ldr = l->esr = l->esr_pending = l->icr_lo = l->icr_hi = 0;
	l->dfr = DFR_FLAT;
	l->svr = 0xff;
	for (unsigned i = 0; i < LVT_COUNT; i++)
		l->lvt[i] = LVT_MASKED;
	memset(l->irr, 0, sizeof(l->irr));
	memset(l->isr, 0, sizeof(l->isr));
	memset(l->tmr, 0, sizeof(l->tmr));
	l->nmi_pending = false;
	vlapic_timer_reset(l);
}

void vlapic_init(struct vlapic *l, struct vcpu *vcpu)
{
	memset(l, 0, sizeof(*l));
	l->vcpu = vcpu;
	l->id = vcpu->id;
	l->apic_base = PC_LAPIC_BASE | APIC_BASE_EN | (vcpu->id == 0 ? APIC_BASE_BSP : 0);
	reset_registers(l);
	if (vcpu->id == 0) {
		/* What PC firmware leaves on the boot CPU: virtual-wire mode, so a guest that never
		 * touches its APIC still gets the PIC's interrupts and NMIs (MP spec 3.6.2.2). */
		l->svr = SVR_ENABLE | 0xff;
		l->lvt[LVT_LINT0] = APIC_DM_EXTINT << 8;
		l->lvt[LVT_LINT1] = APIC_DM_NMI << 8;
		l->cpu_state = VLAPIC_CPU_RUNNING;
	} else {
		l->cpu_state = VLAPIC_CPU_WAIT_INIT;
	}
}

int vlapic_create(struct vcpu *vcpu)
{
	struct vlapic *l = pages_alloc((sizeof(*l) + PAGE_SIZE - 1) / PAGE_SIZE, PAGE_SIZE);

	if (!l)
		return -ENOMEM;
	vlapic_init(l, vcpu);
	vcpu->lapic = l;
	return 0;
}

void vlapic_destroy(struct vcpu *vcpu)
{
	if (!vcpu->lapic)
		return;
	pages_free(vcpu->lapic, (sizeof(struct vlapic) + PAGE_SIZE - 1) / PAGE_SIZE);
	vcpu->lapic = NULL;
}

/* ---- priorities (SDM 10.8.3) ---- */
uint32_t vlapic_ppr(const struct vlapic *l)
{
	int isrv = vec_highest(l->isr);
	uint32_t isr_class = isrv < 0 ? 0 : (uint32_t)isrv & 0xf0;

	return (l->tpr & 0xf0) >= isr_class ? l->tpr & 0xff : isr_class;
}

uint32_t vlapic_apr(const struct vlapic *l)
{
	int irrv = vec_highest(l->irr), isrv = vec_highest(l->isr);
	uint32_t irr_class = irrv < 0 ? 0 : (uint32_t)irrv & 0xf0;
	uint32_t isr_class = isrv < 0 ? 0 : (uint32_t)isrv & 0xf0;
	uint32_t top = irr_class > isr_class ? irr_class : isr_class;

	return (l->tpr & 0xf0) >= top ? l->tpr & 0xff : top;
}

int vlapic_pending_vector(const struct vlapic *l)
{
	int v = vec_highest(l->irr);

	if (v < 0 || !vlapic_hw_enabled(l))
		return -1;
	return ((uint32_t)v & 0xf0) > (vlapic_ppr(l) & 0xf0) ? v : -1;
}

void vlapic_ack(struct vlapic *l, uint8_t vector)
{
	vec_clear(l->irr, vector);
	vec_set(l->isr, vector);
	l->timer_changed = true; /* the timer's vector may be deliverable again */
}

static void do_eoi(struct vlapic *l)
{
	int v = vec_highest(l->isr);
	struct vm *vm = l->vcpu->vm;

	if (v < 0)
		return;
	vec_clear(l->isr, (unsigned)v);
	l->timer_changed = true;
	if (vec_test(l->tmr, (unsigned)v) && vm->ioapic)
		vioapic_eoi(vm->ioapic, (uint8_t)v);
}

bool vlapic_has_nmi(const struct vlapic *l) { return l->nmi_pending; }
bool vlapic_has_request(const struct vlapic *l) { return l->nmi_pending || vec_highest(l->irr) >= 0; }

bool vlapic_take_nmi(struct vlapic *l)
{
	bool p = l->nmi_pending;

	l->nmi_pending = false;
	return p;
}

bool vlapic_accepts_extint(const struct vlapic *l)
{
	uint32_t lint0 = l->lvt[LVT_LINT0];

	if (!vlapic_hw_enabled(l))
		return true;
	return vlapic_sw_enabled(l) && !(lint0 & LVT_MASKED) && LVT_DM(lint0) == APIC_DM_EXTINT;
}

bool vlapic_timer_changed(struct vlapic *l)
{
	bool c = l->timer_changed;

	l->timer_changed = false;
	return c;
}

/* A fixed interrupt arrives: IRR, with TMR saying whether its EOI goes back to the IOAPIC. */
static bool accept_fixed(struct vlapic *l, uint8_t vector, bool level)
{
	if (!vlapic_sw_enabled(l))
		return false;
	if (vector < 16) {
		vlapic_error(l, ESR_RECV_ILLEGAL_VECTOR);
		return false;
	}
	vec_set(l->irr, vector);
	if (level)
		vec_set(l->tmr, vector);
	else
		vec_clear(l->tmr, vector);
	l->timer_changed = true;
	vcpu_kick(l->vcpu); /* a halted target wakes now, one in a turn elsewhere exits to take it */
	return true;
}

void vlapic_error(struct vlapic *l, uint32_t esr_bit)
{
	uint32_t lvt = l->lvt[LVT_ERROR];

	l->esr_pending |= esr_bit;
	if (!(lvt & LVT_MASKED))
		accept_fixed(l, (uint8_t)lvt, false);
}

void vlapic_raise_lvt(struct vlapic *l, enum vlapic_lvt which)
{
	uint32_t lvt = l->lvt[which];

	if ((lvt & LVT_MASKED) || !vlapic_hw_enabled(l))
		return;
	switch (which == LVT_TIMER || which == LVT_ERROR ? APIC_DM_FIXED : LVT_DM(lvt)) {
	case APIC_DM_FIXED:
		accept_fixed(l, (uint8_t)lvt, which >= LVT_LINT0 && which <= LVT_LINT1 && (lvt & LVT_LEVEL));
		break;
	case APIC_DM_NMI:
		l->nmi_pending = true;
		vcpu_kick(l->vcpu);
		break;
	default: /* ExtINT is answered by virq.c from the PIC; SMI and INIT from LVTs are not modelled */
		break;
	}
}

/* INIT resets the APIC as at power-up except its ID and IA32_APIC_BASE (x2APIC mode survives, SDM
 * 10.12.5.1) and puts the CPU in wait-for-SIPI. */
static void init_reset(struct vlapic *l)
{
	reset_registers(l);
	if (vlapic_is_x2apic(l))
		x2apic_derive_ids(l);
	l->cpu_state = VLAPIC_CPU_WAIT_SIPI;
}

/* INIT and SIPI change the start-up state here; the vCPU acts on it itself before its next entry
 * (kernel/vcpu_start.c), told by startup_pending and a kick. */
static bool accept_startup(struct vlapic *l, const struct apic_msg *m)
{
	struct vcpu *v = l->vcpu;

	if (m->delivery == APIC_DM_INIT) {
		if (!m->assert) /* INIT level de-assert: only the 82489DX's arbitration IDs cared */
			return true;
		l->init_count++;
		if (l->apic_base & APIC_BASE_BSP) {
			/* The BSP leaves INIT at the reset vector (firmware), not in wait-for-SIPI; this
			 * VM has no firmware: INIT of the BSP is a reset of the machine. */
			vm_reset_requested(v->vm, "INIT to the boot vCPU");
			return true;
		}
		init_reset(l);
	} else {
		if (l->cpu_state != VLAPIC_CPU_WAIT_SIPI) /* a SIPI outside wait-for-SIPI is ignored */
			return false;
		l->sipi_vector = m->vector;
		l->sipi_count++;
		l->cpu_state = VLAPIC_CPU_SIPI_RECEIVED;
	}
	v->startup_pending = true;
	vcpu_kick(v);
	return true;
}

bool vlapic_accept(struct vlapic *l, const struct apic_msg *m)
{
	if (!vlapic_hw_enabled(l))
		return false;
	/* A CPU waiting for INIT or SIPI responds to nothing else. */
	if (l->cpu_state != VLAPIC_CPU_RUNNING && m->delivery != APIC_DM_INIT && m->delivery != APIC_DM_SIPI)
		return false;
	switch (m->delivery) {
	case APIC_DM_FIXED:
	case APIC_DM_LOWEST:
		return accept_fixed(l, m->vector, m->level_triggered);
	case APIC_DM_NMI:
		l->nmi_pending = true;
		vcpu_kick(l->vcpu);
		return true;
	case APIC_DM_INIT:
	case APIC_DM_SIPI:
		return accept_startup(l, m);
	default: /* SMI (no SMM) and ExtINT messages go nowhere */
		return false;
	}
}

/* ---- destinations (SDM 10.6.2) ---- */
static bool match_logical_xapic(const struct vlapic *l, uint32_t dest)
{
	uint32_t ldr = l->ldr >> 24;

	if (dest == 0xff)
		return true;
	if ((l->dfr >> 28) == 0xf) /* flat: a bit mask of up to 8 APICs */
		return (ldr & dest) != 0;
	/* cluster: high nibble selects the cluster, low nibble the members */
	return (ldr >> 4) == (dest >> 4) && (ldr & dest & 0xf) != 0;
}

bool vlapic_match_dest(const struct vlapic *l, bool logical, uint32_t dest)
{
	if (vlapic_is_x2apic(l)) {
		if (dest == 0xffffffffu)
			return true;
		if (!logical)
			return dest == l->id;
		return (dest >> 16) == (l->ldr >> 16) && (dest & l->ldr & 0xffff) != 0;
	}
	dest &= 0xff;
	if (!logical)
		return dest == 0xff || dest == l->xapic_id >> 24;
	return match_logical_xapic(l, dest);
}

/* ---- IPIs ---- */
static void send_ipi(struct vlapic *l, uint32_t lo, uint32_t dest)
{
	struct apic_msg m = {
		.vector = (uint8_t)lo, .delivery = (uint8_t)LVT_DM(lo), .shorthand = (uint8_t)((lo >> 18) & 3),
		.logical = (lo & ICR_DEST_LOGICAL) != 0, .level_triggered = (lo & ICR_TRIGGER_LEVEL) != 0,
		.assert = (lo & ICR_LEVEL_ASSERT) != 0 || !(lo & ICR_TRIGGER_LEVEL), .dest = dest,
	};

	/* Fixed and lowest-priority IPIs need a vector of 16 or more (SDM 10.5.3). */
	if ((m.delivery == APIC_DM_FIXED || m.delivery == APIC_DM_LOWEST) && m.vector < 16) {
		vlapic_error(l, ESR_SEND_ILLEGAL_VECTOR);
		return;
	}
	/* Only INIT de-assert is sent as a level message; the other modes are edge on the bus. */
	if (m.delivery != APIC_DM_INIT)
		m.level_triggered = false;
	apic_bus_deliver(l->vcpu->vm, l->vcpu, &m);
}

/* ---- register file ---- */
static uint32_t lvt_index(unsigned reg)
{
	return reg == APIC_REG_LVT_CMCI ? LVT_CMCI : reg - APIC_REG_LVT_TIMER;
}

static bool is_lvt(unsigned reg)
{
	return reg == APIC_REG_LVT_CMCI || (reg >= APIC_REG_LVT_TIMER && reg <= APIC_REG_LVT_ERROR);
}

/* Reads register reg; -1 when it does not exist in the current mode. */
static int reg_read(struct vlapic *l, unsigned reg, uint64_t *v, uint64_t now)
{
	bool x2 = vlapic_is_x2apic(l);

	if (reg >= APIC_REG_ISR0 && reg < APIC_REG_ISR0 + 8) { *v = l->isr[reg - APIC_REG_ISR0]; return 0; }
	if (reg >= APIC_REG_TMR0 && reg < APIC_REG_TMR0 + 8) { *v = l->tmr[reg - APIC_REG_TMR0]; return 0; }
	if (reg >= APIC_REG_IRR0 && reg < APIC_REG_IRR0 + 8) { *v = l->irr[reg - APIC_REG_IRR0]; return 0; }
	if (is_lvt(reg)) { *v = l->lvt[lvt_index(reg)]; return 0; }
	switch (reg) {
	case APIC_REG_ID: *v = x2 ? l->id : l->xapic_id; return 0;
	case APIC_REG_VERSION: *v = APIC_VERSION | (APIC_MAX_LVT << 16); return 0;
	case APIC_REG_TPR: *v = l->tpr; return 0;
	case APIC_REG_APR: *v = vlapic_apr(l); return x2 ? -1 : 0;
	case APIC_REG_PPR: *v = vlapic_ppr(l); return 0;
	case APIC_REG_RRD: *v = 0; return x2 ? -1 : 0;
	case APIC_REG_LDR: *v = l->ldr; return 0;
	case APIC_REG_DFR: *v = l->dfr; return x2 ? -1 : 0;
	case APIC_REG_SVR: *v = l->svr; return 0;
	case APIC_REG_ESR: *v = l->esr; return 0;
	case APIC_REG_ICR_LO: *v = x2 ? ((uint64_t)l->icr_hi << 32) | l->icr_lo : l->icr_lo; return 0;
	case APIC_REG_ICR_HI: *v = l->icr_hi; return x2 ? -1 : 0;
	case APIC_REG_TIMER_ICR: *v = l->timer_icr; return 0;
	case APIC_REG_TIMER_CCR: *v = vlapic_timer_read_ccr(l, now); return 0;
	case APIC_REG_TIMER_DCR: *v = l->timer_dcr; return 0;
	case APIC_REG_EOI: *v = 0; return x2 ? -1 : 0; /* write-only: the xAPIC page reads 0 there */
	default: *v = 0; return -1; /* reserved, and SELF_IPI (write-only) */
	}
}

static void write_svr(struct vlapic *l, uint32_t v)
{
	l->svr = v & SVR_WRITABLE;
	if (!(l->svr & SVR_ENABLE)) { /* software disable masks every LVT (SDM 10.4.7.2) */
		for (unsigned i = 0; i < LVT_COUNT; i++)
			l->lvt[i] |= LVT_MASKED;
		l->timer_changed = true;
	}
}

static void write_lvt(struct vlapic *l, unsigned reg, uint32_t v, uint64_t now)
{
	unsigned i = lvt_index(reg);
	uint32_t old = l->lvt[i];

	if (i == LVT_TIMER)
		vlapic_timer_poll(l, now); /* an expiry before this write sees the old mask and mode */
	v &= lvt_writable[i];
	if (i == LVT_TIMER && LVT_TIMER_MODE(v) == 3)
		v &= ~(3u << 17); /* the reserved mode: treated as one-shot */
	if (!vlapic_sw_enabled(l))
		v |= LVT_MASKED;
	l->lvt[i] = v;
	if (i == LVT_TIMER)
		vlapic_timer_write_lvt(l, old, now);
}

static void write_icr(struct vlapic *l, uint64_t v, bool x2)
{
	l->icr_lo = (uint32_t)v & ICR_LO_WRITABLE;
	if (x2)
		l->icr_hi = (uint32_t)(v >> 32);
	send_ipi(l, l->icr_lo, x2 ? l->icr_hi : l->icr_hi >> 24);
}

/* Writes that exist in both modes; -1 for a register that is read-only or absent in this mode. */
static int reg_write(struct vlapic *l, unsigned reg, uint64_t v, uint64_t now)
{
	bool x2 = vlapic_is_x2apic(l);

	if (is_lvt(reg)) {
		write_lvt(l, reg, (uint32_t)v, now);
		return 0;
	}
	switch (reg) {
	case APIC_REG_ID: if (x2) return -1; l->xapic_id = (uint32_t)v & 0xff000000u; return 0;
	case APIC_REG_TPR: l->tpr = (uint32_t)v & 0xff; l->timer_changed = true; return 0;
	case APIC_REG_EOI: do_eoi(l); return 0;
	case APIC_REG_LDR: if (x2) return -1; l->ldr = (uint32_t)v & 0xff000000u; return 0;
	case APIC_REG_DFR: if (x2) return -1; l->dfr = (uint32_t)v | 0x0fffffffu; return 0;
	case APIC_REG_SVR: write_svr(l, (uint32_t)v); return 0;
	case APIC_REG_ESR:
		if (x2 && v)
			return -1;
		l->esr = l->esr_pending;
		l->esr_pending = 0;
		return 0;
	case APIC_REG_ICR_LO: write_icr(l, v, x2); return 0;
	case APIC_REG_ICR_HI: if (x2) return -1; l->icr_hi = (uint32_t)v & 0xff000000u; return 0;
	case APIC_REG_TIMER_ICR: vlapic_timer_write_icr(l, (uint32_t)v, now); return 0;
	case APIC_REG_TIMER_DCR: vlapic_timer_write_dcr(l, (uint32_t)v & 0xb, now); return 0;
	case APIC_REG_SELF_IPI:
		if (!x2)
			return -1;
		send_ipi(l, (uint32_t)(v & 0xff) | (APIC_DEST_SELF << 18), 0);
		return 0;
	default: return -1;
	}
}

/* ---- xAPIC page ---- */
/* Each register is the low dword of a 16-byte slot. Reads of any width inside that dword see its
 * bytes, the other 12 bytes read 0; only aligned 32-bit writes take effect (others are dropped, as
 * hardware leaves them undefined). Reserved offsets read 0 and set ESR "illegal register address". */
int vlapic_mmio(struct vcpu *vcpu, void *dev, uint64_t gpa, unsigned size, bool write, uint64_t *value)
{
	struct vlapic *l = vcpu->lapic;
	uint64_t off = gpa & 0xfff, now = clock_ns(), v = 0;
	unsigned reg = (unsigned)(off >> 4), in_slot = (unsigned)(off & 0xf);

	(void)dev;
	if (!l || !vlapic_hw_enabled(l) || vlapic_is_x2apic(l) || (gpa & ~0xfffull) != (l->apic_base & ~0xfffull))
		return -1;
	if (write) {
		if (size != 4 || in_slot != 0)
			return 0;
		if (reg_write(l, reg, (uint32_t)*value, now) < 0 && reg != APIC_REG_VERSION && reg_read(l, reg, &v, now) < 0)
			vlapic_error(l, ESR_ILLEGAL_REGISTER);
		return 0;
	}
	if (in_slot >= 4) {
		*value = 0;
		return 0;
	}
	if (reg_read(l, reg, &v, now) < 0)
		vlapic_error(l, ESR_ILLEGAL_REGISTER);
	*value = (v & 0xffffffffu) >> (8 * in_slot);
	return 0;
}

int vlapic_attach(struct vm *vm)
{
	return vm_register_mmio(vm, PC_LAPIC_BASE, 0x1000, vlapic_mmio, NULL);
}

/* ---- MSRs ---- */
bool vlapic_is_msr(uint32_t msr)
{
	return msr == MSR_IA32_APIC_BASE || msr == MSR_IA32_TSC_DEADLINE ||
	       (msr >= MSR_X2APIC_FIRST && msr <= MSR_X2APIC_LAST);
}

/* IA32_APIC_BASE transitions (SDM 10.12.5.1): disabled <-> xAPIC -> x2APIC -> disabled; x2APIC ->
 * xAPIC and disabled -> x2APIC are #GP, as are EXTD without EN and reserved bits. */
static int write_apic_base(struct vlapic *l, uint64_t v)
{
	uint8_t maxphy = vmm_features.guest_maxphyaddr ? vmm_features.guest_maxphyaddr : 36;
	uint64_t reserved = 0xffull | (1ull << 9) | ~((1ull << maxphy) - 1);
	bool was_x2 = vlapic_is_x2apic(l), was_en = vlapic_hw_enabled(l);
	bool x2 = v & APIC_BASE_EXTD, en = v & APIC_BASE_EN;

	if ((v & reserved & ~APIC_BASE_BSP) || (x2 && !en) || (was_x2 && en && !x2) || (!was_en && x2))
		return -1;
	l->apic_base = (v & ~APIC_BASE_BSP) | (l->apic_base & APIC_BASE_BSP);
	if (!en) {
		reset_registers(l);
	} else if (x2 && !was_x2) {
		x2apic_derive_ids(l);
	}
	l->timer_changed = true;
	return 0;
}

int vlapic_msr_read(struct vlapic *l, uint32_t msr, uint64_t *value, uint64_t now_ns)
{
	if (msr == MSR_IA32_APIC_BASE) {
		*value = l->apic_base;
		return 0;
	}
	if (msr == MSR_IA32_TSC_DEADLINE) {
		*value = vlapic_tsc_deadline_read(l);
		return 0;
	}
	if (!vlapic_is_x2apic(l) || msr == MSR_X2APIC_FIRST + APIC_REG_EOI)
		return -1;
	return reg_read(l, msr - MSR_X2APIC_FIRST, value, now_ns);
}

int vlapic_msr_write(struct vlapic *l, uint32_t msr, uint64_t value, uint64_t now_ns)
{
	unsigned reg = msr - MSR_X2APIC_FIRST;

	if (msr == MSR_IA32_APIC_BASE)
		return write_apic_base(l, value);
	if (msr == MSR_IA32_TSC_DEADLINE) {
		vlapic_tsc_deadline_write(l, value, now_ns);
		return 0;
	}
	if (!vlapic_is_x2apic(l))
		return -1;
	/* Only the ICR is 64 bits wide; EOI takes 0 and SELF_IPI a vector, the rest 32 bits. */
	if (reg == APIC_REG_ICR_LO ? (value & X2APIC_ICR_RESERVED) != 0 : (value >> 32) != 0)
		return -1;
	if ((reg == APIC_REG_EOI && value) || (reg == APIC_REG_SELF_IPI && (value & ~0xffull)) ||
	    (reg == APIC_REG_TPR && (value & ~0xffull)))
		return -1;
	return reg_write(l, reg, value, now_ns);
}

uint64_t vlapic_get_cr8(const struct vlapic *l)
{
	return (l->tpr >> 4) & 0xf;
}

void vlapic_set_cr8(struct vlapic *l, uint64_t cr8)
{
	l->tpr = (uint32_t)(cr8 & 0xf) << 4;
	l->timer_changed = true;
}
