/* SPDX-License-Identifier: MIT */
/* Names the decoded instructions the hypervisor intercepts (CPUID, MSRs, CR/DR moves, SVM/VMX, I/O). */
#include "arch/x86/insn_decode.h"

static enum insn_kind classify_grp7(uint8_t modrm)
{
	switch (modrm) {
	case 0xc1: return INSN_VMCALL;
	case 0xc8: return INSN_MONITOR;
	case 0xc9: return INSN_MWAIT;
	case 0xd1: return INSN_XSETBV;
	case 0xd8: return INSN_VMRUN;
	case 0xd9: return INSN_VMMCALL;
	case 0xda: return INSN_VMLOAD;
	case 0xdb: return INSN_VMSAVE;
	case 0xdc: return INSN_STGI;
	case 0xdd: return INSN_CLGI;
	case 0xde: return INSN_SKINIT;
	case 0xdf: return INSN_INVLPGA;
	case 0xf9: return INSN_RDTSCP;
	default: return INSN_OTHER;
	}
}

static bool is_real_cr(uint8_t n)
{
	return n == 0 || n == 2 || n == 3 || n == 4 || n == 8;
}

static enum insn_kind classify_map1(const struct insn *in)
{
	switch (in->opcode) {
	case 0x01: return in->mod == 3 ? classify_grp7(in->modrm) : INSN_OTHER;
	case 0x08: return INSN_INVD;
	case 0x09: return INSN_WBINVD;
	case 0x20: return is_real_cr(in->reg) ? INSN_MOV_FROM_CR : INSN_OTHER;
	case 0x22: return is_real_cr(in->reg) ? INSN_MOV_TO_CR : INSN_OTHER;
	case 0x21: return in->reg < 8 ? INSN_MOV_FROM_DR : INSN_OTHER;
	case 0x23: return in->reg < 8 ? INSN_MOV_TO_DR : INSN_OTHER;
	case 0x30: return INSN_WRMSR;
	case 0x31: return INSN_RDTSC;
	case 0x32: return INSN_RDMSR;
	case 0x33: return INSN_RDPMC;
	case 0xa2: return INSN_CPUID;
	default: return INSN_OTHER;
	}
}

static enum insn_kind classify_map0(uint8_t op)
{
	switch (op) {
	case 0xf4: return INSN_HLT;
	case 0xe4: case 0xe5: case 0xec: case 0xed: return INSN_IN;
	case 0xe6: case 0xe7: case 0xee: case 0xef: return INSN_OUT;
	case 0x6c: case 0x6d: return INSN_INS;
	case 0x6e: case 0x6f: return INSN_OUTS;
	default: return INSN_OTHER;
	}
}

enum insn_kind insn_classify(const struct insn *in)
{
	if (in->map == 0)
		return classify_map0(in->opcode);
	if (in->map == 1)
		return classify_map1(in);
	return INSN_OTHER;
}
