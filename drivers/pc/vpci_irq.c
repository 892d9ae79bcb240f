/* SPDX-License-Identifier: MIT */
/* PCI function interrupts: INTx into the IOAPIC (wired-OR per GSI), MSI and MSI-X into the LAPICs. */
#include "drivers/pc/vpci_internal.h"

#include "drivers/pc/pc_layout.h"
#include "kernel/errno.h"
#include "kernel/virq.h"
#include "kernel/vm.h"

#define MSI_MAX_LOG2 5 /* 32 vectors */

static uint16_t cmd_of(const struct vpci_func *fn)
{
	return (uint16_t)vpci_cfg_get(fn, PCI_COMMAND, 2);
}

static bool msi_enabled(const struct vpci_func *fn)
{
	return fn->msi_cap && (vpci_cfg_get(fn, fn->msi_cap + PCI_MSI_CTRL, 2) & PCI_MSI_CTRL_ENABLE);
}

static bool msix_enabled(const struct vpci_func *fn)
{
	return fn->msix_cap && (vpci_cfg_get(fn, fn->msix_cap + PCI_MSIX_CTRL, 2) & PCI_MSIX_CTRL_ENABLE);
}

/* ---- INTx ---------------------------------------------------------------------------------- */

/* A function with MSI or MSI-X enabled never drives INTx#; otherwise INTx disable gates it. The
 * status bit shows the device's own line either way (PCI 3.0, 6.2.3). */
void vpci_irq_update_intx(struct vpci_func *fn)
{
	unsigned pin = fn->cfg[PCI_INT_PIN];
	bool drive = fn->intx_level && pin >= 1 && pin <= 4 && !(cmd_of(fn) & PCI_CMD_INTX_DISABLE) &&
		     !msi_enabled(fn) && !msix_enabled(fn);
	unsigned gsi, idx;

	if (fn->intx_level)
		fn->cfg[PCI_STATUS] |= PCI_STATUS_INTX;
	else
		fn->cfg[PCI_STATUS] &= (uint8_t)~PCI_STATUS_INTX;
	if (drive == fn->intx_driven || !fn->bus)
		return;
	fn->intx_driven = drive;
	gsi = pc_pci_intx_gsi(fn->devfn >> 3, pin - 1);
	idx = gsi - PC_GSI_PCI_FIRST;
	if (drive && fn->bus->gsi_users[idx]++ == 0)
		virq_set_gsi(fn->bus->vm, gsi, true);
	else if (!drive && --fn->bus->gsi_users[idx] == 0)
		virq_set_gsi(fn->bus->vm, gsi, false);
}

void vpci_func_set_intx_level(struct vpci_func *fn, bool level)
{
	/* The same level again changes nothing: every other input of vpci_irq_update_intx (command
	 * register, MSI and MSI-X enables, the bus) calls it when it changes. A device raising its
	 * interrupt per request for a driver that never acknowledges comes here each time. */
	if (fn->intx_level == level)
		return;
	fn->intx_level = level;
	vpci_irq_update_intx(fn);
}

/* ---- MSI ----------------------------------------------------------------------------------- */

static unsigned msi_mask_off(const struct vpci_func *fn)
{
	bool wide = vpci_cfg_get(fn, fn->msi_cap + PCI_MSI_CTRL, 2) & PCI_MSI_CTRL_64;

	return fn->msi_cap + (wide ? 0x10u : 0x0cu);
}

static bool msi_has_pvm(const struct vpci_func *fn)
{
	return vpci_cfg_get(fn, fn->msi_cap + PCI_MSI_CTRL, 2) & PCI_MSI_CTRL_PVM;
}

int vpci_func_add_msi(struct vpci_func *fn, unsigned log2_vectors, bool addr64, bool per_vector_mask)
{
	unsigned len = (addr64 ? 0x0e : 0x0a) + (per_vector_mask ? 10 : 0);
	uint16_t ctrl = (uint16_t)(log2_vectors << 1) | (addr64 ? PCI_MSI_CTRL_64 : 0) |
			(per_vector_mask ? PCI_MSI_CTRL_PVM : 0);
	unsigned data_off;
	int off;

	if (log2_vectors > MSI_MAX_LOG2 || fn->msi_cap)
		return -EINVAL;
	off = vpci_func_add_cap(fn, PCI_CAP_ID_MSI, len);
	if (off < 0)
		return off;
	fn->msi_cap = (uint8_t)off;
	data_off = (unsigned)off + (addr64 ? 0x0c : 0x08);
	vpci_cfg_set(fn, off + PCI_MSI_CTRL, 2, ctrl);
	vpci_cfg_set_wmask(fn, off + PCI_MSI_CTRL, 2, PCI_MSI_CTRL_ENABLE | 0x70u); /* enable, MME */
	vpci_cfg_set_wmask(fn, off + PCI_MSI_ADDR_LO, 4, ~3u);
	if (addr64)
		vpci_cfg_set_wmask(fn, off + 8, 4, ~0u);
	vpci_cfg_set_wmask(fn, data_off, 2, 0xffff);
	if (per_vector_mask)
		vpci_cfg_set_wmask(fn, msi_mask_off(fn), 4, (uint32_t)((1ull << (1u << log2_vectors)) - 1));
	return 0;
}

