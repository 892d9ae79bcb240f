/* SPDX-License-Identifier: MIT */
/* VM lifecycle: creation from a config, guest console, and the ways a VM ends. */
#include "kernel/vm.h"

#include <stdarg.h>
#include <string.h>

#include "drivers/pc/vdevices.h"
#include "kernel/clock.h"
#include "kernel/console.h"
#include "kernel/cpu_time.h"
#include "kernel/console_input.h"
#include "kernel/errno.h"
#include "kernel/gmem.h"
#include "arch/x86/cpu.h"
#include "drivers/pc/pc_layout.h"
#include "drivers/pc/platform.h"
#include "drivers/pc/vtestdev.h"
#include "kernel/linux_vm.h"
#include "kernel/loader.h"
#include "kernel/mem.h"
#include "kernel/multiboot_vm.h"
#include "kernel/palloc.h"
#include "kernel/vcpu.h"
#include "kernel/vm_io.h"
#include "kernel/vmm.h"

struct vm *vm_list[VM_MAX];
unsigned vm_count;
static struct vm vm_storage[VM_MAX];
_Static_assert(CONSOLE_PREFIX_MAX >= CONFIG_NAME_MAX + 3, "\"[name] \" fits the console prefix");

void vm_console_flush(struct vm *vm)
{
	console_line_end(&vm->console, console_input_is_raw(vm));
}

/* A prompt is a partial line the guest has stopped writing; a line still being written (one exit
 * per byte, so the input poll can land between two bytes) waits for its newline, or it would be
 * split in two. */
#define CONSOLE_PROMPT_QUIET_NS 50000000ull

void vm_console_flush_partial(struct vm *vm)
{
	if (clock_ns() - vm->console_last_ns < CONSOLE_PROMPT_QUIET_NS)
		return;
	console_line_show_partial(&vm->console, console_input_is_raw(vm));
}

void vm_console_putc(struct vm *vm, char c)
{
	vm->console_last_ns = clock_ns();
	console_line_put(&vm->console, (uint8_t)c, console_input_is_raw(vm));
}

/* The first of several ends wins (two vCPUs crashing at once on two cores, a crash during a power
 * off): only the winner writes the reason and changes the state. Lock-free, because an end may be
 * reached with vm->lock held (a device model ending the VM) or without it. */
static bool vm_claim_end(struct vm *vm)
{
	int expected = 0;

	return __atomic_compare_exchange_n(&vm->ending, &expected, 1, false, __ATOMIC_ACQ_REL, __ATOMIC_RELAXED);
}

/* Stops every vCPU of the VM: dead for the scheduler, and told so if it is in a turn now. */
static void vm_end(struct vm *vm, enum vm_state state)
{
	vm_console_flush(vm); /* while still running: the owner of console input stays raw */
	__atomic_store_n(&vm->state, state, __ATOMIC_RELEASE);
	for (unsigned i = 0; i < vm->nr_vcpus; i++) {
		sched_kill(&vm->vcpus[i]->se);
		vcpu_kick(vm->vcpus[i]);
	}
	vm_reap_note_end(vm);
}

void vm_crash(struct vm *vm, const char *fmt, ...)
{
	va_list ap;

	if (!vm_claim_end(vm))
		return;
	va_start(ap, fmt);
	fmt_vsnprintf(vm->end_reason, sizeof(vm->end_reason), fmt, ap);
	va_end(ap);
	vm_end(vm, VM_STATE_CRASHED);
	kprintf("basalt: vm '%s' crashed: %s\n", vm->name, vm->end_reason);
	for (unsigned i = 0; vmm && vmm->dump_trace && i < vm->nr_vcpus; i++)
		vmm->dump_trace(vm->vcpus[i]);
}

