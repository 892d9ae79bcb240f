/* SPDX-License-Identifier: MIT */
/* Keyboard input from the host serial console, forwarded to the VM that owns the console. */
#ifndef BASALT_CONSOLE_INPUT_H
#define BASALT_CONSOLE_INPUT_H

#include <stdbool.h>

struct vm;

/* Makes vm the receiver of host console input if no running VM has it yet. */
void console_input_offer(struct vm *vm);
/* Moves typed bytes from the host UART to the owner's UART; true when an owner exists. */
bool console_input_poll(void);

/* The VM that receives the keyboard gets the terminal raw (vi, top, the answer to ESC[6n need it),
 * unless the operator chose `console=safe`: then every VM's output is filtered. Default: allowed. */
void console_input_allow_raw(bool allow);
/* True when vm's console output goes to the terminal unfiltered. */
bool console_input_is_raw(const struct vm *vm);

#endif
