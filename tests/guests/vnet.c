/* SPDX-License-Identifier: MIT */
/* virtio-net through the in-hypervisor switch: echo, broadcast, jumbo frames, a spoofing port, an isolated switch. */
#include "lib/guest.h"
#include "lib/vio.h"

/*
 * One binary, four roles chosen by the port's MAC (tests/configs/vnet.dts):
 *   02:00:00:00:00:01  pinger   (lan0) broadcasts hello, sends pings of 60..9014 bytes to the echo
 *                               VM and checks every pong, then says bye
 *   02:00:00:00:00:02  echo     (lan0) answers each ping; fails on any frame whose source is not
 *                               a port's own MAC or comes from the isolated VM; ends after bye
 *                               and the spoofer's done
 *   02:00:00:00:00:03  spoofer  (lan0) sends frames with a forged source MAC (the switch must drop
 *                               them), then one honest "done"
 *   02:00:00:00:00:04  isolated (lan1) sends to everyone on its own switch and must hear nothing
 * The hypervisor's per-port counters, printed when each VM ends, show the drops.
 */
const char guest_name[] = "vnet";

#define F_MTU (1ull << 3)
#define F_MAC (1ull << 5)
#define F_STATUS (1ull << 16)
#define ETHERTYPE 0x88b5 /* IEEE local experimental */
#define HDR_LEN 12       /* struct virtio_net_hdr_v1 */
#define RXBUF 9216
#define NRX 16
#define SPINS 50000000u
#define PINGS 48

enum { HELLO = 1, PING, PONG, BYE, SPOOF, DONE, DONE_ACK };

struct frame {
	uint8_t vhdr[HDR_LEN];
	uint8_t dst[6], src[6];
	uint8_t type_be[2];
	uint32_t magic;
	uint32_t kind;
	uint32_t seq;
	uint32_t len; /* Ethernet frame length, header included */
	uint8_t data[9100];
} __attribute__((packed));

static struct vio_dev dev;
static struct vio_queue rxq, txq;
static uint8_t rxbuf[NRX][RXBUF] __attribute__((aligned(4096)));
static struct frame tx __attribute__((aligned(64)));
static uint8_t mac[6];
static uint16_t mtu;
static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

static void mac_of(unsigned role, uint8_t *m)
{
	static const uint8_t base[6] = { 0x02, 0, 0, 0, 0, 0 };

	memcpy(m, base, 6);
	m[5] = (uint8_t)role;
}

static void post_rx(unsigned i)
{
	struct vio_buf b = { (uint64_t)(uintptr_t)rxbuf[i], RXBUF, true };

	vio_add(&rxq, &b, 1);
}

static void send(const uint8_t *dst, const uint8_t *src, uint32_t kind, uint32_t seq, uint32_t len)
{
	struct vio_buf b = { (uint64_t)(uintptr_t)&tx, HDR_LEN + len, false };
	uint32_t id, used;

	memset(tx.vhdr, 0, HDR_LEN);
	memcpy(tx.dst, dst, 6);
	memcpy(tx.src, src, 6);
	tx.type_be[0] = ETHERTYPE >> 8;
	tx.type_be[1] = ETHERTYPE & 0xff;
	tx.magic = 0x544c5342; /* "BSLT" */
	tx.kind = kind;
	tx.seq = seq;
	tx.len = len;
	for (uint32_t i = 0; i + 32 < len; i++)
		tx.data[i] = (uint8_t)(seq * 31 + i);
	vio_add(&txq, &b, 1);
	vio_kick(&txq);
	if (!vio_get(&txq, &id, &used, SPINS))
		fail(guest_name, "transmit of kind %u seq %u never completed", kind, seq);
}

/* The next received frame (its buffer is re-posted by the caller via done_rx). */
static struct frame *recv(uint32_t *len, unsigned *slot, uint64_t spins)
{
	uint32_t id, used;

	if (!vio_get(&rxq, &id, &used, spins))
		return NULL;
	for (unsigned i = 0; i < NRX; i++) {
		if (rxq.desc[id].addr == (uint64_t)(uintptr_t)rxbuf[i]) {
			*slot = i;
			*len = used;
			return (struct frame *)rxbuf[i];
		}
	}
	fail(guest_name, "used id %u is no rx buffer", id);
}

static void done_rx(unsigned slot)
{
	post_rx(slot);
	vio_kick(&rxq);
}

static void check_frame(const struct frame *f, uint32_t used)
{
	if (used < HDR_LEN + 14)
		fail(guest_name, "a %u-byte rx completion", used);
	if (f->src[0] == 0x02 && f->src[5] == 4 && !memcmp(f->src, "\x02\0\0\0\0", 5))
		fail(guest_name, "heard the isolated VM (another switch)");
	if (f->src[5] == 0x66)
		fail(guest_name, "a frame with a forged source MAC got through");
}

static void open_net(void)
{
	int rc = vio_open(&dev, 9, 1, F_MAC | F_MTU | F_STATUS);

	if (rc)
		fail(guest_name, "virtio-net at 00:09.0: open failed at step %d", -rc);
	if ((dev.features & (F_MAC | F_MTU | F_STATUS)) != (F_MAC | F_MTU | F_STATUS))
		fail(guest_name, "features 0x%lx lack MAC, MTU or STATUS", (unsigned long)dev.features);
	for (unsigned i = 0; i < 6; i++)
		mac[i] = vio_cfg8(&dev, i);
	mtu = vio_cfg16(&dev, 10);
	if (!(vio_cfg16(&dev, 6) & 1))
		fail(guest_name, "link is down");
	if (vio_queue_init(&dev, &rxq, 0, 0) || vio_queue_init(&dev, &txq, 1, 0))
		fail(guest_name, "queues not enabled");
	vio_driver_ok(&dev);
	for (unsigned i = 0; i < NRX; i++)
		post_rx(i);
	vio_kick(&rxq);
}

