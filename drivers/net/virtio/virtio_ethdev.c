/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * net_virtio: a virtio 1.0 network device over PCI (1af4:1041) behind
 * ethdev, control path. Section numbers are those of "Virtual I/O Device
 * (VIRTIO) Version 1.0" (OASIS). doc/virtio.md lists features, limits
 * and every register touched.
 *
 * Device life: probe walks the capabilities and runs the handshake up to
 * FEATURES_OK once, to learn the features, the MAC and the queue limits,
 * then resets the device. dev_start runs the whole §3.1.1 initialization
 * with the queues ethdev set up, sets DRIVER_OK and applies the receive
 * modes through the control queue; dev_stop resets the device, which is
 * the only way §2.1 gives to make it let go of its queues.
 *
 *   -a BDF[,features_off=<mask>]   leave these feature bits out of the
 *                                  negotiation (for tests: 0x200000000
 *                                  drops ACCESS_PLATFORM)
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <stddef.h>
#include <string.h>

#include "vdk_cycles.h"
#include "vdk_dma.h"
#include "vdk_eal.h"
#include "vdk_intr.h"
#include "vdk_malloc.h"
#include "vdk_mbuf.h"
#include "virtio_internal.h"

#define VIRTIO_CTRL_TIMEOUT_US 1000000
#define VIRTIO_CTRL_QSIZE 8

/* What net_virtio asks for; the device's offer decides. */
#define VIRTIO_WANTED                                                                   \
	((1ull << VIRTIO_F_VERSION_1) | (1ull << VIRTIO_F_ACCESS_PLATFORM) |            \
	 (1ull << VIRTIO_NET_F_MAC) | (1ull << VIRTIO_NET_F_STATUS) |                   \
	 (1ull << VIRTIO_NET_F_MRG_RXBUF) | (1ull << VIRTIO_NET_F_CTRL_VQ) |            \
	 (1ull << VIRTIO_NET_F_CTRL_RX) | (1ull << VIRTIO_NET_F_MQ))

static const char *const xstat_names[] = {
	"rx_kicks", "tx_kicks", "ctrl_commands", "config_interrupts",
	"rx_ring_broken", "tx_ring_broken", "ctrl_ring_broken", "reset_leaked_mbufs",
};

/*
 * §2.1: only a reset makes the device let go of its queues and their
 * buffers. One that does not complete leaves them the device's, which may
 * still write into them: reset_stuck keeps them out of the pools and the
 * heap until a later reset completes. A removed device writes nothing.
 */
static int
device_reset(struct virtio_port *p)
{
	int ret = virtio_pci_reset(&p->vp);

	p->reset_stuck = ret != 0 && !vdk_pci_dev_is_removed(p->vp.pdev);
	return ret;
}

/*
 * A queue released while the device may still use it: its ring and the
 * mbufs on it (@sw_ring, @size entries) are left to the device, counted
 * and said, never freed.
 */
static void
queue_leave_to_device(struct virtio_port *p, const char *dir, uint16_t qid,
		      struct vdk_mbuf *const *sw_ring, uint16_t size)
{
	uint64_t n = 0;
	uint16_t i;

	for (i = 0; i < size; i++)
		if (sw_ring[i] != NULL)
			n += sw_ring[i]->nb_segs;
	__atomic_fetch_add(&p->reset_leaked_mbufs, n, __ATOMIC_RELAXED);
	VIRTIO_LOG(ERR, "%s: %s queue %u: the device did not finish its reset and may still "
		   "write into the ring and the %" PRIu64 " mbufs on it: they are left to it, "
		   "never freed (leaked); reset the function (write 1 to "
		   "/sys/bus/pci/devices/%s/reset) or restart the process", p->vp.pdev->name,
		   dir, qid, n, p->vp.pdev->name);
}

/* ---------------------------------------------------------------------- */
/* Initialization (§3.1.1 Driver Requirements: Device Initialization) */

