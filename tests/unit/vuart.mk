UNIT_TESTS += vuart
UNIT_SRCS_vuart := drivers/pc/vuart.c
