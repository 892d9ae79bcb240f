FUZZ_TARGETS += bzimage
FUZZ_SRCS_bzimage := kernel/bzimage.c kernel/linux_loader.c kernel/e820.c kernel/fmt.c
