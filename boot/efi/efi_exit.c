/* SPDX-License-Identifier: MIT */
/* Takes the final memory map, leaves boot services, and jumps to kernel_main on the hypervisor's stack. */
#include "boot/efi/efi_boot.h"

static enum boot_mem_type convert_type(UINT32 t)
{
	switch (t) {
	case EfiConventionalMemory: return BOOT_MEM_USABLE;
	case EfiBootServicesCode:
	case EfiBootServicesData: return BOOT_MEM_BOOT_RECLAIM;
	case EfiLoaderCode:
	case EfiLoaderData: return BOOT_MEM_HYPERVISOR;
	case EfiACPIReclaimMemory: return BOOT_MEM_ACPI_RECLAIM;
	case EfiACPIMemoryNVS: return BOOT_MEM_ACPI_NVS;
	case EfiRuntimeServicesCode:
	case EfiRuntimeServicesData: return BOOT_MEM_FIRMWARE;
	case EfiMemoryMappedIO:
	case EfiMemoryMappedIOPortSpace: return BOOT_MEM_MMIO;
	default: return BOOT_MEM_RESERVED;
	}
}

/* Copies the firmware map into boot_info, merging neighbours of the same kind. */
static void convert_map(struct boot_info *info, const UINT8 *map, UINTN size, UINTN desc_size)
{
	info->mem_count = 0;
	for (UINTN off = 0; off + desc_size <= size; off += desc_size) {
		const EFI_MEMORY_DESCRIPTOR *d = (const EFI_MEMORY_DESCRIPTOR *)(map + off);
		enum boot_mem_type type = convert_type(d->Type);
		uint64_t bytes = d->NumberOfPages * 4096;
		struct boot_mem_range *last = info->mem_count ? &info->mem[info->mem_count - 1] : NULL;

		if (last && last->type == type && last->base + last->size == d->PhysicalStart)
			last->size += bytes;
		else if (info->mem_count < BOOT_MAX_MEMMAP)
			info->mem[info->mem_count++] = (struct boot_mem_range){ d->PhysicalStart, bytes, type };
	}
}

static void __attribute__((noreturn)) jump_to_kernel(struct boot_info *info)
{
	uint64_t top = info->stack_base + info->stack_size;

	__asm__ volatile("cli\n\t"
			 "mov %0, %%rsp\n\t"
			 "xor %%ebp, %%ebp\n\t"
			 "call kernel_main\n\t"
			 "ud2"
			 :
			 : "r"(top), "D"(info)
			 : "memory");
	__builtin_unreachable();
}

EFI_STATUS efi_exit_and_run(EFI_HANDLE image, struct boot_info *info);

EFI_STATUS efi_exit_and_run(EFI_HANDLE image, struct boot_info *info)
{
	UINTN size = 0, key, desc_size;
	UINT32 desc_version;
	UINT8 *map = NULL;
	EFI_STATUS st = EFI_LOAD_ERROR;
	bool exited = false;

	/* The map changes when we allocate its buffer, and ExitBootServices may refuse a stale key: retry. */
	for (int attempt = 0; attempt < 8; attempt++) {
		st = uefi_call_wrapper(BS->GetMemoryMap, 5, &size, (EFI_MEMORY_DESCRIPTOR *)map, &key, &desc_size,
				       &desc_version);
		if (st == EFI_BUFFER_TOO_SMALL) {
			if (map)
				FreePool(map);
			size += 8 * sizeof(EFI_MEMORY_DESCRIPTOR);
			map = AllocatePool(size);
			if (!map)
				return EFI_OUT_OF_RESOURCES;
			continue;
		}
		if (EFI_ERROR(st))
			return st;
		st = uefi_call_wrapper(BS->ExitBootServices, 2, image, key);
		if (!EFI_ERROR(st)) {
			exited = true;
			break;
		}
	}
	if (!exited) {
		Print(L"basalt: the firmware refused ExitBootServices: %r\n", st);
		return st;
	}
	convert_map(info, map, size, desc_size);
	jump_to_kernel(info);
}
