UNIT_TESTS += cr_rules
UNIT_SRCS_cr_rules := kernel/cr_rules.c
