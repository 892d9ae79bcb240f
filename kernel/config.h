/* SPDX-License-Identifier: MIT */
/* The config blob (a DTB from dtc): what VMs to run and how. Parsed with libfdt, strictly validated. */
#ifndef BASALT_CONFIG_H
#define BASALT_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CONFIG_MAX_VMS 16
#define CONFIG_NAME_MAX 32    /* VM name incl. NUL: node names longer than 31 chars are refused */
#define CONFIG_PATH_MAX 128   /* path of a file on the boot medium incl. NUL */
#define CONFIG_MAX_VCPUS 64
#define CONFIG_MIN_MEMORY (2ull << 20)  /* 2 MiB: page tables + payload need room */
#define CONFIG_MAX_MEMORY (1ull << 40)  /* 1 TiB: beyond any host we run on */
#define CONFIG_DEFAULT_LOAD 0x100000ull /* 1 MiB, where flat payloads go unless told */
#define CONFIG_MIN_LOAD 0x10000ull      /* below this Basalt puts the guest's boot page tables and GDT */
#define CONFIG_DEFAULT_SHARES 100
#define CONFIG_MAX_SHARES 10000
#define CONFIG_DEFAULT_TIMESLICE_US 10000
#define CONFIG_MIN_TIMESLICE_US 1000
#define CONFIG_MAX_TIMESLICE_US 1000000
#define CONFIG_CMDLINE_MAX 1024                 /* Linux command line incl. NUL */
#define CONFIG_DEFAULT_CMDLINE "console=ttyS0"  /* what a Linux VM gets without cmdline */
#define CONFIG_MIN_LINUX_MEMORY (128ull << 20) /* Debian 6.1: 16 MiB + init_size (~64 MiB) + initrd; 96 MiB boots, 82 MiB does not */
#define CONFIG_MAX_MODULES 8            /* multiboot modules per VM */
#define CONFIG_MODULE_STRING_MAX 256    /* one `modules` entry ("file args") incl. NUL */
#define CONFIG_MAX_DISKS 4              /* virtio-blk disks per VM (PCI 00:05.0 .. 00:08.0) */
#define CONFIG_MAX_NICS 4               /* virtio-net ports per VM (PCI 00:09.0 .. 00:0c.0) */
#define CONFIG_MAX_SWITCHES 8
#define CONFIG_SWITCH_NAME_MAX 16       /* switch name incl. NUL */
#define CONFIG_DEV_NAME_MAX 32          /* a disk or net child node's name incl. NUL */
#define CONFIG_PART_NAME_MAX 37         /* GPT partition name: 36 UTF-16 units (ASCII here) + NUL */
#define CONFIG_GUID_TEXT 37             /* "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx" + NUL */
#define CONFIG_DEFAULT_MTU 1500
#define CONFIG_MIN_MTU 68
#define CONFIG_MAX_MTU 9000
#define CONFIG_MAX_RAM_DISK (4ull << 30) /* a RAM disk's size: host memory, charged to its VM */

enum config_sched_policy {
	CONFIG_SCHED_RR = 0,     /* round robin with a fixed time slice */
	CONFIG_SCHED_SHARES = 1, /* weighted fair shares */
	CONFIG_SCHED_PINNED = 2, /* every vCPU owns a host core (per VM only) */
};

enum config_vm_kind {
	CONFIG_VM_FLAT = 0,  /* a flat payload in `image`, started in long mode at `entry` */
	CONFIG_VM_LINUX = 1, /* an unmodified bzImage in `kernel`, booted by the Linux loader */
	CONFIG_VM_MULTIBOOT = 2, /* a multiboot v1 kernel in `multiboot`, entered in 32-bit protected mode */
};

enum config_image_source {
	CONFIG_IMAGE_NONE = 0,
	CONFIG_IMAGE_FILE,   /* path on the boot medium, in `path` */
	CONFIG_IMAGE_INLINE, /* bytes inside the blob: `data`/`size` point into the blob */
};

struct config_image {
	enum config_image_source source;
	char path[CONFIG_PATH_MAX];
	const void *data;
	size_t size;
};

/* A multiboot module: the file is the entry's first word; the guest gets the whole entry as its string. */
struct config_module {
	struct config_image file;
	char string[CONFIG_MODULE_STRING_MAX];
};

enum config_disk_backend {
	CONFIG_DISK_RAM = 0,       /* host memory, not persistent: `size`, `image` or `image-data` */
	CONFIG_DISK_PARTITION = 1, /* a GPT partition of a host NVMe drive: `partition` or `partition-guid` */
};

/* A `disk*` child node of a VM: one virtio-blk device, vda, vdb, ... in node order. */
struct config_disk {
	char node[CONFIG_DEV_NAME_MAX];
	enum config_disk_backend backend;
	uint64_t size_bytes;           /* RAM: the capacity (a multiple of 512; at least the image) */
	struct config_image image;     /* RAM: the initial contents (source NONE: all zeroes) */
	char partition[CONFIG_PART_NAME_MAX];   /* PARTITION by name, else "" */
	char partition_guid[CONFIG_GUID_TEXT];  /* PARTITION by unique GUID (lower case), else "" */
	bool read_only;
};

