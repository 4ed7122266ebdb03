/* SPDX-License-Identifier: BSD-3-Clause */
/* The device steps of pci_vm_devices.h. */
#include "pci_vm_devices.h"

int
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

int
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

bool
nvme_identify_into(struct nvme *n, void *buf, uint16_t cid, int *status)
{
	uint64_t iova = vdk_mem_virt2iova(buf);

	memset(buf, 0xaa, 4096);
	*status = iova == VDK_BAD_IOVA ? -EFAULT : nvme_identify(n, iova, cid);
	return *status == 0 && memcmp((char *)buf + 24, "QEMU NVMe Ctrl", 14) == 0;
}

void
nvme_free(struct nvme *n)
{
	vdk_dma_free(n->sq);
	vdk_dma_free(n->cq);
}
