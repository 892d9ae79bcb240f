/* SPDX-License-Identifier: MIT */
/* VMs and vCPUs: the core's view of a guest, vendor-neutral. */
#ifndef BASALT_VM_H
#define BASALT_VM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arch/x86/guest_gprs.h"
#include "arch/x86/insn_decode.h"
#include "arch/x86/percpu.h"
#include "kernel/config.h"
#include "kernel/console_line.h"
#include "kernel/cpu_time.h"
#include "kernel/mmio.h"
#include "kernel/nested_pt.h"
#include "kernel/vm_exit.h"
#include "sched/sched.h"

#define VM_MAX 16
#define VM_MAX_REGIONS 8
#define VM_MAX_PIO 40 /* legacy devices (16), ACPI PM, PCI config ports and I/O BARs (one per virtio device) */
#define VM_UNCLAIMED_TRACKED 4
#define VCPU_CPUID_CACHE 8 /* direct-mapped: guests ask the same few leaves in loops */

/* Guest general-purpose registers in x86 encoding order; the entry assembly relies on these offsets. */
enum gpr { GPR_RAX, GPR_RCX, GPR_RDX, GPR_RBX, GPR_RSP, GPR_RBP, GPR_RSI, GPR_RDI,
	   GPR_R8, GPR_R9, GPR_R10, GPR_R11, GPR_R12, GPR_R13, GPR_R14, GPR_R15, GPR_COUNT };

struct guest_gprs {
	uint64_t r[GPR_COUNT]; /* r[GPR_RSP] is unused: RSP lives in the VMCB/VMCS */
};
_Static_assert(sizeof(struct guest_gprs) == 128, "entry assembly indexes 16 registers");
_Static_assert(G_RAX == GPR_RAX * 8 && G_RCX == GPR_RCX * 8 && G_RDX == GPR_RDX * 8 && G_RBX == GPR_RBX * 8 &&
		       G_RBP == GPR_RBP * 8 && G_RSI == GPR_RSI * 8 && G_RDI == GPR_RDI * 8 && G_R8 == GPR_R8 * 8 &&
		       G_R9 == GPR_R9 * 8 && G_R10 == GPR_R10 * 8 && G_R11 == GPR_R11 * 8 && G_R12 == GPR_R12 * 8 &&
		       G_R13 == GPR_R13 * 8 && G_R14 == GPR_R14 * 8 && G_R15 == GPR_R15 * 8,
	       "the entry assembly's offsets (arch/x86/guest_gprs.h) match struct guest_gprs");

/* One range of guest RAM backed by contiguous host memory. */
struct gmem_region {
	uint64_t gpa;
	uint64_t size;
	uint64_t hpa;
};

struct vm;
struct vcpu;
struct vpc;
struct vlapic;
struct vioapic;
struct vpci;
struct virtio_console;
struct virtio_blk;
struct virtio_net;
struct blkdev;
struct vacpi;

/* Port-I/O handler: `in` fills *value (size 1, 2 or 4 bytes); returns 0 or -errno. */
typedef int (*pio_fn)(struct vcpu *vcpu, void *dev, uint16_t port, uint8_t size, bool in, uint32_t *value);

struct pio_range {
	uint16_t base;
	uint16_t count;
	pio_fn handler;
	void *dev;
	uint64_t accesses; /* statistics: accesses that reached this device */
};

enum vm_state { VM_STATE_RUNNING, VM_STATE_POWERED_OFF, VM_STATE_HALTED, VM_STATE_CRASHED };

struct vm_stats {
	uint64_t exits[VM_EXIT_COUNT];
	uint64_t unclaimed_pio_reads;
	uint64_t unclaimed_pio_writes;
	uint64_t unclaimed_mmio_reads;
	uint64_t unclaimed_mmio_writes;
	uint64_t hypercalls;
	uint64_t hypercalls_refused; /* made from CPL > 0 */
	uint64_t msr_refused;
	/* The busiest unclaimed ports, so a report says what the guest was probing for. */
	struct { uint16_t port; uint32_t count; } unclaimed_top[VM_UNCLAIMED_TRACKED];
};

