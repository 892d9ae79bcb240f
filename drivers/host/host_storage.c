/* SPDX-License-Identifier: MIT */
/* NVMe discovery over PCI ECAM, GPT reading per namespace, and the partition claim table. */
#include "drivers/host/host_storage.h"

#include <string.h>

#include "arch/x86/acpi.h"
#include "arch/x86/paging.h"
#include "drivers/host/gpt.h"
#include "drivers/block/partition.h"
#include "drivers/host/nvme.h"
#include "drivers/host/pci_host.h"
#include "kernel/console.h"
#include "kernel/errno.h"
#include "kernel/mem.h"
#include "sched/spinlock.h"

#define MAX_PCI_FUNCS 256
#define CLASS_STORAGE 0x01
#define SUBCLASS_NVM 0x08
#define PROGIF_NVME 0x02

struct hs_part {
	struct nvme_ns *ns;
	const struct gpt_part *gp;
	unsigned number;              /* partition number: GPT entry index + 1 */
	unsigned ro_claims;
	bool rw_claimed;
	struct partition ro, rw;
};

static struct nvme_ctrl ctrls[HOST_STORAGE_MAX_CTRLS];
static unsigned nctrls;
static struct hs_part parts[HOST_STORAGE_MAX_PARTS];
static unsigned nparts;
static spinlock_t claim_lock = SPINLOCK_INIT;

static uint64_t mib(uint64_t sectors)
{
	return sectors >> (20 - BLKDEV_SECTOR_SHIFT);
}

/* "32 MiB", or "512 KiB" for what is smaller than a MiB. */
static const char *size_text(uint64_t sectors, char *buf, size_t len)
{
	if (sectors >= (1u << (20 - BLKDEV_SECTOR_SHIFT)))
		fmt_snprintf(buf, len, "%llu MiB", (unsigned long long)mib(sectors));
	else
		fmt_snprintf(buf, len, "%llu KiB", (unsigned long long)(sectors / 2));
	return buf;
}

static void add_partitions(struct nvme_ns *ns, const struct gpt_disk *d)
{
	char guid[GPT_GUID_TEXT], size[24];

	for (unsigned i = 0; i < d->count && nparts < HOST_STORAGE_MAX_PARTS; i++) {
		struct hs_part *p = &parts[nparts++];

		p->ns = ns;
		p->gp = &d->parts[i];
		p->number = p->gp->index + 1;
		gpt_guid_format(p->gp->unique_guid, guid);
		kprintf("basalt: %sp%u '%s' %s at sector %llu, guid %s\n", ns->bd.name, p->number, p->gp->name,
			size_text(p->gp->sectors, size, sizeof(size)), (unsigned long long)p->gp->first_sector, guid);
	}
	if (d->rejected)
		kprintf("basalt: %s: %u GPT entries refused (outside the usable range, overlapping or too many)\n",
			ns->bd.name, d->rejected);
}

static void scan_namespace(struct nvme_ns *ns)
{
	size_t pages = (sizeof(struct gpt_disk) + 4095) / 4096;
	struct gpt_disk *d = pages_alloc(pages, 4096);
	int rc;

	if (!d) {
		kprintf("basalt: %s: no memory for its GPT\n", ns->bd.name);
		return;
	}
	rc = gpt_read(&ns->bd, 1u << ns->lba_shift, d);
	if (rc) {
		kprintf("basalt: %s: no usable GPT (%d)\n", ns->bd.name, rc);
		pages_free(d, pages);
		return;
	}
	if (d->used_backup)
		kprintf("basalt: %s: primary GPT bad, using the backup\n", ns->bd.name);
	add_partitions(ns, d);
}

static void log_ctrl(const struct nvme_ctrl *c)
{
	uint64_t sectors = 0;
	char size[24];

	for (unsigned i = 0; i < c->ns_count; i++)
		sectors += c->ns[i].bd.sectors;
	kprintf("basalt: %s: %s serial %s, %u namespace%s, %s%s\n", c->name, c->model, c->serial, c->ns_count,
		c->ns_count == 1 ? "" : "s", size_text(sectors, size, sizeof(size)), c->vwc ? ", volatile cache" : "");
}

static void take_controller(const struct pci_host_dev *d)
{
	const struct pci_host_bar *bar = &d->bar[0];
	struct nvme_ctrl *c = &ctrls[nctrls];

	if (bar->io || !bar->addr || paging_map_uc(bar->addr, NVME_REGS_BYTES)) {
		kprintf("basalt: pci %02x:%02x.%u: NVMe controller without a usable BAR0\n", d->bus, d->dev, d->fn);
		return;
	}
	pci_host_enable(d);
	if (nvme_ctrl_init(c, phys_to_virt(bar->addr), nctrls)) {
		kprintf("basalt: %s (pci %02x:%02x.%u): bring-up failed, skipped\n", c->name, d->bus, d->dev, d->fn);
		return;
	}
	nctrls++;
	log_ctrl(c);
	for (unsigned i = 0; i < c->ns_count; i++)
		scan_namespace(&c->ns[i]);
}

