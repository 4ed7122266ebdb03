/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * net_ring: a port whose queues are VDK rings.
 *
 *   --vdev net_ring0[,queues=<1..16>][,size=<ring slots>]
 *
 * makes a loopback port (tx queue q feeds rx queue q); vdk_eth_from_rings()
 * wraps rings the caller owns.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ring_internal.h"
#include "vdk_eal.h"
#include "vdk_mbuf.h"
#include "vdk_vdev.h"

#define RING_LOG(level, fmt, ...) VDK_LOG(level, NET, "ring: " fmt, ##__VA_ARGS__)

#define RING_DEFAULT_SIZE 1024
#define RING_MAX_SIZE 65536
#define RING_MAX_DESC 4096

static struct ring_port *
to_ring(struct vdk_eth_dev *dev)
{
	return vdk_container_of(dev, struct ring_port, vp.eth);
}

static int
ring_infos_get(struct vdk_eth_dev *dev, struct vdk_eth_dev_info *info)
{
	struct ring_port *p = to_ring(dev);

	info->max_rx_queues = p->vp.nb_rxq;
	info->max_tx_queues = p->vp.nb_txq;
	info->rx_desc_lim = (struct vdk_eth_desc_lim){ .nb_max = RING_MAX_DESC, .nb_min = 1,
						       .nb_align = 1 };
	info->tx_desc_lim = info->rx_desc_lim;
	info->default_rx_ring_size = 1024;
	info->default_tx_ring_size = 1024;
	info->default_burst_size = 32;
	info->max_rx_pktlen = UINT16_MAX;
	info->min_mtu = 68;
	info->max_mtu = UINT16_MAX - VDK_ETHER_HDR_LEN;
	info->tx_offload_capa = VDK_ETH_TX_OFFLOAD_MULTI_SEGS;
	info->speed_capa = VDK_ETH_SPEED_NUM_10G;
	return 0;
}

/* Packets still in a ring this port owns would leak with it. */
static void
ring_drain(struct vdk_ring *r)
{
	struct vdk_mbuf *pkts[32];
	unsigned int n;

	while ((n = vdk_ring_dequeue_burst(r, (void **)pkts, VDK_DIM(pkts), NULL)) > 0)
		vdk_pktmbuf_free_bulk(pkts, n);
}

static void
ring_close(struct vdk_eth_dev *dev)
{
	struct ring_port *p = to_ring(dev);
	unsigned int i;

	if (p->own_rings) {
		for (i = 0; i < p->vp.nb_rxq; i++) {
			ring_drain(p->rxq[i].ring);
			vdk_ring_free(p->rxq[i].ring);
		}
	}
	free(p);
}

static int
ring_reset(struct vdk_eth_dev *dev)
{
	struct ring_port *p = to_ring(dev);
	unsigned int i;

	if (p->own_rings)
		for (i = 0; i < p->vp.nb_rxq; i++)
			ring_drain(p->rxq[i].ring);
	return 0;
}

/* One statistic of its own: packets a full ring refused. */
static int
ring_xstats_get_names(struct vdk_eth_dev *dev, struct vdk_eth_xstat_name *names,
		      unsigned int n)
{
	(void)dev;
	if (names != NULL && n >= 1)
		snprintf(names[0].name, sizeof(names[0].name), "tx_ring_full");
	return 1;
}

static int
ring_xstats_get(struct vdk_eth_dev *dev, uint64_t *values, unsigned int n)
{
	if (n >= 1)
		values[0] = vdk_eth_vport_txq_sum(dev, offsetof(struct ring_txq, full));
	return 1;
}

static const struct vdk_eth_dev_ops ring_ops = {
	.dev_infos_get = ring_infos_get,
	.dev_configure = vdk_eth_dev_op_accept,
	.dev_start = vdk_eth_dev_op_accept,
	.dev_stop = vdk_eth_dev_op_accept,
	.dev_close = ring_close,
	.dev_reset = ring_reset,
	.rx_queue_setup = vdk_eth_vport_rx_queue_setup,
	.rx_queue_release = vdk_eth_dev_queue_release_none,
	.tx_queue_setup = vdk_eth_vport_tx_queue_setup,
	.tx_queue_release = vdk_eth_dev_queue_release_none,
	.link_update = vdk_eth_dev_link_update_virtual,
	.stats_get = vdk_eth_vport_stats_get,
	.xstats_get_names = ring_xstats_get_names,
	.xstats_get = ring_xstats_get,
	.promiscuous_enable = vdk_eth_dev_op_accept,
	.promiscuous_disable = vdk_eth_dev_op_accept,
	.allmulticast_enable = vdk_eth_dev_op_accept,
	.allmulticast_disable = vdk_eth_dev_op_accept,
	.mac_addr_set = vdk_eth_dev_mac_addr_accept,
	.mtu_set = vdk_eth_dev_mtu_accept,
};

