/* SPDX-License-Identifier: MIT */
/* The PCI test function: a register BAR with a doorbell that signals by MSI-X, MSI or INTx. */
#include "drivers/pc/vpci_testdev.h"

#include "drivers/pc/vpci.h"
#include "kernel/errno.h"
#include "kernel/mem.h"
#include "kernel/vm.h"

#define CLASS_UNASSIGNED 0xff0000u

struct vpci_testdev {
	struct vpci_func fn;
	uint32_t scratch;
	uint32_t count;
};

#define TESTDEV_PAGES ((sizeof(struct vpci_testdev) + PAGE_SIZE - 1) / PAGE_SIZE)

static void regs_access(struct vpci_testdev *t, uint64_t off, unsigned size, bool write, uint64_t *value)
{
	if (size != 4 || (off & 3)) {
		if (!write)
			*value = ~0ull;
		return;
	}
	if (!write) {
		*value = off == VPCI_TESTDEV_REG_ID ? VPCI_TESTDEV_MAGIC
			 : off == VPCI_TESTDEV_REG_SCRATCH ? t->scratch
			 : off == VPCI_TESTDEV_REG_INTX ? t->fn.intx_level
			 : off == VPCI_TESTDEV_REG_COUNT ? t->count
							 : 0;
		return;
	}
	if (off == VPCI_TESTDEV_REG_SCRATCH) {
		t->scratch = (uint32_t)*value;
	} else if (off == VPCI_TESTDEV_REG_DOORBELL) {
		t->count++;
		vpci_func_signal(&t->fn, (unsigned)*value);
	} else if (off == VPCI_TESTDEV_REG_INTX) {
		vpci_func_set_intx_level(&t->fn, false);
	}
}

static void testdev_bar(struct vpci_func *fn, unsigned bar, uint64_t off, unsigned size, bool write,
			uint64_t *value)
{
	if (bar == 0 || bar == 4)
		regs_access(fn->priv, off, size, write, value);
	else if (!write)
		*value = ~0ull; /* BAR2 outside the MSI-X table and PBA */
}

static const struct vpci_func_ops testdev_ops = { .bar_access = testdev_bar };

int vpci_testdev_attach(struct vm *vm)
{
	struct vpci_testdev *t;
	int rc;

	t = pages_alloc(TESTDEV_PAGES, PAGE_SIZE); /* zeroed; not .bss, which would grow the image */
	if (!t)
		return -ENOMEM;
	vpci_func_init(&t->fn, &testdev_ops, t, VPCI_TESTDEV_VENDOR, VPCI_TESTDEV_DEVICE, CLASS_UNASSIGNED, 1);
	rc = vpci_func_set_bar(&t->fn, 0, VPCI_BAR_MEM32, 0x1000);
	if (!rc)
		rc = vpci_func_set_bar(&t->fn, 2, VPCI_BAR_MEM64, 0x1000);
	if (!rc)
		rc = vpci_func_set_bar(&t->fn, 4, VPCI_BAR_IO, 16);
	if (!rc)
		rc = vpci_func_add_msi(&t->fn, VPCI_TESTDEV_MSI_LOG2, true, true);
	if (!rc)
		rc = vpci_func_add_msix(&t->fn, VPCI_TESTDEV_MSIX_VECTORS, 2, 0, VPCI_TESTDEV_PBA_OFF);
	if (rc)
		return rc;
	vpci_func_set_intx(&t->fn, 1);
	return vpci_register(vm, &t->fn, VPCI_TESTDEV_SLOT, 0);
}