static unsigned ecam_ranges(uint64_t rsdp_pa, struct pci_ecam_range *r)
{
	struct acpi_mcfg_alloc a[PCI_HOST_MAX_RANGES];
	unsigned n = acpi_find_mcfg(rsdp_pa, a, PCI_HOST_MAX_RANGES), used = 0;

	for (unsigned i = 0; i < n && i < PCI_HOST_MAX_RANGES; i++) {
		uint64_t start = a[i].base + ((uint64_t)a[i].bus_start << 20);
		uint64_t size = (uint64_t)(a[i].bus_end - a[i].bus_start + 1) << 20;

		if (a[i].segment || a[i].bus_start > a[i].bus_end || paging_map_uc(start, size))
			continue;
		r[used++] = (struct pci_ecam_range){ a[i].base, a[i].segment, a[i].bus_start, a[i].bus_end };
	}
	return used;
}

int host_storage_init(uint64_t rsdp_pa)
{
	struct pci_ecam_range r[PCI_HOST_MAX_RANGES];
	unsigned nr = ecam_ranges(rsdp_pa, r);
	size_t pages = (MAX_PCI_FUNCS * sizeof(struct pci_host_dev) + 4095) / 4096;
	struct pci_host_dev *devs;
	unsigned n;

	if (!nr)
		return 0;
	devs = pages_alloc(pages, 4096);
	if (!devs)
		return -ENOMEM;
	n = pci_host_enumerate(r, nr, devs, MAX_PCI_FUNCS);
	for (unsigned i = 0; i < n && i < MAX_PCI_FUNCS && nctrls < HOST_STORAGE_MAX_CTRLS; i++)
		if (devs[i].class_code == CLASS_STORAGE && devs[i].subclass == SUBCLASS_NVM &&
		    devs[i].prog_if == PROGIF_NVME)
			take_controller(&devs[i]);
	pages_free(devs, pages);
	return (int)nparts;
}

static bool part_matches(const struct hs_part *p, const char *name, const uint8_t *guid)
{
	if (name && !(p->gp->name_ascii && strcmp(p->gp->name, name) == 0))
		return false;
	return !guid || memcmp(p->gp->unique_guid, guid, 16) == 0;
}

/* The one partition name/guid select, or NULL with the reason and *err set. */
static struct hs_part *lookup(const char *name, const char *guid_text, int *err, char *why, size_t why_len)
{
	uint8_t guid[16];
	struct hs_part *found = NULL;
	unsigned matches = 0;

	if ((!name && !guid_text) || (guid_text && gpt_guid_parse(guid_text, guid))) {
		*err = -EINVAL;
		fmt_snprintf(why, why_len, "partition: %s", guid_text ? "malformed GUID" : "no name or GUID given");
		return NULL;
	}
	for (unsigned i = 0; i < nparts; i++)
		if (part_matches(&parts[i], name, guid_text ? guid : NULL) && !matches++)
			found = &parts[i];
	*err = !matches ? -ENOENT : matches > 1 ? -EEXIST : 0;
	if (!matches)
		fmt_snprintf(why, why_len, "no host partition '%s'", name ? name : guid_text);
	else if (matches > 1)
		fmt_snprintf(why, why_len, "%u host partitions are named '%s'", matches, name ? name : guid_text);
	return *err ? NULL : found;
}

static void make_window(struct hs_part *p, struct partition *w, bool read_only)
{
	char label[BLKDEV_NAME_MAX], id[BLKDEV_ID_BYTES + 1], guid[GPT_GUID_TEXT];
	unsigned j = 0;

	gpt_guid_format(p->gp->unique_guid, guid);
	for (unsigned i = 0; guid[i] && j < BLKDEV_ID_BYTES; i++)
		if (guid[i] != '-')
			id[j++] = guid[i];
	id[j] = 0;
	fmt_snprintf(label, sizeof(label), "%sp%u (%s)", p->ns->bd.name, p->number, p->gp->name);
	/* The GPT parser keeps only entries inside the drive's usable range: this cannot fail. */
	partition_init(w, &p->ns->bd, p->gp->first_sector, p->gp->sectors, read_only, label, id);
}

int host_storage_find_partition(const char *name, const char *guid, bool read_only, struct blkdev **out,
				char *why, size_t why_len)
{
	int err;

	spin_lock(&claim_lock);
	struct hs_part *p = lookup(name, guid, &err, why, why_len);
	if (p && (p->rw_claimed || (!read_only && p->ro_claims))) {
		err = -EBUSY;
		fmt_snprintf(why, why_len, "host partition '%s' is already claimed%s", p->gp->name,
			     p->rw_claimed ? " writable" : " read-only");
	} else if (p && read_only) {
		if (!p->ro_claims++)
			make_window(p, &p->ro, true);
		*out = &p->ro.bd;
	} else if (p) {
		p->rw_claimed = true;
		make_window(p, &p->rw, false);
		*out = &p->rw.bd;
	}
	spin_unlock(&claim_lock);
	return err;
}
