/* SPDX-License-Identifier: MIT */
/* The test-exit port: a 2-byte write at port+2 ends the VM with status 0 (passed); -DTESTEXIT_FAIL writes 42 at port+3. */
#include "lib/guest.h"

#define TESTEXIT_PORT 0x501 /* tests/configs/testexit.dts; QEMU's isa-debug-exit default */

const char guest_name[] = "testexit";

void guest_main(void)
{
	uint8_t r = inb(TESTEXIT_PORT);

	if (r != 0xff)
		fail(guest_name, "reading the port gave 0x%x, not 0xff", r);
	printf("testexit: read 0xff, writing the verdict\n");
#ifdef TESTEXIT_FAIL
	outb(TESTEXIT_PORT + 3, 42);
#else
	outw(TESTEXIT_PORT + 2, 0);
#endif
	fail(guest_name, "the write to the test-exit port did not end the VM");
}
