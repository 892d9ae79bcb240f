/* SPDX-License-Identifier: MIT */
/* UEFI entry: banner, options, config blob and its files, memory map, exit from the firmware, kernel_main. */
#include <string.h>

#include "arch/x86/cpu.h"
#include "boot/efi/efi_boot.h"
#include "drivers/pc/vdevices.h"
#include "kernel/errno.h"

#define STACK_PAGES 16 /* 64 KiB for the boot CPU */
#define TSC_CALIBRATION_US 20000
#define DEFAULT_CONFIG "\\basalt\\basalt.dtb"
#define CMDLINE_FILE "\\basalt\\cmdline.txt"

static struct boot_info boot_info;
static char config_dir[BOOT_PATH_MAX] = "\\basalt\\";

/* The .basalt section: empty unless tools/embed-config.sh put a DTB there. */
extern const char basalt_config_start[], basalt_config_end[];

const struct boot_file *boot_find_file(const struct boot_info *info, const char *path)
{
	for (unsigned i = 0; i < info->file_count; i++)
		if (strcmp(info->files[i].path, path) == 0)
			return &info->files[i];
	return NULL;
}

/* Appends the printable ASCII of UCS-2 load options; firmware boot entries may carry binary data. */
static void append_load_options(const EFI_LOADED_IMAGE *li)
{
	const CHAR16 *opt = li->LoadOptions;
	size_t n = strlen(boot_info.cmdline);

	for (UINTN i = 0; opt && i < li->LoadOptionsSize / 2 && opt[i]; i++) {
		if (opt[i] < 0x20 || opt[i] > 0x7e)
			return;
		if (n + 2 < BOOT_CMDLINE_MAX)
			boot_info.cmdline[n++] = (char)opt[i];
	}
	boot_info.cmdline[n] = '\0';
}

static void append_cmdline_file(EFI_FILE_HANDLE root)
{
	void *data;
	UINT64 size;
	size_t n = strlen(boot_info.cmdline);

	if (EFI_ERROR(efi_read_file(root, CMDLINE_FILE, &data, &size)))
		return;
	boot_info.cmdline[n++] = ' ';
	for (UINT64 i = 0; i < size && n + 1 < BOOT_CMDLINE_MAX; i++)
		boot_info.cmdline[n++] = ((const char *)data)[i] >= 0x20 ? ((const char *)data)[i] : ' ';
	boot_info.cmdline[n] = '\0';
}

/* Options are words: "test" enables test mode, "fault-test" makes the hypervisor fault on purpose
 * after setup (to check the crash report), "console=safe" filters the console input owner's output
 * too, "skip-ap=N" never starts the AP with APIC ID N (to test the report of a CPU that does not
 * come up), a word ending in ".dtb" names the config file. */
static int parse_small_number(const char *p, size_t len)
{
	int n = 0;

	for (size_t i = 0; i < len; i++) {
		if (p[i] < '0' || p[i] > '9')
			return -1;
		n = n * 10 + (p[i] - '0');
	}
	return n;
}

static const char *parse_cmdline(void)
{
	static char word[BOOT_PATH_MAX];
	const char *config = NULL;

	for (const char *p = boot_info.cmdline; *p;) {
		size_t len = 0;

		while (*p == ' ')
			p++;
		while (p[len] && p[len] != ' ')
			len++;
		if (len == 4 && strncmp(p, "test", 4) == 0)
			boot_info.test_mode = true;
		if (len == 10 && strncmp(p, "fault-test", 10) == 0)
			boot_info.fault_test = true;
		if (len == 12 && strncmp(p, "console=safe", 12) == 0)
			boot_info.console_safe = true;
		if (len > 8 && len < 12 && strncmp(p, "skip-ap=", 8) == 0)
			boot_info.skip_ap_apic_id = parse_small_number(p + 8, len - 8);
		if (len > 4 && len < sizeof(word) && strncmp(p + len - 4, ".dtb", 4) == 0) {
			memcpy(word, p, len);
			word[len] = '\0';
			config = word;
		}
		p += len;
	}
	return config;
}

static void set_config_dir(const char *path)
{
	const char *slash = strrchr(path, '\\');
	size_t len = slash ? (size_t)(slash - path) + 1 : 0;

	if (len >= sizeof(config_dir))
		len = 0;
	memcpy(config_dir, path, len);
	config_dir[len] = '\0';
}

