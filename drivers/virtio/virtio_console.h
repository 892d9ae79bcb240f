/* SPDX-License-Identifier: MIT */
/* virtio-console (device id 3), one port: guest output to the host console, host input to the guest. */
#ifndef BASALT_VIRTIO_CONSOLE_H
#define BASALT_VIRTIO_CONSOLE_H

#include <stddef.h>
#include <stdint.h>

#include "drivers/virtio/virtio_pci.h"

#define VIRTIO_CONSOLE_DEVICE_ID 3
#define VIRTIO_CONSOLE_RXQ 0      /* receiveq: device -> driver (host input) */
#define VIRTIO_CONSOLE_TXQ 1      /* transmitq: driver -> device (guest output) */
#define VIRTIO_CONSOLE_QSIZE 64
#define VIRTIO_CONSOLE_TX_MAX 4096u /* bytes of one transmit chain printed; the rest counted as cut */
#define VIRTIO_CONSOLE_FIFO 256u    /* input bytes kept while the driver has no buffer posted */
#define VIRTIO_CONSOLE_CONFIG_SIZE 8 /* cols, rows, max_nr_ports: all read 0 (no features offered) */
#define VIRTIO_CONSOLE_SLOT 4        /* 00:04.0 on a pc VM's bus (the PCI test device is at 1) */

/* Device config (virtio 1.2, 5.3.4) as far as it is exposed. */
struct virtio_console_config {
	uint16_t cols;
	uint16_t rows;
	uint32_t max_nr_ports;
} __attribute__((packed));
_Static_assert(sizeof(struct virtio_console_config) == VIRTIO_CONSOLE_CONFIG_SIZE, "virtio console config is 8 bytes");
_Static_assert(offsetof(struct virtio_console_config, max_nr_ports) == 4, "max_nr_ports at 4");

struct virtio_console {
	struct virtio_pci_dev dev;
	struct vm *vm;
	struct virtq_chain chain;       /* the chain being served (too big for a stack) */
	uint8_t bounce[256];            /* transmit bytes on their way to the console */
	uint8_t fifo[VIRTIO_CONSOLE_FIFO];
	unsigned fifo_head, fifo_count;
	uint64_t rx_dropped;            /* input bytes lost to a full FIFO */
	uint64_t tx_cut;                /* output bytes beyond VIRTIO_CONSOLE_TX_MAX in one chain */
};

/* Sets up vc (zeroed by the caller) as vm's virtio console; not on the bus yet. 0 or -errno. */
int virtio_console_init(struct virtio_console *vc, struct vm *vm);
/* Allocates, initialises and registers one at VIRTIO_CONSOLE_SLOT; vm->virtio_console points to it. */
int virtio_console_attach(struct vm *vm);
/* Host input for the guest, vm->lock held (the same order as a guest's BAR access: vm->lock then
 * dev->lock, taken here). Bytes go into posted receive buffers, else into the FIFO, else dropped. */
void virtio_console_input(struct virtio_console *vc, const uint8_t *bytes, size_t len);

#endif
