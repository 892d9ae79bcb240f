/* SPDX-License-Identifier: MIT */
/* The VM's PCI bus 0: configuration mechanism #1 (0xcf8/0xcfc), ECAM, the host bridge, registration. */
#include "drivers/pc/vpci_internal.h"

#include "drivers/pc/pc_layout.h"
#include "kernel/errno.h"
#include "kernel/mem.h"
#include "kernel/vm.h"

/*
 * Host bridge IDs: 1b36:0008, the generic PCIe host bridge ID that QEMU's virtual "gpex" bridge
 * uses. Linux and other OSes bind nothing to it and apply no quirks; a real chipset's IDs (Intel
 * 8086:1237 440FX, 8086:29c0 Q35) would make Linux poke chipset registers we do not model (PAM,
 * SMRAM, MCH windows).
 */
#define HOST_BRIDGE_VENDOR 0x1b36
#define HOST_BRIDGE_DEVICE 0x0008
#define CLASS_HOST_BRIDGE 0x060000u

#define CF8_ENABLE 0x80000000u
#define CF8_WRITABLE 0x80fffffcu /* bits 30:24 reserved, 1:0 hard-wired 0 (PCI 3.0, 3.2.2.3.2) */
#define ECAM_BUS_SHIFT 20
#define ECAM_FUNC_SHIFT 12

#define BUS_PAGES ((sizeof(struct vpci) + PAGE_SIZE - 1) / PAGE_SIZE)

static uint32_t ones(unsigned size)
{
	return size >= 4 ? 0xffffffffu : (1u << (8 * size)) - 1;
}

struct vpci_func *vpci_find(struct vpci *bus, unsigned devfn)
{
	return devfn < VPCI_BUS_FUNCS ? bus->funcs[devfn] : NULL;
}

/* Only bus 0 exists (no bridges): every other bus, and an empty devfn, ends in a master abort,
 * which reads all ones and drops writes. Register offsets past the 4 KiB of a function cannot
 * arise: both paths compute reg from at most 12 bits. */
uint32_t vpci_config_read(struct vpci *bus, unsigned busno, unsigned devfn, unsigned reg, unsigned size)
{
	struct vpci_func *fn = busno == 0 ? vpci_find(bus, devfn) : NULL;

	if (!fn || reg >= VPCI_CFG_SIZE || (reg & 3) + size > 4)
		return ones(size);
	return vpci_func_cfg_read(fn, reg, size) & ones(size);
}

void vpci_config_write(struct vpci *bus, unsigned busno, unsigned devfn, unsigned reg, unsigned size,
		       uint32_t value)
{
	struct vpci_func *fn = busno == 0 ? vpci_find(bus, devfn) : NULL;

	if (!fn || reg >= VPCI_CFG_SIZE || (reg & 3) + size > 4)
		return;
	vpci_func_cfg_write(fn, reg, size, value & ones(size));
}

/* 0xcf8 is CONFIG_ADDRESS only for a dword access; a byte or word there goes to the ordinary I/O
 * bus, where nothing answers (Linux's type 1 probe writes a byte to 0xcfb to check exactly that). */
static int cf8_io(struct vcpu *vcpu, void *dev, uint16_t port, uint8_t size, bool in, uint32_t *value)
{
	struct vpci *bus = dev;

	(void)vcpu;
	(void)port;
	if (size != 4)
		return -ENODEV;
	if (in)
		*value = bus->config_address;
	else
		bus->config_address = *value & CF8_WRITABLE;
	return 0;
}

/* 0xcfc-0xcff: the dword CONFIG_ADDRESS selects, byte lane port & 3. An access that runs past
 * 0xcff gets the lanes inside the window; with the enable bit clear it is plain empty I/O. */
static int cfc_io(struct vcpu *vcpu, void *dev, uint16_t port, uint8_t size, bool in, uint32_t *value)
{
	struct vpci *bus = dev;
	uint32_t a = bus->config_address;
	unsigned lane = port & 3u;
	unsigned n = lane + size > 4 ? 4 - lane : size;
	unsigned reg = (a & 0xfcu) + lane;

	(void)vcpu;
	if (!(a & CF8_ENABLE))
		return -ENODEV;
	if (in)
		*value = vpci_config_read(bus, (a >> 16) & 0xff, (a >> 8) & 0xff, reg, n) | (~ones(n) & ones(size));
	else
		vpci_config_write(bus, (a >> 16) & 0xff, (a >> 8) & 0xff, reg, n, *value);
	return 0;
}

