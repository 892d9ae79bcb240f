UNIT_TESTS += guest_walk
UNIT_SRCS_guest_walk := kernel/guest_walk.c
