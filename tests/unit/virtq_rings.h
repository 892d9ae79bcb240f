/* SPDX-License-Identifier: MIT */
/* The driver's side of a split virtqueue in fake guest RAM, for the virtqueue unit tests (include after cmocka.h). */
#ifndef BASALT_TESTS_VIRTQ_RINGS_H
#define BASALT_TESTS_VIRTQ_RINGS_H

#include <stdlib.h>

#include "drivers/virtio/virtqueue.h"
#include "tests/unit/virtq_doubles.h"

#define RAM_GPA 0x100000ull
#define RAM_SIZE 0x40000ull
#define DESC (RAM_GPA + 0x0000)   /* up to 512 entries: 8 KiB */
#define AVAIL (RAM_GPA + 0x4000)
#define USED (RAM_GPA + 0x6000)
#define IND (RAM_GPA + 0x8000)    /* indirect tables */
#define DATA (RAM_GPA + 0x10000)  /* buffers */
#define MAX_SIZE 512
#define F_EVENT (1ull << VIRTIO_F_EVENT_IDX)
#define F_IND (1ull << VIRTIO_F_INDIRECT_DESC)

static char vm_token;
#define TVM ((struct vm *)(void *)&vm_token)

static struct virtq vq;
static struct virtq_chain ch;
static uint16_t drv_avail; /* the driver's next available index */
static unsigned qsize;

static inline int ring_setup(void **state)
{
	(void)state;
	d_ram = calloc(1, RAM_SIZE);
	d_ram_gpa = RAM_GPA;
	d_ram_size = RAM_SIZE;
	d_vm = TVM;
	d_maps = d_watch_hits = 0;
	d_watch_gpa = ~0ull;
	d_after_read = NULL;
	drv_avail = 0;
	return virtq_init(&vq, TVM, MAX_SIZE);
}

static inline int ring_teardown(void **state)
{
	(void)state;
	free(d_ram);
	d_ram = NULL;
	return 0;
}

static inline uint16_t rd16(uint64_t gpa)
{
	uint16_t v;

	memcpy(&v, d_host(gpa), 2);
	return v;
}

static inline uint32_t rd32(uint64_t gpa)
{
	uint32_t v;

	memcpy(&v, d_host(gpa), 4);
	return v;
}

static inline void wr16(uint64_t gpa, uint16_t v)
{
	memcpy(d_host(gpa), &v, 2);
}

static inline void desc_in(uint64_t table, unsigned i, uint64_t addr, uint32_t len, uint16_t flags, uint16_t next)
{
	struct virtq_desc d = { .addr = addr, .len = len, .flags = flags, .next = next };

	memcpy(d_host(table + 16ull * i), &d, sizeof(d));
}

static inline void set_desc(unsigned i, uint64_t addr, uint32_t len, uint16_t flags, uint16_t next)
{
	desc_in(DESC, i, addr, len, flags, next);
}

/* Puts head into the available ring and publishes it, as a driver does. */
static inline void offer(uint16_t head)
{
	wr16(AVAIL + 4 + 2ull * (drv_avail % qsize), head);
	drv_avail++;
	wr16(AVAIL + 2, drv_avail);
}

static inline struct virtq_config ring_cfg(unsigned size, uint64_t features)
{
	return (struct virtq_config){ .size = (uint16_t)size, .desc = DESC, .avail = AVAIL, .used = USED,
				      .features = features };
}

static inline int start(unsigned size, uint64_t features)
{
	struct virtq_config c = ring_cfg(size, features);

	qsize = size;
	return virtq_enable(&vq, &c);
}

static inline uint16_t used_idx(void)
{
	return rd16(USED + 2);
}

static inline uint32_t used_id(unsigned slot)
{
	return rd32(USED + 4 + 8ull * (slot % qsize));
}

static inline uint32_t used_len(unsigned slot)
{
	return rd32(USED + 8 + 8ull * (slot % qsize));
}

/* The pop breaks the queue, the reason names what it should, and the queue stays broken. */
static inline void expect_broken(const char *needle)
{
	assert_int_equal(virtq_pop(&vq, &ch), -EIO);
	assert_true(virtq_is_broken(&vq));
	if (!strstr(vq.reason, needle))
		fail_msg("reason \"%s\" lacks \"%s\"", vq.reason, needle);
	assert_int_equal(virtq_pop(&vq, &ch), -EIO);
}

#endif
