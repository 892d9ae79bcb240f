/* SPDX-License-Identifier: MIT */
/* One PCI function's config space: bytes, writable and RW1C masks, the header, the capability list. */
#include "drivers/pc/vpci_internal.h"

#include <string.h>

#include "kernel/errno.h"

#define CAP_AREA_END 0x100 /* capabilities live in the first 256 bytes */

void vpci_cfg_set(struct vpci_func *fn, unsigned off, unsigned size, uint32_t value)
{
	for (unsigned i = 0; i < size && off + i < VPCI_CFG_SIZE; i++)
		fn->cfg[off + i] = (uint8_t)(value >> (8 * i));
}

uint32_t vpci_cfg_get(const struct vpci_func *fn, unsigned off, unsigned size)
{
	uint32_t v = 0;

	/* The common sizes in one step: interrupt delivery asks for 16-bit registers several times
	 * per request, and the byte loop cost three times as much. */
	if (off <= VPCI_CFG_SIZE - 4) {
		const uint8_t *p = &fn->cfg[off];

		if (size == 1)
			return p[0];
		if (size == 2)
			return p[0] | (uint32_t)p[1] << 8;
		if (size == 4)
			return p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
	}
	for (unsigned i = 0; i < size && off + i < VPCI_CFG_SIZE; i++)
		v |= (uint32_t)fn->cfg[off + i] << (8 * i);
	return v;
}

void vpci_cfg_set_wmask(struct vpci_func *fn, unsigned off, unsigned size, uint32_t mask)
{
	for (unsigned i = 0; i < size && off + i < VPCI_CFG_SIZE; i++)
		fn->wmask[off + i] = (uint8_t)(mask >> (8 * i));
}

void vpci_cfg_set_w1c(struct vpci_func *fn, unsigned off, unsigned size, uint32_t mask)
{
	for (unsigned i = 0; i < size && off + i < VPCI_CFG_SIZE; i++)
		fn->w1c[off + i] = (uint8_t)(mask >> (8 * i));
}

void vpci_func_init(struct vpci_func *fn, const struct vpci_func_ops *ops, void *priv, uint16_t vendor,
		    uint16_t device, uint32_t class_code, uint8_t revision)
{
	memset(fn, 0, sizeof(*fn)); /* no compound literal: 12 KiB would land on the stack */
	fn->ops = ops;
	fn->priv = priv;
	fn->next_cap = PCI_CAP_START;
	vpci_cfg_set(fn, PCI_VENDOR_ID, 2, vendor);
	vpci_cfg_set(fn, PCI_DEVICE_ID, 2, device);
	vpci_cfg_set(fn, PCI_REVISION, 1, revision);
	vpci_cfg_set(fn, PCI_CLASS_PROG, 3, class_code);
	vpci_cfg_set_wmask(fn, PCI_COMMAND, 2, PCI_CMD_IO | PCI_CMD_MEM | PCI_CMD_MASTER | PCI_CMD_PARITY |
						       PCI_CMD_SERR | PCI_CMD_INTX_DISABLE);
	vpci_cfg_set_w1c(fn, PCI_STATUS, 2, PCI_STATUS_ERRORS);
	vpci_cfg_set_wmask(fn, 0x0c, 1, 0xff);       /* cache line size: storage only */
	vpci_cfg_set_wmask(fn, 0x0d, 1, 0xff);       /* latency timer */
	vpci_cfg_set_wmask(fn, PCI_INT_LINE, 1, 0xff); /* firmware's note to the OS */
}

static bool is_pow2(uint64_t v)
{
	return v && !(v & (v - 1));
}

