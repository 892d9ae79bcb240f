FUZZ_TARGETS += vioapic
FUZZ_SRCS_vioapic := drivers/pc/vioapic.c
