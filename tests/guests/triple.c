/* SPDX-License-Identifier: MIT */
/* Triple-faults on purpose (no IDT, then #UD): the hypervisor must stop this VM and only this VM. */
#include "lib/guest.h"

const char guest_name[] = "triple";

void guest_main(void)
{
	static const struct __attribute__((packed)) {
		uint16_t limit;
		uint64_t base;
	} no_idt = { 0, 0 };

	printf("triple: faulting\n");
	/* With an empty IDT, #UD -> #GP -> #DF -> shutdown. */
	asm volatile("lidt %0\n\tud2" : : "m"(no_idt) : "memory");
	idt_install();
	fail(guest_name, "execution continued after ud2 with an empty IDT");
}
