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
	return vdk_container_of(dev, struct null_port, vp.eth);
}

static int
null_infos_get(struct vdk_eth_dev *dev, struct vdk_eth_dev_info *info)
{
	struct null_port *p = to_null(dev);

	info->max_rx_queues = p->vp.nb_rxq;
	info->max_tx_queues = p->vp.nb_txq;
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

static void
null_close(struct vdk_eth_dev *dev)
{
	free(to_null(dev));
}

static const struct vdk_eth_dev_ops null_ops = {
	.dev_infos_get = null_infos_get,
	.dev_configure = vdk_eth_dev_op_accept,
	.dev_start = vdk_eth_dev_op_accept,
	.dev_stop = vdk_eth_dev_op_accept,
	.dev_close = null_close,
	.dev_reset = vdk_eth_dev_op_accept,
	.rx_queue_setup = vdk_eth_vport_rx_queue_setup,
	.rx_queue_release = vdk_eth_dev_queue_release_none,
	.tx_queue_setup = vdk_eth_vport_tx_queue_setup,
	.tx_queue_release = vdk_eth_dev_queue_release_none,
	.link_update = vdk_eth_dev_link_update_virtual,
	.stats_get = vdk_eth_vport_stats_get,
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
	unsigned int i;
	int ret;

	ret = vdk_vdev_args_check(name, args, null_args, null_help);
	if (ret != 0)
		return ret;
	if (vdk_devargs_get_uint(args, "size", NULL_MIN_SIZE, NULL_MAX_SIZE, &size) != 0)
		return -EINVAL;
	p = vdk_eth_dev_zalloc(sizeof(*p));
	if (p == NULL)
		return -ENOMEM;
	p->pkt_size = size;
	for (i = 0; i < NULL_MAX_QUEUES; i++)
		p->rxq[i].pkt_size = size;
	p->vp.eth.ops = &null_ops;
	p->vp.eth.driver_name = "net_null";
	p->vp.eth.rx_burst = null_rx_burst;
	p->vp.eth.tx_burst = null_tx_burst;
	p->vp.eth.socket_id = VDK_SOCKET_ID_ANY;
	ret = vdk_eth_vport_queues_set(&p->vp, p->rxq, sizeof(p->rxq[0]), NULL_MAX_QUEUES,
				       p->txq, sizeof(p->txq[0]), NULL_MAX_QUEUES);
	if (ret == 0)
		ret = vdk_eth_dev_attach(&p->vp.eth, name);
	if (ret < 0) {
		free(p);
		return ret;
	}
	/* A fixed, locally administered address: tests can predict it. */
	p->vp.eth.mac_addr = (struct vdk_ether_addr){ { 0x02, 0x76, 0x64, 0x6b, 0x00,
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
