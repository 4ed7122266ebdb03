/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Basic and extended statistics.
 *
 * Drivers report totals that only grow; a reset records the totals as a
 * baseline that later reads subtract. So a reset never writes a counter an
 * lcore increments, and is safe while the port forwards. A queue set up
 * anew starts its counters from zero while the others go on, which no
 * baseline can follow: queue setup therefore resets the statistics too.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ethdev_internal.h"
#include "vdk_ethdev.h"

/* The extended statistics every port has, taken from struct vdk_eth_stats. */
struct generic_xstat {
	const char *name;
	size_t offset;
};

static const struct generic_xstat generic_xstats[] = {
	{ "rx_good_packets", offsetof(struct vdk_eth_stats, ipackets) },
	{ "tx_good_packets", offsetof(struct vdk_eth_stats, opackets) },
	{ "rx_good_bytes", offsetof(struct vdk_eth_stats, ibytes) },
	{ "tx_good_bytes", offsetof(struct vdk_eth_stats, obytes) },
	{ "rx_missed_errors", offsetof(struct vdk_eth_stats, imissed) },
	{ "rx_errors", offsetof(struct vdk_eth_stats, ierrors) },
	{ "tx_errors", offsetof(struct vdk_eth_stats, oerrors) },
	{ "rx_mbuf_allocation_errors", offsetof(struct vdk_eth_stats, rx_nombuf) },
};

/* Per-queue ones, "rx_q<N>_<what>", for the queues the stats struct covers. */
static const struct generic_xstat rxq_xstats[] = {
	{ "packets", offsetof(struct vdk_eth_stats, q_ipackets) },
	{ "bytes", offsetof(struct vdk_eth_stats, q_ibytes) },
	{ "errors", offsetof(struct vdk_eth_stats, q_errors) },
};

static const struct generic_xstat txq_xstats[] = {
	{ "packets", offsetof(struct vdk_eth_stats, q_opackets) },
	{ "bytes", offsetof(struct vdk_eth_stats, q_obytes) },
};

static uint64_t
since(uint64_t total, uint64_t base)
{
	return total >= base ? total - base : total;
}

static int
raw_stats(struct vdk_eth_dev *dev, struct vdk_eth_stats *s)
{
	int ret;

	memset(s, 0, sizeof(*s));
	if (dev->ops->stats_get == NULL)
		return -ENOTSUP;
	ret = dev->ops->stats_get(dev, s);
	if (ret != 0) {
		ETH_LOG(ERR, "port %u: driver %s failed to read statistics: %s", dev->port_id,
			dev->driver_name, strerror(ret < 0 ? -ret : ret));
		return ret < 0 ? ret : -ret;
	}
	return 0;
}

void
eth_stats_base_clear(struct vdk_eth_dev *dev)
{
	memset(&dev->stats_base, 0, sizeof(dev->stats_base));
	free(dev->xstats_base);
	dev->xstats_base = NULL;
	dev->nb_xstats_base = 0;
}

int
vdk_eth_stats_get(uint16_t port_id, struct vdk_eth_stats *stats)
{
	struct vdk_eth_dev *dev = eth_dev_lookup(port_id, "stats get");
	const uint64_t *base;
	uint64_t *v;
	size_t i;
	int ret;

	if (dev == NULL)
		return -ENODEV;
	if (stats == NULL)
		return -EINVAL;
	ret = raw_stats(dev, stats);
	if (ret != 0)
		return ret;
	/* The struct is nothing but counters: subtract field by field. */
	v = (uint64_t *)stats;
	base = (const uint64_t *)&dev->stats_base;
	for (i = 0; i < sizeof(*stats) / sizeof(uint64_t); i++)
		v[i] = since(v[i], base[i]);
	return 0;
}

static unsigned int
nb_queue_xstats(const struct vdk_eth_dev *dev)
{
	unsigned int rxq = VDK_MIN(dev->nb_rx_queues, VDK_ETH_QUEUE_STAT_CNTRS);
	unsigned int txq = VDK_MIN(dev->nb_tx_queues, VDK_ETH_QUEUE_STAT_CNTRS);

	return rxq * VDK_DIM(rxq_xstats) + txq * VDK_DIM(txq_xstats);
}

static int
driver_xstats_count(struct vdk_eth_dev *dev)
{
	int n;

	if (dev->ops->xstats_get_names == NULL || dev->ops->xstats_get == NULL)
		return 0;
	n = dev->ops->xstats_get_names(dev, NULL, 0);
	return n < 0 ? 0 : n;
}

static unsigned int
xstats_count(struct vdk_eth_dev *dev)
{
	return VDK_DIM(generic_xstats) + nb_queue_xstats(dev) + driver_xstats_count(dev);
}

int
vdk_eth_xstats_get_names(uint16_t port_id, struct vdk_eth_xstat_name *names,
			 unsigned int size)
{
	struct vdk_eth_dev *dev = eth_dev_lookup(port_id, "xstats names");
	unsigned int count, i, q, k = 0;
	uint16_t nq;
	int nd;

	if (dev == NULL)
		return -ENODEV;
	count = xstats_count(dev);
	if (names == NULL || size < count)
		return (int)count;
	for (i = 0; i < VDK_DIM(generic_xstats); i++)
		snprintf(names[k++].name, VDK_ETH_XSTATS_NAME_SIZE, "%s", generic_xstats[i].name);
	nq = VDK_MIN(dev->nb_rx_queues, VDK_ETH_QUEUE_STAT_CNTRS);
	for (q = 0; q < nq; q++)
		for (i = 0; i < VDK_DIM(rxq_xstats); i++)
			snprintf(names[k++].name, VDK_ETH_XSTATS_NAME_SIZE, "rx_q%u_%s", q,
				 rxq_xstats[i].name);
	nq = VDK_MIN(dev->nb_tx_queues, VDK_ETH_QUEUE_STAT_CNTRS);
	for (q = 0; q < nq; q++)
		for (i = 0; i < VDK_DIM(txq_xstats); i++)
			snprintf(names[k++].name, VDK_ETH_XSTATS_NAME_SIZE, "tx_q%u_%s", q,
				 txq_xstats[i].name);
	if (count > k) {
		nd = dev->ops->xstats_get_names(dev, names + k, count - k);
		if (nd < 0 || (unsigned int)nd != count - k) {
			ETH_LOG(ERR, "port %u: driver %s gave %d statistic names, %u expected",
				port_id, dev->driver_name, nd, count - k);
			return nd < 0 ? nd : -EIO;
		}
	}
	return (int)count;
}

