UNIT_TESTS += vpit
UNIT_SRCS_vpit := drivers/vpit.c