static int
negotiate(struct virtio_port *p)
{
	struct virtio_pci *vp = &p->vp;
	const char *name = vp->pdev->name;
	uint64_t want = VIRTIO_WANTED & ~p->features_off;
	int ret;

	/* 1. Reset the device. */
	ret = device_reset(p);
	if (ret != 0)
		return ret;
	/* 2, 3. ACKNOWLEDGE: we noticed it; DRIVER: we can drive it. */
	virtio_pci_add_status(vp, VIRTIO_STATUS_ACKNOWLEDGE);
	virtio_pci_add_status(vp, VIRTIO_STATUS_DRIVER);
	/* 4. Read the device's features, write the subset we understand. */
	p->offered = virtio_pci_device_features(vp);
	if (!(p->offered & (1ull << VIRTIO_F_VERSION_1))) {
		VIRTIO_LOG(ERR, "%s: the device does not offer VIRTIO_F_VERSION_1: a legacy "
			   "device, which net_virtio does not drive", name);
		ret = -ENOTSUP;
		goto failed;
	}
	if (!(p->offered & (1ull << VIRTIO_F_ACCESS_PLATFORM)) &&
	    vdk_eal_iova_mode() != VDK_IOVA_PA) {
		VIRTIO_LOG(ERR, "%s: the device does not offer VIRTIO_F_ACCESS_PLATFORM, so it "
			   "bypasses the IOMMU and cannot use VDK's IOVAs: give QEMU "
			   "iommu_platform=on, or run with --iova-mode pa", name);
		ret = -ENOTSUP;
		goto failed;
	}
	p->features = p->offered & want;
	/* §5.1.3.1: MQ and CTRL_RX need the control queue. */
	if (!virtio_has(p, VIRTIO_NET_F_CTRL_VQ))
		p->features &= ~((1ull << VIRTIO_NET_F_MQ) | (1ull << VIRTIO_NET_F_CTRL_RX));
	virtio_pci_driver_features(vp, p->features);
	/* 5, 6. FEATURES_OK, then read it back: the device may refuse our subset. */
	virtio_pci_add_status(vp, VIRTIO_STATUS_FEATURES_OK);
	if (!(virtio_pci_get_status(vp) & VIRTIO_STATUS_FEATURES_OK)) {
		VIRTIO_LOG(ERR, "%s: the device refused features 0x%" PRIx64 " (it offers 0x%"
			   PRIx64 "%s)", name, p->features, p->offered,
			   (p->offered & ~p->features & (1ull << VIRTIO_F_ACCESS_PLATFORM))
				   ? "; ACCESS_PLATFORM, left out, is one it requires: drop "
				     "features_off" : "");
		ret = -EIO;
		goto failed;
	}
	return 0;

failed:
	virtio_pci_add_status(vp, VIRTIO_STATUS_FAILED);
	return ret;
}

/* The control queue (of up to @max entries, the device's limit) and its command buffer. */
static int
ctrl_alloc(struct virtio_port *p, uint16_t max, int socket_id)
{
	const char *name = p->vp.pdev->name;

	if (max < 4 || virtq_alloc(&p->cvq, VDK_MIN((uint16_t)VIRTIO_CTRL_QSIZE,
			(uint16_t)(1u << (31 - __builtin_clz(max)))), socket_id) != 0) {
		VIRTIO_LOG(ERR, "%s: cannot set up the control queue (device max %u)", name, max);
		return -ENOMEM;
	}
	p->ctrl = vdk_dma_zmalloc_socket(sizeof(*p->ctrl), 64, socket_id, &p->ctrl_iova);
	if (p->ctrl == NULL) {
		VIRTIO_LOG(ERR, "%s: no DMA memory for control commands", name);
		return -ENOMEM;
	}
	return 0;
}

static int
ctrl_queue_setup(struct virtio_port *p)
{
	uint16_t idx = virtio_has(p, VIRTIO_NET_F_MQ) ? (uint16_t)(2 * p->max_pairs) : 2;

	virtq_reset(&p->cvq);
	p->cvq.qidx = idx;
	return virtio_pci_queue_setup(&p->vp, idx, p->cvq.size, p->cvq.iova,
				      p->cvq.iova + p->cvq.avail_off, p->cvq.iova + p->cvq.used_off,
				      VIRTIO_MSI_NO_VECTOR, &p->cvq.notify);
}

/*
 * §5.1.6.5: one command on the control queue, header, data and ack in
 * three descriptors, waited for. The device answers from its notify
 * handler, so the wait is short.
 */
