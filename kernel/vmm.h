/* SPDX-License-Identifier: MIT */
/* struct vmm_ops: the only door from the core to AMD-V or VT-x. */
#ifndef BASALT_VMM_H
#define BASALT_VMM_H

#include <stdbool.h>
#include <stdint.h>

#include "kernel/vm_exit.h"

struct vm;
struct vcpu;

enum vm_reg {
	VM_REG_RIP,
	VM_REG_RSP,
	VM_REG_RFLAGS,
	VM_REG_CR0,
	VM_REG_CR2,
	VM_REG_CR3,
	VM_REG_CR4,
	VM_REG_EFER, /* as the guest sees it: the backend hides its own bits */
	VM_REG_PAT,
	VM_REG_DR7,
	/* MSR-backed state that hardware switches (or the backend switches) with the guest */
	VM_REG_FS_BASE,
	VM_REG_GS_BASE,
	VM_REG_KERNEL_GS_BASE,
	VM_REG_STAR,
	VM_REG_LSTAR,
	VM_REG_CSTAR,
	VM_REG_SFMASK,
	VM_REG_SYSENTER_CS,
	VM_REG_SYSENTER_ESP,
	VM_REG_SYSENTER_EIP,
	VM_REG_TSC_OFFSET, /* added to the host TSC for everything the guest reads */
	VM_REG_CPL,        /* current privilege level 0-3; read-only */
	VM_REG_CR8,        /* task priority as the guest sees it (never the host's) */
	VM_REG_DR6,        /* the guest's DR6 (DR0-DR3 are the core's: struct vcpu dr[]) */
	VM_REG_COUNT
};

enum vm_seg { VM_SEG_ES, VM_SEG_CS, VM_SEG_SS, VM_SEG_DS, VM_SEG_FS, VM_SEG_GS,
	      VM_SEG_LDTR, VM_SEG_TR, VM_SEG_GDTR, VM_SEG_IDTR, VM_SEG_COUNT };

/* Segment access bits, neutral: descriptor bits 40-47 in 0-7, bits 52-55 (AVL, L, D/B, G) in 8-11. */
#define SEG_TYPE(t) ((t) & 0xfu)
#define SEG_S (1u << 4)
#define SEG_DPL(d) (((d) & 3u) << 5)
#define SEG_P (1u << 7)
#define SEG_L (1u << 9)
#define SEG_DB (1u << 10)
#define SEG_G (1u << 11)

/* access == 0 means an unusable (null) segment. */
struct vm_segment {
	uint16_t selector;
	uint16_t access; /* SEG_* bits; 0 for GDTR/IDTR */
	uint32_t limit;  /* byte-granular limit */
	uint64_t base;
};

enum vm_event_kind { VM_EVENT_EXCEPTION, VM_EVENT_INTERRUPT, VM_EVENT_NMI };

struct vm_event {
	enum vm_event_kind kind;
	uint8_t vector;
	bool has_error;
	uint32_t error_code;
};

struct vmm_features {
	bool nested_paging;
	bool next_rip;      /* the CPU reports the next RIP on exits (NRIPS) */
	bool decode_assist; /* the CPU reports instruction bytes on nested faults */
	bool huge_pages;    /* 1 GiB nested pages */
	uint32_t asids;     /* address-space ids (ASID / VPID), 0 if none */
	bool paging_off;    /* guests may run with CR0.PG = 0 (multiboot's 32-bit entry); VT-x needs
	                     * unrestricted guest for it */
	/* Set by the core from its CPUID policy before any vCPU exists: the CR4 and EFER bits guests
	 * may set. A backend that lets the guest write CR4 directly must intercept every other bit. */
	uint64_t guest_cr4_allowed;
	uint64_t guest_efer_allowed;
	uint8_t guest_maxphyaddr; /* physical-address width the guest's CPUID shows */
};

