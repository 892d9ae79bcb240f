FUZZ_TARGETS += vpci
FUZZ_SRCS_vpci := drivers/pc/vpci.c drivers/pc/vpci_func.c drivers/pc/vpci_bar.c drivers/pc/vpci_irq.c \
                  drivers/pc/vpci_testdev.c
