/* SPDX-License-Identifier: MIT */
/* PCI BARs: firmware-style placement, and decoding that follows the guest's command and BAR writes. */
#include "drivers/pc/vpci_internal.h"

#include <stddef.h>

#include "drivers/pc/pc_layout.h"
#include "kernel/errno.h"
#include "kernel/vm.h"

#define PCI_IO_END 0x10000u

static bool is_mem(uint8_t type)
{
	return type == VPCI_BAR_MEM32 || type == VPCI_BAR_MEM64 || type == VPCI_BAR_MEM64_PREFETCH;
}

static bool is_wide(uint8_t type)
{
	return type == VPCI_BAR_MEM64 || type == VPCI_BAR_MEM64_PREFETCH;
}

static struct vpci_func *bar_owner(struct vpci_bar *bar)
{
	return (struct vpci_func *)((char *)(bar - bar->index) - offsetof(struct vpci_func, bars));
}

uint64_t vpci_bar_address(const struct vpci_func *fn, unsigned bar)
{
	uint8_t type = fn->bars[bar].type;
	uint64_t lo = vpci_cfg_get(fn, PCI_BAR0 + 4 * bar, 4);

	if (type == VPCI_BAR_IO)
		return lo & 0xfffcu;
	if (is_wide(type))
		return (lo & ~0xfull) | ((uint64_t)vpci_cfg_get(fn, PCI_BAR0 + 4 * bar + 4, 4) << 32);
	return lo & ~0xfull;
}

void vpci_bar_set_address(struct vpci_func *fn, unsigned bar, uint64_t addr)
{
	unsigned off = PCI_BAR0 + 4 * bar;
	uint32_t low_bits = fn->bars[bar].type == VPCI_BAR_IO ? 0x3u : 0xfu;
	uint32_t flags = vpci_cfg_get(fn, off, 4) & low_bits;

	vpci_cfg_set(fn, off, 4, ((uint32_t)addr & ~low_bits) | flags);
	if (is_wide(fn->bars[bar].type))
		vpci_cfg_set(fn, off + 4, 4, (uint32_t)(addr >> 32));
}

static uint64_t align_up(uint64_t v, uint64_t a)
{
	return (v + a - 1) & ~(a - 1);
}

/* Like firmware: 32-bit window first (64-bit BARs too, while they fit: guests that map only the
 * low 4 GiB still reach them), the 64-bit window for 64-bit BARs that do not fit low. */
static int place_bar(struct vpci *bus, struct vpci_func *fn, unsigned i)
{
	struct vpci_bar *b = &fn->bars[i];
	uint64_t at;

	if (b->type == VPCI_BAR_IO) {
		at = align_up(bus->io_next, b->size);
		if (at + b->size > PCI_IO_END)
			return -ENOSPC;
		bus->io_next = (uint32_t)(at + b->size);
	} else if (align_up(bus->mmio32_next, b->size) + b->size <= PC_PCI_MMIO32_BASE + PC_PCI_MMIO32_SIZE) {
		at = align_up(bus->mmio32_next, b->size);
		bus->mmio32_next = at + b->size;
	} else if (is_wide(b->type) &&
		   align_up(bus->mmio64_next, b->size) + b->size <= bus->mmio64_base + PC_PCI_MMIO64_SIZE) {
		at = align_up(bus->mmio64_next, b->size);
		bus->mmio64_next = at + b->size;
	} else {
		return -ENOSPC;
	}
	vpci_bar_set_address(fn, i, at);
	return 0;
}

int vpci_bar_assign(struct vpci *bus, struct vpci_func *fn)
{
	for (unsigned i = 0; i < VPCI_MAX_BARS; i++) {
		int rc;

		fn->bars[i].index = (uint8_t)i;
		if (fn->bars[i].type == VPCI_BAR_NONE || fn->bars[i].type == VPCI_BAR_UPPER)
			continue;
		rc = place_bar(bus, fn, i);
		if (rc)
			return rc;
	}
	return 0;
}

/* Where the host bridge forwards: the windows its _CRS describes (no BAR decodes elsewhere). For
 * I/O that is all of the port space but 0xcf8-0xcff, so an I/O BAR decodes wherever it does not
 * collide with another device (vm_register_pio refuses those); port 0 means "unassigned". */
