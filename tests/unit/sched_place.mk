UNIT_TESTS += sched_place
UNIT_SRCS_sched_place := sched/sched.c sched/sched_place.c sched/sched_rr.c sched/sched_shares.c
