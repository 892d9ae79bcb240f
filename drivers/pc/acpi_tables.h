/* SPDX-License-Identifier: MIT */
/* Byte layouts of the ACPI tables Basalt gives its guests (ACPI 6.0, chapter 5.2), checked at build. */
#ifndef BASALT_DRIVERS_PC_ACPI_TABLES_H
#define BASALT_DRIVERS_PC_ACPI_TABLES_H

#include <stddef.h>
#include <stdint.h>

#define VACPI_OFF(type, field) __builtin_offsetof(struct type, field)

struct vacpi_rsdp {
	char signature[8];       /* 0x00 "RSD PTR " */
	uint8_t checksum;        /* 0x08 over the first 20 bytes */
	char oem_id[6];          /* 0x09 */
	uint8_t revision;        /* 0x0f 2 = ACPI 2.0+ (XSDT) */
	uint32_t rsdt_address;   /* 0x10 */
	uint32_t length;         /* 0x14 36 */
	uint64_t xsdt_address;   /* 0x18 */
	uint8_t ext_checksum;    /* 0x20 over all 36 bytes */
	uint8_t reserved[3];     /* 0x21 */
} __attribute__((packed));
_Static_assert(sizeof(struct vacpi_rsdp) == 36, "RSDP 2.0");
_Static_assert(VACPI_OFF(vacpi_rsdp, xsdt_address) == 0x18, "RSDP XsdtAddress");

struct vacpi_header {
	char signature[4];       /* 0x00 */
	uint32_t length;         /* 0x04 of the whole table */
	uint8_t revision;        /* 0x08 */
	uint8_t checksum;        /* 0x09 the whole table sums to zero */
	char oem_id[6];          /* 0x0a */
	char oem_table_id[8];    /* 0x10 */
	uint32_t oem_revision;   /* 0x18 */
	uint32_t creator_id;     /* 0x1c */
	uint32_t creator_revision; /* 0x20 */
} __attribute__((packed));
_Static_assert(sizeof(struct vacpi_header) == 36, "system description table header");

/* Generic Address Structure (5.2.3.2). */
struct vacpi_gas {
	uint8_t space_id;        /* 0 memory, 1 system I/O */
	uint8_t bit_width;
	uint8_t bit_offset;
	uint8_t access_size;     /* 0 undefined, 1 byte, 2 word, 3 dword, 4 qword */
	uint64_t address;
} __attribute__((packed));
_Static_assert(sizeof(struct vacpi_gas) == 12, "GAS");

#define VACPI_GAS_IO 1
#define VACPI_ACCESS_BYTE 1
#define VACPI_ACCESS_WORD 2
#define VACPI_ACCESS_DWORD 3

