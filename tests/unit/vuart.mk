UNIT_TESTS += vuart
UNIT_SRCS_vuart := drivers/vuart.c
