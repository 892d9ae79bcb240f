/* SPDX-License-Identifier: MIT */
/* The device part of the config blob: /switches, and each VM's `disk*` and `net*` child nodes. */

/*
 * /switches          optional; no properties; one child per switch
 * /switches/<name>   an Ethernet switch inside the hypervisor; name 1..15 chars of [a-z0-9_-], unique
 *   mtu              1 cell, CONFIG_MIN_MTU..CONFIG_MAX_MTU; default 1500
 *   A bad switch node is refused with one line; VMs with a port on it are refused too.
 * /vms/<vm>/disk[-x] a virtio-blk disk (vda, vdb, ... in node order), at most CONFIG_MAX_DISKS
 *   partition        a GPT partition of a host NVMe drive, by its name (1..36 printable chars)
 *   partition-guid   ... or by its unique GUID, "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx"
 *   size             RAM disk: 1|2 cells, a multiple of 512, up to CONFIG_MAX_RAM_DISK
 *   image            RAM disk contents: a boot-medium path (the disk is at least the file)
 *   image-data       RAM disk contents inline (dtc /incbin/), at most `size` when both are given
 *   read-only        empty: the guest sees a read-only disk, writes fail
 *   Exactly one of: partition, partition-guid, or a RAM disk (size and/or one of image, image-data).
 *   A partition writable by one VM may not be given to another (by the same name or GUID).
 * /vms/<vm>/net[-x]  a virtio-net port, at most CONFIG_MAX_NICS
 *   switch           required: the name of a /switches node
 *   mac              6 bytes ([02 00 00 00 00 01]), unicast, not all zero, unique on the host;
 *                    default: derived from the VM name and the port's index (stable across boots)
 *   allow-spoofing   empty: frames with a source MAC other than the port's own are not dropped
 * Disks and ports need the pc platform's PCI bus. A problem refuses the VM with one line naming
 * the child node and the property.
 */
#include "kernel/config_internal.h"
#include "drivers/net/eth.h"
#include "kernel/console.h"
#include "kernel/errno.h"
#include "kernel/mem.h"

#include <libfdt.h>
#include <string.h>

/* ---- names -------------------------------------------------------------------------------- */

static bool name_char_ok(char c)
{
	return c && strchr("abcdefghijklmnopqrstuvwxyz0123456789_-", c);
}

static int check_node_name(struct config_err *e, const char *name, int len, int max)
{
	if (len == 0)
		return config_fail(e, "name", "empty node name");
	if (len > max - 1)
		return config_fail(e, "name", "%d characters is too long (at most %d)", len, max - 1);
	for (int i = 0; i < len; i++)
		if (!name_char_ok(name[i]))
			return config_fail(e, "name", "character 0x%02x is not allowed (use a-z, 0-9, '_', '-')",
					   (unsigned char)name[i]);
	return 0;
}

bool config_dev_node_is(const char *name, const char *kind)
{
	size_t n = strlen(kind);
	char next = name[n];

	return strncmp(name, kind, n) == 0 && (!next || next == '-' || next == '_' || (next >= '0' && next <= '9'));
}

/* Errors inside a child name it: "config: /vms/web/disk-root: size: ...". */
static void enter_child(struct config_err *e, const char *vm_node, const char *child)
{
	char shown[CONFIG_SHOW_MAX], parent[sizeof(e->node)];

	memcpy(parent, vm_node, sizeof(parent) - 1); /* vm_node may be e->node itself */
	parent[sizeof(parent) - 1] = '\0';
	fmt_snprintf(e->node, sizeof(e->node), "%s/%s", parent,
		     config_show(shown, sizeof(shown), child, strlen(child)));
}

static int read_empty(struct config_err *e, const char *prop, int len, bool *flag)
{
	if (len != 0)
		return config_fail(e, prop, "takes no value (write `%s;`)", prop);
	*flag = true;
	return 0;
}

/* ---- switches ----------------------------------------------------------------------------- */

