FUZZ_TARGETS += virtqueue
FUZZ_SRCS_virtqueue := drivers/virtio/virtqueue.c kernel/fmt.c
