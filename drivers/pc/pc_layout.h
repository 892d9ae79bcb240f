/* SPDX-License-Identifier: MIT */
/* The guest-physical and port map of Basalt's PC platform: one place every model and table reads. */
#ifndef BASALT_DRIVERS_PC_LAYOUT_H
#define BASALT_DRIVERS_PC_LAYOUT_H

/*
 * Guest-physical map of a "pc" VM:
 *   [0, PC_LOW_RAM_END)          RAM (at most 3 GiB below 4 GiB); 0x9fc00-0xfffff reserved in e820
 *   0xe0000 - 0xfffff            ACPI tables (RSDP first, where the BIOS-area scan finds it)
 *   [PC_PCI_MMIO32_BASE, +SIZE)  32-bit PCI window: BARs are placed here
 *   [PC_ECAM_BASE, +SIZE)        PCI Express ECAM for the VM's buses (ACPI MCFG): bus 0 only
 *   PC_TESTDEV_MMIO_BASE         the MMIO test device, for VMs that ask for it
 *   PC_IOAPIC_BASE               IOAPIC registers (4 KiB)
 *   PC_LAPIC_BASE                local APIC page (every vCPU's own, as on hardware)
 *   [4 GiB, 4 GiB + rest)        RAM above PC_LOW_RAM_END, if the VM has more
 *   [pc_mmio64_base(vm), +SIZE)  64-bit PCI window, 1 GiB-aligned above the VM's highest RAM
 */
#define PC_LOW_RAM_END 0xc0000000ull
#define PC_HIGH_RAM_BASE 0x100000000ull
#define PC_ACPI_BASE 0xe0000ull
#define PC_ACPI_END 0x100000ull
#define PC_PCI_MMIO32_BASE 0xc0000000ull
#define PC_PCI_MMIO32_SIZE 0x20000000ull
#define PC_ECAM_BASE 0xe0000000ull
/* One PCI bus: every device of a VM sits on bus 0 (32 slots of 8 functions), and the ACPI tables
 * (MCFG, the root bridge's bus range) say so. Linux probes every bus up to the MCFG's last one for
 * peer root buses with type-1 accesses (two port exits per slot): with 256 buses that cost about
 * 8,000 exits per boot for nothing. A later bridge (PCIe root ports) raises this. */
#define PC_PCI_BUSES 1u
#define PC_ECAM_SIZE ((unsigned long long)PC_PCI_BUSES << 20)
#define PC_IOAPIC_BASE 0xfec00000ull
#define PC_LAPIC_BASE 0xfee00000ull
#define PC_PCI_MMIO64_SIZE 0x400000000ull /* 16 GiB */
#define PC_PCI_MMIO64_ALIGN 0x40000000ull

/* Where the 64-bit window starts for a VM whose RAM ends (exclusive) at ram_end. */
static inline unsigned long long pc_mmio64_base(unsigned long long ram_end)
{
	unsigned long long top = ram_end > PC_HIGH_RAM_BASE ? ram_end : PC_HIGH_RAM_BASE;

	return (top + PC_PCI_MMIO64_ALIGN - 1) & ~(PC_PCI_MMIO64_ALIGN - 1);
}

/* Ports. */
#define PC_PCI_CONFIG_ADDR 0xcf8
#define PC_PCI_CONFIG_DATA 0xcfc
#define PC_PCI_IO_BASE 0xc000       /* PCI I/O BARs: [0xc000, 0x10000) */
#define PC_ACPI_PM_BASE 0x600       /* PM1a_EVT 0x600, PM1a_CNT 0x604, PM_TMR 0x608 */
#define PC_ACPI_PM_LEN 0x10
#define PC_RESET_PORT 0xcf9

/* Interrupt lines (GSIs). ISA IRQ n is GSI n except IRQ 0 (PIT), which is GSI 2 as on every PC
 * with an IOAPIC; PCI INTx go to GSIs 16-23. */
#define PC_GSI_COUNT 24
#define PC_ISA_IRQS 16
#define PC_GSI_PCI_FIRST 16
#define PC_IRQ_PIT 0
#define PC_GSI_PIT 2
#define PC_IRQ_COM1 4
#define PC_IRQ_SCI 9
#define PC_IOAPIC_ID 0
#define PC_TESTDEV_MMIO_BASE 0xfeb00000ull /* test-devices = "mmio": one 4 KiB page */

/* PCI INTx routing (the DSDT's _PRT says the same): slot s, pin p (0 = INTA) -> GSI 16 + (s + p) % 8. */
static inline unsigned pc_pci_intx_gsi(unsigned slot, unsigned pin)
{
	return PC_GSI_PCI_FIRST + (slot + pin) % 8;
}

#endif
