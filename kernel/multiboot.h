/* SPDX-License-Identifier: MIT */
/* Multiboot (version 1) kernels: the header and ELF32 parser, module placement and the info structure. */
#ifndef BASALT_MULTIBOOT_H
#define BASALT_MULTIBOOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kernel/e820.h"

#define MB_HEADER_MAGIC 0x1badb002u
#define MB_BOOT_MAGIC 0x2badb002u   /* EAX at entry */
#define MB_SEARCH_BYTES 8192u       /* the header lies entirely within the first 8 KiB */

/* Header flags: bits 0-15 are requirements a loader that cannot meet them must refuse. */
#define MB_HF_PAGE_ALIGN (1u << 0)  /* modules page-aligned (Basalt always does) */
#define MB_HF_MEMORY_INFO (1u << 1) /* mem_lower/mem_upper and the memory map (always given) */
#define MB_HF_VIDEO_MODE (1u << 2)  /* a video mode: there is no display, so noted and ignored */
#define MB_HF_ADDRESSES (1u << 16)  /* the a.out kludge: load by the header's address fields */
#define MB_HF_REQUIRED_MASK 0xffffu
#define MB_HF_KNOWN (MB_HF_PAGE_ALIGN | MB_HF_MEMORY_INFO | MB_HF_VIDEO_MODE)

/* Info flags Basalt sets. */
#define MB_IF_MEMORY (1u << 0)
#define MB_IF_CMDLINE (1u << 2)
#define MB_IF_MODS (1u << 3)
#define MB_IF_MMAP (1u << 6)
#define MB_IF_LOADER_NAME (1u << 9)

/*
 * Guest-physical layout Basalt keeps for itself in a multiboot VM: [0, MB_LOW_END) holds the boot
 * GDT and TSS (kernel/loader.h) and the information structure with its strings, module list and
 * memory map at [MB_INFO_GPA, MB_LOW_END). No kernel segment may load there.
 */
#define MB_INFO_GPA 0x8000u
#define MB_LOW_END 0x10000u
#define MB_INFO_MAX (MB_LOW_END - MB_INFO_GPA)
#define MB_ADDR_LIMIT 0x100000000ull /* a 32-bit kernel sees nothing above 4 GiB */
#define MB_MODULES_MIN 0x100000u     /* modules never go below 1 MiB */

#define MB_MAX_SEGMENTS 16 /* loaded ELF program headers */
#define MB_MAX_PHDRS 64    /* program headers looked at */
#define MB_MAX_MODULES 8
#define MB_MAX_MMAP 32

/* The header as the image holds it (little-endian, at a 4-byte aligned offset). */
struct mb_header {
	uint32_t magic;         /* 0x00 */
	uint32_t flags;         /* 0x04 */
	uint32_t checksum;      /* 0x08: magic + flags + checksum == 0 */
	uint32_t header_addr;   /* 0x0c: address fields, valid with MB_HF_ADDRESSES */
	uint32_t load_addr;     /* 0x10 */
	uint32_t load_end_addr; /* 0x14: 0 = to the end of the file */
	uint32_t bss_end_addr;  /* 0x18: 0 = no bss */
	uint32_t entry_addr;    /* 0x1c */
	uint32_t mode_type;     /* 0x20: video fields, valid with MB_HF_VIDEO_MODE */
	uint32_t width;         /* 0x24 */
	uint32_t height;        /* 0x28 */
	uint32_t depth;         /* 0x2c */
} __attribute__((packed));
_Static_assert(sizeof(struct mb_header) == 48, "multiboot header is 48 bytes");
_Static_assert(__builtin_offsetof(struct mb_header, entry_addr) == 0x1c, "entry_addr at 0x1c");

/* The information structure (EBX at entry). */
struct mb_info {
	uint32_t flags;             /* 0x00 */
	uint32_t mem_lower;         /* 0x04: KiB at 0 */
	uint32_t mem_upper;         /* 0x08: KiB from 1 MiB to the first hole */
	uint32_t boot_device;       /* 0x0c */
	uint32_t cmdline;           /* 0x10 */
	uint32_t mods_count;        /* 0x14 */
	uint32_t mods_addr;         /* 0x18 */
	uint32_t syms[4];           /* 0x1c */
	uint32_t mmap_length;       /* 0x2c */
	uint32_t mmap_addr;         /* 0x30 */
	uint32_t drives_length;     /* 0x34 */
	uint32_t drives_addr;       /* 0x38 */
	uint32_t config_table;      /* 0x3c */
	uint32_t boot_loader_name;  /* 0x40 */
	uint32_t apm_table;         /* 0x44 */
	uint32_t vbe_control_info;  /* 0x48 */
	uint32_t vbe_mode_info;     /* 0x4c */
	uint16_t vbe_mode;          /* 0x50 */
	uint16_t vbe_interface_seg; /* 0x52 */
	uint16_t vbe_interface_off; /* 0x54 */
	uint16_t vbe_interface_len; /* 0x56 */
	uint64_t framebuffer_addr;  /* 0x58 */
	uint32_t framebuffer_pitch; /* 0x60 */
	uint32_t framebuffer_width; /* 0x64 */
	uint32_t framebuffer_height; /* 0x68 */
	uint8_t framebuffer_bpp;    /* 0x6c */
	uint8_t framebuffer_type;   /* 0x6d */
	uint8_t color_info[6];      /* 0x6e */
} __attribute__((packed));
_Static_assert(sizeof(struct mb_info) == 116, "multiboot info is 116 bytes");
_Static_assert(__builtin_offsetof(struct mb_info, mmap_length) == 0x2c, "mmap_length at 0x2c");
_Static_assert(__builtin_offsetof(struct mb_info, boot_loader_name) == 0x40, "boot_loader_name at 0x40");
_Static_assert(__builtin_offsetof(struct mb_info, framebuffer_addr) == 0x58, "framebuffer_addr at 0x58");

