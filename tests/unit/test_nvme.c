/* SPDX-License-Identifier: MIT */
/* Unit tests for drivers/host/nvme*.c against a fake controller (tests/unit/nvme_fake.h) driven by the fake clock. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "drivers/host/nvme.h"
#include "kernel/console.h"
#include "kernel/errno.h"
#include "tests/unit/nvme_fake.h"

#define LBAS_512 (8u << 11)   /* 8 MiB disk */
#define DISK_BYTES (8u << 20)

/* ---- doubles: the clock steps the fake controller; kprintf keeps the last line --------------- */

static struct fake_nvme *fake;
static uint64_t now;
static char last_log[256];
static unsigned log_lines;

uint64_t clock_ns(void)
{
	now += 1000 * 1000; /* 1 ms per look: a 5 s timeout is 5000 looks */
	if (fake)
		fake_step(fake);
	return now;
}

void kprintf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(last_log, sizeof(last_log), fmt, ap);
	va_end(ap);
	log_lines++;
}

static void *allocs[64];   /* what the driver took, freed by teardown (the driver never frees it) */
static unsigned nallocs;

void *pages_alloc(size_t count, uint64_t align)
{
	void *p = aligned_alloc(align, count * 4096);

	assert_true(nallocs < 64);
	if (p)
		memset(p, 0, count * 4096);
	allocs[nallocs++] = p;
	return p;
}

void pages_free(void *p, size_t count)
{
	(void)p;
	(void)count;
	fail_msg("the driver frees nothing");
}

/* ---- fixture ------------------------------------------------------------------------------ */

static struct fake_nvme *fk;
static uint8_t *ram;
static struct nvme_ctrl *ctrl;
static uint8_t *buf;

static int setup_shift(unsigned shift)
{
	fk = aligned_alloc(4096, sizeof(*fk));
	ram = calloc(1, DISK_BYTES);
	ctrl = calloc(1, sizeof(*ctrl));
	buf = malloc(1 << 20);
	assert_non_null(fk);
	fake_init(fk, ram, DISK_BYTES >> shift, shift);
	fake = fk;
	log_lines = 0;
	last_log[0] = 0;
	return 0;
}

static int setup(void **state)
{
	(void)state;
	return setup_shift(9);
}

static int setup_4k(void **state)
{
	(void)state;
	return setup_shift(12);
}

static int teardown(void **state)
{
	(void)state;
	fake = NULL;
	free(fk);
	free(ram);
	free(ctrl);
	while (nallocs)
		free(allocs[--nallocs]);
	free(buf);
	return 0;
}

static struct blkdev *up(void)
{
	assert_int_equal(nvme_ctrl_init(ctrl, fk->regs, 0), 0);
	assert_int_equal(ctrl->ns_count, 1);
	return &ctrl->ns[0].bd;
}

static void fill(uint8_t *p, size_t n, unsigned seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(i * 7 + seed + (i >> 9));
}

/* ---- bring-up and identify ------------------------------------------------------------------ */

static void test_bring_up_and_identify(void **state)
{
	(void)state;
	struct blkdev *bd = up();
	uint32_t cc = fr32(fk, NVME_REG_CC);

	assert_true(cc & NVME_CC_EN);
	assert_int_equal((cc >> 16) & 0xf, 6);
	assert_int_equal((cc >> 20) & 0xf, 4);
	assert_int_equal((cc >> 7) & 0xf, 0);
	assert_int_equal(fr32(fk, NVME_REG_AQA), (31u << 16) | 31u);
	assert_string_equal(ctrl->serial, "FAKE-SN-0001");
	assert_string_equal(ctrl->model, "Fake NVMe Ctrl");
	assert_true(ctrl->vwc);
	assert_false(fk->cq_ien); /* polled: the I/O CQ has interrupts off */
	assert_true(fk->q[1].live);
	assert_string_equal(bd->name, "nvme0n1");
	assert_memory_equal(bd->id, "FAKE-SN-0001\0\0\0\0\0\0\0\0", BLKDEV_ID_BYTES);
	assert_int_equal(bd->sectors, DISK_BYTES / 512);
	assert_true(bd->persistent);
	assert_true(bd->volatile_cache);
	assert_false(bd->read_only);
	assert_int_equal(bd->max_io_sectors, NVME_BOUNCE_BYTES / 512);
	assert_non_null(bd->ops->discard);
	assert_non_null(bd->ops->write_zeroes);
}

