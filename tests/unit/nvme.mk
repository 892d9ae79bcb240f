UNIT_TESTS += nvme
UNIT_SRCS_nvme := drivers/host/nvme.c drivers/host/nvme_io.c drivers/host/nvme_queue.c kernel/fmt.c
