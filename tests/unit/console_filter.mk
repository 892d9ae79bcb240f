UNIT_TESTS += console_filter
UNIT_SRCS_console_filter := kernel/console_filter.c kernel/console_line.c kernel/console.c kernel/fmt.c
