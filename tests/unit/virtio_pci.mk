VIRTIO_PCI_UNIT_SRCS := drivers/virtio/virtio_pci.c kernel/console.c drivers/virtio/virtio_pci_common.c drivers/virtio/virtqueue.c \
                        kernel/fmt.c drivers/pc/vpci.c drivers/pc/vpci_func.c drivers/pc/vpci_bar.c drivers/pc/vpci_irq.c
UNIT_TESTS += virtio_pci virtio_pci_queue
UNIT_SRCS_virtio_pci := $(VIRTIO_PCI_UNIT_SRCS)
UNIT_SRCS_virtio_pci_queue := $(VIRTIO_PCI_UNIT_SRCS)
