UNIT_TESTS += ept
UNIT_SRCS_ept := arch/x86/vmx/ept_encode.c kernel/nested_pt.c
