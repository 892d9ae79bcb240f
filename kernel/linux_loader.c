/* SPDX-License-Identifier: MIT */
/* Linux 64-bit boot protocol planning: addresses, boot tables and the zero page, with no guest access. */
#include "kernel/linux_loader.h"

#include <stdarg.h>
#include <stdbool.h>
#include <string.h>

#include "arch/x86/pte.h"
#include "kernel/console.h"
#include "kernel/errno.h"

#define PAGE_4K 0x1000ull
#define PAGE_2M 0x200000ull
#define MAX_SANE_GPA (1ull << 52) /* beyond any physical address width: also keeps sums from wrapping */
#define MIB(x) ((unsigned long long)((x) >> 20))
#define HEAP_END_PTR 0xfe00u      /* the conventional value: setup stack/heap up to 0x10000 - 0x200 */

static int refuse(char *why, size_t why_len, int rc, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static int refuse(char *why, size_t why_len, int rc, const char *fmt, ...)
{
	va_list ap;

	if (why && why_len) {
		va_start(ap, fmt);
		fmt_vsnprintf(why, why_len, fmt, ap);
		va_end(ap);
	}
	return rc;
}

static uint64_t align_up(uint64_t v, uint64_t a)
{
	return (v + a - 1) & ~(a - 1);
}

static uint64_t min64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

static int plan_cmdline(const struct bzimage_info *k, size_t len, struct linux_layout *l, char *why, size_t why_len)
{
	if (len > k->cmdline_size)
		return refuse(why, why_len, -E2BIG, "command line of %zu bytes exceeds the kernel's cmdline_size %u",
			      len, k->cmdline_size);
	if (len >= LINUX_CMDLINE_MAX)
		return refuse(why, why_len, -E2BIG, "command line of %zu bytes exceeds Basalt's %llu-byte buffer",
			      len, LINUX_CMDLINE_MAX - 1);
	l->cmdline_gpa = LINUX_CMDLINE_GPA;
	l->cmdline_len = len;
	return 0;
}

/* pref_address rounded up to the alignment: the lowest place x86-64 kernels run from anyway. */
static int plan_kernel(const struct bzimage_info *k, uint64_t ram, struct linux_layout *l, char *why, size_t why_len)
{
	uint64_t base = k->pref_address < LINUX_MIN_KERNEL_GPA ? LINUX_MIN_KERNEL_GPA : k->pref_address;

	if (base >= MAX_SANE_GPA)
		return refuse(why, why_len, -EINVAL, "pref_address 0x%llx is beyond any guest memory",
			      (unsigned long long)k->pref_address);
	l->kernel_gpa = align_up(base, k->kernel_alignment);
	l->kernel_size = k->pm_size;
	l->kernel_end = l->kernel_gpa + k->init_size;
	l->entry = l->kernel_gpa + BOOT_ENTRY64_OFFSET;
	if (l->kernel_end > ram)
		return refuse(why, why_len, -E2BIG,
			      "%llu MiB of RAM is too small: the kernel needs [0x%llx, 0x%llx) (init_size 0x%x)",
			      MIB(ram), (unsigned long long)l->kernel_gpa, (unsigned long long)l->kernel_end,
			      k->init_size);
	if (l->kernel_end > l->ident_map_end)
		return refuse(why, why_len, -E2BIG, "kernel area ends at 0x%llx, above the 4 GiB the boot tables map",
			      (unsigned long long)l->kernel_end);
	return 0;
}

/* As high as allowed, so the kernel's area and the memory Linux gets in one piece stay below it. */
static int plan_initrd(const struct bzimage_info *k, uint64_t ram, size_t size, struct linux_layout *l, char *why,
		       size_t why_len)
{
	uint64_t top = min64(min64(ram, (uint64_t)k->initrd_addr_max + 1), l->ident_map_end);

	l->initrd_gpa = 0;
	l->initrd_size = size;
	if (size == 0)
		return 0;
	if (size > top || ((top - size) & ~(PAGE_4K - 1)) < l->kernel_end)
		return refuse(why, why_len, -E2BIG,
			      "initrd of %zu bytes does not fit between the kernel's end 0x%llx and 0x%llx "
			      "(RAM %llu MiB, initrd_addr_max 0x%x)",
			      size, (unsigned long long)l->kernel_end, (unsigned long long)top, MIB(ram),
			      k->initrd_addr_max);
	l->initrd_gpa = (top - size) & ~(PAGE_4K - 1);
	return 0;
}

static void plan_cpu(struct linux_layout *l)
{
	l->boot_params_gpa = LINUX_BOOT_PARAMS_GPA;
	l->stack_top = LINUX_STACK_TOP;
	l->cr3 = LOADER_PML4_GPA;
	l->gdt_gpa = LINUX_GDT_GPA;
	l->gdt_limit = LINUX_GDT_ENTRIES * 8 - 1;
	l->tss_gpa = LINUX_TSS_GPA;
	l->tss_limit = LINUX_TSS_LIMIT;
	l->cs = LINUX_BOOT_CS;
	l->ds = LINUX_BOOT_DS;
	l->tr = LINUX_BOOT_TR;
	l->acpi_rsdp_gpa = 0;
}

int linux_plan(const struct bzimage_info *k, uint64_t ram_size, size_t initrd_size, size_t cmdline_len,
	       struct linux_layout *out, char *why, size_t why_len)
{
	struct linux_layout l;
	int rc;

	if (why && why_len)
		why[0] = '\0';
	if (!k || !out)
		return refuse(why, why_len, -EINVAL, "no kernel or no layout");
	if (ram_size >= MAX_SANE_GPA)
		return refuse(why, why_len, -EINVAL, "RAM size 0x%llx is implausible", (unsigned long long)ram_size);
	memset(&l, 0, sizeof(l));
	plan_cpu(&l);
	l.ident_map_end = min64(align_up(ram_size, PAGE_2M), LINUX_IDENT_MAX);
	rc = plan_cmdline(k, cmdline_len, &l, why, why_len);
	if (!rc)
		rc = plan_kernel(k, ram_size, &l, why, why_len);
	if (!rc)
		rc = plan_initrd(k, ram_size, initrd_size, &l, why, why_len);
	if (rc)
		return rc;
	*out = l;
	return 0;
}

static void put64(uint8_t *low, uint64_t gpa, uint64_t v)
{
	memcpy(low + gpa, &v, sizeof(v));
}

/* Flat 4 GiB descriptors; the TSS one is 16 bytes (two slots) in long mode. Fixed places, so a
 * hand-made layout cannot steer the writes outside the buffer. */
static void write_gdt(uint8_t *low)
{
	const uint64_t tss = LINUX_TSS_GPA;

	put64(low, LINUX_GDT_GPA + LINUX_BOOT_CS, 0x00af9b000000ffffull); /* L=1, execute/read, accessed */
	put64(low, LINUX_GDT_GPA + LINUX_BOOT_DS, 0x00cf93000000ffffull); /* 4 GiB, read/write, accessed */
	put64(low, LINUX_GDT_GPA + LINUX_BOOT_TR,
	      0x00008b0000000000ull | LINUX_TSS_LIMIT | (tss & 0xffffff) << 16 | ((tss >> 24) & 0xff) << 56);
	put64(low, LINUX_GDT_GPA + LINUX_BOOT_TR + 8, tss >> 32);
}

static void write_page_tables(uint8_t *low, const struct linux_layout *l)
{
	uint64_t pages = l->ident_map_end / PAGE_2M;

	put64(low, LOADER_PML4_GPA, LOADER_PDPT_GPA | PTE_P | PTE_RW);
	for (uint64_t i = 0; i < 4 && i * 512 < pages; i++)
		put64(low, LOADER_PDPT_GPA + i * 8, (LOADER_PD_GPA + i * PAGE_4K) | PTE_P | PTE_RW);
	for (uint64_t i = 0; i < pages; i++)
		put64(low, LOADER_PD_GPA + i * 8, i * PAGE_2M | PTE_P | PTE_RW | PTE_PS);
}

int linux_build_boot_tables(void *low, size_t low_size, const struct linux_layout *l)
{
	if (!low || !l || low_size < LINUX_TABLES_END || l->ident_map_end > LINUX_IDENT_MAX)
		return -EINVAL;
	memset(low, 0, LINUX_TABLES_END);
	write_gdt(low);
	write_page_tables(low, l);
	return 0;
}

static bool above_4g(uint64_t addr, uint64_t size)
{
	return addr + size > (1ull << 32);
}

static void fill_header(struct boot_params *bp, const void *image, const struct bzimage_info *k)
{
	size_t end = k->header_end < BOOT_EDD_MBR_SIG ? k->header_end : BOOT_EDD_MBR_SIG;

	/* From 0x1f1, never the sentinel at 0x1ef: a nonzero one makes Linux wipe ext_* fields. */
	memcpy((uint8_t *)bp + BOOT_HDR_OFFSET, (const uint8_t *)image + BOOT_HDR_OFFSET, end - BOOT_HDR_OFFSET);
	bp->hdr.type_of_loader = BOOT_LOADER_UNDEFINED;
	bp->hdr.ext_loader_ver = 0;
	bp->hdr.ext_loader_type = 0;
	/* Keep LOADED_HIGH; we want early messages; the heap only matters to real-mode setup code,
	 * which the 64-bit entry skips, but other loaders announce it and it costs nothing. */
	bp->hdr.loadflags = (uint8_t)((bp->hdr.loadflags | CAN_USE_HEAP) & ~(QUIET_FLAG | KEEP_SEGMENTS));
	bp->hdr.heap_end_ptr = HEAP_END_PTR;
	bp->hdr.setup_data = 0;
}

int linux_fill_boot_params(struct boot_params *bp, const void *image, const struct bzimage_info *k,
			   const struct linux_layout *l, const struct e820_entry *map, unsigned n)
{
	if (!bp || !image || !k || !l || (n && !map) || k->header_end < BOOT_HDR_END)
		return -EINVAL;
	if (n > E820_MAX_ENTRIES_ZEROPAGE)
		return -E2BIG;
	if (!(k->xloadflags & XLF_CAN_BE_LOADED_ABOVE_4G) &&
	    (above_4g(l->initrd_gpa, l->initrd_size) || above_4g(l->cmdline_gpa, l->cmdline_len + 1)))
		return -EINVAL;
	memset(bp, 0, sizeof(*bp));
	fill_header(bp, image, k);
	bp->hdr.ramdisk_image = (uint32_t)l->initrd_gpa;
	bp->ext_ramdisk_image = (uint32_t)(l->initrd_gpa >> 32);
	bp->hdr.ramdisk_size = (uint32_t)l->initrd_size;
	bp->ext_ramdisk_size = (uint32_t)(l->initrd_size >> 32);
	bp->hdr.cmd_line_ptr = (uint32_t)l->cmdline_gpa;
	bp->ext_cmd_line_ptr = (uint32_t)(l->cmdline_gpa >> 32);
	bp->acpi_rsdp_addr = l->acpi_rsdp_gpa;
	if (n)
		memcpy(bp->e820_table, map, n * sizeof(*map));
	bp->e820_entries = (uint8_t)n;
	return 0;
}
