/* SPDX-License-Identifier: MIT */
/* One /vms/<name> node of the config blob -> struct vm_config (the format is documented in config.c). */
#include "kernel/config_internal.h"
#include "kernel/errno.h"

#include <libfdt.h>
#include <string.h>

#define MAX_CPU_CELLS 64

enum {
	P_MEMORY, P_VCPUS, P_IMAGE, P_IMAGE_DATA, P_KERNEL, P_KERNEL_DATA, P_INITRD, P_INITRD_DATA,
	P_CMDLINE, P_LOAD, P_ENTRY, P_SHARES, P_CPUS, P_PLATFORM, P_TEST_DEVICES, P_TEST_EXIT,
	P_MULTIBOOT, P_MULTIBOOT_DATA, P_MODULES, P_SCHED, P_VIRTIO_CONSOLE, P_COUNT
};
_Static_assert(P_COUNT <= 32, "vm_parse.seen has one bit per property");

static bool has_prop(const struct vm_parse *p, int prop)
{
	return p->seen & (1u << prop);
}

static int parse_memory(struct vm_parse *p, const char *name, const void *val, int len)
{
	uint64_t *mem = &p->vm->memory_bytes;
	char a[24], b[24];

	if (config_read_u64(&p->err, name, val, len, mem))
		return -EINVAL;
	if (*mem == 0)
		return config_fail(&p->err, name, "0 bytes is not allowed (minimum %s)",
				   config_show_size(a, sizeof(a), CONFIG_MIN_MEMORY));
	if (*mem % CONFIG_PAGE_4K)
		return config_fail(&p->err, name, "0x%llx bytes is not a multiple of 4 KiB",
				   (unsigned long long)*mem);
	if (*mem < CONFIG_MIN_MEMORY)
		return config_fail(&p->err, name, "%s is below the minimum of %s",
				   config_show_size(a, sizeof(a), *mem),
				   config_show_size(b, sizeof(b), CONFIG_MIN_MEMORY));
	if (*mem > CONFIG_MAX_MEMORY)
		return config_fail(&p->err, name, "%s is above the maximum of %s",
				   config_show_size(a, sizeof(a), *mem),
				   config_show_size(b, sizeof(b), CONFIG_MAX_MEMORY));
	return 0;
}

static int parse_vcpus(struct vm_parse *p, const char *name, const void *val, int len)
{
	return config_read_u32_range(&p->err, name, val, len, 1, CONFIG_MAX_VCPUS, &p->vm->vcpus);
}

/* image, kernel and initrd follow the same rules; only the field they fill differs. */
static int set_file(struct vm_parse *p, struct config_image *img, const char *name, const void *val, int len)
{
	if (config_check_path(&p->err, name, val, len))
		return -EINVAL;
	memcpy(img->path, val, (size_t)len);
	img->source = CONFIG_IMAGE_FILE;
	return 0;
}

static int set_inline(struct vm_parse *p, struct config_image *img, const char *name, const void *val, int len)
{
	if (len < 1)
		return config_fail(&p->err, name, "is empty");
	img->data = val;
	img->size = (size_t)len;
	img->source = CONFIG_IMAGE_INLINE;
	return 0;
}

static int parse_image(struct vm_parse *p, const char *name, const void *val, int len)
{
	return set_file(p, &p->vm->image, name, val, len);
}

static int parse_image_data(struct vm_parse *p, const char *name, const void *val, int len)
{
	return set_inline(p, &p->vm->image, name, val, len);
}

static int parse_kernel(struct vm_parse *p, const char *name, const void *val, int len)
{
	return set_file(p, &p->vm->kernel, name, val, len);
}

static int parse_kernel_data(struct vm_parse *p, const char *name, const void *val, int len)
{
	return set_inline(p, &p->vm->kernel, name, val, len);
}

static int parse_initrd(struct vm_parse *p, const char *name, const void *val, int len)
{
	return set_file(p, &p->vm->initrd, name, val, len);
}

static int parse_initrd_data(struct vm_parse *p, const char *name, const void *val, int len)
{
	return set_inline(p, &p->vm->initrd, name, val, len);
}

static int parse_multiboot(struct vm_parse *p, const char *name, const void *val, int len)
{
	return set_file(p, &p->vm->kernel, name, val, len);
}

static int parse_multiboot_data(struct vm_parse *p, const char *name, const void *val, int len)
{
	return set_inline(p, &p->vm->kernel, name, val, len);
}

