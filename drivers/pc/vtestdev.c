/* SPDX-License-Identifier: MIT */
/* The MMIO test device: storage plus a record of the last access, so tests see what the guest did. */
#include "drivers/pc/vtestdev.h"

#include <string.h>

#include "drivers/pc/pc_layout.h"
#include "kernel/errno.h"
#include "kernel/mmio.h"
#include "kernel/vm.h"

struct vtestdev {
	uint8_t file[VTESTDEV_FILE_SIZE];
	uint64_t last_offset, last_width, last_dir, last_value, count;
};

static struct vtestdev testdev_pool[VM_MAX];
static unsigned testdev_used;

_Static_assert(VTESTDEV_FILE_SIZE == VTESTDEV_LAST_OFFSET && VTESTDEV_ID + 8 <= VTESTDEV_SIZE,
	       "the record follows the register file inside the page");

static uint64_t record_read(const struct vtestdev *t, uint64_t off)
{
	switch (off) {
	case VTESTDEV_LAST_OFFSET: return t->last_offset;
	case VTESTDEV_LAST_WIDTH: return t->last_width;
	case VTESTDEV_LAST_DIR: return t->last_dir;
	case VTESTDEV_LAST_VALUE: return t->last_value;
	case VTESTDEV_COUNT: return t->count;
	case VTESTDEV_ID: return VTESTDEV_ID_VALUE;
	default: return 0;
	}
}

/* Byte by byte within the file (the guest may use any alignment); what lies past it reads 0. */
static void file_access(struct vtestdev *t, uint64_t off, unsigned size, bool write, uint64_t *value)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < size; i++) {
		if (off + i >= VTESTDEV_FILE_SIZE)
			break;
		if (write)
			t->file[off + i] = (uint8_t)(*value >> (8 * i));
		else
			v |= (uint64_t)t->file[off + i] << (8 * i);
	}
	if (!write)
		*value = v;
	t->last_offset = off;
	t->last_width = size;
	t->last_dir = write;
	t->last_value = *value;
	t->count++;
}

static int vtestdev_mmio(struct vcpu *vcpu, void *dev, uint64_t gpa, unsigned size, bool write, uint64_t *value)
{
	struct vtestdev *t = dev;
	uint64_t off = gpa - PC_TESTDEV_MMIO_BASE;

	(void)vcpu;
	if (off < VTESTDEV_FILE_SIZE)
		file_access(t, off, size, write, value);
	else if (write && off == VTESTDEV_COUNT)
		t->count = *value;
	else if (!write)
		*value = off % 8 == 0 ? record_read(t, off) : 0; /* the record is read as whole registers */
	return 0;
}

int vtestdev_attach(struct vm *vm)
{
	struct vtestdev *t;

	if (testdev_used == VM_MAX)
		return -ENOSPC;
	t = &testdev_pool[testdev_used++];
	memset(t, 0, sizeof(*t));
	return vm_register_mmio(vm, PC_TESTDEV_MMIO_BASE, VTESTDEV_SIZE, vtestdev_mmio, t);
}
