UNIT_TESTS += config_dev
UNIT_SRCS_config_dev := kernel/config.c kernel/config_vm.c kernel/config_dev.c kernel/config_sched.c kernel/console.c kernel/fmt.c
