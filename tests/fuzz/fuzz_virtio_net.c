/* SPDX-License-Identifier: MIT */
/* libFuzzer target: two hostile virtio-net drivers and a watching port on one switch; counters and anti-spoofing hold. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#ifdef FUZZ_VERBOSE
#include <stdio.h>
#endif

#include "drivers/virtio/virtio_net.h"
#include "tests/unit/virtq_doubles.h"
#include "tests/unit/vpci_doubles.h"
#include "tests/fuzz/fuzz_input.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define SLOT 3
#define RAM_GPA 0x100000ull
#define RAM_SIZE 0x40000ull
#define QS 16u
#define RXD 0x0000u /* offsets in RAM: rx ring parts, tx ring parts, tx data, rx buffers */
#define RXA 0x0400u
#define RXU 0x0600u
#define TXD 0x1000u
#define TXA 0x1400u
#define TXU 0x1600u
#define TXDATA 0x2000u
#define TXSLOT 0x2400u
#define RXDATA 0x10000u
#define RXSLOT 0x3000u
#define HDR 12u

struct g {
	struct vm vm;
	uint8_t *ram;
	struct virtio_net *vn;
	uint16_t avail[2];
	uint16_t seen_used;      /* rx used entries checked so far */
	uint64_t rx_gpa[QS];     /* first segment of the rx chain posted at each head */
	uint32_t rx_first[QS], rx_total[QS];
	bool posted[QS];         /* an rx chain at that head is out with the device */
	bool tainted[QS];        /* reposted while out: which layout the device used is unknown */
	bool tampered;           /* the driver scribbled on its rings: entries may be anything */
	uint8_t tx_next;
};

static struct g gs[2];
static struct vswitch sw;
static struct vswitch_port watch;
static uint8_t mac[2][6];
static uint8_t buf[VSWITCH_MTU_MAX + 64];
static bool spoof0;

static void wake(struct vswitch_port *p)
{
	(void)p;
}

static uint8_t *host(struct g *g, uint64_t off)
{
	return g->ram + off;
}

static void bar(struct g *g, uint32_t off, unsigned size, uint64_t v)
{
	virtio_pci_bar_access(&g->vn->dev, off, size, true, &v);
}

static void cc(struct g *g, uint32_t field, unsigned size, uint64_t v)
{
	bar(g, VIRTIO_PCI_COMMON_OFF + field, size, v);
}

#define CCO(f) ((uint32_t)offsetof(struct virtio_pci_common_cfg, f))

static void queue(struct g *g, unsigned q, uint32_t d, uint32_t a, uint32_t u)
{
	cc(g, CCO(queue_select), 2, q);
	cc(g, CCO(queue_size), 2, QS);
	cc(g, CCO(queue_desc), 8, RAM_GPA + d);
	cc(g, CCO(queue_driver), 8, RAM_GPA + a);
	cc(g, CCO(queue_device), 8, RAM_GPA + u);
	cc(g, CCO(queue_enable), 2, 1);
}

static void bring_up(struct g *g, uint64_t features)
{
	uint64_t f = (features & (VIRTIO_NET_FEATURES | (1ull << VIRTIO_F_EVENT_IDX) |
				  (1ull << VIRTIO_F_INDIRECT_DESC))) | (1ull << VIRTIO_F_VERSION_1);

	cc(g, CCO(device_status), 1, 0);
	memset(g->ram, 0, 0x2000); /* fresh rings */
	g->avail[0] = g->avail[1] = 0;
	g->seen_used = 0;
	g->tampered = false;
	memset(g->posted, 0, sizeof(g->posted));
	memset(g->tainted, 0, sizeof(g->tainted));
	cc(g, CCO(device_status), 1, 3);
	cc(g, CCO(driver_feature_select), 4, 0);
	cc(g, CCO(driver_feature), 4, (uint32_t)f);
	cc(g, CCO(driver_feature_select), 4, 1);
	cc(g, CCO(driver_feature), 4, (uint32_t)(f >> 32));
	cc(g, CCO(device_status), 1, 0xb);
	queue(g, 0, RXD, RXA, RXU);
	queue(g, 1, TXD, TXA, TXU);
	cc(g, CCO(device_status), 1, 0xf);
}

