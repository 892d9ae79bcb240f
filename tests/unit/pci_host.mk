UNIT_TESTS += pci_host
UNIT_SRCS_pci_host := drivers/host/pci_host.c
