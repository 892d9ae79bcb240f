/* SPDX-License-Identifier: MIT */
/* Architectural checks for control-register, EFER and debug-register writes; plain C, unit-tested. */
#include "kernel/cr_rules.h"

#include "arch/x86/cr.h"
#include "kernel/errno.h"

#define CR0_WRITABLE (CR0_PE | CR0_MP | CR0_EM | CR0_TS | CR0_NE | CR0_WP | CR0_AM | CR0_NW | CR0_CD | CR0_PG)
#define HIGH32 0xffffffff00000000ull

/* Bits 28:19, 17 and 15:6 of CR0 are reserved but ignored on a write; bits 63:32 fault. */
int cr_check_cr0(const struct cr_state *s, uint64_t value, uint64_t *out)
{
	uint64_t v = (value & CR0_WRITABLE) | CR0_ET; /* ET is fixed to 1 on every x86-64 CPU */

	if (value & HIGH32)
		return -EINVAL;
	if ((v & CR0_PG) && !(v & CR0_PE))
		return -EINVAL;
	if ((v & CR0_NW) && !(v & CR0_CD))
		return -EINVAL;
	/* Paging can only be switched off outside 64-bit code; on with LME only after PAE. */
	if (s->code64 && !(v & CR0_PG))
		return -EINVAL;
	if ((v & CR0_PG) && !(s->cr0 & CR0_PG) && (s->efer & EFER_LME) && !(s->cr4 & CR4_PAE))
		return -EINVAL;
	*out = v;
	return 0;
}

int cr_check_cr4(const struct cr_state *s, uint64_t value, uint64_t cr4_allowed, uint64_t *out)
{
	if (value & ~cr4_allowed)
		return -EINVAL;
	if ((s->efer & EFER_LMA) && !(value & CR4_PAE))
		return -EINVAL;
	*out = value;
	return 0;
}

int cr_check_cr8(uint64_t value, uint64_t *out)
{
	if (value > 15)
		return -EINVAL;
	*out = value;
	return 0;
}

int cr_check_efer(const struct cr_state *s, uint64_t value, uint64_t efer_allowed, uint64_t *out)
{
	uint64_t v = value & ~EFER_LMA;

	if (v & ~efer_allowed)
		return -EINVAL;
	/* LME may only change while paging is off (the mode switch happens at CR0.PG). */
	if ((s->cr0 & CR0_PG) && ((v ^ s->efer) & EFER_LME))
		return -EINVAL;
	*out = v | (s->efer & EFER_LMA);
	return 0;
}

uint64_t cr_efer_after_cr0(uint64_t efer, uint64_t old_cr0, uint64_t new_cr0)
{
	if (!(old_cr0 & CR0_PG) && (new_cr0 & CR0_PG) && (efer & EFER_LME))
		return efer | EFER_LMA;
	if ((old_cr0 & CR0_PG) && !(new_cr0 & CR0_PG))
		return efer & ~EFER_LMA;
	return efer;
}

#define L1_EDX_VME (1u << 1)
#define L1_EDX_DE (1u << 2)
#define L1_EDX_PSE (1u << 3)
#define L1_EDX_PAE (1u << 6)
#define L1_EDX_MCE (1u << 7)
#define L1_EDX_PGE (1u << 13)
#define L1_EDX_FXSR (1u << 24)
#define L1_EDX_SSE (1u << 25)
#define L1_ECX_VMX (1u << 5)
#define L1_ECX_SMX (1u << 6)
#define L1_ECX_PCID (1u << 17)
#define L1_ECX_XSAVE (1u << 26)
#define L7_EBX_FSGSBASE (1u << 0)
#define L7_EBX_SMEP (1u << 7)
#define L7_EBX_SMAP (1u << 20)
#define L7_ECX_UMIP (1u << 2)
#define L7_ECX_PKU (1u << 3)
#define L7_ECX_LA57 (1u << 16)

struct feature_bit {
	uint8_t word; /* 0 leaf 1 EDX, 1 leaf 1 ECX, 2 leaf 7 EBX, 3 leaf 7 ECX */
	uint32_t mask;
	uint64_t cr4;
};