static void kick(struct g *g, unsigned q)
{
	bar(g, VIRTIO_PCI_NOTIFY_OFF + q * VIRTIO_PCI_NOTIFY_MULT, 2, q);
}

static void desc(struct g *g, uint32_t table, unsigned i, uint64_t off, uint32_t len, uint16_t flags, uint16_t next)
{
	struct virtq_desc d = { .addr = RAM_GPA + off, .len = len, .flags = flags, .next = next };

	memcpy(host(g, table + 16u * (i % QS)), &d, sizeof(d));
}

static void publish(struct g *g, unsigned q, uint16_t head)
{
	uint32_t a = q ? TXA : RXA;
	uint16_t idx = ++g->avail[q];

	memcpy(host(g, a + 4 + 2u * ((idx - 1) % QS)), &head, 2);
	memcpy(host(g, a + 2), &idx, 2);
}

static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

static void pick_mac(struct input *in, unsigned who, uint8_t out[6])
{
	switch (take(in, 1) % 5) {
	case 0: memcpy(out, mac[who], 6); break;
	case 1: memcpy(out, mac[!who], 6); break;
	case 2: memcpy(out, bcast, 6); break;
	case 3: memcpy(out, watch.mac, 6); break;
	default:
		for (unsigned i = 0; i < 6; i++)
			out[i] = (uint8_t)take(in, 1);
	}
}

/* A tx chain: header fields, a frame with chosen MACs and length, split into up to 4 buffers. */
static void op_tx(struct input *in, unsigned who)
{
	struct g *g = &gs[who];
	uint8_t *p = host(g, TXDATA + (g->tx_next % 4u) * TXSLOT);
	uint32_t len = (uint32_t)take(in, 2) % (VSWITCH_MTU_MAX + 40), total, off = 0;
	unsigned nseg = 1 + (unsigned)take(in, 1) % 4, head = g->tx_next % QS;
	uint8_t ctl = (uint8_t)take(in, 1);

	memset(p, 0, HDR);
	if (ctl & 1)
		p[0] = (uint8_t)take(in, 1); /* flags */
	if (ctl & 2)
		p[1] = (uint8_t)take(in, 1); /* gso_type */
	pick_mac(in, who, p + HDR);
	pick_mac(in, !(ctl & 4) ? who ^ 1 : who, p + HDR + 6);
	if (!(ctl & 8))
		memcpy(p + HDR + 6, mac[who], 6); /* mostly honest senders, to get frames through */
	for (uint32_t i = 12; i < len; i++)
		p[HDR + i] = (uint8_t)(i * 31 + ctl);
	total = HDR + len;
	for (unsigned s = 0; s < nseg; s++) {
		uint32_t n = s + 1 == nseg ? total - off : (uint32_t)take(in, 2) % (total - off + 1);
		bool last = s + 1 == nseg;
		uint16_t flags = (uint16_t)((last ? 0 : VIRTQ_DESC_F_NEXT) | ((ctl & 0x10) && last ? VIRTQ_DESC_F_WRITE : 0));

		desc(g, TXD, head + s, TXDATA + (g->tx_next % 4u) * TXSLOT + off, n, flags, (uint16_t)((head + s + 1) % QS));
		off += n;
	}
	publish(g, 1, (uint16_t)head);
	g->tx_next = (uint8_t)(g->tx_next + nseg);
}