static int
ctrl_send(struct virtio_port *p, uint8_t class, uint8_t cmd, const void *data, uint16_t len)
{
	struct virtq *vq = &p->cvq;
	struct virtio_net_ctrl *c = p->ctrl;
	struct vdk_deadline deadline;
	int ret = 0, pending;

	if (len > sizeof(c->data))
		return -EINVAL;
	pthread_mutex_lock(&p->ctrl_lock);
	/* Nobody would answer: do not wait VIRTIO_CTRL_TIMEOUT_US for it. */
	if (vdk_pci_dev_is_removed(p->vp.pdev)) {
		ret = -ENODEV;
		goto out;
	}
	if (vq->broken) {
		VIRTIO_LOG(ERR, "%s: control command %u.%u not sent: the control queue is broken "
			   "until the port is restarted", p->vp.pdev->name, class, cmd);
		ret = -EIO;
		goto out;
	}
	c->class = class;
	c->command = cmd;
	memcpy(c->data, data, len);
	c->ack = 0xff;
	vq->desc[0] = (struct vring_desc){ .addr = p->ctrl_iova,
					   .len = offsetof(struct virtio_net_ctrl, data),
					   .flags = VRING_DESC_F_NEXT, .next = 1 };
	vq->desc[1] = (struct vring_desc){ .addr = p->ctrl_iova +
						   offsetof(struct virtio_net_ctrl, data),
					   .len = len, .flags = VRING_DESC_F_NEXT, .next = 2 };
	vq->desc[2] = (struct vring_desc){ .addr = p->ctrl_iova +
						   offsetof(struct virtio_net_ctrl, ack),
					   .len = 1, .flags = VRING_DESC_F_WRITE };
	vq->avail->ring[vq->avail_idx++ & vq->mask] = 0;
	vq->nb_free = (uint16_t)(vq->size - 3);
	__atomic_store_n(&vq->avail->idx, vq->avail_idx, __ATOMIC_RELEASE);
	vdk_mb();
	*vq->notify = vq->qidx;
	vq->kicks++;
	/* The one chain in flight is all the device may return, with its head id 0. */
	deadline = vdk_deadline_in_us(VIRTIO_CTRL_TIMEOUT_US);
	while ((pending = virtq_used_pending(vq, "control", p->eth.port_id, 0)) == 0) {
		if (vdk_deadline_passed(deadline)) {
			pending = virtq_used_pending(vq, "control", p->eth.port_id, 0);
			if (pending != 0)
				break;
			VIRTIO_LOG(ERR, "%s: control command %u.%u not answered within %u ms: "
				   "the device is stuck; restart the port", p->vp.pdev->name,
				   class, cmd, VIRTIO_CTRL_TIMEOUT_US / 1000);
			ret = -ETIMEDOUT;
			goto out;
		}
		vdk_sleep_us(10);
	}
	if (pending > 0) {
		uint32_t id = vq->used->ring[vq->used_last & vq->mask].id;

		if (id != 0)
			virtq_mark_broken(vq, "control", p->eth.port_id, 0, "returned chain id "
					  "%u, which was not in flight", id);
	}
	if (vq->broken) {
		ret = -EIO;
		goto out;
	}
	vq->used_last++;
	vq->nb_free = vq->size;
	p->ctrl_cmds++;
	if (__atomic_load_n(&c->ack, __ATOMIC_ACQUIRE) != VIRTIO_NET_OK) {
		VIRTIO_LOG(ERR, "%s: the device rejected control command %u.%u",
			   p->vp.pdev->name, class, cmd);
		ret = -EIO;
	}
out:
	pthread_mutex_unlock(&p->ctrl_lock);
	return ret;
}

static int
rx_mode_set(struct virtio_port *p, uint8_t cmd, bool on)
{
	uint8_t v = on;

	if (!p->running)
		return 0; /* applied at start */
	if (!virtio_has(p, VIRTIO_NET_F_CTRL_RX)) {
		VIRTIO_LOG(ERR, "%s: the device has no VIRTIO_NET_F_CTRL_RX: its receive "
			   "filter cannot be changed", p->vp.pdev->name);
		return -ENOTSUP;
	}
	return ctrl_send(p, VIRTIO_NET_CTRL_RX, cmd, &v, 1);
}

/* The link as the device reports it; down, and the error, if it cannot be read. */
static int
link_read(struct virtio_port *p, struct vdk_eth_link *link)
{
	uint16_t status = VIRTIO_NET_S_LINK_UP;
	int ret = 0;

	if (virtio_has(p, VIRTIO_NET_F_STATUS))
		ret = virtio_pci_read_dev_cfg(&p->vp, VIRTIO_NET_CFG_STATUS, &status, 2);
	memset(link, 0, sizeof(*link));
	link->link_status = (status & VIRTIO_NET_S_LINK_UP) ? VDK_ETH_LINK_UP
							     : VDK_ETH_LINK_DOWN;
	if (link->link_status == VDK_ETH_LINK_UP) {
		/* Without VIRTIO_NET_F_SPEED_DUPLEX the device gives no speed. */
		link->link_speed = VDK_ETH_SPEED_NUM_10G;
		link->link_duplex = VDK_ETH_LINK_FULL_DUPLEX;
	}
	return ret;
}

/* MSI-X vector 0: the device changed its configuration (the link status). */
static void
config_changed(struct vdk_pci_device *pdev, unsigned int vector, void *arg)
{
	struct virtio_port *p = arg;
	struct vdk_eth_link link;

	(void)pdev;
	(void)vector;
	__atomic_fetch_add(&p->config_interrupts, 1, __ATOMIC_RELAXED);
	link_read(p, &link);
	vdk_eth_dev_link_set(&p->eth, &link);
}

