/* SPDX-License-Identifier: MIT */
/* Split-virtqueue device side: ring checks, chain walking and copying, used ring, notification rules. */
#include "drivers/virtio/virtqueue.h"

#include <stdarg.h>
#include <string.h>

#include "kernel/console.h"
#include "kernel/errno.h"
#include "kernel/gmem.h"

/* The driver may not make a chain of more than 2^32 bytes (the used length is 32 bits). */
#define CHAIN_BYTES_MAX (1ull << 32)

static void vq_vnote(struct virtq *vq, const char *fmt, va_list ap)
{
	fmt_vsnprintf(vq->reason, sizeof(vq->reason), fmt, ap);
}

/* Says why an enable was refused; the queue stays as it was. */
static void vq_note(struct virtq *vq, const char *fmt, ...) __attribute__((format(printf, 2, 3), cold));
static void vq_note(struct virtq *vq, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vq_vnote(vq, fmt, ap);
	va_end(ap);
}

/* Records a protocol violation: every later pop and push fails until a reset. Returns -EIO. */
/* Cold and never inlined: the checks on the hot paths then cost a compare and a branch each. */
static int vq_break(struct virtq *vq, const char *fmt, ...) __attribute__((format(printf, 2, 3), cold, noinline));
static int vq_break(struct virtq *vq, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vq_vnote(vq, fmt, ap);
	va_end(ap);
	vq->broken = true;
	return -EIO;
}

/*
 * The 16-bit ring fields (indices, flags, event indices) are read and written whole with atomics:
 * a byte-wise copy could tear an index the guest updates at the same moment. Alignment holds
 * because virtq_enable refused misaligned rings and every such field sits at an even offset.
 */
static bool vq_load16(struct virtq *vq, uint64_t gpa, uint16_t *v)
{
	const uint16_t *p = gpa_map(vq->vm, gpa, sizeof(*p));

	if (!p)
		return false;
	*v = __atomic_load_n(p, __ATOMIC_ACQUIRE);
	return true;
}

static bool vq_store16(struct virtq *vq, uint64_t gpa, uint16_t v)
{
	uint16_t *p = gpa_map(vq->vm, gpa, sizeof(*p));

	if (!p)
		return false;
	__atomic_store_n(p, v, __ATOMIC_RELEASE);
	return true;
}

/* ---- set-up ------------------------------------------------------------------ */

static bool is_pow2(uint32_t n)
{
	return n && !(n & (n - 1));
}

int virtq_init(struct virtq *vq, struct vm *vm, uint16_t max_size)
{
	*vq = (struct virtq){ .vm = vm, .max_size = max_size };
	if (!is_pow2(max_size) || max_size > VIRTQ_SIZE_MAX)
		return -EINVAL;
	return 0;
}

void virtq_reset(struct virtq *vq)
{
	struct vm *vm = vq->vm;
	uint16_t max_size = vq->max_size;
	uint32_t gen = vq->gen + 1;

	*vq = (struct virtq){ .vm = vm, .max_size = max_size, .gen = gen };
}

/* One ring part: inside a single RAM region, without wrapping. */
static int check_part(struct virtq *vq, const char *what, uint64_t gpa, uint64_t bytes)
{
	if (gpa + bytes < gpa) {
		vq_note(vq, "%s at 0x%llx (+0x%llx bytes) wraps past 2^64", what, (unsigned long long)gpa,
			(unsigned long long)bytes);
		return -EFAULT;
	}
	if (!gpa_map(vq->vm, gpa, bytes)) {
		vq_note(vq, "%s at 0x%llx (+0x%llx bytes) is not inside guest RAM", what,
			(unsigned long long)gpa, (unsigned long long)bytes);
		return -EFAULT;
	}
	return 0;
}

static int check_config(struct virtq *vq, const struct virtq_config *c)
{
	int rc;

	if (!is_pow2(c->size) || c->size > vq->max_size) {
		vq_note(vq, "queue size %u is not a power of two in [1, %u]", c->size, vq->max_size);
		return -EINVAL;
	}
	if (c->desc % VIRTQ_DESC_ALIGN || c->avail % VIRTQ_AVAIL_ALIGN || c->used % VIRTQ_USED_ALIGN) {
		vq_note(vq, "misaligned ring: desc 0x%llx, avail 0x%llx, used 0x%llx", (unsigned long long)c->desc,
			(unsigned long long)c->avail, (unsigned long long)c->used);
		return -EINVAL;
	}
	rc = check_part(vq, "descriptor table", c->desc, VIRTQ_DESC_BYTES(c->size));
	if (!rc)
		rc = check_part(vq, "available ring", c->avail, VIRTQ_AVAIL_BYTES(c->size));
	if (!rc)
		rc = check_part(vq, "used ring", c->used, VIRTQ_USED_BYTES(c->size));
	return rc;
}

