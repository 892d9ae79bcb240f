/* SPDX-License-Identifier: MIT */
/* Linux guests: glue between the boot-protocol planner and a VM's memory and boot vCPU. */
#include "kernel/linux_vm.h"

#include <string.h>

#include "drivers/pc/vacpi.h"
#include "kernel/bzimage.h"
#include "kernel/clock.h"
#include "kernel/cpuid_policy.h"
#include "kernel/console.h"
#include "kernel/e820.h"
#include "kernel/errno.h"
#include "kernel/gmem.h"
#include "kernel/linux_loader.h"
#include "kernel/loader.h"
#include "kernel/vm.h"

/* One VM is built at a time, so the large structures need not live on the 64 KiB stack. */
static struct boot_params zero_page;
static struct e820_entry e820_map[E820_MAX_ENTRIES_ZEROPAGE];
static struct linux_layout layouts[VM_MAX];

static int refuse(const struct vm *vm, const char *what, const char *why)
{
	kprintf("linux: vm '%s': %s: %s; VM refused\n", vm->name, what, why);
	return -EINVAL;
}

static int build_e820(struct vm *vm)
{
	struct e820_ram ram[VM_MAX_REGIONS];

	for (unsigned i = 0; i < vm->nr_regions; i++)
		ram[i] = (struct e820_ram){ vm->mem[i].gpa, vm->mem[i].size };
	return e820_build(ram, vm->nr_regions, NULL, 0, e820_map, E820_MAX_ENTRIES_ZEROPAGE);
}

static int copy_in(struct vm *vm, const struct linux_layout *l, const struct vm_images *img,
		   const struct bzimage_info *k, const char *cmdline)
{
	void *low = gpa_map_checked(vm, 0, LINUX_TABLES_END);

	if (!low || linux_build_boot_tables(low, LINUX_TABLES_END, l))
		return -EFAULT;
	if (gpa_write(vm, l->boot_params_gpa, &zero_page, sizeof(zero_page)) ||
	    gpa_write(vm, l->cmdline_gpa, cmdline, l->cmdline_len + 1) ||
	    gpa_write(vm, l->kernel_gpa, (const char *)img->kernel + k->pm_offset, k->pm_size))
		return -EFAULT;
	if (img->initrd_size && gpa_write(vm, l->initrd_gpa, img->initrd, img->initrd_size))
		return -EFAULT;
	return 0;
}

static char cmdline_buf[CONFIG_CMDLINE_MAX + 64];

/* Appends " word" to cmdline_buf unless the command line already says `key`. */
static void add_option(const char *cmdline, const char *key, const char *word)
{
	size_t len = strlen(cmdline_buf);

	if (strstr(cmdline, key))
		return;
	fmt_snprintf(cmdline_buf + len, sizeof(cmdline_buf) - len, "%s%s", len ? " " : "", word);
}

/*
 * What the boot loader tells Linux about time, the way the kernel documents it:
 *  - tsc=reliable: a guest's TSC is the host's plus a constant offset; Basalt never scales, stops or
 *    rewinds it. Without this, Linux's clocksource watchdog compares the TSC with tick-counted
 *    jiffies (or the PM timer) and, when a VM is preempted or emulated slowly and ticks arrive late,
 *    misreads that as TSC skew and marks the TSC unstable.
 *  - tsc_early_khz=: Linux 6.1 learns the TSC rate from CPUID only on Intel (leaves 0x15/0x16; the
 *    timing leaf 0x40000010 only behind VMware's or ACRN's signature). On AMD it would time the TSC
 *    against the PIT and the PM timer with a few port reads each, which fails when exits are slow.
 * An option the configured command line sets already is left alone.
 */
static const char *effective_cmdline(const struct vm *vm, const char *cmdline)
{
	uint64_t khz = clock_tsc_hz() / 1000;
	char rate[40];

	if (!khz)
		return cmdline;
	fmt_snprintf(cmdline_buf, sizeof(cmdline_buf), "%s", cmdline);
	add_option(cmdline, "tsc=", "tsc=reliable");
	if (!cpuid_policy_offers_tsc_rate()) {
		fmt_snprintf(rate, sizeof(rate), "tsc_early_khz=%llu", (unsigned long long)khz);
		add_option(cmdline, "tsc_early_khz=", rate);
	}
	if (strcmp(cmdline_buf, cmdline))
		kprintf("linux: vm '%s': TSC rate %llu kHz; command line: %s\n", vm->name,
			(unsigned long long)khz, cmdline_buf);
	return cmdline_buf;
}

int linux_vm_load(struct vm *vm, const struct vm_images *img, const char *cmdline)
{
	struct linux_layout *l = &layouts[vm->id];
	struct bzimage_info k;
	char why[160];
	int n;

	cmdline = effective_cmdline(vm, cmdline);
	if (bzimage_parse(img->kernel, img->kernel_size, &k, why, sizeof(why)))
		return refuse(vm, "kernel", why);
	/* The plan uses the RAM at 0 only; RAM above 4 GiB (if any) is in the e820 map for the kernel. */
	if (linux_plan(&k, vm->mem[0].size, img->initrd_size, strlen(cmdline), l, why, sizeof(why)))
		return refuse(vm, "memory", why);
	l->acpi_rsdp_gpa = vacpi_rsdp_gpa(vm); /* the BIOS-area scan would find it too */
	n = build_e820(vm);
	if (n < 0)
		return refuse(vm, "memory", "its RAM map does not fit an e820 table");
	if (linux_fill_boot_params(&zero_page, img->kernel, &k, l, e820_map, (unsigned)n))
		return refuse(vm, "kernel", "the zero page could not be filled");
	if (copy_in(vm, l, img, &k, cmdline))
		return refuse(vm, "memory", "the boot images do not fit in guest RAM");
	kprintf("linux: vm '%s': kernel %s, protocol %u.%02u, at 0x%llx, initrd %zu bytes at 0x%llx\n", vm->name,
		k.kernel_version[0] ? k.kernel_version : "(no version string)", k.version >> 8, k.version & 0xff,
		(unsigned long long)l->kernel_gpa, img->initrd_size, (unsigned long long)l->initrd_gpa);
	return 0;
}

void linux_vm_start_vcpu(struct vcpu *vcpu)
{
	const struct linux_layout *l = &layouts[vcpu->vm->id];
	struct long_mode_start s = {
		.entry = l->entry, .stack_top = l->stack_top, .cr3 = l->cr3,
		.gdt_base = l->gdt_gpa, .gdt_limit = l->gdt_limit,
		.cs = l->cs, .ds = l->ds, .tr = l->tr,
		.tss_base = l->tss_gpa, .tss_limit = l->tss_limit,
		.rdi = 0, .rsi = l->boot_params_gpa,
	};

	loader_start_long_mode(vcpu, &s);
}
