/* SPDX-License-Identifier: MIT */
/* The host's PCI functions through ECAM (the ACPI MCFG windows): config access and enumeration. */
#ifndef BASALT_HOST_PCI_HOST_H
#define BASALT_HOST_PCI_HOST_H

#include <stdbool.h>
#include <stdint.h>

/*
 * Firmware has assigned bus numbers and BARs before ExitBootServices; Basalt only reads them.
 * Enumeration scans every bus number in each MCFG range instead of walking bridges: the ranges
 * are what the firmware decoded (ECAM reads of an absent function return all-ones, so a scan is
 * cheap and exact), and it finds devices behind bridges whose secondary numbers a walk would
 * have to trust. A function whose vendor ID reads 0xffff is absent; functions 1-7 are only
 * looked at when function 0 says it is multi-function (some single-function devices answer on
 * every function number).
 *
 * Locking: enumeration runs once at boot on the BSP; a struct pci_host_dev is then owned by the
 * driver that took it. Config writes touch only that driver's function.
 */

#define PCI_HOST_MAX_RANGES 4
#define PCI_HOST_BARS 6

/* One MCFG allocation: bus_start..bus_end of a segment; base is the ECAM address bus 0 would have
 * (the MCFG convention), so bus b's window is at base + (b << 20). */
struct pci_ecam_range {
	uint64_t base;
	uint16_t segment;
	uint8_t bus_start;
	uint8_t bus_end;
};

struct pci_host_bar {
	uint64_t addr;   /* firmware-assigned base (type bits masked off); 0: unused */
	bool io;         /* an I/O port BAR */
	bool is64;       /* a 64-bit memory BAR (it used this slot and the next) */
	bool prefetch;
};

struct pci_host_dev {
	volatile uint8_t *cfg;   /* this function's 4 KiB ECAM window */
	uint8_t bus, dev, fn;
	uint16_t vendor, device;
	uint8_t class_code, subclass, prog_if;
	uint8_t header_type;     /* low 7 bits: 0 endpoint, 1 PCI-PCI bridge */
	uint8_t secondary_bus;   /* bridges only */
	struct pci_host_bar bar[PCI_HOST_BARS];
};

#define PCI_CFG_VENDOR 0x00
#define PCI_CFG_COMMAND 0x04
#define PCI_CFG_CLASS_REV 0x08
#define PCI_CFG_HEADER_TYPE 0x0e
#define PCI_CFG_BAR0 0x10
#define PCI_CFG_SECONDARY_BUS 0x19
#define PCI_CMD_MEMORY (1u << 1)
#define PCI_CMD_BUS_MASTER (1u << 2)
#define PCI_CMD_INTX_DISABLE (1u << 10)

/* The ECAM window of bus/dev/fn inside r, or NULL when the bus is outside it or dev/fn invalid. */
volatile uint8_t *pci_ecam_cfg(const struct pci_ecam_range *r, unsigned bus, unsigned dev, unsigned fn);

/* Config-space reads and writes at a dword-aligned offset below 4096 (narrower reads are
 * extracted from the dword, so every access the hardware sees is 32 bits wide). */
uint32_t pci_cfg_read32(const struct pci_host_dev *d, unsigned off);
uint16_t pci_cfg_read16(const struct pci_host_dev *d, unsigned off);
uint8_t pci_cfg_read8(const struct pci_host_dev *d, unsigned off);
void pci_cfg_write32(const struct pci_host_dev *d, unsigned off, uint32_t v);

/* Fills out with the present functions of the segment-0 ranges, in bus/dev/fn order; returns how
 * many there were (at most max are stored). Other segments are skipped (not on our machines). */
unsigned pci_host_enumerate(const struct pci_ecam_range *ranges, unsigned n, struct pci_host_dev *out,
			    unsigned max);

/* Enables memory decoding and bus mastering (and masks INTx: the drivers poll) for a function a
 * driver takes. */
void pci_host_enable(const struct pci_host_dev *d);

#endif