/* One `modules` entry: "file" or "file args"; the guest sees the whole entry, as GRUB and QEMU pass it. */
static int parse_module(struct vm_parse *p, const char *name, const char *s, unsigned i)
{
	struct config_module *m = &p->vm->modules[i];
	size_t len = strlen(s);
	char shown[CONFIG_SHOW_MAX];

	if (len == 0 || s[0] == ' ')
		return config_fail(&p->err, name, "entry %u is empty or starts with a blank (want \"file [args]\")", i);
	if (len >= CONFIG_MODULE_STRING_MAX)
		return config_fail(&p->err, name, "entry %u is %zu characters, the limit is %d", i, len,
				   CONFIG_MODULE_STRING_MAX - 1);
	for (size_t j = 0; j < len; j++)
		if (s[j] < 0x20 || s[j] >= 0x7f)
			return config_fail(&p->err, name, "entry %u has a non-printable character at offset %zu", i, j);
	if (config_module_path(s, m->file.path, sizeof(m->file.path)))
		return config_fail(&p->err, name, "entry %u: file \"%s\" is longer than %d characters", i,
				   config_show(shown, sizeof(shown), s, strchr(s, ' ') ? (size_t)(strchr(s, ' ') - s) : len), CONFIG_PATH_MAX - 1);
	m->file.source = CONFIG_IMAGE_FILE;
	memcpy(m->string, s, len + 1);
	return 0;
}

static int parse_modules(struct vm_parse *p, const char *name, const void *val, int len)
{
	const char *s = val, *end = s + len;
	unsigned n = 0;

	if (len < 2 || s[len - 1])
		return config_fail(&p->err, name, "expected a list of strings (\"file [args]\", ...)");
	for (; s < end; s += strlen(s) + 1, n++) {
		if (n == CONFIG_MAX_MODULES)
			return config_fail(&p->err, name, "more than %d modules", CONFIG_MAX_MODULES);
		if (parse_module(p, name, s, n))
			return -EINVAL;
	}
	p->vm->nr_modules = n;
	return 0;
}

static int parse_cmdline(struct vm_parse *p, const char *name, const void *val, int len)
{
	if (config_check_string(&p->err, name, val, len, CONFIG_CMDLINE_MAX, "command line"))
		return -EINVAL;
	memcpy(p->vm->cmdline, val, (size_t)len);
	return 0;
}

/* "pc" gives a flat payload the legacy PC devices a Linux VM has (PIC, PIT, COM1, reset ports). */
static int parse_platform(struct vm_parse *p, const char *name, const void *val, int len)
{
	char shown[CONFIG_SHOW_MAX];

	if (config_check_string(&p->err, name, val, len, 8, "platform name"))
		return -EINVAL;
	if (!strcmp(val, "pc"))
		p->vm->platform_pc = true;
	else if (strcmp(val, "none"))
		return config_fail(&p->err, name, "\"%s\" is not a platform (use \"none\" or \"pc\")",
				   config_show(shown, sizeof(shown), val, (size_t)len - 1));
	return 0;
}

/* Test devices a VM may ask for (tests/guests use them); each is named in a string list. */
static const struct { const char *name; uint32_t bit; } test_devices[] = {
	{ "mmio", CONFIG_TESTDEV_MMIO },
	{ "pci", CONFIG_TESTDEV_PCI },
};

static uint32_t test_device_bit(const char *s)
{
	for (size_t i = 0; i < sizeof(test_devices) / sizeof(test_devices[0]); i++)
		if (!strcmp(s, test_devices[i].name))
			return test_devices[i].bit;
	return 0;
}

static int parse_test_devices(struct vm_parse *p, const char *name, const void *val, int len)
{
	const char *s = val, *end = s + len;
	char shown[CONFIG_SHOW_MAX];

	if (len < 2 || s[len - 1])
		return config_fail(&p->err, name, "expected a list of strings (\"mmio\", \"pci\")");
	for (; s < end; s += strlen(s) + 1) {
		uint32_t bit = test_device_bit(s);

		if (!bit)
			return config_fail(&p->err, name, "\"%s\" is not a test device (use \"mmio\" or \"pci\")",
					   config_show(shown, sizeof(shown), s, strlen(s)));
		if (p->vm->test_devices & bit)
			return config_fail(&p->err, name, "\"%s\" is listed twice", s);
		p->vm->test_devices |= bit;
	}
	return 0;
}

/* `virtio-console;`: an empty property, like a DT boolean; the device needs the pc platform's PCI bus. */
static int parse_virtio_console(struct vm_parse *p, const char *name, const void *val, int len)
{
	(void)val;
	if (len != 0)
		return config_fail(&p->err, name, "takes no value (write `virtio-console;`)");
	p->vm->virtio_console = true;
	return 0;
}