static bool in_window(const struct vpci *bus, const struct vpci_bar *b, uint64_t at)
{
	uint64_t end = at + b->size;

	if (end < at)
		return false;
	if (b->type == VPCI_BAR_IO)
		return at != 0 && end <= PCI_IO_END;
	if (at >= PC_PCI_MMIO32_BASE && end <= PC_PCI_MMIO32_BASE + PC_PCI_MMIO32_SIZE)
		return true;
	return at >= bus->mmio64_base && end <= bus->mmio64_base + PC_PCI_MMIO64_SIZE;
}

static bool wants_decode(const struct vpci *bus, const struct vpci_func *fn, unsigned i, uint64_t *at)
{
	const struct vpci_bar *b = &fn->bars[i];
	uint16_t cmd = (uint16_t)vpci_cfg_get(fn, PCI_COMMAND, 2);

	if (b->type == VPCI_BAR_IO ? !(cmd & PCI_CMD_IO) : !is_mem(b->type) || !(cmd & PCI_CMD_MEM))
		return false;
	*at = vpci_bar_address(fn, i);
	return in_window(bus, b, *at);
}

/* An access at off into BAR b: MSI-X (memory BARs only) takes its table and PBA, the function
 * the rest. */
static void bar_access(struct vpci_bar *b, uint64_t off, unsigned size, bool write, uint64_t *value, bool mem)
{
	struct vpci_func *fn = bar_owner(b);

	if (off + size > b->size) { /* straddles the end: the part beyond belongs to nobody */
		if (!write)
			*value = ~0ull;
		return;
	}
	if (mem && vpci_msix_access(fn, b->index, off, size, write, value))
		return;
	if (fn->ops && fn->ops->bar_access)
		fn->ops->bar_access(fn, b->index, off, size, write, value);
	else if (!write)
		*value = ~0ull;
}

static int bar_mmio(struct vcpu *vcpu, void *dev, uint64_t gpa, unsigned size, bool write, uint64_t *value)
{
	struct vpci_bar *b = dev;

	(void)vcpu;
	bar_access(b, gpa - b->decoded_at, size, write, value, true);
	return 0;
}

/* vpci_func_add_msix refuses an I/O BAR, so a port access never needs the MSI-X look-up. */
static int bar_pio(struct vcpu *vcpu, void *dev, uint16_t port, uint8_t size, bool in, uint32_t *value)
{
	struct vpci_bar *b = dev;
	uint64_t v = in ? 0 : *value;

	(void)vcpu;
	bar_access(b, (uint64_t)port - b->decoded_at, size, !in, &v, false);
	if (in)
		*value = (uint32_t)v;
	return 0;
}

static void undecode(struct vpci *bus, struct vpci_bar *b)
{
	if (b->type == VPCI_BAR_IO)
		vm_unregister_pio(bus->vm, (uint16_t)b->decoded_at, b);
	else
		vm_unregister_mmio(bus->vm, b->decoded_at, b);
	b->decoded = false;
}

static void decode(struct vpci *bus, struct vpci_bar *b, uint64_t at)
{
	int rc;

	if (b->type == VPCI_BAR_IO)
		rc = vm_register_pio(bus->vm, (uint16_t)at, (uint16_t)b->size, bar_pio, b);
	else
		rc = vm_register_mmio(bus->vm, at, b->size, bar_mmio, b);
	/* -EEXIST / -EINVAL: over another device or RAM, which win, as a conflicting BAR loses on a PC */
	if (!rc) {
		b->decoded = true;
		b->decoded_at = at;
	}
}

/* Two passes so a BAR that leaves an address frees it before another BAR claims it. */
void vpci_bus_update_decode(struct vpci *bus)
{
	for (int pass = 0; pass < 2; pass++) {
		for (unsigned d = 0; d < VPCI_BUS_FUNCS; d++) {
			struct vpci_func *fn = bus->funcs[d];

			for (unsigned i = 0; fn && i < VPCI_MAX_BARS; i++) {
				struct vpci_bar *b = &fn->bars[i];
				uint64_t at = 0;
				bool want = wants_decode(bus, fn, i, &at);

				if (pass == 0 && b->decoded && (!want || at != b->decoded_at))
					undecode(bus, b);
				else if (pass == 1 && want && !b->decoded)
					decode(bus, b, at);
			}
		}
	}
}
