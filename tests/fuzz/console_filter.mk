FUZZ_TARGETS += console_filter
FUZZ_SRCS_console_filter := kernel/console_filter.c kernel/console_line.c kernel/console.c kernel/fmt.c
