UNIT_TESTS += aml
UNIT_SRCS_aml := drivers/pc/aml.c
