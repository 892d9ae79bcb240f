/* SPDX-License-Identifier: MIT */
/* The ACPI fixed hardware of a pc VM: PM1a event and control blocks and the PM timer (pure C). */
#ifndef BASALT_DRIVERS_PC_VACPI_PM_H
#define BASALT_DRIVERS_PC_VACPI_PM_H

#include <stdbool.h>
#include <stdint.h>

/*
 * Register block at PC_ACPI_PM_BASE (16 ports), offsets:
 *   0x0 PM1a_STS (16 bits, write 1 to clear)   0x2 PM1a_EN (16 bits)
 *   0x4 PM1a_CNT (16 bits)                      0x6-0x7 nothing (reads all ones)
 *   0x8 PM_TMR (32 bits, read-only)             0xc-0xf nothing
 * Any width at any offset is decoded byte by byte, as the PIIX4-style chipsets this mimics do; a
 * byte no register owns reads 0xff and ignores writes. SCI_EN always reads 1: there is no SMI_CMD
 * port and ACPI mode cannot be left. The timer runs at 3.579545 MHz and counts 32 bits
 * (FADT TMR_VAL_EXT); TMR_STS is set each time its bit 31 changes.
 */
#define VACPI_PM1_STS 0x0
#define VACPI_PM1_EN 0x2
#define VACPI_PM1_CNT 0x4
#define VACPI_PM_TMR 0x8
#define VACPI_PM_BLOCK_LEN 0x10
#define VACPI_PM1_EVT_LEN 4
#define VACPI_PM1_CNT_LEN 2
#define VACPI_PM_TMR_LEN 4

#define VACPI_PM_TIMER_HZ 3579545ull

/* PM1 status / enable bits (ACPI 6 4.8.3.1). */
#define VACPI_PM1_TMR (1u << 0)
#define VACPI_PM1_BM_STS (1u << 4)
#define VACPI_PM1_GBL (1u << 5)
#define VACPI_PM1_PWRBTN (1u << 8)
#define VACPI_PM1_RTC (1u << 10)
#define VACPI_PM1_WAK_STS (1u << 15)
/* PM1 control bits (4.8.3.2). */
#define VACPI_PM1_SCI_EN (1u << 0)
#define VACPI_PM1_BM_RLD (1u << 1)
#define VACPI_PM1_GBL_RLS (1u << 2)
#define VACPI_PM1_SLP_TYP_SHIFT 10
#define VACPI_PM1_SLP_TYP_MASK (7u << VACPI_PM1_SLP_TYP_SHIFT)
#define VACPI_PM1_SLP_EN (1u << 13)

/* The one sleep state there is: S5 (soft off); the DSDT's \_S5 says this SLP_TYP. */
#define VACPI_SLP_TYP_S5 5u

struct vacpi_pm_ops {
	void (*set_sci)(void *ctx, bool level);      /* the SCI line (level, active high) */
	void (*sleep)(void *ctx, unsigned slp_typ);  /* SLP_EN was written with this SLP_TYP */
};

struct vacpi_pm {
	uint16_t sts, en, cnt; /* cnt keeps the readable bits: BM_RLD, SLP_TYP */
	uint64_t epoch_ns;     /* the timer read 0 here */
	uint64_t carries;      /* (ticks >> 31) when the timer was last looked at */
	bool sci;              /* the level last given to set_sci */
	const struct vacpi_pm_ops *ops;
	void *ctx;
};

void vacpi_pm_init(struct vacpi_pm *pm, const struct vacpi_pm_ops *ops, void *ctx, uint64_t now_ns);
/* A port access at offset (0-15) of the block, size 1, 2 or 4; *value in/out as for pio_fn.
 * Bytes past offset 15 are not the block's: they read 0xff (the caller's range ends at 16). */
void vacpi_pm_io(struct vacpi_pm *pm, unsigned offset, unsigned size, bool in, uint32_t *value, uint64_t now_ns);
/* The timer's 32-bit count at now_ns. */
uint32_t vacpi_pm_timer(const struct vacpi_pm *pm, uint64_t now_ns);
/* The fixed power button was pressed: PWRBTN_STS is set, and the SCI rises if PWRBTN_EN is. */
void vacpi_pm_power_button(struct vacpi_pm *pm, uint64_t now_ns);
/* Brings TMR_STS (and the SCI) up to now; returns when it next needs to be called to raise an
 * enabled timer SCI on time, or UINT64_MAX when no event is armed. */
uint64_t vacpi_pm_poll(struct vacpi_pm *pm, uint64_t now_ns);

#endif
