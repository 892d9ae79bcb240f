UNIT_TESTS += host_storage
UNIT_SRCS_host_storage := drivers/host/host_storage.c drivers/block/partition.c drivers/host/gpt.c drivers/host/crc32.c \
                          drivers/host/nvme.c drivers/host/nvme_io.c drivers/host/nvme_queue.c drivers/host/pci_host.c \
                          arch/x86/acpi.c kernel/fmt.c
