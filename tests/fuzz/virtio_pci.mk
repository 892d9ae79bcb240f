FUZZ_TARGETS += virtio_pci
FUZZ_SRCS_virtio_pci := drivers/virtio/virtio_pci.c kernel/console.c drivers/virtio/virtio_pci_common.c drivers/virtio/virtqueue.c \
                        kernel/fmt.c drivers/pc/vpci.c drivers/pc/vpci_func.c drivers/pc/vpci_bar.c drivers/pc/vpci_irq.c
