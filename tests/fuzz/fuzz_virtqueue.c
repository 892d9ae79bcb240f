/* SPDX-License-Identifier: MIT */
/* libFuzzer target: hostile rings and descriptors in fake guest RAM through pop/push/copy/notify. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/virtio/virtqueue.h"
#include "tests/unit/virtq_doubles.h"
#include "tests/fuzz/fuzz_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * Input: a 12-byte header, then nr_ops operation bytes, then the first bytes of guest RAM (the rest
 * of its 64 KiB is zero). Header: [0] log2 queue size, [1] bit 0 EVENT_IDX, bit 1 INDIRECT_DESC,
 * bit 2 RAM at the top of the address space instead of at 0, [2..3] desc offset / 8, [4..5]
 * avail offset, [6..7] used offset / 2 (from the RAM base; half of each misaligned), [8] nr_ops, [9] k, [10..11]
 * offset: when k is not 0, every k-th guest read by the library is followed by the guest changing
 * the byte at that offset, as a vCPU racing the device would. Seeds: tests/fuzz/gen_virtqueue_seeds.py.
 */
#define HDR 12
#define RAM_BYTES 0x10000ull

static char vm_token;
#define FVM ((struct vm *)(void *)&vm_token)

static struct virtq vq;
static struct virtq_chain ch;
static struct virtq_config cfg;
static uint8_t scratch[4096];
static unsigned race_every, race_count, race_off;

static void race(uint64_t gpa, size_t len)
{
	(void)gpa;
	(void)len;
	if (race_every && ++race_count % race_every == 0)
		d_ram[race_off]++;
}

struct ops {
	const uint8_t *p;
	size_t left;
};

static unsigned take(struct ops *o)
{
	if (!o->left)
		return 0;
	o->left--;
	return *o->p++;
}

static uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static bool in_ram(uint64_t gpa, uint64_t len)
{
	return gpa >= d_ram_gpa && gpa - d_ram_gpa < d_ram_size && len <= d_ram_size - (gpa - d_ram_gpa);
}

/* What every popped chain must be, whatever the guest wrote. */
static void check_chain(void)
{
	uint64_t rd = 0, wr = 0;

	CHECK(ch.head < vq.size);
	CHECK(ch.nr_segs <= VIRTQ_CHAIN_MAX && ch.nr_segs <= vq.size);
	CHECK(ch.nr_readable <= ch.nr_segs);
	for (unsigned i = 0; i < ch.nr_segs; i++) {
		const struct virtq_seg *s = &ch.segs[i];

		CHECK(s->len && in_ram(s->gpa, s->len));
		CHECK(s->write == (i >= ch.nr_readable));
		*(s->write ? &wr : &rd) += s->len;
	}
	CHECK(rd == ch.readable_bytes && wr == ch.writable_bytes);
	CHECK(rd + wr <= 1ull << 32);
}

/* Reads some of the readable part, writes some of the writable part, returns the chain. */
static void serve(struct ops *o)
{
	uint64_t off = take(o) * 16u;
	size_t n = sizeof(scratch);
	uint32_t written = (uint32_t)take(o) << 4;
	uint64_t used_slot;
	uint32_t used_len;

	check_chain();
	if (n > ch.readable_bytes)
		n = (size_t)ch.readable_bytes;
	CHECK(virtq_chain_read(FVM, &ch, 0, scratch, n) == 0);
	CHECK(virtq_chain_read(FVM, &ch, ch.readable_bytes, scratch, 1) == -EINVAL);
	CHECK(virtq_chain_read(FVM, &ch, off, scratch, 1) == (off < ch.readable_bytes ? 0 : -EINVAL));
	n = sizeof(scratch);
	if (n > ch.writable_bytes)
		n = (size_t)ch.writable_bytes;
	memset(scratch, 0xa5, n);
	CHECK(virtq_chain_write(FVM, &ch, 0, scratch, n) == 0);
	CHECK(virtq_chain_write(FVM, &ch, ch.writable_bytes, scratch, 1) == -EINVAL);
	CHECK(virtq_chain_write(FVM, &ch, off, scratch, 1) == (off < ch.writable_bytes ? 0 : -EINVAL));
	if (virtq_push(&vq, &ch, written) != 0) {
		CHECK(vq.broken);
		return;
	}
	/* The entry just published never claims more than the chain could take. */
	used_slot = vq.used_gpa + 4 + 8ull * ((uint16_t)(vq.used_idx - 1) & (vq.size - 1));
	memcpy(&used_len, d_host(used_slot + 4), 4);
	CHECK(used_len <= ch.writable_bytes && used_len <= written);
}

static void drain(struct ops *o)
{
	/* Bounded: rings that overlap (legal, if silly) let the device's own writes offer more. */
	for (unsigned i = 0; i < 64; i++) {
		int rc = virtq_pop(&vq, &ch);

		if (rc == -EAGAIN)
			return;
		if (rc) {
			CHECK(rc == -EIO && vq.broken && vq.reason[0]);
			return;
		}
		serve(o);
	}
}

/* The guest changes a byte of its memory between the device's steps (another vCPU). */
static void poke(struct ops *o)
{
	unsigned off = take(o) | take(o) << 8;

	d_ram[off % RAM_BYTES] = (uint8_t)take(o);
}

static void run_ops(struct ops *o)
{
	while (o->left && !vq.broken) {
		switch (take(o) & 7) {
		case 0:
		case 1:
		case 2:
			drain(o);
			break;
		case 3:
			virtq_disable_notify(&vq);
			break;
		case 4:
			(void)virtq_enable_notify(&vq);
			break;
		case 5:
			(void)virtq_should_interrupt(&vq);
			break;
		case 6:
			poke(o);
			break;
		default:
			virtq_reset(&vq);
			if (virtq_enable(&vq, &cfg))
				return;
			break;
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ops o;
	size_t nr_ops, ram_part;

	if (size < HDR)
		return 0;
	nr_ops = data[8];
	if (nr_ops > size - HDR)
		nr_ops = size - HDR;
	d_ram = calloc(1, RAM_BYTES);
	d_ram_size = RAM_BYTES;
	d_ram_gpa = data[1] & 4 ? 0 - RAM_BYTES : 0;
	d_vm = FVM;
	race_every = data[9];
	race_count = 0;
	race_off = le16(data + 10) % RAM_BYTES;
	d_after_read = race;
	ram_part = size - HDR - nr_ops;
	memcpy(d_ram, data + HDR + nr_ops, ram_part < RAM_BYTES ? ram_part : RAM_BYTES);
	cfg = (struct virtq_config){
		.size = (uint16_t)(1u << (data[0] % 16)),
		.desc = d_ram_gpa + 8ull * le16(data + 2),
		.avail = d_ram_gpa + le16(data + 4),
		.used = d_ram_gpa + 2ull * le16(data + 6),
		.features = (data[1] & 1 ? 1ull << VIRTIO_F_EVENT_IDX : 0) |
			    (data[1] & 2 ? 1ull << VIRTIO_F_INDIRECT_DESC : 0),
	};
	CHECK(virtq_init(&vq, FVM, VIRTQ_SIZE_MAX) == 0);
	if (virtq_enable(&vq, &cfg) == 0) {
		o = (struct ops){ data + HDR, nr_ops };
		drain(&o); /* whatever the RAM already offers */
		run_ops(&o);
	} else {
		CHECK(!vq.enabled && vq.reason[0]);
	}
	free(d_ram);
	d_ram = NULL;
	return 0;
}
