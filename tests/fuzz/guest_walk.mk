FUZZ_TARGETS += guest_walk
FUZZ_SRCS_guest_walk := kernel/guest_walk.c