static void test_oncs_and_vwc_off(void **state)
{
	(void)state;
	fk->oncs = 0;
	fk->vwc = 0;
	fk->mdts = 2; /* 16 KiB per command */
	struct blkdev *bd = up();

	assert_null(bd->ops->discard);
	assert_null(bd->ops->write_zeroes);
	assert_false(bd->volatile_cache);
	assert_int_equal(ctrl->max_xfer, 16384);
	assert_int_equal(bd->max_io_sectors, 32);
	/* a 64 KiB read is split into four commands */
	unsigned before = fk->io_cmds;
	assert_int_equal(bd->ops->read(bd, 0, buf, 128), 0);
	assert_int_equal(fk->io_cmds - before, 4);
}

static void test_resets_an_enabled_controller(void **state)
{
	(void)state;
	fw32(fk, NVME_REG_CC, NVME_CC_EN);
	fake_step(fk); /* the firmware left it running */
	assert_true(fk->enabled);
	up();
	assert_int_equal(fk->resets, 1);
	assert_true(fk->enabled);
}

static void test_enable_timeout(void **state)
{
	(void)state;
	fk->stuck_disabled = true;
	uint64_t t0 = now;
	assert_int_equal(nvme_ctrl_init(ctrl, fk->regs, 3), -EIO);
	assert_true(now - t0 >= 1000ull * 1000 * 1000); /* CAP.TO = 2: one second */
	assert_non_null(strstr(last_log, "nvme3"));
	assert_non_null(strstr(last_log, "RDY"));
}

static void test_unusable_cap(void **state)
{
	(void)state;
	uint64_t cap = fr64(fk, NVME_REG_CAP) | (uint64_t)1 << 48; /* MPSMIN 8 KiB */
	memcpy(fk->regs + NVME_REG_CAP, &cap, 8);
	assert_int_equal(nvme_ctrl_init(ctrl, fk->regs, 0), -ENODEV);
}

static void test_doorbell_stride(void **state)
{
	(void)state;
	fake_set_dstrd(fk, 2); /* 16-byte doorbells */
	struct blkdev *bd = up();

	assert_int_equal(ctrl->io.sq_db, 0x1000 + 2 * 16);
	assert_int_equal(ctrl->io.cq_db, 0x1000 + 3 * 16);
	assert_int_equal(bd->ops->read(bd, 0, buf, 1), 0);
	assert_int_equal(nvme_doorbell_offset(1, true, 0), 0x100c);
}

/* ---- I/O -------------------------------------------------------------------------------- */

static void test_read_write_round_trip(void **state)
{
	(void)state;
	struct blkdev *bd = up();
	uint8_t *src = malloc(300 * 512 + 1);

	fill(src, 300 * 512 + 1, 3);
	assert_int_equal(bd->ops->write(bd, 1001, src + 1, 300), 0);    /* unaligned caller buffer */
	assert_memory_equal(ram + 1001 * 512, src + 1, 300 * 512);
	assert_int_equal(fk->last.opcode, NVME_CMD_WRITE);
	memset(buf, 0, 300 * 512 + 1);
	assert_int_equal(bd->ops->read(bd, 1001, buf + 1, 300), 0);
	assert_memory_equal(buf + 1, src + 1, 300 * 512);
	assert_int_equal(fk->last.opcode, NVME_CMD_READ);
	assert_int_equal(fk->last.nsid, 1);
	free(src);
}

static void test_prp_shapes(void **state)
{
	(void)state;
	struct blkdev *bd = up();

	assert_int_equal(bd->ops->read(bd, 0, buf, 8), 0);
	assert_int_equal(fk->last_pages, 1);
	assert_int_equal(fk->last.prp2, 0);
	assert_int_equal(bd->ops->read(bd, 0, buf, 16), 0);
	assert_int_equal(fk->last_pages, 2);
	assert_int_equal(fk->last.prp2, fk->last.prp1 + 4096);
	fill(ram, 256 * 512, 9);
	assert_int_equal(bd->ops->read(bd, 0, buf, 256), 0);   /* 128 KiB: 32 pages, a PRP list */
	assert_true(fk->last_used_list);
	assert_int_equal(fk->last_pages, 32);
	assert_int_equal(fk->last.prp2, (uint64_t)(uintptr_t)ctrl->prp_list);
	assert_memory_equal(buf, ram, 256 * 512);
	assert_int_equal(ctrl->prp_list[30], fk->last.prp1 + 31 * 4096);
}

