/* SPDX-License-Identifier: MIT */
/* The APIC bus of a VM: who receives an IPI, an IOAPIC redirection or an MSI, and MSI decoding. */
#include "drivers/pc/apic_bus.h"

#include <stddef.h>

#include "drivers/pc/vlapic.h"
#include "kernel/vm.h"

#define MSI_WINDOW_BASE 0xfee00000ull
#define MSI_WINDOW_MASK (~0xfffffull) /* the 1 MiB window, upper address bits included */
#define MSI_ADDR_DEST(a) (((a) >> 12) & 0xffu)
#define MSI_ADDR_DM_LOGICAL (1u << 2)
#define MSI_DATA_LEVEL_ASSERT (1u << 14)
#define MSI_DATA_TRIGGER_LEVEL (1u << 15)

static bool names(const struct vlapic *l, const struct vcpu *src, const struct apic_msg *m)
{
	switch (m->shorthand) {
	case APIC_DEST_SELF: return l->vcpu == src;
	case APIC_DEST_ALL: return true;
	case APIC_DEST_OTHERS: return l->vcpu != src;
	default: return vlapic_match_dest(l, m->logical, m->dest);
	}
}

/* Lowest priority: the target with the lowest arbitration priority (SDM 10.6.2.4), ties to the
 * lowest vCPU index so the choice is reproducible. */
static struct vlapic *lowest_priority(struct vm *vm, struct vcpu *src, const struct apic_msg *m)
{
	struct vlapic *best = NULL;

	for (unsigned i = 0; i < vm->nr_vcpus; i++) {
		struct vlapic *l = vm->vcpus[i]->lapic;

		if (!l || !vlapic_sw_enabled(l) || !names(l, src, m))
			continue;
		if (!best || vlapic_apr(l) < vlapic_apr(best))
			best = l;
	}
	return best;
}

int apic_bus_deliver(struct vm *vm, struct vcpu *src, const struct apic_msg *m)
{
	int accepted = 0;

	if (m->delivery == APIC_DM_LOWEST && m->shorthand != APIC_DEST_SELF) {
		struct vlapic *l = lowest_priority(vm, src, m);

		return l && vlapic_accept(l, m) ? 1 : 0;
	}
	for (unsigned i = 0; i < vm->nr_vcpus; i++) {
		struct vlapic *l = vm->vcpus[i]->lapic;

		if (l && names(l, src, m) && vlapic_accept(l, m))
			accepted++;
	}
	return accepted;
}

bool apic_msi_decode(uint64_t address, uint32_t data, struct apic_msg *m)
{
	if ((address & MSI_WINDOW_MASK) != MSI_WINDOW_BASE)
		return false;
	*m = (struct apic_msg){
		.vector = (uint8_t)data,
		.delivery = (uint8_t)((data >> 8) & 7),
		.shorthand = APIC_DEST_NONE,
		.logical = (address & MSI_ADDR_DM_LOGICAL) != 0,
		.level_triggered = (data & MSI_DATA_TRIGGER_LEVEL) != 0,
		.assert = !(data & MSI_DATA_TRIGGER_LEVEL) || (data & MSI_DATA_LEVEL_ASSERT) != 0,
		.dest = (uint32_t)MSI_ADDR_DEST(address),
	};
	return true;
}
