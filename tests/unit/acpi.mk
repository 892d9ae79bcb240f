UNIT_TESTS += acpi
UNIT_SRCS_acpi := arch/x86/acpi.c
