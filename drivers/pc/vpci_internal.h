/* SPDX-License-Identifier: MIT */
/* Inside vpci: the bus structure and the calls between vpci.c, vpci_func.c, vpci_irq.c and vpci_bar.c. */
#ifndef BASALT_DRIVERS_PC_VPCI_INTERNAL_H
#define BASALT_DRIVERS_PC_VPCI_INTERNAL_H

#include "drivers/pc/vpci.h"

struct vpci {
	struct vm *vm;
	uint32_t config_address;                /* port 0xcf8 as the guest last wrote it */
	struct vpci_func *funcs[VPCI_BUS_FUNCS]; /* bus 0, by devfn */
	struct vpci_func host_bridge;
	uint64_t mmio32_next, mmio64_base, mmio64_next; /* firmware-style bump allocators */
	uint32_t io_next;
	uint8_t gsi_users[8];                   /* functions asserting each of GSIs 16-23 */
};

/* vpci_func.c: one access to a function's config space, dword-contained, after range checks. */
uint32_t vpci_func_cfg_read(struct vpci_func *fn, unsigned off, unsigned size);
void vpci_func_cfg_write(struct vpci_func *fn, unsigned off, unsigned size, uint32_t value);

/* vpci_bar.c: BAR addresses and decoding. */
uint64_t vpci_bar_address(const struct vpci_func *fn, unsigned bar);
void vpci_bar_set_address(struct vpci_func *fn, unsigned bar, uint64_t addr);
int vpci_bar_assign(struct vpci *bus, struct vpci_func *fn);
/* Brings every BAR's decoding on the bus in line with its registers (after a command or BAR write). */
void vpci_bus_update_decode(struct vpci *bus);

/* vpci_irq.c: after config writes to the interrupt-related registers. */
void vpci_irq_update_intx(struct vpci_func *fn);
void vpci_irq_cfg_written(struct vpci_func *fn, unsigned off, unsigned size);
/* The MSI-X table/PBA part of a BAR access; false when off is outside them. */
bool vpci_msix_access(struct vpci_func *fn, unsigned bar, uint64_t off, unsigned size, bool write,
		      uint64_t *value);

#endif
