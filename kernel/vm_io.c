/* SPDX-License-Identifier: MIT */
/* A VM's disks and network ports: RAM disks or host NVMe partitions behind virtio-blk, switch ports behind virtio-net. */
#include "kernel/vm_io.h"

#include <string.h>

#include "drivers/block/ramdisk.h"
#include "drivers/host/host_storage.h"
#include "drivers/net/vswitch.h"
#include "drivers/virtio/virtio_blk.h"
#include "drivers/virtio/virtio_net.h"
#include "kernel/console.h"
#include "kernel/errno.h"
#include "kernel/mem.h"
#include "kernel/mmio.h"
#include "kernel/vcpu.h"
#include "kernel/vm.h"

_Static_assert(VM_IO_DISK_SLOT0 + CONFIG_MAX_DISKS <= VM_IO_NIC_SLOT0, "disk and port slots overlap");
_Static_assert(VM_IO_NIC_SLOT0 + CONFIG_MAX_NICS <= 32, "ports beyond the bus's 32 slots");
/* Every virtio function decodes one I/O BAR (its port doorbells) and two memory BARs once the guest
 * enables them; with the legacy platform (16 port ranges; 4 MMIO ranges) and the PCI test function
 * (1 and 2) a VM with every device must still fit, or a BAR would silently not decode. */
_Static_assert(16 + 1 + 1 + CONFIG_MAX_DISKS + CONFIG_MAX_NICS <= VM_MAX_PIO, "port ranges for every device");
_Static_assert(4 + 2 + 2 * (1 + CONFIG_MAX_DISKS + CONFIG_MAX_NICS) <= VM_MAX_MMIO, "MMIO ranges for every device");

/* The host's switches, indexed like basalt_config.switches. Set up once at boot before any VM
 * exists, then each guarded by its own lock (drivers/net/vswitch.h); `up` is read-only after. */
static struct vswitch switches[CONFIG_MAX_SWITCHES];
static bool switch_up[CONFIG_MAX_SWITCHES];

void vm_io_init_switches(const struct basalt_config *cfg)
{
	for (unsigned i = 0; i < cfg->nr_switches; i++) {
		const struct config_switch *s = &cfg->switches[i];

		if (s->refused || vswitch_init(&switches[i], s->name, s->mtu))
			continue;
		switch_up[i] = true;
		kprintf("basalt: switch %s: MTU %u\n", s->name, s->mtu);
	}
}

/* A frame waits in one of this VM's inboxes (called under the sender's locks and the switch's):
 * mark the VM and make its first vCPU look, which takes only runqueue locks. */
static void wake_vm(struct vswitch_port *port)
{
	struct vm *vm = port->wake_ctx;

	__atomic_store_n(&vm->io_pending, 1, __ATOMIC_RELEASE);
	if (__atomic_load_n(&vm->nr_vcpus, __ATOMIC_ACQUIRE))
		vcpu_kick(vm->vcpus[0]);
}

void vm_io_service(struct vm *vm)
{
	/* Cleared before the drain: a frame queued meanwhile sets it again and is seen next time. */
	if (!__atomic_exchange_n(&vm->io_pending, 0, __ATOMIC_ACQ_REL) || !vm_is_running(vm))
		return;
	spin_lock(&vm->lock);
	for (unsigned i = 0; i < vm->nr_nics; i++)
		virtio_net_poll_rx(vm->nics[i]);
	for (unsigned i = 0; i < vm->nr_disks; i++)
		virtio_blk_poll(vm->disks[i]);
	spin_unlock(&vm->lock);
}

/* A disk stopped at its per-notify bound with requests left: come back from this VM's own loop. */
static void disk_wants_poll(void *ctx)
{
	struct vm *vm = ctx;

	__atomic_store_n(&vm->io_pending, 1, __ATOMIC_RELEASE);
}

static int ram_disk(struct vm *vm, unsigned i, const struct vm_images *img, struct blkdev **out)
{
	const struct config_disk *d = &vm->cfg->disks[i];
	size_t pages = (sizeof(struct ramdisk) + PAGE_SIZE - 1) / PAGE_SIZE;
	struct ramdisk *rd = pages_alloc(pages, PAGE_SIZE);
	char size[24], name[CONFIG_NAME_MAX + 4];
	int rc;

	if (!rd)
		return -ENOMEM;
	fmt_snprintf(name, sizeof(name), "%s.%u", vm->name, i); /* its GET_ID serial: unique per disk */
	rc = ramdisk_create(rd, d->size_bytes, img->disk_image[i], img->disk_image_size[i], d->read_only, name);
	if (rc) {
		pages_free(rd, pages);
		kprintf("config: /vms/%s/%s: %s: the RAM disk cannot be made (%s); VM refused\n", vm->name, d->node,
			d->size_bytes ? "size" : "image", rc == -ENOMEM ? "not enough host memory" : "image larger than size");
		return -EREPORTED;
	}
	*out = &rd->bd;
	kprintf("basalt: vm '%s': disk vd%c: RAM disk, %s, not persistent%s\n", vm->name, 'a' + i,
		config_show_size(size, sizeof(size), rd->bd.sectors * BLKDEV_SECTOR_SIZE), d->read_only ? ", read-only" : "");
	return 0;
}