static void find_config(EFI_FILE_HANDLE root, const char *named)
{
	void *data;
	UINT64 size;

	if (named && !EFI_ERROR(efi_read_file(root, named, &data, &size))) {
		set_config_dir(named);
	} else if (!EFI_ERROR(efi_read_file(root, DEFAULT_CONFIG, &data, &size))) {
		named = DEFAULT_CONFIG;
	} else if (basalt_config_end - basalt_config_start >= 8) {
		data = (void *)basalt_config_start;
		size = (UINT64)(basalt_config_end - basalt_config_start);
		named = "the embedded .basalt section";
	} else {
		if (named)
			Print(L"basalt: config file '%a' not found\n", named);
		return;
	}
	boot_info.config = data;
	boot_info.config_size = size;
	strncpy(boot_info.config_source, named, BOOT_PATH_MAX - 1);
}

static void find_rsdp(void)
{
	EFI_GUID acpi20 = ACPI_20_TABLE_GUID, acpi10 = ACPI_TABLE_GUID;

	for (UINTN i = 0; i < ST->NumberOfTableEntries; i++) {
		EFI_CONFIGURATION_TABLE *t = &ST->ConfigurationTable[i];

		if (!CompareGuid(&t->VendorGuid, &acpi20))
			boot_info.rsdp = (uint64_t)(UINTN)t->VendorTable;
		else if (!boot_info.rsdp && !CompareGuid(&t->VendorGuid, &acpi10))
			boot_info.rsdp = (uint64_t)(UINTN)t->VendorTable;
	}
}

static void measure_platform(void)
{
	EFI_TIME now;
	uint64_t start = rdtsc();

	uefi_call_wrapper(BS->Stall, 1, TSC_CALIBRATION_US);
	boot_info.tsc_hz = (rdtsc() - start) * (1000000 / TSC_CALIBRATION_US);
	if (!EFI_ERROR(uefi_call_wrapper(RT->GetTime, 2, &now, NULL))) {
		struct wallclock wc = { now.Year, now.Month, now.Day, now.Hour, now.Minute, now.Second };

		vcmos_set_boot_time(&wc);
	}
}

EFI_STATUS efi_exit_and_run(EFI_HANDLE image, struct boot_info *info);
EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *systab);

/* Application processors start in real mode at a page below 1 MiB named by the SIPI: take pages
 * there now (loader data survives ExitBootServices as hypervisor memory). Below 0xA0000, since
 * SIPI vectors 0xA0-0xBF are reserved. Without them only the boot CPU runs guests. */
static void reserve_ap_trampoline(void)
{
	EFI_PHYSICAL_ADDRESS pa = 0x9ffff;

	if (EFI_ERROR(uefi_call_wrapper(BS->AllocatePages, 4, AllocateMaxAddress, EfiLoaderData,
					 BOOT_AP_TRAMPOLINE_PAGES, &pa)) || pa < 0x1000) {
		Print(L"basalt: no memory below 640 KiB for the AP start-up code; only the boot CPU will run\n");
		return;
	}
	boot_info.ap_trampoline_pa = pa;
}

EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *systab)
{
	EFI_LOADED_IMAGE *li;
	EFI_FILE_HANDLE root;
	EFI_PHYSICAL_ADDRESS stack;

	InitializeLib(image, systab);
	boot_info.skip_ap_apic_id = -1;
	Print(L"Basalt hypervisor " BASALT_VERSION_W L" (UEFI)\n");
	if (EFI_ERROR(uefi_call_wrapper(BS->HandleProtocol, 3, image, &LoadedImageProtocol, (void **)&li)) ||
	    !(root = LibOpenRoot(li->DeviceHandle))) {
		Print(L"basalt: cannot open the boot medium\n");
		return EFI_LOAD_ERROR;
	}
	append_load_options(li);
	append_cmdline_file(root);
	find_config(root, parse_cmdline());
	if (boot_info.config)
		efi_load_config_files(root, &boot_info, config_dir);
	find_rsdp();
	efi_find_cpus(&boot_info);
	measure_platform();
	boot_info.image_base = (uint64_t)(UINTN)li->ImageBase;
	boot_info.image_size = li->ImageSize;
	if (EFI_ERROR(uefi_call_wrapper(BS->AllocatePages, 4, AllocateAnyPages, EfiLoaderData, STACK_PAGES, &stack)))
		return EFI_OUT_OF_RESOURCES;
	boot_info.stack_base = stack;
	boot_info.stack_size = STACK_PAGES * 4096;
	reserve_ap_trampoline();
	Print(L"basalt: options '%a'; leaving the firmware\n", boot_info.cmdline);
	return efi_exit_and_run(image, &boot_info);
}
