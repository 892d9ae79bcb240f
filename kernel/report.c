/* SPDX-License-Identifier: MIT */
/* Final report: per-VM outcome and exit counts, then one verdict line the test harness reads. */
#include "kernel/report.h"

#include "kernel/console.h"
#include "kernel/cpu_time.h"
#include "kernel/palloc.h"
#include "kernel/vm.h"
#include "kernel/vm_io.h"

void report_memory(const struct boot_info *info)
{
	uint64_t tables = palloc_used_bytes(PALLOC_HYPERVISOR);
	uint64_t total = info->image_size + info->stack_size + tables;

	kprintf("basalt: hypervisor memory: %llu bytes (image %llu, stack %llu, tables and control blocks %llu)\n",
		(unsigned long long)total, (unsigned long long)info->image_size,
		(unsigned long long)info->stack_size, (unsigned long long)tables);
	kprintf("basalt: guest memory: %llu bytes in %u VMs\n",
		(unsigned long long)palloc_used_bytes(PALLOC_GUEST), vm_count);
}

/* The busiest claimed port ranges: where a VM's I/O exits went. */
static void report_busiest_ports(const struct vm *vm)
{
	bool shown[VM_MAX_PIO] = { false };
	char line[256];
	int n = fmt_snprintf(line, sizeof(line), "basalt: vm '%s' busiest devices (port/count=accesses):", vm->name);

	for (unsigned k = 0; k < 4; k++) {
		int best = -1;

		for (unsigned i = 0; i < vm->nr_pio; i++)
			if (!shown[i] && vm->pio[i].accesses &&
			    (best < 0 || vm->pio[i].accesses > vm->pio[best].accesses))
				best = (int)i;
		if (best < 0)
			break;
		shown[best] = true;
		n += fmt_snprintf(line + n, sizeof(line) - (size_t)n, " 0x%x/%u=%llu", vm->pio[best].base,
				  vm->pio[best].count, (unsigned long long)vm->pio[best].accesses);
	}
	if (vm->nr_pio)
		kprintf("%s\n", line);
}

static void report_exits(const struct vm *vm)
{
	char line[256];
	int n = fmt_snprintf(line, sizeof(line), "basalt: vm '%s' exits:", vm->name);

	for (unsigned c = 0; c < VM_EXIT_COUNT && n < (int)sizeof(line); c++)
		if (vm->stats.exits[c])
			n += fmt_snprintf(line + n, sizeof(line) - n, " %s=%llu", vm_exit_name(c),
					  (unsigned long long)vm->stats.exits[c]);
	kprintf("%s; unclaimed ports: %llu reads, %llu writes\n", line,
		(unsigned long long)vm->stats.unclaimed_pio_reads,
		(unsigned long long)vm->stats.unclaimed_pio_writes);
	n = fmt_snprintf(line, sizeof(line), "basalt: vm '%s' busiest unclaimed ports:", vm->name);
	for (unsigned i = 0; i < VM_UNCLAIMED_TRACKED; i++)
		if (vm->stats.unclaimed_top[i].count)
			n += fmt_snprintf(line + n, sizeof(line) - (size_t)n, " 0x%x=%u", vm->stats.unclaimed_top[i].port,
					  vm->stats.unclaimed_top[i].count);
	if (vm->stats.unclaimed_pio_reads + vm->stats.unclaimed_pio_writes)
		kprintf("%s\n", line);
	report_busiest_ports(vm);
	if (vm->stats.unclaimed_mmio_reads + vm->stats.unclaimed_mmio_writes)
		kprintf("basalt: vm '%s' unclaimed mmio: %llu reads, %llu writes\n", vm->name,
			(unsigned long long)vm->stats.unclaimed_mmio_reads,
			(unsigned long long)vm->stats.unclaimed_mmio_writes);
}

static const char *state_word(const struct vm *vm)
{
	switch (vm->state) {
	case VM_STATE_POWERED_OFF: return vm->exit_status == 0 ? "passed" : "failed";
	case VM_STATE_CRASHED: return "crashed";
	case VM_STATE_HALTED: return "halted";
	default: return "running";
	}
}

enum machine_verdict report_final(unsigned refused)
{
	unsigned passed = 0;

	for (unsigned i = 0; i < vm_count; i++) {
		const struct vm *vm = vm_list[i];

		kprintf("basalt: vm '%s' %s: %s\n", vm->name, state_word(vm), vm->end_reason);
		report_exits(vm);
		vm_io_report(vm);
		if (vm->state == VM_STATE_POWERED_OFF && vm->exit_status == 0)
			passed++;
	}
	cpu_time_report_cores();
	kprintf("basalt: %u VMs: %u passed, %u failed, %u refused\n", vm_count + refused, passed,
		vm_count - passed, refused);
	if (passed == vm_count && refused == 0 && vm_count > 0) {
		kprintf("basalt: verdict: pass\n");
		return VERDICT_PASS;
	}
	kprintf("basalt: verdict: fail\n");
	return VERDICT_FAIL;
}
