/* SPDX-License-Identifier: MIT */
/* Glue for a pc VM's ACPI: tables into guest RAM, PM ports, the SCI line, S5 as power-off. */
#include "drivers/pc/vacpi.h"

#include "drivers/pc/pc_layout.h"
#include "drivers/pc/vacpi_pm.h"
#include "drivers/pc/vacpi_tables.h"
#include "kernel/clock.h"
#include "kernel/console.h"
#include "kernel/errno.h"
#include "kernel/gmem.h"
#include "kernel/virq.h"
#include "kernel/vm.h"

_Static_assert(VACPI_PM_BLOCK_LEN == PC_ACPI_PM_LEN, "the PM block is what pc_layout.h reserves");
_Static_assert(PC_ACPI_BASE % 16 == 0 && PC_ACPI_END <= 0x100000ull, "the RSDP must be where the BIOS-area scan looks");

struct vacpi {
	struct vm *vm;
	struct vacpi_pm pm;
	uint64_t rsdp_gpa;
	uint64_t unknown_sleeps; /* SLP_EN with a SLP_TYP no \_Sx names: nothing happens */
};

static struct vacpi acpi_pool[VM_MAX];
static unsigned acpi_used;

static void set_sci(void *ctx, bool level)
{
	struct vacpi *acpi = ctx;

	virq_set_isa_irq(acpi->vm, PC_IRQ_SCI, level);
}

/* Only S5 exists; other sleep types are ignored like a chipset with no such state wired. */
static void pm_sleep(void *ctx, unsigned slp_typ)
{
	struct vacpi *acpi = ctx;

	if (slp_typ == VACPI_SLP_TYP_S5)
		vm_power_off(acpi->vm, 0);
	else
		acpi->unknown_sleeps++;
}

static const struct vacpi_pm_ops pm_ops = { .set_sci = set_sci, .sleep = pm_sleep };

static int pm_io(struct vcpu *vcpu, void *dev, uint16_t port, uint8_t size, bool in, uint32_t *value)
{
	struct vacpi *acpi = dev;

	(void)vcpu;
	vacpi_pm_io(&acpi->pm, (unsigned)(port - PC_ACPI_PM_BASE), size, in, value, clock_ns());
	return 0;
}

int vacpi_attach(struct vm *vm)
{
	const size_t size = PC_ACPI_END - PC_ACPI_BASE;
	struct vacpi_params p = { .vcpus = vm->cfg->vcpus, .ram_end = vm_ram_end(vm), .ecam = vm->pci != NULL };
	struct vacpi_layout l;
	struct vacpi *acpi;
	void *area = gpa_map_checked(vm, PC_ACPI_BASE, size);
	int rc;

	if (acpi_used == VM_MAX)
		return -ENOSPC;
	if (!area) {
		kprintf("acpi: vm '%s': no RAM at 0x%llx for the ACPI tables\n", vm->name,
			(unsigned long long)PC_ACPI_BASE);
		return -EINVAL;
	}
	rc = vacpi_build_tables(area, size, PC_ACPI_BASE, &p, &l);
	if (rc) {
		kprintf("acpi: vm '%s': the ACPI tables do not fit (error %d)\n", vm->name, rc);
		return rc;
	}
	acpi = &acpi_pool[acpi_used++];
	acpi->vm = vm;
	acpi->rsdp_gpa = PC_ACPI_BASE + l.rsdp;
	vacpi_pm_init(&acpi->pm, &pm_ops, acpi, clock_ns());
	rc = vm_register_pio(vm, PC_ACPI_PM_BASE, PC_ACPI_PM_LEN, pm_io, acpi);
	if (rc)
		return rc;
	vm->acpi = acpi;
	kprintf("acpi: vm '%s': RSDP at 0x%llx, tables 0x%llx-0x%llx (DSDT %u bytes), %u CPUs, %s\n", vm->name,
		(unsigned long long)acpi->rsdp_gpa, (unsigned long long)PC_ACPI_BASE,
		(unsigned long long)(PC_ACPI_BASE + l.end - 1), l.dsdt_len, p.vcpus,
		p.ecam ? "MCFG" : "no MCFG (no ECAM)");
	return 0;
}

uint64_t vacpi_rsdp_gpa(const struct vm *vm)
{
	return vm->acpi ? vm->acpi->rsdp_gpa : 0;
}

void vacpi_power_button(struct vm *vm)
{
	if (vm->acpi)
		vacpi_pm_power_button(&vm->acpi->pm, clock_ns());
}

uint64_t vacpi_poll_timers(struct vm *vm, uint64_t now_ns)
{
	uint64_t next;

	if (!vm->acpi)
		return 0;
	next = vacpi_pm_poll(&vm->acpi->pm, now_ns);
	return next == UINT64_MAX ? 0 : next;
}
