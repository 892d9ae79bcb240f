UNIT_TESTS += tick_owed
UNIT_SRCS_tick_owed :=
