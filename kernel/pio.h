/* SPDX-License-Identifier: MIT */
/* Port I/O inside the core: one access to a VM's port space, and string I/O. */
#ifndef BASALT_PIO_H
#define BASALT_PIO_H

#include <stdbool.h>
#include <stdint.h>

#include "kernel/exit.h"

struct vcpu;

/* One IN or OUT of size bytes on the VM's bus: the owning device model, or an empty bus (reads all
 * ones, writes dropped, counted). *value is what OUT writes / what IN read. The VM may have ended
 * (a reset port) when it returns. */
void pio_access(struct vcpu *vcpu, uint16_t port, uint8_t size, bool in, uint32_t *value);
/* INS/OUTS with or without REP (kernel/pio_string.c). */
enum exit_action exit_handle_string_io(struct vcpu *vcpu, const struct vm_exit *exit);

#endif