void vm_power_off(struct vm *vm, uint64_t status)
{
	if (!vm_claim_end(vm))
		return;
	vm->exit_status = status;
	fmt_snprintf(vm->end_reason, sizeof(vm->end_reason), "powered off by the guest, status %llu",
		     (unsigned long long)status);
	vm_end(vm, VM_STATE_POWERED_OFF);
	kprintf("basalt: vm '%s' %s\n", vm->name, vm->end_reason);
}

void vm_test_exit(struct vm *vm, uint32_t status)
{
	if (!vm_claim_end(vm))
		return;
	vm->exit_status = status;
	fmt_snprintf(vm->end_reason, sizeof(vm->end_reason), "ended through its test-exit port 0x%x, status %u",
		     vm->cfg->test_exit_port, status);
	vm_end(vm, VM_STATE_POWERED_OFF);
	kprintf("basalt: vm '%s' %s\n", vm->name, vm->end_reason);
}

void vm_reset_requested(struct vm *vm, const char *how)
{
	if (!vm_claim_end(vm))
		return;
	vm->exit_status = 0;
	fmt_snprintf(vm->end_reason, sizeof(vm->end_reason), "reset by the guest (%s)", how);
	vm_end(vm, VM_STATE_POWERED_OFF);
	kprintf("basalt: vm '%s' %s\n", vm->name, vm->end_reason);
}

void vm_halt_forever(struct vm *vm)
{
	if (!vm_claim_end(vm))
		return;
	fmt_snprintf(vm->end_reason, sizeof(vm->end_reason),
		     "every vCPU halted with nothing left to wake it");
	vm_end(vm, VM_STATE_HALTED);
	kprintf("basalt: vm '%s' stopped: %s\n", vm->name, vm->end_reason);
}

static int vm_alloc_region(struct vm *vm, uint64_t gpa, uint64_t bytes)
{
	/* 2 MiB alignment lets nested paging use large pages for all of RAM. */
	uint64_t hpa = palloc_alloc(bytes, LARGE_PAGE_SIZE, PALLOC_GUEST);
	int rc;

	if (!hpa) {
		kprintf("basalt: vm '%s': no %llu MiB of contiguous host memory left (largest free block %llu MiB)\n",
			vm->name, (unsigned long long)(bytes >> 20),
			(unsigned long long)(palloc_largest_free(LARGE_PAGE_SIZE) >> 20));
		return -ENOMEM;
	}
	/* Guests never see what was there before: other guests' or the firmware's data. */
	memset(phys_to_virt(hpa), 0, bytes);
	rc = gmem_add_region(vm, gpa, bytes, hpa);
	if (rc)
		palloc_free(hpa, bytes, PALLOC_GUEST);
	return rc;
}

/* A PC has its device window (PCI, IOAPIC, LAPIC) below 4 GiB: RAM beyond PC_LOW_RAM_END continues
 * at 4 GiB. A flat payload without the platform keeps all of its RAM at 0. */
static int vm_alloc_ram(struct vm *vm, uint64_t bytes)
{
	uint64_t low = vm->cfg->platform_pc && bytes > PC_LOW_RAM_END ? PC_LOW_RAM_END : bytes;
	int rc = vm_alloc_region(vm, 0, low);

	if (!rc && bytes > low)
		rc = vm_alloc_region(vm, PC_HIGH_RAM_BASE, bytes - low);
	return rc;
}

static int vm_map_ram(struct vm *vm)
{
	int rc = 0;

	for (unsigned i = 0; !rc && i < vm->nr_regions; i++)
		rc = vmm->map(vm, vm->mem[i].gpa, vm->mem[i].hpa, vm->mem[i].size, NPT_RWX);
	return rc;
}

/* Gives a VM's memory back once none of its vCPUs can run again. */
void vm_release(struct vm *vm)
{
	vm_io_release(vm); /* first: its ports leave their switches before anything of it is freed */
	cpu_time_vm_ended(vm);
	for (unsigned i = 0; i < vm->nr_vcpus; i++)
		vcpu_destroy(vm->vcpus[i]);
	vm->nr_vcpus = 0;
	if (vmm && vm->npt.root)
		vmm->vm_destroy(vm);
	for (unsigned i = 0; i < vm->nr_regions; i++)
		palloc_free(vm->mem[i].hpa, vm->mem[i].size, PALLOC_GUEST);
	vm->nr_regions = 0;
}

