/* SPDX-License-Identifier: MIT */
/* Boot-medium file access for the UEFI stage: whole files into pages that survive ExitBootServices. */
#include "boot/efi/efi_boot.h"

#include <string.h>

#include "kernel/config.h"
#include "kernel/errno.h"

#define EFI_PAGE_BYTES 4096

/* Joins a config path to the config's directory (absolute paths stay) with '\\' separators. */
static void join_path(const char *dir, const char *path, char *out, size_t out_len)
{
	size_t n = 0;
	const char *parts[2] = { (path[0] == '\\' || path[0] == '/') ? "" : dir, path };

	for (int p = 0; p < 2; p++)
		for (const char *s = parts[p]; *s && n + 1 < out_len; s++)
			out[n++] = *s == '/' ? '\\' : *s;
	out[n] = '\0';
}

/* The firmware wants UCS-2 paths with '\\' separators. */
static void to_medium_path(const char *path, CHAR16 *out, UINTN out_len)
{
	UINTN n = 0;

	for (const char *s = path; *s && n + 1 < out_len; s++)
		out[n++] = *s == '/' ? L'\\' : (CHAR16)(unsigned char)*s;
	out[n] = 0;
}

static char ascii_path_buf[BOOT_PATH_MAX];

EFI_STATUS efi_read_file(EFI_FILE_HANDLE root, const char *path, void **data, UINT64 *size)
{
	CHAR16 wpath[BOOT_PATH_MAX * 2];
	EFI_FILE_HANDLE fh;
	EFI_FILE_INFO *info;
	EFI_PHYSICAL_ADDRESS addr;
	EFI_STATUS st;
	UINTN len;

	to_medium_path(path, wpath, sizeof(wpath) / sizeof(wpath[0]));
	st = uefi_call_wrapper(root->Open, 5, root, &fh, wpath, EFI_FILE_MODE_READ, 0);
	if (EFI_ERROR(st))
		return st;
	info = LibFileInfo(fh);
	if (!info) {
		uefi_call_wrapper(fh->Close, 1, fh);
		return EFI_DEVICE_ERROR;
	}
	len = info->FileSize;
	FreePool(info);
	st = uefi_call_wrapper(BS->AllocatePages, 4, AllocateAnyPages, EfiLoaderData,
			       (len + EFI_PAGE_BYTES - 1) / EFI_PAGE_BYTES + 1, &addr);
	if (!EFI_ERROR(st))
		st = uefi_call_wrapper(fh->Read, 3, fh, &len, (void *)(UINTN)addr);
	uefi_call_wrapper(fh->Close, 1, fh);
	if (EFI_ERROR(st))
		return st;
	*data = (void *)(UINTN)addr;
	*size = len;
	return EFI_SUCCESS;
}

struct load_ctx {
	EFI_FILE_HANDLE root;
	struct boot_info *info;
	const char *config_dir;
};


static void load_one(const char *vm_name, const char *path, void *opaque)
{
	struct load_ctx *ctx = opaque;
	struct boot_info *info = ctx->info;
	struct boot_file *f;
	void *data = NULL;
	UINT64 size = 0;
	EFI_STATUS st;

	if (boot_find_file(info, path))
		return; /* several VMs may share one image */
	if (info->file_count == BOOT_MAX_FILES) {
		Print(L"basalt: too many files in the config; '%a' of VM '%a' not loaded\n", path, vm_name);
		return;
	}
	join_path(ctx->config_dir, path, ascii_path_buf, sizeof(ascii_path_buf));
	st = efi_read_file(ctx->root, ascii_path_buf, &data, &size);
	f = &info->files[info->file_count++];
	strncpy(f->path, path, BOOT_PATH_MAX - 1);
	f->data = EFI_ERROR(st) ? NULL : data;
	f->size = size;
	f->error = EFI_ERROR(st) ? -ENOENT : 0;
	if (EFI_ERROR(st))
		Print(L"basalt: VM '%a': cannot read '%a' from the boot medium: %r\n", vm_name, ascii_path_buf, st);
	else
		Print(L"basalt: loaded %a (%lu bytes)\n", ascii_path_buf, size);
}

void efi_load_config_files(EFI_FILE_HANDLE root, struct boot_info *info, const char *config_dir)
{
	struct load_ctx ctx = { root, info, config_dir };

	config_for_each_path(info->config, info->config_size, load_one, &ctx);
}
