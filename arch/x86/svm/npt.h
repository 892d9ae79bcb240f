/* SPDX-License-Identifier: MIT */
/* AMD nested paging: the entry encoder behind the vendor-neutral nested_pt builder. */
#ifndef BASALT_SVM_NPT_H
#define BASALT_SVM_NPT_H

#include <stdbool.h>

#include "kernel/nested_pt.h"

/* max_leaf_level is raised to 3 at boot when the CPU has 1 GiB pages. */
extern struct npt_format npt_format_amd;
/* Set at boot when the host runs with EFER.NXE, which makes the NX bit legal in nested entries. */
extern bool npt_nx_usable;

#endif
