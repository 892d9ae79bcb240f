/* SPDX-License-Identifier: MIT */
/* Unit tests for the guest page walker: every paging mode, large pages, permissions, exact #PF codes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "arch/x86/cr.h"
#include "arch/x86/pte.h"
#include "kernel/errno.h"
#include "kernel/guest_walk.h"

#define RAM_SIZE (1u << 20) /* 1 MiB of fake guest RAM at gpa 0 */
static uint8_t ram[RAM_SIZE];

static int ram_read(void *ctx, uint64_t gpa, void *dst, size_t size)
{
	(void)ctx;
	if (gpa >= RAM_SIZE || size > RAM_SIZE - gpa)
		return -EFAULT;
	memcpy(dst, ram + gpa, size);
	return 0;
}

static void put64(uint64_t gpa, uint64_t v) { memcpy(ram + gpa, &v, 8); }
static void put32(uint64_t gpa, uint32_t v) { memcpy(ram + gpa, &v, 4); }

#define P PTE_P
#define RW PTE_RW
#define US PTE_US
#define ALL (P | RW | US)
#define CR4_PSE (1ull << 4)
#define CR4_SMEP (1ull << 20)
#define CR4_SMAP (1ull << 21)

/* Long-mode tables: PML4 0x1000, PDPT 0x2000, PD 0x3000, PT 0x4000; la 0x401000 -> 0x9000. */
static struct gwalk_regs lm = { .cr0 = CR0_PG | CR0_PE | CR0_WP, .cr3 = 0x1000, .cr4 = CR4_PAE,
				.efer = EFER_LMA | EFER_LME | EFER_NXE };
#define LA 0x401000ull

static void build_lm(uint64_t leaf_flags)
{
	memset(ram, 0, RAM_SIZE);
	put64(0x1000, 0x2000 | ALL);
	put64(0x2000, 0x3000 | ALL);
	put64(0x3000 + 2 * 8, 0x4000 | ALL);
	put64(0x4000 + 1 * 8, 0x9000 | leaf_flags);
}

static int walk(const struct gwalk_regs *r, uint64_t la, unsigned acc, uint64_t *gpa, uint32_t *err)
{
	return guest_walk(r, ram_read, NULL, la, acc, gpa, err);
}

static void expect_pf(const struct gwalk_regs *r, uint64_t la, unsigned acc, uint32_t code)
{
	uint64_t gpa;
	uint32_t err = 0xdead;

	assert_int_equal(walk(r, la, acc, &gpa, &err), -EFAULT);
	assert_int_equal(err, code);
}

static void expect_gpa(const struct gwalk_regs *r, uint64_t la, unsigned acc, uint64_t want)
{
	uint64_t gpa = 0;
	uint32_t err;

	assert_int_equal(walk(r, la, acc, &gpa, &err), 0);
	assert_int_equal(gpa, want);
}

static void test_paging_off(void **s)
{
	struct gwalk_regs r = { .cr0 = CR0_PE };
	(void)s;
	expect_gpa(&r, 0x12345678, GWALK_WRITE, 0x12345678);
}

static void test_lm_4k(void **s)
{
	(void)s;
	build_lm(ALL);
	expect_gpa(&lm, LA + 0x123, 0, 0x9123);
	expect_gpa(&lm, LA + 0x123, GWALK_WRITE | GWALK_USER, 0x9123);
	expect_gpa(&lm, LA, GWALK_FETCH, 0x9000);
}

static void test_lm_not_present_each_level(void **s)
{
	(void)s;
	static const uint64_t entry[4] = { 0x1000, 0x2000, 0x3000 + 16, 0x4000 + 8 };
	for (int lvl = 0; lvl < 4; lvl++) {
		build_lm(ALL);
		put64(entry[lvl], 0);
		expect_pf(&lm, LA, 0, 0);
		expect_pf(&lm, LA, GWALK_WRITE, GWALK_PF_W);
		expect_pf(&lm, LA, GWALK_USER | GWALK_FETCH, GWALK_PF_U | GWALK_PF_ID);
	}
}

static void test_lm_large_pages(void **s)
{
	(void)s;
	build_lm(ALL);
	put64(0x3000 + 2 * 8, 0x200000 | ALL | PTE_PS); /* 2 MiB page at 2 MiB: frame 0x200000 */
	expect_gpa(&lm, LA + 0x55, 0, 0x200000 + 0x1055);
	put64(0x3000 + 2 * 8, 0x200000 | ALL | PTE_PS | (1ull << 13)); /* bit 13 reserved in a 2 MiB PDE */
	expect_pf(&lm, LA, 0, GWALK_PF_P | GWALK_PF_RSVD);
	put64(0x2000, 0x40000000 | ALL | PTE_PS); /* 1 GiB page */
	expect_gpa(&lm, LA, 0, 0x40000000 + LA);
	put64(0x2000, 0x40000000 | ALL | PTE_PS | (1ull << 20));
	expect_pf(&lm, LA, GWALK_WRITE, GWALK_PF_P | GWALK_PF_RSVD | GWALK_PF_W);
	put64(0x1000, 0x2000 | ALL | PTE_PS); /* PS in a PML4E is reserved */
	expect_pf(&lm, LA, 0, GWALK_PF_P | GWALK_PF_RSVD);
}

