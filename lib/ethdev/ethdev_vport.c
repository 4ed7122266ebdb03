/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the virtual-port drivers share (null, ring, pcap, af_packet, memif,
 * af_xdp): ops with nothing to do without hardware, and the queues. Their
 * queues are structs in arrays the driver owns, each beginning with the
 * counters and setup state of struct vdk_eth_vport_rxq/txq, so setting a
 * queue up and summing the counters are the same code for every one.
 * The datapath is the driver's: nothing here runs per packet.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ethdev_internal.h"

int
vdk_eth_dev_op_accept(struct vdk_eth_dev *dev)
{
	(void)dev;
	return 0;
}

int
vdk_eth_dev_mac_addr_accept(struct vdk_eth_dev *dev, const struct vdk_ether_addr *mac)
{
	(void)dev;
	(void)mac;
	return 0;
}

int
vdk_eth_dev_mtu_accept(struct vdk_eth_dev *dev, uint16_t mtu)
{
	(void)dev;
	(void)mtu;
	return 0;
}

void
vdk_eth_dev_queue_release_none(struct vdk_eth_dev *dev, void *q)
{
	(void)dev;
	(void)q;
}

int
vdk_eth_dev_link_update_virtual(struct vdk_eth_dev *dev, int wait)
{
	struct vdk_eth_link link = {
		.link_speed = VDK_ETH_SPEED_NUM_10G,
		.link_duplex = VDK_ETH_LINK_FULL_DUPLEX,
		.link_status = dev->state == VDK_ETH_DEV_STARTED ? VDK_ETH_LINK_UP
							      : VDK_ETH_LINK_DOWN,
	};

	(void)wait;
	vdk_eth_dev_link_set(dev, &link);
	return 0;
}

void *
vdk_eth_dev_zalloc(size_t size)
{
	void *p = NULL;
	int ret = posix_memalign(&p, VDK_CACHE_LINE_SIZE, size);

	if (ret != 0) {
		errno = ret;
		return NULL;
	}
	return memset(p, 0, size);
}

int
vdk_eth_vport_queues_set(struct vdk_eth_vport *vp, void *rxq, size_t rxq_size,
			 uint16_t nb_rxq, void *txq, size_t txq_size, uint16_t nb_txq)
{
	const char *name = vp->eth.driver_name ? vp->eth.driver_name : "a virtual port";

	if (nb_rxq > VDK_ETH_MAX_QUEUES || nb_txq > VDK_ETH_MAX_QUEUES) {
		ETH_LOG(ERR, "%s: %u rx and %u tx queues: ethdev takes at most %d a direction",
			name, nb_rxq, nb_txq, VDK_ETH_MAX_QUEUES);
		return -EINVAL;
	}
	if ((nb_rxq > 0 && (rxq == NULL || rxq_size < sizeof(struct vdk_eth_vport_rxq))) ||
	    (nb_txq > 0 && (txq == NULL || txq_size < sizeof(struct vdk_eth_vport_txq)))) {
		ETH_LOG(ERR, "%s: queue arrays must be given, of structs that begin with "
			"struct vdk_eth_vport_rxq/txq", name);
		return -EINVAL;
	}
	vp->rxq = rxq;
	vp->rxq_size = rxq_size;
	vp->nb_rxq = nb_rxq;
	vp->txq = txq;
	vp->txq_size = txq_size;
	vp->nb_txq = nb_txq;
	return 0;
}

static struct vdk_eth_vport *
to_vport(struct vdk_eth_dev *dev)
{
	return vdk_container_of(dev, struct vdk_eth_vport, eth);
}

/*
 * Queue @qid of the array at @base (@nb queues of @size bytes), or NULL.
 * ethdev checked @qid against the queues the driver reported; past the
 * array means the driver reported more than it has: refuse, not index.
 */
static void *
vport_queue(const struct vdk_eth_dev *dev, const char *dir, uint16_t qid, void *base,
	    size_t size, uint16_t nb)
{
	if (qid < nb)
		return (char *)base + (size_t)qid * size;
	ETH_LOG(ERR, "port %u: %s queue %u: %s has %u %s queues (its dev_infos_get must "
		"report the vport's count)", dev->port_id, dir, qid, dev->driver_name, nb, dir);
	return NULL;
}

/* Descriptor counts, socket and conf were ethdev's to check: a virtual queue holds none. */
int
vdk_eth_vport_rx_queue_setup(struct vdk_eth_dev *dev, uint16_t qid, uint16_t nb_desc,
			     int socket_id, const struct vdk_eth_rxconf *conf,
			     struct vdk_mempool *mp, void **rxq)
{
	struct vdk_eth_vport *vp = to_vport(dev);
	struct vdk_eth_vport_rxq *q = vport_queue(dev, "rx", qid, vp->rxq, vp->rxq_size,
						  vp->nb_rxq);

	(void)nb_desc;
	(void)socket_id;
	(void)conf;
	if (q == NULL)
		return -EINVAL;
	/* The port is stopped: no burst writes the counters now. */
	q->pkts = q->bytes = q->errors = q->nombuf = 0;
	q->mp = mp;
	q->port_id = dev->port_id;
	*rxq = q;
	return 0;
}

int
vdk_eth_vport_tx_queue_setup(struct vdk_eth_dev *dev, uint16_t qid, uint16_t nb_desc,
			     int socket_id, const struct vdk_eth_txconf *conf, void **txq)
{
	struct vdk_eth_vport *vp = to_vport(dev);
	struct vdk_eth_vport_txq *q = vport_queue(dev, "tx", qid, vp->txq, vp->txq_size,
						  vp->nb_txq);

	(void)nb_desc;
	(void)socket_id;
	(void)conf;
	if (q == NULL)
		return -EINVAL;
	q->pkts = q->bytes = q->errors = 0;
	*txq = q;
	return 0;
}

int
vdk_eth_vport_stats_get(struct vdk_eth_dev *dev, struct vdk_eth_stats *s)
{
	const struct vdk_eth_vport_rxq *rxq;
	const struct vdk_eth_vport_txq *txq;
	uint16_t q;

	for (q = 0; q < dev->nb_rx_queues; q++) {
		rxq = dev->rx_queues[q];
		if (rxq == NULL)
			continue;
		vdk_eth_stats_add_rxq(s, q, vdk_eth_counter_read(&rxq->pkts),
				      vdk_eth_counter_read(&rxq->bytes),
				      vdk_eth_counter_read(&rxq->errors));
		s->rx_nombuf += vdk_eth_counter_read(&rxq->nombuf);
	}
	for (q = 0; q < dev->nb_tx_queues; q++) {
		txq = dev->tx_queues[q];
		if (txq == NULL)
			continue;
		vdk_eth_stats_add_txq(s, q, vdk_eth_counter_read(&txq->pkts),
				      vdk_eth_counter_read(&txq->bytes),
				      vdk_eth_counter_read(&txq->errors));
	}
	return 0;
}

uint64_t
vdk_eth_vport_txq_sum(const struct vdk_eth_dev *dev, size_t offset)
{
	uint64_t sum = 0;
	uint16_t q;

	for (q = 0; q < dev->nb_tx_queues; q++)
		if (dev->tx_queues[q] != NULL)
			sum += vdk_eth_counter_read(
				(const uint64_t *)((const char *)dev->tx_queues[q] + offset));
	return sum;
}
