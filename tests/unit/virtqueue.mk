UNIT_TESTS += virtqueue virtqueue_indirect virtqueue_notify
UNIT_SRCS_virtqueue := drivers/virtio/virtqueue.c kernel/fmt.c
UNIT_SRCS_virtqueue_indirect := drivers/virtio/virtqueue.c kernel/fmt.c
UNIT_SRCS_virtqueue_notify := drivers/virtio/virtqueue.c kernel/fmt.c