/* A `net*` child node of a VM: one virtio-net port on a switch of /switches. */
struct config_nic {
	char node[CONFIG_DEV_NAME_MAX];
	unsigned switch_index;         /* into basalt_config.switches */
	uint8_t mac[6];                /* `mac`, else derived from the VM name and the port index */
	bool mac_given;
	bool allow_spoofing;           /* `allow-spoofing;`: frames with other source MACs pass */
};

/* A /switches/<name> node: an Ethernet switch inside the hypervisor. */
struct config_switch {
	char name[CONFIG_SWITCH_NAME_MAX];
	uint32_t mtu;                  /* 68..9000, default 1500 */
	bool refused;                  /* a bad switch node: VMs naming it are refused */
};

struct vm_config {
	char name[CONFIG_NAME_MAX];
	enum config_vm_kind kind;
	uint64_t memory_bytes;       /* guest RAM at guest-physical 0 */
	uint32_t vcpus;
	struct config_image image;   /* flat: the payload, loaded at load_address; Linux: source NONE */
	uint64_t load_address;       /* flat only, guest-physical; 0 for a Linux VM */
	uint64_t entry;              /* flat only, guest-physical, 64-bit long mode entry; 0 for Linux */
	uint32_t shares;             /* scheduling weight */
	uint64_t cpu_mask;           /* host CPUs the VM may run on (bit n = cpu n); pinned: vCPU k owns the
	                              * k-th set bit, chosen by admission when the config names none */
	enum config_sched_policy policy; /* `sched` of the VM node, else the /basalt default */
	struct config_image kernel;  /* Linux: the bzImage; multiboot: the kernel; flat: source NONE */
	struct config_image initrd;  /* Linux, optional: source NONE when absent; flat, multiboot: NONE */
	char cmdline[CONFIG_CMDLINE_MAX]; /* Linux, multiboot: printable, NUL-terminated; flat: "" */
	struct config_module modules[CONFIG_MAX_MODULES]; /* multiboot only, in `modules` order */
	unsigned nr_modules;
	bool platform_pc;            /* the PC platform (PIC, PIT, COM1, LAPIC, IOAPIC, ACPI, PCI): always for
	                              * Linux and multiboot, opt-in for flat */
	bool virtio_console;         /* `virtio-console;`: a virtio console on the PCI bus (pc platform only) */
	struct config_disk disks[CONFIG_MAX_DISKS]; /* `disk*` child nodes, pc platform only */
	unsigned nr_disks;
	struct config_nic nics[CONFIG_MAX_NICS];    /* `net*` child nodes, pc platform only */
	unsigned nr_nics;
	uint32_t test_devices;       /* CONFIG_TESTDEV_* the VM asked for in `test-devices` */
	uint16_t test_exit_port;     /* `test-exit`: isa-debug-exit style port, 0 = none */
};

#define CONFIG_TESTDEV_MMIO (1u << 0) /* drivers/pc/vtestdev.c: a register file for MMIO tests */
#define CONFIG_TESTDEV_PCI (1u << 1)  /* a PCI test function with a BAR and MSI */

struct config_limits {
	uint64_t host_memory_bytes; /* memory the host can still give to guests (sum over VMs is checked) */
	uint32_t host_cpus;
};

struct basalt_config {
	uint32_t version;
	enum config_sched_policy policy;
	uint32_t timeslice_us;
	struct config_switch switches[CONFIG_MAX_SWITCHES]; /* /switches children, in blob order */
	unsigned nr_switches;
	unsigned vm_count;           /* accepted VMs, in blob order */
	struct vm_config vms[CONFIG_MAX_VMS];
	unsigned refused;            /* VMs refused because of errors */
};

/*
 * Parses and validates the blob. Every problem is printed with kprintf as one
 * line naming the node and property ("config: /vms/web: memory: ..."). A bad VM
 * is refused and counted in `refused`; the good ones are kept. Returns 0 when the
 * blob itself is usable (even if VMs were refused), or -EINVAL when the blob or
 * its /basalt node is unusable (then no VM is accepted). `out` may point into `blob`
 * (inline images), so the blob must outlive it.
 */
int config_parse(const void *blob, size_t size, const struct config_limits *limits,
		 struct basalt_config *out);

/*
 * Calls fn for every file path the blob names (the image, kernel, initrd and
 * multiboot paths of every VM node, then the file of each `modules` entry, in that
 * order, valid VM or not; a property or entry that is not a well-formed path is skipped) so the boot stage can load them before leaving the
 * firmware. Returns the number of paths, or -EINVAL for an unusable blob.
 */
/* "64 MiB", "4 KiB", "4097 bytes": the largest unit that divides bytes exactly (config messages
 * and the device lines of the boot log). */
const char *config_show_size(char *buf, size_t size, uint64_t bytes);

typedef void (*config_path_fn)(const char *vm_name, const char *path, void *ctx);
int config_for_each_path(const void *blob, size_t size, config_path_fn fn, void *ctx);

#endif
