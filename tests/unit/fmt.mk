UNIT_TESTS += fmt
UNIT_SRCS_fmt := kernel/fmt.c kernel/console.c
