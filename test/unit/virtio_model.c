/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The in-process virtio-net device of virtio_model.h. Ring layouts are
 * those of virtio 1.0 §2.4; the model trusts the driver's rings only as
 * far as it must to be a device, and bounds every walk by the ring size.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "virtio_model.h"
#include "vdk_mbuf.h"

#define VMODEL_HDR ((uint32_t)sizeof(struct virtio_net_hdr))

struct virtio_model *
virtio_model_create(uint64_t features, uint16_t port_id)
{
	struct virtio_model *m = calloc(1, sizeof(*m));
	struct virtio_pci *vp;

	if (m == NULL)
		return NULL;
	m->bar = aligned_alloc(4096, VMODEL_BAR_SIZE);
	m->port = calloc(1, sizeof(*m->port));
	if (m->bar == NULL || m->port == NULL) {
		virtio_model_free(m);
		return NULL;
	}
	memset(m->bar, 0, VMODEL_BAR_SIZE);
	snprintf(m->pci.pub.name, sizeof(m->pci.pub.name), "model%u", port_id);
	m->common = (volatile void *)(m->bar + VMODEL_COMMON_OFF);
	m->device = m->bar + VMODEL_DEVICE_OFF;
	m->common->device_feature = (uint32_t)features;
	m->common->num_queues = 2 * VIRTIO_MAX_PAIRS + 1;
	m->common->queue_size = 1024;
	/* What virtio_pci_init() would have mapped from the capabilities. */
	vp = &m->port->vp;
	vp->pdev = &m->pci.pub;
	vp->common = m->common;
	vp->isr = m->bar + VMODEL_ISR_OFF;
	vp->device = m->device;
	vp->device_len = VMODEL_DEVICE_LEN;
	vp->notify_base = m->bar + VMODEL_NOTIFY_OFF;
	vp->notify_len = 2;
	vp->notify_mult = 0;   /* every queue notifies at the same address, as QEMU may */
	m->dev_features = features;
	m->port->offered = features;
	m->port->features = features;
	m->port->eth.port_id = port_id;
	m->port->max_pairs = 1;
	m->port->queue_max = 1024;
	pthread_mutex_init(&m->port->ctrl_lock, NULL);
	return m;
}

void
virtio_model_free(struct virtio_model *m)
{
	if (m == NULL)
		return;
	if (m->port != NULL)
		pthread_mutex_destroy(&m->port->ctrl_lock);
	free(m->port);
	free(m->bar);
	free(m);
}

struct virtio_model_vq *
virtio_model_vq(struct virtio_model *m, const struct virtq *vq)
{
	return vq->qidx < VMODEL_MAX_VQS ? &m->vqs[vq->qidx] : NULL;
}

int
virtio_model_program(struct virtio_model *m, struct virtq *vq)
{
	struct virtio_model_vq *d = virtio_model_vq(m, vq);

	if (d == NULL)
		return -ERANGE;
	*d = (struct virtio_model_vq){ .m = m, .vq = vq };
	return virtio_pci_queue_setup(&m->port->vp, vq->qidx, vq->size, vq->iova,
				      vq->iova + vq->avail_off, vq->iova + vq->used_off,
				      VIRTIO_MSI_NO_VECTOR, &vq->notify);
}

int
virtio_model_rxq_restart(struct virtio_model *m, struct virtio_rxq *q)
{
	int ret = virtio_rxq_fill(q);

	if (ret == 0)
		ret = virtio_model_program(m, &q->vq);
	if (ret == 0)
		virtq_publish(&q->vq);
	return ret;
}

int
virtio_model_txq_restart(struct virtio_model *m, struct virtio_txq *q)
{
	virtio_txq_drop_mbufs(q);
	return virtio_model_program(m, &q->vq);
}

int
virtio_model_rxq(struct virtio_model *m, uint16_t qid, uint16_t nb_desc,
		 struct vdk_mempool *mp, struct virtio_rxq **out)
{
	struct vdk_eth_rxconf conf = { 0 };
	int ret = virtio_rxq_create(m->port, qid, nb_desc, VDK_SOCKET_ID_ANY, &conf, mp, out);

	if (ret == 0) {
		ret = virtio_model_rxq_restart(m, *out);
		if (ret != 0)
			virtio_rxq_free(*out);
	}
	return ret;
}

int
virtio_model_txq(struct virtio_model *m, uint16_t qid, uint16_t nb_desc,
		 struct virtio_txq **out)
{
	struct vdk_eth_txconf conf = { 0 };
	int ret = virtio_txq_create(m->port, qid, nb_desc, VDK_SOCKET_ID_ANY, &conf, out);

	if (ret == 0) {
		ret = virtio_model_txq_restart(m, *out);
		if (ret != 0)
			virtio_txq_free(*out);
	}
	return ret;
}