/* ---------------------------------------------------------------------- */
/* ethdev ops */

static int
virtio_infos_get(struct vdk_eth_dev *dev, struct vdk_eth_dev_info *info)
{
	struct virtio_port *p = virtio_port(dev);

	info->max_rx_queues = p->max_pairs;
	info->max_tx_queues = p->max_pairs;
	info->rx_desc_lim = (struct vdk_eth_desc_lim){ .nb_max = p->queue_max,
		.nb_min = VDK_MIN((uint16_t)VIRTIO_MIN_DESC, p->queue_max), .nb_align = 1 };
	info->tx_desc_lim = info->rx_desc_lim;
	info->default_rx_ring_size = p->queue_max;
	info->default_tx_ring_size = p->queue_max;
	info->default_burst_size = 32;
	info->min_rx_bufsize = 64;
	info->max_rx_pktlen = VDK_ETHER_MTU + VDK_ETHER_HDR_LEN + 4;
	info->min_mtu = 68;
	info->max_mtu = VDK_ETHER_MTU;
	if (virtio_has(p, VIRTIO_NET_F_MRG_RXBUF))
		info->rx_offload_capa = VDK_ETH_RX_OFFLOAD_SCATTER;
	info->tx_offload_capa = VDK_ETH_TX_OFFLOAD_MULTI_SEGS;
	info->speed_capa = VDK_ETH_SPEED_NUM_10G;
	return 0;
}

static int
virtio_configure(struct vdk_eth_dev *dev)
{
	struct virtio_port *p = virtio_port(dev);

	if (dev->conf.lsc_intr && !p->intr_ok) {
		VIRTIO_LOG(ERR, "%s: link-change interrupts asked for, but %s: configure "
			   "without lsc_intr and poll the link", p->vp.pdev->name,
			   virtio_has(p, VIRTIO_NET_F_STATUS) ? "no MSI-X vector is available"
							     : "the device reports no link status");
		return -ENOTSUP;
	}
	return 0;
}

static void
queues_drop_mbufs(struct vdk_eth_dev *dev)
{
	uint16_t q;

	for (q = 0; q < dev->nb_rx_queues; q++)
		if (dev->rx_queues[q] != NULL)
			virtio_rxq_drop_mbufs(dev->rx_queues[q]);
	for (q = 0; q < dev->nb_tx_queues; q++)
		if (dev->tx_queues[q] != NULL)
			virtio_txq_drop_mbufs(dev->tx_queues[q]);
}

static int
queues_program(struct virtio_port *p)
{
	struct vdk_eth_dev *dev = &p->eth;
	struct virtq *vq;
	uint16_t q;
	int ret;

	/* §5.1.2: receiveq N is 2N, transmitq N is 2N+1. */
	for (q = 0; q < dev->nb_rx_queues; q++) {
		ret = virtio_rxq_fill(dev->rx_queues[q]);
		if (ret != 0) {
			VIRTIO_LOG(ERR, "%s: rx queue %u: its pool cannot fill %u descriptors: "
				   "make the pool larger", p->vp.pdev->name, q,
				   ((struct virtio_rxq *)dev->rx_queues[q])->vq.size);
			return ret;
		}
		vq = &((struct virtio_rxq *)dev->rx_queues[q])->vq;
		ret = virtio_pci_queue_setup(&p->vp, vq->qidx, vq->size, vq->iova,
					     vq->iova + vq->avail_off, vq->iova + vq->used_off,
					     VIRTIO_MSI_NO_VECTOR, &vq->notify);
		if (ret != 0)
			return ret;
	}
	for (q = 0; q < dev->nb_tx_queues; q++) {
		vq = &((struct virtio_txq *)dev->tx_queues[q])->vq;
		virtio_txq_drop_mbufs(dev->tx_queues[q]);
		ret = virtio_pci_queue_setup(&p->vp, vq->qidx, vq->size, vq->iova,
					     vq->iova + vq->avail_off, vq->iova + vq->used_off,
					     VIRTIO_MSI_NO_VECTOR, &vq->notify);
		if (ret != 0)
			return ret;
	}
	return 0;
}

