UNIT_TESTS += bzimage
UNIT_SRCS_bzimage := kernel/bzimage.c kernel/fmt.c
