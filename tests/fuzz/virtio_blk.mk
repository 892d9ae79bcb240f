FUZZ_TARGETS += virtio_blk
FUZZ_SRCS_virtio_blk := drivers/virtio/virtio_blk.c drivers/block/ramdisk.c drivers/virtio/virtio_pci.c kernel/console.c \
                        drivers/virtio/virtio_pci_common.c drivers/virtio/virtqueue.c kernel/fmt.c drivers/pc/vpci.c \
                        drivers/pc/vpci_func.c drivers/pc/vpci_bar.c drivers/pc/vpci_irq.c
