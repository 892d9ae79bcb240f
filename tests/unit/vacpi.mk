UNIT_TESTS += vacpi
UNIT_SRCS_vacpi := drivers/pc/aml.c drivers/pc/vacpi_tables.c drivers/pc/vacpi_dsdt.c \
                   arch/x86/acpi.c
