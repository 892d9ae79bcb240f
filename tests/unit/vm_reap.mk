UNIT_TESTS += vm_reap
UNIT_SRCS_vm_reap := kernel/vm_reap.c
