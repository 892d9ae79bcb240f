/* SPDX-License-Identifier: MIT */
/* The virtio figures of make bench: instructions per virtio-blk request and per inter-VM packet, under -icount. */
#include "lib/guest.h"
#include "lib/vio.h"

/*
 * tests/configs/bench-virtio.dts: two VMs on host core 0 (-smp 1, qemu -icount shift=0, so the TSC
 * counts every instruction the core runs: this guest's driver, the hypervisor and the other VM).
 *   vbench-a  (MAC 02:..:a1) a 64 MiB RAM disk at 00:05.0 and a port on lan0: the blk figures
 *             alone, then it streams frames to vbench-b and takes the time until b says done
 *   vbench-b  (MAC 02:..:a2) counts frames and answers each END with a DONE carrying the count;
 *             between frames it yields (BASALT_HC_YIELD) so the core goes back to a
 * The blk figures include this guest's few dozen instructions of driver work per request; the
 * packet figures include both guests' driver work and one vCPU switch each way per batch of
 * BATCH frames. Each figure prints as "BENCH <name> <value> <unit>".
 */
const char guest_name[] = "vbench";

#define T_IN 0
#define T_OUT 1
#define F_MAC (1ull << 5)
#define F_SEG_MAX (1ull << 2)
#define HDR_LEN 12
#define SPINS 100000000u
#define BLK_N 2000u
#define SEQ_N 32u
#define BATCH 64u
#define NET_BATCHES 64u
#define RXBUF 1536
#define NRX 128

enum { DATA = 1, END, DONE };

struct blk_hdr {
	uint32_t type;
	uint32_t reserved;
	uint64_t sector;
};

struct eth {
	uint8_t vhdr[HDR_LEN];
	uint8_t dst[6], src[6];
	uint8_t type_be[2];
	uint32_t kind;
	uint32_t count;
} __attribute__((packed));

static struct vio_dev blk, net;
static struct vio_queue bq, rxq, txq;
static struct blk_hdr hdr;
static volatile uint8_t status;
static uint8_t page[4096] __attribute__((aligned(4096)));
static uint8_t mib[1 << 20] __attribute__((aligned(4096)));
static uint8_t rxbuf[NRX][RXBUF] __attribute__((aligned(4096)));
static uint8_t txbuf[BATCH][RXBUF] __attribute__((aligned(4096)));
static uint8_t mac[6], peer[6];

#define ADDR(p) ((uint64_t)(uintptr_t)(p))

static void yield(void)
{
	hypercall(BASALT_HC_YIELD, 0, 0, 0);
}

static void blk_request(uint32_t type, uint64_t sector, void *data, uint32_t len)
{
	struct vio_buf b[3] = {
		{ ADDR(&hdr), sizeof(hdr), false },
		{ ADDR(data), len, type == T_IN },
		{ ADDR(&status), 1, true },
	};
	uint32_t id, used;

	hdr = (struct blk_hdr){ .type = type, .sector = sector };
	vio_add(&bq, b, 3);
	vio_kick(&bq);
	if (!vio_get(&bq, &id, &used, SPINS) || status != 0)
		fail(guest_name, "blk request type %u sector %lu failed (status %u)", type, (unsigned long)sector, status);
}

static void bench_blk(void)
{
	uint64_t t0, t1;

	if (vio_open(&blk, 5, 2, F_SEG_MAX) || vio_queue_init(&blk, &bq, 0, 0))
		fail(guest_name, "virtio-blk at 00:05.0 did not open");
	vio_driver_ok(&blk);
	/* Let vbench-b boot first: its start (some 2 M instructions on this core) otherwise lands in
	 * the timed loops, whichever runs when its first time slice comes (it was the write figure). */
	for (uint32_t i = 0; i < 4; i++)
		yield();
	for (uint32_t i = 0; i < 64; i++) /* warm up: every page of the buffers touched */
		blk_request(T_OUT, i * 8, page, 4096);
	t0 = rdtsc_ordered();
	for (uint32_t i = 0; i < BLK_N; i++)
		blk_request(T_IN, (i * 8 * 37) % (120000), page, 4096);
	t1 = rdtsc_ordered();
	printf("BENCH virtio_blk_4k_read %lu instructions\n", (unsigned long)((t1 - t0) / BLK_N));
	t0 = rdtsc_ordered();
	for (uint32_t i = 0; i < BLK_N; i++)
		blk_request(T_OUT, (i * 8 * 37) % (120000), page, 4096);
	t1 = rdtsc_ordered();
	printf("BENCH virtio_blk_4k_write %lu instructions\n", (unsigned long)((t1 - t0) / BLK_N));
	t0 = rdtsc_ordered();
	for (uint32_t i = 0; i < SEQ_N; i++)
		blk_request(T_IN, (uint64_t)i * 2048, mib, sizeof(mib));
	t1 = rdtsc_ordered();
	/* MiB per 10^9 instructions, to one decimal */
	printf("BENCH virtio_blk_seq_read %lu.%lu MiB/Ginsn\n", (unsigned long)(SEQ_N * 1000000000ull / (t1 - t0)),
	       (unsigned long)(SEQ_N * 10000000000ull / (t1 - t0) % 10));
}