/* FADT revision 6 (ACPI 6.0): 276 bytes. */
struct vacpi_fadt {
	struct vacpi_header h;   /* 0x00 "FACP" */
	uint32_t firmware_ctrl;  /* 0x24 FACS */
	uint32_t dsdt;           /* 0x28 */
	uint8_t reserved0;       /* 0x2c */
	uint8_t preferred_pm_profile; /* 0x2d */
	uint16_t sci_int;        /* 0x2e */
	uint32_t smi_cmd;        /* 0x30 0: no SMI, ACPI is always enabled */
	uint8_t acpi_enable;     /* 0x34 */
	uint8_t acpi_disable;    /* 0x35 */
	uint8_t s4bios_req;      /* 0x36 */
	uint8_t pstate_cnt;      /* 0x37 */
	uint32_t pm1a_evt_blk;   /* 0x38 */
	uint32_t pm1b_evt_blk;   /* 0x3c */
	uint32_t pm1a_cnt_blk;   /* 0x40 */
	uint32_t pm1b_cnt_blk;   /* 0x44 */
	uint32_t pm2_cnt_blk;    /* 0x48 */
	uint32_t pm_tmr_blk;     /* 0x4c */
	uint32_t gpe0_blk;       /* 0x50 */
	uint32_t gpe1_blk;       /* 0x54 */
	uint8_t pm1_evt_len;     /* 0x58 */
	uint8_t pm1_cnt_len;     /* 0x59 */
	uint8_t pm2_cnt_len;     /* 0x5a */
	uint8_t pm_tmr_len;      /* 0x5b */
	uint8_t gpe0_blk_len;    /* 0x5c */
	uint8_t gpe1_blk_len;    /* 0x5d */
	uint8_t gpe1_base;       /* 0x5e */
	uint8_t cst_cnt;         /* 0x5f */
	uint16_t p_lvl2_lat;     /* 0x60 */
	uint16_t p_lvl3_lat;     /* 0x62 */
	uint16_t flush_size;     /* 0x64 */
	uint16_t flush_stride;   /* 0x66 */
	uint8_t duty_offset;     /* 0x68 */
	uint8_t duty_width;      /* 0x69 */
	uint8_t day_alrm;        /* 0x6a */
	uint8_t mon_alrm;        /* 0x6b */
	uint8_t century;         /* 0x6c */
	uint16_t iapc_boot_arch; /* 0x6d */
	uint8_t reserved1;       /* 0x6f */
	uint32_t flags;          /* 0x70 */
	struct vacpi_gas reset_reg; /* 0x74 */
	uint8_t reset_value;     /* 0x80 */
	uint16_t arm_boot_arch;  /* 0x81 */
	uint8_t minor_version;   /* 0x83 */
	uint64_t x_firmware_ctrl; /* 0x84 */
	uint64_t x_dsdt;         /* 0x8c */
	struct vacpi_gas x_pm1a_evt_blk; /* 0x94 */
	struct vacpi_gas x_pm1b_evt_blk; /* 0xa0 */
	struct vacpi_gas x_pm1a_cnt_blk; /* 0xac */
	struct vacpi_gas x_pm1b_cnt_blk; /* 0xb8 */
	struct vacpi_gas x_pm2_cnt_blk;  /* 0xc4 */
	struct vacpi_gas x_pm_tmr_blk;   /* 0xd0 */
	struct vacpi_gas x_gpe0_blk;     /* 0xdc */
	struct vacpi_gas x_gpe1_blk;     /* 0xe8 */
	struct vacpi_gas sleep_control_reg; /* 0xf4 */
	struct vacpi_gas sleep_status_reg;  /* 0x100 */
	uint64_t hypervisor_vendor_id;   /* 0x10c */
} __attribute__((packed));
_Static_assert(sizeof(struct vacpi_fadt) == 276, "FADT 6.0");
_Static_assert(VACPI_OFF(vacpi_fadt, sci_int) == 46 && VACPI_OFF(vacpi_fadt, pm1a_evt_blk) == 56 &&
		       VACPI_OFF(vacpi_fadt, pm_tmr_blk) == 76 && VACPI_OFF(vacpi_fadt, pm1_evt_len) == 88 &&
		       VACPI_OFF(vacpi_fadt, iapc_boot_arch) == 109 && VACPI_OFF(vacpi_fadt, flags) == 112 &&
		       VACPI_OFF(vacpi_fadt, reset_reg) == 116 && VACPI_OFF(vacpi_fadt, reset_value) == 128 &&
		       VACPI_OFF(vacpi_fadt, x_firmware_ctrl) == 132 && VACPI_OFF(vacpi_fadt, x_dsdt) == 140 &&
		       VACPI_OFF(vacpi_fadt, x_pm1a_evt_blk) == 148 && VACPI_OFF(vacpi_fadt, x_pm_tmr_blk) == 208 &&
		       VACPI_OFF(vacpi_fadt, sleep_control_reg) == 244 &&
		       VACPI_OFF(vacpi_fadt, hypervisor_vendor_id) == 268,
	       "FADT field offsets (ACPI 6.0 table 5-34)");

/* FADT flags (table 5-35). */
#define VACPI_FADT_WBINVD (1u << 0)
#define VACPI_FADT_PROC_C1 (1u << 2)
#define VACPI_FADT_PWR_BUTTON (1u << 4)  /* set: the power button is a device, not fixed hardware */
#define VACPI_FADT_SLP_BUTTON (1u << 5)  /* set: no fixed sleep button */
#define VACPI_FADT_FIX_RTC (1u << 6)     /* set: no RTC wake status in the fixed registers */
#define VACPI_FADT_TMR_VAL_EXT (1u << 8) /* set: the PM timer counts 32 bits */
#define VACPI_FADT_RESET_REG_SUP (1u << 10)
#define VACPI_FADT_HW_REDUCED (1u << 20)
/* IA-PC boot architecture flags (table 5-36). */
#define VACPI_BOOT_LEGACY_DEVICES (1u << 0)
#define VACPI_BOOT_8042 (1u << 1)
#define VACPI_BOOT_NO_VGA (1u << 2)
#define VACPI_BOOT_NO_MSI (1u << 3)

