/* SPDX-License-Identifier: MIT */
/* Multiboot test kernel: checks the entry state, info structure, memory map and modules, then enters long mode. */
#include <stddef.h>
#include <stdint.h>

#ifndef MB_SELF
#error "MB_SELF: the kernel's path as the config names it (the command line's first word)"
#endif
#define MB_BOOT_MAGIC 0x2badb002u
#define MB_ARGS "mb-arg=42"      /* tests/configs/multiboot.dts gives this cmdline */
#define MB_RAM (64u << 20)       /* and this much memory */
#define MODULE_BYTES 5000u       /* module.S */
#define COM1 0x3f8

struct mb_info {
	uint32_t flags, mem_lower, mem_upper, boot_device, cmdline, mods_count, mods_addr;
	uint32_t syms[4];
	uint32_t mmap_length, mmap_addr, drives_length, drives_addr, config_table, boot_loader_name;
} __attribute__((packed));

struct mb_module {
	uint32_t start, end, string, reserved;
} __attribute__((packed));

struct mb_mmap {
	uint32_t size;
	uint64_t base, length;
	uint32_t type;
} __attribute__((packed));

void mb_main(uint32_t magic, uint32_t info_addr);
void mb_long_mode(uint32_t status) __attribute__((noreturn)); /* entry.S */
extern char __load_start[], _end[];

static unsigned checks, failures;

