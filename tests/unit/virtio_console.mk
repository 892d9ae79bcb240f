UNIT_TESTS += virtio_console
UNIT_SRCS_virtio_console := drivers/virtio/virtio_console.c drivers/virtio/virtio_pci.c kernel/console.c drivers/virtio/virtio_pci_common.c \
                            drivers/virtio/virtqueue.c kernel/fmt.c drivers/pc/vpci.c drivers/pc/vpci_func.c \
                            drivers/pc/vpci_bar.c drivers/pc/vpci_irq.c
