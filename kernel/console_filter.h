/* SPDX-License-Identifier: MIT */
/* Guest console bytes to terminal-safe units: controls and invalid UTF-8 shown as \xHH escapes. */
#ifndef BASALT_CONSOLE_FILTER_H
#define BASALT_CONSOLE_FILTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CONSOLE_UNIT_MAX 4   /* the longest unit: a 4-byte UTF-8 character or one "\xHH" escape */
#define CONSOLE_FILTER_CR_HOLD 2 /* "\r\r\n" (a program's \r\n through ONLCR) still ends the line cleanly */

/* Receives one unit the terminal may print as it is: a whole UTF-8 character, a printable byte, a
 * tab, one escape, or (unit "\n", len 1) the end of a line. Units are never split. */
typedef void (*console_unit_fn)(void *ctx, const char *unit, size_t len);

/* State that spans bytes: a UTF-8 character and carriage returns arrive a byte at a time. */
struct console_filter {
	uint8_t seq[4];      /* the UTF-8 character collected so far */
	uint8_t seq_len;
	uint8_t seq_need;    /* its full length, from the lead byte */
	uint8_t crs;         /* carriage returns held back: a following \n makes them a plain line end */
	bool touched;        /* raw output included bytes that can change the terminal's state */
};

void console_filter_init(struct console_filter *f);

/* Feeds one guest byte. Safe (raw false): \n ends the line, \r\n and \r\r\n too; \t, printable
 * ASCII and valid UTF-8 other than U+0080..U+009F pass; every other byte becomes "\xHH" (lower-case
 * hex), each byte of a rejected sequence separately. Raw: bytes pass unchanged except that \n and
 * \r\n still end the line; bytes that can change the terminal's state set f->touched. */
void console_filter_put(struct console_filter *f, uint8_t byte, bool raw, console_unit_fn emit, void *ctx);

/* Emits whatever is held back (an unfinished character, carriage returns) as a lone byte would be
 * shown: before the line is shown unfinished (raw) or when the guest's output ends. */
void console_filter_release(struct console_filter *f, bool raw, console_unit_fn emit, void *ctx);

#endif