static inline void outb(uint16_t port, uint8_t v)
{
	__asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static void putc_com1(char c)
{
	outb(COM1, (uint8_t)c);
}

static void puts_com1(const char *s)
{
	while (*s)
		putc_com1(*s++);
}

static void put_hex(uint64_t v)
{
	puts_com1("0x");
	for (int shift = 60; shift >= 0; shift -= 4)
		if ((v >> shift) || shift == 0)
			putc_com1("0123456789abcdef"[(v >> shift) & 0xf]);
}

static int str_eq(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return *a == *b;
}

/* One line per check: "mb: ok what" or "mb: FAIL what (got value)". */
static void check(int ok, const char *what, uint64_t got)
{
	checks++;
	if (!ok)
		failures++;
	puts_com1(ok ? "mb: ok " : "mb: FAIL ");
	puts_com1(what);
	if (!ok) {
		puts_com1(" (got ");
		put_hex(got);
		putc_com1(')');
	}
	putc_com1('\n');
}

static void check_machine(uint32_t magic)
{
	uint32_t cr0, eflags;

	__asm__ volatile("mov %%cr0, %0" : "=r"(cr0));
	__asm__ volatile("pushf; pop %0" : "=r"(eflags));
	check(magic == MB_BOOT_MAGIC, "EAX holds the boot magic 0x2badb002", magic);
	check((cr0 & 1) && !(cr0 & 0x80000000u), "protected mode with paging off", cr0);
	check(!(eflags & 0x200) && !(eflags & 0x20000), "interrupts off, VM clear", eflags);
}

static void check_strings(const struct mb_info *mi)
{
	const char *cmd = (const char *)(uintptr_t)mi->cmdline;
	const char *self = MB_SELF;

	check((mi->flags & 0x24d) == 0x24d, "info flags: memory, cmdline, mods, mmap, loader name", mi->flags);
	check(str_eq((const char *)(uintptr_t)mi->boot_loader_name, "Basalt"), "boot loader name is Basalt", 0);
	while (*self && *cmd == *self)
		self++, cmd++;
	check(!*self && *cmd == ' ', "command line starts with the kernel's path", mi->cmdline);
	check(*cmd == ' ' && str_eq(cmd + 1, MB_ARGS), "command line ends with " MB_ARGS, mi->cmdline);
	puts_com1("mb: command line: ");
	puts_com1((const char *)(uintptr_t)mi->cmdline);
	putc_com1('\n');
}

/* The map is sorted and disjoint; RAM is 0..639 KiB and 1 MiB..MB_RAM, the BIOS area reserved. */
static void check_mmap(const struct mb_info *mi)
{
	uint64_t ram = 0, last_end = 0, upper_ram = 0;
	int sorted = 1, bios_reserved = 0, low_ram = 0;
	uint32_t at = mi->mmap_addr, end = mi->mmap_addr + mi->mmap_length;

	check(mi->mem_lower == 639, "mem_lower is 639 KiB", mi->mem_lower);
	check(mi->mem_upper == (MB_RAM - 0x100000u) / 1024, "mem_upper is RAM above 1 MiB", mi->mem_upper);
	while (at < end) {
		const struct mb_mmap *e = (const struct mb_mmap *)(uintptr_t)at;

		puts_com1("mb: mmap ");
		put_hex(e->base);
		puts_com1(" + ");
		put_hex(e->length);
		puts_com1(" type ");
		put_hex(e->type);
		putc_com1('\n');
		sorted &= e->base >= last_end && e->length > 0;
		last_end = e->base + e->length;
		if (e->type == 1)
			ram += e->length;
		low_ram |= e->type == 1 && e->base == 0 && e->length == 0x9fc00;
		bios_reserved |= e->type == 2 && e->base <= 0x9fc00 && e->base + e->length >= 0x100000;
		if (e->type == 1 && e->base == 0x100000)
			upper_ram = e->length;
		at += e->size + 4;
	}
	check(mi->mmap_length >= 3 * 24 && at == end, "memory map has at least 3 whole entries", mi->mmap_length);
	check(sorted, "memory map is sorted and disjoint", last_end);
	check(low_ram, "RAM at 0 up to 0x9fc00", 0);
	check(bios_reserved, "0x9fc00-0xfffff reserved", 0);
	check(upper_ram == MB_RAM - 0x100000u, "RAM from 1 MiB to the end of memory", upper_ram);
	check(ram == MB_RAM - (0x100000u - 0x9fc00u), "available RAM adds up", ram);
}

static void check_module(const struct mb_module *m, unsigned index, const char *string)
{
	const uint8_t *p = (const uint8_t *)(uintptr_t)m->start;
	uint32_t sum = 2166136261u, want = 2166136261u; /* FNV-1a of what is there and of what should be */
	int bytes_ok = m->end - m->start == MODULE_BYTES;

	for (uint32_t i = 0; bytes_ok && i < MODULE_BYTES; i++) {
		sum = (sum ^ p[i]) * 16777619u;
		want = (want ^ (uint8_t)(i * 7 + 3)) * 16777619u;
	}
	check(!(m->start & 0xfff), index ? "module 1 is page-aligned" : "module 0 is page-aligned", m->start);
	check(m->start >= (uintptr_t)_end || m->end <= (uintptr_t)__load_start,
	      index ? "module 1 is clear of the kernel" : "module 0 is clear of the kernel", m->start);
	check(bytes_ok, index ? "module 1 is 5000 bytes" : "module 0 is 5000 bytes", m->end - m->start);
	check(bytes_ok && sum == want, index ? "module 1 checksum" : "module 0 checksum", sum);
	check(str_eq((const char *)(uintptr_t)m->string, string),
	      index ? "module 1 string is its config entry" : "module 0 string is its config entry", m->string);
}

static void check_modules(const struct mb_info *mi)
{
	const struct mb_module *m = (const struct mb_module *)(uintptr_t)mi->mods_addr;

	check(mi->mods_count == 2, "two modules", mi->mods_count);
	if (mi->mods_count != 2)
		return;
	check_module(&m[0], 0, "multiboot/mod.bin first");
	check_module(&m[1], 1, "multiboot/mod.bin second=2");
	check(m[1].start >= m[0].end, "modules in config order, not overlapping", m[1].start);
}

void mb_main(uint32_t magic, uint32_t info_addr)
{
	const struct mb_info *mi = (const struct mb_info *)(uintptr_t)info_addr;

	puts_com1("mb: multiboot test kernel " MB_SELF "\n");
	check_machine(magic);
	check(info_addr && info_addr + sizeof(*mi) <= (uintptr_t)__load_start, "info structure below the kernel",
	      info_addr);
	if (magic == MB_BOOT_MAGIC && info_addr) {
		check_strings(mi);
		check_mmap(mi);
		check_modules(mi);
	}
	if (failures) {
		puts_com1("mb: FAIL ");
		put_hex(failures);
		puts_com1(" of ");
		put_hex(checks);
		puts_com1(" checks\n");
	} else {
		puts_com1("mb: PASS all ");
		put_hex(checks);
		puts_com1(" checks\n");
	}
	mb_long_mode(failures);
}
