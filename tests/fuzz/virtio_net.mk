FUZZ_TARGETS += virtio_net
FUZZ_SRCS_virtio_net := drivers/virtio/virtio_net.c drivers/net/vswitch.c drivers/net/vswitch_inbox.c \
                        drivers/virtio/virtio_pci.c kernel/console.c drivers/virtio/virtio_pci_common.c drivers/virtio/virtqueue.c \
                        kernel/fmt.c drivers/pc/vpci.c drivers/pc/vpci_func.c drivers/pc/vpci_bar.c drivers/pc/vpci_irq.c
