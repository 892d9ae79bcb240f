/* SPDX-License-Identifier: MIT */
/* libFuzzer target: random config-space and BAR sequences through CF8/CFC, ECAM and the BARs; invariants hold. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "drivers/pc/pc_layout.h"
#include "drivers/pc/vpci.h"
#include "drivers/pc/vpci_internal.h"
#include "drivers/pc/vpci_testdev.h"
#include "tests/unit/vpci_doubles.h"
#include "tests/fuzz/fuzz_input.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const unsigned sizes[4] = { 1, 2, 4, 8 };

/* Registers no guest write may change (IDs, class, header type, pointers, pin, BAR type bits). */
struct frozen {
	uint8_t bytes[64];
};

static const uint8_t ro_regs[] = { 0x00, 0x01, 0x02, 0x03, 0x08, 0x09, 0x0a, 0x0b, 0x0e, 0x34, 0x3d };

static void freeze(struct vpci_func *fn, struct frozen *f)
{
	unsigned n = 0;

	memset(f, 0, sizeof(*f));
	for (unsigned i = 0; i < sizeof(ro_regs); i++)
		f->bytes[n++] = fn->cfg[ro_regs[i]];
	for (unsigned b = 0; b < VPCI_MAX_BARS; b++) {
		const uint8_t *bar = &fn->cfg[PCI_BAR0 + 4 * b];

		if (fn->bars[b].type == VPCI_BAR_NONE) /* unimplemented: reads 0 whatever is written */
			f->bytes[n++] = bar[0] | bar[1] | bar[2] | bar[3];
		else if (fn->bars[b].type != VPCI_BAR_UPPER) /* the upper half is all address */
			f->bytes[n++] = bar[0] & (fn->bars[b].type == VPCI_BAR_IO ? 3 : 0xf);
	}
	for (unsigned off = fn->cfg[PCI_CAP_PTR]; off; off = fn->cfg[off + 1]) {
		CHECK(off >= 0x40 && off < 0x100 && !(off & 3) && n < sizeof(f->bytes) - 2);
		f->bytes[n++] = fn->cfg[off];
		f->bytes[n++] = fn->cfg[off + 1];
	}
}

static void check_maps(struct vm *vm, struct vpci *bus)
{
	bool line[8] = { false };

	for (unsigned i = 0; i < vm->nr_mmio; i++)
		for (unsigned j = i + 1; j < vm->nr_mmio; j++)
			CHECK(!d_overlaps(vm->mmio[i].base, vm->mmio[i].size, vm->mmio[j].base, vm->mmio[j].size));
	for (unsigned d = 0; d < VPCI_BUS_FUNCS; d++) {
		struct vpci_func *fn = bus->funcs[d];

		for (unsigned b = 0; fn && b < VPCI_MAX_BARS; b++) {
			const struct vpci_bar *bar = &fn->bars[b];
			bool found = false;

			if (!bar->decoded)
				continue;
			for (unsigned i = 0; i < vm->nr_mmio; i++)
				found |= vm->mmio[i].dev == bar && vm->mmio[i].base == bar->decoded_at &&
					 vm->mmio[i].size == bar->size;
			for (unsigned i = 0; i < vm->nr_pio; i++)
				found |= vm->pio[i].dev == bar && vm->pio[i].base == bar->decoded_at;
			CHECK(found);
			CHECK(bar->decoded_at + bar->size > bar->decoded_at);
			CHECK(bar->type == VPCI_BAR_IO ? bar->decoded_at && bar->decoded_at + bar->size <= 0x10000
						       : bar->decoded_at >= PC_PCI_MMIO32_BASE);
		}
		if (fn && fn->intx_driven)
			line[pc_pci_intx_gsi(d >> 3, fn->cfg[PCI_INT_PIN] - 1) - PC_GSI_PCI_FIRST] = true;
	}
	for (unsigned g = 0; g < 8; g++)
		CHECK(d_gsi[PC_GSI_PCI_FIRST + g] == line[g] && (bus->gsi_users[g] > 0) == line[g]);
}

static void one_op(struct vm *vm, struct input *in)
{
	unsigned op = take(in, 1) % 7, sz = sizes[take(in, 1) & 3];
	bool write = take(in, 1) & 1;
	uint32_t v32 = take(in, 4);
	uint64_t v = v32 | (uint64_t)take(in, 4) << 32;
	unsigned devfn = take(in, 1) & 1 ? 0x08 : take(in, 1); /* mostly the test function */

	if (op == 0) {
		d_pio(vm, 0xcf8, (uint8_t)(sz > 4 ? 4 : sz), !write, &v32);
	} else if (op == 1) {
		d_pio(vm, (uint16_t)(0xcfc + (v32 & 3)), (uint8_t)(sz > 4 ? 4 : sz), !write, &v32);
	} else if (op == 2) {
		uint64_t gpa = PC_ECAM_BASE + ((uint64_t)(take(in, 1) & 3 ? 0 : take(in, 1)) << 20) +
			       ((uint64_t)devfn << 12) + (take(in, 2) & 0xfff);
		d_mmio(vm, gpa, sz, write, &v);
	} else if (op == 3 && vm->nr_mmio) {
		const struct mmio_range *r = &vm->mmio[take(in, 1) % vm->nr_mmio];
		d_mmio(vm, r->base + (take(in, 2) % (r->size + 8)), sz, write, &v);
	} else if (op == 4) {
		d_pio(vm, (uint16_t)(PC_PCI_IO_BASE + (take(in, 1) & 0x3f)), (uint8_t)(sz > 4 ? 4 : sz), !write, &v32);
	} else if (op == 5) {
		vpci_func_signal(vpci_find(vm->pci, 0x08), v32 & 0x3f);
	} else {
		vpci_func_set_intx_level(vpci_find(vm->pci, 0x08), v32 & 1);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct vm vm_store;
	struct vm *vm = &vm_store;
	struct input in = { data, size };
	struct frozen before[2], after;
	uint32_t cf8;

	memset(vm, 0, sizeof(*vm));
	memset(d_gsi, 0, sizeof(d_gsi));
	vm->mem[0] = (struct gmem_region){ 0, 256ull << 20, 0 };
	vm->nr_regions = 1;
	CHECK(vpci_attach(vm) == 0 && vpci_testdev_attach(vm) == 0);
	freeze(vpci_find(vm->pci, 0), &before[0]);
	freeze(vpci_find(vm->pci, 8), &before[1]);
	for (unsigned ops = 0; in.left && ops < 256; ops++) {
		one_op(vm, &in);
		freeze(vpci_find(vm->pci, 0), &after);
		CHECK(!memcmp(&after, &before[0], sizeof(after)));
		freeze(vpci_find(vm->pci, 8), &after);
		CHECK(!memcmp(&after, &before[1], sizeof(after)));
		CHECK(vpci_find(vm->pci, 8)->cfg[PCI_STATUS] & PCI_STATUS_CAP_LIST);
		d_pio(vm, 0xcf8, 4, true, &cf8);
		CHECK(!(cf8 & 0x7f000003u));
		check_maps(vm, vm->pci);
	}
	d_free_pages();
	return 0;
}
