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
	return vdk_container_of(dev, struct ring_port, eth);
}

static int
ring_infos_get(struct vdk_eth_dev *dev, struct vdk_eth_dev_info *info)
{
	struct ring_port *p = to_ring(dev);

	info->max_rx_queues = (uint16_t)p->nb_rx_rings;
	info->max_tx_queues = (uint16_t)p->nb_tx_rings;
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

static int
ring_configure(struct vdk_eth_dev *dev)
{
	(void)dev;
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
		for (i = 0; i < p->nb_rx_rings; i++) {
			ring_drain(p->rx_rings[i]);
			vdk_ring_free(p->rx_rings[i]);
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
		for (i = 0; i < p->nb_rx_rings; i++)
			ring_drain(p->rx_rings[i]);
	return 0;
}

static int
ring_rx_queue_setup(struct vdk_eth_dev *dev, uint16_t qid, uint16_t nb_desc, int socket_id,
		    const struct vdk_eth_rxconf *conf, struct vdk_mempool *mp, void **rxq)
{
	struct ring_port *p = to_ring(dev);
	struct ring_rxq *q = &p->rxq[qid];

	(void)nb_desc;
	(void)socket_id;
	(void)conf;
	(void)mp;
	memset(q, 0, sizeof(*q));
	q->ring = p->rx_rings[qid];
	q->port_id = dev->port_id;
	*rxq = q;
	return 0;
}

static int
ring_tx_queue_setup(struct vdk_eth_dev *dev, uint16_t qid, uint16_t nb_desc, int socket_id,
		    const struct vdk_eth_txconf *conf, void **txq)
{
	struct ring_port *p = to_ring(dev);
	struct ring_txq *q = &p->txq[qid];

	(void)nb_desc;
	(void)socket_id;
	(void)conf;
	memset(q, 0, sizeof(*q));
	q->ring = p->tx_rings[qid];
	*txq = q;
	return 0;
}

static int
ring_stats_get(struct vdk_eth_dev *dev, struct vdk_eth_stats *s)
{
	struct ring_port *p = to_ring(dev);
	uint16_t q;

	for (q = 0; q < dev->nb_rx_queues; q++)
		if (dev->rx_queues[q] != NULL)
			vdk_eth_stats_add_rxq(s, q, vdk_eth_counter_read(&p->rxq[q].pkts),
					      vdk_eth_counter_read(&p->rxq[q].bytes), 0);
	for (q = 0; q < dev->nb_tx_queues; q++)
		if (dev->tx_queues[q] != NULL)
			vdk_eth_stats_add_txq(s, q, vdk_eth_counter_read(&p->txq[q].pkts),
					      vdk_eth_counter_read(&p->txq[q].bytes), 0);
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
	struct ring_port *p = to_ring(dev);
	uint64_t full = 0;
	uint16_t q;

	for (q = 0; q < dev->nb_tx_queues; q++)
		if (dev->tx_queues[q] != NULL)
			full += vdk_eth_counter_read(&p->txq[q].full);
	if (n >= 1)
		values[0] = full;
	return 1;
}

static const struct vdk_eth_dev_ops ring_ops = {
	.dev_infos_get = ring_infos_get,
	.dev_configure = ring_configure,
	.dev_start = vdk_eth_dev_op_accept,
	.dev_stop = vdk_eth_dev_op_accept,
	.dev_close = ring_close,
	.dev_reset = ring_reset,
	.rx_queue_setup = ring_rx_queue_setup,
	.rx_queue_release = vdk_eth_dev_queue_release_none,
	.tx_queue_setup = ring_tx_queue_setup,
	.tx_queue_release = vdk_eth_dev_queue_release_none,
	.link_update = vdk_eth_dev_link_update_virtual,
	.stats_get = ring_stats_get,
	.xstats_get_names = ring_xstats_get_names,
	.xstats_get = ring_xstats_get,
	.promiscuous_enable = vdk_eth_dev_op_accept,
	.promiscuous_disable = vdk_eth_dev_op_accept,
	.allmulticast_enable = vdk_eth_dev_op_accept,
	.allmulticast_disable = vdk_eth_dev_op_accept,
	.mac_addr_set = vdk_eth_dev_mac_addr_accept,
	.mtu_set = vdk_eth_dev_mtu_accept,
};

static int
ring_port_attach(struct ring_port *p, const char *name, int socket_id)
{
	int ret;

	p->eth.ops = &ring_ops;
	p->eth.driver_name = "net_ring";
	p->eth.rx_burst = ring_rx_burst;
	p->eth.tx_burst = ring_tx_burst;
	p->eth.socket_id = socket_id;
	ret = vdk_eth_dev_attach(&p->eth, name);
	if (ret >= 0)
		p->eth.mac_addr = (struct vdk_ether_addr){ { 0x02, 0x76, 0x64, 0x6b, 0x01,
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
	p = calloc(1, sizeof(*p));
	if (p == NULL)
		return -ENOMEM;
	p->nb_rx_rings = nb_rx;
	p->nb_tx_rings = nb_tx;
	memcpy(p->rx_rings, rx_rings, nb_rx * sizeof(rx_rings[0]));
	memcpy(p->tx_rings, tx_rings, nb_tx * sizeof(tx_rings[0]));
	ret = ring_port_attach(p, name, socket_id);
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
	p = calloc(1, sizeof(*p));
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
		p->rx_rings[i] = vdk_ring_create(rname, size, VDK_SOCKET_ID_ANY,
						 VDK_RING_F_SP_ENQ | VDK_RING_F_SC_DEQ |
						 VDK_RING_F_EXACT_SZ);
		if (p->rx_rings[i] == NULL) {
			ret = -errno;
			RING_LOG(ERR, "%s: cannot make ring %s: %s", name, rname, strerror(errno));
			goto free_rings;
		}
		p->tx_rings[i] = p->rx_rings[i];
		p->nb_rx_rings = p->nb_tx_rings = i + 1;
	}
	ret = ring_port_attach(p, name, VDK_SOCKET_ID_ANY);
	if (ret < 0)
		goto free_rings;
	RING_LOG(DEBUG, "%s: port %d, loopback over %u ring(s) of %u", name, ret, queues, size);
	return 0;
free_rings:
	for (i = 0; i < p->nb_rx_rings; i++)
		vdk_ring_free(p->rx_rings[i]);
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
