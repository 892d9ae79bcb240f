UNIT_TESTS += vpic
UNIT_SRCS_vpic := drivers/pc/vpic.c