uint16_t
virtio_model_avail(const struct virtio_model_vq *d)
{
	return (uint16_t)(__atomic_load_n(&d->vq->avail->idx, __ATOMIC_ACQUIRE) - d->last_avail);
}

int
virtio_model_take(struct virtio_model_vq *d)
{
	if (virtio_model_avail(d) == 0)
		return -ENOENT;
	return d->vq->avail->ring[d->last_avail++ & d->vq->mask] & d->vq->mask;
}

void
virtio_model_used_at(struct virtio_model_vq *d, uint16_t slot, uint32_t id, uint32_t len)
{
	volatile struct vring_used_elem *e = &d->vq->used->ring[slot & d->vq->mask];

	e->id = id;
	e->len = len;
}

void
virtio_model_used_idx(struct virtio_model_vq *d, uint16_t idx)
{
	d->used_idx = idx;
	__atomic_store_n(&d->vq->used->idx, idx, __ATOMIC_RELEASE);
}

void
virtio_model_used(struct virtio_model_vq *d, uint32_t id, uint32_t len)
{
	virtio_model_used_at(d, d->used_idx, id, len);
	virtio_model_used_idx(d, (uint16_t)(d->used_idx + 1));
}

int
virtio_model_rx_frame(struct virtio_model_vq *d, const void *frame, uint32_t len)
{
	volatile struct vring_desc *desc = d->vq->desc;
	bool mrg = virtio_has(d->m->port, VIRTIO_NET_F_MRG_RXBUF);
	uint32_t buf_len, left = VMODEL_HDR + len, done = 0, n, need;
	const uint8_t *src = frame;
	int id;

	if (virtio_model_avail(d) == 0)
		return -ENOSPC;
	buf_len = desc[d->vq->avail->ring[d->last_avail & d->vq->mask] & d->vq->mask].len;
	if (buf_len <= VMODEL_HDR)
		return -EINVAL;
	need = (left + buf_len - 1) / buf_len;
	if (need > virtio_model_avail(d) || (!mrg && need > 1))
		return -ENOSPC;
	for (n = 0; n < need; n++) {
		uint8_t *buf;
		uint32_t off = 0, chunk;

		id = virtio_model_take(d);
		buf = (uint8_t *)(uintptr_t)desc[id].addr;
		if (n == 0) {
			struct virtio_net_hdr hdr = { .num_buffers = (uint16_t)need };

			memcpy(buf, &hdr, VMODEL_HDR);
			off = VMODEL_HDR;
		}
		chunk = VDK_MIN(buf_len - off, len - done);
		memcpy(buf + off, src + done, chunk);
		done += chunk;
		/* Entries first, the index once: the driver sees the packet whole. */
		virtio_model_used_at(d, (uint16_t)(d->used_idx + n), (uint32_t)id, off + chunk);
	}
	virtio_model_used_idx(d, (uint16_t)(d->used_idx + need));
	return (int)need;
}

int
virtio_model_tx_take(struct virtio_model_vq *d, uint8_t *out, uint32_t cap)
{
	volatile struct vring_desc *desc = d->vq->desc;
	uint32_t skip = VMODEL_HDR, done = 0, k;
	int head = virtio_model_take(d);
	uint16_t id;

	if (head < 0)
		return head;
	id = (uint16_t)head;
	for (k = 0; k < d->vq->size; k++) {
		const uint8_t *src = (const uint8_t *)(uintptr_t)desc[id].addr;
		uint32_t len = desc[id].len, from = VDK_MIN(skip, len), chunk;

		/* Links the device itself rewrote may lead to a descriptor never filled. */
		if (src == NULL)
			break;
		skip -= from;
		chunk = VDK_MIN(len - from, cap - done);
		memcpy(out + done, src + from, chunk);
		done += chunk;
		if (!(desc[id].flags & VRING_DESC_F_NEXT))
			break;
		id = desc[id].next & d->vq->mask;
	}
	virtio_model_used(d, (uint32_t)head, 0);
	return (int)done;
}

uint8_t
virtio_model_generation(struct virtio_pci *vp)
{
	struct virtio_model *m = vdk_container_of(vp->pdev, struct virtio_model, pci.pub);

	m->gen_reads++;
	return m->gen_hook != NULL ? m->gen_hook(m) : m->common->config_generation;
}

uint8_t
virtio_model_reset_status(struct virtio_pci *vp)
{
	struct virtio_model *m = vdk_container_of(vp->pdev, struct virtio_model, pci.pub);

	/* Busy: what a device that has not let go of its queues shows, DRIVER_OK and the rest. */
	if (m->reset_status_reads++ < m->reset_busy_reads)
		return VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER |
		       VIRTIO_STATUS_FEATURES_OK | VIRTIO_STATUS_DRIVER_OK;
	return m->common->device_status;
}