/* Every VM gets the Basalt console port and a CMOS; OS guests (and flat payloads with platform =
 * "pc") also get the legacy PC platform (PIC, PIT, COM1), which costs a PIC check before entries;
 * a VM with `test-exit` gets that port. */
static int vm_attach_devices(struct vm *vm, const struct vm_images *img)
{
	int rc = vdebugcon_attach(vm);

	if (!rc)
		rc = vcmos_attach(vm);
	if (!rc && vm->cfg->platform_pc)
		rc = pc_platform_attach(vm);
	if (!rc && vm->cfg->platform_pc)
		rc = vm_io_attach(vm, img);
	if (!rc && (vm->cfg->test_devices & CONFIG_TESTDEV_MMIO))
		rc = vtestdev_attach(vm); /* any VM that asks, pc platform or not */
	/* Last, so a port that collides with a platform device is found whichever claims it. */
	if (!rc && vm->cfg->test_exit_port)
		rc = vtestexit_attach(vm, vm->cfg->test_exit_port);
	return rc;
}

static int vm_load(struct vm *vm, const struct vm_images *img)
{
	const struct vm_config *cfg = vm->cfg;

	if (cfg->kind == CONFIG_VM_LINUX)
		return linux_vm_load(vm, img, cfg->cmdline);
	if (cfg->kind == CONFIG_VM_MULTIBOOT)
		return multiboot_vm_load(vm, img);
	return loader_load_flat(vm, img->image, img->image_size, cfg->load_address, cfg->entry);
}

static void vm_start_boot_vcpu(struct vm *vm)
{
	if (vm->cfg->kind == CONFIG_VM_LINUX)
		linux_vm_start_vcpu(vm->vcpus[0]);
	else if (vm->cfg->kind == CONFIG_VM_MULTIBOOT)
		multiboot_vm_start_vcpu(vm->vcpus[0]);
	else
		loader_setup_long_mode(vm->vcpus[0], vm->cfg->entry, ALIGN_DOWN(vm->mem[0].size, 16));
}

static int vm_build(struct vm *vm, const struct vm_images *img)
{
	const struct vm_config *cfg = vm->cfg;
	int rc;

	rc = vm_alloc_ram(vm, cfg->memory_bytes);
	if (!rc)
		rc = vmm->vm_create(vm);
	if (!rc)
		rc = vm_map_ram(vm);
	if (!rc)
		rc = vm_attach_devices(vm, img);
	if (!rc)
		rc = vm_load(vm, img);
	for (unsigned i = 0; !rc && i < cfg->vcpus; i++)
		rc = vcpu_create(vm, i);
	if (!rc)
		vm_start_boot_vcpu(vm);
	return rc;
}

struct vm *vm_create(const struct vm_config *cfg, const struct vm_images *img)
{
	struct vm *vm;
	int rc;

	if (vm_count == VM_MAX)
		return NULL;
	vm = &vm_storage[vm_count];
	memset(vm, 0, sizeof(*vm));
	spin_lock_init(&vm->lock);
	vm->id = vm_count;
	vm->cfg = cfg;
	vm->tsc_offset = (uint64_t)0 - rdtsc();
	memcpy(vm->name, cfg->name, sizeof(vm->name));
	console_line_init(&vm->console, vm->name);
	rc = vm_build(vm, img);
	if (rc) {
		if (rc != -EREPORTED)
			kprintf("basalt: vm '%s' refused: could not be built (error %d)\n", vm->name, rc);
		vm_release(vm);
		return NULL;
	}
	vm_list[vm_count++] = vm;
	if (vm->pc)
		console_input_offer(vm);
	return vm;
}
