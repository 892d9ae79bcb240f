/* SPDX-License-Identifier: MIT */
/* Unit tests for drivers/pc/vioapic.c: registers, redirection entries, edge and level pins, EOI. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "drivers/pc/apic_bus.h"
#include "drivers/pc/pc_layout.h"
#include "drivers/pc/vioapic.h"
#include "kernel/errno.h"
#include "kernel/vm.h"

/* ---- doubles: the MMIO map keeps the one handler, the APIC bus records messages ---- */

static mmio_fn io_handler;
static void *io_dev;
static uint64_t io_base, io_size;
static struct apic_msg sent[64];
static unsigned nsent;
static int accept = 1; /* how many LAPICs take each message */

int vm_register_mmio(struct vm *vm, uint64_t base, uint64_t size, mmio_fn handler, void *dev)
{
	(void)vm;
	io_base = base;
	io_size = size;
	io_handler = handler;
	io_dev = dev;
	return 0;
}

int apic_bus_deliver(struct vm *vm, struct vcpu *src, const struct apic_msg *m)
{
	(void)vm;
	assert_null(src);
	assert_true(nsent < 64);
	sent[nsent++] = *m;
	return accept;
}

static struct vm *vm;

static int setup(void **state)
{
	(void)state;
	vm = calloc(1, sizeof(*vm));
	nsent = 0;
	accept = 1;
	assert_int_equal(vioapic_attach(vm), 0);
	assert_non_null(vm->ioapic);
	assert_int_equal(io_base, PC_IOAPIC_BASE);
	assert_int_equal(io_size, 0x1000);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	free(vm);
	return 0;
}

static uint64_t mmio(uint64_t off, unsigned size, bool write, uint64_t v)
{
	assert_int_equal(io_handler(NULL, io_dev, PC_IOAPIC_BASE + off, size, write, &v), 0);
	return v;
}

static uint32_t rd(uint32_t reg)
{
	mmio(0x00, 4, true, reg);
	return (uint32_t)mmio(0x10, 4, false, 0);
}

static void wr(uint32_t reg, uint32_t v)
{
	mmio(0x00, 4, true, reg);
	mmio(0x10, 4, true, v);
}

static void set_rte(unsigned pin, uint64_t v)
{
	wr(0x10 + 2 * pin + 1, (uint32_t)(v >> 32));
	wr(0x10 + 2 * pin, (uint32_t)v);
}

static uint64_t get_rte(unsigned pin)
{
	return rd(0x10 + 2 * pin) | (uint64_t)rd(0x11 + 2 * pin) << 32;
}

#define LEVEL (1ull << 15)
#define MASKED (1ull << 16)
#define REMOTE_IRR (1ull << 14)
#define ACTIVE_LOW (1ull << 13)
#define LOGICAL (1ull << 11)

static void test_id_version_arbitration(void **state)
{
	(void)state;
	assert_int_equal(rd(0x00), PC_IOAPIC_ID << 24);
	assert_int_equal(rd(0x01), 0x00170020); /* 24 entries, version 0x20 */
	wr(0x00, 0xffffffff);
	assert_int_equal(rd(0x00), 0x0f000000); /* only bits 27:24 */
	assert_int_equal(rd(0x02), 0x0f000000);
	wr(0x01, 0);
	assert_int_equal(rd(0x01), 0x00170020); /* read-only */
	assert_int_equal(mmio(0x00, 4, false, 0), 0x01); /* IOREGSEL reads back */
}

static void test_reset_state_masked(void **state)
{
	(void)state;
	for (unsigned pin = 0; pin < 24; pin++)
		assert_int_equal(get_rte(pin), MASKED);
	vioapic_set_pin(vm->ioapic, 3, true);
	assert_int_equal(nsent, 0);
}

static void test_rte_writable_bits(void **state)
{
	(void)state;
	set_rte(5, ~0ull);
	/* status bits 12 and 14 and reserved 17-55 stay 0 */
	assert_int_equal(get_rte(5), 0xff0000000001afffull);
	set_rte(5, 0);
	assert_int_equal(get_rte(5), 0);
}

