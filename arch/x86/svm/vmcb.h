/* SPDX-License-Identifier: MIT */
/* The AMD VMCB layout (APM vol. 2, appendix B), exit codes, and clean-bit-aware accessors. */
#ifndef BASALT_SVM_VMCB_H
#define BASALT_SVM_VMCB_H

#include <stddef.h>
#include <stdint.h>

struct vmcb_seg {
	uint16_t selector;
	uint16_t attrib; /* descriptor bits 40-47 in 0-7, 52-55 in 8-11: the neutral SEG_* layout */
	uint32_t limit;
	uint64_t base;
};
_Static_assert(sizeof(struct vmcb_seg) == 16, "VMCB segment is 16 bytes");

struct vmcb_control {
	uint32_t intercept_cr;         /* 0x000: reads 0-15, writes 16-31 */
	uint32_t intercept_dr;         /* 0x004 */
	uint32_t intercept_exceptions; /* 0x008 */
	uint32_t intercept_misc1;      /* 0x00c */
	uint32_t intercept_misc2;      /* 0x010 */
	uint32_t intercept_misc3;      /* 0x014 */
	uint8_t reserved_018[0x3c - 0x18];
	uint16_t pause_filter_threshold; /* 0x03c */
	uint16_t pause_filter_count;     /* 0x03e */
	uint64_t iopm_base_pa;         /* 0x040 */
	uint64_t msrpm_base_pa;        /* 0x048 */
	uint64_t tsc_offset;           /* 0x050 */
	uint32_t guest_asid;           /* 0x058 */
	uint8_t tlb_control;           /* 0x05c */
	uint8_t reserved_05d[3];
	uint64_t vintr;                /* 0x060 */
	uint64_t interrupt_shadow;     /* 0x068 */
	uint64_t exit_code;            /* 0x070 */
	uint64_t exit_info_1;          /* 0x078 */
	uint64_t exit_info_2;          /* 0x080 */
	uint64_t exit_int_info;        /* 0x088 */
	uint64_t np_control;           /* 0x090 */
	uint64_t avic_apic_bar;        /* 0x098 */
	uint64_t ghcb_pa;              /* 0x0a0 */
	uint64_t event_inj;            /* 0x0a8 */
	uint64_t n_cr3;                /* 0x0b0 */
	uint64_t virt_ext;             /* 0x0b8 */
	uint32_t clean;                /* 0x0c0 */
	uint32_t reserved_0c4;
	uint64_t next_rip;             /* 0x0c8 */
	uint8_t insn_len;              /* 0x0d0 */
	uint8_t insn_bytes[15];        /* 0x0d1 */
	uint8_t reserved_0e0[0x400 - 0xe0];
};

struct vmcb_save {
	struct vmcb_seg es, cs, ss, ds, fs, gs; /* 0x400 - 0x45f */
	struct vmcb_seg gdtr, ldtr, idtr, tr;   /* 0x460 - 0x49f */
	uint8_t reserved_4a0[0x4cb - 0x4a0];
	uint8_t cpl;                   /* 0x4cb */
	uint32_t reserved_4cc;
	uint64_t efer;                 /* 0x4d0 */
	uint8_t reserved_4d8[0x548 - 0x4d8];
	uint64_t cr4;                  /* 0x548 */
	uint64_t cr3;                  /* 0x550 */
	uint64_t cr0;                  /* 0x558 */
	uint64_t dr7;                  /* 0x560 */
	uint64_t dr6;                  /* 0x568 */
	uint64_t rflags;               /* 0x570 */
	uint64_t rip;                  /* 0x578 */
	uint8_t reserved_580[0x5d8 - 0x580];
	uint64_t rsp;                  /* 0x5d8 */
	uint64_t s_cet, ssp, isst_addr; /* 0x5e0 - 0x5f7 */
	uint64_t rax;                  /* 0x5f8 */
	uint64_t star, lstar, cstar, sfmask, kernel_gs_base; /* 0x600 - 0x627 */
	uint64_t sysenter_cs, sysenter_esp, sysenter_eip;  /* 0x628 - 0x63f */
	uint64_t cr2;                  /* 0x640 */
	uint8_t reserved_648[0x668 - 0x648];
	uint64_t g_pat;                /* 0x668 */
	uint64_t dbgctl;               /* 0x670 */
	uint8_t reserved_678[0x1000 - 0x678 - 0x400];
};