static void test_prp_build_pure(void **state)
{
	uint64_t list[512], p1, p2;

	(void)state;
	assert_int_equal(nvme_prp_build(0x10000, 4096 * 3, list, 0x9000, &p1, &p2), 0);
	assert_int_equal(p1, 0x10000);
	assert_int_equal(p2, 0x9000);
	assert_int_equal(list[0], 0x11000);
	assert_int_equal(list[1], 0x12000);
	assert_int_equal(nvme_prp_build(0x10000, 100, list, 0x9000, &p1, &p2), 0);
	assert_int_equal(p2, 0);
	assert_int_equal(nvme_prp_build(0x10200, 4096, list, 0x9000, &p1, &p2), -1);
	assert_int_equal(nvme_prp_build(0x10000, 0, list, 0x9000, &p1, &p2), -1);
	assert_int_equal(nvme_prp_build(0x10000, 514 * 4096, list, 0x9000, &p1, &p2), -1);
}

static void test_large_transfer_is_chunked(void **state)
{
	(void)state;
	struct blkdev *bd = up();
	unsigned before = fk->io_cmds;

	fill(buf, 1 << 20, 5);
	assert_int_equal(bd->ops->write(bd, 2048, buf, 2048), 0);   /* 1 MiB: eight 128 KiB commands */
	assert_int_equal(fk->io_cmds - before, 8);
	assert_memory_equal(ram + 2048 * 512, buf, 1 << 20);
}

static void test_range_checks(void **state)
{
	(void)state;
	struct blkdev *bd = up();

	assert_int_equal(bd->ops->read(bd, bd->sectors - 1, buf, 2), -EINVAL);
	assert_int_equal(bd->ops->write(bd, bd->sectors, buf, 1), -EINVAL);
	assert_int_equal(bd->ops->read(bd, bd->sectors - 1, buf, 1), 0);
	assert_int_equal(bd->ops->discard(bd, UINT64_MAX, 2), -EINVAL);
	bd->read_only = true;
	assert_int_equal(bd->ops->write(bd, 0, buf, 1), -30);
	assert_int_equal(bd->ops->write_zeroes(bd, 0, 1), -30);
}

static void test_flush_dsm_write_zeroes(void **state)
{
	(void)state;
	struct blkdev *bd = up();

	assert_int_equal(bd->ops->flush(bd), 0);
	assert_int_equal(fk->flushes, 1);
	assert_int_equal(fk->last.opcode, NVME_CMD_FLUSH);
	memset(ram, 0x11, 64 * 512);
	assert_int_equal(bd->ops->discard(bd, 8, 16), 0);
	assert_int_equal(fk->last.opcode, NVME_CMD_DSM);
	assert_int_equal(fk->last.cdw11, NVME_DSM_AD);
	assert_int_equal(ram[8 * 512], 0xdd);
	assert_int_equal(ram[24 * 512 - 1], 0xdd);
	assert_int_equal(ram[24 * 512], 0x11);
	assert_int_equal(ram[8 * 512 - 1], 0x11);
	assert_int_equal(bd->ops->write_zeroes(bd, 30, 4), 0);
	assert_int_equal(fk->last.opcode, NVME_CMD_WRITE_ZEROES);
	assert_int_equal(fk->last.cdw12 & 0xffff, 3);
	assert_int_equal(ram[30 * 512], 0);
	assert_int_equal(ram[34 * 512 - 1], 0);
	assert_int_equal(ram[34 * 512], 0x11);
}

static void test_phase_wraps(void **state)
{
	(void)state;
	struct blkdev *bd = up();

	/* 32-entry queues: 230 commands wrap the CQ seven times and flip the phase each time. */
	for (unsigned i = 0; i < 230; i++) {
		uint8_t b[512];

		memset(b, (int)i, sizeof(b));
		assert_int_equal(bd->ops->write(bd, i, b, 1), 0);
	}
	for (unsigned i = 0; i < 230; i++)
		assert_int_equal(ram[i * 512 + 100], (uint8_t)i);
	assert_int_equal(ctrl->io.cq_head, 230 % 32);
	assert_int_equal(ctrl->io.phase, 0);   /* started at 1, flipped 7 times */
	assert_int_equal(ctrl->io.sq_tail, 230 % 32);
	assert_int_equal(fk->q[1].phase, ctrl->io.phase);
}

static void test_error_status(void **state)
{
	(void)state;
	struct blkdev *bd = up();

	fk->fail_opcode = NVME_CMD_READ;
	fk->fail_status = 0x81 | 2 << 8; /* SCT 2 (media), SC 0x81 */
	log_lines = 0;
	assert_int_equal(bd->ops->read(bd, 0, buf, 1), -EIO);
	assert_int_equal(log_lines, 1);
	assert_non_null(strstr(last_log, "nvme0"));
	assert_non_null(strstr(last_log, "opcode 0x2"));
	assert_non_null(strstr(last_log, "SCT 2 SC 0x81"));
	assert_int_equal(bd->ops->write(bd, 0, buf, 1), 0); /* other commands still work */
}