/* The port of a QEMU isa-debug-exit style device: a write ends the VM with that status. */
static int parse_test_exit(struct vm_parse *p, const char *name, const void *val, int len)
{
	uint32_t port;

	if (config_read_u32_range(&p->err, name, val, len, 1, 0xfffc, &port))
		return -EINVAL;
	p->vm->test_exit_port = (uint16_t)port;
	return 0;
}

static int parse_load(struct vm_parse *p, const char *name, const void *val, int len)
{
	uint64_t *load = &p->vm->load_address;

	if (config_read_u64(&p->err, name, val, len, load))
		return -EINVAL;
	if (*load % CONFIG_PAGE_4K)
		return config_fail(&p->err, name, "0x%llx is not 4 KiB aligned", (unsigned long long)*load);
	if (*load < CONFIG_MIN_LOAD)
		return config_fail(&p->err, name,
				   "0x%llx is below 0x%llx (Basalt's guest page tables and GDT live there)",
				   (unsigned long long)*load, CONFIG_MIN_LOAD);
	return 0;
}

static int parse_entry(struct vm_parse *p, const char *name, const void *val, int len)
{
	return config_read_u64(&p->err, name, val, len, &p->vm->entry);
}

static int parse_shares(struct vm_parse *p, const char *name, const void *val, int len)
{
	return config_read_u32_range(&p->err, name, val, len, 1, CONFIG_MAX_SHARES, &p->vm->shares);
}

static int parse_cpus(struct vm_parse *p, const char *name, const void *val, int len)
{
	uint32_t host = p->limits->host_cpus < 64 ? p->limits->host_cpus : 64;
	uint64_t mask = 0;

	if (len < 4 || len % 4 || len / 4 > MAX_CPU_CELLS)
		return config_fail(&p->err, name, "has %d bytes, expected 1..%d cells", len, MAX_CPU_CELLS);
	for (int i = 0; i < len / 4; i++) {
		uint32_t cpu = fdt32_ld((const fdt32_t *)val + i);

		if (cpu >= host)
			return config_fail(&p->err, name, "CPU %u is out of range (this host has %u usable CPUs)",
					   cpu, host);
		if (mask & (1ull << cpu))
			return config_fail(&p->err, name, "CPU %u is listed twice", cpu);
		mask |= 1ull << cpu;
	}
	p->vm->cpu_mask = mask;
	return 0;
}

static int parse_vm_sched(struct vm_parse *p, const char *name, const void *val, int len)
{
	static const struct { const char *word; enum config_sched_policy policy; } words[] = {
		{ "shares", CONFIG_SCHED_SHARES }, { "rr", CONFIG_SCHED_RR }, { "pinned", CONFIG_SCHED_PINNED },
	};
	char shown[CONFIG_SHOW_MAX];

	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		if ((size_t)len == strlen(words[i].word) + 1 && memcmp(val, words[i].word, (size_t)len) == 0) {
			p->vm->policy = words[i].policy;
			return 0;
		}
	}
	return config_fail(&p->err, name, "\"%s\" is not a policy (use \"pinned\", \"rr\" or \"shares\")",
			   config_show(shown, sizeof(shown), val, len ? (size_t)len - 1 : 0));
}

static const struct vm_prop {
	const char *name;
	int (*parse)(struct vm_parse *p, const char *name, const void *val, int len);
} vm_props[P_COUNT] = {
	[P_MEMORY] = { "memory", parse_memory },
	[P_VCPUS] = { "vcpus", parse_vcpus },
	[P_IMAGE] = { "image", parse_image },
	[P_IMAGE_DATA] = { "image-data", parse_image_data },
	[P_KERNEL] = { "kernel", parse_kernel },
	[P_KERNEL_DATA] = { "kernel-data", parse_kernel_data },
	[P_INITRD] = { "initrd", parse_initrd },
	[P_INITRD_DATA] = { "initrd-data", parse_initrd_data },
	[P_CMDLINE] = { "cmdline", parse_cmdline },
	[P_LOAD] = { "load-address", parse_load },
	[P_ENTRY] = { "entry", parse_entry },
	[P_SHARES] = { "shares", parse_shares },
	[P_CPUS] = { "cpus", parse_cpus },
	[P_PLATFORM] = { "platform", parse_platform },
	[P_TEST_DEVICES] = { "test-devices", parse_test_devices },
	[P_TEST_EXIT] = { "test-exit", parse_test_exit },
	[P_MULTIBOOT] = { "multiboot", parse_multiboot },
	[P_MULTIBOOT_DATA] = { "multiboot-data", parse_multiboot_data },
	[P_MODULES] = { "modules", parse_modules },
	[P_SCHED] = { "sched", parse_vm_sched },
	[P_VIRTIO_CONSOLE] = { "virtio-console", parse_virtio_console },
};