static void test_lm_nx(void **s)
{
	struct gwalk_regs r = lm;
	(void)s;
	build_lm(ALL | PTE_NX);
	expect_gpa(&lm, LA, 0, 0x9000);
	expect_pf(&lm, LA, GWALK_FETCH, GWALK_PF_P | GWALK_PF_ID);
	r.efer &= ~EFER_NXE; /* bit 63 becomes reserved */
	expect_pf(&r, LA, 0, GWALK_PF_P | GWALK_PF_RSVD);
	build_lm(ALL);
	put64(0x2000, 0x3000 | ALL | PTE_NX); /* NX at an upper level covers the leaf */
	expect_pf(&lm, LA, GWALK_FETCH | GWALK_USER, GWALK_PF_P | GWALK_PF_ID | GWALK_PF_U);
}

static void test_lm_user_and_write(void **s)
{
	struct gwalk_regs r = lm;
	(void)s;
	build_lm(P | RW);
	expect_pf(&lm, LA, GWALK_USER, GWALK_PF_P | GWALK_PF_U);
	expect_gpa(&lm, LA, GWALK_WRITE, 0x9000);
	build_lm(P | US);
	expect_pf(&lm, LA, GWALK_USER | GWALK_WRITE, GWALK_PF_P | GWALK_PF_U | GWALK_PF_W);
	expect_pf(&lm, LA, GWALK_WRITE, GWALK_PF_P | GWALK_PF_W); /* CR0.WP=1 */
	r.cr0 &= ~CR0_WP;
	expect_gpa(&r, LA, GWALK_WRITE, 0x9000);
	expect_pf(&r, LA, GWALK_USER | GWALK_WRITE, GWALK_PF_P | GWALK_PF_U | GWALK_PF_W);
	build_lm(ALL);
	put64(0x2000, 0x3000 | P | RW); /* U/S clear at the PDPTE denies user access */
	expect_pf(&lm, LA, GWALK_USER, GWALK_PF_P | GWALK_PF_U);
}

static void test_lm_smep_smap(void **s)
{
	struct gwalk_regs r = lm;
	(void)s;
	build_lm(ALL);
	r.cr4 |= CR4_SMEP;
	expect_pf(&r, LA, GWALK_FETCH, GWALK_PF_P | GWALK_PF_ID);
	expect_gpa(&r, LA, 0, 0x9000);
	r.cr4 = lm.cr4 | CR4_SMAP;
	expect_pf(&r, LA, 0, GWALK_PF_P);
	expect_pf(&r, LA, GWALK_WRITE, GWALK_PF_P | GWALK_PF_W);
	expect_gpa(&r, LA, GWALK_FETCH, 0x9000);
	expect_gpa(&r, LA, GWALK_USER, 0x9000);
}

static void test_lm_reserved_phys_bits(void **s)
{
	struct gwalk_regs r = lm;
	(void)s;
	r.maxphyaddr = 36;
	build_lm(ALL);
	expect_gpa(&r, LA, 0, 0x9000);
	put64(0x4000 + 8, 0x9000 | ALL | (1ull << 40));
	expect_pf(&r, LA, 0, GWALK_PF_P | GWALK_PF_RSVD);
	expect_gpa(&lm, LA, 0, 0x10000009000ull); /* maxphyaddr 52: a legal address */
}

static void test_lm_noncanonical_and_eio(void **s)
{
	uint64_t gpa;
	uint32_t err;
	(void)s;
	build_lm(ALL);
	assert_int_equal(walk(&lm, 0x0000800000000000ull, 0, &gpa, &err), -EINVAL);
	expect_pf(&lm, 0xffff800000000000ull | LA, 0, 0); /* PML4 slot 256: not present */
}

static void test_tables_outside_ram(void **s)
{
	uint64_t gpa;
	uint32_t err;
	(void)s;
	build_lm(ALL);
	put64(0x3000 + 16, 0x40000000ull | ALL); /* PT beyond the 1 MiB of RAM */
	assert_int_equal(walk(&lm, LA, 0, &gpa, &err), -EIO);
	struct gwalk_regs r = lm;
	r.cr3 = 0x80000000;
	assert_int_equal(walk(&r, LA, 0, &gpa, &err), -EIO);
}