static int
virtio_start(struct vdk_eth_dev *dev)
{
	struct virtio_port *p = virtio_port(dev);
	uint16_t pairs = VDK_MAX(dev->nb_rx_queues, dev->nb_tx_queues), q;
	int ret;

	/* §3.1.1 steps 1-6 */
	ret = negotiate(p);
	if (ret != 0)
		return ret;
	/* 7. Device-specific setup: the virtqueues. */
	ret = queues_program(p);
	if (ret == 0 && virtio_has(p, VIRTIO_NET_F_CTRL_VQ))
		ret = ctrl_queue_setup(p);
	if (ret == 0 && p->intr_ok && virtio_pci_config_vector(&p->vp, 0) != 0) {
		VIRTIO_LOG(WARNING, "%s: the device refused the configuration vector: link "
			   "changes are seen only when the link is read", p->vp.pdev->name);
	}
	if (ret != 0)
		goto reset;
	/* 8. DRIVER_OK: the device is live. */
	virtio_pci_add_status(&p->vp, VIRTIO_STATUS_DRIVER_OK);
	p->running = true;
	if (virtio_pci_get_status(&p->vp) & VIRTIO_STATUS_NEEDS_RESET) {
		VIRTIO_LOG(ERR, "%s: the device needs a reset right after DRIVER_OK: it did "
			   "not accept the queues", p->vp.pdev->name);
		ret = -EIO;
		goto reset;
	}
	/* §5.1.6.5.5: with MQ the device starts with one pair; ask for ours. */
	if (virtio_has(p, VIRTIO_NET_F_MQ) && pairs > 1) {
		uint16_t v = pairs;

		ret = ctrl_send(p, VIRTIO_NET_CTRL_MQ, VIRTIO_NET_CTRL_MQ_VQ_PAIRS_SET, &v, 2);
		if (ret != 0)
			goto reset;
	}
	/*
	 * §5.1.6.5.1: QEMU (for one) starts promiscuous; say what the port's
	 * modes are, whatever the device's default.
	 */
	if (virtio_has(p, VIRTIO_NET_F_CTRL_RX)) {
		ret = rx_mode_set(p, VIRTIO_NET_CTRL_RX_PROMISC, dev->promiscuous);
		if (ret == 0)
			ret = rx_mode_set(p, VIRTIO_NET_CTRL_RX_ALLMULTI, dev->all_multicast);
		if (ret != 0)
			goto reset;
	}
	/* The rx rings were filled before DRIVER_OK: tell the device. */
	for (q = 0; q < dev->nb_rx_queues; q++)
		virtq_publish(&((struct virtio_rxq *)dev->rx_queues[q])->vq);
	return 0;

reset:
	p->running = false;
	/* The mbufs go back only if the device let go of them. */
	device_reset(p);
	if (!p->reset_stuck)
		queues_drop_mbufs(dev);
	return ret;
}

/*
 * The device gives the queues back by its reset. If the reset does not
 * complete, the queues stay as they are, every mbuf on them the device's:
 * the stop fails, ethdev keeps the port started, and a close (or a
 * release) leaves them to the device.
 */
static int
virtio_stop(struct vdk_eth_dev *dev)
{
	struct virtio_port *p = virtio_port(dev);
	int ret;

	p->running = false;
	ret = device_reset(p);
	if (p->reset_stuck) {
		VIRTIO_LOG(ERR, "%s: stop: the device did not finish its reset: its queues and "
			   "their mbufs stay with it, and the port stays started", p->vp.pdev->name);
		return ret;
	}
	queues_drop_mbufs(dev);
	return ret;
}

static void
port_free(struct virtio_port *p)
{
	if (p->reset_stuck && p->cvq.mem != NULL) {
		VIRTIO_LOG(ERR, "%s: the device did not finish its reset: the control queue's "
			   "ring and command buffer are left to it, never freed (leaked)",
			   p->vp.pdev->name);
	} else {
		virtq_free(&p->cvq);
		vdk_dma_free(p->ctrl);
	}
	pthread_mutex_destroy(&p->ctrl_lock);
	free(p);
}

static void
virtio_close(struct vdk_eth_dev *dev)
{
	struct virtio_port *p = virtio_port(dev);

	if (p->intr_ok)
		vdk_intr_disable(p->vp.pdev);
	device_reset(p);
	vdk_pci_set_bus_master(p->vp.pdev, 0);
	p->vp.pdev->driver_data = NULL;
	port_free(p);
}

static int
virtio_reset(struct vdk_eth_dev *dev)
{
	struct virtio_port *p = virtio_port(dev);

	p->running = false;
	return device_reset(p);
}

static int
queue_size_check(struct virtio_port *p, const char *dir, uint16_t qid, uint16_t nb_desc)
{
	if (VDK_IS_POWER_OF_2(nb_desc))
		return 0;
	VIRTIO_LOG(ERR, "%s: %s queue %u: %u descriptors: a split virtqueue needs a power of "
		   "two up to %u", p->vp.pdev->name, dir, qid, nb_desc, p->queue_max);
	return -EINVAL;
}