static void test_timeout(void **state)
{
	(void)state;
	struct blkdev *bd = up();

	fk->never_complete = true;
	uint64_t t0 = now;
	assert_int_equal(bd->ops->flush(bd), -EIO);
	assert_true(now - t0 >= NVME_TIMEOUT_NS);
	assert_true(now - t0 < NVME_TIMEOUT_NS + 10ull * 1000 * 1000);
	assert_non_null(strstr(last_log, "timed out"));
	assert_non_null(strstr(last_log, "opcode 0x0"));
	/* out of service: the timed-out command could still DMA into the bounce buffer */
	assert_true(ctrl->failed);
	fk->never_complete = false;
	unsigned before = fk->io_cmds;
	assert_int_equal(bd->ops->write(bd, 0, buf, 1), -EIO);
	assert_int_equal(fk->io_cmds, before); /* nothing more was submitted */
}

static void test_fatal_status(void **state)
{
	(void)state;
	struct blkdev *bd = up();

	fk->cfs_on_io = true;
	uint64_t t0 = now;
	assert_int_equal(bd->ops->read(bd, 0, buf, 1), -EIO);
	assert_true(now - t0 < NVME_TIMEOUT_NS); /* CFS ends the wait early */
	assert_true(ctrl->failed);
	assert_non_null(strstr(last_log, "fatal"));
	fk->cfs_on_io = false;
	assert_int_equal(bd->ops->read(bd, 0, buf, 1), -EIO); /* stays failed */
}

static void test_4k_lbas(void **state)
{
	(void)state;
	struct blkdev *bd = up();

	assert_int_equal(ctrl->ns[0].lba_shift, 12);
	assert_int_equal(bd->sectors, DISK_BYTES / 512);
	assert_int_equal(bd->ops->read(bd, 1, buf, 8), -EINVAL);
	assert_int_equal(bd->ops->read(bd, 8, buf, 7), -EINVAL);
	assert_int_equal(bd->ops->write(bd, 4, buf, 8), -EINVAL);
	assert_int_equal(bd->ops->discard(bd, 8, 4), -EINVAL);
	fill(buf, 16 * 512, 1);
	assert_int_equal(bd->ops->write(bd, 16, buf, 16), 0);
	assert_int_equal(fk->last.cdw10, 2);          /* LBA 2 of 4 KiB */
	assert_int_equal(fk->last.cdw12 & 0xffff, 1); /* two LBAs */
	assert_memory_equal(ram + 16 * 512, buf, 16 * 512);
}

static void test_queue_pure(void **state)
{
	struct nvme_sqe sq[4];
	struct nvme_cqe cq[4];
	struct nvme_queue q;
	struct nvme_sqe s = { .opcode = 1 };
	struct nvme_cqe out;

	(void)state;
	memset(cq, 0, sizeof(cq));
	nvme_queue_init(&q, 1, 4, sq, cq, 0);
	assert_int_equal(nvme_sq_push(&q, &s), 1);
	assert_int_equal(s.cid, 0);
	assert_int_equal(nvme_sq_push(&q, &s), 2);
	assert_int_equal(nvme_sq_push(&q, &s), 3);
	assert_int_equal(nvme_sq_push(&q, &s), -1);      /* full: one slot always stays empty */
	assert_false(nvme_cq_pop(&q, &out));
	cq[0] = (struct nvme_cqe){ .sq_head = 3, .cid = 0, .status = 1 };
	assert_true(nvme_cq_pop(&q, &out));
	assert_int_equal(q.cq_head, 1);
	assert_int_equal(nvme_sq_push(&q, &s), 0);       /* head moved: room again, tail wraps */
	assert_int_equal(s.cid, 3);
	q.next_cid = 0xfffe;
	nvme_sq_push(&q, &s);
	assert_int_equal(s.cid, 0xfffe);
	assert_int_equal(q.next_cid, 0);                 /* 0xffff is never used */
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_bring_up_and_identify),
		T(test_oncs_and_vwc_off),
		T(test_resets_an_enabled_controller),
		T(test_enable_timeout),
		T(test_unusable_cap),
		T(test_doorbell_stride),
		T(test_read_write_round_trip),
		T(test_prp_shapes),
		cmocka_unit_test(test_prp_build_pure),
		T(test_large_transfer_is_chunked),
		T(test_range_checks),
		T(test_flush_dsm_write_zeroes),
		T(test_phase_wraps),
		T(test_error_status),
		T(test_timeout),
		T(test_fatal_status),
		cmocka_unit_test_setup_teardown(test_4k_lbas, setup_4k, teardown),
		cmocka_unit_test(test_queue_pure),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