struct vmm_ops {
	const char *name;
	/* Checks the CPU can run guests; prints why not. 0 or -ENODEV. */
	int (*probe)(struct vmm_features *features);
	/* Enters host mode (EFER.SVME / VMXON) on the calling CPU. */
	int (*init_cpu)(unsigned cpu);
	int (*vm_create)(struct vm *vm);   /* nested page tables, per-VM bitmaps */
	void (*vm_destroy)(struct vm *vm);
	int (*map)(struct vm *vm, uint64_t gpa, uint64_t hpa, uint64_t size, unsigned perms);
	/* Edits the nested tables only: other CPUs may still hold the old translations, so callers go
	 * through vm_unmap_guest (kernel/vm_reap.c), which flushes every vCPU wherever it runs. */
	int (*unmap)(struct vm *vm, uint64_t gpa, uint64_t size);
	int (*vcpu_create)(struct vcpu *vcpu);
	void (*vcpu_destroy)(struct vcpu *vcpu);
	/* Runs the guest until its next exit and translates it. Saves/restores guest GPRs in vcpu->gprs. */
	void (*run)(struct vcpu *vcpu, struct vm_exit *exit);
	uint64_t (*get_reg)(struct vcpu *vcpu, enum vm_reg reg);
	void (*set_reg)(struct vcpu *vcpu, enum vm_reg reg, uint64_t value);
	void (*get_seg)(struct vcpu *vcpu, enum vm_seg seg, struct vm_segment *out);
	void (*set_seg)(struct vcpu *vcpu, enum vm_seg seg, const struct vm_segment *in);
	/* Queues an event for delivery at the next entry. 0, or -EBUSY when one is pending. */
	int (*inject_event)(struct vcpu *vcpu, const struct vm_event *event);
	/* True when the guest can take an external interrupt now: IF set, no STI/MOV SS shadow,
	 * nothing else queued for injection. */
	bool (*interrupt_ready)(struct vcpu *vcpu);
	/* Asks for VM_EXIT_IRQ_WINDOW as soon as the guest can take an interrupt (on), or stops asking. */
	void (*request_irq_window)(struct vcpu *vcpu, bool on);
	/* INIT: drops every event queued for injection (and any window request). */
	void (*cancel_events)(struct vcpu *vcpu);
	/* Moves RIP past the instruction that exited (exit->insn_len, or what the CPU reported).
	 * Returns RFLAGS.TF: the single-step trap the CPU never raised is then the core's to raise. */
	bool (*skip_instruction)(struct vcpu *vcpu, const struct vm_exit *exit);
	/* Flushes the guest's TLB entries (after nested page-table changes). */
	void (*flush_guest_tlb)(struct vcpu *vcpu);
	/* Called before the first entry of a turn on this CPU and after its last exit: state the
	 * backend switches per turn rather than per entry (VMX: DR6). May be NULL. */
	void (*vcpu_load)(struct vcpu *vcpu);
	void (*vcpu_put)(struct vcpu *vcpu);
	/* Optional: the calling CPU set the vCPU up outside a turn (creation, loading the guest) and
	 * lets go of it, so any CPU may run it next (VT-x: VMCLEAR). */
	void (*vcpu_release)(struct vcpu *vcpu);
	/* Vendor name of a raw exit number, for messages only. */
	const char *(*raw_exit_name)(uint32_t raw_reason);
	/* Optional: prints what the backend kept of the vCPU's last exits (a build with EXIT_TRACE=1)
	 * after its VM crashed. */
	void (*dump_trace)(struct vcpu *vcpu);
	/* Which hypercall instruction guests use: BASALT_HCALL_VMMCALL or _VMCALL. */
	uint32_t hypercall_kind;
};

/* The backend chosen at boot (arch/x86/vmm_select.c). */
extern const struct vmm_ops *vmm;
extern struct vmm_features vmm_features;

static inline void vmm_run(struct vcpu *v, struct vm_exit *e) { vmm->run(v, e); }
static inline uint64_t vmm_get_reg(struct vcpu *v, enum vm_reg r) { return vmm->get_reg(v, r); }
static inline void vmm_set_reg(struct vcpu *v, enum vm_reg r, uint64_t x) { vmm->set_reg(v, r, x); }
static inline void vmm_get_seg(struct vcpu *v, enum vm_seg s, struct vm_segment *o) { vmm->get_seg(v, s, o); }
static inline void vmm_set_seg(struct vcpu *v, enum vm_seg s, const struct vm_segment *i) { vmm->set_seg(v, s, i); }
static inline int vmm_inject(struct vcpu *v, const struct vm_event *e) { return vmm->inject_event(v, e); }
static inline bool vmm_skip(struct vcpu *v, const struct vm_exit *e) { return vmm->skip_instruction(v, e); }

/* Selects the backend for this CPU's vendor; prints and returns -ENODEV when none fits. */
int vmm_select(void);

#endif
