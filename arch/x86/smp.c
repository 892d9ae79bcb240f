/* SPDX-License-Identifier: MIT */
/* AP start-up (INIT-SIPI-SIPI into the trampoline below 1 MiB), kick IPIs and the panic stop. */
#include "arch/x86/smp.h"

#include <string.h>

#include "arch/x86/cpu.h"
#include "arch/x86/gdt.h"
#include "arch/x86/idt.h"
#include "arch/x86/msr.h"
#include "arch/x86/percpu.h"
#include "arch/x86/smp_trampoline.h"
#include "drivers/host/lapic.h"
#include "kernel/boot_info.h"
#include "kernel/clock.h"
#include "kernel/console.h"
#include "kernel/mem.h"
#include "kernel/vmm.h"

#define AP_STACK_PAGES 16        /* 64 KiB, as the boot CPU's */
#define INIT_DELAY_US 10000      /* after INIT, before the first SIPI */
#define SIPI_DELAY_US 200        /* between the two SIPIs */
#define AP_ARRIVE_US 200000      /* until the AP runs C code (slow under emulation) */
#define AP_READY_US 2000000      /* until its root mode works */
#define PTE_P_RW 0x3ull
#define PTE_P_RW_PS 0x83ull
#define CR4_VMXE (1ull << 13)
#define EFER_LMA (1ull << 10)
#define EFER_SVME_BIT (1ull << 12)

/* How far the AP being started has come. Written by that AP, read by the boot CPU (one at a time:
 * APs start in turn, so the trampoline's data block and this word have one user). */
enum ap_state { AP_STARTING, AP_ARRIVED, AP_ONLINE, AP_FAILED };
static volatile enum ap_state ap_state;

/* Written by the boot CPU (release), read by waiting APs (acquire). */
static void (*volatile ap_fn)(unsigned cpu);
static unsigned aps_running; /* APs inside ap_fn: atomic */
static int stopping_cpu = -1; /* the CPU stopping the machine: atomic, set once */

void percpu_install(struct percpu *pc)
{
	wrmsr(MSR_GS_BASE, (uint64_t)(uintptr_t)pc);
}

static void delay_us(uint64_t us)
{
	uint64_t start = rdtsc(), ticks = clock_tsc_hz() / 1000000 * us;

	while (rdtsc() - start < ticks)
		cpu_pause();
}

static bool wait_state(enum ap_state at_least, uint64_t us)
{
	uint64_t start = rdtsc(), ticks = clock_tsc_hz() / 1000000 * us;

	while (__atomic_load_n(&ap_state, __ATOMIC_ACQUIRE) < at_least) {
		if (rdtsc() - start >= ticks)
			return false;
		cpu_pause();
	}
	return true;
}

static __attribute__((noreturn)) void park(void)
{
	for (;;)
		__asm__ volatile("cli; hlt" ::: "memory");
}

/* Runs on the AP, on its own stack, with the hypervisor's page tables. */
static __attribute__((noreturn)) void ap_main(struct percpu *pc)
{
	void (*fn)(unsigned);

	percpu_install(pc);
	__atomic_store_n(&ap_state, AP_ARRIVED, __ATOMIC_RELEASE);
	idt_load();
	if (gdt_init_cpu(pc->id)) {
		kprintf("basalt: cpu %u (APIC ID %u): no memory for its GDT and IST stacks\n", pc->id, pc->apic_id);
		__atomic_store_n(&ap_state, AP_FAILED, __ATOMIC_RELEASE);
		park();
	}
	lapic_init_ap();
	if (vmm->init_cpu(pc->id)) {
		kprintf("basalt: cpu %u (APIC ID %u): cannot enter %s root mode\n", pc->id, pc->apic_id, vmm->name);
		__atomic_store_n(&ap_state, AP_FAILED, __ATOMIC_RELEASE);
		park();
	}
	pc->online = true;
	__atomic_store_n(&ap_state, AP_ONLINE, __ATOMIC_RELEASE);
	while (!(fn = __atomic_load_n(&ap_fn, __ATOMIC_ACQUIRE)))
		cpu_pause();
	fn(pc->id);
	__atomic_fetch_sub(&aps_running, 1, __ATOMIC_ACQ_REL);
	park();
}

/* The code, a flat GDT, jump pointers into the copy, and page tables mapping the first 2 MiB. */
static void prepare_trampoline(uint64_t base)
{
	uint8_t *page = phys_to_virt(base);
	struct tramp_data *d = (struct tramp_data *)(page + TRAMP_DATA);
	uint64_t *pml4 = (uint64_t *)(page + PAGE_SIZE), *pdpt = pml4 + 512, *pd = pdpt + 512;
	size_t code = (size_t)(smp_trampoline_end - smp_trampoline_start);

	_Static_assert(TRAMP_DATA + TD_SIZE <= PAGE_SIZE, "data block fits in the code page");
	memset(page, 0, TRAMP_PAGES * PAGE_SIZE);
	memcpy(page, smp_trampoline_start, code);
	d->gdt[1] = 0x00cf9a000000ffffull; /* 32-bit code, flat */
	d->gdt[2] = 0x00cf92000000ffffull; /* data, flat */
	d->gdt[3] = 0x00af9a000000ffffull; /* 64-bit code */
	d->gdtr_limit = sizeof(d->gdt) - 1;
	d->gdtr_base = (uint32_t)(base + TRAMP_DATA + TD_GDT);
	d->pm_offset = (uint32_t)(base + (uint64_t)(smp_trampoline_pm32 - smp_trampoline_start));
	d->pm_selector = TRAMP_SEL_CODE32;
	d->lm_offset = (uint32_t)(base + (uint64_t)(smp_trampoline_lm64 - smp_trampoline_start));
	d->lm_selector = TRAMP_SEL_CODE64;
	pml4[0] = (base + PAGE_SIZE * 2) | PTE_P_RW;
	pdpt[0] = (base + PAGE_SIZE * 3) | PTE_P_RW;
	pd[0] = 0 | PTE_P_RW_PS;
	d->cr3_tmp = (uint32_t)(base + PAGE_SIZE);
	/* The boot CPU's modes, without what root mode adds: each AP's init_cpu sets those itself. */
	d->efer = rdmsr(MSR_EFER) & ~(EFER_LMA | EFER_SVME_BIT);
	d->cr3 = read_cr3();
	d->cr4 = read_cr4() & ~CR4_VMXE;
	d->cr0 = read_cr0();
	d->entry = (uint64_t)(uintptr_t)ap_main;
}

