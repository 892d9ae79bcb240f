/* SPDX-License-Identifier: MIT */
/* NVMe wire layouts and numbers: controller registers, SQE/CQE, identify fields, opcodes. */
#ifndef BASALT_HOST_NVME_REGS_H
#define BASALT_HOST_NVME_REGS_H

#include <stddef.h>
#include <stdint.h>

/* Controller registers (BAR0), byte offsets. */
#define NVME_REG_CAP 0x00    /* 64-bit */
#define NVME_REG_VS 0x08
#define NVME_REG_INTMS 0x0c
#define NVME_REG_CC 0x14
#define NVME_REG_CSTS 0x1c
#define NVME_REG_AQA 0x24
#define NVME_REG_ASQ 0x28    /* 64-bit */
#define NVME_REG_ACQ 0x30    /* 64-bit */
#define NVME_REG_DOORBELL 0x1000
#define NVME_REGS_BYTES 0x2000 /* what the driver maps: registers and the first doorbells */

#define NVME_CAP_MQES(c) ((uint32_t)((c) & 0xffff))          /* max queue entries - 1 */
#define NVME_CAP_TO(c) ((uint32_t)(((c) >> 24) & 0xff))      /* ready timeout, 500 ms units */
#define NVME_CAP_DSTRD(c) ((uint32_t)(((c) >> 32) & 0xf))    /* doorbell stride: 4 << DSTRD bytes */
#define NVME_CAP_CSS_NVM(c) ((((c) >> 37) & 1) != 0)
#define NVME_CAP_MPSMIN(c) ((uint32_t)(((c) >> 48) & 0xf))   /* 4 KiB << MPSMIN */

#define NVME_CC_EN (1u << 0)
#define NVME_CC_CSS_NVM (0u << 4)
#define NVME_CC_MPS_4K (0u << 7)
#define NVME_CC_AMS_RR (0u << 11)
#define NVME_CC_IOSQES(n) ((uint32_t)(n) << 16)
#define NVME_CC_IOCQES(n) ((uint32_t)(n) << 20)
#define NVME_CSTS_RDY (1u << 0)
#define NVME_CSTS_CFS (1u << 1)

/* Admin opcodes. */
#define NVME_ADM_CREATE_SQ 0x01
#define NVME_ADM_CREATE_CQ 0x05
#define NVME_ADM_IDENTIFY 0x06
/* NVM opcodes. */
#define NVME_CMD_FLUSH 0x00
#define NVME_CMD_WRITE 0x01
#define NVME_CMD_READ 0x02
#define NVME_CMD_WRITE_ZEROES 0x08
#define NVME_CMD_DSM 0x09

#define NVME_CNS_NS 0x00
#define NVME_CNS_CTRL 0x01
#define NVME_CNS_ACTIVE_NS 0x02
#define NVME_DSM_AD (1u << 2)   /* cdw11: deallocate */
#define NVME_QUEUE_PC (1u << 0) /* create queue: physically contiguous */
#define NVME_CQ_IEN (1u << 1)   /* create CQ: interrupts enabled (we leave it clear) */

/* Submission queue entry: 64 bytes (CC.IOSQES = 6). */
struct nvme_sqe {
	uint8_t opcode;     /* 0 */
	uint8_t flags;      /* 1: FUSE, PSDT (0: PRPs) */
	uint16_t cid;       /* 2 */
	uint32_t nsid;      /* 4 */
	uint64_t rsvd;      /* 8 */
	uint64_t mptr;      /* 16 */
	uint64_t prp1;      /* 24 */
	uint64_t prp2;      /* 32 */
	uint32_t cdw10;     /* 40 */
	uint32_t cdw11;     /* 44 */
	uint32_t cdw12;     /* 48 */
	uint32_t cdw13;     /* 52 */
	uint32_t cdw14;     /* 56 */
	uint32_t cdw15;     /* 60 */
} __attribute__((packed));
_Static_assert(sizeof(struct nvme_sqe) == 64, "NVMe SQE");
_Static_assert(offsetof(struct nvme_sqe, prp1) == 24, "SQE PRP1");
_Static_assert(offsetof(struct nvme_sqe, cdw10) == 40, "SQE CDW10");

/* Completion queue entry: 16 bytes (CC.IOCQES = 4). */
struct nvme_cqe {
	uint32_t result;    /* 0: command specific */
	uint32_t rsvd;      /* 4 */
	uint16_t sq_head;   /* 8 */
	uint16_t sq_id;     /* 10 */
	uint16_t cid;       /* 12 */
	uint16_t status;    /* 14: bit 0 phase, bits 1-8 SC, 9-11 SCT, 14 more, 15 DNR */
} __attribute__((packed));
_Static_assert(sizeof(struct nvme_cqe) == 16, "NVMe CQE");
_Static_assert(offsetof(struct nvme_cqe, cid) == 12, "CQE CID");
_Static_assert(offsetof(struct nvme_cqe, status) == 14, "CQE status");

#define NVME_CQE_PHASE(s) ((s) & 1u)
#define NVME_CQE_SC(s) (((s) >> 1) & 0xffu)
#define NVME_CQE_SCT(s) (((s) >> 9) & 0x7u)

/* DSM range: 16 bytes. */
struct nvme_dsm_range {
	uint32_t attrs;     /* 0 */
	uint32_t nlb;       /* 4: length in LBAs */
	uint64_t slba;      /* 8 */
} __attribute__((packed));
_Static_assert(sizeof(struct nvme_dsm_range) == 16, "NVMe DSM range");

/* The identify fields Basalt reads, as byte offsets into the 4 KiB data structures. */
#define NVME_IDC_SN 4          /* 20 ASCII bytes, space padded */
#define NVME_IDC_MN 24         /* 40 bytes */
#define NVME_IDC_MDTS 77       /* max transfer: 2^MDTS minimum pages, 0 = no limit */
#define NVME_IDC_NN 516        /* 32-bit: number of namespaces */
#define NVME_IDC_ONCS 520      /* 16-bit: bit 2 DSM, bit 3 write zeroes */
#define NVME_IDC_VWC 525       /* bit 0: volatile write cache present */
#define NVME_ONCS_DSM (1u << 2)
#define NVME_ONCS_WRITE_ZEROES (1u << 3)
#define NVME_IDN_NSZE 0        /* 64-bit: size in LBAs */
#define NVME_IDN_NLBAF 25      /* number of LBA formats - 1 */
#define NVME_IDN_FLBAS 26      /* bits 0-3: format in use */
#define NVME_IDN_LBAF 128      /* 4 bytes each: MS 0-15, LBADS 16-23 */
#define NVME_ID_BYTES 4096

#endif
