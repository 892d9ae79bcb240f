/* SPDX-License-Identifier: MIT */
/* Config blob parser: DTB -> struct basalt_config, refusing anything it does not understand. */

/*
 * The blob, as dtc writes it (cells are big-endian u32; "1|2 cells" takes <x> or <hi lo>):
 * /              only /basalt, /switches and /vms; no properties, no other nodes (fatal)
 * /basalt        required; every problem here refuses the whole config (-EINVAL)
 *   version        1 cell, required, must be 1
 *   sched          "rr" | "shares": the policy of VMs without their own `sched`; default "shares"
 *   timeslice-us   1 cell, CONFIG_MIN_TIMESLICE_US..CONFIG_MAX_TIMESLICE_US; default 10000
 * /vms           optional (missing or empty: "no VMs defined"); no properties (fatal)
 * /vms/<name>    one VM each, in blob order; name: 1..CONFIG_NAME_MAX-1 chars of [a-z0-9_-],
 *                no "@unit", unique among accepted VMs (parsed in config_vm.c)
 *   memory         1|2 cells, required; multiple of 4 KiB, CONFIG_MIN_MEMORY..CONFIG_MAX_MEMORY;
 *                  a Linux VM needs at least CONFIG_MIN_LINUX_MEMORY (Debian's kernel + initramfs);
 *                  accepted VMs together fit in limits->host_memory_bytes
 *   vcpus          1 cell, 1..CONFIG_MAX_VCPUS; default 1
 *   shares         1 cell, 1..CONFIG_MAX_SHARES; default CONFIG_DEFAULT_SHARES
 *   cpus           1..64 cells, host CPU indices < limits->host_cpus, no repeats; default all
 *   sched          "pinned" | "rr" | "shares"; default /basalt sched. Pinned: vCPU k owns the k-th core
 *                  of cpus (the highest free cores without cpus); a core pinned twice, fewer cores
 *                  than vCPUs, or taking another VM's last core refuses the VM; pinned cores leave
 *                  the masks of the other VMs, and a VM left without a core is refused (config_sched.c)
 *   Exactly one of image, image-data, kernel, kernel-data, multiboot, multiboot-data (a pair names
 *   the conflict); it sets the kind:
 *   image          flat: one string, a boot-medium path of 1..CONFIG_PATH_MAX-1 printable characters
 *   image-data     flat: bytes (dtc /incbin/), at least one
 *   kernel         Linux: a bzImage's boot-medium path, same rules as image
 *   kernel-data    Linux: the bzImage's bytes, same rules as image-data
 *   Flat VMs only (refused with a kernel: the Linux loader places the kernel itself):
 *   load-address   1|2 cells, 4 KiB aligned, >= CONFIG_MIN_LOAD, below memory; default
 *                  CONFIG_DEFAULT_LOAD; an inline image must end at or below memory
 *   entry          1|2 cells; default load-address; inline image: inside the image;
 *                  file image: in [load-address, memory) (the loader checks the file size)
 *   Linux VMs only (refused without a kernel):
 *   initrd         optional, a boot-medium path as image
 *   initrd-data    optional, bytes as image-data; at most one of initrd / initrd-data
 *   cmdline        one string of 0..CONFIG_CMDLINE_MAX-1 printable characters;
 *                  default CONFIG_DEFAULT_CMDLINE
 *   multiboot      multiboot v1 kernel: a boot-medium path as image
 *   multiboot-data the multiboot kernel's bytes, as image-data
 *   Multiboot VMs only (refused otherwise): cmdline (as for Linux, default ""), and
 *   modules        1..CONFIG_MAX_MODULES strings "file [args]" of printable characters, each below
 *                  CONFIG_MODULE_STRING_MAX; file (up to the first blank) is a boot-medium path; the
 *                  guest gets the whole entry as the module's string. load-address, entry, initrd
 *                  and initrd-data are refused; platform is "pc" (forced, "none" refused)
 *   test-exit      1 cell, port 1..0xfffc: an isa-debug-exit style port (drivers/pc/vtestexit.c)
 *   virtio-console empty (a boolean): a virtio console at PCI 00:04.0; pc platform only, so a flat
 *                  VM without platform = "pc" is refused
 *   no other properties, no property twice; child nodes: disk* and net* only (kernel/config_dev.c,
 *   which also documents /switches)
 * Per VM the checks run property by property in blob order, then: memory given, the image choice,
 * the kind's rules (flat: initrd/cmdline absent, then placement; Linux: load-address/entry absent,
 * initrd choice, memory minimum). A Linux VM gets load_address = entry = 0 and image NONE.
 * A bad VM is refused with one line naming its first problem; the other VMs still run.
 */
