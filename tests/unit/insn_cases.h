/* SPDX-License-Identifier: MIT */
/* Expected kinds for insn_cases.S, as plain numbers the assembler understands (checked against enum insn_kind). */
#ifndef BASALT_TEST_INSN_CASES_H
#define BASALT_TEST_INSN_CASES_H

#define K_OTHER 0
#define K_CPUID 1
#define K_RDMSR 2
#define K_WRMSR 3
#define K_HLT 4
#define K_INVD 5
#define K_WBINVD 6
#define K_VMMCALL 7
#define K_VMCALL 8
#define K_MOV_FROM_CR 9
#define K_MOV_TO_CR 10
#define K_MOV_FROM_DR 11
#define K_MOV_TO_DR 12
#define K_XSETBV 13
#define K_VMRUN 14
#define K_VMLOAD 15
#define K_VMSAVE 16
#define K_STGI 17
#define K_CLGI 18
#define K_SKINIT 19
#define K_INVLPGA 20
#define K_RDTSC 21
#define K_RDTSCP 22
#define K_RDPMC 23
#define K_MONITOR 24
#define K_MWAIT 25
#define K_IN 26
#define K_OUT 27
#define K_INS 28
#define K_OUTS 29
#define K_ANY 255 /* reg/rm: not checked */

#endif
