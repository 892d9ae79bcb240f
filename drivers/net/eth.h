/* SPDX-License-Identifier: MIT */
/* Ethernet on the wire: the header, address kinds, and the MAC a port gets when its config names none. */
#ifndef BASALT_ETH_H
#define BASALT_ETH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ETH_ALEN 6
#define ETH_HLEN 14

/* Ethernet II header as it lies on the wire (no preamble, no FCS). */
struct eth_hdr {
	uint8_t dst[ETH_ALEN]; /* 0x0 */
	uint8_t src[ETH_ALEN]; /* 0x6 */
	uint16_t ethertype;    /* 0xc: big endian */
} __attribute__((packed));
_Static_assert(sizeof(struct eth_hdr) == ETH_HLEN, "eth_hdr is 14 bytes");
_Static_assert(offsetof(struct eth_hdr, src) == 6, "eth_hdr.src at 6");
_Static_assert(offsetof(struct eth_hdr, ethertype) == 12, "eth_hdr.ethertype at 12");

/* Group bit (multicast and broadcast) and locally-administered bit of the first MAC byte. */
/* Whether two MAC addresses are equal: two loads and compares each, where the freestanding memcmp
 * takes a byte loop (the switch compares addresses several times per frame). */
static inline bool eth_addr_equal(const uint8_t a[ETH_ALEN], const uint8_t b[ETH_ALEN])
{
	uint32_t a4, b4;
	uint16_t a2, b2;

	__builtin_memcpy(&a4, a, 4);
	__builtin_memcpy(&b4, b, 4);
	__builtin_memcpy(&a2, a + 4, 2);
	__builtin_memcpy(&b2, b + 4, 2);
	return a4 == b4 && a2 == b2;
}

static inline bool eth_is_multicast(const uint8_t mac[ETH_ALEN])
{
	return mac[0] & 1u;
}

/* A stable, locally administered unicast MAC (02:..) for port `index` of the VM named vm_name:
 * FNV-1a over the name, a separator and the index, folded. The config derives a port's default
 * MAC with it (kernel/config_dev.c), so it must never change between releases. */
static inline void eth_mac_from_name(const char *vm_name, unsigned index, uint8_t mac[ETH_ALEN])
{
	uint64_t h = 0xcbf29ce484222325ull; /* FNV-1a, 64 bits */

	for (size_t i = 0; vm_name && vm_name[i]; i++)
		h = (h ^ (uint8_t)vm_name[i]) * 0x100000001b3ull;
	h = (h ^ 0xff) * 0x100000001b3ull; /* a separator: ("ab", 1) differs from ("a", ...) */
	for (unsigned i = 0; i < 4; i++)
		h = (h ^ ((index >> (8 * i)) & 0xff)) * 0x100000001b3ull;
	h ^= h >> 29;
	mac[0] = 0x02; /* locally administered, unicast */
	for (unsigned i = 1; i < ETH_ALEN; i++)
		mac[i] = (uint8_t)(h >> (8 * (i - 1)));
}

#endif
