/* SPDX-License-Identifier: MIT */
/* Linux 64-bit boot protocol: where everything goes in guest memory, and the zero page that says so. */
#ifndef BASALT_LINUX_LOADER_H
#define BASALT_LINUX_LOADER_H

#include <stddef.h>
#include <stdint.h>

#include "kernel/bootparams.h"
#include "kernel/bzimage.h"
#include "kernel/loader.h"

/*
 * Guest-physical layout (RAM is [0, ram_size)):
 *
 *   0x0000 - 0x04ff  zero (real-mode IVT and BDA: a zero EBDA pointer tells Linux there is none)
 *   0x0500           GDT: 0x10 = __BOOT_CS (64-bit code, execute/read), 0x18 = __BOOT_DS (data,
 *                    read/write), both flat 4 GiB; 0x20 = a 64-bit TSS, because VM entry wants a
 *                    usable TR (Linux never looks at it)
 *   0x0600           TSS (104 zero bytes)
 *   0x0668 - 0x0fff  boot stack, RSP = 0x1000 (the decompressor switches to its own at once)
 *   0x1000 - 0x6fff  identity page tables with 2 MiB pages, as kernel/loader.c builds them:
 *                    PML4, PDPT, 4 PDs; they map [0, min(RAM rounded up to 2 MiB, 4 GiB))
 *   0x7000 - 0x7fff  boot_params (the zero page), RSI at entry
 *   0x8000 - 0xffff  command line, NUL-terminated (at most 32 KiB and the kernel's cmdline_size)
 *   0x9fc00- 0xfffff reserved in e820 (EBDA, VGA, BIOS): nothing of ours
 *   kernel_gpa       protected-mode code, = pref_address rounded up to kernel_alignment (and at
 *                    least 1 MiB); [kernel_gpa, kernel_gpa + init_size) is left free for the
 *                    in-place decompression. Nothing is gained by loading it lower: x86-64 kernels
 *                    move themselves up to LOAD_PHYSICAL_ADDR, which is what pref_address says.
 *   initrd_gpa       as high as possible below min(RAM, initrd_addr_max + 1, 4 GiB), 4 KiB aligned,
 *                    above the kernel's init_size area
 *
 * The low structures stay E820_RAM: the boot protocol tells the kernel where boot_params and the
 * command line are, it copies them before reusing the memory, and it reserves the first 1 MiB.
 */
#define LINUX_GDT_GPA LOADER_GDT_GPA
#define LINUX_TSS_GPA LOADER_TSS_GPA
#define LINUX_TSS_LIMIT 0x67u
#define LINUX_STACK_TOP LOADER_PML4_GPA
#define LINUX_TABLES_END 0x7000ull /* [0, this): what linux_build_boot_tables writes */
#define LINUX_BOOT_PARAMS_GPA 0x7000ull
#define LINUX_CMDLINE_GPA 0x8000ull
#define LINUX_CMDLINE_MAX 0x8000ull /* bytes including the NUL */
#define LINUX_LOW_END 0x10000ull
#define LINUX_MIN_KERNEL_GPA 0x100000ull
#define LINUX_IDENT_MAX (4ull << 30) /* the boot tables map at most the first 4 GiB */
#define LINUX_BOOT_CS 0x10u
#define LINUX_BOOT_DS 0x18u
#define LINUX_BOOT_TR 0x20u
#define LINUX_GDT_ENTRIES 6u /* null, unused, CS, DS, TSS (two slots) */

_Static_assert(LINUX_TABLES_END == LOADER_PD_GPA + 4 * 0x1000, "page tables end where boot_params start");
_Static_assert(LINUX_GDT_GPA + LINUX_GDT_ENTRIES * 8 <= LINUX_TSS_GPA, "GDT below the TSS");
_Static_assert(LINUX_TSS_GPA + LINUX_TSS_LIMIT + 1 < LINUX_STACK_TOP, "TSS below the boot stack");
_Static_assert(LINUX_CMDLINE_GPA + LINUX_CMDLINE_MAX == LINUX_LOW_END, "command line ends at 64 KiB");

/* The plan for one guest; every address is guest-physical. */
struct linux_layout {
	uint64_t boot_params_gpa; /* RSI at entry */
	uint64_t cmdline_gpa;
	uint64_t cmdline_len;     /* bytes of text; a NUL follows */
	uint64_t kernel_gpa;      /* the protected-mode part of the bzImage is copied here ... */
	uint64_t kernel_size;     /* ... all pm_size bytes of it */
	uint64_t kernel_end;      /* kernel_gpa + init_size: kept free for the decompressor */
	uint64_t initrd_gpa;      /* 0 and size 0 when there is no initrd */
	uint64_t initrd_size;
	uint64_t entry;           /* RIP: kernel_gpa + 0x200, the 64-bit entry */
	uint64_t stack_top;       /* RSP */
	uint64_t cr3;             /* PML4 of the identity tables */
	uint64_t ident_map_end;   /* the tables map [0, this) */
	uint64_t gdt_gpa;
	uint16_t gdt_limit;
	uint16_t cs, ds, tr;      /* selectors: CS; DS = ES = SS (FS, GS too); TR */
	uint64_t tss_gpa;
	uint32_t tss_limit;
	uint64_t acpi_rsdp_gpa;   /* 0 = none (Linux then scans the BIOS area); callers may set it */
};

/*
 * Decides the layout above for a kernel k in [0, ram_size) with an initrd of initrd_size bytes (0:
 * none) and a command line of cmdline_len bytes (without NUL). Pure: touches nothing but *out.
 * Returns 0, or -EINVAL / -E2BIG (something does not fit) with one line in why naming what and how
 * big (why may be NULL). out is fully written on success only.
 */
int linux_plan(const struct bzimage_info *k, uint64_t ram_size, size_t initrd_size, size_t cmdline_len,
	       struct linux_layout *out, char *why, size_t why_len);

/*
 * Writes the GDT, TSS and identity page tables of layout l into low, the host image of
 * guest-physical [0, LINUX_TABLES_END) (e.g. gpa_map_checked(vm, 0, LINUX_TABLES_END)); the rest of
 * that range becomes zero. 0, or -EINVAL if low_size < LINUX_TABLES_END.
 */
int linux_build_boot_tables(void *low, size_t low_size, const struct linux_layout *l);

/*
 * Fills the zero page for layout l: all zero, then the image's setup header (bytes 0x1f1 up to
 * 0x202 + the jump byte at 0x201), then what a loader must write: type_of_loader, loadflags and
 * heap, initrd and command-line addresses (with the ext_ high halves) and the e820 map.
 * image is the bzImage that bzimage_parse accepted as k. 0, -E2BIG (n > 128) or -EINVAL.
 * The caller copies bp to l->boot_params_gpa and the command line to l->cmdline_gpa, and starts
 * the boot vCPU in 64-bit mode with paging on (CR3 = l->cr3), interrupts off, GDTR = l->gdt_gpa /
 * l->gdt_limit, CS = l->cs, DS = ES = SS = l->ds, TR = l->tr, RIP = l->entry, RSP = l->stack_top,
 * RSI = l->boot_params_gpa and the other general registers zero.
 */
int linux_fill_boot_params(struct boot_params *bp, const void *image, const struct bzimage_info *k,
			   const struct linux_layout *l, const struct e820_entry *map, unsigned n);

#endif
