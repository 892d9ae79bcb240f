/* SPDX-License-Identifier: MIT */
/* The PCI test function (test-devices = "pci"): registers, a doorbell, MSI, MSI-X and INTx. */
#ifndef BASALT_DRIVERS_PC_VPCI_TESTDEV_H
#define BASALT_DRIVERS_PC_VPCI_TESTDEV_H

struct vm;

/*
 * At 00:01.0: vendor VPCI_TESTDEV_VENDOR, device VPCI_TESTDEV_DEVICE, class ff/00/00 (no OS binds
 * a driver to it; the vendor ID is not one a real device uses as far as we know, and the function
 * exists only in VMs that ask for it).
 *   BAR0  memory, 32-bit, 4 KiB: the registers below
 *   BAR2  memory, 64-bit, 4 KiB: MSI-X table (VPCI_TESTDEV_MSIX_VECTORS entries) at 0, PBA at 0x800
 *   BAR4  I/O, 16 ports: the same registers (dword accesses)
 *   MSI   VPCI_TESTDEV_MSI_LOG2 -> 4 vectors, 64-bit address, per-vector masking
 *   INTx  INTA# (GSI pc_pci_intx_gsi(1, 0) = 17)
 * Registers (dword; other widths read all ones and are dropped):
 *   0x00 ID        RO  VPCI_TESTDEV_MAGIC
 *   0x04 SCRATCH   RW
 *   0x08 DOORBELL  WO  writing v signals interrupt v (MSI-X entry v, MSI vector v, or INTx)
 *   0x0c INTX      RW  reads 1 while INTx# is asserted; any write deasserts it (the "ack")
 *   0x10 COUNT     RO  doorbells rung so far
 */
#define VPCI_TESTDEV_VENDOR 0xb5a1
#define VPCI_TESTDEV_DEVICE 0x0001
#define VPCI_TESTDEV_SLOT 1
#define VPCI_TESTDEV_MAGIC 0x49435042u /* "BPCI" */
#define VPCI_TESTDEV_MSIX_VECTORS 4
#define VPCI_TESTDEV_MSI_LOG2 2
#define VPCI_TESTDEV_REG_ID 0x00
#define VPCI_TESTDEV_REG_SCRATCH 0x04
#define VPCI_TESTDEV_REG_DOORBELL 0x08
#define VPCI_TESTDEV_REG_INTX 0x0c
#define VPCI_TESTDEV_REG_COUNT 0x10
#define VPCI_TESTDEV_PBA_OFF 0x800

/* Puts the test function on vm's bus (vm->pci must exist). 0 or -errno. */
int vpci_testdev_attach(struct vm *vm);

#endif
