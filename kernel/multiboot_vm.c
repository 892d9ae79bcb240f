/* SPDX-License-Identifier: MIT */
/* Multiboot v1 guests: glue between the image parser and a VM's memory and boot vCPU. */
#include "kernel/multiboot_vm.h"

#include <string.h>

#include "kernel/console.h"
#include "kernel/errno.h"
#include "kernel/gmem.h"
#include "kernel/loader.h"
#include "kernel/multiboot.h"
#include "kernel/vm.h"
#include "kernel/vmm.h"

/* The guest's command line: the kernel's name, a blank, then cmdline, as GRUB and QEMU pass it. */
#define MB_CMDLINE_MAX (CONFIG_PATH_MAX + CONFIG_CMDLINE_MAX)

/* One VM is built at a time, so the buffers need not live on the 64 KiB stack. */
static uint8_t info_buf[MB_INFO_MAX];
static char cmdline_buf[MB_CMDLINE_MAX];
static struct mb_image kernel_plan;
static struct protected_mode_start starts[VM_MAX];

static int refuse(const struct vm *vm, const char *what, const char *why)
{
	kprintf("multiboot: vm '%s': %s: %s; VM refused\n", vm->name, what, why);
	return -EINVAL;
}

static int copy_kernel(struct vm *vm, const struct mb_image *k, const uint8_t *image)
{
	/* Guest RAM starts zeroed (vm_alloc_region), so the bss needs no writes of its own. */
	for (unsigned i = 0; i < k->nr_segments; i++) {
		const struct mb_segment *s = &k->seg[i];

		if (s->file_size && gpa_write(vm, s->gpa, image + s->file_offset, s->file_size))
			return -EFAULT;
	}
	return 0;
}

static const char *guest_cmdline(const struct vm_config *cfg)
{
	const char *name = cfg->kernel.source == CONFIG_IMAGE_FILE ? cfg->kernel.path : cfg->name;

	fmt_snprintf(cmdline_buf, sizeof(cmdline_buf), "%s%s%s", name, cfg->cmdline[0] ? " " : "", cfg->cmdline);
	return cmdline_buf;
}

static int build_info(struct vm *vm, const uint32_t *mod_start, const uint32_t *mod_end)
{
	const struct vm_config *cfg = vm->cfg;
	struct e820_ram ram[VM_MAX_REGIONS];
	const char *strings[CONFIG_MAX_MODULES];
	struct mb_info_in in = { .ram = ram, .nr_ram = vm->nr_regions, .cmdline = guest_cmdline(cfg),
				 .nr_modules = cfg->nr_modules, .mod_start = mod_start, .mod_end = mod_end,
				 .mod_string = strings };
	size_t used;

	for (unsigned i = 0; i < vm->nr_regions; i++)
		ram[i] = (struct e820_ram){ vm->mem[i].gpa, vm->mem[i].size };
	for (unsigned i = 0; i < cfg->nr_modules; i++)
		strings[i] = cfg->modules[i].string;
	if (mb_build_info(info_buf, sizeof(info_buf), MB_INFO_GPA, &in, &used))
		return refuse(vm, "memory", "the information structure does not fit its 32 KiB area");
	if (gpa_write(vm, MB_INFO_GPA, info_buf, used))
		return refuse(vm, "memory", "the information structure could not be written");
	return 0;
}

static int load_modules(struct vm *vm, const struct vm_images *img, const struct mb_image *k)
{
	uint32_t start[CONFIG_MAX_MODULES], end[CONFIG_MAX_MODULES];
	char why[160];
	unsigned n = vm->cfg->nr_modules;

	if (mb_place_modules(k, vm->mem[0].size, img->module_size, n, start, end, why, sizeof(why)))
		return refuse(vm, "modules", why);
	for (unsigned i = 0; i < n; i++)
		if (img->module_size[i] && gpa_write(vm, start[i], img->module[i], img->module_size[i]))
			return refuse(vm, "modules", "a module could not be written to guest RAM");
	return build_info(vm, start, end);
}

int multiboot_vm_load(struct vm *vm, const struct vm_images *img)
{
	struct mb_image *k = &kernel_plan;
	struct protected_mode_start *s = &starts[vm->id];
	char why[160];

	if (!vmm_features.paging_off)
		return refuse(vm, "multiboot", "this CPU cannot run a guest with paging off (VT-x without unrestricted guest)");
	if (mb_parse(img->kernel, img->kernel_size, vm->mem[0].size, k, why, sizeof(why)))
		return refuse(vm, "multiboot", why);
	if (k->video_ignored)
		kprintf("multiboot: vm '%s': the kernel asks for a video mode; there is no display, so it gets none\n",
			vm->name);
	if (copy_kernel(vm, k, img->kernel))
		return refuse(vm, "multiboot", "the kernel could not be written to guest RAM");
	if (load_modules(vm, img, k))
		return -EINVAL;
	*s = (struct protected_mode_start){ .entry = k->entry, .stack_top = MB_INFO_GPA, .eax = MB_BOOT_MAGIC,
					    .ebx = MB_INFO_GPA };
	if (loader_write_gdt32(vm, s))
		return refuse(vm, "memory", "the boot GDT could not be written");
	kprintf("multiboot: vm '%s': %s kernel, %u segments ending at 0x%llx, entry 0x%x, %u modules\n", vm->name,
		k->aout_kludge ? "a.out-kludge" : "ELF32", k->nr_segments, (unsigned long long)k->end,
		k->entry, vm->cfg->nr_modules);
	return 0;
}

void multiboot_vm_start_vcpu(struct vcpu *vcpu)
{
	loader_start_protected_mode(vcpu, &starts[vcpu->vm->id]);
}