/* Totals since the queues were made, in name order, into @v (count entries). */
static int
xstats_raw(struct vdk_eth_dev *dev, uint64_t *v, unsigned int count)
{
	struct vdk_eth_stats s;
	unsigned int i, q, k = 0;
	uint16_t nq;
	int ret, nd;

	ret = raw_stats(dev, &s);
	if (ret != 0 && ret != -ENOTSUP)
		return ret;
	for (i = 0; i < VDK_DIM(generic_xstats); i++)
		v[k++] = *(const uint64_t *)((const char *)&s + generic_xstats[i].offset);
	nq = VDK_MIN(dev->nb_rx_queues, VDK_ETH_QUEUE_STAT_CNTRS);
	for (q = 0; q < nq; q++)
		for (i = 0; i < VDK_DIM(rxq_xstats); i++)
			v[k++] = ((const uint64_t *)((const char *)&s + rxq_xstats[i].offset))[q];
	nq = VDK_MIN(dev->nb_tx_queues, VDK_ETH_QUEUE_STAT_CNTRS);
	for (q = 0; q < nq; q++)
		for (i = 0; i < VDK_DIM(txq_xstats); i++)
			v[k++] = ((const uint64_t *)((const char *)&s + txq_xstats[i].offset))[q];
	if (count > k) {
		nd = dev->ops->xstats_get(dev, v + k, count - k);
		if (nd < 0 || (unsigned int)nd != count - k) {
			ETH_LOG(ERR, "port %u: driver %s gave %d statistic values, %u expected",
				dev->port_id, dev->driver_name, nd, count - k);
			return nd < 0 ? nd : -EIO;
		}
	}
	return 0;
}

int
vdk_eth_xstats_get(uint16_t port_id, struct vdk_eth_xstat *xstats, unsigned int n)
{
	struct vdk_eth_dev *dev = eth_dev_lookup(port_id, "xstats get");
	unsigned int count, i;
	uint64_t *v;
	int ret;

	if (dev == NULL)
		return -ENODEV;
	count = xstats_count(dev);
	if (xstats == NULL || n < count)
		return (int)count;
	v = calloc(count, sizeof(*v));
	if (v == NULL)
		return -ENOMEM;
	ret = xstats_raw(dev, v, count);
	if (ret != 0) {
		free(v);
		return ret;
	}
	for (i = 0; i < count; i++) {
		xstats[i].id = i;
		xstats[i].value = since(v[i], i < dev->nb_xstats_base ? dev->xstats_base[i] : 0);
	}
	free(v);
	return (int)count;
}

int
vdk_eth_xstats_get_by_name(uint16_t port_id, const char *name, uint64_t *value)
{
	struct vdk_eth_xstat_name *names = NULL;
	struct vdk_eth_xstat *xs = NULL;
	int n, i, ret = -ENOENT;

	if (eth_dev_lookup(port_id, "xstats get by name") == NULL)
		return -ENODEV;
	if (name == NULL || value == NULL)
		return -EINVAL;
	n = vdk_eth_xstats_get_names(port_id, NULL, 0);
	if (n < 0)
		return n;
	names = calloc(n, sizeof(*names));
	xs = calloc(n, sizeof(*xs));
	if (names == NULL || xs == NULL) {
		ret = -ENOMEM;
		goto out;
	}
	/* A count that changed in between (reconfigure) reads as "not found". */
	if (vdk_eth_xstats_get_names(port_id, names, n) != n ||
	    vdk_eth_xstats_get(port_id, xs, n) != n)
		goto out;
	for (i = 0; i < n; i++) {
		if (strcmp(names[i].name, name) == 0) {
			*value = xs[i].value;
			ret = 0;
			break;
		}
	}
out:
	free(names);
	free(xs);
	return ret;
}

int
eth_stats_rebase(struct vdk_eth_dev *dev)
{
	struct vdk_eth_stats s;
	unsigned int count;
	uint64_t *base;
	int ret;

	ret = raw_stats(dev, &s);
	if (ret != 0)
		return ret;
	count = xstats_count(dev);
	base = calloc(count, sizeof(*base));
	if (base == NULL)
		return -ENOMEM;
	ret = xstats_raw(dev, base, count);
	if (ret != 0) {
		free(base);
		return ret;
	}
	dev->stats_base = s;
	free(dev->xstats_base);
	dev->xstats_base = base;
	dev->nb_xstats_base = count;
	return 0;
}

int
vdk_eth_stats_reset(uint16_t port_id)
{
	struct vdk_eth_dev *dev = eth_dev_lookup(port_id, "stats reset");
	int ret;

	if (dev == NULL)
		return -ENODEV;
	ret = eth_stats_rebase(dev);
	if (ret == -ENOTSUP)
		ETH_LOG(ERR, "port %u: driver %s keeps no statistics", port_id, dev->driver_name);
	return ret;
}

int
vdk_eth_xstats_reset(uint16_t port_id)
{
	return vdk_eth_stats_reset(port_id);
}