static void open_net(void)
{
	if (vio_open(&net, 9, 1, F_MAC) || vio_queue_init(&net, &rxq, 0, 0) || vio_queue_init(&net, &txq, 1, 0))
		fail(guest_name, "virtio-net at 00:09.0 did not open");
	for (unsigned i = 0; i < 6; i++)
		mac[i] = vio_cfg8(&net, i);
	memcpy(peer, mac, 6);
	peer[5] = mac[5] == 0xa1 ? 0xa2 : 0xa1;
	vio_driver_ok(&net);
	for (unsigned i = 0; i < NRX; i++) {
		struct vio_buf b = { ADDR(rxbuf[i]), RXBUF, true };

		vio_add(&rxq, &b, 1);
	}
	vio_kick(&rxq);
}

static void fill(uint8_t *buf, uint32_t kind, uint32_t count)
{
	struct eth *e = (struct eth *)buf;

	memset(e->vhdr, 0, HDR_LEN);
	memcpy(e->dst, peer, 6);
	memcpy(e->src, mac, 6);
	e->type_be[0] = 0x88;
	e->type_be[1] = 0xb5;
	e->kind = kind;
	e->count = count;
}

/* Queues one frame of len bytes (Ethernet header included) from txbuf[slot]; no kick. */
static void queue_tx(unsigned slot, uint32_t len)
{
	struct vio_buf b = { ADDR(txbuf[slot]), HDR_LEN + len, false };

	vio_add(&txq, &b, 1);
}

static void reap_tx(unsigned n)
{
	uint32_t id, used;

	for (unsigned i = 0; i < n; i++)
		while (!vio_get(&txq, &id, &used, 0))
			yield();
}

/* Takes every frame the device has returned (yielding while there is none), calls on_frame for
 * each, then re-posts all their buffers with one notify: a notify is an exit, a frame need not be. */
static void drain_rx(void (*on_frame)(uint32_t kind, uint32_t count))
{
	uint32_t id, used;
	unsigned n = 0;
	uint64_t addrs[NRX];

	while (!vio_get(&rxq, &id, &used, 0))
		yield();
	do {
		const struct eth *e = (const struct eth *)(uintptr_t)rxq.desc[id].addr;

		addrs[n++] = rxq.desc[id].addr;
		on_frame(e->kind, e->count);
	} while (n < NRX && vio_get(&rxq, &id, &used, 0));
	for (unsigned i = 0; i < n; i++) {
		struct vio_buf b = { addrs[i], RXBUF, true };

		vio_add(&rxq, &b, 1);
	}
	vio_kick(&rxq);
}

static uint32_t seen_kind, seen_count, frames_counted, ends;

static void note_done(uint32_t kind, uint32_t count)
{
	if (kind == DONE) {
		seen_kind = DONE;
		seen_count = count;
	}
}

/* a: NET_BATCHES batches of BATCH frames of len bytes, then END; the time until b's DONE. */
static void stream(uint32_t len, const char *name)
{
	uint32_t count;
	uint64_t t0, t1, frames = (uint64_t)NET_BATCHES * BATCH;

	for (unsigned i = 0; i < BATCH; i++)
		fill(txbuf[i], DATA, 0);
	t0 = rdtsc_ordered();
	for (unsigned b = 0; b < NET_BATCHES; b++) {
		for (unsigned i = 0; i < BATCH; i++)
			queue_tx(i, len);
		vio_kick(&txq);
		reap_tx(BATCH);
		yield(); /* b drains its receive ring */
	}
	fill(txbuf[0], END, 0);
	queue_tx(0, 64);
	vio_kick(&txq);
	reap_tx(1);
	seen_kind = 0;
	while (seen_kind != DONE)
		drain_rx(note_done);
	count = seen_count;
	t1 = rdtsc_ordered();
	if (count != frames)
		printf("# %s unavailable: %u of %lu frames arrived\n", name, count, (unsigned long)frames);
	else
		printf("BENCH %s %lu instructions\n", name, (unsigned long)((t1 - t0) / frames));
	if (len == 1514 && count == frames)
		printf("BENCH virtio_net_stream %lu.%lu MiB/Ginsn\n",
		       (unsigned long)(frames * 1500 * 1000000000ull / (t1 - t0) >> 20),
		       (unsigned long)((frames * 1500 * 10000000000ull / (t1 - t0) >> 20) % 10));
}

static void count_frame(uint32_t kind, uint32_t count)
{
	(void)count;
	if (kind == DATA) {
		frames_counted++;
	} else if (kind == END) {
		fill(txbuf[0], DONE, frames_counted);
		queue_tx(0, 64);
		vio_kick(&txq);
		reap_tx(1);
		frames_counted = 0;
		ends++;
	}
}

static void counter(void)
{
	while (ends < 2)
		drain_rx(count_frame);
}

void guest_main(void)
{
	open_net();
	if (mac[5] == 0xa2) {
		counter();
		pass(guest_name);
	}
	bench_blk();
	stream(64, "virtio_net_packet_64");
	stream(1514, "virtio_net_packet_1500");
	pass(guest_name);
}