#include "kernel/config_internal.h"
#include "kernel/console.h"
#include "kernel/errno.h"

#include <libfdt.h>
#include <stdarg.h>
#include <string.h>

#define CONFIG_VERSION 1u

/* Blob text goes to the serial console: keep it short and printable. */
const char *config_show(char *buf, size_t size, const char *s, size_t len)
{
	size_t n = len < size - 4 ? len : size - 4;

	for (size_t i = 0; i < n; i++)
		buf[i] = s[i] >= 0x20 && s[i] < 0x7f ? s[i] : '?';
	buf[n] = '\0';
	if (n < len)
		memcpy(buf + n, "...", 4);
	return buf;
}

int config_fail(struct config_err *e, const char *prop, const char *fmt, ...)
{
	va_list ap;

	config_show(e->prop, sizeof(e->prop), prop, strlen(prop));
	va_start(ap, fmt);
	fmt_vsnprintf(e->why, sizeof(e->why), fmt, ap);
	va_end(ap);
	return -EINVAL;
}

void config_print_err(const struct config_err *e, const char *verdict)
{
	kprintf("config: %s: %s%s%s; %s\n", e->node, e->prop, e->prop[0] ? ": " : "", e->why, verdict);
}

/* Sizes in messages read as people wrote them: "64 MiB", not 0x4000000. */
const char *config_show_size(char *buf, size_t size, uint64_t bytes)
{
	static const char *const units[] = { "TiB", "GiB", "MiB", "KiB", "bytes" };
	int i = 0;

	while (i < 4 && (!bytes || bytes % (1ull << (40 - 10 * i))))
		i++;
	fmt_snprintf(buf, size, "%llu %s", (unsigned long long)(bytes >> (40 - 10 * i)), units[i]);
	return buf;
}

int config_read_u32(struct config_err *e, const char *prop, const void *val, int len, uint32_t *out)
{
	if (len != 4)
		return config_fail(e, prop, "has %d bytes, expected one cell (4 bytes)", len);
	*out = fdt32_ld(val);
	return 0;
}

/* Either width: dtc users write <0x0 0x4000000> as often as <0x4000000>. */
int config_read_u64(struct config_err *e, const char *prop, const void *val, int len, uint64_t *out)
{
	if (len == 4)
		*out = fdt32_ld(val);
	else if (len == 8)
		*out = fdt64_ld(val);
	else
		return config_fail(e, prop, "has %d bytes, expected 1 or 2 cells (4 or 8 bytes)", len);
	return 0;
}

int config_read_u32_range(struct config_err *e, const char *prop, const void *val, int len,
			  uint32_t min, uint32_t max, uint32_t *out)
{
	if (config_read_u32(e, prop, val, len, out))
		return -EINVAL;
	if (*out < min || *out > max)
		return config_fail(e, prop, "%u is out of range (%u..%u)", *out, min, max);
	return 0;
}

/* Strings end up on the serial console and in guest memory: one, printable, bounded. */
int config_check_string(struct config_err *e, const char *prop, const char *val, int len, int max,
			const char *what)
{
	if (len < 1 || val[len - 1] != '\0')
		return config_fail(e, prop, "is not a NUL-terminated string");
	if (strlen(val) + 1 != (size_t)len)
		return config_fail(e, prop, "must be one string, not a list");
	if (len > max)
		return config_fail(e, prop, "%s is %d characters, the limit is %d", what, len - 1, max - 1);
	for (int i = 0; i < len - 1; i++)
		if (val[i] < 0x20 || val[i] >= 0x7f)
			return config_fail(e, prop, "%s has a non-printable character at offset %d", what, i);
	return 0;
}

