/* SPDX-License-Identifier: MIT */
/* libFuzzer target: random IOAPIC register accesses, line changes and EOIs; entries and messages stay legal. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "drivers/pc/apic_bus.h"
#include "drivers/pc/pc_layout.h"
#include "drivers/pc/vioapic.h"
#include "kernel/vm.h"
#include "tests/fuzz/fuzz_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static mmio_fn handler;
static void *dev;
static int accept;

int vm_register_mmio(struct vm *vm, uint64_t base, uint64_t size, mmio_fn fn, void *d)
{
	(void)vm;
	CHECK(base == PC_IOAPIC_BASE && size == 0x1000);
	handler = fn;
	dev = d;
	return 0;
}

/* Every message the IOAPIC sends: a mode a redirection entry may use, level only for fixed/lowest. */
int apic_bus_deliver(struct vm *vm, struct vcpu *src, const struct apic_msg *m)
{
	(void)vm;
	CHECK(!src && m->assert && m->shorthand == APIC_DEST_NONE && m->dest <= 0xff);
	CHECK(m->delivery != 3 && m->delivery != APIC_DM_SIPI && m->delivery <= APIC_DM_EXTINT);
	CHECK(!m->level_triggered || m->delivery == APIC_DM_FIXED || m->delivery == APIC_DM_LOWEST);
	return accept;
}

static uint64_t access(uint64_t off, unsigned size, bool write, uint64_t v)
{
	CHECK(handler(NULL, dev, PC_IOAPIC_BASE + off, size, write, &v) == 0);
	return v;
}

static uint32_t reg(uint32_t r)
{
	access(0, 4, true, r);
	return (uint32_t)access(0x10, 4, false, 0);
}

static void check_entries(void)
{
	uint32_t sel = (uint32_t)access(0, 4, false, 0);

	CHECK(sel <= 0xff);
	CHECK((reg(0) & ~0x0f000000u) == 0 && reg(1) == 0x00170020u);
	for (unsigned pin = 0; pin < PC_GSI_COUNT; pin++) {
		uint64_t rte = reg(0x10 + 2 * pin) | (uint64_t)reg(0x11 + 2 * pin) << 32;

		CHECK((rte & 0x00fffffffffe1000ull) == 0);          /* reserved, delivery status */
		CHECK(!(rte & (1ull << 14)) || (rte & (1ull << 15))); /* remote IRR only on level pins */
	}
	access(0, 4, true, sel);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct vm vm;
	static bool attached;
	static const unsigned sizes[4] = { 1, 2, 4, 8 };

	if (!attached) { /* one IOAPIC for the process: the pool holds VM_MAX */
		CHECK(vioapic_attach(&vm) == 0);
		attached = true;
	}
	/* back to the reset state through the guest's own interface, so each input stands alone */
	for (unsigned pin = 0; pin < PC_GSI_COUNT; pin++) {
		vioapic_set_pin(vm.ioapic, pin, false);
		access(0, 4, true, 0x10 + 2 * pin);
		access(0x10, 4, true, 0x10000); /* masked, edge: remote IRR cleared */
		access(0, 4, true, 0x11 + 2 * pin);
		access(0x10, 4, true, 0);
	}
	access(0, 4, true, 0);
	access(0x10, 4, true, 0);
	for (size_t i = 0; i + 6 <= size; i += 6) {
		const uint8_t *p = data + i;
		uint32_t v = p[2] | p[3] << 8 | p[4] << 16 | (uint32_t)p[5] << 24;

		accept = p[0] >> 7;
		switch (p[0] & 3) {
		case 0:
			access((p[1] & 0x3f) << 2 | (p[0] >> 2 & 3), sizes[p[0] >> 4 & 3], p[0] & 0x40, v);
			break;
		case 1: /* mostly IOREGSEL/IOWIN pairs so entries get programmed */
			access(0, 4, true, p[1]);
			access(0x10, 4, true, v);
			break;
		case 2:
			vioapic_set_pin(vm.ioapic, p[1] & 0x1f, v & 1);
			break;
		default:
			vioapic_eoi(vm.ioapic, p[1]);
			break;
		}
		check_entries();
	}
	return 0;
}
