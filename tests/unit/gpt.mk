UNIT_TESTS += gpt
UNIT_SRCS_gpt := drivers/host/gpt.c drivers/host/crc32.c
