/* SPDX-License-Identifier: MIT */
/* CPU-time accounting lines: per VM and vCPU when it ends, per host core at the end of the run. */
#include "kernel/cpu_time.h"

#include <stdbool.h>

#include "kernel/console.h"
#include "kernel/vm.h"
#include "sched/sched.h"

/* "12.3 ms": tenths of a millisecond are what a fairness check needs, and fit every run. */
static const char *show_ms(char *buf, size_t size, uint64_t ns)
{
	uint64_t tenths = (ns + 50000) / 100000;

	fmt_snprintf(buf, size, "%llu.%llu ms", (unsigned long long)(tenths / 10), (unsigned long long)(tenths % 10));
	return buf;
}

void cpu_time_vm_ended(struct vm *vm)
{
	struct vm_cpu_time *t = &vm->cpu_time;
	char run[32], steal[32];

	*t = (struct vm_cpu_time){ 0 };
	for (unsigned i = 0; i < vm->nr_vcpus; i++) {
		struct sched_entity_stats s;

		sched_entity_stats(&vm->vcpus[i]->se, &s);
		t->run_ns += s.run_ns;
		t->steal_ns += s.wait_ns;
		t->switches += s.switches;
		t->migrations += s.migrations;
		if (vm->nr_vcpus > 1)
			kprintf("basalt: cpu-time [%s] vcpu %u: run %s, steal %s, switches %llu, migrations %llu, last cpu %u\n",
				vm->name, i, show_ms(run, sizeof(run), s.run_ns), show_ms(steal, sizeof(steal), s.wait_ns),
				(unsigned long long)s.switches, (unsigned long long)s.migrations, s.cpu);
	}
	kprintf("basalt: cpu-time [%s]: run %s, steal %s, %u vCPUs, %llu migrations\n", vm->name,
		show_ms(run, sizeof(run), t->run_ns), show_ms(steal, sizeof(steal), t->steal_ns), vm->nr_vcpus,
		(unsigned long long)t->migrations);
}

/* "(a 12.0 ms, b 3.1 ms)": every VM that ran on the core, so a test can see a pinned core ran one VM. */
static void append_vms(char *line, size_t size, size_t *len, const struct sched_cpu_stats *s)
{
	char ms[32];
	bool first = true;

	for (unsigned i = 0; i < vm_count; i++) {
		unsigned group = vm_list[i]->id;

		if (group >= SCHED_MAX_GROUPS || !s->busy_ns[group])
			continue;
		*len += (size_t)fmt_snprintf(line + *len, size - *len, "%s%s %s", first ? " (" : ", ", vm_list[i]->name,
					     show_ms(ms, sizeof(ms), s->busy_ns[group]));
		first = false;
		if (*len >= size)
			*len = size - 1;
	}
	if (!first && *len + 1 < size) {
		line[(*len)++] = ')';
		line[*len] = '\0';
	}
}

void cpu_time_report_cores(void)
{
	for (unsigned cpu = 0; cpu < sched_ncpus(); cpu++) {
		struct sched_cpu_stats s;
		uint64_t busy = 0;
		char line[512], ms[32];
		size_t len;

		if (sched_cpu_stats(cpu, &s))
			continue;
		for (unsigned g = 0; g < SCHED_MAX_GROUPS; g++)
			busy += s.busy_ns[g];
		busy += s.busy_other_ns;
		len = (size_t)fmt_snprintf(line, sizeof(line), "basalt: core %u: busy %s", cpu,
					   show_ms(ms, sizeof(ms), busy));
		if (len >= sizeof(line))
			len = sizeof(line) - 1;
		append_vms(line, sizeof(line), &len, &s);
		kprintf("%s, idle %s\n", line, show_ms(ms, sizeof(ms), s.idle_ns));
	}
}
