UNIT_TESTS += vlapic
UNIT_SRCS_vlapic := drivers/pc/vlapic.c drivers/pc/vlapic_timer.c drivers/pc/apic_bus.c
