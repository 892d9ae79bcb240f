/* SPDX-License-Identifier: MIT */
/* Every model-specific register Basalt touches, sorted by index. */
#ifndef BASALT_X86_MSR_H
#define BASALT_X86_MSR_H

#define MSR_IA32_TSC 0x00000010u
#define MSR_IA32_APIC_BASE 0x0000001bu
#define MSR_IA32_FEATURE_CONTROL 0x0000003au
#define MSR_IA32_SYSENTER_CS 0x00000174u
#define MSR_IA32_SYSENTER_ESP 0x00000175u
#define MSR_IA32_SYSENTER_EIP 0x00000176u
#define MSR_IA32_PAT 0x00000277u
#define MSR_IA32_VMX_BASIC 0x00000480u
#define MSR_EFER 0xc0000080u
#define MSR_STAR 0xc0000081u
#define MSR_LSTAR 0xc0000082u
#define MSR_CSTAR 0xc0000083u
#define MSR_SFMASK 0xc0000084u
#define MSR_FS_BASE 0xc0000100u
#define MSR_GS_BASE 0xc0000101u
#define MSR_KERNEL_GS_BASE 0xc0000102u
#define MSR_TSC_AUX 0xc0000103u
#define MSR_AMD_VM_CR 0xc0010114u
#define MSR_AMD_VM_HSAVE_PA 0xc0010117u

/* IA32_APIC_BASE bits */
#define APIC_BASE_BSP (1ull << 8)
#define APIC_BASE_X2APIC (1ull << 10)
#define APIC_BASE_ENABLE (1ull << 11)

/* AMD VM_CR bits */
#define VM_CR_SVMDIS (1ull << 4)

#endif
