UNIT_TESTS += vpit
UNIT_SRCS_vpit := drivers/pc/vpit.c
