UNIT_TESTS += vioapic
UNIT_SRCS_vioapic := drivers/pc/vioapic.c