int config_module_path(const char *entry, char *path, size_t size)
{
	const char *blank = strchr(entry, ' ');
	size_t n = blank ? (size_t)(blank - entry) : strlen(entry);

	if (n == 0 || n >= size)
		return -EINVAL;
	memcpy(path, entry, n);
	path[n] = '\0';
	return 0;
}

int config_check_path(struct config_err *e, const char *prop, const char *val, int len)
{
	if (len == 1 && val[0] == '\0')
		return config_fail(e, prop, "is empty");
	return config_check_string(e, prop, val, len, CONFIG_PATH_MAX, "path");
}

/* A blob libfdt can walk safely, or the libfdt error saying why not. */
static int check_blob(const void *blob, size_t size)
{
	if (!blob || size < sizeof(struct fdt_header))
		return -FDT_ERR_TRUNCATED;
	if ((uintptr_t)blob & 7)
		return -FDT_ERR_ALIGNMENT;
	/* dtc writes version 17; libfdt 1.6.1's checks of older layouts crash on bad input */
	if (fdt_magic(blob) == FDT_MAGIC && fdt_version(blob) < 17)
		return -FDT_ERR_BADVERSION;
	return fdt_check_full(blob, size);
}

/* Exact name match: fdt_subnode_offset would also take "vms@1" for "vms". */
static int find_child(const void *blob, int parent, const char *name)
{
	int node;

	fdt_for_each_subnode(node, blob, parent) {
		const char *n = fdt_get_name(blob, node, NULL);

		if (n && strcmp(n, name) == 0)
			return node;
	}
	return -FDT_ERR_NOTFOUND;
}

int config_check_no_children(const void *blob, int node, struct config_err *e)
{
	int child = fdt_first_subnode(blob, node);
	const char *name;

	if (child < 0)
		return 0;
	name = fdt_get_name(blob, child, NULL);
	return config_fail(e, name ? name : "?", "unexpected child node");
}

static int check_no_props(const void *blob, int node, struct config_err *e, const char *why)
{
	int off = fdt_first_property_offset(blob, node);
	const char *name;

	if (off < 0)
		return 0;
	if (!fdt_getprop_by_offset(blob, off, &name, NULL))
		return config_fail(e, "?", "unreadable property");
	return config_fail(e, name, "unexpected property (%s)", why);
}

static int check_root(const void *blob, struct config_err *e)
{
	int node;
	const char *name;

	memcpy(e->node, "/", 2);
	if (check_no_props(blob, 0, e, "the root holds only /basalt, /switches and /vms"))
		return -EINVAL;
	fdt_for_each_subnode(node, blob, 0) {
		name = fdt_get_name(blob, node, NULL);
		if (!name)
			return config_fail(e, "?", "unreadable node");
		if (strcmp(name, "basalt") && strcmp(name, "vms") && strcmp(name, "switches"))
			return config_fail(e, name, "unexpected node (the root holds only /basalt, /switches and /vms)");
		if (find_child(blob, 0, name) != node)
			return config_fail(e, name, "node given twice");
	}
	return 0;
}

static int parse_sched(struct config_err *e, const void *val, int len, struct basalt_config *out)
{
	char shown[CONFIG_SHOW_MAX];

	if (len == 3 && memcmp(val, "rr", 3) == 0)
		out->policy = CONFIG_SCHED_RR;
	else if (len == 7 && memcmp(val, "shares", 7) == 0)
		out->policy = CONFIG_SCHED_SHARES;
	else
		return config_fail(e, "sched", "\"%s\" is not a policy (use \"rr\" or \"shares\")",
			    config_show(shown, sizeof(shown), val, len ? (size_t)len - 1 : 0));
	return 0;
}

static int parse_basalt_prop(struct config_err *e, const char *name, const void *val, int len,
			     struct basalt_config *out)
{
	if (strcmp(name, "version") == 0)
		return 0;
	if (strcmp(name, "sched") == 0)
		return parse_sched(e, val, len, out);
	if (strcmp(name, "timeslice-us") == 0)
		return config_read_u32_range(e, name, val, len, CONFIG_MIN_TIMESLICE_US,
				      CONFIG_MAX_TIMESLICE_US, &out->timeslice_us);
	return config_fail(e, name, "unknown property");
}