static int check_vm_name(struct config_err *e, const char *name, int len)
{
	const char *at = memchr(name, '@', (size_t)len);
	char shown[CONFIG_SHOW_MAX];

	if (len == 0)
		return config_fail(e, "name", "empty node name");
	if (at)
		return config_fail(e, "name", "unit address \"%s\" is not allowed in a VM name",
				   config_show(shown, sizeof(shown), at, (size_t)(name + len - at)));
	if (len > CONFIG_NAME_MAX - 1)
		return config_fail(e, "name", "%d characters is too long (at most %d)", len, CONFIG_NAME_MAX - 1);
	/* Names are printed unfiltered ("[name] " prefixes, hypervisor lines): no byte a terminal
	 * obeys. strchr finds the set's own NUL, so a NUL is refused explicitly. */
	for (int i = 0; i < len; i++)
		if (!name[i] || !strchr("abcdefghijklmnopqrstuvwxyz0123456789_-", name[i]))
			return config_fail(e, "name", "character 0x%02x is not allowed (use a-z, 0-9, '_', '-')",
					   (unsigned char)name[i]);
	return 0;
}

static int parse_vm_prop(struct vm_parse *p, int off)
{
	const char *name;
	int len;
	const void *val = fdt_getprop_by_offset(p->blob, off, &name, &len);

	if (!val)
		return config_fail(&p->err, "?", "unreadable property");
	for (int i = 0; i < P_COUNT; i++) {
		if (strcmp(name, vm_props[i].name))
			continue;
		if (has_prop(p, i))
			return config_fail(&p->err, name, "given twice");
		p->seen |= 1u << i;
		return vm_props[i].parse(p, name, val, len);
	}
	return config_fail(&p->err, name, "unknown property");
}

/* Exactly one image source, and it decides the kind; the later of a pair (in this order) is named. */
static int check_image_choice(struct vm_parse *p)
{
	static const int sources[] = { P_IMAGE, P_IMAGE_DATA, P_KERNEL, P_KERNEL_DATA, P_MULTIBOOT, P_MULTIBOOT_DATA };
	int first = -1;

	for (size_t i = 0; i < sizeof(sources) / sizeof(sources[0]); i++) {
		if (!has_prop(p, sources[i]))
			continue;
		if (first >= 0)
			return config_fail(&p->err, vm_props[sources[i]].name,
					   "conflicts with %s (give exactly one of image, image-data, kernel, kernel-data, "
					   "multiboot or multiboot-data)",
					   vm_props[first].name);
		first = sources[i];
	}
	if (first < 0)
		return config_fail(&p->err, "image",
				   "missing (give image, image-data, kernel, kernel-data, multiboot or multiboot-data)");
	if (first == P_KERNEL || first == P_KERNEL_DATA)
		p->vm->kind = CONFIG_VM_LINUX;
	else if (first == P_MULTIBOOT || first == P_MULTIBOOT_DATA)
		p->vm->kind = CONFIG_VM_MULTIBOOT;
	else
		p->vm->kind = CONFIG_VM_FLAT;
	if (p->vm->kind != CONFIG_VM_MULTIBOOT && has_prop(p, P_MODULES))
		return config_fail(&p->err, "modules", "given without a multiboot kernel (modules need multiboot or multiboot-data)");
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
		return config_fail(&p->err, "load-address", "0x%llx is outside guest memory (%s)",
				   (unsigned long long)vm->load_address,
				   config_show_size(a, sizeof(a), vm->memory_bytes));
	if (is_inline && vm->image.size > vm->memory_bytes - vm->load_address)
		return config_fail(&p->err, "load-address", "image-data of %zu bytes at 0x%llx does not fit in %s",
				   vm->image.size, (unsigned long long)vm->load_address,
				   config_show_size(a, sizeof(a), vm->memory_bytes));
	if (vm->entry < vm->load_address || vm->entry >= end)
		return config_fail(&p->err, "entry", "0x%llx is outside [0x%llx, 0x%llx) (%s)",
				   (unsigned long long)vm->entry, (unsigned long long)vm->load_address,
				   (unsigned long long)end,
				   is_inline ? "the image" : "load-address to end of memory");
	return 0;
}