/* An rx chain of up to 4 writable buffers inside the head's slot (sometimes a readable one first). */
static void op_rx_post(struct input *in, unsigned who)
{
	struct g *g = &gs[who];
	unsigned head = 4 * ((unsigned)take(in, 1) % 4), nseg = 1 + (unsigned)take(in, 1) % 4;
	uint32_t base = RXDATA + head * RXSLOT, off = 0;
	bool bad = take(in, 1) == 0xee;

	g->tainted[head] |= g->posted[head];
	g->posted[head] = true;
	g->rx_total[head] = 0;
	for (unsigned s = 0; s < nseg; s++) {
		uint32_t n = 1 + (uint32_t)take(in, 2) % (RXSLOT / 4);
		uint16_t flags = (uint16_t)((s + 1 < nseg ? VIRTQ_DESC_F_NEXT : 0) | (bad && !s ? 0 : VIRTQ_DESC_F_WRITE));
		unsigned d = head + s; /* heads are 4 apart: a chain's descriptors are its own */

		if (!s) {
			g->rx_gpa[head] = RAM_GPA + base;
			g->rx_first[head] = bad ? 0 : n; /* a readable first buffer: the header is not there */
		}
		if (flags & VIRTQ_DESC_F_WRITE)
			g->rx_total[head] += n;
		desc(g, RXD, d, base + off, n, flags, (uint16_t)(d + 1));
		off += n;
	}
	publish(g, 0, (uint16_t)head);
}

/* New rx used entries: within what was lent, header as promised, source MAC honest. */
static void check_rx_used(struct g *g)
{
	uint16_t used;

	memcpy(&used, host(g, RXU + 2), 2);
	for (unsigned n = 0; g->seen_used != used && n < 4 * QS; n++, g->seen_used++) {
		uint32_t id, len;
		const uint8_t *h;

		memcpy(&id, host(g, RXU + 4 + 8u * (g->seen_used % QS)), 4);
		memcpy(&len, host(g, RXU + 8 + 8u * (g->seen_used % QS)), 4);
		if (g->tampered)
			continue;
		CHECK(id < QS);
		if (g->tainted[id])
			continue;
		CHECK(g->posted[id] && len <= g->rx_total[id]);
		g->posted[id] = false;
		if ( !len || g->rx_first[id] < HDR + ETH_HLEN || len < HDR + ETH_HLEN)
			continue;
		h = host(g, g->rx_gpa[id] - RAM_GPA);
		CHECK(h[10] == 1 && h[11] == 0 && h[0] == 0 && h[1] == 0);
		if (!spoof0)
			CHECK(!memcmp(h + HDR + 6, mac[0], 6) || !memcmp(h + HDR + 6, mac[1], 6));
	}
}

static void check_port(const struct vswitch_port *p)
{
	const struct vswitch_port_stats *s = &p->stats;

	CHECK(s->tx_attempts == s->tx_frames + s->dropped_spoof + s->dropped_undersize + s->dropped_oversize +
				       s->dropped_local);
	CHECK(p->inbox.used <= VSWITCH_INBOX_BYTES);
}

static void check_all(void)
{
	uint64_t deliveries = 0;

	for (unsigned i = 0; i < 2; i++) {
		const struct virtio_net *vn = gs[i].vn;
		const struct virtio_net_stats *s = &vn->stats;

		check_port(&vn->port);
		deliveries += vn->port.stats.rx_frames + vn->port.stats.dropped_inbox_full + vn->port.stats.dropped_fault;
		CHECK(s->tx_chains == s->tx_sent + s->tx_bad_chain + s->tx_bad_hdr + s->tx_dropped);
		CHECK(vn->port.stats.tx_attempts == s->tx_sent + s->tx_dropped);
		CHECK(vn->port.stats.tx_frames == s->tx_sent);
		CHECK(vn->port.stats.rx_frames ==
		      s->rx_frames + s->rx_too_big + s->rx_fault + vn->port.stats.flushed + vn->port.inbox.frames);
		CHECK(s->rx_flushed == vn->port.stats.flushed);
		check_rx_used(&gs[i]);
	}
	check_port(&watch);
	deliveries += watch.stats.rx_frames + watch.stats.dropped_inbox_full + watch.stats.dropped_fault;
	CHECK(deliveries == sw.stats.deliveries);
	/* The watching port sees every flood: honest sources only, unless port 0 may spoof. */
	for (int n; (n = vswitch_inbox_pop(&watch, buf, sizeof(buf))) >= 0;) {
		CHECK(n >= ETH_HLEN && (uint32_t)n <= ETH_HLEN + sw.mtu + VSWITCH_VLAN_TAG);
		if (!spoof0)
			CHECK(!memcmp(buf + 6, mac[0], 6) || !memcmp(buf + 6, mac[1], 6));
	}
}