/* How many vectors the guest enabled (MME, never more than the function offers). */
static unsigned msi_count(const struct vpci_func *fn)
{
	uint16_t ctrl = (uint16_t)vpci_cfg_get(fn, fn->msi_cap + PCI_MSI_CTRL, 2);
	unsigned mmc = (ctrl >> 1) & 7, mme = (ctrl >> 4) & 7;

	return 1u << (mme < mmc ? mme : mmc);
}

static void msi_send(struct vpci_func *fn, unsigned v)
{
	unsigned cap = fn->msi_cap;
	bool wide = vpci_cfg_get(fn, cap + PCI_MSI_CTRL, 2) & PCI_MSI_CTRL_64;
	uint64_t addr = vpci_cfg_get(fn, cap + PCI_MSI_ADDR_LO, 4);
	uint32_t data = vpci_cfg_get(fn, cap + (wide ? 0x0c : 0x08), 2);
	unsigned n = msi_count(fn);

	if (wide)
		addr |= (uint64_t)vpci_cfg_get(fn, cap + 8, 4) << 32;
	v &= n - 1; /* a function given fewer vectors than it has shares them */
	if (msi_has_pvm(fn) && (vpci_cfg_get(fn, msi_mask_off(fn), 4) & (1u << v))) {
		fn->msi_pending |= 1u << v;
		vpci_cfg_set(fn, msi_mask_off(fn) + 4, 4, fn->msi_pending);
		return;
	}
	if (!(cmd_of(fn) & PCI_CMD_MASTER))
		return; /* no bus mastering, no memory write: the message is not sent */
	virq_msi(fn->bus->vm, addr, (data & ~(n - 1)) | v);
}

/* Vectors that became unmasked send what they held back. */
static void msi_flush_pending(struct vpci_func *fn)
{
	uint32_t mask;

	if (!fn->msi_pending || !msi_enabled(fn) || !msi_has_pvm(fn))
		return;
	mask = vpci_cfg_get(fn, msi_mask_off(fn), 4);
	for (unsigned v = 0; v < 32; v++) {
		if (!(fn->msi_pending & ~mask & (1u << v)))
			continue;
		fn->msi_pending &= ~(1u << v);
		vpci_cfg_set(fn, msi_mask_off(fn) + 4, 4, fn->msi_pending);
		msi_send(fn, v);
	}
}

/* ---- MSI-X --------------------------------------------------------------------------------- */

int vpci_func_add_msix(struct vpci_func *fn, unsigned nvec, unsigned bar, uint32_t table_off, uint32_t pba_off)
{
	uint64_t table_end = table_off + (uint64_t)nvec * PCI_MSIX_ENTRY_SIZE;
	uint64_t pba_end = pba_off + ((nvec + 63) / 64) * 8ull;
	int off;

	if (!nvec || nvec > VPCI_MSIX_MAX || bar >= VPCI_MAX_BARS || fn->msix_cap || (table_off & 7) ||
	    (pba_off & 7))
		return -EINVAL;
	if (fn->bars[bar].type != VPCI_BAR_MEM32 && fn->bars[bar].type != VPCI_BAR_MEM64 &&
	    fn->bars[bar].type != VPCI_BAR_MEM64_PREFETCH)
		return -EINVAL;
	if (table_end > fn->bars[bar].size || pba_end > fn->bars[bar].size ||
	    (pba_off < table_end && table_off < pba_end))
		return -EINVAL;
	off = vpci_func_add_cap(fn, PCI_CAP_ID_MSIX, 12);
	if (off < 0)
		return off;
	fn->msix_cap = (uint8_t)off;
	fn->msix_bar = (uint8_t)bar;
	fn->msix_vectors = (uint16_t)nvec;
	fn->msix_table_off = table_off;
	fn->msix_pba_off = pba_off;
	vpci_cfg_set(fn, off + PCI_MSIX_CTRL, 2, nvec - 1);
	vpci_cfg_set_wmask(fn, off + PCI_MSIX_CTRL, 2, PCI_MSIX_CTRL_ENABLE | PCI_MSIX_CTRL_MASK);
	vpci_cfg_set(fn, off + PCI_MSIX_TABLE, 4, table_off | bar);
	vpci_cfg_set(fn, off + PCI_MSIX_PBA, 4, pba_off | bar);
	for (unsigned v = 0; v < nvec; v++)
		fn->msix[v] = (struct vpci_msix_entry){ .ctrl = PCI_MSIX_ENTRY_CTRL_MASK }; /* reset: masked */
	return 0;
}

