/* SPDX-License-Identifier: MIT */
/* Config blob parser: DTB -> struct basalt_config, refusing anything it does not understand. */

/*
 * The blob, as dtc writes it (cells are big-endian u32; "1|2 cells" takes <x> or <hi lo>):
 * /              only /basalt and /vms; no properties, no other nodes (fatal)
 * /basalt        required; every problem here refuses the whole config (-EINVAL)
 *   version        1 cell, required, must be 1
 *   sched          "rr" | "shares"; default "rr"
 *   timeslice-us   1 cell, CONFIG_MIN_TIMESLICE_US..CONFIG_MAX_TIMESLICE_US; default 10000
 * /vms           optional (missing or empty: "no VMs defined"); no properties (fatal)
 * /vms/<name>    one VM each, in blob order; name: 1..CONFIG_NAME_MAX-1 chars of [a-z0-9_-],
 *                no "@unit", unique among accepted VMs
 *   memory         1|2 cells, required; multiple of 4 KiB, CONFIG_MIN_MEMORY..CONFIG_MAX_MEMORY;
 *                  accepted VMs together fit in limits->host_memory_bytes
 *   vcpus          1 cell, 1..CONFIG_MAX_VCPUS; default 1
 *   image          one string, a boot-medium path of 1..CONFIG_PATH_MAX-1 printable characters
 *   image-data     bytes (dtc /incbin/), at least one; exactly one of image / image-data
 *   load-address   1|2 cells, 4 KiB aligned, >= CONFIG_MIN_LOAD, below memory; default
 *                  CONFIG_DEFAULT_LOAD; an inline image must end at or below memory
 *   entry          1|2 cells; default load-address; inline image: inside the image;
 *                  file image: in [load-address, memory) (the loader checks the file size)
 *   shares         1 cell, 1..CONFIG_MAX_SHARES; default CONFIG_DEFAULT_SHARES
 *   cpus           1..64 cells, host CPU indices < limits->host_cpus, no repeats; default all
 *   no other properties, no property twice, no child nodes
 * A bad VM is refused with one line naming its first problem; the other VMs still run.
 */
#include "kernel/config.h"
#include "kernel/console.h"
#include "kernel/errno.h"

#include <libfdt.h>
#include <stdarg.h>
#include <string.h>

#define CONFIG_VERSION 1u
#define PAGE_4K 0x1000ull
#define MAX_CPU_CELLS 64
#define SHOW_MAX 48 /* blob text echoed to the console is cut here */

/* The first problem found, kept until it is printed as one line. */
struct config_err {
	char node[SHOW_MAX + 16];
	char prop[SHOW_MAX + 4];
	char why[192];
};

struct vm_parse {
	const void *blob;
	const struct config_limits *limits;
	struct vm_config *vm;
	uint32_t seen; /* bit per vm_props[] entry */
	struct config_err err;
};

/* Blob text goes to the serial console: keep it short and printable. */
static const char *show(char *buf, size_t size, const char *s, size_t len)
{
	size_t n = len < size - 4 ? len : size - 4;

	for (size_t i = 0; i < n; i++)
		buf[i] = s[i] >= 0x20 && s[i] < 0x7f ? s[i] : '?';
	buf[n] = '\0';
	if (n < len)
		memcpy(buf + n, "...", 4);
	return buf;
}