/* The rings are in p->rxq[].ring and p->txq[].ring, @nb_rx and @nb_tx of them. */
static int
ring_port_attach(struct ring_port *p, const char *name, unsigned int nb_rx, unsigned int nb_tx,
		 int socket_id)
{
	int ret;

	p->vp.eth.ops = &ring_ops;
	p->vp.eth.driver_name = "net_ring";
	p->vp.eth.rx_burst = ring_rx_burst;
	p->vp.eth.tx_burst = ring_tx_burst;
	p->vp.eth.socket_id = socket_id;
	ret = vdk_eth_vport_queues_set(&p->vp, p->rxq, sizeof(p->rxq[0]), (uint16_t)nb_rx,
				       p->txq, sizeof(p->txq[0]), (uint16_t)nb_tx);
	if (ret == 0)
		ret = vdk_eth_dev_attach(&p->vp.eth, name);
	if (ret >= 0)
		p->vp.eth.mac_addr = (struct vdk_ether_addr){ { 0x02, 0x76, 0x64, 0x6b, 0x01,
								(uint8_t)ret } };
	return ret;
}

int
vdk_eth_from_rings(const char *name, struct vdk_ring *const rx_rings[], unsigned int nb_rx,
		   struct vdk_ring *const tx_rings[], unsigned int nb_tx, int socket_id)
{
	struct ring_port *p;
	unsigned int i;
	int ret;

	if (name == NULL || name[0] == '\0' || (nb_rx == 0 && nb_tx == 0) ||
	    nb_rx > VDK_ETH_RING_MAX_QUEUES || nb_tx > VDK_ETH_RING_MAX_QUEUES ||
	    (nb_rx > 0 && rx_rings == NULL) || (nb_tx > 0 && tx_rings == NULL)) {
		RING_LOG(ERR, "from rings %s: need a name and 1 to %d rings a direction",
			 name ? name : "(null)", VDK_ETH_RING_MAX_QUEUES);
		return -EINVAL;
	}
	for (i = 0; i < nb_rx; i++)
		if (rx_rings[i] == NULL)
			goto null_ring;
	for (i = 0; i < nb_tx; i++)
		if (tx_rings[i] == NULL)
			goto null_ring;
	p = vdk_eth_dev_zalloc(sizeof(*p));
	if (p == NULL)
		return -ENOMEM;
	for (i = 0; i < nb_rx; i++)
		p->rxq[i].ring = rx_rings[i];
	for (i = 0; i < nb_tx; i++)
		p->txq[i].ring = tx_rings[i];
	ret = ring_port_attach(p, name, nb_rx, nb_tx, socket_id);
	if (ret < 0)
		free(p);
	return ret;
null_ring:
	RING_LOG(ERR, "from rings %s: ring %u is NULL", name, i);
	return -EINVAL;
}

static const char *const ring_args[] = { "queues", "size", NULL };
static const char ring_help[] = "queues=<1..16>,size=<ring slots 1..65536>";

static int
ring_probe(const char *name, const char *args)
{
	uint32_t queues = 1, size = RING_DEFAULT_SIZE, i;
	char rname[VDK_RING_NAMESIZE];
	struct ring_port *p;
	int ret;

	ret = vdk_vdev_args_check(name, args, ring_args, ring_help);
	if (ret != 0)
		return ret;
	if (vdk_devargs_get_uint(args, "queues", 1, VDK_ETH_RING_MAX_QUEUES, &queues) != 0 ||
	    vdk_devargs_get_uint(args, "size", 1, RING_MAX_SIZE, &size) != 0)
		return -EINVAL;
	p = vdk_eth_dev_zalloc(sizeof(*p));
	if (p == NULL)
		return -ENOMEM;
	p->own_rings = true;
	for (i = 0; i < queues; i++) {
		if (snprintf(rname, sizeof(rname), "ethr_%s_%u", name, i) >= (int)sizeof(rname)) {
			RING_LOG(ERR, "%s: name too long for its rings: use at most %zu characters",
				 name, sizeof(rname) - sizeof("ethr__15"));
			ret = -ENAMETOOLONG;
			goto free_rings;
		}
		/* One thread sends on a queue and one receives: single producer and consumer. */
		p->rxq[i].ring = vdk_ring_create(rname, size, VDK_SOCKET_ID_ANY,
						 VDK_RING_F_SP_ENQ | VDK_RING_F_SC_DEQ |
						 VDK_RING_F_EXACT_SZ);
		if (p->rxq[i].ring == NULL) {
			ret = -errno;
			RING_LOG(ERR, "%s: cannot make ring %s: %s", name, rname, strerror(errno));
			goto free_rings;
		}
		p->txq[i].ring = p->rxq[i].ring;
	}
	ret = ring_port_attach(p, name, queues, queues, VDK_SOCKET_ID_ANY);
	if (ret < 0)
		goto free_rings;
	RING_LOG(DEBUG, "%s: port %d, loopback over %u ring(s) of %u", name, ret, queues, size);
	return 0;
free_rings:
	/* vdk_ring_free() takes NULL: the rings not made yet are. */
	for (i = 0; i < queues; i++)
		vdk_ring_free(p->rxq[i].ring);
	free(p);
	return ret;
}

static const struct vdk_vdev_driver ring_driver = {
	.name = "net_ring",
	.probe = ring_probe,
	.remove = vdk_eth_dev_vdev_remove,
	.args_help = ring_help,
};

VDK_VDEV_REGISTER(ring_driver)