struct vmcb {
	struct vmcb_control control;
	struct vmcb_save save;
} __attribute__((aligned(4096)));

_Static_assert(sizeof(struct vmcb) == 4096, "VMCB is one page");
_Static_assert(offsetof(struct vmcb, control.iopm_base_pa) == 0x040, "iopm");
_Static_assert(offsetof(struct vmcb, control.guest_asid) == 0x058, "asid");
_Static_assert(offsetof(struct vmcb, control.vintr) == 0x060, "V_TPR, V_IRQ, V_INTR_VECTOR");
_Static_assert(offsetof(struct vmcb, control.exit_code) == 0x070, "exit code");
_Static_assert(offsetof(struct vmcb, control.np_control) == 0x090, "np control");
_Static_assert(offsetof(struct vmcb, control.event_inj) == 0x0a8, "event injection");
_Static_assert(offsetof(struct vmcb, control.clean) == 0x0c0, "clean bits");
_Static_assert(offsetof(struct vmcb, control.next_rip) == 0x0c8, "next rip");
_Static_assert(offsetof(struct vmcb, save) == 0x400, "save area");
_Static_assert(offsetof(struct vmcb, save.tr) == 0x490, "tr");
_Static_assert(offsetof(struct vmcb, save.cpl) == 0x4cb, "cpl");
_Static_assert(offsetof(struct vmcb, save.efer) == 0x4d0, "efer");
_Static_assert(offsetof(struct vmcb, save.cr4) == 0x548, "cr4");
_Static_assert(offsetof(struct vmcb, save.rip) == 0x578, "rip");
_Static_assert(offsetof(struct vmcb, save.rsp) == 0x5d8, "rsp");
_Static_assert(offsetof(struct vmcb, save.rax) == 0x5f8, "rax");
_Static_assert(offsetof(struct vmcb, save.star) == 0x600, "star");
_Static_assert(offsetof(struct vmcb, save.cr2) == 0x640, "cr2");
_Static_assert(offsetof(struct vmcb, save.g_pat) == 0x668, "g_pat");

/* intercept_misc1 */
#define SVM_INTERCEPT_INTR (1u << 0)
#define SVM_INTERCEPT_NMI (1u << 1)
#define SVM_INTERCEPT_SMI (1u << 2)
#define SVM_INTERCEPT_INIT (1u << 3)
#define SVM_INTERCEPT_VINTR (1u << 4)
#define SVM_INTERCEPT_CPUID (1u << 18)
#define SVM_INTERCEPT_INVD (1u << 22)
#define SVM_INTERCEPT_HLT (1u << 24)
#define SVM_INTERCEPT_INVLPGA (1u << 26)
#define SVM_INTERCEPT_IOIO (1u << 27)
#define SVM_INTERCEPT_MSR (1u << 28)
#define SVM_INTERCEPT_SHUTDOWN (1u << 31)
/* intercept_misc2 */
#define SVM_INTERCEPT_VMRUN (1u << 0)
#define SVM_INTERCEPT_VMMCALL (1u << 1)
#define SVM_INTERCEPT_VMLOAD (1u << 2)
#define SVM_INTERCEPT_VMSAVE (1u << 3)
#define SVM_INTERCEPT_STGI (1u << 4)
#define SVM_INTERCEPT_CLGI (1u << 5)
#define SVM_INTERCEPT_SKINIT (1u << 6)
#define SVM_INTERCEPT_WBINVD (1u << 9)
#define SVM_INTERCEPT_XSETBV (1u << 13)

/* vintr */
#define SVM_VINTR_V_IRQ (1ull << 8)
#define SVM_VINTR_PRIO_MAX (0xfull << 16)
#define SVM_VINTR_IGN_TPR (1ull << 20)
#define SVM_VINTR_MASKING (1ull << 24)
#define SVM_VINTR_VECTOR_SHIFT 32 /* V_INTR_VECTOR: the vector a V_IRQ delivers */
/* interrupt_shadow */
#define SVM_INTERRUPT_SHADOW (1ull << 0)

/* np_control */
#define SVM_NP_ENABLE (1ull << 0)

/* tlb_control */
#define SVM_TLB_FLUSH_NONE 0
#define SVM_TLB_FLUSH_ALL 1
#define SVM_TLB_FLUSH_ASID 3