int vpci_func_set_bar(struct vpci_func *fn, unsigned bar, enum vpci_bar_type type, uint64_t size)
{
	bool wide = type == VPCI_BAR_MEM64 || type == VPCI_BAR_MEM64_PREFETCH;
	unsigned off = PCI_BAR0 + 4 * bar;
	uint32_t flags;
	uint64_t mask;

	if (bar >= VPCI_MAX_BARS || (wide && bar + 1 >= VPCI_MAX_BARS) || !is_pow2(size) || fn->bus)
		return -EINVAL;
	if (type == VPCI_BAR_IO ? size < 4 || size > 256 : size < 16 || (!wide && size > (1ull << 31)))
		return -EINVAL;
	if (type == VPCI_BAR_NONE || type > VPCI_BAR_IO || fn->bars[bar].type != VPCI_BAR_NONE || (wide && fn->bars[bar + 1].type))
		return -EINVAL;
	flags = type == VPCI_BAR_IO ? PCI_BAR_IO : wide ? PCI_BAR_MEM64 : 0;
	if (type == VPCI_BAR_MEM64_PREFETCH)
		flags |= PCI_BAR_PREFETCH;
	fn->bars[bar] = (struct vpci_bar){ .type = (uint8_t)type, .size = size };
	mask = ~(size - 1);
	vpci_cfg_set(fn, off, 4, flags);
	vpci_cfg_set_wmask(fn, off, 4, (uint32_t)mask & (type == VPCI_BAR_IO ? 0xfffcu : ~0xfu));
	if (wide) {
		/* the upper half is a BAR slot of its own that only this BAR uses */
		fn->bars[bar + 1].type = VPCI_BAR_UPPER;
		vpci_cfg_set_wmask(fn, off + 4, 4, (uint32_t)(mask >> 32));
	}
	return 0;
}

int vpci_func_add_cap(struct vpci_func *fn, uint8_t id, unsigned len)
{
	unsigned off = fn->next_cap;

	if (len < 2 || off + len > CAP_AREA_END || fn->bus)
		return -ENOSPC;
	vpci_cfg_set(fn, off, 1, id);
	vpci_cfg_set(fn, off + 1, 1, 0);
	vpci_cfg_set(fn, fn->last_cap ? fn->last_cap + 1u : PCI_CAP_PTR, 1, off);
	fn->last_cap = (uint8_t)off;
	fn->next_cap = (uint8_t)((off + len + 3) & ~3u); /* capabilities are dword aligned */
	if (off + len + 3 >= CAP_AREA_END)
		fn->next_cap = 0xfc; /* full: the next add fails on len */
	fn->cfg[PCI_STATUS] |= PCI_STATUS_CAP_LIST;
	return (int)off;
}

void vpci_func_set_intx(struct vpci_func *fn, unsigned pin)
{
	vpci_cfg_set(fn, PCI_INT_PIN, 1, pin <= 4 ? pin : 0);
}

/* What the guest reads: the stored bytes (vpci keeps the live registers, such as the interrupt
 * status bit, in them as they change). */
uint32_t vpci_func_cfg_read(struct vpci_func *fn, unsigned off, unsigned size)
{
	return vpci_cfg_get(fn, off, size);
}

static bool touches(unsigned off, unsigned size, unsigned reg, unsigned reg_size)
{
	return off < reg + reg_size && reg < off + size;
}

/* Applies the masks byte by byte, then lets the owners of the registers that changed react. */
void vpci_func_cfg_write(struct vpci_func *fn, unsigned off, unsigned size, uint32_t value)
{
	for (unsigned i = 0; i < size; i++) {
		unsigned o = off + i;
		uint8_t v = (uint8_t)(value >> (8 * i));

		fn->cfg[o] = (uint8_t)((fn->cfg[o] & ~fn->wmask[o]) | (v & fn->wmask[o]));
		fn->cfg[o] &= (uint8_t)~(v & fn->w1c[o]);
	}
	if (touches(off, size, PCI_COMMAND, 2))
		vpci_irq_update_intx(fn);
	if (fn->bus && (touches(off, size, PCI_COMMAND, 2) || touches(off, size, PCI_BAR0, 4 * VPCI_MAX_BARS)))
		vpci_bus_update_decode(fn->bus);
	vpci_irq_cfg_written(fn, off, size);
	if (fn->ops && fn->ops->config_write)
		fn->ops->config_write(fn, off, size, value);
}
