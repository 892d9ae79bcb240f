/* SPDX-License-Identifier: MIT */
/* Reads guest-physical memory above RAM: the hypervisor must stop the VM on the nested-paging fault. */
#include "lib/guest.h"

const char guest_name[] = "unmapped";

#define MIB2 0x200000ull
#define IDENTITY_MAP_END 0x100000000ull /* the loader maps the first 4 GiB */

void guest_main(void)
{
	/* The next 2 MiB page boundary strictly above the end of RAM. */
	uint64_t gpa = (guest_ram_size + MIB2) & ~(MIB2 - 1);
	uint64_t v;

	if (gpa + 8 > IDENTITY_MAP_END)
		fail(guest_name, "RAM size 0x%lx leaves no unmapped address below 4 GiB to read", guest_ram_size);
	printf("reading unmapped guest-physical memory at 0x%lx\n", gpa);
	v = *(volatile uint64_t *)gpa;
	fail(guest_name, "read returned 0x%lx", v);
}