static int
virtio_rx_queue_setup(struct vdk_eth_dev *dev, uint16_t qid, uint16_t nb_desc, int socket_id,
		      const struct vdk_eth_rxconf *conf, struct vdk_mempool *mp, void **rxq)
{
	struct virtio_port *p = virtio_port(dev);
	struct virtio_rxq *q;
	int ret = queue_size_check(p, "rx", qid, nb_desc);

	if (ret != 0)
		return ret;
	if (!virtio_has(p, VIRTIO_NET_F_MRG_RXBUF) &&
	    vdk_pktmbuf_data_room_size(mp) - VDK_PKTMBUF_HEADROOM <
		    VDK_ETHER_MTU + VDK_ETHER_HDR_LEN + 4) {
		VIRTIO_LOG(ERR, "%s: rx queue %u: without MRG_RXBUF each buffer must hold a "
			   "whole frame (%u bytes), pool %s's hold %u", p->vp.pdev->name, qid,
			   VDK_ETHER_MTU + VDK_ETHER_HDR_LEN + 4, mp->name,
			   vdk_pktmbuf_data_room_size(mp) - VDK_PKTMBUF_HEADROOM);
		return -EINVAL;
	}
	ret = virtio_rxq_create(p, qid, nb_desc, socket_id, conf, mp, &q);
	if (ret != 0) {
		VIRTIO_LOG(ERR, "%s: rx queue %u: no memory for %u descriptors", p->vp.pdev->name,
			   qid, nb_desc);
		return ret;
	}
	*rxq = q;
	return 0;
}

static void
virtio_rx_queue_release(struct vdk_eth_dev *dev, void *rxq)
{
	struct virtio_port *p = virtio_port(dev);
	struct virtio_rxq *q = rxq;

	if (p->reset_stuck)
		queue_leave_to_device(p, "rx", q->qid, q->sw_ring, q->vq.size);
	else
		virtio_rxq_free(q);
}

static int
virtio_tx_queue_setup(struct vdk_eth_dev *dev, uint16_t qid, uint16_t nb_desc, int socket_id,
		      const struct vdk_eth_txconf *conf, void **txq)
{
	struct virtio_port *p = virtio_port(dev);
	struct virtio_txq *q;
	int ret = queue_size_check(p, "tx", qid, nb_desc);

	if (ret != 0)
		return ret;
	ret = virtio_txq_create(p, qid, nb_desc, socket_id, conf, &q);
	if (ret != 0) {
		VIRTIO_LOG(ERR, "%s: tx queue %u: no memory for %u descriptors", p->vp.pdev->name,
			   qid, nb_desc);
		return ret;
	}
	*txq = q;
	return 0;
}

static void
virtio_tx_queue_release(struct vdk_eth_dev *dev, void *txq)
{
	struct virtio_port *p = virtio_port(dev);
	struct virtio_txq *q = txq;

	if (p->reset_stuck)
		queue_leave_to_device(p, "tx", q->qid, q->sw_ring, q->vq.size);
	else
		virtio_txq_free(q);
}

static int
virtio_link_update(struct vdk_eth_dev *dev, int wait)
{
	struct vdk_eth_link link;
	int ret;

	(void)wait; /* a virtual link has nothing to wait for */
	ret = link_read(virtio_port(dev), &link);
	vdk_eth_dev_link_set(dev, &link);
	return ret;
}

static int
virtio_stats_get(struct vdk_eth_dev *dev, struct vdk_eth_stats *s)
{
	uint16_t q;

	for (q = 0; q < dev->nb_rx_queues; q++) {
		struct virtio_rxq *r = dev->rx_queues[q];

		if (r == NULL)
			continue;
		vdk_eth_stats_add_rxq(s, q, vdk_eth_counter_read(&r->pkts),
				      vdk_eth_counter_read(&r->bytes),
				      vdk_eth_counter_read(&r->errors));
		s->rx_nombuf += vdk_eth_counter_read(&r->nombuf);
	}
	for (q = 0; q < dev->nb_tx_queues; q++) {
		struct virtio_txq *t = dev->tx_queues[q];

		if (t != NULL)
			vdk_eth_stats_add_txq(s, q, vdk_eth_counter_read(&t->pkts),
					      vdk_eth_counter_read(&t->bytes), 0);
	}
	return 0;
}

static int
virtio_xstats_get_names(struct vdk_eth_dev *dev, struct vdk_eth_xstat_name *names,
			unsigned int n)
{
	unsigned int i;

	(void)dev;
	if (names != NULL && n >= VDK_DIM(xstat_names))
		for (i = 0; i < VDK_DIM(xstat_names); i++)
			snprintf(names[i].name, sizeof(names[i].name), "%s", xstat_names[i]);
	return (int)VDK_DIM(xstat_names);
}

