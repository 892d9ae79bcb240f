UNIT_TESTS += gmem
UNIT_SRCS_gmem := kernel/gmem.c