static void test_bad_accesses(void **state)
{
	(void)state;
	assert_int_equal(rd(0x40), 0); /* past the last entry (0x3f) */
	assert_int_equal(rd(0xff), 0);
	wr(0x40, 0x1234);            /* ignored, nothing beyond the table changes */
	assert_int_equal(rd(0x3f) >> 24, 0);
	assert_int_equal(mmio(0x10, 1, false, 0), 0xffffffffffffffffull & ~0ull); /* byte: undefined */
	assert_int_equal(mmio(0x20, 4, false, 0), ~0ull);                        /* reserved offset */
	assert_int_equal(mmio(0x11, 4, false, 0), ~0ull);                        /* unaligned */
	mmio(0x00, 2, true, 0x12);                                               /* word to IOREGSEL */
	assert_int_equal(mmio(0x00, 4, false, 0), 0x3f);                         /* unchanged */
	mmio(0x00, 4, true, 0x1ff);                                              /* 8 bits only */
	assert_int_equal(mmio(0x00, 4, false, 0), 0xff);
	assert_int_equal(mmio(0xffc, 4, false, 0), ~0ull);
	vioapic_set_pin(vm->ioapic, 24, true); /* out-of-range pins are ignored */
	vioapic_set_pin(vm->ioapic, ~0u, true);
	assert_int_equal(nsent, 0);
}

static void test_edge_delivers_once_per_rising_edge(void **state)
{
	(void)state;
	set_rte(4, 0x31 | (2ull << 56));
	vioapic_set_pin(vm->ioapic, 4, true);
	vioapic_set_pin(vm->ioapic, 4, true); /* still high: no new edge */
	assert_int_equal(nsent, 1);
	assert_int_equal(sent[0].vector, 0x31);
	assert_int_equal(sent[0].delivery, APIC_DM_FIXED);
	assert_false(sent[0].logical);
	assert_false(sent[0].level_triggered);
	assert_int_equal(sent[0].dest, 2);
	vioapic_set_pin(vm->ioapic, 4, false);
	vioapic_set_pin(vm->ioapic, 4, true);
	assert_int_equal(nsent, 2);
	assert_int_equal(get_rte(4) & REMOTE_IRR, 0);
}

static void test_edge_while_masked_is_lost(void **state)
{
	(void)state;
	set_rte(4, 0x31 | MASKED);
	assert_true(vioapic_pin_masked(vm->ioapic, 4));
	vioapic_set_pin(vm->ioapic, 4, true);
	set_rte(4, 0x31);
	assert_false(vioapic_pin_masked(vm->ioapic, 4));
	assert_true(vioapic_pin_masked(vm->ioapic, 24)); /* no such pin */
	assert_int_equal(nsent, 0);
}

static void test_level_remote_irr_and_eoi(void **state)
{
	(void)state;
	set_rte(17, 0x41 | LEVEL | ACTIVE_LOW | LOGICAL | (1ull << 8) | (0x3ull << 56));
	vioapic_set_pin(vm->ioapic, 17, true);
	assert_int_equal(nsent, 1);
	assert_true(sent[0].level_triggered);
	assert_true(sent[0].logical);
	assert_int_equal(sent[0].delivery, APIC_DM_LOWEST);
	assert_int_equal(sent[0].dest, 3);
	assert_true(get_rte(17) & REMOTE_IRR);
	vioapic_set_pin(vm->ioapic, 17, true);
	assert_int_equal(nsent, 1); /* remote IRR holds it */
	vioapic_eoi(vm->ioapic, 0x42); /* another vector: nothing */
	assert_true(get_rte(17) & REMOTE_IRR);
	vioapic_eoi(vm->ioapic, 0x41); /* still asserted: delivered again */
	assert_int_equal(nsent, 2);
	assert_true(get_rte(17) & REMOTE_IRR);
	vioapic_set_pin(vm->ioapic, 17, false);
	vioapic_eoi(vm->ioapic, 0x41);
	assert_int_equal(nsent, 2);
	assert_false(get_rte(17) & REMOTE_IRR);
}

static void test_eoi_register(void **state)
{
	(void)state;
	set_rte(18, 0x51 | LEVEL | ACTIVE_LOW);
	vioapic_set_pin(vm->ioapic, 18, true);
	vioapic_set_pin(vm->ioapic, 18, false);
	assert_true(get_rte(18) & REMOTE_IRR);
	mmio(0x40, 4, true, 0x51);
	assert_false(get_rte(18) & REMOTE_IRR);
	assert_int_equal(nsent, 1);
	assert_int_equal(mmio(0x40, 4, false, 0), 0);
}

static void test_masked_level_delivers_on_unmask(void **state)
{
	(void)state;
	set_rte(19, 0x61 | LEVEL | ACTIVE_LOW | MASKED);
	vioapic_set_pin(vm->ioapic, 19, true);
	assert_int_equal(nsent, 0);
	set_rte(19, 0x61 | LEVEL | ACTIVE_LOW);
	assert_int_equal(nsent, 1);
	assert_true(get_rte(19) & REMOTE_IRR);
}