static int
virtio_xstats_get(struct vdk_eth_dev *dev, uint64_t *values, unsigned int n)
{
	struct virtio_port *p = virtio_port(dev);
	uint16_t q;

	if (values == NULL || n < VDK_DIM(xstat_names))
		return (int)VDK_DIM(xstat_names);
	memset(values, 0, VDK_DIM(xstat_names) * sizeof(values[0]));
	for (q = 0; q < dev->nb_rx_queues; q++) {
		struct virtio_rxq *r = dev->rx_queues[q];

		if (r == NULL)
			continue;
		values[0] += vdk_eth_counter_read(&r->vq.kicks);
		values[4] += vdk_eth_counter_read(&r->vq.nb_broken);
	}
	for (q = 0; q < dev->nb_tx_queues; q++) {
		struct virtio_txq *t = dev->tx_queues[q];

		if (t == NULL)
			continue;
		values[1] += vdk_eth_counter_read(&t->vq.kicks);
		values[5] += vdk_eth_counter_read(&t->vq.nb_broken);
	}
	pthread_mutex_lock(&p->ctrl_lock);
	values[2] = p->ctrl_cmds;
	values[6] = p->cvq.nb_broken;
	pthread_mutex_unlock(&p->ctrl_lock);
	values[3] = __atomic_load_n(&p->config_interrupts, __ATOMIC_RELAXED);
	values[7] = __atomic_load_n(&p->reset_leaked_mbufs, __ATOMIC_RELAXED);
	return (int)VDK_DIM(xstat_names);
}

static int
virtio_promisc_enable(struct vdk_eth_dev *dev)
{
	return rx_mode_set(virtio_port(dev), VIRTIO_NET_CTRL_RX_PROMISC, true);
}

static int
virtio_promisc_disable(struct vdk_eth_dev *dev)
{
	return rx_mode_set(virtio_port(dev), VIRTIO_NET_CTRL_RX_PROMISC, false);
}

static int
virtio_allmulti_enable(struct vdk_eth_dev *dev)
{
	return rx_mode_set(virtio_port(dev), VIRTIO_NET_CTRL_RX_ALLMULTI, true);
}

static int
virtio_allmulti_disable(struct vdk_eth_dev *dev)
{
	return rx_mode_set(virtio_port(dev), VIRTIO_NET_CTRL_RX_ALLMULTI, false);
}

static const struct vdk_eth_dev_ops virtio_ops = {
	.dev_infos_get = virtio_infos_get,
	.dev_configure = virtio_configure,
	.dev_start = virtio_start,
	.dev_stop = virtio_stop,
	.dev_close = virtio_close,
	.dev_reset = virtio_reset,
	.rx_queue_setup = virtio_rx_queue_setup,
	.rx_queue_release = virtio_rx_queue_release,
	.tx_queue_setup = virtio_tx_queue_setup,
	.tx_queue_release = virtio_tx_queue_release,
	.link_update = virtio_link_update,
	.stats_get = virtio_stats_get,
	.xstats_get_names = virtio_xstats_get_names,
	.xstats_get = virtio_xstats_get,
	.promiscuous_enable = virtio_promisc_enable,
	.promiscuous_disable = virtio_promisc_disable,
	.allmulticast_enable = virtio_allmulti_enable,
	.allmulticast_disable = virtio_allmulti_disable,
};

/* ---------------------------------------------------------------------- */
/* PCI driver */

/* Its own key, and the bus's (driver=NAME picks the driver, doc/pci.md). */
static const char *const virtio_args[] = { "features_off", "driver", NULL };

static int
parse_devargs(struct virtio_port *p, const char *name, const char *args)
{
	/* Only the keys we know: anything else is a typo the user should hear of. */
	if (vdk_devargs_check_keys(name, args, virtio_args, "features_off=<hex mask>") != 0)
		return -EINVAL;
	/* A bad value is logged with its key; the bus names the device that failed. */
	return vdk_devargs_get_u64(args, "features_off", 0, UINT64_MAX, &p->features_off) != 0 ?
	       -EINVAL : 0;
}

