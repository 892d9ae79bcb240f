/* SPDX-License-Identifier: MIT */
/* What the boot stage (UEFI or later multiboot2) hands to kernel_main; no firmware pointers survive in it. */
#ifndef BASALT_BOOT_INFO_H
#define BASALT_BOOT_INFO_H

#include <stdbool.h>
#include <stdint.h>

#define BOOT_MAX_MEMMAP 512
#define BOOT_MAX_FILES 32
#define BOOT_PATH_MAX 128
#define BOOT_CMDLINE_MAX 256
#define BOOT_MAX_CPUS 64

enum boot_mem_type {
	BOOT_MEM_USABLE,          /* free now */
	BOOT_MEM_BOOT_RECLAIM,    /* firmware boot-time memory: free once off the firmware's stack and tables */
	BOOT_MEM_HYPERVISOR,      /* our image, stack and loaded files */
	BOOT_MEM_ACPI_RECLAIM,
	BOOT_MEM_ACPI_NVS,
	BOOT_MEM_FIRMWARE,        /* runtime services: never touched */
	BOOT_MEM_RESERVED,
	BOOT_MEM_MMIO,
};

struct boot_mem_range {
	uint64_t base;
	uint64_t size;
	enum boot_mem_type type;
};

struct boot_file {
	char path[BOOT_PATH_MAX]; /* exactly as the config names it */
	const void *data;         /* NULL when the file could not be read */
	uint64_t size;
	int error;                /* -ENOENT, -EIO, ... when data is NULL */
};

struct boot_info {
	struct boot_mem_range mem[BOOT_MAX_MEMMAP];
	unsigned mem_count;
	uint64_t rsdp;             /* physical address of the ACPI RSDP, 0 if none */
	uint32_t fw_cpu_apic_ids[BOOT_MAX_CPUS]; /* the firmware's MP services' enabled CPUs, BSP first */
	unsigned fw_cpu_count;     /* 0 when the firmware has no MP services */
	const void *config;        /* the DTB */
	uint64_t config_size;
	char config_source[BOOT_PATH_MAX];
	struct boot_file files[BOOT_MAX_FILES];
	unsigned file_count;
	char cmdline[BOOT_CMDLINE_MAX];
	bool test_mode;            /* end the machine with a verdict once every VM has ended */
	bool fault_test;           /* raise an exception in the hypervisor after setup, to prove the crash path */
	bool console_safe;         /* filter every VM's console output, also the one that owns input */
	uint64_t tsc_hz;
	uint64_t image_base;
	uint64_t image_size;
	uint64_t stack_base;       /* the boot CPU's hypervisor stack */
	uint64_t stack_size;
	uint64_t ap_trampoline_pa; /* BOOT_AP_TRAMPOLINE_PAGES below 640 KiB for AP start-up; 0 = none */
	int skip_ap_apic_id;       /* boot option skip-ap=N: never start that AP (tests the report); -1 = none */
};

#define BOOT_AP_TRAMPOLINE_PAGES 4

/* The core's entry point: never returns. */
void kernel_main(struct boot_info *info) __attribute__((noreturn));

/* Looks up a file the boot stage loaded for path; NULL if the config never named it. */
const struct boot_file *boot_find_file(const struct boot_info *info, const char *path);

#endif
