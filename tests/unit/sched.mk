UNIT_TESTS += sched
UNIT_SRCS_sched := sched/sched.c sched/sched_place.c sched/sched_rr.c sched/sched_shares.c