static __attribute__((format(printf, 3, 4))) int fail(struct config_err *e, const char *prop,
						       const char *fmt, ...)
{
	va_list ap;

	show(e->prop, sizeof(e->prop), prop, strlen(prop));
	va_start(ap, fmt);
	fmt_vsnprintf(e->why, sizeof(e->why), fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static void print_err(const struct config_err *e, const char *verdict)
{
	kprintf("config: %s: %s%s%s; %s\n", e->node, e->prop, e->prop[0] ? ": " : "", e->why, verdict);
}

/* Sizes in messages read as people wrote them: "64 MiB", not 0x4000000. */
static const char *show_size(char *buf, size_t size, uint64_t bytes)
{
	static const char *const units[] = { "TiB", "GiB", "MiB", "KiB", "bytes" };
	int i = 0;

	while (i < 4 && (!bytes || bytes % (1ull << (40 - 10 * i))))
		i++;
	fmt_snprintf(buf, size, "%llu %s", (unsigned long long)(bytes >> (40 - 10 * i)), units[i]);
	return buf;
}

static int read_u32(struct config_err *e, const char *prop, const void *val, int len, uint32_t *out)
{
	if (len != 4)
		return fail(e, prop, "has %d bytes, expected one cell (4 bytes)", len);
	*out = fdt32_ld(val);
	return 0;
}

/* Either width: dtc users write <0x0 0x4000000> as often as <0x4000000>. */
static int read_u64(struct config_err *e, const char *prop, const void *val, int len, uint64_t *out)
{
	if (len == 4)
		*out = fdt32_ld(val);
	else if (len == 8)
		*out = fdt64_ld(val);
	else
		return fail(e, prop, "has %d bytes, expected 1 or 2 cells (4 or 8 bytes)", len);
	return 0;
}

static int read_u32_range(struct config_err *e, const char *prop, const void *val, int len,
			  uint32_t min, uint32_t max, uint32_t *out)
{
	if (read_u32(e, prop, val, len, out))
		return -EINVAL;
	if (*out < min || *out > max)
		return fail(e, prop, "%u is out of range (%u..%u)", *out, min, max);
	return 0;
}

static int check_path(struct config_err *e, const char *prop, const char *val, int len)
{
	if (len < 1 || val[len - 1] != '\0')
		return fail(e, prop, "is not a NUL-terminated string");
	if (len == 1)
		return fail(e, prop, "is empty");
	if (strlen(val) + 1 != (size_t)len)
		return fail(e, prop, "must be one string, not a list");
	if (len > CONFIG_PATH_MAX)
		return fail(e, prop, "path is %d characters, the limit is %d", len - 1, CONFIG_PATH_MAX - 1);
	for (int i = 0; i < len - 1; i++)
		if (val[i] < 0x20 || val[i] >= 0x7f)
			return fail(e, prop, "path has a non-printable character at offset %d", i);
	return 0;
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

static int check_no_children(const void *blob, int node, struct config_err *e)
{
	int child = fdt_first_subnode(blob, node);
	const char *name;

	if (child < 0)
		return 0;
	name = fdt_get_name(blob, child, NULL);
	return fail(e, name ? name : "?", "unexpected child node");
}

static int check_no_props(const void *blob, int node, struct config_err *e, const char *why)
{
	int off = fdt_first_property_offset(blob, node);
	const char *name;

	if (off < 0)
		return 0;
	if (!fdt_getprop_by_offset(blob, off, &name, NULL))
		return fail(e, "?", "unreadable property");
	return fail(e, name, "unexpected property (%s)", why);
}

static int check_root(const void *blob, struct config_err *e)
{
	int node;
	const char *name;

	memcpy(e->node, "/", 2);
	if (check_no_props(blob, 0, e, "the root holds only /basalt and /vms"))
		return -EINVAL;
	fdt_for_each_subnode(node, blob, 0) {
		name = fdt_get_name(blob, node, NULL);
		if (!name)
			return fail(e, "?", "unreadable node");
		if (strcmp(name, "basalt") && strcmp(name, "vms"))
			return fail(e, name, "unexpected node (the root holds only /basalt and /vms)");
		if (find_child(blob, 0, name) != node)
			return fail(e, name, "node given twice");
	}
	return 0;
}

static int parse_sched(struct config_err *e, const void *val, int len, struct basalt_config *out)
{
	char shown[SHOW_MAX];

	if (len == 3 && memcmp(val, "rr", 3) == 0)
		out->policy = CONFIG_SCHED_RR;
	else if (len == 7 && memcmp(val, "shares", 7) == 0)
		out->policy = CONFIG_SCHED_SHARES;
	else
		return fail(e, "sched", "\"%s\" is not a policy (use \"rr\" or \"shares\")",
			    show(shown, sizeof(shown), val, len ? (size_t)len - 1 : 0));
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
		return read_u32_range(e, name, val, len, CONFIG_MIN_TIMESLICE_US,
				      CONFIG_MAX_TIMESLICE_US, &out->timeslice_us);
	return fail(e, name, "unknown property");
}

/* The version comes first: a newer format's other properties may mean something else. */
static int parse_version(const void *blob, int node, struct config_err *e, struct basalt_config *out)
{
	int len;
	const void *val = fdt_getprop(blob, node, "version", &len);

	if (!val)
		return fail(e, "version", "missing (this Basalt reads version = <%u>)", CONFIG_VERSION);
	if (read_u32(e, "version", val, len, &out->version))
		return -EINVAL;
	if (out->version != CONFIG_VERSION)
		return fail(e, "version", "%u is not supported (this Basalt reads version = <%u>)",
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
		return fail(e, "", "node missing (it must hold version = <%u>)", CONFIG_VERSION);
	if (parse_version(blob, node, e, out))
		return -EINVAL;
	fdt_for_each_property_offset(off, blob, node) {
		const void *val = fdt_getprop_by_offset(blob, off, &name, &len);

		if (!val)
			return fail(e, "?", "unreadable property");
		for (unsigned i = 0; i < nseen; i++)
			if (strcmp(seen_prop[i], name) == 0)
				return fail(e, name, "given twice");
		if (parse_basalt_prop(e, name, val, len, out))
			return -EINVAL;
		seen_prop[nseen++] = name;
	}
	return check_no_children(blob, node, e);
}

static int parse_memory(struct vm_parse *p, const char *name, const void *val, int len)
{
	uint64_t *mem = &p->vm->memory_bytes;
	char a[24], b[24];

	if (read_u64(&p->err, name, val, len, mem))
		return -EINVAL;
	if (*mem == 0)
		return fail(&p->err, name, "0 bytes is not allowed (minimum %s)",
			    show_size(a, sizeof(a), CONFIG_MIN_MEMORY));
	if (*mem % PAGE_4K)
		return fail(&p->err, name, "0x%llx bytes is not a multiple of 4 KiB", (unsigned long long)*mem);
	if (*mem < CONFIG_MIN_MEMORY)
		return fail(&p->err, name, "%s is below the minimum of %s", show_size(a, sizeof(a), *mem),
			    show_size(b, sizeof(b), CONFIG_MIN_MEMORY));
	if (*mem > CONFIG_MAX_MEMORY)
		return fail(&p->err, name, "%s is above the maximum of %s", show_size(a, sizeof(a), *mem),
			    show_size(b, sizeof(b), CONFIG_MAX_MEMORY));
	return 0;
}

static int parse_vcpus(struct vm_parse *p, const char *name, const void *val, int len)
{
	return read_u32_range(&p->err, name, val, len, 1, CONFIG_MAX_VCPUS, &p->vm->vcpus);
}

static int parse_image(struct vm_parse *p, const char *name, const void *val, int len)
{
	if (check_path(&p->err, name, val, len))
		return -EINVAL;
	memcpy(p->vm->image.path, val, (size_t)len);
	p->vm->image.source = CONFIG_IMAGE_FILE;
	return 0;
}

static int parse_image_data(struct vm_parse *p, const char *name, const void *val, int len)
{
	if (len < 1)
		return fail(&p->err, name, "is empty");
	p->vm->image.data = val;
	p->vm->image.size = (size_t)len;
	p->vm->image.source = CONFIG_IMAGE_INLINE;
	return 0;
}

static int parse_load(struct vm_parse *p, const char *name, const void *val, int len)
{
	uint64_t *load = &p->vm->load_address;

	if (read_u64(&p->err, name, val, len, load))
		return -EINVAL;
	if (*load % PAGE_4K)
		return fail(&p->err, name, "0x%llx is not 4 KiB aligned", (unsigned long long)*load);
	if (*load < CONFIG_MIN_LOAD)
		return fail(&p->err, name, "0x%llx is below 0x%llx (Basalt's guest page tables and GDT live there)",
			    (unsigned long long)*load, CONFIG_MIN_LOAD);
	return 0;
}

static int parse_entry(struct vm_parse *p, const char *name, const void *val, int len)
{
	return read_u64(&p->err, name, val, len, &p->vm->entry);
}

static int parse_shares(struct vm_parse *p, const char *name, const void *val, int len)
{
	return read_u32_range(&p->err, name, val, len, 1, CONFIG_MAX_SHARES, &p->vm->shares);
}

static int parse_cpus(struct vm_parse *p, const char *name, const void *val, int len)
{
	uint32_t host = p->limits->host_cpus < 64 ? p->limits->host_cpus : 64;
	uint64_t mask = 0;

	if (len < 4 || len % 4 || len / 4 > MAX_CPU_CELLS)
		return fail(&p->err, name, "has %d bytes, expected 1..%d cells", len, MAX_CPU_CELLS);
	for (int i = 0; i < len / 4; i++) {
		uint32_t cpu = fdt32_ld((const fdt32_t *)val + i);

		if (cpu >= host)
			return fail(&p->err, name, "CPU %u is out of range (this host has %u usable CPUs)",
				    cpu, host);
		if (mask & (1ull << cpu))
			return fail(&p->err, name, "CPU %u is listed twice", cpu);
		mask |= 1ull << cpu;
	}
	p->vm->cpu_mask = mask;
	return 0;
}

enum { P_MEMORY, P_VCPUS, P_IMAGE, P_IMAGE_DATA, P_LOAD, P_ENTRY, P_SHARES, P_CPUS, P_COUNT };

static const struct vm_prop {
	const char *name;
	int (*parse)(struct vm_parse *p, const char *name, const void *val, int len);
} vm_props[P_COUNT] = {
	[P_MEMORY] = { "memory", parse_memory },
	[P_VCPUS] = { "vcpus", parse_vcpus },
	[P_IMAGE] = { "image", parse_image },
	[P_IMAGE_DATA] = { "image-data", parse_image_data },
	[P_LOAD] = { "load-address", parse_load },
	[P_ENTRY] = { "entry", parse_entry },
	[P_SHARES] = { "shares", parse_shares },
	[P_CPUS] = { "cpus", parse_cpus },
};

static int check_vm_name(struct config_err *e, const char *name, int len)
{
	const char *at = memchr(name, '@', (size_t)len);
	char shown[SHOW_MAX];

	if (len == 0)
		return fail(e, "name", "empty node name");
	if (at)
		return fail(e, "name", "unit address \"%s\" is not allowed in a VM name",
			    show(shown, sizeof(shown), at, (size_t)(name + len - at)));
	if (len > CONFIG_NAME_MAX - 1)
		return fail(e, "name", "%d characters is too long (at most %d)", len, CONFIG_NAME_MAX - 1);
	for (int i = 0; i < len; i++)
		if (!strchr("abcdefghijklmnopqrstuvwxyz0123456789_-", name[i]))
			return fail(e, "name", "character 0x%02x is not allowed (use a-z, 0-9, '_', '-')",
				    (unsigned char)name[i]);
	return 0;
}

static int parse_vm_prop(struct vm_parse *p, int off)
{
	const char *name;
	int len;
	const void *val = fdt_getprop_by_offset(p->blob, off, &name, &len);

	if (!val)
		return fail(&p->err, "?", "unreadable property");
	for (int i = 0; i < P_COUNT; i++) {
		if (strcmp(name, vm_props[i].name))
			continue;
		if (p->seen & (1u << i))
			return fail(&p->err, name, "given twice");
		p->seen |= 1u << i;
		return vm_props[i].parse(p, name, val, len);
	}
	return fail(&p->err, name, "unknown property");
}

static int check_image_choice(struct vm_parse *p)
{
	bool file = p->seen & (1u << P_IMAGE), inline_data = p->seen & (1u << P_IMAGE_DATA);

	if (file && inline_data)
		return fail(&p->err, "image-data", "conflicts with image (give exactly one of the two)");
	if (!file && !inline_data)
		return fail(&p->err, "image", "missing (give image = \"file\" or image-data)");
	return 0;
}

/* Where the payload goes must lie inside guest memory; checked once every property is known. */
static int check_placement(struct vm_parse *p)
{
	struct vm_config *vm = p->vm;
	bool is_inline = vm->image.source == CONFIG_IMAGE_INLINE;
	uint64_t end = is_inline ? vm->load_address + vm->image.size : vm->memory_bytes;
	char a[24];

	if (vm->load_address >= vm->memory_bytes)
		return fail(&p->err, "load-address", "0x%llx is outside guest memory (%s)",
			    (unsigned long long)vm->load_address, show_size(a, sizeof(a), vm->memory_bytes));
	if (is_inline && vm->image.size > vm->memory_bytes - vm->load_address)
		return fail(&p->err, "load-address", "image-data of %zu bytes at 0x%llx does not fit in %s",
			    vm->image.size, (unsigned long long)vm->load_address,
			    show_size(a, sizeof(a), vm->memory_bytes));
	if (vm->entry < vm->load_address || vm->entry >= end)
		return fail(&p->err, "entry", "0x%llx is outside [0x%llx, 0x%llx) (%s)",
			    (unsigned long long)vm->entry, (unsigned long long)vm->load_address,
			    (unsigned long long)end, is_inline ? "the image" : "load-address to end of memory");
	return 0;
}

static uint64_t all_cpus(const struct config_limits *limits)
{
	return limits->host_cpus >= 64 ? ~0ull : (1ull << limits->host_cpus) - 1;
}

static int parse_vm(struct vm_parse *p, int node, const char *name, int namelen)
{
	int off;

	*p->vm = (struct vm_config){ .vcpus = 1, .load_address = CONFIG_DEFAULT_LOAD,
				     .shares = CONFIG_DEFAULT_SHARES, .cpu_mask = all_cpus(p->limits) };
	if (check_vm_name(&p->err, name, namelen))
		return -EINVAL;
	memcpy(p->vm->name, name, (size_t)namelen);
	fdt_for_each_property_offset(off, p->blob, node)
		if (parse_vm_prop(p, off))
			return -EINVAL;
	if (check_no_children(p->blob, node, &p->err))
		return -EINVAL;
	if (!(p->seen & (1u << P_MEMORY)))
		return fail(&p->err, "memory", "missing (required)");
	if (check_image_choice(p))
		return -EINVAL;
	if (!(p->seen & (1u << P_ENTRY)))
		p->vm->entry = p->vm->load_address;
	return check_placement(p);
}

static int admit_vm(const struct basalt_config *out, const struct vm_config *vm,
		    const struct config_limits *limits, struct config_err *e)
{
	uint64_t used = 0;
	char a[24], b[24];

	for (unsigned i = 0; i < out->vm_count; i++) {
		if (strcmp(out->vms[i].name, vm->name) == 0)
			return fail(e, "", "duplicate VM name");
		used += out->vms[i].memory_bytes;
	}
	if (out->vm_count == CONFIG_MAX_VMS)
		return fail(e, "", "too many VMs (Basalt runs at most %d)", CONFIG_MAX_VMS);
	if (vm->memory_bytes > limits->host_memory_bytes - used)
		return fail(e, "memory", "asks for %s but only %s of host memory is left",
			    show_size(a, sizeof(a), vm->memory_bytes),
			    show_size(b, sizeof(b), limits->host_memory_bytes - used));
	return 0;
}

static void parse_one_vm(const void *blob, int node, const struct config_limits *limits,
			 struct basalt_config *out)
{
	struct vm_config vm;
	struct vm_parse p = { .blob = blob, .limits = limits, .vm = &vm };
	char shown[SHOW_MAX];
	int len;
	const char *name = fdt_get_name(blob, node, &len);

	if (!name) {
		name = "?";
		len = 1;
	}
	show(shown, sizeof(shown), name, (size_t)len);
	fmt_snprintf(p.err.node, sizeof(p.err.node), "/vms/%s", shown);
	if (parse_vm(&p, node, name, len) || admit_vm(out, &vm, limits, &p.err)) {
		print_err(&p.err, "VM refused");
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
	out->policy = CONFIG_SCHED_RR;
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
	    parse_vms(blob, find_child(blob, 0, "vms"), limits, out, &e)) {
		print_err(&e, "config refused");
		return -EINVAL;
	}
	return 0;
}

int config_for_each_path(const void *blob, size_t size, config_path_fn fn, void *ctx)
{
	struct config_err scratch;
	int vms, node, len, count = 0;

	if (check_blob(blob, size))
		return -EINVAL;
	vms = find_child(blob, 0, "vms");
	if (vms < 0)
		return 0;
	fdt_for_each_subnode(node, blob, vms) {
		const char *path = fdt_getprop(blob, node, "image", &len);
		const char *name = fdt_get_name(blob, node, NULL);

		if (!path || !name || check_path(&scratch, "image", path, len))
			continue;
		if (fn)
			fn(name, path, ctx);
		count++;
	}
	return count;
}