/* ECAM: bus 27:20, device/function 19:12, register 11:0. An access must stay within one dword
 * (PCIe 4.0, 7.2.2); an aligned qword is split in two dwords, anything else is an unsupported
 * request: all ones, write dropped. */
static int ecam_mmio(struct vcpu *vcpu, void *dev, uint64_t gpa, unsigned size, bool write, uint64_t *value)
{
	struct vpci *bus = dev;
	uint64_t off = gpa - PC_ECAM_BASE;
	unsigned busno = (unsigned)(off >> ECAM_BUS_SHIFT) & 0xff;
	unsigned devfn = (unsigned)(off >> ECAM_FUNC_SHIFT) & 0xff;
	unsigned reg = (unsigned)off & 0xfff;

	(void)vcpu;
	if (size == 8 && !(reg & 7)) {
		uint64_t v = 0;

		for (unsigned i = 0; i < 2; i++) {
			if (write)
				vpci_config_write(bus, busno, devfn, reg + 4 * i, 4, (uint32_t)(*value >> (32 * i)));
			else
				v |= (uint64_t)vpci_config_read(bus, busno, devfn, reg + 4 * i, 4) << (32 * i);
		}
		if (!write)
			*value = v;
		return 0;
	}
	if (size > 4 || (reg & 3) + size > 4) {
		if (!write)
			*value = ~0ull;
		return 0;
	}
	if (write)
		vpci_config_write(bus, busno, devfn, reg, size, (uint32_t)*value);
	else
		*value = vpci_config_read(bus, busno, devfn, reg, size);
	return 0;
}

int vpci_register(struct vm *vm, struct vpci_func *fn, unsigned slot, unsigned function)
{
	struct vpci *bus = vm->pci;
	unsigned devfn = slot << 3 | function;
	unsigned pin = fn->cfg[PCI_INT_PIN];
	int rc;

	if (!bus || slot >= 32 || function >= 8 || fn->bus || (slot == 0 && fn != &bus->host_bridge))
		return -EINVAL;
	if (bus->funcs[devfn])
		return -EEXIST;
	rc = vpci_bar_assign(bus, fn);
	if (rc)
		return rc;
	if (pin >= 1 && pin <= 4)
		fn->cfg[PCI_INT_LINE] = (uint8_t)pc_pci_intx_gsi(slot, pin - 1); /* as firmware would */
	if (function && bus->funcs[slot << 3]) /* function 0 says the device is multi-function */
		bus->funcs[slot << 3]->cfg[PCI_HEADER_TYPE] |= 0x80;
	if (function == 0)
		for (unsigned f = 1; f < 8; f++)
			if (bus->funcs[devfn + f])
				fn->cfg[PCI_HEADER_TYPE] |= 0x80;
	fn->devfn = (uint8_t)devfn;
	fn->bus = bus;
	bus->funcs[devfn] = fn;
	vpci_irq_update_intx(fn);
	vpci_bus_update_decode(bus);
	return 0;
}

int vpci_attach(struct vm *vm)
{
	struct vpci *bus;
	int rc;

	/* From the page allocator, not .bss: ~13 KiB per function would otherwise grow the image. */
	bus = pages_alloc(BUS_PAGES, PAGE_SIZE);
	if (!bus)
		return -ENOMEM;
	bus->vm = vm;
	bus->mmio32_next = PC_PCI_MMIO32_BASE;
	bus->mmio64_base = bus->mmio64_next = pc_mmio64_base(vm_ram_end(vm));
	bus->io_next = PC_PCI_IO_BASE;
	vm->pci = bus;
	vpci_func_init(&bus->host_bridge, NULL, bus, HOST_BRIDGE_VENDOR, HOST_BRIDGE_DEVICE, CLASS_HOST_BRIDGE, 0);
	rc = vpci_register(vm, &bus->host_bridge, 0, 0);
	if (!rc)
		rc = vm_register_pio(vm, PC_PCI_CONFIG_ADDR, 1, cf8_io, bus);
	if (!rc)
		rc = vm_register_pio(vm, PC_PCI_CONFIG_DATA, 4, cfc_io, bus);
	if (!rc)
		rc = vm_register_mmio(vm, PC_ECAM_BASE, PC_ECAM_SIZE, ecam_mmio, bus);
	return rc;
}