static int
virtio_probe(struct vdk_pci_device *pdev)
{
	struct virtio_port *p;
	uint16_t pairs = 1, q, max;
	int ret;

	p = vdk_eth_dev_zalloc(sizeof(*p));
	if (p == NULL)
		return -ENOMEM;
	pthread_mutex_init(&p->ctrl_lock, NULL);
	ret = parse_devargs(p, pdev->name, pdev->devargs != NULL ? pdev->devargs : "");
	if (ret != 0)
		goto free_port;
	ret = virtio_pci_init(&p->vp, pdev);
	if (ret != 0)
		goto free_port;
	ret = vdk_pci_set_bus_master(pdev, 1);
	if (ret != 0) {
		VIRTIO_LOG(ERR, "%s: cannot enable bus mastering: %s", pdev->name, strerror(-ret));
		goto free_port;
	}
	ret = negotiate(p);
	if (ret != 0)
		goto reset;

	if (virtio_has(p, VIRTIO_NET_F_MAC)) {
		ret = virtio_pci_read_dev_cfg(&p->vp, VIRTIO_NET_CFG_MAC,
					      p->eth.mac_addr.addr_bytes, 6);
		if (ret != 0)
			goto cfg_failed;
	} else {
		vdk_ether_random_addr(&p->eth.mac_addr);
		VIRTIO_LOG(WARNING, "%s: the device has no MAC address: using a random one",
			   pdev->name);
	}
	if (virtio_has(p, VIRTIO_NET_F_MQ)) {
		ret = virtio_pci_read_dev_cfg(&p->vp, VIRTIO_NET_CFG_MAX_PAIRS, &pairs, 2);
		if (ret != 0)
			goto cfg_failed;
		pairs = VDK_MAX((uint16_t)1, VDK_MIN(pairs, (uint16_t)VIRTIO_MAX_PAIRS));
	}
	p->max_pairs = pairs;
	/* The smallest of the queues' maxima bounds every rx and tx ring. */
	p->queue_max = UINT16_MAX;
	for (q = 0; q < 2 * pairs; q++) {
		max = virtio_pci_queue_max(&p->vp, q);
		if (max == 0) {
			VIRTIO_LOG(ERR, "%s: queue %u does not exist though %u pairs are offered",
				   pdev->name, q, pairs);
			ret = -EIO;
			goto reset;
		}
		p->queue_max = VDK_MIN(p->queue_max, max);
	}
	/* Largest power of two the device takes. */
	p->queue_max = (uint16_t)(1u << (31 - __builtin_clz(p->queue_max)));
	if (virtio_has(p, VIRTIO_NET_F_CTRL_VQ)) {
		max = virtio_pci_queue_max(&p->vp, (uint16_t)(virtio_has(p, VIRTIO_NET_F_MQ)
							      ? 2 * pairs : 2));
		ret = ctrl_alloc(p, max, pdev->numa_node);
		if (ret != 0)
			goto reset;
	}
	/* The device idles until dev_start initializes it again with the queues. */
	virtio_pci_reset(&p->vp);

	if (virtio_has(p, VIRTIO_NET_F_STATUS) &&
	    vdk_intr_enable(pdev, VDK_INTR_MODE_MSIX, 1) == 0) {
		if (vdk_intr_callback_register(pdev, 0, config_changed, p) == 0)
			p->intr_ok = true;
		else
			vdk_intr_disable(pdev);
	}

	p->eth.ops = &virtio_ops;
	p->eth.driver_name = "net_virtio";
	p->eth.rx_burst = virtio_rx_burst;
	p->eth.tx_burst = virtio_tx_burst;
	ret = vdk_eth_dev_pci_attach(&p->eth, pdev, p, "features 0x%" PRIx64 ", %u queue pair%s "
				     "of up to %u descriptors", p->features, pairs,
				     pairs > 1 ? "s" : "", p->queue_max);
	if (ret < 0)
		goto intr_off;
	return 0;

cfg_failed:
	/* -EIO was said by virtio_pci_read_dev_cfg(). */
	if (ret == -ERANGE)
		VIRTIO_LOG(ERR, "%s: its device configuration (%u bytes) is too short for the "
			   "features it offers (0x%" PRIx64 ")", pdev->name, p->vp.device_len,
			   p->offered);
	goto reset;
intr_off:
	if (p->intr_ok)
		vdk_intr_disable(pdev);
reset:
	virtio_pci_reset(&p->vp);
	vdk_pci_set_bus_master(pdev, 0);
free_port:
	port_free(p);
	/* -ENODEV would only decline the device: a failure here is an error. */
	return ret == -ENODEV ? -EIO : ret;
}

static int
virtio_remove(struct vdk_pci_device *pdev)
{
	struct virtio_port *p = pdev->driver_data;

	if (p == NULL)
		return 0;
	return vdk_eth_dev_close(p->eth.port_id);
}

static const struct vdk_pci_id virtio_ids[] = {
	{ VDK_PCI_DEVICE(0x1af4, 0x1041) }, /* virtio 1.0 network device (§4.1.2) */
	{ .vendor_id = 0 },
};

static const struct vdk_pci_driver virtio_driver = {
	.name = "net_virtio",
	.id_table = virtio_ids,
	.probe = virtio_probe,
	.remove = virtio_remove,
};

VDK_PCI_DRIVER_REGISTER(virtio_driver)
