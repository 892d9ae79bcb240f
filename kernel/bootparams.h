/* SPDX-License-Identifier: MIT */
/* Linux x86 boot protocol layouts: the bzImage setup header and the zero page (struct boot_params). */
#ifndef BASALT_BOOTPARAMS_H
#define BASALT_BOOTPARAMS_H

#include <stddef.h>
#include <stdint.h>

/*
 * Offsets are those of Documentation/arch/x86/boot.rst and zero-page.rst. Setup-header offsets are
 * given both within boot_params and within the bzImage file: the header sits at 0x1f1 in both.
 * Fields Basalt never touches are reserved padding, kept zero.
 */

#define BOOT_HDR_OFFSET 0x1f1u       /* setup header, in the file and in boot_params */
#define BOOT_FLAG_MAGIC 0xaa55u      /* boot_flag */
#define BOOT_HDR_MAGIC 0x53726448u   /* "HdrS", little endian */
#define BOOT_SECTOR_SIZE 512u
#define BOOT_DEFAULT_SETUP_SECTS 4u  /* setup_sects == 0 means 4 */
#define BOOT_ENTRY64_OFFSET 0x200u   /* 64-bit entry: protected-mode code + 0x200 */
#define BOOT_LOADER_UNDEFINED 0xffu  /* type_of_loader: "undefined" (we have no assigned id) */

/* loadflags */
#define LOADED_HIGH (1u << 0)    /* protected-mode code goes at 0x100000 or above */
#define KASLR_FLAG (1u << 1)     /* set by the kernel itself */
#define QUIET_FLAG (1u << 5)     /* loader asks for no early messages */
#define KEEP_SEGMENTS (1u << 6)  /* obsolete */
#define CAN_USE_HEAP (1u << 7)   /* heap_end_ptr is valid */

/* xloadflags (protocol 2.12+) */
#define XLF_KERNEL_64 (1u << 0)              /* has the 64-bit entry at +0x200 */
#define XLF_CAN_BE_LOADED_ABOVE_4G (1u << 1) /* kernel, boot_params, cmdline, initrd may be above 4 GiB */
#define XLF_EFI_HANDOVER_32 (1u << 2)
#define XLF_EFI_HANDOVER_64 (1u << 3)
#define XLF_EFI_KEXEC (1u << 4)

/* e820 types */
#define E820_RAM 1u
#define E820_RESERVED 2u
#define E820_ACPI 3u  /* ACPI tables, reclaimable after they are read */
#define E820_NVS 4u
#define E820_UNUSABLE 5u
#define E820_PMEM 7u

#define E820_MAX_ENTRIES_ZEROPAGE 128u

struct e820_entry {
	uint64_t addr; /* 0x00 */
	uint64_t size; /* 0x08 */
	uint32_t type; /* 0x10 */
} __attribute__((packed));

struct setup_header {
	uint8_t setup_sects;            /* 0x1f1 */
	uint16_t root_flags;            /* 0x1f2 */
	uint32_t syssize;               /* 0x1f4 */
	uint16_t ram_size;              /* 0x1f8 */
	uint16_t vid_mode;              /* 0x1fa */
	uint16_t root_dev;              /* 0x1fc */
	uint16_t boot_flag;             /* 0x1fe 0xaa55 */
	uint8_t jump[2];                /* 0x200 jmp short; jump[1] + 0x202 = end of the header */
	uint32_t header;                /* 0x202 "HdrS" */
	uint16_t version;               /* 0x206 protocol version, e.g. 0x020f */
	uint32_t realmode_swtch;        /* 0x208 */
	uint16_t start_sys_seg;         /* 0x20c */
	uint16_t kernel_version;        /* 0x20e version string at this + 0x200 in the file */
	uint8_t type_of_loader;         /* 0x210 */
	uint8_t loadflags;              /* 0x211 */
	uint16_t setup_move_size;       /* 0x212 */
	uint32_t code32_start;          /* 0x214 */
	uint32_t ramdisk_image;         /* 0x218 */
	uint32_t ramdisk_size;          /* 0x21c */
	uint32_t bootsect_kludge;       /* 0x220 */
	uint16_t heap_end_ptr;          /* 0x224 */
	uint8_t ext_loader_ver;         /* 0x226 */
	uint8_t ext_loader_type;        /* 0x227 */
	uint32_t cmd_line_ptr;          /* 0x228 */
	uint32_t initrd_addr_max;       /* 0x22c highest address the initrd may occupy */
	uint32_t kernel_alignment;      /* 0x230 */
	uint8_t relocatable_kernel;     /* 0x234 */
	uint8_t min_alignment;          /* 0x235 log2 */
	uint16_t xloadflags;            /* 0x236 */
	uint32_t cmdline_size;          /* 0x238 longest command line, without its NUL */
	uint32_t hardware_subarch;      /* 0x23c */
	uint64_t hardware_subarch_data; /* 0x240 */
	uint32_t payload_offset;        /* 0x248 compressed kernel, from the protected-mode code */
	uint32_t payload_length;        /* 0x24c */
	uint64_t setup_data;            /* 0x250 */
	uint64_t pref_address;          /* 0x258 */
	uint32_t init_size;             /* 0x260 memory the kernel needs from its load address */
	uint32_t handover_offset;       /* 0x264 */
	uint32_t kernel_info_offset;    /* 0x268 */
} __attribute__((packed));

#define BOOT_HDR_END 0x26cu /* end of the header fields this file knows */
#define BOOT_EDD_MBR_SIG 0x290u