static int parse_switch_props(const void *blob, int node, struct config_switch *sw, struct config_err *e)
{
	bool seen_mtu = false;
	const char *name;
	int off, len;

	fdt_for_each_property_offset(off, blob, node) {
		const void *val = fdt_getprop_by_offset(blob, off, &name, &len);

		if (!val)
			return config_fail(e, "?", "unreadable property");
		if (strcmp(name, "mtu"))
			return config_fail(e, name, "unknown property (a switch takes only mtu)");
		if (seen_mtu)
			return config_fail(e, name, "given twice");
		seen_mtu = true;
		if (config_read_u32_range(e, name, val, len, CONFIG_MIN_MTU, CONFIG_MAX_MTU, &sw->mtu))
			return -EINVAL;
	}
	return config_check_no_children(blob, node, e);
}

static int parse_one_switch(const void *blob, int node, struct basalt_config *out, struct config_err *e)
{
	struct config_switch *sw = &out->switches[out->nr_switches];
	int len;
	const char *name = fdt_get_name(blob, node, &len);
	char shown[CONFIG_SHOW_MAX];

	if (!name)
		return config_fail(e, "?", "unreadable node");
	fmt_snprintf(e->node, sizeof(e->node), "/switches/%s", config_show(shown, sizeof(shown), name, (size_t)len));
	if (check_node_name(e, name, len, CONFIG_SWITCH_NAME_MAX))
		return -EINVAL;
	for (unsigned i = 0; i < out->nr_switches; i++)
		if (strcmp(out->switches[i].name, name) == 0)
			return config_fail(e, "", "duplicate switch name");
	if (out->nr_switches == CONFIG_MAX_SWITCHES)
		return config_fail(e, "", "too many switches (at most %d)", CONFIG_MAX_SWITCHES);
	*sw = (struct config_switch){ .mtu = CONFIG_DEFAULT_MTU };
	memcpy(sw->name, name, (size_t)len);
	out->nr_switches++;
	if (parse_switch_props(blob, node, sw, e)) {
		sw->refused = true; /* kept by name, so a VM naming it gets a precise refusal */
		return -EINVAL;
	}
	return 0;
}

int config_parse_switches(const void *blob, int node, struct basalt_config *out, struct config_err *fatal)
{
	struct config_err e = { 0 };
	int child, off;
	const char *name;

	if (node < 0)
		return 0;
	off = fdt_first_property_offset(blob, node);
	if (off >= 0) {
		memcpy(fatal->node, "/switches", 10);
		if (!fdt_getprop_by_offset(blob, off, &name, NULL))
			name = "?";
		return config_fail(fatal, name, "unexpected property (switches are the child nodes of /switches)");
	}
	fdt_for_each_subnode(child, blob, node)
		if (parse_one_switch(blob, child, out, &e))
			config_print_err(&e, "switch refused");
	return 0;
}

/* ---- disks -------------------------------------------------------------------------------- */

enum { D_PART, D_GUID, D_SIZE, D_IMAGE, D_IMAGE_DATA, D_RO, D_COUNT };
static const char *const disk_props[D_COUNT] = { "partition", "partition-guid", "size", "image", "image-data",
						  "read-only" };