static void pinger(void)
{
	uint8_t echo[6];
	unsigned got = 0;

	mac_of(2, echo);
	send(bcast, mac, HELLO, 0, 64); /* heard by whoever is up: not counted on */
	for (uint32_t seq = 0; seq < PINGS; seq++) {
		uint32_t len = seq == PINGS - 1 ? 14u + mtu : 60u + seq * (1514u - 60u) / (PINGS - 2);
		struct frame *f;
		uint32_t used;
		unsigned slot;

		/* Resent until answered: a frame that reaches the echo VM before its driver has reset
		 * the device is dropped with the rest of its inbox, as a real NIC drops while down. */
		for (unsigned tries = 0;; tries++) {
			if (tries == 40)
				fail(guest_name, "no pong for ping %u (%u bytes) after %u tries", seq, len, tries);
			send(echo, mac, PING, seq, len);
			f = recv(&used, &slot, SPINS / 16);
			while (f) {
				check_frame(f, used);
				if (f->kind == PONG && f->seq == seq)
					break;
				done_rx(slot); /* a pong of an earlier try */
				f = recv(&used, &slot, SPINS / 16);
			}
			if (f)
				break;
		}
		if (used != HDR_LEN + len || f->len != len)
			fail(guest_name, "pong %u: %u bytes, expected %u", seq, used - HDR_LEN, len);
		for (uint32_t i = 0; i + 32 < len; i++)
			if (f->data[i] != (uint8_t)(seq * 31 + i))
				fail(guest_name, "pong %u: byte %u differs", seq, i);
		done_rx(slot);
		got++;
	}
	send(echo, mac, BYE, 0, 64);
	printf("vnet: %u pings of 60..%u bytes answered, MTU %u\n", got, 14u + mtu, mtu);
}

static void echo_vm(void)
{
	bool bye = false, spoof_done = false;
	unsigned pongs = 0, hellos = 0;

	while (!bye || !spoof_done) {
		uint32_t used;
		unsigned slot;
		struct frame *f = recv(&used, &slot, SPINS * 4);

		if (!f)
			fail(guest_name, "waiting: bye %d, spoofer done %d", bye, spoof_done);
		check_frame(f, used);
		if (f->kind == PING) {
			uint32_t len = f->len, seq = f->seq;

			if (used != HDR_LEN + len)
				fail(guest_name, "ping %u: %u bytes, its header says %u", seq, used - HDR_LEN, len);
			for (uint32_t i = 0; i + 32 < len; i++)
				if (f->data[i] != (uint8_t)(seq * 31 + i))
					fail(guest_name, "ping %u: byte %u differs", seq, i);
			send(f->src, mac, PONG, seq, len);
			pongs++;
		}
		hellos += f->kind == HELLO;
		bye = bye || f->kind == BYE;
		if (f->kind == DONE) {
			uint8_t from[6];

			memcpy(from, f->src, 6);
			send(from, mac, DONE_ACK, f->seq, 64);
			spoof_done = true;
		}
		done_rx(slot);
	}
	printf("vnet: echoed %s pings, %s hello broadcast, no forged or foreign frame\n", pongs >= PINGS ? "all" : "too few",
	       hellos ? "heard the" : "missed the");
	if (pongs < PINGS)
		fail(guest_name, "echoed only %u pings", pongs);
}

static void spoofer(void)
{
	uint8_t echo[6], forged[6];

	mac_of(2, echo);
	mac_of(0x66, forged);
	for (uint32_t i = 0; i < 8; i++)
		send(echo, forged, SPOOF, i, 100);
	send(bcast, forged, SPOOF, 99, 100);
	/* DONE until the echo VM acknowledges it: one sent before its driver reset the device is
	 * dropped with the rest of its inbox. */
	for (unsigned tries = 0;; tries++) {
		uint32_t used;
		unsigned slot;
		struct frame *f;

		if (tries == 40)
			fail(guest_name, "the echo VM never acknowledged done");
		send(echo, mac, DONE, tries, 64);
		while ((f = recv(&used, &slot, SPINS / 16)) && f->kind != DONE_ACK)
			done_rx(slot); /* the pinger's hello, if it came */
		if (f) {
			done_rx(slot);
			break;
		}
	}
	printf("vnet: sent 9 forged frames, then done\n");
}

static void isolated(void)
{
	uint8_t other[6];
	uint32_t used;
	unsigned slot;

	mac_of(1, other);
	send(bcast, mac, HELLO, 0, 64);
	send(other, mac, PING, 0, 64);
	if (recv(&used, &slot, SPINS / 4))
		fail(guest_name, "the isolated VM heard a frame");
	printf("vnet: isolated switch: sent 2 frames, heard none\n");
}

void guest_main(void)
{
	open_net();
	printf("vnet: port %02x:%02x:%02x:%02x:%02x:%02x, MTU %u\n", mac[0], mac[1], mac[2], mac[3], mac[4], mac[5],
	       mtu);
	if (memcmp(mac, "\x02\0\0\0\0", 5) || mac[5] < 1 || mac[5] > 4)
		fail(guest_name, "unexpected MAC");
	if (mac[5] == 1)
		pinger();
	else if (mac[5] == 2)
		echo_vm();
	else if (mac[5] == 3)
		spoofer();
	else
		isolated();
	pass(guest_name);
}
