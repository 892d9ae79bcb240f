/* SPDX-License-Identifier: MIT */
/* Shared by bench_ipi.c and its AP trampoline (bench_ipi_tramp.S). */
#ifndef BENCH_IPI_H
#define BENCH_IPI_H

#define BENCH_IPI_TRAMP_BASE 0x9000 /* SIPI vector 0x09: free RAM above the flat loader's tables */

#ifndef __ASSEMBLER__
#include <stdint.h>

extern const char bench_ipi_tramp_start[], bench_ipi_tramp_end[];
extern uint32_t bench_ipi_tramp_cr3;
extern uint64_t bench_ipi_ap_stack_top;
extern struct __attribute__((packed)) bench_ipi_idtr { uint16_t limit; uint64_t base; } bench_ipi_idtr;
void bench_ipi_ap_main(void);
#endif

#endif
