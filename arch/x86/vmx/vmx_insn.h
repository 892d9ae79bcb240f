/* SPDX-License-Identifier: MIT */
/* VMX instructions as inline functions; each reports failure (CF or ZF set) as a non-zero return. */
#ifndef BASALT_VMX_INSN_H
#define BASALT_VMX_INSN_H

#include <stdint.h>

static inline int vmxon(uint64_t region_pa)
{
	uint8_t fail;

	__asm__ volatile("vmxon %1; setna %0" : "=q"(fail) : "m"(region_pa) : "cc", "memory");
	return fail;
}

static inline int vmclear(uint64_t vmcs_pa)
{
	uint8_t fail;

	__asm__ volatile("vmclear %1; setna %0" : "=q"(fail) : "m"(vmcs_pa) : "cc", "memory");
	return fail;
}

static inline int vmptrld(uint64_t vmcs_pa)
{
	uint8_t fail;

	__asm__ volatile("vmptrld %1; setna %0" : "=q"(fail) : "m"(vmcs_pa) : "cc", "memory");
	return fail;
}

static inline uint64_t vmread(uint64_t field)
{
	uint64_t v;

	__asm__ volatile("vmread %1, %0" : "=r"(v) : "r"(field) : "cc");
	return v;
}

static inline void vmwrite(uint64_t field, uint64_t value)
{
	__asm__ volatile("vmwrite %1, %0" ::"r"(field), "rm"(value) : "cc", "memory");
}

struct invept_desc {
	uint64_t eptp;
	uint64_t reserved;
};

#define INVEPT_SINGLE_CONTEXT 1
#define INVEPT_ALL_CONTEXTS 2
#define INVVPID_SINGLE_CONTEXT 1
#define INVVPID_ALL_CONTEXTS 2

static inline void invept(uint64_t type, uint64_t eptp)
{
	struct invept_desc d = { eptp, 0 };

	__asm__ volatile("invept %0, %1" ::"m"(d), "r"(type) : "cc", "memory");
}

struct invvpid_desc {
	uint64_t vpid;
	uint64_t linear;
};

static inline void invvpid(uint64_t type, uint16_t vpid)
{
	struct invvpid_desc d = { vpid, 0 };

	__asm__ volatile("invvpid %0, %1" ::"m"(d), "r"(type) : "cc", "memory");
}

#endif
