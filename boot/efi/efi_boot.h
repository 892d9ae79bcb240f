/* SPDX-License-Identifier: MIT */
/* The UEFI boot stage's internal helpers (files on the boot medium, options). */
#ifndef BASALT_EFI_BOOT_H
#define BASALT_EFI_BOOT_H

#include <efi.h>
#include <efilib.h>

#include "kernel/boot_info.h"

/* Reads a whole file into fresh EfiLoaderData pages (kept after leaving the firmware). */
EFI_STATUS efi_read_file(EFI_FILE_HANDLE root, const char *path, void **data, UINT64 *size);
/* Loads every file the config blob names into info->files. */
void efi_load_config_files(EFI_FILE_HANDLE root, struct boot_info *info, const char *config_dir);

/* Fills info->fw_cpu_* from the firmware's MP services protocol (count 0 without it). */
void efi_find_cpus(struct boot_info *info);

#endif