/* The version comes first: a newer format's other properties may mean something else. */
static int parse_version(const void *blob, int node, struct config_err *e, struct basalt_config *out)
{
	int len;
	const void *val = fdt_getprop(blob, node, "version", &len);

	if (!val)
		return config_fail(e, "version", "missing (this Basalt reads version = <%u>)", CONFIG_VERSION);
	if (config_read_u32(e, "version", val, len, &out->version))
		return -EINVAL;
	if (out->version != CONFIG_VERSION)
		return config_fail(e, "version", "%u is not supported (this Basalt reads version = <%u>)",
			    out->version, CONFIG_VERSION);
	return 0;
}

static int parse_basalt(const void *blob, int node, struct config_err *e, struct basalt_config *out)
{
	int off, len;
	const char *name, *seen_prop[3] = { 0 };
	unsigned nseen = 0;

	memcpy(e->node, "/basalt", 8);
	if (node < 0)
		return config_fail(e, "", "node missing (it must hold version = <%u>)", CONFIG_VERSION);
	if (parse_version(blob, node, e, out))
		return -EINVAL;
	fdt_for_each_property_offset(off, blob, node) {
		const void *val = fdt_getprop_by_offset(blob, off, &name, &len);

		if (!val)
			return config_fail(e, "?", "unreadable property");
		for (unsigned i = 0; i < nseen; i++)
			if (strcmp(seen_prop[i], name) == 0)
				return config_fail(e, name, "given twice");
		if (parse_basalt_prop(e, name, val, len, out))
			return -EINVAL;
		seen_prop[nseen++] = name;
	}
	return config_check_no_children(blob, node, e);
}

static int admit_vm(const struct basalt_config *out, struct vm_config *vm,
		    const struct config_limits *limits, struct config_err *e)
{
	uint64_t used = 0;
	char a[24], b[24];

	uint64_t want = vm->memory_bytes + config_ram_disk_bytes(vm);

	for (unsigned i = 0; i < out->vm_count; i++) {
		if (strcmp(out->vms[i].name, vm->name) == 0)
			return config_fail(e, "", "duplicate VM name");
		used += out->vms[i].memory_bytes + config_ram_disk_bytes(&out->vms[i]);
	}
	if (out->vm_count == CONFIG_MAX_VMS)
		return config_fail(e, "", "too many VMs (Basalt runs at most %d)", CONFIG_MAX_VMS);
	/* Guest RAM and RAM disks both come out of host memory; the message says which was asked. */
	if (used > limits->host_memory_bytes || want > limits->host_memory_bytes - used)
		return config_fail(e, "memory", "asks for %s%s but only %s of host memory is left",
			    config_show_size(a, sizeof(a), want), want != vm->memory_bytes ? " with its RAM disks" : "",
			    config_show_size(b, sizeof(b), used > limits->host_memory_bytes ? 0 : limits->host_memory_bytes - used));
	return config_admit_devices(out, vm, e);
}

static void parse_one_vm(const void *blob, int node, const struct config_limits *limits,
			 struct basalt_config *out)
{
	struct vm_config vm; /* ~4 KiB (cmdline, modules, disks): fine on the 64 KiB boot stack */
	struct vm_parse p = { .blob = blob, .limits = limits, .vm = &vm, .default_policy = out->policy, .cfg = out };
	char shown[CONFIG_SHOW_MAX];
	int len;
	const char *name = fdt_get_name(blob, node, &len);

	if (!name) {
		name = "?";
		len = 1;
	}
	config_show(shown, sizeof(shown), name, (size_t)len);
	fmt_snprintf(p.err.node, sizeof(p.err.node), "/vms/%s", shown);
	if (config_parse_vm(&p, node, name, len) || admit_vm(out, &vm, limits, &p.err) ||
	    config_admit_sched(out, &vm, config_vm_names_cpus(&p), limits, &p.err)) {
		config_print_err(&p.err, "VM refused");
		out->refused++;
		return;
	}
	out->vms[out->vm_count++] = vm;
}

static int parse_vms(const void *blob, int vms, const struct config_limits *limits,
		     struct basalt_config *out, struct config_err *e)
{
	int node;

