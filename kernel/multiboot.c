/* SPDX-License-Identifier: MIT */
/* Multiboot v1 image parser: header search, a.out-kludge or ELF32 load plan, every address checked. */
#include "kernel/multiboot.h"

#include <stdarg.h>
#include <string.h>

#include "kernel/console.h"
#include "kernel/errno.h"

#define ELF_MAGIC "\x7f" "ELF"
#define ELFCLASS32 1
#define ELFDATA2LSB 1
#define EV_CURRENT 1
#define ET_EXEC 2
#define EM_386 3
#define PT_LOAD 1

struct elf32_ehdr {
	uint8_t e_ident[16];  /* 0x00 */
	uint16_t e_type;      /* 0x10 */
	uint16_t e_machine;   /* 0x12 */
	uint32_t e_version;   /* 0x14 */
	uint32_t e_entry;     /* 0x18 */
	uint32_t e_phoff;     /* 0x1c */
	uint32_t e_shoff;     /* 0x20 */
	uint32_t e_flags;     /* 0x24 */
	uint16_t e_ehsize;    /* 0x28 */
	uint16_t e_phentsize; /* 0x2a */
	uint16_t e_phnum;     /* 0x2c */
	uint16_t e_shentsize; /* 0x2e */
	uint16_t e_shnum;     /* 0x30 */
	uint16_t e_shstrndx;  /* 0x32 */
} __attribute__((packed));
_Static_assert(sizeof(struct elf32_ehdr) == 52, "ELF32 header is 52 bytes");

struct elf32_phdr {
	uint32_t p_type;   /* 0x00 */
	uint32_t p_offset; /* 0x04 */
	uint32_t p_vaddr;  /* 0x08 */
	uint32_t p_paddr;  /* 0x0c */
	uint32_t p_filesz; /* 0x10 */
	uint32_t p_memsz;  /* 0x14 */
	uint32_t p_flags;  /* 0x18 */
	uint32_t p_align;  /* 0x1c */
} __attribute__((packed));
_Static_assert(sizeof(struct elf32_phdr) == 32, "ELF32 program header is 32 bytes");

