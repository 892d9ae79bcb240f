/* SPDX-License-Identifier: MIT */
/* Admission of a VM's scheduling: pinned cores are owned by one VM, every other VM keeps a core to run on. */
#include "kernel/config_internal.h"
#include "kernel/console.h"
#include "kernel/errno.h"

#include <string.h>

/* A loop, not __builtin_popcountll: without -mpopcnt that calls libgcc, which the image lacks. */
static unsigned count_cores(uint64_t mask)
{
	unsigned n = 0;

	for (; mask; mask &= mask - 1)
		n++;
	return n;
}

/* The lowest `n` cores of mask. */
static uint64_t lowest_cores(uint64_t mask, unsigned n)
{
	uint64_t out = 0;

	for (; n && mask; n--) {
		out |= mask & -mask;
		mask &= mask - 1;
	}
	return out;
}

/* The highest `n` cores of mask: a pinned VM without `cpus` takes cores from the top, leaving cpu 0
 * (where the boot CPU also polls the console) to the shared VMs. */
static uint64_t highest_cores(uint64_t mask, unsigned n)
{
	uint64_t out = 0;

	for (; n && mask; n--) {
		uint64_t top = 1ull << (63 - __builtin_clzll(mask));

		out |= top;
		mask &= ~top;
	}
	return out;
}

static uint64_t pinned_cores(const struct basalt_config *out)
{
	uint64_t mask = 0;

	for (unsigned i = 0; i < out->vm_count; i++)
		if (out->vms[i].policy == CONFIG_SCHED_PINNED)
			mask |= out->vms[i].cpu_mask;
	return mask;
}

static const char *pinned_owner(const struct basalt_config *out, unsigned core)
{
	for (unsigned i = 0; i < out->vm_count; i++)
		if (out->vms[i].policy == CONFIG_SCHED_PINNED && (out->vms[i].cpu_mask & (1ull << core)))
			return out->vms[i].name;
	return "?";
}

/* Chooses the cores a pinned VM owns; refuses it when they are too few or owned already. */
static int admit_pinned(const struct basalt_config *out, struct vm_config *vm, bool cpus_given,
			uint64_t all, struct config_err *e)
{
	uint64_t taken = pinned_cores(out), clash = vm->cpu_mask & taken;
	unsigned free_cores = count_cores(all & ~taken);

	if (!cpus_given) {
		if (free_cores < vm->vcpus)
			return config_fail(e, "vcpus", "%u pinned vCPUs but only %u host cores are free of other pinned VMs",
					   vm->vcpus, free_cores);
		vm->cpu_mask = highest_cores(all & ~taken, vm->vcpus);
		return 0;
	}
	if (count_cores(vm->cpu_mask) < vm->vcpus)
		return config_fail(e, "vcpus", "%u pinned vCPUs but cpus names %u core%s", vm->vcpus,
				   count_cores(vm->cpu_mask), count_cores(vm->cpu_mask) == 1 ? "" : "s");
	if (clash) {
		unsigned core = (unsigned)__builtin_ctzll(clash);

		return config_fail(e, "cpus", "core %u is already pinned to /vms/%s", core, pinned_owner(out, core));
	}
	vm->cpu_mask = lowest_cores(vm->cpu_mask, vm->vcpus);
	return 0;
}

/* A pinned VM may not take the last core of a VM admitted before it. */
static int check_others_keep_a_core(const struct basalt_config *out, const struct vm_config *vm,
				    struct config_err *e)
{
	uint64_t taken = pinned_cores(out) | vm->cpu_mask;

	for (unsigned i = 0; i < out->vm_count; i++)
		if (out->vms[i].policy != CONFIG_SCHED_PINNED && !(out->vms[i].cpu_mask & ~taken))
			return config_fail(e, "cpus", "would take every core /vms/%s may run on", out->vms[i].name);
	return 0;
}

static void leave_pinned_cores(struct basalt_config *out, uint64_t pinned, const char *owner)
{
	for (unsigned i = 0; i < out->vm_count; i++) {
		struct vm_config *other = &out->vms[i];

		if (other->policy == CONFIG_SCHED_PINNED || !(other->cpu_mask & pinned))
			continue;
		other->cpu_mask &= ~pinned;
		kprintf("config: /vms/%s: cpus: core(s) 0x%llx now pinned to /vms/%s; the VM runs on the others\n",
			other->name, (unsigned long long)pinned, owner);
	}
}

int config_admit_sched(struct basalt_config *out, struct vm_config *vm, bool cpus_given,
		       const struct config_limits *limits, struct config_err *e)
{
	uint64_t all = limits->host_cpus >= 64 ? ~0ull : (1ull << limits->host_cpus) - 1;
	uint64_t taken = pinned_cores(out);

	if (vm->policy == CONFIG_SCHED_PINNED) {
		if (admit_pinned(out, vm, cpus_given, all, e) || check_others_keep_a_core(out, vm, e))
			return -EINVAL;
		leave_pinned_cores(out, vm->cpu_mask, vm->name);
		return 0;
	}
	if (!(vm->cpu_mask & ~taken))
		return config_fail(e, "cpus", "every core it may run on is pinned to another VM");
	if (cpus_given && (vm->cpu_mask & taken))
		kprintf("config: %s: cpus: core(s) 0x%llx are pinned to other VMs; the VM runs on the others\n", e->node,
			(unsigned long long)(vm->cpu_mask & taken));
	vm->cpu_mask &= ~taken;
	return 0;
}
