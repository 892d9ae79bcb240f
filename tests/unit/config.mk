UNIT_TESTS += config
UNIT_SRCS_config := kernel/config.c kernel/config_vm.c kernel/config_dev.c kernel/config_sched.c kernel/console.c kernel/fmt.c
