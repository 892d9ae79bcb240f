/* SPDX-License-Identifier: MIT */
/* Guest device models every VM gets: the Basalt debug console port and the CMOS/RTC. */
#ifndef BASALT_DRIVERS_VDEVICES_H
#define BASALT_DRIVERS_VDEVICES_H

#include <stdint.h>

struct vm;

/* Wall-clock time at boot, from the firmware; the guest RTC counts on from it. */
struct wallclock {
	uint16_t year;
	uint8_t month, day, hour, minute, second;
};

int vdebugcon_attach(struct vm *vm);
/* The test-exit port at port..port+3 (drivers/pc/vtestexit.c). 0, or -EEXIST (printed) / -ENOSPC. */
int vtestexit_attach(struct vm *vm, uint16_t port);
int vcmos_attach(struct vm *vm);
void vcmos_set_boot_time(const struct wallclock *wc);

#endif
