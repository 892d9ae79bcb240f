/* SPDX-License-Identifier: MIT */
/* ECAM config access and a flat scan of the MCFG bus ranges, decoding header fields and BARs. */
#include "drivers/host/pci_host.h"

#include <string.h>

#include "drivers/host/mmio.h"
#include "kernel/mem.h"

#define ECAM_FN_SHIFT 12
#define ECAM_BUS_SHIFT 20
#define BAR_IO 1u
#define BAR_TYPE_MASK 6u
#define BAR_TYPE_64 4u
#define BAR_PREFETCH 8u
#define HEADER_MULTIFN 0x80u

volatile uint8_t *pci_ecam_cfg(const struct pci_ecam_range *r, unsigned bus, unsigned dev, unsigned fn)
{
	if (bus < r->bus_start || bus > r->bus_end || dev >= 32 || fn >= 8)
		return NULL;
	/* MCFG's base is where bus 0 would be, whatever bus_start is. */
	uint64_t off = ((uint64_t)bus << ECAM_BUS_SHIFT) | ((uint64_t)(dev * 8 + fn) << ECAM_FN_SHIFT);
	return (volatile uint8_t *)phys_to_virt(r->base + off);
}

uint32_t pci_cfg_read32(const struct pci_host_dev *d, unsigned off)
{
	return mmio_read32(d->cfg + (off & 0xffcu));
}

uint16_t pci_cfg_read16(const struct pci_host_dev *d, unsigned off)
{
	return (uint16_t)(pci_cfg_read32(d, off) >> (8 * (off & 2u)));
}

uint8_t pci_cfg_read8(const struct pci_host_dev *d, unsigned off)
{
	return (uint8_t)(pci_cfg_read32(d, off) >> (8 * (off & 3u)));
}

void pci_cfg_write32(const struct pci_host_dev *d, unsigned off, uint32_t v)
{
	mmio_write32(d->cfg + (off & 0xffcu), v);
}

/* BARs as the firmware left them; a 64-bit BAR takes its high half from the next slot. */
static void decode_bars(struct pci_host_dev *d)
{
	unsigned nbars = (d->header_type & 0x7f) == 0 ? 6 : (d->header_type & 0x7f) == 1 ? 2 : 0;

	for (unsigned i = 0; i < nbars; i++) {
		uint32_t lo = pci_cfg_read32(d, PCI_CFG_BAR0 + 4 * i);
		struct pci_host_bar *b = &d->bar[i];

		if (lo & BAR_IO) {
			b->io = true;
			b->addr = lo & ~3u;
			continue;
		}
		b->prefetch = (lo & BAR_PREFETCH) != 0;
		b->addr = lo & ~0xfu;
		if ((lo & BAR_TYPE_MASK) == BAR_TYPE_64 && i + 1 < nbars) {
			b->is64 = true;
			b->addr |= (uint64_t)pci_cfg_read32(d, PCI_CFG_BAR0 + 4 * (i + 1)) << 32;
			i++;
		}
	}
}

static bool probe(const struct pci_ecam_range *r, unsigned bus, unsigned dev, unsigned fn, struct pci_host_dev *d)
{
	memset(d, 0, sizeof(*d));
	d->cfg = pci_ecam_cfg(r, bus, dev, fn);
	if (!d->cfg)
		return false;
	uint32_t id = pci_cfg_read32(d, PCI_CFG_VENDOR);
	if ((id & 0xffff) == 0xffff || (id & 0xffff) == 0)
		return false;
	uint32_t cls = pci_cfg_read32(d, PCI_CFG_CLASS_REV);

	d->bus = (uint8_t)bus;
	d->dev = (uint8_t)dev;
	d->fn = (uint8_t)fn;
	d->vendor = (uint16_t)id;
	d->device = (uint16_t)(id >> 16);
	d->class_code = (uint8_t)(cls >> 24);
	d->subclass = (uint8_t)(cls >> 16);
	d->prog_if = (uint8_t)(cls >> 8);
	d->header_type = pci_cfg_read8(d, PCI_CFG_HEADER_TYPE);
	if ((d->header_type & 0x7f) == 1)
		d->secondary_bus = pci_cfg_read8(d, PCI_CFG_SECONDARY_BUS);
	decode_bars(d);
	return true;
}

static unsigned scan_range(const struct pci_ecam_range *r, struct pci_host_dev *out, unsigned n, unsigned max)
{
	struct pci_host_dev d;

	for (unsigned bus = r->bus_start; bus <= r->bus_end; bus++) {
		for (unsigned dev = 0; dev < 32; dev++) {
			if (!probe(r, bus, dev, 0, &d))
				continue;
			unsigned fns = (d.header_type & HEADER_MULTIFN) ? 8 : 1;
			for (unsigned fn = 0; fn < fns; fn++) {
				if (fn && !probe(r, bus, dev, fn, &d))
					continue;
				if (n < max)
					out[n] = d;
				n++;
			}
		}
	}
	return n;
}

unsigned pci_host_enumerate(const struct pci_ecam_range *ranges, unsigned n, struct pci_host_dev *out,
			    unsigned max)
{
	unsigned found = 0;

	for (unsigned i = 0; i < n; i++)
		if (ranges[i].segment == 0 && ranges[i].bus_start <= ranges[i].bus_end)
			found = scan_range(&ranges[i], out, found, max);
	return found;
}

void pci_host_enable(const struct pci_host_dev *d)
{
	uint32_t cmd = pci_cfg_read32(d, PCI_CFG_COMMAND) & 0xffffu;

	/* The status half is write-one-to-clear: writing zeroes there leaves it alone. */
	pci_cfg_write32(d, PCI_CFG_COMMAND, cmd | PCI_CMD_MEMORY | PCI_CMD_BUS_MASTER | PCI_CMD_INTX_DISABLE);
}