/* event_inj */
#define SVM_EVENT_VALID (1ull << 31)
#define SVM_EVENT_ERROR_VALID (1ull << 11)
#define SVM_EVENT_TYPE_INTR (0ull << 8)
#define SVM_EVENT_TYPE_NMI (2ull << 8)
#define SVM_EVENT_TYPE_EXCEPTION (3ull << 8)
#define SVM_EVENT_TYPE_MASK (7ull << 8)

/* Clean bits: a set bit promises the CPU that this group did not change since the last VMRUN here. */
#define VMCB_CLEAN_INTERCEPTS (1u << 0)
#define VMCB_CLEAN_IOPM (1u << 1)
#define VMCB_CLEAN_ASID (1u << 2)
#define VMCB_CLEAN_TPR (1u << 3)
#define VMCB_CLEAN_NP (1u << 4)
#define VMCB_CLEAN_CRX (1u << 5)
#define VMCB_CLEAN_DRX (1u << 6)
#define VMCB_CLEAN_DT (1u << 7)
#define VMCB_CLEAN_SEG (1u << 8)
#define VMCB_CLEAN_CR2 (1u << 9)
#define VMCB_CLEAN_ALL 0x3ffu /* LBR and AVIC left out: never used */

/* IOIO exit_info_1 */
#define SVM_IOIO_IN (1ull << 0)
#define SVM_IOIO_STR (1ull << 2)
#define SVM_IOIO_REP (1ull << 3)
#define SVM_IOIO_SZ_SHIFT 4
#define SVM_IOIO_PORT_SHIFT 16

/* NPF exit_info_1 (a page-fault error code) */
#define SVM_NPF_PRESENT (1ull << 0)
#define SVM_NPF_WRITE (1ull << 1)
#define SVM_NPF_FETCH (1ull << 4)

/* Exit codes */
#define SVM_EXIT_WRITE_CR0 0x010 /* + CR number */
#define SVM_EXIT_WRITE_CR4 0x014
#define SVM_EXIT_WRITE_CR8 0x018
#define SVM_EXIT_WRITE_DR0 0x030 /* + DR number */
#define SVM_EXIT_WRITE_DR3 0x033
#define SVM_EXIT_EXCP_BASE 0x040
#define SVM_EXIT_INTR 0x060
#define SVM_EXIT_NMI 0x061
#define SVM_EXIT_SMI 0x062
#define SVM_EXIT_INIT 0x063
#define SVM_EXIT_VINTR 0x064
#define SVM_EXIT_CPUID 0x072
#define SVM_EXIT_INVD 0x076
#define SVM_EXIT_PAUSE 0x077
#define SVM_EXIT_HLT 0x078
#define SVM_EXIT_INVLPGA 0x07a
#define SVM_EXIT_IOIO 0x07b
#define SVM_EXIT_MSR 0x07c
#define SVM_EXIT_SHUTDOWN 0x07f
#define SVM_EXIT_VMRUN 0x080
#define SVM_EXIT_VMMCALL 0x081
#define SVM_EXIT_VMLOAD 0x082
#define SVM_EXIT_VMSAVE 0x083
#define SVM_EXIT_STGI 0x084
#define SVM_EXIT_CLGI 0x085
#define SVM_EXIT_SKINIT 0x086
#define SVM_EXIT_RDTSCP 0x087
#define SVM_EXIT_WBINVD 0x089
#define SVM_EXIT_XSETBV 0x08d
#define SVM_EXIT_NPF 0x400
#define SVM_EXIT_INVALID 0xffffffffffffffffull
/* QEMU stores VMEXIT_INVALID as a 32-bit -1: both spellings mean "the CPU refused the state". */
#define SVM_EXIT_INVALID32 0xffffffffull
/* With decode assists, EXITINFO1 of a MOV CR/DR intercept names the GPR (APM 15.33.1). */
#define SVM_CRDR_INFO_VALID (1ull << 63)
#define SVM_CRDR_INFO_GPR(i) ((unsigned)(i) & 0xf)
#define SVM_INTERCEPT_CR_WRITE(n) (1u << (16 + (n)))
#define SVM_INTERCEPT_DR_WRITE(n) (1u << (16 + (n)))
#define SVM_VINTR_TPR_MASK 0xfull

/* Marks groups dirty after the hypervisor changed them. */
static inline void vmcb_mark_dirty(struct vmcb *vmcb, uint32_t bits)
{
	vmcb->control.clean &= ~bits;
}

#endif
