/* SPDX-License-Identifier: MIT */
/* Port I/O: device registration per VM and the IO exit handler. Unclaimed ports float high. */
#include "kernel/errno.h"
#include "kernel/cr_access.h"
#include "kernel/exit.h"
#include "kernel/pio.h"
#include "kernel/vm.h"
#include "kernel/vmm.h"

int vm_register_pio(struct vm *vm, uint16_t base, uint16_t count, pio_fn handler, void *dev)
{
	unsigned at;

	if (!count || (uint32_t)base + count > 0x10000u)
		return -EINVAL;
	if (vm->nr_pio == VM_MAX_PIO)
		return -ENOSPC;
	for (unsigned i = 0; i < vm->nr_pio; i++) {
		const struct pio_range *r = &vm->pio[i];

		if (base < r->base + r->count && r->base < base + count)
			return -EEXIST;
	}
	/* Kept sorted by base, so vm_find_pio (every IO exit) can bisect instead of scanning. */
	for (at = vm->nr_pio; at > 0 && vm->pio[at - 1].base > base; at--)
		vm->pio[at] = vm->pio[at - 1];
	vm->pio[at] = (struct pio_range){ base, count, handler, dev, 0 };
	vm->nr_pio++;
	return 0;
}

int vm_unregister_pio(struct vm *vm, uint16_t base, void *dev)
{
	for (unsigned i = 0; i < vm->nr_pio; i++) {
		if (vm->pio[i].base != base || vm->pio[i].dev != dev)
			continue;
		for (vm->nr_pio--; i < vm->nr_pio; i++) /* keeps the order vm_find_pio relies on */
			vm->pio[i] = vm->pio[i + 1];
		return 0;
	}
	return -ENOENT;
}

#define PIO_SCAN_MAX 8 /* up to this many ranges a plain scan is cheaper than bisecting */

/* The ranges are sorted and disjoint: only the last one starting at or below port can hold it.
 * A VM with a few ranges (a flat payload) scans them; a pc VM (about 20) bisects. */
const struct pio_range *vm_find_pio(const struct vm *vm, uint16_t port)
{
	unsigned lo = 0, hi = vm->nr_pio; /* the answer is below hi; every range below lo starts <= port */

	if (hi <= PIO_SCAN_MAX) {
		for (unsigned i = 0; i < hi; i++)
			if ((uint16_t)(port - vm->pio[i].base) < vm->pio[i].count)
				return &vm->pio[i];
		return NULL;
	}
	while (lo < hi) {
		unsigned mid = (lo + hi) / 2;

		if (vm->pio[mid].base <= port)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo && port - vm->pio[lo - 1].base < vm->pio[lo - 1].count)
		return &vm->pio[lo - 1];
	return NULL;
}

static uint32_t size_mask(uint8_t size)
{
	return size == 4 ? 0xffffffffu : size == 2 ? 0xffffu : 0xffu;
}

/* IN writes AL/AX (upper bits kept) or EAX (upper half of RAX cleared, as for any 32-bit write). */
static void store_in_value(uint64_t *rax, uint8_t size, uint32_t value)
{
	if (size == 4)
		*rax = value;
	else
		*rax = (*rax & ~(uint64_t)size_mask(size)) | (value & size_mask(size));
}

/* Counts an access to an unclaimed port in a small table; a new port replaces the least used. */
static void track_unclaimed(struct vm_stats *st, uint16_t port)
{
	unsigned least = 0;

	for (unsigned i = 0; i < VM_UNCLAIMED_TRACKED; i++) {
		if (st->unclaimed_top[i].port == port && st->unclaimed_top[i].count) {
			st->unclaimed_top[i].count++;
			return;
		}
		if (st->unclaimed_top[i].count < st->unclaimed_top[least].count)
			least = i;
	}
	st->unclaimed_top[least].port = port;
	st->unclaimed_top[least].count = 1;
}

/* The range holding port, the last one hit tried first: a driver hits its doorbell or data port
 * again and again. A range moved or removed since leaves a stale index, which the test below
 * simply misses (it checks the range that is there now). Under vm->lock, as pio[] is. */
static struct pio_range *find_range(struct vm *vm, uint16_t port)
{
	struct pio_range *r;

	if (vm->pio_last < vm->nr_pio) {
		r = &vm->pio[vm->pio_last];
		if ((uint16_t)(port - r->base) < r->count)
			return r;
	}
	r = (struct pio_range *)vm_find_pio(vm, port); /* vm is ours: only the count changes */
	if (r)
		vm->pio_last = (unsigned)(r - vm->pio);
	return r;
}

/* Under vm->lock: the device models are shared by the VM's vCPUs, and a handler may move the
 * ranges themselves (a PCI I/O BAR). */
static void pio_access_locked(struct vcpu *vcpu, uint16_t port, uint8_t size, bool in, uint32_t *value)
{
	struct vm *vm = vcpu->vm;
	struct pio_range *r = find_range(vm, port);

	if (r)
		r->accesses++;
	if (in)
		*value = size_mask(size);
	else
		*value &= size_mask(size);
	if (!r || r->handler(vcpu, r->dev, port, size, in, value) < 0) {
		/* Like an empty bus: reads float to all ones, writes vanish; counted for diagnosis. */
		*value = size_mask(size);
		track_unclaimed(&vm->stats, port);
		if (in)
			vm->stats.unclaimed_pio_reads++;
		else
			vm->stats.unclaimed_pio_writes++;
	}
}

void pio_access(struct vcpu *vcpu, uint16_t port, uint8_t size, bool in, uint32_t *value)
{
	spin_lock(&vcpu->vm->lock);
	pio_access_locked(vcpu, port, size, in, value);
	spin_unlock(&vcpu->vm->lock);
}

enum exit_action exit_handle_io(struct vcpu *vcpu, const struct vm_exit *exit)
{
	const struct vm_exit_io *io = &exit->u.io;
	struct vm *vm = vcpu->vm;
	uint32_t value = (uint32_t)vcpu->gprs.r[GPR_RAX];

	if (io->string)
		return exit_handle_string_io(vcpu, exit);
	pio_access(vcpu, io->port, io->size, io->in, &value);
	if (!vm_is_running(vm))
		return EXIT_STOP;
	if (io->in)
		store_in_value(&vcpu->gprs.r[GPR_RAX], io->size, value);
	vcpu_finish_insn(vcpu, exit, vcpu_io_breakpoints(vcpu, io->port, io->size));
	return EXIT_RESUME;
}