struct vcpu {
	struct guest_gprs gprs; /* first: the entry assembly gets this pointer */
	struct vm *vm;
	unsigned id;
	struct sched_entity se;
	void *arch;            /* backend state (VMCB / VMCS) */
	uint64_t wake_at_ns;   /* BASALT_HC_WAKE_AT; 0 = none */
	/* HLT state, written by the vCPU itself and read by wakers, both under vm->lock: a halted vCPU
	 * wakes for an NMI, INIT/SIPI or its wake time, and for an interrupt when halted_with_irqs. */
	bool halted;
	bool halted_with_irqs; /* HLT with interrupts enabled: an interrupt wakes it */
	/* Host CPU id while the vCPU is in a turn (run_turn), -1 otherwise. Written only by the CPU
	 * running it; read by anyone (vcpu_kick) to find the core to signal. */
	volatile int running_on;
	bool in_turn;          /* set for the length of a turn (atomic): two at once is a scheduler bug */
	/* Exits taken in turns so far: written by the running CPU, read by vm_flush_nested_tlbs to
	 * see a kicked vCPU has left the guest. */
	volatile uint64_t exits;
	/* Set by anyone (atomic) when the VM's nested page tables lost or narrowed a mapping: the vCPU
	 * flushes its guest TLB before its next entry, on whatever CPU that is. */
	bool tlb_flush_pending;
	/* Set (under vm->lock) by its local APIC when an INIT or SIPI changed its start-up state;
	 * the vCPU itself acts on it before its next entry (kernel/vcpu_start.c), because only the
	 * CPU that runs a vCPU may rewrite its VMCB/VMCS. */
	volatile bool startup_pending;
	uint64_t charged_until_ns; /* while running: run time up to here is in se.total_ns */
	/* DR0-DR3 are not switched by VM entry/exit on either vendor: these are the guest's, loaded
	 * into the CPU at the start of each turn when they are not already there (vcpu.c). */
	uint64_t dr[4];
	bool dr_used;          /* the guest wrote a non-zero DR0-DR3 at some point */
	/* The last instruction decoded at an exit (kernel/gva.c): guests exit from the same few
	 * places in loops, and a repeat costs a compare instead of a page walk. */
	struct vcpu_insn_cache {
		uint64_t cr3, efer, rip, gpa;
		uint64_t cs_base; /* real-mode code: the same IP under another CS is another instruction */
		uint16_t cs_access;
		uint8_t bytes[15];
		bool valid;
		struct insn insn;
	} insn_cache;
	/* CPUID answers already computed by the policy (which depends only on the vCPU). */
	struct vcpu_cpuid_entry {
		uint32_t leaf, subleaf;
		uint32_t regs[4];
		bool valid;
	} cpuid_cache[VCPU_CPUID_CACHE];
	struct vlapic *lapic;  /* the vCPU's local APIC (drivers/pc/vlapic.c); NULL without the pc platform */
	uint8_t fpu[512] __attribute__((aligned(16))); /* FXSAVE image while not running */
};
_Static_assert(__builtin_offsetof(struct vcpu, gprs) == 0, "backends pass the vcpu as its gprs");

struct vm {
	/*
	 * Guards the VM's shared device and interrupt state against its own vCPUs running on other
	 * host cores: every device model (port and MMIO dispatch, the pio/mmio range tables, which
	 * BAR moves rewrite), the PIC/PIT/UART/CMOS/IOAPIC/ACPI/PCI models, every vCPU's local APIC
	 * (IPIs write other vCPUs' IRR; vlapic_* calls), the guest console line, the device timers
	 * (virq_poll_timers), each vCPU's HLT/start-up fields above, and blocking a halted vCPU (so a
	 * wake-up cannot slip between the check and sched_block). Not guarded (private to the vCPU
	 * that runs them, or lock-free by design): registers, insn_cache, cpuid_cache, FPU, DRs,
	 * wake_at_ns, stats counters (relaxed atomics), state (ending decides the first end).
	 * Order: vm->lock -> runqueue locks (sched/) -> console lock. Never held across vmm_run.
	 */
	spinlock_t lock;
	unsigned id;
	char name[CONFIG_NAME_MAX];
	const struct vm_config *cfg;
	enum vm_state state; /* RUNNING until the one vm_end that wins `ending` changes it */
	int ending;          /* 0 -> 1 once, atomically: the first of several ends wins */
	int vcpus_in_turn;   /* vCPUs of this VM inside run_turn (atomic) */
	/* Release after the end (kernel/vm_reap.c): set by vm_end with each CPU's loop_seq at that
	 * moment; cleared (atomically, once) by the CPU that releases. */
	int reap_pending;
	uint64_t reap_seq[MAX_CPUS];
	uint64_t tsc_offset; /* guest TSC = host TSC + this */
	uint64_t exit_status;
	char end_reason[160];

	struct gmem_region mem[VM_MAX_REGIONS];
	unsigned nr_regions;
	struct nested_pt npt;
	void *arch; /* backend state */

	struct vcpu *vcpus[CONFIG_MAX_VCPUS];
	unsigned nr_vcpus;

	struct pio_range pio[VM_MAX_PIO];
	unsigned nr_pio;
	unsigned pio_last; /* the range pio_access last found (a hint, checked before use); vm->lock */
	struct mmio_range mmio[VM_MAX_MMIO];
	unsigned nr_mmio;
	void *cmos;      /* device models owned by this VM */
	struct vpc *pc;  /* legacy PC platform (PIC, PIT, UART) for OS guests; NULL for flat payloads */
	/* The modern PC platform (drivers/pc/), present exactly when pc is. */
	struct vioapic *ioapic;
	struct vpci *pci;
	struct virtio_console *virtio_console; /* `virtio-console;` of a pc VM, else NULL */
	/* virtio-blk disks and virtio-net ports, in config order (kernel/vm_io.c). */
	struct virtio_blk *disks[CONFIG_MAX_DISKS];
	struct blkdev *disk_backends[CONFIG_MAX_DISKS];
	unsigned nr_disks;
	struct virtio_net *nics[CONFIG_MAX_NICS];
	unsigned nr_nics;
	/* Set (atomically) when another VM put frames in one of this VM's port inboxes; a vCPU of this
	 * VM clears it and moves them into the guest's buffers in its own context (vm_io_service). */
	int io_pending;
	struct vacpi *acpi;