/* Writes the device's notification wish into the used ring (used.flags or avail_event). */
static void publish_notify(struct virtq *vq)
{
	bool ok;

	if (vq->event_idx) {
		ok = vq_store16(vq, vq->used_gpa + VIRTQ_AVAIL_EVENT_OFF(vq->size), vq->last_avail);
	} else {
		vq->used_flags = vq->notify_enabled ? vq->used_flags & (uint16_t)~VIRTQ_USED_F_NO_NOTIFY
						    : vq->used_flags | VIRTQ_USED_F_NO_NOTIFY;
		ok = vq_store16(vq, vq->used_gpa + offsetof(struct virtq_used, flags), vq->used_flags);
	}
	if (!ok)
		vq_break(vq, "used ring at 0x%llx left guest RAM", (unsigned long long)vq->used_gpa);
}

int virtq_enable(struct virtq *vq, const struct virtq_config *cfg)
{
	int rc;

	if (vq->enabled)
		return -EBUSY;
	rc = check_config(vq, cfg);
	if (rc)
		return rc;
	vq->size = cfg->size;
	vq->desc_gpa = cfg->desc;
	vq->avail_gpa = cfg->avail;
	vq->used_gpa = cfg->used;
	vq->event_idx = cfg->features >> VIRTIO_F_EVENT_IDX & 1;
	vq->indirect = cfg->features >> VIRTIO_F_INDIRECT_DESC & 1;
	vq->notify_enabled = true;
	vq->enabled = true;
	vq->reason[0] = '\0';
	publish_notify(vq);
	/* virtq_enable_notify relies on this wish being visible before any later look at the ring. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return 0;
}

/* ---- chain walking ------------------------------------------------------------- */

struct walk {
	struct virtq *vq;
	struct virtq_chain *chain;
	unsigned buffers; /* descriptors naming buffers so far, direct and indirect: at most the size */
	bool seen_write;  /* a writable one came (empty or not): readable ones may no longer follow */
};

/* Copies one descriptor out of guest memory exactly once: the barrier keeps the compiler from
 * fetching a field again from the guest's copy, which a racing vCPU may change after the checks. */
#ifdef BASALT_HOST_TEST
/* The unit tests' moment to change guest memory right after a descriptor was copied, as a racing
 * vCPU would (tests/unit/virtq_doubles.h overrides it); other host builds get this no-op. */
__attribute__((weak)) void virtq_test_desc_copied(const struct virtq_desc *guest);
__attribute__((weak)) void virtq_test_desc_copied(const struct virtq_desc *guest)
{
	(void)guest;
}
#define DESC_COPIED(guest) virtq_test_desc_copied(guest)
#else
#define DESC_COPIED(guest) ((void)0)
#endif

/* Each descriptor is read from guest memory exactly once, into *d: every later check and use sees
 * that copy, so a vCPU rewriting the table meanwhile cannot slip a second value past a check. */
static inline void copy_desc(struct virtq_desc *d, const struct virtq_desc *guest)
{
	__builtin_memcpy(d, guest, sizeof(*d));
	__asm__ volatile("" : : : "memory");
	DESC_COPIED(guest);
}

/* Appends one buffer descriptor (already copied out of guest memory) to the chain. */
static inline __attribute__((always_inline)) int walk_add(struct walk *w, const struct virtq_desc *d, const char *table, unsigned idx)
{
	struct virtq_chain *c = w->chain;
	bool write = d->flags & VIRTQ_DESC_F_WRITE;

	if (++w->buffers > w->vq->size)
		return vq_break(w->vq, "chain from head %u has more than %u buffers (queue size)", c->head,
				w->vq->size);
	if (!write && w->seen_write)
		return vq_break(w->vq, "%s descriptor %u: device-readable buffer after a writable one", table, idx);
	w->seen_write |= write;
	if (!d->len)
		return 0; /* names no byte: nothing to check or copy */
	if (d->addr + d->len < d->addr)
		return vq_break(w->vq, "%s descriptor %u: buffer 0x%llx (+0x%x) wraps past 2^64", table, idx,
				(unsigned long long)d->addr, d->len);
	if (!gpa_map(w->vq->vm, d->addr, d->len))
		return vq_break(w->vq, "%s descriptor %u: buffer 0x%llx (+0x%x) is not inside guest RAM", table,
				idx, (unsigned long long)d->addr, d->len);
	if (c->nr_segs == VIRTQ_CHAIN_MAX)
		return vq_break(w->vq, "chain from head %u has more than %u non-empty buffers", c->head,
				VIRTQ_CHAIN_MAX);
	if (c->readable_bytes + c->writable_bytes + d->len > CHAIN_BYTES_MAX)
		return vq_break(w->vq, "chain from head %u is longer than 2^32 bytes", c->head);
	c->segs[c->nr_segs++] = (struct virtq_seg){ .gpa = d->addr, .len = d->len, .write = write };
	if (write) {
		c->writable_bytes += d->len;
	} else {
		c->readable_bytes += d->len;
		c->nr_readable++;
	}
	return 0;
}

/* Checks the descriptor that names an indirect table; returns its entry count or -EIO. */
static int indirect_entries(struct walk *w, const struct virtq_desc *d, unsigned idx)
{
	struct virtq *vq = w->vq;
	uint32_t n = d->len / (uint32_t)sizeof(struct virtq_desc);

	if (!vq->indirect)
		return vq_break(vq, "descriptor %u: INDIRECT without VIRTIO_F_INDIRECT_DESC", idx);
	if (d->flags & VIRTQ_DESC_F_NEXT)
		return vq_break(vq, "descriptor %u: INDIRECT together with NEXT", idx);
	if (!n || d->len % sizeof(struct virtq_desc))
		return vq_break(vq, "descriptor %u: indirect table length %u is not a non-zero multiple of 16", idx,
				d->len);
	if (n > vq->size)
		return vq_break(vq, "descriptor %u: indirect table of %u entries exceeds the queue size %u", idx, n,
				vq->size);
	if (d->addr + d->len < d->addr || !gpa_map(vq->vm, d->addr, d->len))
		return vq_break(vq, "descriptor %u: indirect table 0x%llx (+0x%x) is not inside guest RAM", idx,
				(unsigned long long)d->addr, d->len);
	return (int)n;
}

/* Walks an indirect table; each entry is copied once and checked like a direct one. */
static int walk_indirect(struct walk *w, const struct virtq_desc *ind, unsigned ind_idx)
{
	int n = indirect_entries(w, ind, ind_idx);
	unsigned i = 0;

	if (n < 0)
		return n;
	/* indirect_entries checked the whole table inside guest RAM just now, within this pop. */
	const struct virtq_desc *tbl = gpa_map(w->vq->vm, ind->addr, ind->len);

	if (!tbl)
		return vq_break(w->vq, "indirect table 0x%llx left guest RAM", (unsigned long long)ind->addr);
	for (int steps = 0;; steps++) {
		struct virtq_desc d;
		int rc;

		if (steps == n)
			return vq_break(w->vq, "indirect table 0x%llx: chain loops (more than %d entries)",
					(unsigned long long)ind->addr, n);
		copy_desc(&d, &tbl[i]);
		if (d.flags & VIRTQ_DESC_F_INDIRECT)
			return vq_break(w->vq, "indirect table 0x%llx entry %u: nested INDIRECT",
					(unsigned long long)ind->addr, i);
		rc = walk_add(w, &d, "indirect", i);
		if (rc || !(d.flags & VIRTQ_DESC_F_NEXT))
			return rc;
		if (d.next >= (unsigned)n)
			return vq_break(w->vq, "indirect table 0x%llx entry %u: next %u beyond its %d entries",
					(unsigned long long)ind->addr, i, d.next, n);
		i = d.next;
	}
}

/* Walks the chain from chain->head through the descriptor table (and at most one indirect table,
 * which ends the chain since INDIRECT excludes NEXT). */
static int walk_chain(struct virtq *vq, struct virtq_chain *chain)
{
	struct walk w = { .vq = vq, .chain = chain };
	unsigned idx = chain->head;
	/* The whole table checked once per pop rather than once per descriptor; the pointer does not
	 * outlive this call. */
	const struct virtq_desc *tbl = gpa_map(vq->vm, vq->desc_gpa, VIRTQ_DESC_BYTES(vq->size));

	if (!tbl)
		return vq_break(vq, "descriptor table at 0x%llx left guest RAM", (unsigned long long)vq->desc_gpa);
	for (unsigned steps = 0;; steps++) {
		struct virtq_desc d;
		int rc;

		if (steps == vq->size)
			return vq_break(vq, "chain from head %u loops (more than %u descriptors)", chain->head,
					vq->size);
		copy_desc(&d, &tbl[idx]);
		if (d.flags & VIRTQ_DESC_F_INDIRECT)
			return walk_indirect(&w, &d, idx);
		rc = walk_add(&w, &d, "direct", idx);
		if (rc || !(d.flags & VIRTQ_DESC_F_NEXT))
			return rc;
		if (d.next >= vq->size)
			return vq_break(vq, "descriptor %u: next %u beyond the queue size %u", idx, d.next, vq->size);
		idx = d.next;
	}
}

/* ---- available and used rings ---------------------------------------------------- */

/* The available ring as 16-bit words: flags, idx, then ring[size] (then used_event). */
#define AVAIL_IDX (offsetof(struct virtq_avail, idx) / 2)
#define AVAIL_RING (offsetof(struct virtq_avail, ring) / 2)

int virtq_pop(struct virtq *vq, struct virtq_chain *chain)
{
	const uint16_t *avail;
	uint16_t avail_idx, head, pending;
	int rc;

	if (vq->broken)
		return -EIO;
	if (!vq->enabled)
		return -EAGAIN;
	/* The whole ring checked once (virtq_enable sized it); the pointer does not outlive this call. */
	avail = gpa_map(vq->vm, vq->avail_gpa, VIRTQ_AVAIL_BYTES(vq->size));
	if (!avail)
		return vq_break(vq, "available ring at 0x%llx left guest RAM", (unsigned long long)vq->avail_gpa);
	/* Acquire: the ring entry and descriptors are read after the index that published them. */
	avail_idx = __atomic_load_n(&avail[AVAIL_IDX], __ATOMIC_ACQUIRE);
	pending = (uint16_t)(avail_idx - vq->last_avail);
	if (pending > vq->size)
		return vq_break(vq, "available index %u is %u entries ahead of %u (queue size %u)", avail_idx,
				pending, vq->last_avail, vq->size);
	if (!pending)
		return -EAGAIN;
	head = __atomic_load_n(&avail[AVAIL_RING + (vq->last_avail & (vq->size - 1))], __ATOMIC_ACQUIRE);
	if (head >= vq->size)
		return vq_break(vq, "available entry %u: head %u beyond the queue size %u", vq->last_avail, head,
				vq->size);
	/* Only the header: clearing the 4 KiB of segments on every request would be wasted work. */
	chain->head = head;
	chain->gen = vq->gen;
	chain->nr_segs = chain->nr_readable = 0;
	chain->readable_bytes = chain->writable_bytes = 0;
	rc = walk_chain(vq, chain);
	if (rc)
		return rc;
	vq->last_avail++;
	/* Keep the driver's "notify me past here" current while notifications are wanted. */
	if (vq->event_idx && vq->notify_enabled)
		publish_notify(vq);
	return vq->broken ? -EIO : 0;
}

int virtq_push(struct virtq *vq, const struct virtq_chain *chain, uint32_t written)
{
	struct virtq_used_elem elem = { .id = chain->head, .len = written };
	uint8_t *used;

	if (vq->broken)
		return -EIO;
	if (!vq->enabled || chain->gen != vq->gen || chain->head >= vq->size)
		return -EINVAL;
	/* The driver trusts len to say how much it may read back: never more than it lent us. */
	if (written > chain->writable_bytes)
		elem.len = (uint32_t)chain->writable_bytes;
	/* The whole ring checked once (virtq_enable sized it); the pointer does not outlive this call. */
	used = gpa_map(vq->vm, vq->used_gpa, VIRTQ_USED_BYTES(vq->size));
	if (!used)
		return vq_break(vq, "used ring at 0x%llx left guest RAM", (unsigned long long)vq->used_gpa);
	__builtin_memcpy(used + offsetof(struct virtq_used, ring) + sizeof(elem) * (vq->used_idx & (vq->size - 1)),
			 &elem, sizeof(elem));
	vq->used_idx++;
	/* Release: the driver that sees the new index also sees the entry written above. Aligned:
	 * virtq_enable refused a misaligned ring. */
	__atomic_store_n((uint16_t *)(used + offsetof(struct virtq_used, idx)), vq->used_idx, __ATOMIC_RELEASE);
	return 0;
}

/* ---- notification suppression ---------------------------------------------------- */

bool virtq_should_interrupt(struct virtq *vq)
{
	uint16_t old_idx = vq->signalled_used, new_idx = vq->used_idx, v;
	uint64_t where;

	if (!vq->enabled || vq->broken || old_idx == new_idx)
		return false;
	vq->signalled_used = new_idx;
	/* The used index store must be visible before the driver's wish is read: else the driver could
	 * read the old index, ask for an interrupt, and we read its old "no interrupt" and skip it. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	where = vq->event_idx ? vq->avail_gpa + VIRTQ_USED_EVENT_OFF(vq->size)
			      : vq->avail_gpa + offsetof(struct virtq_avail, flags);
	if (!vq_load16(vq, where, &v)) {
		vq_break(vq, "available ring at 0x%llx left guest RAM", (unsigned long long)vq->avail_gpa);
		return false;
	}
	if (vq->event_idx)
		return virtq_need_event(v, new_idx, old_idx);
	return !(v & VIRTQ_AVAIL_F_NO_INTERRUPT);
}

void virtq_disable_notify(struct virtq *vq)
{
	if (!vq->enabled || vq->broken || !vq->notify_enabled)
		return;
	vq->notify_enabled = false;
	/* With EVENT_IDX nothing is written: avail_event stays behind, so the driver's index moves past
	 * it and the driver stops notifying by itself. */
	if (!vq->event_idx)
		publish_notify(vq);
}

bool virtq_enable_notify(struct virtq *vq)
{
	uint16_t avail_idx;

	if (!vq->enabled || vq->broken)
		return false;
	/* Never turned off, without EVENT_IDX (whose avail_event moves with every pop): used.flags has
	 * said "notify" since the fence that followed writing it (here or in virtq_enable), so every
	 * buffer the driver added since was or will be kicked for. Nothing can be stranded. */
	if (vq->notify_enabled && !vq->event_idx)
		return false;
	vq->notify_enabled = true;
	publish_notify(vq);
	/* The wish must be visible before the index is read again: a driver that added a buffer before
	 * seeing it did not notify, and that buffer is found here. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (!vq_load16(vq, vq->avail_gpa + offsetof(struct virtq_avail, idx), &avail_idx)) {
		vq_break(vq, "available ring at 0x%llx left guest RAM", (unsigned long long)vq->avail_gpa);
		return false;
	}
	return !vq->broken && avail_idx != vq->last_avail;
}

/* ---- copying data ----------------------------------------------------------------- */

/* Copies [offset, offset+len) of segs[0 .. count) into `in` (from the guest) or out of `out`. */
static int chain_copy(struct vm *vm, const struct virtq_seg *segs, unsigned count, uint64_t offset, uint8_t *in,
		      const uint8_t *out, size_t len)
{
	for (unsigned i = 0; i < count && len; i++) {
		uint64_t n;
		int rc;

		if (offset >= segs[i].len) {
			offset -= segs[i].len;
			continue;
		}
		n = segs[i].len - offset;
		if (n > len)
			n = len;
		if (in) {
			rc = gpa_read(vm, segs[i].gpa + offset, in, n);
			in += n;
		} else {
			rc = gpa_write(vm, segs[i].gpa + offset, out, n);
			out += n;
		}
		if (rc)
			return -EFAULT;
		len -= n;
		offset = 0;
	}
	return 0;
}

int virtq_chain_read(struct vm *vm, const struct virtq_chain *chain, uint64_t offset, void *dst, size_t len)
{
	if (offset > chain->readable_bytes || len > chain->readable_bytes - offset)
		return -EINVAL;
	return chain_copy(vm, chain->segs, chain->nr_readable, offset, dst, NULL, len);
}

int virtq_chain_write(struct vm *vm, const struct virtq_chain *chain, uint64_t offset, const void *src,
		      size_t len)
{
	if (offset > chain->writable_bytes || len > chain->writable_bytes - offset)
		return -EINVAL;
	return chain_copy(vm, chain->segs + chain->nr_readable, chain->nr_segs - chain->nr_readable, offset, NULL,
			  src, len);
}