/* PAE: PDPT at 0x5000 (32-byte aligned, CR3 low bits ignored), PD 0x6000, PT 0x7000. */
static void test_pae(void **s)
{
	struct gwalk_regs r = { .cr0 = CR0_PG | CR0_PE, .cr3 = 0x5000 | 0x18, .cr4 = CR4_PAE, .efer = EFER_NXE };
	(void)s;
	memset(ram, 0, RAM_SIZE);
	put64(0x5000 + 1 * 8, 0x6000 | P); /* la 0x40000000.. */
	put64(0x6000 + 3 * 8, 0x7000 | ALL);
	put64(0x7000 + 5 * 8, 0xa000 | ALL | PTE_NX);
	expect_gpa(&r, 0x40605abc, GWALK_WRITE | GWALK_USER, 0xaabc);
	expect_pf(&r, 0x40605000, GWALK_FETCH, GWALK_PF_P | GWALK_PF_ID);
	expect_pf(&r, 0x00605000, 0, 0); /* PDPTE 0 not present */
	put64(0x6000 + 3 * 8, 0x200000 | ALL | PTE_PS);
	expect_gpa(&r, 0x40612345, 0, 0x212345);
	put64(0x5000 + 1 * 8, 0x6000 | P | RW); /* RW is reserved in a PAE PDPTE */
	expect_pf(&r, 0x40612345, 0, GWALK_PF_P | GWALK_PF_RSVD);
	r.efer = 0;
	put64(0x5000 + 1 * 8, 0x6000 | P);
	put64(0x6000 + 3 * 8, 0x7000 | ALL);
	expect_pf(&r, 0x40605000, GWALK_FETCH, GWALK_PF_P | GWALK_PF_RSVD); /* NX bit reserved, no I/D */
}

/* 32-bit: PD 0x8000, PT 0xb000. */
static void test_32bit(void **s)
{
	struct gwalk_regs r = { .cr0 = CR0_PG | CR0_PE | CR0_WP, .cr3 = 0x8000 };
	(void)s;
	memset(ram, 0, RAM_SIZE);
	put32(0x8000 + 1 * 4, 0xb000 | ALL);
	put32(0xb000 + 2 * 4, 0xc000 | P | US);
	expect_gpa(&r, 0x402abc, GWALK_USER, 0xcabc);
	expect_pf(&r, 0x402abc, GWALK_WRITE, GWALK_PF_P | GWALK_PF_W);
	expect_pf(&r, 0x403000, GWALK_FETCH, 0); /* PTE not present; no I/D without PAE+NXE or SMEP */
	put32(0x8000 + 2 * 4, 0x00c00000 | ALL | PTE_PS | (0x3u << 13)); /* 4 MiB, PSE-36 bits 33:32 */
	{ /* without CR4.PSE the PS bit is ignored: the entry points at a PT at 0xc06000, outside RAM */
		uint64_t gpa;
		uint32_t err;
		assert_int_equal(walk(&r, 0x812345, 0, &gpa, &err), -EIO);
	}
	r.cr4 = CR4_PSE;
	expect_gpa(&r, 0x812345, 0, 0x300c12345ull);
	put32(0x8000 + 2 * 4, 0x00c00000 | ALL | PTE_PS | (1u << 21));
	expect_pf(&r, 0x812345, 0, GWALK_PF_P | GWALK_PF_RSVD);
}

static void test_fetch_crosses_page(void **s)
{
	uint8_t buf[15];
	uint32_t err;
	uint64_t fla;
	(void)s;
	build_lm(ALL);
	put64(0x4000 + 2 * 8, 0xd000 | ALL); /* next page: la 0x402000 -> 0xd000 (not contiguous) */
	memcpy(ram + 0x9ffd, "\x0f\x01\xd9", 3);
	memcpy(ram + 0xd000, "ABCDEFGHIJKL", 12);
	assert_int_equal(guest_fetch(&lm, ram_read, NULL, LA + 0xffd, buf, 15, &err, &fla), 0);
	assert_memory_equal(buf, "\x0f\x01\xd9" "ABCDEFGHIJKL", 15);
	put64(0x4000 + 2 * 8, 0);
	assert_int_equal(guest_fetch(&lm, ram_read, NULL, LA + 0xffd, buf, 15, &err, &fla), -EFAULT);
	assert_int_equal(fla, LA + 0x1000);
	assert_int_equal(err, GWALK_PF_ID);
	struct gwalk_regs u = lm;
	u.cpl = 3;
	put64(0x4000 + 2 * 8, 0xd000 | P | RW);
	assert_int_equal(guest_fetch(&u, ram_read, NULL, LA + 0xffd, buf, 15, &err, &fla), -EFAULT);
	assert_int_equal(err, GWALK_PF_P | GWALK_PF_U | GWALK_PF_ID);
	assert_int_equal(guest_fetch(&lm, ram_read, NULL, LA, buf, 16, &err, &fla), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_paging_off),
		cmocka_unit_test(test_lm_4k),
		cmocka_unit_test(test_lm_not_present_each_level),
		cmocka_unit_test(test_lm_large_pages),
		cmocka_unit_test(test_lm_nx),
		cmocka_unit_test(test_lm_user_and_write),
		cmocka_unit_test(test_lm_smep_smap),
		cmocka_unit_test(test_lm_reserved_phys_bits),
		cmocka_unit_test(test_lm_noncanonical_and_eio),
		cmocka_unit_test(test_tables_outside_ram),
		cmocka_unit_test(test_pae),
		cmocka_unit_test(test_32bit),
		cmocka_unit_test(test_fetch_crosses_page),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