	struct console_line console;
	uint64_t console_last_ns; /* when the guest last wrote a console byte (vm->lock, as console) */

	struct vm_stats stats;
	struct vm_cpu_time cpu_time; /* its vCPUs' CPU time, summed when it ended (kernel/cpu_time.c) */
};

/* The bytes a VM boots from, resolved from the config (inline) or the boot medium (files). */
struct vm_images {
	const void *image;  /* flat payload */
	size_t image_size;
	const void *kernel; /* Linux bzImage */
	size_t kernel_size;
	const void *initrd;
	size_t initrd_size;
	const void *module[CONFIG_MAX_MODULES]; /* multiboot modules, cfg->nr_modules of them */
	size_t module_size[CONFIG_MAX_MODULES];
	const void *disk_image[CONFIG_MAX_DISKS]; /* RAM disks' initial contents (NULL: zeroes) */
	size_t disk_image_size[CONFIG_MAX_DISKS];
};

/* Creates a VM from its config: RAM, nested paging, devices, payload, vCPUs. Prints why on failure. */
struct vm *vm_create(const struct vm_config *cfg, const struct vm_images *img);
/* Ends a VM because of its own fault: prints the reason, stops its vCPUs, releases nothing shared. */
void vm_crash(struct vm *vm, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Ends a VM at the guest's request. */
void vm_power_off(struct vm *vm, uint64_t status);
/* The guest wrote status to its test-exit port (isa-debug-exit style): ends the VM like a power
 * off with that status (0 passed, anything else failed), with the port named in the reason. */
void vm_test_exit(struct vm *vm, uint32_t status);
/* The guest reset its machine (keyboard controller, port 0xcf9): until restart policies exist this
 * ends the VM as a clean stop, the way a reboot ends a one-shot job. */
void vm_reset_requested(struct vm *vm, const char *how);
/* Ends a VM whose vCPUs all halted with nothing that can wake them. */
void vm_halt_forever(struct vm *vm);
/* vm_end's last step: the VM's memory goes back once no CPU can still be using its vCPUs. */
void vm_reap_note_end(struct vm *vm);
/* Called by every CPU at the top of its run loop (holding no vCPU): releases ended VMs that no
 * CPU can still touch. vm_reap_all: the same once every other CPU has left its loop. */
void vm_reap_ready(void);
void vm_reap_all(void);
/* Nested page tables lost or narrowed a mapping: every vCPU flushes before its next entry, and
 * vCPUs inside the guest on other CPUs are kicked out first (returns when they have exited). */
void vm_flush_nested_tlbs(struct vm *vm);
/* Removes [gpa, gpa + size) from the VM's nested page tables and flushes it everywhere. */
int vm_unmap_guest(struct vm *vm, uint64_t gpa, uint64_t size);

/* The end (exclusive) of the VM's highest RAM region: the 64-bit PCI window starts above it. */
static inline uint64_t vm_ram_end(const struct vm *vm)
{
	uint64_t end = 0;

	for (unsigned i = 0; i < vm->nr_regions; i++)
		if (vm->mem[i].gpa + vm->mem[i].size > end)
			end = vm->mem[i].gpa + vm->mem[i].size;
	return end;
}

static inline bool vm_is_running(const struct vm *vm)
{
	/* Read by every vCPU of the VM, on any core, while one of them may be ending it. */
	return __atomic_load_n(&vm->state, __ATOMIC_ACQUIRE) == VM_STATE_RUNNING;
}

/* Registers a port range for a device model. 0, -ENOSPC, or -EEXIST on overlap. */
int vm_register_pio(struct vm *vm, uint16_t base, uint16_t count, pio_fn handler, void *dev);
/* Gives up the range that starts at base and belongs to dev (an I/O BAR moving). 0 or -ENOENT. */
int vm_unregister_pio(struct vm *vm, uint16_t base, void *dev);
/* Finds the device owning port, or NULL. */
const struct pio_range *vm_find_pio(const struct vm *vm, uint16_t port);

/* Guest console: collects bytes into lines printed as "[name] line", filtered unless the VM owns
 * console input and raw output is allowed (console_input_is_raw). */
void vm_console_putc(struct vm *vm, char c);
/* The VM's output ended: what it left unfinished is printed and the line ended. */
void vm_console_flush(struct vm *vm);
/* Prints an unfinished line (a prompt) without ending it; later output of the VM continues it. */
void vm_console_flush_partial(struct vm *vm);

/* Every VM created so far. */
extern struct vm *vm_list[VM_MAX];
extern unsigned vm_count;

#endif
