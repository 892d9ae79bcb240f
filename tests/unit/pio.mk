UNIT_TESTS += pio
UNIT_SRCS_pio := kernel/pio.c
