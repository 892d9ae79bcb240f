UNIT_TESTS += vcmos
UNIT_SRCS_vcmos := drivers/vcmos.c
