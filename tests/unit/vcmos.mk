UNIT_TESTS += vcmos
UNIT_SRCS_vcmos := drivers/pc/vcmos.c
