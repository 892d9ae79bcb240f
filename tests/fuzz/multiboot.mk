FUZZ_TARGETS += multiboot
FUZZ_SRCS_multiboot := kernel/multiboot.c kernel/multiboot_info.c kernel/e820.c kernel/fmt.c