static void setup(struct input *in)
{
	unsigned mtu = VSWITCH_MTU_MIN + (unsigned)take(in, 2) % (VSWITCH_MTU_MAX - VSWITCH_MTU_MIN + 1);
	uint8_t wm[6] = { 0x02, 0x77, 0x77, 0x77, 0x77, 0x77 };

	(void)d_pio; /* the doubles' guest-access paths: this target calls the BAR handler directly */
	(void)d_mmio;
	spoof0 = take(in, 1) & 1;
	CHECK(vswitch_init(&sw, "fuzz", mtu) == 0);
	CHECK(vswitch_port_attach(&sw, &watch, wm, false, wake, NULL) == 0);
	d_clear_vms();
	d_vm = NULL;
	for (unsigned i = 0; i < 2; i++) {
		struct g *g = &gs[i];

		memset(g, 0, sizeof(*g));
		g->vm.mem[0] = (struct gmem_region){ 0, 256ull << 20, 0 };
		g->vm.nr_regions = 1;
		g->ram = calloc(1, RAM_SIZE);
		d_add_vm(&g->vm, g->ram, RAM_GPA, RAM_SIZE);
		eth_mac_from_name(i ? "b" : "a", 0, mac[i]);
		CHECK(vpci_attach(&g->vm) == 0);
		g->vn = pages_alloc((sizeof(struct virtio_net) + PAGE_SIZE - 1) / PAGE_SIZE, PAGE_SIZE);
		CHECK(virtio_net_init(g->vn, &g->vm, &sw, mac[i], i == 0 && spoof0, wake, g) == 0);
		CHECK(virtio_pci_register(&g->vn->dev, &g->vm, SLOT) == 0);
		bring_up(g, take(in, 8));
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = { data, size };

	setup(&in);
	for (unsigned ops = 0; in.left && ops < 64; ops++) {
		uint8_t op = (uint8_t)take(&in, 1);
		unsigned who = op >> 7;
		struct g *g = &gs[who];

		switch (op % 8) {
		case 0: case 1: op_tx(&in, who); break;
		case 2: kick(g, 1); break;
		case 3: op_rx_post(&in, who); break;
		case 4: kick(g, 0); break;
		case 5: virtio_net_poll_rx(g->vn); break;
		case 6: bring_up(g, take(&in, 8)); break; /* reset in the middle */
		default: /* a hostile write into its rings */
			g->tampered = true;
			host(g, (uint32_t)take(&in, 2) % 0x2000)[0] = (uint8_t)take(&in, 1);
		}
		check_all();
	}
#ifdef FUZZ_VERBOSE /* build with -DFUZZ_VERBOSE to see how far a seed gets */
	for (unsigned i = 0; i < 2; i++)
		fprintf(stderr, "dev %u: tx %llu sent %llu rx %llu too_big %llu; watch %llu\n", i,
			(unsigned long long)gs[i].vn->stats.tx_chains, (unsigned long long)gs[i].vn->stats.tx_sent,
			(unsigned long long)gs[i].vn->stats.rx_frames, (unsigned long long)gs[i].vn->stats.rx_too_big,
			(unsigned long long)watch.stats.rx_frames);
#endif
	for (unsigned i = 0; i < 2; i++) {
		virtio_net_detach(gs[i].vn);
		free(gs[i].ram);
	}
	vswitch_port_detach(&watch);
	d_clear_vms();
	d_free_pages();
	return 0;
}
