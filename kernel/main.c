/* SPDX-License-Identifier: MIT */
/* kernel_main: host setup, config, VMs, the run loop, and the final report. */
#include <string.h>

#include "arch/x86/acpi.h"
#include "arch/x86/cpu.h"
#include "arch/x86/gdt.h"
#include "arch/x86/idt.h"
#include "arch/x86/paging.h"
#include "arch/x86/percpu.h"
#include "arch/x86/smp.h"
#include "drivers/host/host_storage.h"
#include "drivers/host/lapic.h"
#include "drivers/host/uart16550.h"
#include "kernel/boot_info.h"
#include "kernel/clock.h"
#include "kernel/config.h"
#include "kernel/console.h"
#include "kernel/console_input.h"
#include "kernel/cpuid_policy.h"
#include "kernel/cr_rules.h"
#include "kernel/machine.h"
#include "kernel/mem.h"
#include "kernel/palloc.h"
#include "kernel/panic.h"
#include "kernel/report.h"
#include "kernel/vcpu.h"
#include "kernel/vm_io.h"
#include "kernel/vmm.h"

#define PIC1_DATA 0x21
#define PIC2_DATA 0xa1
/* Memory kept back from guests for the hypervisor's own growth (page tables, VMCBs, vCPUs). */
#define HYPERVISOR_RESERVE (16ull << 20)

/* percpu_area: see percpu.h for who writes what. cpu_count: the CPUs online, set by the boot CPU
 * before any AP runs guests, read-only afterwards. */
struct percpu percpu_area[MAX_CPUS];
unsigned cpu_count = 1;
static struct basalt_config config;
static uint32_t madt_apic_ids[ACPI_MAX_CPUS];
static unsigned madt_cpu_count;

static void real_cpuid(uint32_t leaf, uint32_t sub, struct cpuid_result *out)
{
	struct cpuid_regs r;

	cpuid_count(leaf, sub, &r);
	*out = (struct cpuid_result){ r.eax, r.ebx, r.ecx, r.edx };
}

static void add_memory(const struct boot_info *info, enum boot_mem_type type)
{
	for (unsigned i = 0; i < info->mem_count; i++)
		if (info->mem[i].type == type && palloc_add(info->mem[i].base, info->mem[i].size))
			kprintf("basalt: memory map entry 0x%llx+0x%llx overlaps others; skipped\n",
				(unsigned long long)info->mem[i].base, (unsigned long long)info->mem[i].size);
}

/* Free memory first, our own page tables, then the firmware's boot-time memory once unused. */
static void setup_memory(const struct boot_info *info)
{
	palloc_reset();
	add_memory(info, BOOT_MEM_USABLE);
	if (paging_init(info))
		panic("no memory for the host page tables");
	add_memory(info, BOOT_MEM_BOOT_RECLAIM);
	kprintf("basalt: %llu MiB free for guests and hypervisor\n",
		(unsigned long long)(palloc_free_bytes() >> 20));
}

/* The MADT's CPUs, or the firmware MP services' when they know more (Bochs' OVMF MADT has the BSP only). */
static unsigned find_host_cpus(const struct boot_info *info, uint32_t *ids)
{
	unsigned madt_n = acpi_find_cpus(info->rsdp, ids, ACPI_MAX_CPUS);
	bool from_fw;
	unsigned n = acpi_choose_cpus(ids, madt_n, info->fw_cpu_apic_ids, info->fw_cpu_count, ids,
				      ACPI_MAX_CPUS, &from_fw);

	if (from_fw && !info->rsdp)
		kprintf("basalt: no ACPI tables from the firmware, firmware MP services list %u CPU%s; using the firmware's list\n",
			info->fw_cpu_count, info->fw_cpu_count == 1 ? "" : "s");
	else if (from_fw)
		kprintf("basalt: ACPI MADT lists %u CPU%s, firmware MP services %u; using the firmware's list\n",
			madt_n, madt_n == 1 ? "" : "s", info->fw_cpu_count);
	return n;
}

static void setup_host_cpu(const struct boot_info *info)
{
	gdt_init();
	idt_init();
	/* The firmware's 8259 timer must not reach our IDT: everything goes through the LAPIC. */
	outb(PIC1_DATA, 0xff);
	outb(PIC2_DATA, 0xff);
	madt_cpu_count = find_host_cpus(info, madt_apic_ids);
	clock_init(info->tsc_hz);
	if (lapic_init(info->tsc_hz))
		panic("the local APIC is unusable");
	percpu_area[0].apic_id = lapic_id();
	percpu_area[0].online = true;
	idt_set_irq_handler(VECTOR_TIMER, vcpu_timer_interrupt);
	idt_set_irq_handler(VECTOR_KICK, smp_kick_interrupt);
	cpuid_policy_set_host(real_cpuid);
	kprintf("basalt: %u CPUs listed, TSC %llu MHz, LAPIC timer %llu ticks/ms\n", madt_cpu_count,
		(unsigned long long)(info->tsc_hz / 1000000), (unsigned long long)lapic_timer_rate());
}

/* After the boot CPU's root mode works (so every AP's failure is its own): the other cores. */
static void start_other_cpus(const struct boot_info *info)
{
	cpu_count = smp_start_aps(info, madt_apic_ids, madt_cpu_count);
	kprintf("basalt: %u host CPUs run guests (boot CPU APIC ID %u)\n", cpu_count, percpu_area[0].apic_id);
}

