UNIT_TESTS += vacpi_pm
UNIT_SRCS_vacpi_pm := drivers/pc/vacpi_pm.c
