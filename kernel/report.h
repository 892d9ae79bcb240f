/* SPDX-License-Identifier: MIT */
/* What the hypervisor reports: its own memory, and how every VM ended. */
#ifndef BASALT_REPORT_H
#define BASALT_REPORT_H

#include "kernel/boot_info.h"
#include "kernel/machine.h"

void report_memory(const struct boot_info *info);
/* Prints one line per VM with its end and exit statistics, then the verdict line; returns the verdict. */
enum machine_verdict report_final(unsigned refused);

#endif