struct boot_params {
	uint8_t screen_info[0x40];      /* 0x000 */
	uint8_t apm_bios_info[0x14];    /* 0x040 */
	uint8_t _pad2[4];               /* 0x054 */
	uint64_t tboot_addr;            /* 0x058 */
	uint8_t ist_info[0x10];         /* 0x060 */
	uint64_t acpi_rsdp_addr;        /* 0x070 */
	uint8_t _pad3[8];               /* 0x078 */
	uint8_t hd0_info[16];           /* 0x080 obsolete */
	uint8_t hd1_info[16];           /* 0x090 obsolete */
	uint8_t sys_desc_table[0x10];   /* 0x0a0 obsolete */
	uint8_t olpc_ofw_header[0x10];  /* 0x0b0 */
	uint32_t ext_ramdisk_image;     /* 0x0c0 bits 63:32 of ramdisk_image */
	uint32_t ext_ramdisk_size;      /* 0x0c4 */
	uint32_t ext_cmd_line_ptr;      /* 0x0c8 */
	uint8_t _pad4[112];             /* 0x0cc */
	uint32_t cc_blob_address;       /* 0x13c */
	uint8_t edid_info[0x80];        /* 0x140 */
	uint8_t efi_info[0x20];         /* 0x1c0 */
	uint32_t alt_mem_k;             /* 0x1e0 */
	uint32_t scratch;               /* 0x1e4 */
	uint8_t e820_entries;           /* 0x1e8 */
	uint8_t eddbuf_entries;         /* 0x1e9 */
	uint8_t edd_mbr_sig_buf_entries;/* 0x1ea */
	uint8_t kbd_status;             /* 0x1eb */
	uint8_t secure_boot;            /* 0x1ec */
	uint8_t _pad5[2];               /* 0x1ed */
	uint8_t sentinel;               /* 0x1ef nonzero: the kernel distrusts fields a loader left stale */
	uint8_t _pad6[1];               /* 0x1f0 */
	struct setup_header hdr;        /* 0x1f1 */
	uint8_t _pad7[BOOT_EDD_MBR_SIG - BOOT_HDR_END]; /* 0x26c header growth */
	uint32_t edd_mbr_sig_buffer[16];                 /* 0x290 */
	struct e820_entry e820_table[E820_MAX_ENTRIES_ZEROPAGE]; /* 0x2d0 */
	uint8_t _pad8[48];              /* 0xcd0 */
	uint8_t eddbuf[6 * 82];         /* 0xd00 */
	uint8_t _pad9[276];             /* 0xeec */
} __attribute__((packed));

#define BP_OFF(f) offsetof(struct boot_params, f)
_Static_assert(sizeof(struct e820_entry) == 20, "e820 entry is 20 bytes");
_Static_assert(sizeof(struct setup_header) == BOOT_HDR_END - BOOT_HDR_OFFSET, "setup header size");
_Static_assert(sizeof(struct boot_params) == 4096, "the zero page is one page");
_Static_assert(BP_OFF(acpi_rsdp_addr) == 0x070 && BP_OFF(ext_ramdisk_image) == 0x0c0 &&
	       BP_OFF(ext_ramdisk_size) == 0x0c4 && BP_OFF(ext_cmd_line_ptr) == 0x0c8, "ext fields");
_Static_assert(BP_OFF(e820_entries) == 0x1e8 && BP_OFF(sentinel) == 0x1ef && BP_OFF(hdr) == 0x1f1,
	       "zero page: e820_entries, sentinel, hdr");
_Static_assert(BP_OFF(e820_table) == 0x2d0 && BP_OFF(_pad8) == 0x2d0 + 128 * 20, "e820_table");
_Static_assert(BP_OFF(hdr.boot_flag) == 0x1fe && BP_OFF(hdr.jump) == 0x200 && BP_OFF(hdr.header) == 0x202 &&
	       BP_OFF(hdr.version) == 0x206, "header: boot_flag, jump, magic, version");
_Static_assert(BP_OFF(hdr.type_of_loader) == 0x210 && BP_OFF(hdr.loadflags) == 0x211 &&
	       BP_OFF(hdr.code32_start) == 0x214 && BP_OFF(hdr.ramdisk_image) == 0x218 &&
	       BP_OFF(hdr.ramdisk_size) == 0x21c && BP_OFF(hdr.heap_end_ptr) == 0x224, "header: loader fields");
_Static_assert(BP_OFF(hdr.cmd_line_ptr) == 0x228 && BP_OFF(hdr.initrd_addr_max) == 0x22c &&
	       BP_OFF(hdr.kernel_alignment) == 0x230 && BP_OFF(hdr.relocatable_kernel) == 0x234 &&
	       BP_OFF(hdr.min_alignment) == 0x235 && BP_OFF(hdr.xloadflags) == 0x236 &&
	       BP_OFF(hdr.cmdline_size) == 0x238, "header: 2.02-2.12 fields");
_Static_assert(BP_OFF(hdr.payload_offset) == 0x248 && BP_OFF(hdr.payload_length) == 0x24c &&
	       BP_OFF(hdr.setup_data) == 0x250 && BP_OFF(hdr.pref_address) == 0x258 &&
	       BP_OFF(hdr.init_size) == 0x260 && BP_OFF(hdr.handover_offset) == 0x264, "header: 2.08+ fields");
_Static_assert(BP_OFF(edd_mbr_sig_buffer) == 0x290 && BP_OFF(eddbuf) == 0xd00, "zero page tail");
#undef BP_OFF

#endif
