FUZZ_TARGETS += gpt
FUZZ_SRCS_gpt := drivers/host/gpt.c drivers/host/crc32.c
