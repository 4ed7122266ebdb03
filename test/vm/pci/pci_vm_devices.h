/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What pci_vm (the EAL on vfio-pci) and test/vm/vdkbackend's vdkb_vm (on
 * vdk_vfio) ask of the guest's devices, so that the devices themselves
 * show what the EAL's VFIO backend did: an NVMe controller brought up far
 * enough to write its Identify data by DMA (NVMe 1.4, section 7.6.1), and
 * the 82574L's interrupt cause set register to raise an interrupt on
 * demand (82574L datasheet, section 10.2).
 * Compiled once (its .c), linked by the programs that use it.
 */
#ifndef PCI_VM_DEVICES_H
#define PCI_VM_DEVICES_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "vdk_dma.h"
#include "vdk_intr.h"
#include "vdk_pci.h"

/* ---- NVMe admin queue, just enough for Identify ---- */

#define NVME_CAP 0x00
#define NVME_VS 0x08
#define NVME_CC 0x14
#define NVME_CSTS 0x1c
#define NVME_AQA 0x24
#define NVME_ASQ 0x28
#define NVME_ACQ 0x30
#define NVME_DB 0x1000
#define NVME_QD 8

struct nvme_sqe {
	uint32_t cdw0;
	uint32_t nsid;
	uint64_t rsvd;
	uint64_t mptr;
	uint64_t prp1;
	uint64_t prp2;
	uint32_t cdw10[6];
};

struct nvme_cqe {
	uint32_t dw0;
	uint32_t dw1;
	uint16_t sq_head;
	uint16_t sq_id;
	uint16_t cid;
	uint16_t status;	/* bit 0: phase */
};

struct nvme {
	struct vdk_pci_device *dev;
	void *bar0;
	struct nvme_sqe *sq;
	struct nvme_cqe *cq;
	uint64_t sq_iova, cq_iova;
	unsigned int sq_tail, cq_head, phase, dstrd;
};

/* Disable, set the admin queues, enable, wait for RDY. */
int nvme_enable(struct nvme *n, struct vdk_pci_device *dev, void *bar0);

/* Identify Controller into @iova; the completion's status field, or -ETIMEDOUT. */
int nvme_identify(struct nvme *n, uint64_t iova, uint16_t cid);

/* Identify into @buf (at its IOVA): did the controller write its model there? */
bool nvme_identify_into(struct nvme *n, void *buf, uint16_t cid, int *status);

void nvme_free(struct nvme *n);

/* ---- e1000e ---- */

#define E1000_STATUS 0x0008
#define E1000_ICR 0x00c0
#define E1000_ICS 0x00c8
#define E1000_IMS 0x00d0
#define E1000_IMC 0x00d8
#define E1000_IVAR 0x00e4
#define E1000_ICR_LSC (1u << 2)
#define E1000_ICR_OTHER (1u << 24)
/* IVAR: "other" causes to MSI-X vector 0, entry valid (bit 19). */
#define E1000_IVAR_OTHER_VEC0 0x00080000u

#endif /* PCI_VM_DEVICES_H */
