/* SPDX-License-Identifier: MIT */
/* The legacy PC platform of a VM: 8259 PIC pair, 8254 PIT with port 0x61, 16550A UART on COM1. */
#ifndef BASALT_DRIVERS_VPC_H
#define BASALT_DRIVERS_VPC_H

#include <stdbool.h>
#include <stdint.h>

struct vm;
struct vpc;

/* Creates the devices and claims their ports: PIC 0x20/0xa0/0x4d0, PIT 0x40-0x43 and 0x61, COM1
 * 0x3f8-0x3ff, the POST port 0x80, and the reset paths 0xcf9 and 0x64 (reset pulse only). */
int vpc_attach(struct vm *vm);
/* The vector the PIC would deliver now, or -1. */
int vpc_pending_vector(struct vpc *pc);
/* False when the PIC has no unmasked request (vpc_pending_vector would say -1); see vpic_has_request. */
bool vpc_has_request(struct vpc *pc);
/* The CPU took the interrupt: returns the vector to inject (INTA cycle). */
int vpc_ack(struct vpc *pc);
/* Turns PIT time into IRQ 0 edges up to now, one at a time: periods the guest could not take when
 * they came due (its vCPU waited for a core) are owed and raised later (drivers/pc/tick_owed.h).
 * Returns when the host must look again: the next edge that would reach the CPU, or the next owed
 * one, at least 200 us after the last (UINT64_MAX = none). */
uint64_t vpc_run_timers(struct vpc *pc, uint64_t now_ns);
/* True (once) when the next timer event may have moved since the last call: the guest reprogrammed
 * its PIT, wrote its PIC, or took an interrupt. */
bool vpc_timer_changed(struct vpc *pc);
/* An ISA line into the PIC (IRQ 0-15). */
void vpc_set_irq(struct vpc *pc, unsigned irq, bool level);
/* Feeds a byte typed on the host console to the VM's UART; -ENOSPC when its FIFO is full. */
int vpc_uart_input(struct vpc *pc, uint8_t byte);

#endif
