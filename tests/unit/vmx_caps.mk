UNIT_TESTS += vmx_caps
UNIT_SRCS_vmx_caps := arch/x86/vmx/vmx_caps.c kernel/fmt.c
