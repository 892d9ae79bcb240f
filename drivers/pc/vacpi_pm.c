/* SPDX-License-Identifier: MIT */
/* ACPI PM1a event/control registers and the 3.579545 MHz PM timer, decoded byte by byte. */
#include "drivers/pc/vacpi_pm.h"

#define NS_PER_S 1000000000ull
#define TMR_CARRY_SHIFT 31 /* TMR_STS: bit 31 of the 32-bit count changed */
/* Enable bits that exist (TMR_EN, GBL_EN, PWRBTN_EN, RTC_EN). RTC_EN only stores: the RTC alarm
 * is not wired here (FADT FIX_RTC), but Linux's rtc-cmos enables the event and reads it back. */
#define EN_MASK (VACPI_PM1_TMR | VACPI_PM1_GBL | VACPI_PM1_PWRBTN | VACPI_PM1_RTC)
#define CNT_STORED (VACPI_PM1_BM_RLD | VACPI_PM1_SLP_TYP_MASK)

/* Ticks since the epoch, split so that nothing overflows 64 bits for 584 years. */
static uint64_t ticks_at(const struct vacpi_pm *pm, uint64_t now_ns)
{
	uint64_t ns = now_ns > pm->epoch_ns ? now_ns - pm->epoch_ns : 0;

	return ns / NS_PER_S * VACPI_PM_TIMER_HZ + ns % NS_PER_S * VACPI_PM_TIMER_HZ / NS_PER_S;
}

/* The first nanosecond at which the count has reached ticks. */
static uint64_t ns_of_ticks(const struct vacpi_pm *pm, uint64_t ticks)
{
	uint64_t s = ticks / VACPI_PM_TIMER_HZ, rest = ticks % VACPI_PM_TIMER_HZ;

	return pm->epoch_ns + s * NS_PER_S + (rest * NS_PER_S + VACPI_PM_TIMER_HZ - 1) / VACPI_PM_TIMER_HZ;
}

uint32_t vacpi_pm_timer(const struct vacpi_pm *pm, uint64_t now_ns)
{
	return (uint32_t)ticks_at(pm, now_ns);
}

static void update_sci(struct vacpi_pm *pm)
{
	bool level = (pm->sts & pm->en & EN_MASK) != 0;

	if (level != pm->sci) {
		pm->sci = level;
		pm->ops->set_sci(pm->ctx, level);
	}
}

/* TMR_STS is derived when someone looks: the count's bit 31 changed since the last look. */
static void update_timer_status(struct vacpi_pm *pm, uint64_t now_ns)
{
	uint64_t carries = ticks_at(pm, now_ns) >> TMR_CARRY_SHIFT;

	if (carries != pm->carries) {
		pm->carries = carries;
		pm->sts |= VACPI_PM1_TMR;
	}
}

void vacpi_pm_init(struct vacpi_pm *pm, const struct vacpi_pm_ops *ops, void *ctx, uint64_t now_ns)
{
	*pm = (struct vacpi_pm){ .epoch_ns = now_ns, .ops = ops, .ctx = ctx };
}

static uint8_t read_byte(const struct vacpi_pm *pm, unsigned off, uint32_t tmr)
{
	uint16_t cnt = (uint16_t)(pm->cnt | VACPI_PM1_SCI_EN);

	switch (off) {
	case VACPI_PM1_STS: case VACPI_PM1_STS + 1:
		return (uint8_t)(pm->sts >> (8 * (off - VACPI_PM1_STS)));
	case VACPI_PM1_EN: case VACPI_PM1_EN + 1:
		return (uint8_t)(pm->en >> (8 * (off - VACPI_PM1_EN)));
	case VACPI_PM1_CNT: case VACPI_PM1_CNT + 1:
		return (uint8_t)(cnt >> (8 * (off - VACPI_PM1_CNT)));
	case VACPI_PM_TMR: case VACPI_PM_TMR + 1: case VACPI_PM_TMR + 2: case VACPI_PM_TMR + 3:
		return (uint8_t)(tmr >> (8 * (off - VACPI_PM_TMR)));
	default:
		return 0xff;
	}
}

/* SLP_EN is write-only and starts the transition with the SLP_TYP written alongside it. */
static void write_cnt_byte(struct vacpi_pm *pm, unsigned hi, uint8_t b)
{
	uint16_t v = (uint16_t)(b << (8 * hi)), keep = (uint16_t)(0xffu << (8 * (1 - hi)));

	pm->cnt = (uint16_t)((pm->cnt & keep) | (v & CNT_STORED));
	if (v & VACPI_PM1_SLP_EN)
		pm->ops->sleep(pm->ctx, (pm->cnt & VACPI_PM1_SLP_TYP_MASK) >> VACPI_PM1_SLP_TYP_SHIFT);
}

static void write_byte(struct vacpi_pm *pm, unsigned off, uint8_t b)
{
	unsigned hi = off & 1;
	uint16_t v = (uint16_t)(b << (8 * hi)), lane = (uint16_t)(0xffu << (8 * hi));

	switch (off) {
	case VACPI_PM1_STS: case VACPI_PM1_STS + 1:
		pm->sts = (uint16_t)(pm->sts & ~v); /* write 1 to clear */
		break;
	case VACPI_PM1_EN: case VACPI_PM1_EN + 1:
		pm->en = (uint16_t)((pm->en & ~lane) | (v & EN_MASK));
		break;
	case VACPI_PM1_CNT: case VACPI_PM1_CNT + 1:
		write_cnt_byte(pm, hi, b);
		break;
	default: /* the timer is read-only; the holes decode nothing */
		break;
	}
}

void vacpi_pm_io(struct vacpi_pm *pm, unsigned offset, unsigned size, bool in, uint32_t *value, uint64_t now_ns)
{
	uint32_t tmr = vacpi_pm_timer(pm, now_ns); /* one sample: a 32-bit read never tears */

	if (size != 1 && size != 2 && size != 4)
		size = 1;
	update_timer_status(pm, now_ns);
	if (in) {
		uint32_t v = 0;

		for (unsigned i = 0; i < size; i++)
			v |= (uint32_t)(offset + i < VACPI_PM_BLOCK_LEN ? read_byte(pm, offset + i, tmr) : 0xff) << (8 * i);
		*value = v;
	} else {
		for (unsigned i = 0; i < size && offset + i < VACPI_PM_BLOCK_LEN; i++)
			write_byte(pm, offset + i, (uint8_t)(*value >> (8 * i)));
	}
	update_sci(pm);
}

void vacpi_pm_power_button(struct vacpi_pm *pm, uint64_t now_ns)
{
	update_timer_status(pm, now_ns);
	pm->sts |= VACPI_PM1_PWRBTN;
	update_sci(pm);
}

uint64_t vacpi_pm_poll(struct vacpi_pm *pm, uint64_t now_ns)
{
	update_timer_status(pm, now_ns);
	update_sci(pm);
	if (!(pm->en & VACPI_PM1_TMR) || (pm->sts & VACPI_PM1_TMR))
		return UINT64_MAX;
	return ns_of_ticks(pm, (pm->carries + 1) << TMR_CARRY_SHIFT);
}