/* Inline bytes come from the blob, file images from what the boot stage loaded; false if missing. */
static bool resolve_image(const struct boot_info *info, const struct vm_config *cfg, const char *prop,
			  const struct config_image *ci, const void **data, size_t *size)
{
	const struct boot_file *f;

	*data = ci->data;
	*size = ci->size;
	if (ci->source != CONFIG_IMAGE_FILE)
		return true;
	f = boot_find_file(info, ci->path);
	if (!f || !f->data) {
		kprintf("config: /vms/%s: %s: file '%s' could not be read from the boot medium; VM refused\n",
			cfg->name, prop, ci->path);
		return false;
	}
	*data = f->data;
	*size = f->size;
	return true;
}

static bool resolve_images(const struct boot_info *info, const struct vm_config *cfg, struct vm_images *img)
{
	const char *kernel_prop = cfg->kind == CONFIG_VM_MULTIBOOT ? "multiboot" : "kernel";

	if (!resolve_image(info, cfg, "image", &cfg->image, &img->image, &img->image_size) ||
	    !resolve_image(info, cfg, kernel_prop, &cfg->kernel, &img->kernel, &img->kernel_size) ||
	    !resolve_image(info, cfg, "initrd", &cfg->initrd, &img->initrd, &img->initrd_size))
		return false;
	for (unsigned i = 0; i < cfg->nr_modules; i++)
		if (!resolve_image(info, cfg, "modules", &cfg->modules[i].file, &img->module[i], &img->module_size[i]))
			return false;
	for (unsigned i = 0; i < cfg->nr_disks; i++)
		if (!resolve_image(info, cfg, cfg->disks[i].node, &cfg->disks[i].image, &img->disk_image[i],
				   &img->disk_image_size[i]))
			return false;
	return true;
}

static void create_vms(const struct boot_info *info)
{
	for (unsigned i = 0; i < config.vm_count; i++) {
		struct vm_images img;

		if (!resolve_images(info, &config.vms[i], &img) || !vm_create(&config.vms[i], &img))
			config.refused++;
	}
}

static void load_config(const struct boot_info *info)
{
	struct config_limits limits = {
		.host_memory_bytes = palloc_free_bytes() > HYPERVISOR_RESERVE ? palloc_free_bytes() - HYPERVISOR_RESERVE : 0,
		.host_cpus = cpu_count,
	};

	if (!info->config) {
		kprintf("basalt: no config blob found (load options, \\basalt\\basalt.dtb or an embedded .basalt section)\n");
		return;
	}
	kprintf("basalt: config from %s (%llu bytes)\n", info->config_source, (unsigned long long)info->config_size);
	if (config_parse(info->config, info->config_size, &limits, &config))
		kprintf("basalt: config unusable; no VM will run\n");
	struct sched_host host = {
		.ncpus = cpu_count,
		.timeslice_ns = (uint64_t)(config.timeslice_us ? config.timeslice_us : CONFIG_DEFAULT_TIMESLICE_US) * 1000,
		.now_ns = clock_ns,
		.resched_cpu = vcpu_resched_cpu,
	};

	sched_init(&host);
}

/* CR4 and EFER bits are reserved for a guest whose CPUID lacks the feature that defines them: the
 * backends intercept or check writes against what the policy shows, so both vendors agree. */
static void set_guest_control_bits(void)
{
	struct cpuid_guest g = { .nr_vcpus = 1, .hypercall_kind = vmm->hypercall_kind };
	struct cpuid_result l1, l7, e1, e8;

	cpuid_policy_apply(&g, 1, 0, &l1);
	cpuid_policy_apply(&g, 7, 0, &l7);
	cpuid_policy_apply(&g, 0x80000001u, 0, &e1);
	vmm_features.guest_cr4_allowed = cr_cr4_allowed(l1.edx, l1.ecx, l7.ebx, l7.ecx);
	vmm_features.guest_efer_allowed = cr_efer_allowed(e1.edx);
	cpuid_policy_apply(&g, 0x80000008u, 0, &e8);
	vmm_features.guest_maxphyaddr = (uint8_t)e8.eax;
}

void kernel_main(struct boot_info *info)
{
	/* First of all: this_cpu() reads GS:0 (panic and the console lock paths use it). */
	percpu_area[0].self = &percpu_area[0];
	percpu_install(&percpu_area[0]);
	machine_test_mode = info->test_mode;
	uart_init();
	console_set_sink(uart_write);
	console_input_allow_raw(!info->console_safe);
	kprintf("basalt: hypervisor core started%s, image at 0x%llx\n", info->test_mode ? " (test mode)" : "",
		(unsigned long long)info->image_base);
	setup_host_cpu(info);
	setup_memory(info);
	if (!vmm_select())
		set_guest_control_bits();
	if (!vmm || vmm->init_cpu(0)) {
		kprintf("basalt: cannot run guests on this machine\n");
		kprintf("basalt: verdict: fail\n");
		machine_stop(VERDICT_FAIL);
	}
	start_other_cpus(info);
	if (info->fault_test) {
		kprintf("basalt: fault-test: executing ud2 in the hypervisor on purpose\n");
		__asm__ volatile("ud2");
	}
	/* The host's NVMe drives before the config: their queues come out of host memory, and the
	 * memory left for guests is counted after them. */
	host_storage_init(info->rsdp);
	load_config(info);
	vm_io_init_switches(&config);
	create_vms(info);
	clock_start_guest_epoch();
	vcpu_start_boot_cpus();
	report_memory(info);
	kprintf("basalt: %u VMs running, scheduler %s, slice %llu us\n", vm_count,
		config.policy == CONFIG_SCHED_SHARES ? "shares" : "rr", (unsigned long long)(sched_timeslice_ns() / 1000));
	smp_release_aps(cpu_run_loop);
	cpu_run_loop(0);
	smp_wait_aps();
	vm_reap_all();
	machine_stop(report_final(config.refused));
}
