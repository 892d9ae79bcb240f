/* SPDX-License-Identifier: MIT */
/* The mmio guest's instruction snippets (tests/guests/mmio_snips.c) and how it calls them. */
#ifndef MMIO_SNIPS_H
#define MMIO_SNIPS_H

/* Linear window the guest maps itself (see mmio.c): device, RAM, device, hole, read-only RAM, device. */
#define MMIO_WIN 0x3fe00000ull
#define SEL_CODE64 0x08
#define SEL_DATA 0x10
#define SEL_CODE32 0x18
#define SEL_CODE16 0x20
#define SEL_DEV16 0x28 /* 16-bit data segment based at the test device */

#ifndef __ASSEMBLER__
#include <stdint.h>

/* Registers a snippet starts with and ends with (x86 order, RSP unused), and RFLAGS. */
struct sregs {
	uint64_t r[8];
	uint64_t rflags;
};

void call64(struct sregs *r, const void *fn);
/* Far-calls fn (below 4 GiB) in the code segment sel; the snippet returns with a 32-bit lret. */
void call_compat(struct sregs *r, uint32_t fn, uint32_t sel);

#define SNIP(name) extern const char name[]
SNIP(m64_mov_b); SNIP(m64_mov_ah); SNIP(m64_mov_w); SNIP(m64_mov_l); SNIP(m64_mov_q); SNIP(m64_mov_r8);
SNIP(m64_ld_b); SNIP(m64_ld_w); SNIP(m64_ld_l); SNIP(m64_ld_q); SNIP(m64_ld_sib);
SNIP(m64_moffs_ld); SNIP(m64_moffs_st); SNIP(m64_imm_b); SNIP(m64_imm_w); SNIP(m64_imm_l); SNIP(m64_imm_q);
SNIP(m64_movzbl); SNIP(m64_movzwq); SNIP(m64_movsbl); SNIP(m64_movswq); SNIP(m64_movslq);
SNIP(m64_set100); SNIP(m64_add); SNIP(m64_sub83); SNIP(m64_and81); SNIP(m64_or80); SNIP(m64_xorw);
SNIP(m64_cmp); SNIP(m64_addreg); SNIP(m64_testb); SNIP(m64_testq); SNIP(m64_xchg); SNIP(m64_xchgb);
SNIP(m64_bt); SNIP(m64_btsreg); SNIP(m64_btr); SNIP(m64_btc); SNIP(m64_lockor);
SNIP(m64_rip_st); SNIP(m64_rip_ld); SNIP(m64_rip_cmp); SNIP(m64_repmovs_in); SNIP(m64_repmovs_out);
SNIP(m64_repstos); SNIP(m64_movs_dd); SNIP(m64_lods); SNIP(m64_straddle); SNIP(m64_tf_mov);
SNIP(m64_pf_rep); SNIP(m64_pf_rep_end); SNIP(m64_pf_ro); SNIP(m64_pf_ro_end); SNIP(m64_pf_cross);
SNIP(m64_pf_cross_end); SNIP(m64_unclaimed); SNIP(m64_not);
SNIP(m32_mov_b); SNIP(m32_mov_w); SNIP(m32_mov_l); SNIP(m32_ld); SNIP(m32_moffs); SNIP(m32_movzbl);
SNIP(m32_movswl); SNIP(m32_add); SNIP(m32_cmpb); SNIP(m32_xchg); SNIP(m32_bt); SNIP(m32_test);
SNIP(m32_fs); SNIP(m32_repmovs); SNIP(m32_repstos); SNIP(m32_repmovs_out);
SNIP(m16_mov); SNIP(m16_ld_ds); SNIP(m16_disp16); SNIP(m16_addr32); SNIP(m16_sub); SNIP(m16_wrap);
SNIP(m16_repstos); SNIP(m16_bts);
#endif

#endif
