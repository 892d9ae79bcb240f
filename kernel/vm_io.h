/* SPDX-License-Identifier: MIT */
/* A VM's disks and network ports: the backends and switches behind its virtio devices, and their servicing. */
#ifndef BASALT_VM_IO_H
#define BASALT_VM_IO_H

#include "kernel/config.h"

struct vm;
struct vm_images;

/* The config's switches (refused ones stay down), once at boot before any VM is created. */
void vm_io_init_switches(const struct basalt_config *cfg);
/* The VM's disk* and net* devices on its PCI bus (disk k at 00:05+k.0, port k at 00:09+k.0). A
 * partition that cannot be had (missing, ambiguous, already claimed) refuses the VM with one line
 * naming the node and property. 0 or -errno. */
int vm_io_attach(struct vm *vm, const struct vm_images *img);
/* In one of vm's vCPUs' own context (run_turn, no lock held): if other VMs left frames for it,
 * moves them into its guest's receive buffers; a disk or port that stopped at its per-notify
 * bound goes on from there. */
void vm_io_service(struct vm *vm);
/* When the VM is released: its ports leave their switches (no sender reaches them afterwards)
 * and its RAM disks' memory goes back. */
void vm_io_release(struct vm *vm);
/* The VM's per-device counters, one line per disk and port, for the final report. */
void vm_io_report(const struct vm *vm);

#define VM_IO_DISK_SLOT0 5
#define VM_IO_NIC_SLOT0 9

#endif
