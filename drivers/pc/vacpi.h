/* SPDX-License-Identifier: MIT */
/* ACPI for pc VMs: the tables in guest RAM and the fixed PM hardware they describe. */
#ifndef BASALT_DRIVERS_PC_VACPI_H
#define BASALT_DRIVERS_PC_VACPI_H

#include <stdint.h>

struct vm;

/*
 * Not hardware-reduced. The platform has an 8259 pair, an 8254 PIT, COM1 on IRQ 4 and (until the
 * LAPIC and IOAPIC carry every interrupt) guests that run in PIC mode: with the FADT's
 * HW_REDUCED_ACPI flag Linux would use neither the PIT nor the PIC. So the FADT describes fixed
 * hardware instead: a PM1a event block (status, enable), a PM1a control block (SCI_EN always on:
 * there is no SMI_CMD, ACPI mode is the only mode; SLP_TYP/SLP_EN for S5), a 32-bit PM timer and
 * the SCI on IRQ 9 (level, active high, also through the IOAPIC), a fixed-feature power button,
 * and the reset register (port 0xcf9, value 6, drivers/pc/vpc.c). No GPE block. That needs a FACS,
 * which is there (no global lock user, no waking vector: there is no S1-S4).
 *
 * Guest-physical layout, from PC_ACPI_BASE (0xe0000), each table 16-byte aligned (see
 * vacpi_tables.c): RSDP at 0xe0000 (the first place the BIOS-area scan looks), FACS at 0xe0040
 * (64-aligned), XSDT 0xe0080, RSDT 0xe00c0, FADT 0xe00f0 (276 bytes), MADT 0xe0210 (44 + 8 per
 * vCPU + 38 bytes), then MCFG (60 bytes, only with ECAM) and the DSDT (about 1.9 KiB + 20 bytes per
 * vCPU); under 8 KiB for 64 vCPUs, well inside [0xe0000, 0x100000), which the e820 map of every
 * Linux VM already marks reserved.
 */

/* Builds the VM's tables from its config (vCPU count, RAM size) into its RAM at PC_ACPI_BASE and
 * claims the PM ports [PC_ACPI_PM_BASE, +PC_ACPI_PM_LEN). Call after vpc_attach and after the PCI
 * model set vm->pci: the MCFG (and the ECAM reservation in the DSDT) is only there when it did,
 * since Linux reads ECAM as soon as an MCFG names it. 0 or -errno. */
int vacpi_attach(struct vm *vm);
/* Guest-physical address of the RSDP (for boot_params.acpi_rsdp_addr), 0 without ACPI. */
uint64_t vacpi_rsdp_gpa(const struct vm *vm);
/* Presses the fixed power button: PWRBTN_STS is set and, if the guest enabled it, the SCI rises. */
void vacpi_power_button(struct vm *vm);
/* Raises a due PM-timer SCI (only when the guest set TMR_EN); returns the next time to call, in
 * ns, or 0 when nothing is armed. For virq_poll_timers. */
uint64_t vacpi_poll_timers(struct vm *vm, uint64_t now_ns);

#endif
