UNIT_TESTS += linux_loader
UNIT_SRCS_linux_loader := kernel/linux_loader.c kernel/bzimage.c kernel/e820.c kernel/fmt.c