/* The usual text form; stored lower case so two spellings of one GUID compare equal. */
static int parse_guid(struct config_err *e, const char *prop, const char *val, int len, char *out)
{
	if (config_check_string(e, prop, val, len, CONFIG_GUID_TEXT, "GUID") || len != CONFIG_GUID_TEXT)
		return len == CONFIG_GUID_TEXT ? -EINVAL
					       : config_fail(e, prop, "is not a GUID (write xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)");
	for (int i = 0; i < CONFIG_GUID_TEXT - 1; i++) {
		char c = val[i];
		bool dash = i == 8 || i == 13 || i == 18 || i == 23;

		if (dash ? c != '-' : !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')))
			return config_fail(e, prop, "is not a GUID: character %d (write xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)",
					   i + 1);
		out[i] = (c >= 'A' && c <= 'F') ? (char)(c - 'A' + 'a') : c;
	}
	out[CONFIG_GUID_TEXT - 1] = '\0';
	return 0;
}

static int parse_disk_prop(struct config_err *e, struct config_disk *d, int which, const char *name,
			   const void *val, int len)
{
	char a[24], b[24];

	switch (which) {
	case D_PART:
		if (config_check_string(e, name, val, len, CONFIG_PART_NAME_MAX, "partition name"))
			return -EINVAL;
		if (len == 1)
			return config_fail(e, name, "is empty");
		memcpy(d->partition, val, (size_t)len);
		return 0;
	case D_GUID:
		return parse_guid(e, name, val, len, d->partition_guid);
	case D_SIZE:
		if (config_read_u64(e, name, val, len, &d->size_bytes))
			return -EINVAL;
		if (!d->size_bytes || d->size_bytes % 512)
			return config_fail(e, name, "%llu bytes is not a positive multiple of 512",
					   (unsigned long long)d->size_bytes);
		if (d->size_bytes > CONFIG_MAX_RAM_DISK)
			return config_fail(e, name, "%s is above the RAM disk limit of %s",
					   config_show_size(a, sizeof(a), d->size_bytes),
					   config_show_size(b, sizeof(b), CONFIG_MAX_RAM_DISK));
		return 0;
	case D_IMAGE:
		if (config_check_path(e, name, val, len))
			return -EINVAL;
		memcpy(d->image.path, val, (size_t)len);
		d->image.source = CONFIG_IMAGE_FILE;
		return 0;
	case D_IMAGE_DATA:
		if (len < 1)
			return config_fail(e, name, "is empty (use /incbin/ or a byte string)");
		d->image = (struct config_image){ .source = CONFIG_IMAGE_INLINE, .data = val, .size = (size_t)len };
		return 0;
	default:
		return read_empty(e, name, len, &d->read_only);
	}
}

/* Which of the backends the properties chose, and whether they fit together. */
static int check_disk_choice(struct config_err *e, struct config_disk *d, unsigned seen)
{
	bool part = seen & (1u << D_PART), guid = seen & (1u << D_GUID);
	bool ram = seen & ((1u << D_SIZE) | (1u << D_IMAGE) | (1u << D_IMAGE_DATA));
	char a[24];

	if (part && guid)
		return config_fail(e, "partition-guid", "conflicts with partition (name the partition one way)");
	if ((part || guid) && ram)
		return config_fail(e, (seen & (1u << D_SIZE)) ? "size" : (seen & (1u << D_IMAGE)) ? "image" : "image-data",
				   "is for RAM disks; this disk is a partition");
	if ((seen & (1u << D_IMAGE)) && (seen & (1u << D_IMAGE_DATA)))
		return config_fail(e, "image-data", "conflicts with image (give at most one of the two)");
	if (!part && !guid && !ram)
		return config_fail(e, "", "says nothing about its medium (give partition, partition-guid, size, image "
				   "or image-data)");
	d->backend = ram ? CONFIG_DISK_RAM : CONFIG_DISK_PARTITION;
	if (d->image.source == CONFIG_IMAGE_INLINE && d->size_bytes && d->image.size > d->size_bytes)
		return config_fail(e, "size", "%s is smaller than its image-data (%zu bytes)",
				   config_show_size(a, sizeof(a), d->size_bytes), d->image.size);
	if (d->image.source == CONFIG_IMAGE_INLINE && !d->size_bytes)
		d->size_bytes = ALIGN_UP(d->image.size, 512);
	return 0;
}

static int parse_disk(struct vm_parse *p, int node, const char *name)
{
	struct config_disk *d = &p->vm->disks[p->vm->nr_disks];
	unsigned seen = 0;
	const char *pname;
	int off, len;

	if (p->vm->nr_disks == CONFIG_MAX_DISKS)
		return config_fail(&p->err, "", "too many disks (at most %d per VM)", CONFIG_MAX_DISKS);
	*d = (struct config_disk){ 0 };
	memcpy(d->node, name, strlen(name) + 1);
	fdt_for_each_property_offset(off, p->blob, node) {
		const void *val = fdt_getprop_by_offset(p->blob, off, &pname, &len);
		int which = 0;

		if (!val)
			return config_fail(&p->err, "?", "unreadable property");
		while (which < D_COUNT && strcmp(pname, disk_props[which]))
			which++;
		if (which == D_COUNT)
			return config_fail(&p->err, pname, "unknown property");
		if (seen & (1u << which))
			return config_fail(&p->err, pname, "given twice");
		seen |= 1u << which;
		if (parse_disk_prop(&p->err, d, which, pname, val, len))
			return -EINVAL;
	}
	if (config_check_no_children(p->blob, node, &p->err) || check_disk_choice(&p->err, d, seen))
		return -EINVAL;
	p->vm->nr_disks++;
	return 0;
}

/* ---- network ports ------------------------------------------------------------------------ */

static int parse_switch_ref(struct vm_parse *p, struct config_nic *n, const char *prop, const char *val, int len)
{
	char shown[CONFIG_SHOW_MAX];

	if (config_check_string(&p->err, prop, val, len, CONFIG_SHOW_MAX, "switch name"))
		return -EINVAL;
	for (unsigned i = 0; i < p->cfg->nr_switches; i++) {
		if (strcmp(p->cfg->switches[i].name, val))
			continue;
		if (p->cfg->switches[i].refused)
			return config_fail(&p->err, prop, "switch \"%s\" was refused (see its line above)", val);
		n->switch_index = i;
		return 0;
	}
	return config_fail(&p->err, prop, "\"%s\" is not a switch (define it under /switches)",
			   config_show(shown, sizeof(shown), val, (size_t)len - 1));
}

static int parse_mac(struct config_err *e, const char *prop, const uint8_t *val, int len, struct config_nic *n)
{
	static const uint8_t zero[6];

	if (len != 6)
		return config_fail(e, prop, "has %d bytes, expected 6 (write [02 00 00 00 00 01])", len);
	if (val[0] & 1)
		return config_fail(e, prop, "%02x:%02x:%02x:%02x:%02x:%02x is a multicast address", val[0], val[1],
				   val[2], val[3], val[4], val[5]);
	if (!memcmp(val, zero, 6))
		return config_fail(e, prop, "00:00:00:00:00:00 is not an address");
	memcpy(n->mac, val, 6);
	n->mac_given = true;
	return 0;
}

static int parse_nic(struct vm_parse *p, int node, const char *name)
{
	struct config_nic *n = &p->vm->nics[p->vm->nr_nics];
	bool seen_switch = false, seen_mac = false, seen_spoof = false;
	const char *pname;
	int off, len;

	if (p->vm->nr_nics == CONFIG_MAX_NICS)
		return config_fail(&p->err, "", "too many network ports (at most %d per VM)", CONFIG_MAX_NICS);
	*n = (struct config_nic){ 0 };
	memcpy(n->node, name, strlen(name) + 1);
	fdt_for_each_property_offset(off, p->blob, node) {
		const void *val = fdt_getprop_by_offset(p->blob, off, &pname, &len);
		bool *seen = !strcmp(pname, "switch") ? &seen_switch : !strcmp(pname, "mac") ? &seen_mac
								   : !strcmp(pname, "allow-spoofing") ? &seen_spoof : NULL;

		if (!val)
			return config_fail(&p->err, "?", "unreadable property");
		if (!seen)
			return config_fail(&p->err, pname, "unknown property");
		if (*seen)
			return config_fail(&p->err, pname, "given twice");
		*seen = true;
		if (seen == &seen_switch ? parse_switch_ref(p, n, pname, val, len)
		    : seen == &seen_mac  ? parse_mac(&p->err, pname, val, len, n)
					 : read_empty(&p->err, pname, len, &n->allow_spoofing))
			return -EINVAL;
	}
	if (config_check_no_children(p->blob, node, &p->err))
		return -EINVAL;
	if (!seen_switch)
		return config_fail(&p->err, "switch", "missing (name a switch of /switches)");
	p->vm->nr_nics++;
	return 0;
}

int config_parse_vm_devices(struct vm_parse *p, int vm_node)
{
	char vm_path[sizeof(p->err.node)];
	int child;

	memcpy(vm_path, p->err.node, sizeof(vm_path));
	fdt_for_each_subnode(child, p->blob, vm_node) {
		int len;
		const char *name = fdt_get_name(p->blob, child, &len);

		if (!name)
			return config_fail(&p->err, "?", "unreadable node");
		if (check_node_name(&p->err, name, len, CONFIG_DEV_NAME_MAX))
			return -EINVAL;
		enter_child(&p->err, vm_path, name);
		if (config_dev_node_is(name, "disk") ? parse_disk(p, child, name)
		    : config_dev_node_is(name, "net") ? parse_nic(p, child, name)
					    : config_fail(&p->err, "", "unexpected child node (devices are disk* or net* nodes)"))
			return -EINVAL;
		memcpy(p->err.node, vm_path, sizeof(vm_path));
	}
	return 0;
}

/* ---- rules across VMs ---------------------------------------------------------------------- */

static bool same_partition(const struct config_disk *a, const struct config_disk *b)
{
	if (a->backend != CONFIG_DISK_PARTITION || b->backend != CONFIG_DISK_PARTITION)
		return false;
	return (a->partition[0] && !strcmp(a->partition, b->partition)) ||
	       (a->partition_guid[0] && !strcmp(a->partition_guid, b->partition_guid));
}

static int check_partition_claims(const struct basalt_config *out, const struct vm_config *vm, struct config_err *e)
{
	for (unsigned d = 0; d < vm->nr_disks; d++) {
		const struct config_disk *mine = &vm->disks[d];

		for (unsigned i = 0; i <= out->vm_count; i++) {
			const struct vm_config *other = i < out->vm_count ? &out->vms[i] : vm;

			for (unsigned k = 0; k < other->nr_disks; k++) {
				const struct config_disk *theirs = &other->disks[k];

				if ((other == vm && k == d) || !same_partition(mine, theirs))
					continue;
				if (!mine->read_only || !theirs->read_only) {
					enter_child(e, e->node, mine->node);
					return config_fail(e, mine->partition[0] ? "partition" : "partition-guid",
							   "already given to /vms/%s/%s, and a writable partition belongs to one disk",
							   other->name, theirs->node);
				}
			}
		}
	}
	return 0;
}

static int check_macs(const struct basalt_config *out, struct vm_config *vm, struct config_err *e)
{
	for (unsigned n = 0; n < vm->nr_nics; n++) {
		struct config_nic *mine = &vm->nics[n];

		if (!mine->mac_given)
			eth_mac_from_name(vm->name, n, mine->mac);
		for (unsigned i = 0; i <= out->vm_count; i++) {
			const struct vm_config *other = i < out->vm_count ? &out->vms[i] : vm;
			unsigned limit = other == vm ? n : other->nr_nics;

			for (unsigned k = 0; k < limit; k++) {
				const uint8_t *m = mine->mac;

				if (memcmp(m, other->nics[k].mac, 6))
					continue;
				enter_child(e, e->node, mine->node);
				return config_fail(e, "mac", "%02x:%02x:%02x:%02x:%02x:%02x is already used by /vms/%s/%s", m[0],
						   m[1], m[2], m[3], m[4], m[5], other->name, other->nics[k].node);
			}
		}
	}
	return 0;
}

int config_admit_devices(const struct basalt_config *out, struct vm_config *vm, struct config_err *e)
{
	if (check_partition_claims(out, vm, e))
		return -EINVAL;
	return check_macs(out, vm, e);
}

uint64_t config_ram_disk_bytes(const struct vm_config *vm)
{
	uint64_t total = 0;

	for (unsigned i = 0; i < vm->nr_disks; i++)
		if (vm->disks[i].backend == CONFIG_DISK_RAM)
			total += vm->disks[i].size_bytes;
	return total;
}
