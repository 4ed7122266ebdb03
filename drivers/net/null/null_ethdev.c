/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * net_null: a port with no device behind it. Receive always has a full
 * burst of packets, transmit always takes everything: the cost it measures
 * is the framework's own (ethdev, mempool, the app's forwarding loop).
 *
 *   --vdev net_null0[,size=<bytes>]    size of received packets, default 64
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "null_internal.h"
#include "vdk_eal.h"
#include "vdk_mbuf.h"
#include "vdk_vdev.h"

#define NULL_LOG(level, fmt, ...) VDK_LOG(level, NET, "null: " fmt, ##__VA_ARGS__)

#define NULL_DEFAULT_SIZE 64
#define NULL_MIN_SIZE 14	/* an Ethernet header */
#define NULL_MAX_SIZE 9600	/* a jumbo frame */
#define NULL_MAX_DESC 4096

static struct null_port *
to_null(struct vdk_eth_dev *dev)
{
	return vdk_container_of(dev, struct null_port, eth);
}

static int
null_infos_get(struct vdk_eth_dev *dev, struct vdk_eth_dev_info *info)
{
	struct null_port *p = to_null(dev);

	info->max_rx_queues = NULL_MAX_QUEUES;
	info->max_tx_queues = NULL_MAX_QUEUES;
	info->rx_desc_lim = (struct vdk_eth_desc_lim){ .nb_max = NULL_MAX_DESC, .nb_min = 1,
						       .nb_align = 1 };
	info->tx_desc_lim = info->rx_desc_lim;
	info->default_rx_ring_size = 1024;
	info->default_tx_ring_size = 1024;
	info->default_burst_size = 32;
	info->min_rx_bufsize = p->pkt_size;
	info->max_rx_pktlen = p->pkt_size;
	info->min_mtu = 68;
	info->max_mtu = NULL_MAX_SIZE - VDK_ETHER_HDR_LEN;
	info->speed_capa = VDK_ETH_SPEED_NUM_10G;
	return 0;
}

static int
null_configure(struct vdk_eth_dev *dev)
{
	(void)dev;
	return 0;
}

static void
null_close(struct vdk_eth_dev *dev)
{
	free(to_null(dev));
}

static int
null_rx_queue_setup(struct vdk_eth_dev *dev, uint16_t qid, uint16_t nb_desc, int socket_id,
		    const struct vdk_eth_rxconf *conf, struct vdk_mempool *mp, void **rxq)
{
	struct null_port *p = to_null(dev);
	struct null_rxq *q = &p->rxq[qid];

	(void)nb_desc;
	(void)socket_id;
	(void)conf;
	memset(q, 0, sizeof(*q));
	q->mp = mp;
	q->pkt_size = p->pkt_size;
	q->port_id = dev->port_id;
	q->qid = qid;
	*rxq = q;
	return 0;
}

static int
null_tx_queue_setup(struct vdk_eth_dev *dev, uint16_t qid, uint16_t nb_desc, int socket_id,
		    const struct vdk_eth_txconf *conf, void **txq)
{
	struct null_txq *q = &to_null(dev)->txq[qid];

	(void)nb_desc;
	(void)socket_id;
	(void)conf;
	memset(q, 0, sizeof(*q));
	q->qid = qid;
	*txq = q;
	return 0;
}

static int
null_stats_get(struct vdk_eth_dev *dev, struct vdk_eth_stats *s)
{
	struct null_port *p = to_null(dev);
	uint16_t q;

	for (q = 0; q < dev->nb_rx_queues; q++) {
		if (dev->rx_queues[q] == NULL)
			continue;
		vdk_eth_stats_add_rxq(s, q, vdk_eth_counter_read(&p->rxq[q].pkts),
				      vdk_eth_counter_read(&p->rxq[q].bytes), 0);
		s->rx_nombuf += vdk_eth_counter_read(&p->rxq[q].nombuf);
	}
	for (q = 0; q < dev->nb_tx_queues; q++) {
		if (dev->tx_queues[q] == NULL)
			continue;
		vdk_eth_stats_add_txq(s, q, vdk_eth_counter_read(&p->txq[q].pkts),
				      vdk_eth_counter_read(&p->txq[q].bytes), 0);
	}
	return 0;
}

static const struct vdk_eth_dev_ops null_ops = {
	.dev_infos_get = null_infos_get,
	.dev_configure = null_configure,
	.dev_start = vdk_eth_dev_op_accept,
	.dev_stop = vdk_eth_dev_op_accept,
	.dev_close = null_close,
	.dev_reset = vdk_eth_dev_op_accept,
	.rx_queue_setup = null_rx_queue_setup,
	.rx_queue_release = vdk_eth_dev_queue_release_none,
	.tx_queue_setup = null_tx_queue_setup,
	.tx_queue_release = vdk_eth_dev_queue_release_none,
	.link_update = vdk_eth_dev_link_update_virtual,
	.stats_get = null_stats_get,
	.promiscuous_enable = vdk_eth_dev_op_accept,
	.promiscuous_disable = vdk_eth_dev_op_accept,
	.allmulticast_enable = vdk_eth_dev_op_accept,
	.allmulticast_disable = vdk_eth_dev_op_accept,
	.mac_addr_set = vdk_eth_dev_mac_addr_accept,
	.mtu_set = vdk_eth_dev_mtu_accept,
};

static const char *const null_args[] = { "size", NULL };
static const char null_help[] = "size=<packet bytes, 14..9600>";

static int
null_probe(const char *name, const char *args)
{
	struct null_port *p;
	uint32_t size = NULL_DEFAULT_SIZE;
	int ret;

	ret = vdk_vdev_args_check(name, args, null_args, null_help);
	if (ret != 0)
		return ret;
	if (vdk_devargs_get_uint(args, "size", NULL_MIN_SIZE, NULL_MAX_SIZE, &size) != 0)
		return -EINVAL;
	p = calloc(1, sizeof(*p));
	if (p == NULL)
		return -ENOMEM;
	p->pkt_size = size;
	p->eth.ops = &null_ops;
	p->eth.driver_name = "net_null";
	p->eth.rx_burst = null_rx_burst;
	p->eth.tx_burst = null_tx_burst;
	p->eth.socket_id = VDK_SOCKET_ID_ANY;
	ret = vdk_eth_dev_attach(&p->eth, name);
	if (ret < 0) {
		free(p);
		return ret;
	}
	/* A fixed, locally administered address: tests can predict it. */
	p->eth.mac_addr = (struct vdk_ether_addr){ { 0x02, 0x76, 0x64, 0x6b, 0x00,
						     (uint8_t)ret } };
	NULL_LOG(DEBUG, "%s: port %d, %u-byte packets", name, ret, size);
	return 0;
}

static const struct vdk_vdev_driver null_driver = {
	.name = "net_null",
	.probe = null_probe,
	.remove = vdk_eth_dev_vdev_remove,
	.args_help = null_help,
};

VDK_VDEV_REGISTER(null_driver)
