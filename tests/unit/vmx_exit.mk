UNIT_TESTS += vmx_exit
UNIT_SRCS_vmx_exit := arch/x86/vmx/vmx_exit.c