struct vacpi_facs {
	char signature[4];       /* 0x00 "FACS" */
	uint32_t length;         /* 0x04 64 */
	uint32_t hardware_signature; /* 0x08 */
	uint32_t waking_vector;  /* 0x0c */
	uint32_t global_lock;    /* 0x10 */
	uint32_t flags;          /* 0x14 */
	uint64_t x_waking_vector; /* 0x18 */
	uint8_t version;         /* 0x20 2 */
	uint8_t reserved0[3];    /* 0x21 */
	uint32_t ospm_flags;     /* 0x24 */
	uint8_t reserved1[24];   /* 0x28 */
} __attribute__((packed));
_Static_assert(sizeof(struct vacpi_facs) == 64 && VACPI_OFF(vacpi_facs, version) == 32, "FACS");

struct vacpi_madt {
	struct vacpi_header h;   /* 0x00 "APIC" */
	uint32_t lapic_address;  /* 0x24 */
	uint32_t flags;          /* 0x28 */
} __attribute__((packed));   /* entries follow at 0x2c */
_Static_assert(sizeof(struct vacpi_madt) == 44, "MADT header");
#define VACPI_MADT_PCAT_COMPAT 1u

#define VACPI_MADT_TYPE_LAPIC 0
#define VACPI_MADT_TYPE_IOAPIC 1
#define VACPI_MADT_TYPE_ISO 2
#define VACPI_MADT_TYPE_LAPIC_NMI 4

struct vacpi_madt_lapic {
	uint8_t type, length;    /* 0, 8 */
	uint8_t processor_uid;
	uint8_t apic_id;
	uint32_t flags;          /* bit 0: enabled */
} __attribute__((packed));
_Static_assert(sizeof(struct vacpi_madt_lapic) == 8, "MADT local APIC");

struct vacpi_madt_ioapic {
	uint8_t type, length;    /* 1, 12 */
	uint8_t ioapic_id;
	uint8_t reserved;
	uint32_t address;
	uint32_t gsi_base;
} __attribute__((packed));
_Static_assert(sizeof(struct vacpi_madt_ioapic) == 12, "MADT IOAPIC");

struct vacpi_madt_iso {
	uint8_t type, length;    /* 2, 10 */
	uint8_t bus;             /* 0 = ISA */
	uint8_t source;          /* ISA IRQ */
	uint32_t gsi;
	uint16_t flags;          /* MPS INTI flags: polarity bits 1-0, trigger bits 3-2 */
} __attribute__((packed));
_Static_assert(sizeof(struct vacpi_madt_iso) == 10, "MADT interrupt source override");
#define VACPI_INTI_ACTIVE_HIGH 0x1u
#define VACPI_INTI_LEVEL 0xcu

struct vacpi_madt_lapic_nmi {
	uint8_t type, length;    /* 4, 6 */
	uint8_t processor_uid;   /* 0xff = every processor */
	uint16_t flags;
	uint8_t lint;
} __attribute__((packed));
_Static_assert(sizeof(struct vacpi_madt_lapic_nmi) == 6, "MADT local APIC NMI");

struct vacpi_mcfg_alloc {
	uint64_t base;
	uint16_t segment;
	uint8_t bus_start;
	uint8_t bus_end;
	uint32_t reserved;
} __attribute__((packed));
_Static_assert(sizeof(struct vacpi_mcfg_alloc) == 16, "MCFG allocation");

struct vacpi_mcfg {
	struct vacpi_header h;   /* 0x00 "MCFG" */
	uint64_t reserved;       /* 0x24 */
	struct vacpi_mcfg_alloc alloc[1]; /* 0x2c: one segment */
} __attribute__((packed));
_Static_assert(sizeof(struct vacpi_mcfg) == 60 && VACPI_OFF(vacpi_mcfg, alloc) == 44, "MCFG");

#endif