static int partition_disk(struct vm *vm, unsigned i, struct blkdev **out)
{
	const struct config_disk *d = &vm->cfg->disks[i];
	char why[96], size[24];
	int rc = host_storage_find_partition(d->partition[0] ? d->partition : NULL,
					     d->partition_guid[0] ? d->partition_guid : NULL, d->read_only, out, why,
					     sizeof(why));

	if (rc) {
		kprintf("config: /vms/%s/%s: %s: %s; VM refused\n", vm->name, d->node,
			d->partition[0] ? "partition" : "partition-guid", why);
		return -EREPORTED;
	}
	kprintf("basalt: vm '%s': disk vd%c: %s, %s, persistent%s%s\n", vm->name, 'a' + i, (*out)->name,
		config_show_size(size, sizeof(size), (*out)->sectors * BLKDEV_SECTOR_SIZE),
		(*out)->volatile_cache ? ", flushed on request" : "", d->read_only ? ", read-only" : "");
	return 0;
}

static int attach_disks(struct vm *vm, const struct vm_images *img)
{
	for (unsigned i = 0; i < vm->cfg->nr_disks; i++) {
		struct blkdev *bd = NULL;
		int rc = vm->cfg->disks[i].backend == CONFIG_DISK_RAM ? ram_disk(vm, i, img, &bd)
								       : partition_disk(vm, i, &bd);

		if (rc)
			return rc;
		vm->disk_backends[i] = bd;
		vm->nr_disks = i + 1;
		rc = virtio_blk_attach(vm, bd, VM_IO_DISK_SLOT0 + i, &vm->disks[i]);
		if (rc)
			return rc;
		vm->disks[i]->want_poll = disk_wants_poll;
		vm->disks[i]->want_poll_ctx = vm;
	}
	return 0;
}

static int attach_nics(struct vm *vm)
{
	for (unsigned i = 0; i < vm->cfg->nr_nics; i++) {
		const struct config_nic *n = &vm->cfg->nics[i];
		const uint8_t *m = n->mac;
		int rc;

		if (!switch_up[n->switch_index])
			return -ENODEV;
		rc = virtio_net_attach(vm, &switches[n->switch_index], m, n->allow_spoofing, wake_vm, vm,
				       VM_IO_NIC_SLOT0 + i, &vm->nics[i]);
		if (rc) {
			kprintf("config: /vms/%s/%s: switch: the port cannot be attached (error %d); VM refused\n", vm->name,
				n->node, rc);
			return -EREPORTED;
		}
		vm->nr_nics = i + 1;
		kprintf("basalt: vm '%s': %s: switch %s, MAC %02x:%02x:%02x:%02x:%02x:%02x%s\n", vm->name, n->node,
			switches[n->switch_index].name, m[0], m[1], m[2], m[3], m[4], m[5],
			n->allow_spoofing ? ", spoofing allowed" : "");
	}
	return 0;
}

int vm_io_attach(struct vm *vm, const struct vm_images *img)
{
	int rc = attach_disks(vm, img);

	return rc ? rc : attach_nics(vm);
}

void vm_io_release(struct vm *vm)
{
	for (unsigned i = 0; i < vm->nr_nics; i++)
		virtio_net_detach(vm->nics[i]);
	/* The devices stay allocated (nothing reuses a VM's slot yet); a RAM disk's medium is the big
	 * part and goes back now. */
	for (unsigned i = 0; i < vm->nr_disks; i++) {
		if (vm->cfg->disks[i].backend != CONFIG_DISK_RAM || !vm->disk_backends[i])
			continue;
		ramdisk_destroy((struct ramdisk *)vm->disk_backends[i]);
		vm->disk_backends[i] = NULL;
	}
}

void vm_io_report(const struct vm *vm)
{
	for (unsigned i = 0; i < vm->nr_disks; i++) {
		const struct virtio_blk_stats *s = &vm->disks[i]->stats;

		kprintf("basalt: vm '%s' disk vd%c: %llu reads (%llu bytes), %llu writes (%llu bytes), %llu flushes, "
			"%llu discards, %llu write-zeroes, %llu errors, %llu unsupported\n",
			vm->name, 'a' + i, (unsigned long long)s->reads, (unsigned long long)s->bytes_read,
			(unsigned long long)s->writes, (unsigned long long)s->bytes_written, (unsigned long long)s->flushes,
			(unsigned long long)s->discards, (unsigned long long)s->write_zeroes,
			(unsigned long long)s->errors, (unsigned long long)s->unsupported);
	}
	for (unsigned i = 0; i < vm->nr_nics; i++) {
		const struct virtio_net *vn = vm->nics[i];
		const struct vswitch_port_stats *p = &vn->port.stats;

		kprintf("basalt: vm '%s' %s: tx %llu frames (%llu bytes), rx %llu frames (%llu bytes); dropped: "
			"%llu spoofed, %llu oversize, %llu undersize, %llu inbox full, %llu bad tx\n",
			vm->name, vm->cfg->nics[i].node, (unsigned long long)p->tx_frames, (unsigned long long)p->tx_bytes,
			(unsigned long long)vn->stats.rx_frames, (unsigned long long)vn->stats.rx_bytes,
			(unsigned long long)p->dropped_spoof, (unsigned long long)p->dropped_oversize,
			(unsigned long long)p->dropped_undersize, (unsigned long long)p->dropped_inbox_full,
			(unsigned long long)(vn->stats.tx_bad_chain + vn->stats.tx_bad_hdr));
	}
}