static bool msix_function_masked(const struct vpci_func *fn)
{
	return vpci_cfg_get(fn, fn->msix_cap + PCI_MSIX_CTRL, 2) & PCI_MSIX_CTRL_MASK;
}

static void msix_send(struct vpci_func *fn, unsigned v)
{
	const struct vpci_msix_entry *e = &fn->msix[v];

	if (msix_function_masked(fn) || (e->ctrl & PCI_MSIX_ENTRY_CTRL_MASK)) {
		fn->msix_pba[v / 64] |= 1ull << (v % 64);
		return;
	}
	fn->msix_pba[v / 64] &= ~(1ull << (v % 64));
	if (cmd_of(fn) & PCI_CMD_MASTER)
		virq_msi(fn->bus->vm, ((uint64_t)e->addr_hi << 32) | e->addr_lo, e->data);
}

static void msix_flush_pending(struct vpci_func *fn)
{
	if (!msix_enabled(fn) || msix_function_masked(fn))
		return;
	for (unsigned v = 0; v < fn->msix_vectors; v++)
		if ((fn->msix_pba[v / 64] & (1ull << (v % 64))) && !(fn->msix[v].ctrl & PCI_MSIX_ENTRY_CTRL_MASK))
			msix_send(fn, v);
}

/* One aligned dword of the table (word 0-3 of an entry: address low/high, data, vector control). */
static void msix_table_dword(struct vpci_func *fn, uint64_t rel, bool write, uint32_t *v)
{
	struct vpci_msix_entry *e = &fn->msix[rel / PCI_MSIX_ENTRY_SIZE];
	uint32_t *words[4] = { &e->addr_lo, &e->addr_hi, &e->data, &e->ctrl };
	unsigned w = (unsigned)(rel % PCI_MSIX_ENTRY_SIZE) / 4;

	if (!write) {
		*v = *words[w];
		return;
	}
	*words[w] = w == 3 ? (*v & PCI_MSIX_ENTRY_CTRL_MASK) : *v; /* other control bits reserved */
	if (w == 3)
		msix_flush_pending(fn);
}

/* The table and PBA take aligned dword and qword accesses (PCI 3.0, 6.8.2); others are undefined
 * there: they read all ones and writes are dropped. The PBA is read-only. */
bool vpci_msix_access(struct vpci_func *fn, unsigned bar, uint64_t off, unsigned size, bool write,
		      uint64_t *value)
{
	uint64_t table_len = fn->msix_vectors * (uint64_t)PCI_MSIX_ENTRY_SIZE;
	uint64_t pba_len = ((fn->msix_vectors + 63u) / 64) * 8ull;
	bool in_table, in_pba;

	if (!fn->msix_cap || bar != fn->msix_bar)
		return false;
	in_table = off >= fn->msix_table_off && off - fn->msix_table_off < table_len;
	in_pba = off >= fn->msix_pba_off && off - fn->msix_pba_off < pba_len;
	if (!in_table && !in_pba)
		return false;
	if ((size != 4 && size != 8) || (off & (size - 1))) {
		if (!write)
			*value = ~0ull;
		return true;
	}
	if (in_pba) {
		uint64_t q = fn->msix_pba[(off - fn->msix_pba_off) / 8];

		if (!write)
			*value = size == 8 ? q : (uint32_t)(q >> (off & 4 ? 32 : 0));
		return true;
	}
	for (unsigned i = 0; i < size / 4; i++) {
		uint32_t v = (uint32_t)(*value >> (32 * i));

		msix_table_dword(fn, off - fn->msix_table_off + 4 * i, write, &v);
		if (!write)
			*value = i ? *value | ((uint64_t)v << 32) : v;
	}
	return true;
}

/* ---- common -------------------------------------------------------------------------------- */

static bool touches(unsigned off, unsigned size, unsigned reg, unsigned reg_size)
{
	return reg && off < reg + reg_size && reg < off + size;
}

void vpci_irq_cfg_written(struct vpci_func *fn, unsigned off, unsigned size)
{
	bool msi = touches(off, size, fn->msi_cap, 0x18);
	bool msix = touches(off, size, fn->msix_cap, 12);

	if (msi || msix)
		vpci_irq_update_intx(fn); /* enabling MSI or MSI-X takes the function off INTx */
	if (msi)
		msi_flush_pending(fn);
	if (msix)
		msix_flush_pending(fn);
	if (touches(off, size, PCI_COMMAND, 2)) { /* bus mastering may have come on */
		msi_flush_pending(fn);
		msix_flush_pending(fn);
	}
}

void vpci_func_signal(struct vpci_func *fn, unsigned vector)
{
	if (!fn->bus)
		return;
	if (msix_enabled(fn)) {
		if (vector < fn->msix_vectors)
			msix_send(fn, vector);
	} else if (msi_enabled(fn)) {
		msi_send(fn, vector);
	} else {
		vpci_func_set_intx_level(fn, true);
	}
}
