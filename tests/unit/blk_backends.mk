UNIT_TESTS += blk_backends
UNIT_SRCS_blk_backends := drivers/block/ramdisk.c drivers/block/partition.c kernel/fmt.c
