/* SPDX-License-Identifier: MIT */
/* SMP from inside a pc-platform guest: APs started by INIT-SIPI-SIPI into a real-mode trampoline,
 * their INIT state and APIC IDs, fixed IPIs both ways, broadcasts, and an AP taken down by INIT
 * and started again (how Linux offlines and onlines a CPU). */
#include "smp_common.h"

const char guest_name[] = "smp";

#define V_PING 0x40
#define V_PONG 0x41
#define V_BCAST 0x42
#define ROUNDS 50
#define BCASTS 10
#define CR0_AFTER_INIT 0x60000010u
#define WAIT_NS 2000000000ul

static volatile unsigned up[SMP_MAX_CPUS], pings[SMP_MAX_CPUS], bcasts[SMP_MAX_CPUS];
static volatile uint32_t seen_sig[SMP_MAX_CPUS], seen_cr0[SMP_MAX_CPUS], seen_initial_id[SMP_MAX_CPUS];
static volatile unsigned pongs;

static void on_ping(struct exc_frame *f)
{
	(void)f;
	pings[smp_apic_id() % SMP_MAX_CPUS]++;
	smp_eoi();
	smp_ipi(0, ICR_FIXED | V_PONG);
}

static void on_pong(struct exc_frame *f)
{
	(void)f;
	pongs++;
	smp_eoi();
}

static void on_bcast(struct exc_frame *f)
{
	(void)f;
	__atomic_fetch_add(&bcasts[smp_apic_id() % SMP_MAX_CPUS], 1, __ATOMIC_RELAXED);
	smp_eoi();
}

static void ap_main(uint32_t id, uint32_t signature, uint32_t cr0)
{
	id %= SMP_MAX_CPUS;
	seen_sig[id] = signature;
	seen_cr0[id] = cr0;
	seen_initial_id[id] = cpuid(1, 0).ebx >> 24;
	__atomic_fetch_add(&up[id], 1, __ATOMIC_RELEASE);
	smp_printf("AP %u up\n", id);
}

/* Bochs 2.7's VT-x loads guest CR0 without CD and NW (the VMCS holds 0x60000010, measured with
 * VMREAD; its CPU model has no caches to disable): on an Intel CPU 0x10 is accepted, said once. */
static bool cr0_is_init(uint32_t cr0)
{
	static bool said;
	struct cpuid_regs v = cpuid(0, 0);
	bool intel = v.ebx == 0x756e6547u; /* "Genu" */

	if (cr0 == CR0_AFTER_INIT)
		return true;
	if (!intel || cr0 != (CR0_AFTER_INIT & ~0x60000000u))
		return false;
	if (!said)
		smp_printf("smp: CR0.CD/NW read as 0 after INIT (an Intel emulator that does not model them)\n");
	said = true;
	return true;
}

static void start_all(unsigned n)
{
	bool ok = true, state = true, ids = true;
	uint32_t sig = cpuid(1, 0).eax;

	for (unsigned id = 1; id < n; id++)
		smp_start_ap(id, SMP_TRAMP_VECTOR);
	for (unsigned id = 1; id < n; id++) {
		if (!smp_wait(&up[id], 1, WAIT_NS)) {
			smp_printf("AP %u did not come up\n", id);
			ok = false;
			continue;
		}
		if (!cr0_is_init(seen_cr0[id]) || seen_sig[id] != sig) {
			smp_printf("AP %u: CR0 0x%x EDX 0x%x after INIT (want 0x%x, 0x%x)\n", id, seen_cr0[id],
				   seen_sig[id], CR0_AFTER_INIT, sig);
			state = false;
		}
		if (seen_initial_id[id] != id || up[id] != 1)
			ids = false;
	}
	check(ok, "smp-ap-up", "not every AP came up");
	check(state, "smp-ap-init-state", "an AP did not start in the INIT state");
	check(ids, "smp-apic-ids", "APIC IDs do not match the vCPU index (or an AP started twice)");
}

/* Fixed IPIs BSP -> AP -> BSP, ROUNDS times per AP, each answered before the next. */
static void ping_pong(unsigned n)
{
	bool ok = true;

	for (unsigned r = 0; r < ROUNDS && ok; r++) {
		for (unsigned id = 1; id < n && ok; id++) {
			unsigned before = pongs;

			smp_ipi(id, ICR_FIXED | V_PING);
			ok = smp_wait(&pongs, before + 1, WAIT_NS);
		}
	}
	for (unsigned id = 1; id < n; id++)
		ok = ok && pings[id] == ROUNDS;
	check(ok, "smp-ping-pong", "%u pongs for %u pings", pongs, ROUNDS * (n - 1));
}

static void broadcast(unsigned n)
{
	static volatile unsigned total;
	bool ok = true;
	uint64_t end;

	for (unsigned i = 0; i < BCASTS; i++)
		smp_ipi(0, ICR_FIXED | ICR_OTHERS | V_BCAST);
	end = clock_ns() + WAIT_NS;
	do {
		total = 0;
		for (unsigned id = 1; id < n; id++)
			total += bcasts[id] ? 1 : 0;
		hypercall(BASALT_HC_YIELD, 0, 0, 0);
	} while (total < n - 1 && clock_ns() < end);
	/* An IPI that arrives while the last one is still in IRR merges with it, as on hardware. */
	for (unsigned id = 1; id < n; id++)
		ok = ok && bcasts[id] >= 1 && bcasts[id] <= BCASTS;
	check(ok && bcasts[0] == 0, "smp-broadcast", "every AP (and not the sender) takes an all-but-self IPI");
}

/* INIT stops a running AP (it answers no more pings); INIT-SIPI-SIPI brings it back. */
static void restart_ap(void)
{
	unsigned before = pongs;

	smp_ipi(1, ICR_INIT | ICR_ASSERT);
	smp_ipi(1, ICR_FIXED | V_PING);
	check(!smp_wait(&pongs, before + 1, WAIT_NS / 20), "smp-init-stops-ap", "AP 1 answered after INIT");
	smp_start_ap(1, SMP_TRAMP_VECTOR);
	before = pongs;
	check(smp_wait(&up[1], 2, WAIT_NS) && (smp_ipi(1, ICR_FIXED | V_PING), smp_wait(&pongs, before + 1, WAIT_NS)),
	      "smp-ap-restart", "AP 1 did not come back after INIT-SIPI-SIPI");
}

void guest_main(void)
{
	unsigned n = smp_cpus();

	smp_printf("smp: %u vCPUs\n", n);
	if (n < 2 || n > SMP_MAX_CPUS)
		fail(guest_name, "CPUID reports %u vCPUs", n);
	smp_apic_on();
	guest_set_handler(V_PING, on_ping);
	guest_set_handler(V_PONG, on_pong);
	guest_set_handler(V_BCAST, on_bcast);
	smp_ap_main = ap_main;
	smp_tramp_install();
	check(smp_apic_id() == 0, "smp-bsp-id", "BSP APIC ID %u", smp_apic_id());
	start_all(n);
	ping_pong(n);
	broadcast(n);
	restart_ap();
	hostile_finish();
}
