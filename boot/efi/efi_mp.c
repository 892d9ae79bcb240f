/* SPDX-License-Identifier: MIT */
/* Asks the firmware's MP services (UEFI PI) which processors exist: Bochs' OVMF MADT lists only the BSP. */
#include <stddef.h>

#include "boot/efi/efi_boot.h"

/* gnu-efi does not declare the PI MP services protocol; these are the members we call, in the
 * order the PI spec (volume 2, MP services) lays the function table out. */
#define MP_SERVICES_GUID { 0x3fdda605, 0xa76e, 0x4f46, { 0xad, 0x29, 0x12, 0xf4, 0x53, 0x1b, 0x3d, 0x08 } }
#define MP_STATUS_BSP 0x1u
#define MP_STATUS_ENABLED 0x2u
#define MP_STATUS_HEALTHY 0x4u

struct efi_cpu_location {
	UINT32 package;
	UINT32 core;
	UINT32 thread;
};

/* EFI_PROCESSOR_INFORMATION; firmware following PI 1.7+ may append an extended topology union,
 * which it only fills when asked (a flag in the processor number), so the spare tail is padding. */
struct efi_processor_info {
	UINT64 processor_id;      /* the APIC ID on x86 */
	UINT32 status_flag;       /* MP_STATUS_* */
	struct efi_cpu_location location;
	UINT32 extended[6];
};
_Static_assert(offsetof(struct efi_processor_info, processor_id) == 0, "ProcessorId");
_Static_assert(offsetof(struct efi_processor_info, status_flag) == 8, "StatusFlag");
_Static_assert(offsetof(struct efi_processor_info, location) == 12, "Location");
_Static_assert(offsetof(struct efi_processor_info, extended) == 24, "ExtendedInformation");
_Static_assert(sizeof(struct efi_processor_info) == 48, "EFI_PROCESSOR_INFORMATION");

struct efi_mp_services {
	EFI_STATUS (EFIAPI *get_number_of_processors)(struct efi_mp_services *self, UINTN *total, UINTN *enabled);
	EFI_STATUS (EFIAPI *get_processor_info)(struct efi_mp_services *self, UINTN number,
						struct efi_processor_info *info);
	void *startup_all_aps;
	void *startup_this_ap;
	void *switch_bsp;
	void *enable_disable_ap;
	void *who_am_i;
};
_Static_assert(offsetof(struct efi_mp_services, get_processor_info) == 8, "GetProcessorInfo");
_Static_assert(sizeof(struct efi_mp_services) == 7 * 8, "EFI_MP_SERVICES_PROTOCOL");

/* Adds one processor's APIC ID, the BSP's at index 0 (the kernel treats entry 0 as itself). */
static void add_cpu(struct boot_info *info, uint32_t apic_id, bool bsp)
{
	unsigned n = info->fw_cpu_count;

	if (n >= BOOT_MAX_CPUS)
		return;
	if (bsp && n > 0) {
		info->fw_cpu_apic_ids[n] = info->fw_cpu_apic_ids[0];
		n = 0;
	}
	info->fw_cpu_apic_ids[n] = apic_id;
	info->fw_cpu_count++;
}

void efi_find_cpus(struct boot_info *info)
{
	EFI_GUID guid = MP_SERVICES_GUID;
	struct efi_mp_services *mp;
	UINTN total, enabled;

	info->fw_cpu_count = 0;
	if (EFI_ERROR(uefi_call_wrapper(BS->LocateProtocol, 3, &guid, NULL, (void **)&mp)) || !mp ||
	    EFI_ERROR(uefi_call_wrapper(mp->get_number_of_processors, 3, mp, &total, &enabled)))
		return;
	for (UINTN i = 0; i < total; i++) {
		struct efi_processor_info pi = { 0 };
		const UINT32 want = MP_STATUS_ENABLED | MP_STATUS_HEALTHY;

		if (EFI_ERROR(uefi_call_wrapper(mp->get_processor_info, 3, mp, i, &pi)))
			continue;
		if ((pi.status_flag & want) == want && pi.processor_id <= 0xffffffffu)
			add_cpu(info, (uint32_t)pi.processor_id, pi.status_flag & MP_STATUS_BSP);
	}
}
