/* SPDX-License-Identifier: MIT */
/* Guest-physical space above RAM: data accesses see an empty bus; fetching code there ends the VM. */
#include "lib/guest.h"

const char guest_name[] = "unmapped";

#define MIB2 0x200000ull
#define IDENTITY_MAP_END 0x100000000ull /* the loader maps the first 4 GiB */

void guest_main(void)
{
	/* The next 2 MiB page boundary strictly above the end of RAM: no RAM, no device. */
	uint64_t gpa = (guest_ram_size + MIB2) & ~(MIB2 - 1);
	volatile uint64_t *p = (volatile uint64_t *)gpa;
	uint64_t v, w;

	if (gpa + 8 > IDENTITY_MAP_END)
		fail(guest_name, "RAM size 0x%lx leaves no unmapped address below 4 GiB to read", guest_ram_size);
	v = *p;
	*p = 0x1234;
	w = *p;
	if (v != ~0ull || w != ~0ull)
		fail(guest_name, "empty bus at 0x%lx read 0x%lx, then 0x%lx after a write", gpa, v, w);
	printf("empty bus at 0x%lx: reads all ones, the write vanished\n", gpa);
	printf("jumping to unmapped guest-physical memory at 0x%lx\n", gpa);
	((void (*)(void))gpa)();
	fail(guest_name, "code ran from unmapped memory");
}
