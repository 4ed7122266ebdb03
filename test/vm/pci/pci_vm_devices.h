/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What pci_vm (the EAL on vfio-pci) and test/vm/vdkbackend's vdkb_vm (on
 * vdk_vfio) ask of the guest's devices, so that the devices themselves
 * show what the EAL's VFIO backend did: an NVMe controller brought up far
 * enough to write its Identify data by DMA (NVMe 1.4, section 7.6.1), and
 * the 82574L's interrupt cause set register to raise an interrupt on
 * demand (82574L datasheet, section 10.2).
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
static inline int
nvme_enable(struct nvme *n, struct vdk_pci_device *dev, void *bar0)
{
	uint64_t cap = vdk_reg_read64(bar0, NVME_CAP);
	uint64_t to_us = ((cap >> 24) & 0xff) * 500000;

	memset(n, 0, sizeof(*n));
	n->dev = dev;
	n->bar0 = bar0;
	n->dstrd = (cap >> 32) & 0xf;
	n->phase = 1;
	n->sq = vdk_dma_zmalloc(sizeof(*n->sq) * NVME_QD, 4096, &n->sq_iova);
	n->cq = vdk_dma_zmalloc(sizeof(*n->cq) * NVME_QD, 4096, &n->cq_iova);
	if (n->sq == NULL || n->cq == NULL)
		return -ENOMEM;
	if (vdk_pci_set_bus_master(dev, 1) < 0)
		return -EIO;
	vdk_reg_write32(bar0, NVME_CC, 0);
	if (vdk_reg_wait32(bar0, NVME_CSTS, 1, 0, to_us) < 0)
		return -ETIMEDOUT;
	vdk_reg_write32(bar0, NVME_AQA, ((NVME_QD - 1) << 16) | (NVME_QD - 1));
	vdk_reg_write64(bar0, NVME_ASQ, n->sq_iova);
	vdk_reg_write64(bar0, NVME_ACQ, n->cq_iova);
	/* IOCQES 4 (16 B), IOSQES 6 (64 B), 4 KiB pages, NVM command set, EN. */
	vdk_reg_write32(bar0, NVME_CC, 0x00460001);
	return vdk_reg_wait32(bar0, NVME_CSTS, 1, 1, to_us);
}

/* Identify Controller into @iova; the completion's status field, or -ETIMEDOUT. */
static inline int
nvme_identify(struct nvme *n, uint64_t iova, uint16_t cid)
{
	struct nvme_sqe *e = &n->sq[n->sq_tail];
	volatile struct nvme_cqe *c = &n->cq[n->cq_head];
	struct timespec t0, now;

	memset(e, 0, sizeof(*e));
	e->cdw0 = 0x06 | ((uint32_t)cid << 16);
	e->prp1 = iova;
	e->cdw10[0] = 1;	/* CNS 1: the controller */
	n->sq_tail = (n->sq_tail + 1) % NVME_QD;
	vdk_io_wmb();
	vdk_reg_write32(n->bar0, NVME_DB, n->sq_tail);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while ((c->status & 1) != n->phase) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec - t0.tv_sec > 5)
			return -ETIMEDOUT;
	}
	vdk_io_rmb();
	n->cq_head = (n->cq_head + 1) % NVME_QD;
	if (n->cq_head == 0)
		n->phase ^= 1;
	vdk_reg_write32(n->bar0, NVME_DB + (4u << n->dstrd), n->cq_head);
	return c->status >> 1;
}

/* Identify into @buf (at its IOVA): did the controller write its model there? */
static inline bool
nvme_identify_into(struct nvme *n, void *buf, uint16_t cid, int *status)
{
	uint64_t iova = vdk_mem_virt2iova(buf);

	memset(buf, 0xaa, 4096);
	*status = iova == VDK_BAD_IOVA ? -EFAULT : nvme_identify(n, iova, cid);
	return *status == 0 && memcmp((char *)buf + 24, "QEMU NVMe Ctrl", 14) == 0;
}

static inline void
nvme_free(struct nvme *n)
{
	vdk_dma_free(n->sq);
	vdk_dma_free(n->cq);
}

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