static int fail(char *why, size_t why_len, int err, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int fail(char *why, size_t why_len, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fmt_vsnprintf(why, why_len, fmt, ap);
	va_end(ap);
	return err;
}

/* Image bytes are read by copy: the image may sit at any alignment. */
static uint32_t rd32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/* The first 4-byte aligned offset whose magic, flags and checksum agree, within the first 8 KiB. */
static int find_header(const uint8_t *img, size_t size, uint32_t *offset, char *why, size_t why_len)
{
	size_t limit = size < MB_SEARCH_BYTES ? size : MB_SEARCH_BYTES;
	bool magic_seen = false;

	for (size_t off = 0; off + 12 <= limit; off += 4) {
		if (rd32(img + off) != MB_HEADER_MAGIC)
			continue;
		magic_seen = true;
		if ((uint32_t)(MB_HEADER_MAGIC + rd32(img + off + 4) + rd32(img + off + 8)) == 0) {
			*offset = (uint32_t)off;
			return 0;
		}
	}
	if (magic_seen)
		return fail(why, why_len, -EINVAL, "the header magic is there but its checksum is wrong");
	return fail(why, why_len, -EINVAL, "no multiboot header (magic 0x%x) in the first %zu bytes",
		    MB_HEADER_MAGIC, limit);
}

/* Bits 0-15 are requirements: one Basalt does not know refuses the kernel, as the spec says. */
static int check_flags(struct mb_image *out, size_t limit, char *why, size_t why_len)
{
	uint32_t unknown = out->flags & MB_HF_REQUIRED_MASK & ~MB_HF_KNOWN;
	size_t need = out->flags & MB_HF_VIDEO_MODE ? 48 : out->flags & MB_HF_ADDRESSES ? 32 : 12;

	if (unknown)
		return fail(why, why_len, -ENOTSUP, "the header requires flags 0x%x that Basalt does not support",
			    unknown);
	if (out->header_offset + need > limit)
		return fail(why, why_len, -EINVAL, "the %zu-byte header at 0x%x does not end within the first %u bytes",
			    need, out->header_offset, MB_SEARCH_BYTES);
	out->aout_kludge = out->flags & MB_HF_ADDRESSES;
	out->video_ignored = out->flags & MB_HF_VIDEO_MODE;
	return 0;
}

/* The a.out kludge: the header says where its own bytes go, and from there where the rest goes. */
static int plan_aout(const struct mb_header *h, size_t size, struct mb_image *out, char *why, size_t why_len)
{
	uint64_t file_off, file_size, mem_size;

	if (h->header_addr < h->load_addr)
		return fail(why, why_len, -EINVAL, "header_addr 0x%x is below load_addr 0x%x", h->header_addr,
			    h->load_addr);
	if (h->header_addr - h->load_addr > out->header_offset)
		return fail(why, why_len, -EINVAL,
			    "load_addr 0x%x would start 0x%x bytes before the file (header at offset 0x%x)",
			    h->load_addr, h->header_addr - h->load_addr, out->header_offset);
	file_off = out->header_offset - (h->header_addr - h->load_addr);
	file_size = size - file_off;
	if (h->load_end_addr) {
		if (h->load_end_addr <= h->load_addr)
			return fail(why, why_len, -EINVAL, "load_end_addr 0x%x is not above load_addr 0x%x",
				    h->load_end_addr, h->load_addr);
		if ((uint64_t)h->load_end_addr - h->load_addr > file_size)
			return fail(why, why_len, -EINVAL,
				    "load_end_addr 0x%x asks for 0x%x bytes but the file has 0x%llx from offset 0x%llx",
				    h->load_end_addr, h->load_end_addr - h->load_addr, (unsigned long long)file_size,
				    (unsigned long long)file_off);
		file_size = h->load_end_addr - h->load_addr;
	}
	if (file_size == 0 || file_size > MB_ADDR_LIMIT - h->load_addr)
		return fail(why, why_len, -EINVAL, "0x%llx bytes at load_addr 0x%x do not fit below 4 GiB",
			    (unsigned long long)file_size, h->load_addr);
	if ((uint64_t)h->header_addr >= h->load_addr + file_size)
		return fail(why, why_len, -EINVAL, "header_addr 0x%x is outside the loaded bytes", h->header_addr);
	mem_size = file_size;
	if (h->bss_end_addr) {
		if ((uint64_t)h->bss_end_addr < h->load_addr + file_size)
			return fail(why, why_len, -EINVAL, "bss_end_addr 0x%x is below the end of the loaded bytes 0x%llx",
				    h->bss_end_addr, (unsigned long long)(h->load_addr + file_size));
		mem_size = h->bss_end_addr - h->load_addr;
	}
	out->seg[0] = (struct mb_segment){ h->load_addr, (uint32_t)file_off, (uint32_t)file_size, (uint32_t)mem_size };
	out->nr_segments = 1;
	out->entry = h->entry_addr;
	return 0;
}

static int check_ehdr(const struct elf32_ehdr *e, size_t size, char *why, size_t why_len)
{
	if (memcmp(e->e_ident, ELF_MAGIC, 4))
		return fail(why, why_len, -EINVAL, "neither the address flag (bit 16) nor an ELF header");
	if (e->e_ident[4] != ELFCLASS32 || e->e_ident[5] != ELFDATA2LSB || e->e_ident[6] != EV_CURRENT)
		return fail(why, why_len, -EINVAL, "not a little-endian ELF32 file (class %u, data %u, version %u)",
			    e->e_ident[4], e->e_ident[5], e->e_ident[6]);
	if (e->e_type != ET_EXEC || e->e_machine != EM_386)
		return fail(why, why_len, -EINVAL, "ELF type %u machine %u is not an i386 executable (2, 3)",
			    e->e_type, e->e_machine);
	if (e->e_phentsize != sizeof(struct elf32_phdr) || e->e_phnum == 0 || e->e_phnum > MB_MAX_PHDRS)
		return fail(why, why_len, -EINVAL, "%u program headers of %u bytes (want 1..%u of 32)", e->e_phnum,
			    e->e_phentsize, MB_MAX_PHDRS);
	if (e->e_phoff > size || (uint64_t)e->e_phnum * sizeof(struct elf32_phdr) > size - e->e_phoff)
		return fail(why, why_len, -EINVAL, "program headers at 0x%x run past the end of the file",
			    e->e_phoff);
	return 0;
}

static int add_elf_segment(const struct elf32_phdr *ph, size_t size, unsigned i, struct mb_image *out,
			   uint32_t *vaddr, char *why, size_t why_len)
{
	if (ph->p_filesz > ph->p_memsz)
		return fail(why, why_len, -EINVAL, "program header %u: file size 0x%x exceeds memory size 0x%x", i,
			    ph->p_filesz, ph->p_memsz);
	if (ph->p_offset > size || ph->p_filesz > size - ph->p_offset)
		return fail(why, why_len, -EINVAL, "program header %u: bytes at offset 0x%x + 0x%x run past the file",
			    i, ph->p_offset, ph->p_filesz);
	if ((uint64_t)ph->p_paddr + ph->p_memsz > MB_ADDR_LIMIT || (uint64_t)ph->p_vaddr + ph->p_memsz > MB_ADDR_LIMIT)
		return fail(why, why_len, -EINVAL, "program header %u: 0x%x bytes at 0x%x wrap past 4 GiB", i,
			    ph->p_memsz, ph->p_paddr);
	if (out->nr_segments == MB_MAX_SEGMENTS)
		return fail(why, why_len, -E2BIG, "more than %u loadable program headers", MB_MAX_SEGMENTS);
	vaddr[out->nr_segments] = ph->p_vaddr;
	out->seg[out->nr_segments++] = (struct mb_segment){ ph->p_paddr, ph->p_offset, ph->p_filesz, ph->p_memsz };
	return 0;
}

/* ELF entry points are virtual: translate through the segment that holds it, as GRUB does. */
static int elf_entry(const struct elf32_ehdr *e, const uint32_t *vaddr, struct mb_image *out, char *why,
		     size_t why_len)
{
	for (unsigned i = 0; i < out->nr_segments; i++)
		if (e->e_entry >= vaddr[i] && e->e_entry - vaddr[i] < out->seg[i].mem_size) {
			out->entry = out->seg[i].gpa + (e->e_entry - vaddr[i]);
			return 0;
		}
	return fail(why, why_len, -EINVAL, "ELF entry 0x%x is in no loadable segment", e->e_entry);
}

static int plan_elf(const uint8_t *img, size_t size, struct mb_image *out, char *why, size_t why_len)
{
	struct elf32_ehdr e;
	uint32_t vaddr[MB_MAX_SEGMENTS];
	int rc;

	if (size < sizeof(e))
		return fail(why, why_len, -EINVAL, "neither the address flag (bit 16) nor an ELF header");
	memcpy(&e, img, sizeof(e));
	rc = check_ehdr(&e, size, why, why_len);
	for (unsigned i = 0; !rc && i < e.e_phnum; i++) {
		struct elf32_phdr ph;

		memcpy(&ph, img + e.e_phoff + (size_t)i * sizeof(ph), sizeof(ph));
		if (ph.p_type == PT_LOAD && ph.p_memsz)
			rc = add_elf_segment(&ph, size, i, out, vaddr, why, why_len);
	}
	if (rc)
		return rc;
	if (out->nr_segments == 0)
		return fail(why, why_len, -EINVAL, "the ELF file has no loadable segment");
	return elf_entry(&e, vaddr, out, why, why_len);
}

static bool overlaps(uint64_t a, uint64_t a_end, uint64_t b, uint64_t b_end)
{
	return a < b_end && b < a_end;
}

/* Where each segment goes must be the VM's RAM and nobody else's. */
static int check_segment(const struct mb_image *k, unsigned i, uint64_t limit, char *why, size_t why_len)
{
	const struct mb_segment *s = &k->seg[i];
	uint64_t end = (uint64_t)s->gpa + s->mem_size;

	if (s->gpa < MB_LOW_END)
		return fail(why, why_len, -EINVAL, "segment at 0x%x is below 0x%x (Basalt's boot tables and the info structure)",
			    s->gpa, MB_LOW_END);
	if (end > limit)
		return fail(why, why_len, -E2BIG, "segment [0x%x, 0x%llx) ends beyond guest RAM (0x%llx)", s->gpa,
			    (unsigned long long)end, (unsigned long long)limit);
	if (overlaps(s->gpa, end, E820_LEGACY_START, E820_LEGACY_END))
		return fail(why, why_len, -EINVAL, "segment [0x%x, 0x%llx) overlaps the reserved BIOS area [0x%llx, 0x%llx)",
			    s->gpa, (unsigned long long)end, E820_LEGACY_START, E820_LEGACY_END);
	for (unsigned j = 0; j < i; j++)
		if (overlaps(s->gpa, end, k->seg[j].gpa, (uint64_t)k->seg[j].gpa + k->seg[j].mem_size))
			return fail(why, why_len, -EINVAL, "segments at 0x%x and 0x%x overlap", k->seg[j].gpa, s->gpa);
	return 0;
}

static int check_placement(struct mb_image *k, uint64_t ram_bytes, char *why, size_t why_len)
{
	uint64_t limit = ram_bytes < MB_ADDR_LIMIT ? ram_bytes : MB_ADDR_LIMIT;
	bool entry_ok = false;

	k->end = 0;
	for (unsigned i = 0; i < k->nr_segments; i++) {
		const struct mb_segment *s = &k->seg[i];
		int rc = check_segment(k, i, limit, why, why_len);

		if (rc)
			return rc;
		if ((uint64_t)s->gpa + s->mem_size > k->end)
			k->end = (uint64_t)s->gpa + s->mem_size;
		if (k->entry >= s->gpa && k->entry - s->gpa < s->mem_size)
			entry_ok = true;
	}
	if (!entry_ok)
		return fail(why, why_len, -EINVAL, "entry 0x%x is outside the loaded image", k->entry);
	return 0;
}

int mb_parse(const void *image, size_t size, uint64_t ram_bytes, struct mb_image *out, char *why, size_t why_len)
{
	const uint8_t *img = image;
	size_t limit = size < MB_SEARCH_BYTES ? size : MB_SEARCH_BYTES;
	struct mb_header h = { 0 };
	int rc;

	memset(out, 0, sizeof(*out));
	if (size > UINT32_MAX)
		return fail(why, why_len, -E2BIG, "the image is larger than 4 GiB");
	rc = find_header(img, size, &out->header_offset, why, why_len);
	if (rc)
		return rc;
	out->flags = rd32(img + out->header_offset + 4);
	rc = check_flags(out, limit, why, why_len);
	if (rc)
		return rc;
	memcpy(&h, img + out->header_offset, out->aout_kludge ? 32 : 12);
	rc = out->aout_kludge ? plan_aout(&h, size, out, why, why_len) : plan_elf(img, size, out, why, why_len);
	if (rc)
		return rc;
	return check_placement(out, ram_bytes, why, why_len);
}
