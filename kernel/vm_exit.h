/* SPDX-License-Identifier: MIT */
/* Vendor-neutral VM exits: backends translate VMCB exit codes / VMX exit reasons into these. */
#ifndef BASALT_VM_EXIT_H
#define BASALT_VM_EXIT_H

#include <stdbool.h>
#include <stdint.h>

enum vm_exit_code {
	VM_EXIT_NONE = 0,      /* nothing to do (e.g. spurious) */
	VM_EXIT_INTR,          /* a host interrupt arrived while the guest ran */
	VM_EXIT_NMI,
	VM_EXIT_CPUID,
	VM_EXIT_HLT,
	VM_EXIT_IO,
	VM_EXIT_MSR,
	VM_EXIT_NPF,           /* nested page fault / EPT violation */
	VM_EXIT_HYPERCALL,     /* VMMCALL / VMCALL */
	VM_EXIT_VIRT_INSN,     /* a virtualisation instruction the guest may not use */
	VM_EXIT_SHUTDOWN,      /* triple fault */
	VM_EXIT_INVD,          /* INVD / WBINVD: skipped, caches stay coherent */
	VM_EXIT_EXCEPTION,
	VM_EXIT_INVALID_STATE, /* hardware refused to enter the guest */
	VM_EXIT_IRQ_WINDOW,    /* the guest can take an interrupt now (asked for with request_irq_window) */
	VM_EXIT_CR_ACCESS,     /* MOV to/from a control register the backend intercepts, CLTS, LMSW */
	VM_EXIT_DR_ACCESS,     /* MOV to/from a debug register */
	VM_EXIT_UNKNOWN,
	VM_EXIT_COUNT
};

struct vm_exit_io {
	uint16_t port;
	uint8_t size; /* 1, 2 or 4 */
	bool in;
	bool string;
	bool rep;
};

struct vm_exit_msr {
	uint32_t index;
	bool write;
};

struct vm_exit_npf {
	uint64_t gpa;
	bool read;
	bool write;
	bool exec;
	bool present; /* a translation existed: a permission fault */
	/* The bytes at CS:RIP when the CPU fetched them for us (AMD decode assists), else 0. */
	uint8_t insn_bytes_len;
	uint8_t insn_bytes[15];
};

enum vm_cr_op { VM_CR_MOV_TO, VM_CR_MOV_FROM, VM_CR_CLTS, VM_CR_LMSW };

/* gpr is the register operand (enum gpr order), or -1 when the CPU did not say: the core then
 * decodes the instruction itself. */
struct vm_exit_cr {
	uint8_t cr;
	int8_t gpr;
	uint8_t op;        /* enum vm_cr_op */
	uint16_t lmsw_src; /* LMSW's operand, when the CPU reported it */
};

struct vm_exit_dr {
	uint8_t dr;
	int8_t gpr;
	bool write;
};

struct vm_exit_exception {
	uint8_t vector;
	bool has_error;
	uint32_t error_code;
};

struct vm_exit {
	enum vm_exit_code code;
	uint8_t insn_len;    /* length of the exiting instruction, 0 when unknown */
	bool decode;         /* the CPU gave no length (no NRIPS): the core decodes the instruction */
	uint32_t raw_reason; /* vendor number, only for messages */
	union {
		struct vm_exit_io io;
		struct vm_exit_msr msr;
		struct vm_exit_npf npf;
		struct vm_exit_exception exception;
		struct vm_exit_cr cr;
		struct vm_exit_dr dr;
	} u;
};

/* Short name of a neutral exit code, for statistics and messages. */
const char *vm_exit_name(enum vm_exit_code code);

#endif