/* INIT, then SIPI (twice if the first was missed); true once the AP runs root mode. */
static bool start_one(uint64_t tramp, struct percpu *pc)
{
	struct tramp_data *d = (struct tramp_data *)((uint8_t *)phys_to_virt(tramp) + TRAMP_DATA);
	void *stack = pages_alloc(AP_STACK_PAGES, PAGE_SIZE);
	uint8_t vector = (uint8_t)(tramp >> 12);

	if (!stack) {
		kprintf("basalt: no memory for the stack of the CPU with APIC ID %u\n", pc->apic_id);
		return false;
	}
	pc->stack_top = virt_to_phys(stack) + AP_STACK_PAGES * PAGE_SIZE;
	d->stack = pc->stack_top;
	d->arg = (uint64_t)(uintptr_t)pc;
	__atomic_store_n(&ap_state, AP_STARTING, __ATOMIC_RELEASE);
	if (!lapic_send_init(pc->apic_id))
		goto fail;
	delay_us(INIT_DELAY_US);
	if (!lapic_send_startup(pc->apic_id, vector))
		goto fail;
	delay_us(SIPI_DELAY_US);
	if (__atomic_load_n(&ap_state, __ATOMIC_ACQUIRE) == AP_STARTING && !lapic_send_startup(pc->apic_id, vector))
		goto fail;
	if (!wait_state(AP_ARRIVED, AP_ARRIVE_US) || !wait_state(AP_ONLINE, AP_READY_US))
		goto fail;
	if (ap_state == AP_ONLINE)
		return true;
fail:
	/* Back to wait-for-SIPI, so a late AP cannot run on a data block set up for the next one. */
	if (ap_state != AP_FAILED)
		lapic_send_init(pc->apic_id);
	pages_free(stack, AP_STACK_PAGES);
	return false;
}

unsigned smp_start_aps(const struct boot_info *info, const uint32_t *apic_ids, unsigned count)
{
	uint32_t self = lapic_id();
	unsigned online = 1;

	if (count > 1 && !info->ap_trampoline_pa)
		kprintf("basalt: no AP start-up page from the boot stage; only the boot CPU runs guests\n");
	if (count <= 1 || !info->ap_trampoline_pa)
		return 1;
	prepare_trampoline(info->ap_trampoline_pa);
	for (unsigned i = 0; i < count && online < MAX_CPUS; i++) {
		struct percpu *pc = &percpu_area[online];

		if (apic_ids[i] == self)
			continue;
		if (info->skip_ap_apic_id >= 0 && apic_ids[i] == (uint32_t)info->skip_ap_apic_id) {
			kprintf("basalt: CPU with APIC ID %u skipped (boot option skip-ap); the others run\n", apic_ids[i]);
			continue;
		}
		*pc = (struct percpu){ .self = pc, .id = online, .apic_id = apic_ids[i] };
		if (start_one(info->ap_trampoline_pa, pc))
			online++;
		else
			kprintf("basalt: CPU with APIC ID %u did not come up; skipped, the others run\n", apic_ids[i]);
	}
	return online;
}

void smp_release_aps(void (*fn)(unsigned cpu))
{
	/* percpu_area is dense: entries 1..cpu_count-1 are exactly the APs that came up. */
	__atomic_store_n(&aps_running, cpu_count - 1, __ATOMIC_RELEASE);
	__atomic_store_n(&ap_fn, fn, __ATOMIC_RELEASE);
}

void smp_wait_aps(void)
{
	while (__atomic_load_n(&aps_running, __ATOMIC_ACQUIRE))
		cpu_pause();
}

void smp_kick(unsigned cpu)
{
	struct percpu *pc = &percpu_area[cpu];

	pc->resched = true;
	if (cpu != this_cpu_id() && pc->online)
		lapic_send_ipi(pc->apic_id, VECTOR_KICK);
}

void smp_kick_interrupt(void)
{
	struct percpu *pc = this_cpu();

	pc->resched = true;
	pc->kick_irqs++;
	lapic_eoi();
}

void smp_stop_others(void)
{
	int expected = -1, me = (int)this_cpu_id();

	if (!__atomic_compare_exchange_n(&stopping_cpu, &expected, me, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
		if (expected != me)
			park(); /* another CPU is already reporting */
		return;
	}
	if (cpu_count > 1) {
		lapic_send_nmi_all_others();
		delay_us(10000); /* let them reach their halt before the report starts */
	}
}

bool smp_park_if_stopping(void)
{
	int stopper = __atomic_load_n(&stopping_cpu, __ATOMIC_ACQUIRE);

	if (stopper < 0 || stopper == (int)this_cpu_id())
		return false;
	park();
}
