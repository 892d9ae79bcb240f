UNIT_TESTS += palloc
UNIT_SRCS_palloc := kernel/palloc.c
