/* SPDX-License-Identifier: MIT */
/* libFuzzer target: guest page tables are guest-controlled bytes; walking any of them in any mode
 * must neither crash nor return an address that breaks the translation's invariants. */
#include <stdint.h>
#include <string.h>

#include "arch/x86/cr.h"
#include "kernel/errno.h"
#include "kernel/guest_walk.h"

#define MEM_SIZE (64u * 1024)

struct fake_ram {
	const uint8_t *bytes;
	size_t size;
};

static int read_ram(void *ctx, uint64_t gpa, void *dst, size_t size)
{
	const struct fake_ram *m = ctx;

	if (gpa >= m->size || size > m->size - gpa)
		return -EFAULT;
	memcpy(dst, m->bytes + gpa, size);
	return 0;
}

static uint64_t take64(const uint8_t **p, size_t *n)
{
	uint64_t v = 0;
	size_t k = *n < 8 ? *n : 8;

	memcpy(&v, *p, k);
	*p += k;
	*n -= k;
	return v;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *p = data;
	size_t n = size;
	struct gwalk_regs r;
	struct fake_ram ram;
	uint64_t la, gpa = 0, fault_la = 0, wrap;
	uint32_t err = 0;
	unsigned access;
	uint8_t buf[15];
	int rc;

	r.cr0 = take64(&p, &n) | CR0_PE;
	r.cr4 = take64(&p, &n);
	r.efer = take64(&p, &n);
	r.cr3 = take64(&p, &n) % MEM_SIZE;
	la = take64(&p, &n);
	access = (unsigned)take64(&p, &n) & 7;
	r.cpl = access & GWALK_USER ? 3 : 0;
	r.maxphyaddr = (uint8_t)(32 + (la >> 59));
	ram = (struct fake_ram){ .bytes = p, .size = n > MEM_SIZE ? MEM_SIZE : n };
	rc = guest_walk(&r, read_ram, &ram, la, access, &gpa, &err);
	if (rc == 0 && (gpa & 0xfff) != (la & 0xfff))
		__builtin_trap(); /* a translation keeps the page offset */
	if (rc == -EFAULT && !(err & GWALK_PF_P) && (err & GWALK_PF_RSVD))
		__builtin_trap(); /* a reserved-bit fault is reported on a present entry */
	rc = guest_fetch(&r, read_ram, &ram, la, buf, sizeof(buf), &err, &fault_la);
	/* Outside long mode linear addresses are 32 bits and wrap. */
	wrap = (r.efer & EFER_LMA) && (r.cr0 & CR0_PG) ? ~0ull : 0xffffffffull;
	if (rc == -EFAULT && ((fault_la - la) & wrap) >= sizeof(buf))
		__builtin_trap(); /* the faulting byte lies inside the fetch */
	return 0;
}
