/* SPDX-License-Identifier: MIT */
/* Hostile IPIs from a 4-vCPU guest beside a neighbour: broadcast fixed IPIs in tight loops, NMI
 * storms, SIPIs to running CPUs, an AP that INITs itself, an AP started at a vector where it spins
 * in real mode with no exits and stopped again by INIT, and at the end INIT to the BSP. */
#include "smp_common.h"

const char guest_name[] = "hostile-ipi";

#define V_STORM 0x50
#define V_PING 0x51
#define V_PONG 0x52
/* Page 0x9f000: the guest puts a real-mode `jmp .` there, so the AP started at it spins without
 * exits forever. (Zeroed RAM is not deterministic: 00 00 runs up to IP 0xffff, and whether IP then
 * wraps or faults through the real-mode IVT into the loader's tables differs between emulators.) */
#define ZERO_VECTOR 0x9f
#define WAIT_NS 2000000000ul

enum ap_job { JOB_NONE, JOB_FIXED_STORM, JOB_NMI_STORM, JOB_SIPI_AND_SELF_INIT, JOB_INIT_BSP };

static volatile unsigned up[SMP_MAX_CPUS], storm_hits[SMP_MAX_CPUS], nmi_hits[SMP_MAX_CPUS];
static volatile unsigned sent[SMP_MAX_CPUS], pongs;
static volatile enum ap_job job[SMP_MAX_CPUS];
static volatile bool stop_storms;

static unsigned my_id(void) { return smp_apic_id() % SMP_MAX_CPUS; }

static void on_storm(struct exc_frame *f) { (void)f; storm_hits[my_id()]++; smp_eoi(); }
static void on_nmi(struct exc_frame *f) { (void)f; nmi_hits[my_id()]++; }
static void on_ping(struct exc_frame *f) { (void)f; smp_eoi(); smp_ipi(0, ICR_FIXED | V_PONG); }
static void on_pong(struct exc_frame *f) { (void)f; pongs++; smp_eoi(); }

/* Each AP attacks in its own way until the BSP says stop, taking interrupts in between. */
static void ap_main(uint32_t id, uint32_t signature, uint32_t cr0)
{
	(void)signature;
	(void)cr0;
	id %= SMP_MAX_CPUS;
	__atomic_fetch_add(&up[id], 1, __ATOMIC_RELEASE);
	smp_printf("AP %u up\n", id);
	while (!stop_storms) {
		switch (job[id]) {
		case JOB_FIXED_STORM: /* all including self, as fast as the ICR takes them */
			smp_ipi(0, ICR_FIXED | ICR_ALL | V_STORM);
			break;
		case JOB_NMI_STORM:
			smp_ipi(0, ICR_NMI | ICR_OTHERS);
			break;
		case JOB_SIPI_AND_SELF_INIT:
			smp_ipi(0, ICR_SIPI | ICR_OTHERS | SMP_TRAMP_VECTOR); /* everyone runs: ignored */
			if (sent[id]++ == 1000)
				smp_ipi(id, ICR_INIT | ICR_ASSERT); /* itself: stops here, the BSP restarts it */
			break;
		default:
			break;
		}
		sent[id]++;
		asm volatile("sti\n\tnop\n\tcli" ::: "memory");
	}
	if (job[id] == JOB_INIT_BSP)
		smp_ipi(0, ICR_INIT | ICR_ASSERT);
}

static bool ping(unsigned id)
{
	unsigned before = pongs;

	smp_ipi(id, ICR_FIXED | V_PING);
	return smp_wait(&pongs, before + 1, WAIT_NS);
}

static void storms(unsigned n)
{
	bool all_up = true;

	job[1] = JOB_FIXED_STORM;
	job[2] = JOB_NMI_STORM;
	job[3] = JOB_SIPI_AND_SELF_INIT;
	for (unsigned id = 1; id < n; id++)
		smp_start_ap(id, SMP_TRAMP_VECTOR);
	for (unsigned id = 1; id < n; id++)
		all_up = smp_wait(&up[id], 1, WAIT_NS) && all_up;
	check(all_up, "hostile-ipi-aps-up", "not every AP came up");
	/* The BSP takes the storm too, while SIPIs to running CPUs go nowhere. */
	while (!hostile_phase_over()) {
		smp_ipi(1, ICR_SIPI | ICR_ASSERT | ZERO_VECTOR);
		asm volatile("sti\n\tnop\n\tnop\n\tcli" ::: "memory");
	}
	stop_storms = true;
	check(storm_hits[0] > 0 && storm_hits[1] > 0 && sent[1] > 100, "hostile-ipi-fixed-storm",
	      "storm: sent %u, taken by BSP %u, AP1 %u", sent[1], storm_hits[0], storm_hits[1]);
	check(nmi_hits[0] > 0 && nmi_hits[1] > 0 && nmi_hits[2] == 0, "hostile-ipi-nmi-storm",
	      "NMIs: BSP %u AP1 %u AP2 (sender) %u", nmi_hits[0], nmi_hits[1], nmi_hits[2]);
	check(up[1] == 1 && up[2] == 1, "hostile-ipi-sipi-running-ignored", "a SIPI restarted a running CPU");
}

/* AP 3 INITed itself: it answers nothing until started again, first at a vector where it only spins. */
static void bad_starts(void)
{
	check(up[3] == 1 && !ping(3), "hostile-ipi-self-init", "AP 3 still answers after INIT to itself");
	*(volatile uint16_t *)((uint64_t)ZERO_VECTOR << 12) = 0xfeeb; /* jmp . */
	smp_start_ap(3, ZERO_VECTOR);
	sleep_ns(20000000);
	check(!ping(3) && up[3] == 1, "hostile-ipi-zero-vector", "AP 3 at vector 0x%x answered", ZERO_VECTOR);
	/* It spins in real mode without exits: INIT still stops it, and a good start brings it back. */
	job[3] = JOB_NONE;
	smp_start_ap(3, SMP_TRAMP_VECTOR);
	check(smp_wait(&up[3], 2, WAIT_NS) && ping(3), "hostile-ipi-restart", "AP 3 did not come back");
	check(ping(1) && ping(2), "hostile-ipi-others-alive", "AP 1 or 2 stopped answering");
}

void guest_main(void)
{
	unsigned n = smp_cpus();

	phase_init();
	smp_printf("hostile-ipi: %u vCPUs\n", n);
	if (n < 4)
		fail(guest_name, "needs 4 vCPUs, CPUID reports %u", n);
	smp_apic_on();
	guest_set_handler(V_STORM, on_storm);
	guest_set_handler(V_PING, on_ping);
	guest_set_handler(V_PONG, on_pong);
	guest_set_handler(2, on_nmi);
	smp_ap_main = ap_main;
	smp_tramp_install();
	hostile_wait_start();
	storms(n);
	bad_starts();
	if (check_failures)
		hostile_finish();
	/* Last: AP 1, restarted by INIT-SIPI-SIPI, sends INIT to the BSP: that resets this machine,
	 * which ends the VM as a reset. */
	smp_printf("PASS %s\n", guest_name);
	job[1] = JOB_INIT_BSP;
	smp_start_ap(1, SMP_TRAMP_VECTOR);
	sleep_ns(WAIT_NS);
	fail(guest_name, "INIT to the BSP did not reset the VM");
}
