/* SPDX-License-Identifier: MIT */
/* The guest-facing interface of Basalt: identical on AMD-V and VT-x. Guests may include this file. */
#ifndef BASALT_ABI_H
#define BASALT_ABI_H

/*
 * Discovery: CPUID leaf 0x40000000 returns EAX = highest Basalt leaf and the
 * signature "BasaltBasalt" in EBX, ECX, EDX. Leaf 0x40000001 returns
 * EAX = ABI version and EBX = which hypercall instruction this CPU uses.
 * Leaf 0x40000010 is the timing leaf VMware defined and other hypervisors copy: EAX = the guest
 * TSC's rate in kHz, EBX = the local APIC timer's input clock in kHz (0 without a local APIC).
 */
#define BASALT_CPUID_BASE 0x40000000u
#define BASALT_CPUID_INFO 0x40000001u
#define BASALT_CPUID_TIMING 0x40000010u
#define BASALT_CPUID_MAX BASALT_CPUID_TIMING
#define BASALT_SIGNATURE "BasaltBasalt"
#define BASALT_ABI_VERSION 0x00010000u
#define BASALT_HCALL_VMMCALL 1u /* AMD: 0f 01 d9 */
#define BASALT_HCALL_VMCALL 2u  /* Intel: 0f 01 c1 */

/*
 * Hypercalls: RAX = number, RDI/RSI/RDX = arguments, result in RAX.
 * Negative results are -errno (Linux values). Unknown numbers return
 * BASALT_HC_ENOSYS and never harm the guest or the hypervisor.
 */
#define BASALT_HC_INFO 0u          /* () -> BASALT_ABI_VERSION */
#define BASALT_HC_CONSOLE_WRITE 1u /* (gpa, len) -> bytes written or -EFAULT */
#define BASALT_HC_POWER_OFF 2u     /* (status) -> does not return; 0 = success */
#define BASALT_HC_YIELD 3u         /* () -> 0; gives up the rest of the time slice */
#define BASALT_HC_CLOCK_NS 4u      /* () -> ns since the VMs were created (one clock for all) */
#define BASALT_HC_WAKE_AT 5u       /* (ns) -> 0; a HLT resumes once the clock passes ns */
#define BASALT_HC_RUN_NS 6u        /* () -> nanoseconds this vCPU has run on a host CPU (the rest of
				    * the clock is time the host gave to others: steal time) */
/*
 * Only the guest kernel may call: a hypercall from CPL 1-3 does nothing at all (no argument is read)
 * and returns BASALT_HC_EPERM in RAX, so a guest's user processes cannot reach the interface.
 */
#define BASALT_HC_EPERM ((long)-1)
#define BASALT_HC_ENOSYS ((long)-38)
#define BASALT_HC_EFAULT ((long)-14)
#define BASALT_HC_EINVAL ((long)-22)

/* Console: each byte written to this port goes to the host console, one line per VM. */
#define BASALT_CONSOLE_PORT 0xE9u

/* Unknown I/O ports read as all ones and ignore writes, as on real hardware. */

#endif