/* A CR4 bit is reserved (writing it is #GP) on a CPU without the feature that defines it. */
static const struct feature_bit cr4_features[] = {
	{ 0, L1_EDX_VME, CR4_VME | CR4_PVI }, { 0, L1_EDX_DE, CR4_DE }, { 0, L1_EDX_PSE, CR4_PSE },
	{ 0, L1_EDX_PAE, CR4_PAE }, { 0, L1_EDX_MCE, CR4_MCE }, { 0, L1_EDX_PGE, CR4_PGE },
	{ 0, L1_EDX_FXSR, CR4_OSFXSR }, { 0, L1_EDX_SSE, CR4_OSXMMEXCPT }, { 1, L1_ECX_VMX, CR4_VMXE },
	{ 1, L1_ECX_SMX, CR4_SMXE }, { 1, L1_ECX_PCID, CR4_PCIDE }, { 1, L1_ECX_XSAVE, CR4_OSXSAVE },
	{ 2, L7_EBX_FSGSBASE, CR4_FSGSBASE }, { 2, L7_EBX_SMEP, CR4_SMEP }, { 2, L7_EBX_SMAP, CR4_SMAP },
	{ 3, L7_ECX_UMIP, CR4_UMIP }, { 3, L7_ECX_PKU, CR4_PKE }, { 3, L7_ECX_LA57, CR4_LA57 },
};

uint64_t cr_cr4_allowed(uint32_t leaf1_edx, uint32_t leaf1_ecx, uint32_t leaf7_ebx, uint32_t leaf7_ecx)
{
	const uint32_t words[4] = { leaf1_edx, leaf1_ecx, leaf7_ebx, leaf7_ecx };
	uint64_t allowed = CR4_TSD | CR4_PCE; /* architectural on every x86-64 CPU */

	for (unsigned i = 0; i < sizeof(cr4_features) / sizeof(cr4_features[0]); i++)
		if (words[cr4_features[i].word] & cr4_features[i].mask)
			allowed |= cr4_features[i].cr4;
	return allowed;
}

#define EXT1_EDX_NX (1u << 20)
#define EXT1_EDX_LM (1u << 29)
#define EXT1_EDX_SYSCALL (1u << 11)

uint64_t cr_efer_allowed(uint32_t ext1_edx)
{
	uint64_t allowed = 0;

	if (ext1_edx & EXT1_EDX_SYSCALL)
		allowed |= EFER_SCE;
	if (ext1_edx & EXT1_EDX_LM)
		allowed |= EFER_LME;
	if (ext1_edx & EXT1_EDX_NX)
		allowed |= EFER_NXE;
	return allowed;
}

int dr_check_dr6(uint64_t value, uint64_t *out)
{
	if (value & HIGH32)
		return -EINVAL;
	*out = (value & DR6_WRITABLE) | DR6_RESET;
	return 0;
}

int dr_check_dr7(uint64_t value, uint64_t *out)
{
	if (value & HIGH32)
		return -EINVAL;
	*out = (value & DR7_WRITABLE) | DR7_RESET;
	return 0;
}

/* LEN 00/01/11 cover 1/2/4 bytes; 10 (8 bytes) is defined for I/O only on some CPUs: treat as 8. */
static uint64_t breakpoint_len(unsigned len)
{
	static const uint8_t bytes[4] = { 1, 2, 8, 4 };

	return bytes[len & 3];
}

uint64_t dr_io_breakpoint_hits(uint64_t dr7, const uint64_t dr[4], uint64_t cr4, uint16_t port, uint8_t size)
{
	uint64_t hits = 0;

	if (!(cr4 & CR4_DE))
		return 0;
	for (unsigned n = 0; n < 4; n++) {
		uint64_t len = breakpoint_len(DR7_LEN(dr7, n));
		uint64_t start = dr[n] & 0xffff & ~(len - 1);

		if (!DR7_ENABLED(dr7, n) || DR7_RW(dr7, n) != DR7_RW_IO)
			continue;
		if (port < start + len && start < (uint64_t)port + size)
			hits |= DR6_B(n);
	}
	return hits;
}