struct mb_module {
	uint32_t mod_start; /* 0x00 */
	uint32_t mod_end;   /* 0x04: exclusive */
	uint32_t string;    /* 0x08 */
	uint32_t reserved;  /* 0x0c */
} __attribute__((packed));
_Static_assert(sizeof(struct mb_module) == 16, "multiboot module entry is 16 bytes");

/* A memory map entry; `size` (20) counts the bytes after itself, and mmap_addr points at it. */
struct mb_mmap_entry {
	uint32_t size;      /* 0x00 */
	uint64_t base_addr; /* 0x04 */
	uint64_t length;    /* 0x0c */
	uint32_t type;      /* 0x14: 1 RAM, 2 reserved, 3 ACPI, 4 NVS (the e820 numbers) */
} __attribute__((packed));
_Static_assert(sizeof(struct mb_mmap_entry) == 24, "multiboot mmap entry is 24 bytes");

/* One piece of the image to copy: file bytes [file_offset, +file_size) to gpa, zeroes up to mem_size. */
struct mb_segment {
	uint32_t gpa;
	uint32_t file_offset;
	uint32_t file_size;
	uint32_t mem_size; /* >= file_size, > 0 */
};

/* What mb_parse found: a kernel ready to be copied, every address checked. */
struct mb_image {
	uint32_t header_offset;
	uint32_t flags;           /* the header's flags */
	bool aout_kludge;         /* loaded by the address fields, not ELF */
	bool video_ignored;       /* the kernel asked for a video mode Basalt cannot give */
	unsigned nr_segments;
	struct mb_segment seg[MB_MAX_SEGMENTS];
	uint32_t entry;
	uint64_t end;             /* highest loaded or zeroed byte + 1 (at most 4 GiB) */
};

/*
 * Finds and checks the header and plans the load of image[0, size) into a VM whose RAM at 0 is
 * ram_bytes long. Every address and size in the image is hostile: segments must lie in
 * [MB_LOW_END, min(ram_bytes, 4 GiB)), outside the reserved BIOS area [E820_LEGACY_START,
 * E820_LEGACY_END), must not overlap each other, and the entry must lie inside one of them.
 * Returns 0, or -EINVAL (malformed or misplaced), -E2BIG (does not fit) or -ENOTSUP (a required
 * flag Basalt does not know) with a one-line reason in why.
 */
int mb_parse(const void *image, size_t size, uint64_t ram_bytes, struct mb_image *out, char *why,
	     size_t why_len);

/*
 * Places n modules of the given sizes page-aligned after the kernel (never below MB_MODULES_MIN),
 * in order; writes their [start, end) to start[]/end[]. An empty module gets start == end.
 * Returns 0 or -E2BIG (with why) when they do not fit below min(ram_bytes, 4 GiB).
 */
int mb_place_modules(const struct mb_image *k, uint64_t ram_bytes, const size_t *sizes, unsigned n,
		     uint32_t *start, uint32_t *end, char *why, size_t why_len);

struct mb_info_in {
	const struct e820_ram *ram;  /* the VM's RAM regions */
	unsigned nr_ram;
	const struct e820_entry *marks; /* reserved ranges beyond the BIOS area (may be NULL) */
	unsigned nr_marks;
	const char *cmdline;         /* NUL-terminated */
	unsigned nr_modules;
	const uint32_t *mod_start, *mod_end;
	const char *const *mod_string;
};

/*
 * Writes the information structure for guest-physical base_gpa into buf[0, buf_size): struct
 * mb_info first, then the module list, the memory map and the strings (loader name, command line,
 * module strings), every pointer a guest-physical address inside [base_gpa, base_gpa + *used).
 * Returns 0, -E2BIG when it does not fit, or -EINVAL for a bad RAM map or too many modules.
 */
int mb_build_info(uint8_t *buf, size_t buf_size, uint32_t base_gpa, const struct mb_info_in *in,
		  size_t *used);

#endif
