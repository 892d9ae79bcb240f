/* SPDX-License-Identifier: MIT */
/* The demo guest: says hello with its vCPU index and RAM size, then passes. */
#include "lib/guest.h"

const char guest_name[] = "hello";

void guest_main(void)
{
	printf("hello from a Basalt guest: vCPU %u, %lu MiB RAM, hypercalls via %s\n", guest_vcpu,
	       guest_ram_size >> 20, guest_hcall_kind == BASALT_HCALL_VMCALL ? "vmcall" : "vmmcall");
	pass(guest_name);
}
