/* SPDX-License-Identifier: MIT */
/* Port I/O: per-VM CMOS RAM, a sane emulated RTC, and all-ones reads from an unclaimed port. */
#include "lib/guest.h"

const char guest_name[] = "pio";

#define CMOS_INDEX 0x70
#define CMOS_DATA 0x71
#define CMOS_NMI_MASK 0x80 /* bit 7 of the index: the device model must ignore it */
#define CMOS_RAM_A 0x40
#define CMOS_RAM_B 0x41
#define RTC_SECONDS 0x00
#define RTC_MINUTES 0x02
#define RTC_HOURS 0x04
#define RTC_DAY 0x07
#define RTC_MONTH 0x08
#define RTC_YEAR 0x09
#define RTC_STATUS_A 0x0a
#define RTC_STATUS_B 0x0b
#define RTC_A_UIP 0x80
#define RTC_B_24H 0x02
#define RTC_B_BINARY 0x04
#define RTC_UIP_TRIES 10000000u
#define UNKNOWN_PORT 0x2f0 /* no device: not a COM port, not claimed by Basalt */

static uint8_t cmos_read(uint8_t index)
{
	outb(CMOS_INDEX, index);
	return inb(CMOS_DATA);
}

static void cmos_write(uint8_t index, uint8_t v)
{
	outb(CMOS_INDEX, index);
	outb(CMOS_DATA, v);
}

static void expect_cmos(uint8_t index, uint8_t want, const char *what)
{
	uint8_t got = cmos_read(index);

	if (got != want)
		fail(guest_name, "CMOS index 0x%x %s: read 0x%02x, expected 0x%02x", index, what, got, want);
}

static void check_cmos_ram(void)
{
	expect_cmos(CMOS_RAM_A, 0x00, "on a fresh VM (CMOS shared between VMs?)");
	cmos_write(CMOS_RAM_A, 0x5a);
	expect_cmos(CMOS_RAM_A, 0x5a, "after writing 0x5a");
	cmos_write(CMOS_RAM_B, 0xa5);
	expect_cmos(CMOS_RAM_B, 0xa5, "after writing 0xa5");
	expect_cmos(CMOS_RAM_A, 0x5a, "after writing 0xa5 to index 0x41");
	expect_cmos(CMOS_RAM_A | CMOS_NMI_MASK, 0x5a, "with the NMI-mask bit set in the index");
	printf("pio: CMOS RAM private to this VM, read/write ok\n");
}

struct rtc_time {
	uint8_t sec, min, hour, day, month, year;
};

static void wait_rtc_idle(void)
{
	for (uint32_t i = 0; i < RTC_UIP_TRIES; i++)
		if (!(cmos_read(RTC_STATUS_A) & RTC_A_UIP))
			return;
	fail(guest_name, "RTC status A bit 7 (update in progress) stuck set for %u reads", RTC_UIP_TRIES);
}

static struct rtc_time read_rtc_raw(void)
{
	struct rtc_time t;

	wait_rtc_idle();
	t.sec = cmos_read(RTC_SECONDS);
	t.min = cmos_read(RTC_MINUTES);
	t.hour = cmos_read(RTC_HOURS);
	t.day = cmos_read(RTC_DAY);
	t.month = cmos_read(RTC_MONTH);
	t.year = cmos_read(RTC_YEAR);
	return t;
}

/* Returns the value of an RTC field, failing the test if it is not valid BCD when BCD is in use. */
static unsigned rtc_field(uint8_t raw, bool binary, const char *what)
{
	if (binary)
		return raw;
	if ((raw & 0x0f) > 9 || (raw >> 4) > 9)
		fail(guest_name, "RTC %s 0x%02x is not valid BCD (status B says BCD)", what, raw);
	return (raw >> 4) * 10 + (raw & 0x0f);
}

static void expect_range(unsigned v, unsigned lo, unsigned hi, const char *what, uint8_t raw)
{
	if (v < lo || v > hi)
		fail(guest_name, "RTC %s %u (raw 0x%02x) out of range %u..%u", what, v, raw, lo, hi);
}

static void check_rtc(void)
{
	uint8_t b = cmos_read(RTC_STATUS_B);
	struct rtc_time t, again;
	bool binary = b & RTC_B_BINARY;

	if (b == 0xff)
		fail(guest_name, "RTC status B reads 0xff: no RTC behind ports 0x70/0x71?");
	/* Two identical reads with no update in between give a consistent time. */
	for (int tries = 0;; tries++) {
		t = read_rtc_raw();
		again = read_rtc_raw();
		if (memcmp(&t, &again, sizeof(t)) == 0)
			break;
		if (tries == 10)
			fail(guest_name, "RTC time keeps changing between two reads");
	}
	unsigned sec = rtc_field(t.sec, binary, "seconds"), min = rtc_field(t.min, binary, "minutes");
	unsigned day = rtc_field(t.day, binary, "day"), month = rtc_field(t.month, binary, "month");
	unsigned year = rtc_field(t.year, binary, "year");
	unsigned hour = rtc_field(b & RTC_B_24H ? t.hour : t.hour & 0x7f, binary, "hours");

	expect_range(sec, 0, 59, "seconds", t.sec);
	expect_range(min, 0, 59, "minutes", t.min);
	expect_range(hour, b & RTC_B_24H ? 0 : 1, b & RTC_B_24H ? 23 : 12, "hours", t.hour);
	expect_range(day, 1, 31, "day", t.day);
	expect_range(month, 1, 12, "month", t.month);
	expect_range(year, 0, 99, "year", t.year);
	printf("pio: RTC %02u-%02u-%02u %02u:%02u:%02u (status B 0x%02x, %s, %s)\n", year, month, day, hour,
	       min, sec, b, binary ? "binary" : "BCD", b & RTC_B_24H ? "24h" : "12h");
}

static void expect_all_ones(const char *what)
{
	uint8_t b = inb(UNKNOWN_PORT);
	uint16_t w = inw(UNKNOWN_PORT);
	uint32_t l = inl(UNKNOWN_PORT);

	if (b != 0xff)
		fail(guest_name, "inb(0x%x) %s: 0x%x, expected 0xff", UNKNOWN_PORT, what, b);
	if (w != 0xffff)
		fail(guest_name, "inw(0x%x) %s: 0x%x, expected 0xffff", UNKNOWN_PORT, what, w);
	if (l != 0xffffffffu)
		fail(guest_name, "inl(0x%x) %s: 0x%x, expected 0xffffffff", UNKNOWN_PORT, what, l);
}

static void check_unknown_port(void)
{
	expect_all_ones("before writes");
	outb(UNKNOWN_PORT, 0x12);
	outw(UNKNOWN_PORT, 0x3456);
	outl(UNKNOWN_PORT, 0x789abcdeu);
	expect_all_ones("after writes");
	expect_cmos(CMOS_RAM_A, 0x5a, "after writes to an unknown port");
	printf("pio: unknown port 0x%x reads all ones, writes ignored\n", UNKNOWN_PORT);
}

void guest_main(void)
{
	check_cmos_ram();
	check_rtc();
	check_unknown_port();
	pass(guest_name);
}
