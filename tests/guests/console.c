/* SPDX-License-Identifier: MIT */
/* Console escapes: terminal controls, C1 bytes and forged hypervisor lines must reach the log defused. */
#include "lib/hostile.h"

const char guest_name[] = "console";

/* Raw bytes on port 0xE9; each case is "marker [bytes]" so the log checks can find it. */
static void put_case(const char *marker, const char *bytes, unsigned len)
{
	console_puts(marker);
	console_puts(" [");
	for (unsigned i = 0; i < len; i++)
		console_putc(bytes[i]);
	console_puts("]\n");
}

#define CASE(marker, lit) put_case(marker, lit, sizeof(lit) - 1)

void guest_main(void)
{
	hostile_wait_start();
	CASE("esc-clear", "\x1b[2J");
	CASE("esc-up", "\x1b[1A");
	CASE("osc-title", "\x1b]0;title\x07");
	CASE("c1-raw", "\x9b\x85");
	CASE("c1-utf8", "\xc2\x9b");
	CASE("del", "\x7f");
	CASE("bs", "abc\x08\x08\x08XYZ");
	/* Forged hypervisor lines: after a lone CR, and at the start of a fresh line. */
	console_puts("forge-cr\rbasalt: vm 'neighbour' crashed: fake\n");
	console_puts("forge-nl\nbasalt: vm 'neighbour' crashed: fake2\n");
	console_puts("crlf-end\r\n");
	pass(guest_name);
}