static int check_flat(struct vm_parse *p)
{
	static const int linux_only[] = { P_INITRD, P_INITRD_DATA, P_CMDLINE };

	for (size_t i = 0; i < sizeof(linux_only) / sizeof(linux_only[0]); i++)
		if (has_prop(p, linux_only[i]))
			return config_fail(&p->err, vm_props[linux_only[i]].name,
					   "given without a kernel (%s needs %s)", vm_props[linux_only[i]].name,
					   linux_only[i] == P_CMDLINE ? "kernel, kernel-data, multiboot or multiboot-data"
								      : "kernel or kernel-data");
	if (p->vm->virtio_console && !p->vm->platform_pc)
		return config_fail(&p->err, "virtio-console", "needs the \"pc\" platform (its PCI bus)");
	if ((p->vm->nr_disks || p->vm->nr_nics) && !p->vm->platform_pc)
		return config_fail(&p->err, p->vm->nr_disks ? p->vm->disks[0].node : p->vm->nics[0].node,
				   "a virtio device needs the \"pc\" platform (its PCI bus)");
	if (!has_prop(p, P_ENTRY))
		p->vm->entry = p->vm->load_address;
	return check_placement(p);
}

static int check_linux(struct vm_parse *p)
{
	static const int flat_only[] = { P_LOAD, P_ENTRY };
	struct vm_config *vm = p->vm;
	char a[24], b[24];

	for (size_t i = 0; i < sizeof(flat_only) / sizeof(flat_only[0]); i++)
		if (has_prop(p, flat_only[i]))
			return config_fail(&p->err, vm_props[flat_only[i]].name,
					   "only for flat images; the Linux loader places the kernel itself");
	if (has_prop(p, P_INITRD) && has_prop(p, P_INITRD_DATA))
		return config_fail(&p->err, "initrd-data", "conflicts with initrd (give at most one of the two)");
	if (vm->memory_bytes < CONFIG_MIN_LINUX_MEMORY)
		return config_fail(&p->err, "memory",
				   "%s is below the %s a Linux VM needs (Debian's kernel and initramfs do not fit in less)",
				   config_show_size(a, sizeof(a), vm->memory_bytes),
				   config_show_size(b, sizeof(b), CONFIG_MIN_LINUX_MEMORY));
	if (has_prop(p, P_PLATFORM) && !vm->platform_pc)
		return config_fail(&p->err, "platform", "a Linux VM needs the \"pc\" platform");
	vm->platform_pc = true;
	if (!has_prop(p, P_CMDLINE))
		memcpy(vm->cmdline, CONFIG_DEFAULT_CMDLINE, sizeof(CONFIG_DEFAULT_CMDLINE));
	vm->load_address = 0;
	vm->entry = 0;
	return 0;
}

/* Like Linux, a multiboot kernel is an OS that expects a PC; it places itself (from its header). */
static int check_multiboot(struct vm_parse *p)
{
	static const int refused[] = { P_LOAD, P_ENTRY, P_INITRD, P_INITRD_DATA };
	struct vm_config *vm = p->vm;

	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++)
		if (has_prop(p, refused[i]))
			return config_fail(&p->err, vm_props[refused[i]].name,
					   "not for multiboot kernels (the kernel's header places it; use modules for files)");
	if (has_prop(p, P_PLATFORM) && !vm->platform_pc)
		return config_fail(&p->err, "platform", "a multiboot VM needs the \"pc\" platform");
	vm->platform_pc = true;
	vm->load_address = 0;
	vm->entry = 0;
	return 0;
}

bool config_vm_names_cpus(const struct vm_parse *p)
{
	return has_prop(p, P_CPUS);
}

static uint64_t all_cpus(const struct config_limits *limits)
{
	return limits->host_cpus >= 64 ? ~0ull : (1ull << limits->host_cpus) - 1;
}

int config_parse_vm(struct vm_parse *p, int node, const char *name, int namelen)
{
	int off;

	*p->vm = (struct vm_config){ .vcpus = 1, .load_address = CONFIG_DEFAULT_LOAD,
				     .shares = CONFIG_DEFAULT_SHARES, .cpu_mask = all_cpus(p->limits),
				     .policy = p->default_policy };
	p->seen = 0;
	if (check_vm_name(&p->err, name, namelen))
		return -EINVAL;
	memcpy(p->vm->name, name, (size_t)namelen);
	fdt_for_each_property_offset(off, p->blob, node)
		if (parse_vm_prop(p, off))
			return -EINVAL;
	if (config_parse_vm_devices(p, node))
		return -EINVAL;
	if (!has_prop(p, P_MEMORY))
		return config_fail(&p->err, "memory", "missing (required)");
	if (check_image_choice(p))
		return -EINVAL;
	if (p->vm->kind == CONFIG_VM_MULTIBOOT)
		return check_multiboot(p);
	return p->vm->kind == CONFIG_VM_LINUX ? check_linux(p) : check_flat(p);
}