	memcpy(e->node, "/vms", 5);
	if (vms >= 0 && check_no_props(blob, vms, e, "VMs are the child nodes of /vms"))
		return -EINVAL;
	if (vms < 0 || fdt_first_subnode(blob, vms) < 0) {
		kprintf("config: /vms: no VMs defined\n");
		return 0;
	}
	fdt_for_each_subnode(node, blob, vms)
		parse_one_vm(blob, node, limits, out);
	return 0;
}

int config_parse(const void *blob, size_t size, const struct config_limits *limits,
		 struct basalt_config *out)
{
	struct config_err e = { 0 };
	int err;

	if (!out || !limits || !limits->host_cpus)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	out->policy = CONFIG_SCHED_SHARES;
	out->timeslice_us = CONFIG_DEFAULT_TIMESLICE_US;
	err = check_blob(blob, size);
	if (err) {
		/* libfdt 1.6.1's fdt_strerror has no text for FDT_ERR_ALIGNMENT */
		kprintf("config: blob is not a valid device tree: %s\n",
			err == -FDT_ERR_ALIGNMENT ? "FDT_ERR_ALIGNMENT (must start 8-byte aligned)"
						  : fdt_strerror(err));
		return -EINVAL;
	}
	if (check_root(blob, &e) || parse_basalt(blob, find_child(blob, 0, "basalt"), &e, out) ||
	    config_parse_switches(blob, find_child(blob, 0, "switches"), out, &e) ||
	    parse_vms(blob, find_child(blob, 0, "vms"), limits, out, &e)) {
		config_print_err(&e, "config refused");
		return -EINVAL;
	}
	return 0;
}

/* The properties naming files on the boot medium, in the order config_for_each_path reports them. */
static const char *const path_props[] = { "image", "kernel", "initrd", "multiboot" };

/* The file of each well-formed `modules` entry (a printable "file [args]" string list). */
static int report_modules(const void *blob, int node, const char *name, config_path_fn fn, void *ctx)
{
	char path[CONFIG_PATH_MAX];
	int len, count = 0;
	const char *s = fdt_getprop(blob, node, "modules", &len), *end;

	if (!s || len < 2 || s[len - 1])
		return 0;
	for (end = s + len; s < end && count < CONFIG_MAX_MODULES; s += strlen(s) + 1) {
		bool printable = true;

		for (const char *c = s; *c; c++)
			printable = printable && *c >= 0x20 && *c < 0x7f;
		if (!printable || config_module_path(s, path, sizeof(path)))
			continue;
		if (fn)
			fn(name, path, ctx);
		count++;
	}
	return count;
}

/* The `image` of each disk child (a RAM disk's contents), in node order: the same nodes the parser
 * takes for disks. */
static int report_disk_images(const void *blob, int node, const char *name, config_path_fn fn, void *ctx)
{
	struct config_err scratch;
	int child, len, count = 0;

	fdt_for_each_subnode(child, blob, node) {
		const char *cname = fdt_get_name(blob, child, NULL);
		const char *path = fdt_getprop(blob, child, "image", &len);

		if (!cname || !config_dev_node_is(cname, "disk") || !path || config_check_path(&scratch, "image", path, len))
			continue;
		if (fn)
			fn(name, path, ctx);
		count++;
	}
	return count;
}

static int report_paths(const void *blob, int node, config_path_fn fn, void *ctx)
{
	struct config_err scratch;
	const char *name = fdt_get_name(blob, node, NULL);
	int len, count = 0;

	for (size_t i = 0; name && i < sizeof(path_props) / sizeof(path_props[0]); i++) {
		const char *path = fdt_getprop(blob, node, path_props[i], &len);

		if (!path || config_check_path(&scratch, path_props[i], path, len))
			continue;
		if (fn)
			fn(name, path, ctx);
		count++;
	}
	return name ? count + report_modules(blob, node, name, fn, ctx) + report_disk_images(blob, node, name, fn, ctx)
		    : count;
}

int config_for_each_path(const void *blob, size_t size, config_path_fn fn, void *ctx)
{
	int vms, node, count = 0;

	if (check_blob(blob, size))
		return -EINVAL;
	vms = find_child(blob, 0, "vms");
	if (vms < 0)
		return 0;
	fdt_for_each_subnode(node, blob, vms)
		count += report_paths(blob, node, fn, ctx);
	return count;
}