static void test_remote_irr_needs_acceptance(void **state)
{
	(void)state;
	accept = 0; /* a destination nobody has */
	set_rte(20, 0x71 | LEVEL | ACTIVE_LOW | (0x7full << 56));
	vioapic_set_pin(vm->ioapic, 20, true);
	assert_int_equal(nsent, 1);
	assert_false(get_rte(20) & REMOTE_IRR);
	accept = 1;
	set_rte(20, 0x71 | LEVEL | ACTIVE_LOW); /* retargeted: the asserted line is retried */
	assert_int_equal(nsent, 2);
	assert_true(get_rte(20) & REMOTE_IRR);
}

static void test_polarity_follows_the_wiring(void **state)
{
	(void)state;
	/* a PCI line (active-low wire) programmed as the _PRT says: level, active low */
	set_rte(21, 0x81 | LEVEL | ACTIVE_LOW);
	assert_int_equal(nsent, 0);
	vioapic_set_pin(vm->ioapic, 21, true);
	assert_int_equal(nsent, 1);
	vioapic_set_pin(vm->ioapic, 21, false);
	vioapic_eoi(vm->ioapic, 0x81);
	assert_int_equal(nsent, 1);
	/* the same PCI line programmed active high: the idle (high) wire reads as asserted */
	set_rte(22, 0x82 | LEVEL);
	assert_int_equal(nsent, 2);
	/* an ISA line (active-high wire) programmed active low: the same, as on hardware */
	set_rte(7, 0x83 | LEVEL | ACTIVE_LOW);
	assert_int_equal(nsent, 3);
	vioapic_set_pin(vm->ioapic, 7, true); /* now electrically high: deasserted for the pin */
	vioapic_eoi(vm->ioapic, 0x83);
	assert_int_equal(nsent, 3);
}

static void test_switch_to_edge_clears_remote_irr(void **state)
{
	(void)state;
	set_rte(22, 0x91 | LEVEL | ACTIVE_LOW);
	vioapic_set_pin(vm->ioapic, 22, true);
	assert_true(get_rte(22) & REMOTE_IRR);
	set_rte(22, 0x91);
	assert_false(get_rte(22) & REMOTE_IRR);
}

static void test_delivery_modes(void **state)
{
	(void)state;
	set_rte(1, 0x02 | (4ull << 8) | LEVEL); /* NMI: never level-triggered at the LAPIC */
	vioapic_set_pin(vm->ioapic, 1, true);
	assert_int_equal(nsent, 1);
	assert_int_equal(sent[0].delivery, APIC_DM_NMI);
	assert_false(sent[0].level_triggered);
	set_rte(2, 0x22 | (3ull << 8)); /* reserved mode: nothing sent */
	vioapic_set_pin(vm->ioapic, 2, true);
	set_rte(3, 0x22 | (6ull << 8));
	vioapic_set_pin(vm->ioapic, 3, true);
	assert_int_equal(nsent, 1);
	set_rte(0, 0x00 | (7ull << 8)); /* ExtINT from the PIC */
	vioapic_set_pin(vm->ioapic, 0, true);
	assert_int_equal(nsent, 2);
	assert_int_equal(sent[1].delivery, APIC_DM_EXTINT);
	set_rte(5, 0x05); /* an illegal vector goes out; the LAPIC refuses it */
	vioapic_set_pin(vm->ioapic, 5, true);
	assert_int_equal(nsent, 3);
	assert_int_equal(sent[2].vector, 5);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_id_version_arbitration, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reset_state_masked, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rte_writable_bits, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_accesses, setup, teardown),
		cmocka_unit_test_setup_teardown(test_edge_delivers_once_per_rising_edge, setup, teardown),
		cmocka_unit_test_setup_teardown(test_edge_while_masked_is_lost, setup, teardown),
		cmocka_unit_test_setup_teardown(test_level_remote_irr_and_eoi, setup, teardown),
		cmocka_unit_test_setup_teardown(test_eoi_register, setup, teardown),
		cmocka_unit_test_setup_teardown(test_masked_level_delivers_on_unmask, setup, teardown),
		cmocka_unit_test_setup_teardown(test_remote_irr_needs_acceptance, setup, teardown),
		cmocka_unit_test_setup_teardown(test_polarity_follows_the_wiring, setup, teardown),
		cmocka_unit_test_setup_teardown(test_switch_to_edge_clears_remote_irr, setup, teardown),
		cmocka_unit_test_setup_teardown(test_delivery_modes, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
