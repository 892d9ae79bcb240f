/* SPDX-License-Identifier: MIT */
/* Guest CMOS/RTC at ports 0x70/0x71: 128 bytes of CMOS RAM per VM and a clock counting from boot time. */
#include "drivers/pc/vdevices.h"
#include "kernel/clock.h"
#include "kernel/errno.h"
#include "kernel/vm.h"

#define CMOS_INDEX_PORT 0x70
#define CMOS_SIZE 128
#define CMOS_NMI_MASK 0x80
#define RTC_SECONDS 0x00
#define RTC_MINUTES 0x02
#define RTC_HOURS 0x04
#define RTC_WEEKDAY 0x06
#define RTC_DAY 0x07
#define RTC_MONTH 0x08
#define RTC_YEAR 0x09
#define RTC_STATUS_A 0x0a
#define RTC_STATUS_B 0x0b
#define RTC_STATUS_C 0x0c
#define RTC_STATUS_D 0x0d
#define RTC_CENTURY 0x32
#define RTC_A_DEFAULT 0x26  /* 32.768 kHz base, 1024 Hz rate, no update in progress */
#define RTC_B_24H 0x02      /* 24-hour mode, BCD */
#define RTC_D_VALID 0x80    /* battery good */
#define SECONDS_PER_DAY 86400ull

struct vcmos {
	uint8_t index;
	uint8_t ram[CMOS_SIZE];
};

static struct vcmos cmos_pool[VM_MAX];
static unsigned cmos_used;
static uint64_t boot_epoch; /* seconds since 1970 at clock_ns() == 0 */

/* Days since 1970-01-01 of a civil date (proleptic Gregorian). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

	return era * 146097 + (int64_t)doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	unsigned doe = (unsigned)(z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;

	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (int64_t)yoe + era * 400 + (*m <= 2);
}

void vcmos_set_boot_time(const struct wallclock *wc)
{
	int64_t days = days_from_civil(wc->year, wc->month, wc->day);

	boot_epoch = (uint64_t)days * SECONDS_PER_DAY + wc->hour * 3600u + wc->minute * 60u + wc->second;
}

static uint8_t to_bcd(unsigned v)
{
	return (uint8_t)(((v / 10) << 4) | (v % 10));
}

static uint8_t rtc_register(unsigned reg)
{
	uint64_t now = boot_epoch + clock_ns() / 1000000000ull;
	int64_t days = (int64_t)(now / SECONDS_PER_DAY), y;
	unsigned secs = (unsigned)(now % SECONDS_PER_DAY), m, d;

	civil_from_days(days, &y, &m, &d);
	switch (reg) {
	case RTC_SECONDS: return to_bcd(secs % 60);
	case RTC_MINUTES: return to_bcd(secs / 60 % 60);
	case RTC_HOURS: return to_bcd(secs / 3600);
	case RTC_WEEKDAY: return to_bcd((unsigned)((days + 4) % 7) + 1); /* 1970-01-01 was a Thursday */
	case RTC_DAY: return to_bcd(d);
	case RTC_MONTH: return to_bcd(m);
	case RTC_YEAR: return to_bcd((unsigned)(y % 100));
	default: return to_bcd((unsigned)(y / 100)); /* RTC_CENTURY */
	}
}

static uint8_t cmos_read(const struct vcmos *c, unsigned reg)
{
	switch (reg) {
	case RTC_SECONDS: case RTC_MINUTES: case RTC_HOURS: case RTC_WEEKDAY:
	case RTC_DAY: case RTC_MONTH: case RTC_YEAR: case RTC_CENTURY:
		return rtc_register(reg);
	case RTC_STATUS_A: return RTC_A_DEFAULT;
	case RTC_STATUS_B: return RTC_B_24H;
	case RTC_STATUS_C: return 0;
	case RTC_STATUS_D: return RTC_D_VALID;
	default: return c->ram[reg]; /* alarm registers and CMOS RAM */
	}
}

static bool is_ram_register(unsigned reg)
{
	return reg > RTC_STATUS_D || reg == 1 || reg == 3 || reg == 5;
}

static int vcmos_io(struct vcpu *vcpu, void *dev, uint16_t port, uint8_t size, bool in, uint32_t *value)
{
	struct vcmos *c = dev;

	(void)vcpu;
	(void)size;
	if (port == CMOS_INDEX_PORT) {
		if (in)
			*value = 0xff; /* the index register is write-only */
		else
			c->index = (uint8_t)(*value & ~CMOS_NMI_MASK);
		return 0;
	}
	if (in)
		*value = cmos_read(c, c->index % CMOS_SIZE);
	else if (is_ram_register(c->index))
		c->ram[c->index % CMOS_SIZE] = (uint8_t)*value; /* clock and status writes are ignored */
	return 0;
}

int vcmos_attach(struct vm *vm)
{
	struct vcmos *c;

	if (cmos_used == VM_MAX)
		return -ENOSPC;
	c = &cmos_pool[cmos_used++];
	*c = (struct vcmos){ 0 };
	vm->cmos = c;
	return vm_register_pio(vm, CMOS_INDEX_PORT, 2, vcmos_io, c);
}
