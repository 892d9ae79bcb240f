UNIT_TESTS += multiboot
UNIT_SRCS_multiboot := kernel/multiboot.c kernel/multiboot_info.c kernel/e820.c kernel/fmt.c
