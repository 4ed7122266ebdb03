/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Ports: the table of attached devices, their life cycle (configure, queue
 * setup, start, stop, close, reset), and the settings every driver shares
 * (MAC address, MTU, promiscuous modes). Beside it: the link
 * (ethdev_link.c), event callbacks (ethdev_event.c), register access
 * (ethdev_reg.c), removal (ethdev_remove.c), counters (ethdev_stats.c).
 *
 * Every call checks its arguments against the driver's limits and the
 * port's state before it reaches the driver, so drivers see only valid
 * requests and a refused call changes nothing.
 */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ethdev_internal.h"
#include "vdk_ethdev.h"
#include "vdk_mbuf.h"
#include "vdk_pci.h"

uint16_t
eth_dummy_burst(void *q, struct vdk_mbuf **pkts, uint16_t n)
{
	(void)q;
	(void)pkts;
	(void)n;
	return 0;
}

/* A port that is not started must be safe to poll: it moves nothing. */
struct vdk_eth_fp_ops vdk_eth_fp_ops[VDK_ETH_MAX_PORTS] = {
	[0 ... VDK_ETH_MAX_PORTS - 1] = {
		.rx_burst = eth_dummy_burst,
		.tx_burst = eth_dummy_burst,
	},
};

/* Guards the table's shape (attach, detach, lookups by name). */
static pthread_mutex_t eth_lock = PTHREAD_MUTEX_INITIALIZER;
static struct vdk_eth_dev *eth_devs[VDK_ETH_MAX_PORTS];

struct vdk_eth_dev *
vdk_eth_dev_get(uint16_t port_id)
{
	struct vdk_eth_dev *dev;

	if (port_id >= VDK_ETH_MAX_PORTS)
		return NULL;
	pthread_mutex_lock(&eth_lock);
	dev = eth_devs[port_id];
	pthread_mutex_unlock(&eth_lock);
	return dev;
}

struct vdk_eth_dev *
eth_dev_lookup(uint16_t port_id, const char *op)
{
	struct vdk_eth_dev *dev = vdk_eth_dev_get(port_id);

	if (dev == NULL)
		ETH_LOG(ERR, "%s: port %u: no such port (%u in use)", op, port_id,
			vdk_eth_dev_count_avail());
	return dev;
}

int
eth_driver_error(const struct vdk_eth_dev *dev, const char *op, int ret)
{
	if (ret > 0)
		ret = -ret;
	ETH_LOG(ERR, "port %u (%s): %s failed in driver %s: %s", dev->port_id, dev->name,
		op, dev->driver_name, strerror(-ret));
	return ret;
}

int
vdk_eth_dev_attach(struct vdk_eth_dev *dev, const char *name)
{
	uint16_t p, free_slot = VDK_ETH_MAX_PORTS;

	if (dev == NULL || name == NULL || name[0] == '\0' ||
	    strlen(name) >= VDK_ETH_NAME_SIZE) {
		ETH_LOG(ERR, "attach: need a device and a name of 1 to %d characters",
			VDK_ETH_NAME_SIZE - 1);
		return -EINVAL;
	}
	if (dev->ops == NULL || dev->driver_name == NULL || dev->rx_burst == NULL ||
	    dev->tx_burst == NULL) {
		ETH_LOG(ERR, "attach %s: the driver left ops, driver_name or a burst unset",
			name);
		return -EINVAL;
	}
	pthread_mutex_lock(&eth_lock);
	for (p = 0; p < VDK_ETH_MAX_PORTS; p++) {
		if (eth_devs[p] == NULL) {
			if (free_slot == VDK_ETH_MAX_PORTS)
				free_slot = p;
		} else if (strcmp(eth_devs[p]->name, name) == 0) {
			pthread_mutex_unlock(&eth_lock);
			ETH_LOG(ERR, "attach %s: port %u already has that name", name, p);
			return -EEXIST;
		}
	}
	if (free_slot == VDK_ETH_MAX_PORTS) {
		pthread_mutex_unlock(&eth_lock);
		ETH_LOG(ERR, "attach %s: all %d ports are in use: close one first", name,
			VDK_ETH_MAX_PORTS);
		return -ENOSPC;
	}
	p = free_slot;
	snprintf(dev->name, sizeof(dev->name), "%s", name);
	dev->port_id = p;
	dev->state = VDK_ETH_DEV_ATTACHED;
	__atomic_store_n(&dev->removed, false, __ATOMIC_RELAXED);
	dev->nb_rx_queues = 0;
	dev->nb_tx_queues = 0;
	memset(&dev->conf, 0, sizeof(dev->conf));
	memset(dev->rx_mempool, 0, sizeof(dev->rx_mempool));
	memset(&dev->stats_base, 0, sizeof(dev->stats_base));
	dev->xstats_base = NULL;
	dev->nb_xstats_base = 0;
	dev->link = 0;
	eth_rss_ops_clear(p);
	if (dev->mtu == 0)
		dev->mtu = VDK_ETHER_MTU;
	dev->rx_queues = vdk_eth_fp_ops[p].rxq;
	dev->tx_queues = vdk_eth_fp_ops[p].txq;
	memset(vdk_eth_fp_ops[p].rxq, 0, sizeof(vdk_eth_fp_ops[p].rxq));
	memset(vdk_eth_fp_ops[p].txq, 0, sizeof(vdk_eth_fp_ops[p].txq));
	eth_devs[p] = dev;
	pthread_mutex_unlock(&eth_lock);
	ETH_LOG(DEBUG, "port %u: %s (driver %s)", p, name, dev->driver_name);
	return p;
}

int
vdk_eth_dev_pci_attach(struct vdk_eth_dev *dev, struct vdk_pci_device *pdev, void *priv,
		       const char *fmt, ...)
{
	char mac[VDK_ETHER_ADDR_FMT_SIZE], more[128] = "";
	va_list ap;
	int port;

	dev->socket_id = pdev->numa_node >= 0 ? pdev->numa_node : VDK_SOCKET_ID_ANY;
	dev->device = pdev;
	port = vdk_eth_dev_attach(dev, pdev->name);
	if (port < 0)
		return port;
	pdev->driver_data = priv;
	if (fmt != NULL) {
		va_start(ap, fmt);
		vsnprintf(more, sizeof(more), fmt, ap);
		va_end(ap);
	}
	vdk_ether_format_addr(mac, sizeof(mac), &dev->mac_addr);
	ETH_LOG(INFO, "%s: %s: port %d, MAC %s%s%s", dev->driver_name, pdev->name, port, mac,
		more[0] != '\0' ? ", " : "", more);
	return port;
}

uint16_t
vdk_eth_dev_count_avail(void)
{
	uint16_t p, n = 0;

	pthread_mutex_lock(&eth_lock);
	for (p = 0; p < VDK_ETH_MAX_PORTS; p++)
		n += eth_devs[p] != NULL;
	pthread_mutex_unlock(&eth_lock);
	return n;
}

uint16_t
vdk_eth_find_next(uint16_t port_id)
{
	uint16_t p;

	pthread_mutex_lock(&eth_lock);
	for (p = port_id; p < VDK_ETH_MAX_PORTS; p++)
		if (eth_devs[p] != NULL)
			break;
	pthread_mutex_unlock(&eth_lock);
	return p;
}

int
vdk_eth_dev_is_valid_port(uint16_t port_id)
{
	return vdk_eth_dev_get(port_id) != NULL;
}

int
vdk_eth_dev_get_port_by_name(const char *name, uint16_t *port_id)
{
	uint16_t p;

	if (name == NULL || port_id == NULL)
		return -EINVAL;
	pthread_mutex_lock(&eth_lock);
	for (p = 0; p < VDK_ETH_MAX_PORTS; p++) {
		if (eth_devs[p] != NULL && strcmp(eth_devs[p]->name, name) == 0) {
			pthread_mutex_unlock(&eth_lock);
			*port_id = p;
			return 0;
		}
	}
	pthread_mutex_unlock(&eth_lock);
	return -ENODEV;
}

int
vdk_eth_dev_get_name_by_port(uint16_t port_id, char *name)
{
	struct vdk_eth_dev *dev = vdk_eth_dev_get(port_id);

	if (dev == NULL)
		return -ENODEV;
	if (name == NULL)
		return -EINVAL;
	snprintf(name, VDK_ETH_NAME_SIZE, "%s", dev->name);
	return 0;
}

int
vdk_eth_dev_socket_id(uint16_t port_id)
{
	struct vdk_eth_dev *dev = vdk_eth_dev_get(port_id);

	return dev == NULL ? -EINVAL : dev->socket_id;
}

int
eth_dev_info_get(struct vdk_eth_dev *dev, struct vdk_eth_dev_info *info)
{
	int ret;

	memset(info, 0, sizeof(*info));
	info->driver_name = dev->driver_name;
	info->socket_id = dev->socket_id;
	info->min_mtu = 68;	/* the IPv4 minimum */
	info->max_mtu = UINT16_MAX;
	ret = dev->ops->dev_infos_get(dev, info);
	if (ret != 0)
		return eth_driver_error(dev, "dev_infos_get", ret);
	if (info->max_rx_queues > VDK_ETH_MAX_QUEUES)
		info->max_rx_queues = VDK_ETH_MAX_QUEUES;
	if (info->max_tx_queues > VDK_ETH_MAX_QUEUES)
		info->max_tx_queues = VDK_ETH_MAX_QUEUES;
	if (info->rx_desc_lim.nb_align == 0)
		info->rx_desc_lim.nb_align = 1;
	if (info->tx_desc_lim.nb_align == 0)
		info->tx_desc_lim.nb_align = 1;
	return 0;
}

int
vdk_eth_dev_info_get(uint16_t port_id, struct vdk_eth_dev_info *info)
{
	struct vdk_eth_dev *dev = eth_dev_lookup(port_id, "info");

	if (dev == NULL)
		return -ENODEV;
	if (info == NULL)
		return -EINVAL;
	return eth_dev_info_get(dev, info);
}

static void
release_queues(struct vdk_eth_dev *dev)
{
	uint16_t q;

	for (q = 0; q < dev->nb_rx_queues; q++) {
		if (dev->rx_queues[q] != NULL)
			dev->ops->rx_queue_release(dev, dev->rx_queues[q]);
		dev->rx_queues[q] = NULL;
		dev->rx_mempool[q] = NULL;
	}
	for (q = 0; q < dev->nb_tx_queues; q++) {
		if (dev->tx_queues[q] != NULL)
			dev->ops->tx_queue_release(dev, dev->tx_queues[q]);
		dev->tx_queues[q] = NULL;
	}
}

static int
check_not_started(const struct vdk_eth_dev *dev, const char *op)
{
	if (dev->state != VDK_ETH_DEV_STARTED)
		return 0;
	ETH_LOG(ERR, "port %u: cannot %s while started: stop the port first", dev->port_id,
		op);
	return -EBUSY;
}

static int
check_offloads(const struct vdk_eth_dev *dev, const char *what, uint64_t asked,
	       uint64_t capa)
{
	if ((asked & ~capa) == 0)
		return 0;
	ETH_LOG(ERR, "port %u: %s offloads 0x%llx not supported by %s (it can do 0x%llx)",
		dev->port_id, what, (unsigned long long)(asked & ~capa), dev->driver_name,
		(unsigned long long)capa);
	return -EINVAL;
}

int
vdk_eth_dev_configure(uint16_t port_id, uint16_t nb_rx_queue, uint16_t nb_tx_queue,
		      const struct vdk_eth_conf *conf)
{
	struct vdk_eth_dev *dev = eth_dev_lookup(port_id, "configure");
	static const struct vdk_eth_conf default_conf;
	struct vdk_eth_conf old_conf;
	struct vdk_eth_dev_info info;
	uint16_t old_rx, old_tx;
	int ret;

	if (dev == NULL)
		return -ENODEV;
	ret = check_not_started(dev, "configure");
	if (ret != 0)
		return ret;
	if (conf == NULL)
		conf = &default_conf;
	ret = eth_dev_info_get(dev, &info);
	if (ret != 0)
		return ret;
	if (nb_rx_queue == 0 && nb_tx_queue == 0) {
		ETH_LOG(ERR, "port %u: configure needs at least one rx or tx queue", port_id);
		return -EINVAL;
	}
	if (nb_rx_queue > info.max_rx_queues || nb_tx_queue > info.max_tx_queues) {
		ETH_LOG(ERR, "port %u: %u rx and %u tx queues asked, %s has at most %u and %u",
			port_id, nb_rx_queue, nb_tx_queue, dev->driver_name,
			info.max_rx_queues, info.max_tx_queues);
		return -EINVAL;
	}
	if (conf->rxmode.mtu != 0 &&
	    (conf->rxmode.mtu < info.min_mtu || conf->rxmode.mtu > info.max_mtu)) {
		ETH_LOG(ERR, "port %u: MTU %u outside %u..%u", port_id, conf->rxmode.mtu,
			info.min_mtu, info.max_mtu);
		return -EINVAL;
	}
	if (check_offloads(dev, "rx", conf->rxmode.offloads, info.rx_offload_capa) != 0 ||
	    check_offloads(dev, "tx", conf->txmode.offloads, info.tx_offload_capa) != 0 ||
	    eth_rss_check_flow_types(dev, conf->rss) != 0)
		return -EINVAL;

	old_conf = dev->conf;
	old_rx = dev->nb_rx_queues;
	old_tx = dev->nb_tx_queues;
	dev->conf = *conf;
	dev->nb_rx_queues = nb_rx_queue;
	dev->nb_tx_queues = nb_tx_queue;
	ret = dev->ops->dev_configure(dev);
	if (ret != 0) {
		dev->conf = old_conf;
		dev->nb_rx_queues = old_rx;
		dev->nb_tx_queues = old_tx;
		return eth_driver_error(dev, "configure", ret);
	}
	/* Release what the old counts covered, then the new counts rule. */
	dev->nb_rx_queues = old_rx;
	dev->nb_tx_queues = old_tx;
	release_queues(dev);
	dev->nb_rx_queues = nb_rx_queue;
	dev->nb_tx_queues = nb_tx_queue;
	if (conf->rxmode.mtu != 0)
		dev->mtu = (uint16_t)conf->rxmode.mtu;
	dev->state = VDK_ETH_DEV_CONFIGURED;
	eth_stats_base_clear(dev);
	return 0;
}

/* The checks rx and tx queue setup share. */
static int
queue_setup_check(struct vdk_eth_dev *dev, const char *dir, uint16_t qid, uint16_t nb_q,
		  uint16_t *nb_desc, const struct vdk_eth_desc_lim *lim,
		  uint16_t default_size)
{
	int ret = check_not_started(dev, "set up a queue");

	if (ret != 0)
		return ret;
	if (dev->state == VDK_ETH_DEV_ATTACHED) {
		ETH_LOG(ERR, "port %u: configure the port before setting up %s queues",
			dev->port_id, dir);
		return -EINVAL;
	}
	if (qid >= nb_q) {
		ETH_LOG(ERR, "port %u: %s queue %u: only %u configured", dev->port_id, dir, qid,
			nb_q);
		return -EINVAL;
	}
	if (*nb_desc == 0)
		*nb_desc = default_size ? default_size : lim->nb_max;
	if (*nb_desc < lim->nb_min || *nb_desc > lim->nb_max || *nb_desc % lim->nb_align) {
		ETH_LOG(ERR, "port %u: %s queue %u: %u descriptors; %s takes %u..%u in steps of %u",
			dev->port_id, dir, qid, *nb_desc, dev->driver_name, lim->nb_min,
			lim->nb_max, lim->nb_align);
		return -EINVAL;
	}
	return 0;
}

int
vdk_eth_rx_queue_setup(uint16_t port_id, uint16_t queue_id, uint16_t nb_desc,
		       int socket_id, const struct vdk_eth_rxconf *conf,
		       struct vdk_mempool *mp)
{
	struct vdk_eth_dev *dev = eth_dev_lookup(port_id, "rx queue setup");
	static const struct vdk_eth_rxconf default_conf;
	struct vdk_eth_dev_info info;
	void *q = NULL;
	int ret;

	if (dev == NULL)
		return -ENODEV;
	ret = eth_dev_info_get(dev, &info);
	if (ret != 0)
		return ret;
	ret = queue_setup_check(dev, "rx", queue_id, dev->nb_rx_queues, &nb_desc,
				&info.rx_desc_lim, info.default_rx_ring_size);
	if (ret != 0)
		return ret;
	if (mp == NULL) {
		ETH_LOG(ERR, "port %u: rx queue %u needs a mempool to fill it from", port_id,
			queue_id);
		return -EINVAL;
	}
	if (vdk_pktmbuf_data_room_size(mp) < VDK_PKTMBUF_HEADROOM + info.min_rx_bufsize) {
		ETH_LOG(ERR, "port %u: rx queue %u: mbufs of pool %s hold %u bytes after the headroom, %s needs %u",
			port_id, queue_id, mp->name,
			(unsigned int)VDK_MAX(vdk_pktmbuf_data_room_size(mp), VDK_PKTMBUF_HEADROOM) -
				VDK_PKTMBUF_HEADROOM,
			dev->driver_name, info.min_rx_bufsize);
		return -EINVAL;
	}
	if (conf == NULL)
		conf = &default_conf;
	if (check_offloads(dev, "rx queue", conf->offloads, info.rx_offload_capa) != 0)
		return -EINVAL;
	if (socket_id == VDK_SOCKET_ID_ANY)
		socket_id = dev->socket_id;
	ret = dev->ops->rx_queue_setup(dev, queue_id, nb_desc, socket_id, conf, mp, &q);
	if (ret != 0)
		return eth_driver_error(dev, "rx queue setup", ret);
	if (dev->rx_queues[queue_id] != NULL)
		dev->ops->rx_queue_release(dev, dev->rx_queues[queue_id]);
	dev->rx_queues[queue_id] = q;
	dev->rx_mempool[queue_id] = mp;
	eth_stats_rebase(dev);
	return 0;
}

int
vdk_eth_tx_queue_setup(uint16_t port_id, uint16_t queue_id, uint16_t nb_desc,
		       int socket_id, const struct vdk_eth_txconf *conf)
{
	struct vdk_eth_dev *dev = eth_dev_lookup(port_id, "tx queue setup");
	static const struct vdk_eth_txconf default_conf;
	struct vdk_eth_dev_info info;
	void *q = NULL;
	int ret;

	if (dev == NULL)
		return -ENODEV;
	ret = eth_dev_info_get(dev, &info);
	if (ret != 0)
		return ret;
	ret = queue_setup_check(dev, "tx", queue_id, dev->nb_tx_queues, &nb_desc,
				&info.tx_desc_lim, info.default_tx_ring_size);
	if (ret != 0)
		return ret;
	if (conf == NULL)
		conf = &default_conf;
	if (check_offloads(dev, "tx queue", conf->offloads, info.tx_offload_capa) != 0)
		return -EINVAL;
	if (socket_id == VDK_SOCKET_ID_ANY)
		socket_id = dev->socket_id;
	ret = dev->ops->tx_queue_setup(dev, queue_id, nb_desc, socket_id, conf, &q);
	if (ret != 0)
		return eth_driver_error(dev, "tx queue setup", ret);
	if (dev->tx_queues[queue_id] != NULL)
		dev->ops->tx_queue_release(dev, dev->tx_queues[queue_id]);
	dev->tx_queues[queue_id] = q;
	eth_stats_rebase(dev);
	return 0;
}

static void
link_refresh(struct vdk_eth_dev *dev)
{
	int ret;

	if (eth_dev_link_removed(dev))
		return;
	ret = dev->ops->link_update(dev, 0);

	if (ret < 0)
		ETH_LOG(WARNING, "port %u: link state unknown: %s", dev->port_id, strerror(-ret));
}

int
vdk_eth_dev_start(uint16_t port_id)
{
	struct vdk_eth_dev *dev = eth_dev_lookup(port_id, "start");
	struct vdk_eth_fp_ops *fp;
	uint16_t q;
	int ret;

	if (dev == NULL)
		return -ENODEV;
	if (dev->state == VDK_ETH_DEV_STARTED)
		return 0;
	if (dev->state != VDK_ETH_DEV_CONFIGURED) {
		ETH_LOG(ERR, "port %u: configure it and set up its queues before starting",
			port_id);
		return -EINVAL;
	}
	if (eth_dev_removed_check(dev, "start") != 0)
		return -EIO;
	for (q = 0; q < dev->nb_rx_queues; q++) {
		if (dev->rx_queues[q] == NULL) {
			ETH_LOG(ERR, "port %u: rx queue %u is not set up", port_id, q);
			return -EINVAL;
		}
	}
	for (q = 0; q < dev->nb_tx_queues; q++) {
		if (dev->tx_queues[q] == NULL) {
			ETH_LOG(ERR, "port %u: tx queue %u is not set up", port_id, q);
			return -EINVAL;
		}
	}
	ret = dev->ops->dev_start(dev);
	if (ret != 0)
		return eth_driver_error(dev, "start", ret);
	fp = &vdk_eth_fp_ops[port_id];
	/* Removed while starting: the removal's dummy bursts stay. */
	if (__atomic_load_n(&dev->removed, __ATOMIC_ACQUIRE)) {
		dev->state = VDK_ETH_DEV_STARTED;
		return 0;
	}
	/* Queues are in place before an lcore can see the real bursts. */
	__atomic_store_n(&fp->rx_burst, dev->rx_burst, __ATOMIC_RELEASE);
	__atomic_store_n(&fp->tx_burst, dev->tx_burst, __ATOMIC_RELEASE);
	dev->state = VDK_ETH_DEV_STARTED;
	link_refresh(dev);
	return 0;
}

int
vdk_eth_dev_stop(uint16_t port_id)
{
	struct vdk_eth_dev *dev = eth_dev_lookup(port_id, "stop");
	struct vdk_eth_fp_ops *fp;
	int ret;

	if (dev == NULL)
		return -ENODEV;
	if (dev->state != VDK_ETH_DEV_STARTED)
		return 0;
	fp = &vdk_eth_fp_ops[port_id];
	__atomic_store_n(&fp->rx_burst, eth_dummy_burst, __ATOMIC_RELEASE);
	__atomic_store_n(&fp->tx_burst, eth_dummy_burst, __ATOMIC_RELEASE);
	ret = dev->ops->dev_stop(dev);
	if (ret != 0 && !__atomic_load_n(&dev->removed, __ATOMIC_ACQUIRE)) {
		__atomic_store_n(&fp->rx_burst, dev->rx_burst, __ATOMIC_RELEASE);
		__atomic_store_n(&fp->tx_burst, dev->tx_burst, __ATOMIC_RELEASE);
		return eth_driver_error(dev, "stop", ret);
	}
	dev->state = VDK_ETH_DEV_CONFIGURED;
	link_refresh(dev);
	return 0;
}

int
vdk_eth_dev_close(uint16_t port_id)
{
	struct vdk_eth_dev *dev = eth_dev_lookup(port_id, "close");

	if (dev == NULL)
		return -ENODEV;
	if (dev->state == VDK_ETH_DEV_STARTED && vdk_eth_dev_stop(port_id) != 0)
		ETH_LOG(WARNING, "port %u: closing although stop failed", port_id);
	vdk_eth_dev_event_notify(dev, VDK_ETH_EVENT_DESTROY);
	release_queues(dev);
	eth_stats_base_clear(dev);
	pthread_mutex_lock(&eth_lock);
	eth_devs[port_id] = NULL;
	dev->state = VDK_ETH_DEV_UNUSED;
	pthread_mutex_unlock(&eth_lock);
	eth_callbacks_drop_port(port_id);
	ETH_LOG(DEBUG, "port %u: %s closed", port_id, dev->name);
	dev->ops->dev_close(dev);
	return 0;
}

int
vdk_eth_dev_reset(uint16_t port_id)
{
	struct vdk_eth_dev *dev = eth_dev_lookup(port_id, "reset");
	int ret;

	if (dev == NULL)
		return -ENODEV;
	if (dev->ops->dev_reset == NULL) {
		ETH_LOG(ERR, "port %u: driver %s cannot reset a device: close and probe it again",
			port_id, dev->driver_name);
		return -ENOTSUP;
	}
	if (eth_dev_removed_check(dev, "reset") != 0)
		return -EIO;
	ret = vdk_eth_dev_stop(port_id);
	if (ret != 0)
		return ret;
	release_queues(dev);
	dev->nb_rx_queues = 0;
	dev->nb_tx_queues = 0;
	memset(&dev->conf, 0, sizeof(dev->conf));
	dev->state = VDK_ETH_DEV_ATTACHED;
	eth_stats_base_clear(dev);
	ret = dev->ops->dev_reset(dev);
	if (ret != 0)
		return eth_driver_error(dev, "reset", ret);
	return 0;
}

int
vdk_eth_dev_is_started(uint16_t port_id)
{
	struct vdk_eth_dev *dev = vdk_eth_dev_get(port_id);

	return dev != NULL && dev->state == VDK_ETH_DEV_STARTED;
}

int
vdk_eth_dev_get_nb_queues(uint16_t port_id, uint16_t *nb_rx, uint16_t *nb_tx)
{
	struct vdk_eth_dev *dev = vdk_eth_dev_get(port_id);

	if (dev == NULL)
		return -ENODEV;
	if (nb_rx == NULL || nb_tx == NULL)
		return -EINVAL;
	*nb_rx = dev->nb_rx_queues;
	*nb_tx = dev->nb_tx_queues;
	return 0;
}

/* ---------------------------------------------------------------------- */
/* Settings */

static int
call_toggle(struct vdk_eth_dev *dev, const char *what, int (*op)(struct vdk_eth_dev *))
{
	int ret;

	if (op == NULL) {
		ETH_LOG(ERR, "port %u: driver %s cannot %s", dev->port_id, dev->driver_name, what);
		return -ENOTSUP;
	}
	ret = op(dev);
	return ret != 0 ? eth_driver_error(dev, what, ret) : 0;
}

#define DEFINE_TOGGLE(fn, what, opname, field, value) \
int \
fn(uint16_t port_id) \
{ \
	struct vdk_eth_dev *dev = eth_dev_lookup(port_id, what); \
	int ret; \
 \
	if (dev == NULL) \
		return -ENODEV; \
	ret = call_toggle(dev, what, dev->ops->opname); \
	if (ret == 0) \
		dev->field = value; \
	return ret; \
}

DEFINE_TOGGLE(vdk_eth_promiscuous_enable, "enable promiscuous mode", promiscuous_enable,
	      promiscuous, true)
DEFINE_TOGGLE(vdk_eth_promiscuous_disable, "disable promiscuous mode", promiscuous_disable,
	      promiscuous, false)
DEFINE_TOGGLE(vdk_eth_allmulticast_enable, "enable all-multicast mode", allmulticast_enable,
	      all_multicast, true)
DEFINE_TOGGLE(vdk_eth_allmulticast_disable, "disable all-multicast mode",
	      allmulticast_disable, all_multicast, false)

int
vdk_eth_promiscuous_get(uint16_t port_id)
{
	struct vdk_eth_dev *dev = vdk_eth_dev_get(port_id);

	return dev == NULL ? -ENODEV : dev->promiscuous;
}

int
vdk_eth_allmulticast_get(uint16_t port_id)
{
	struct vdk_eth_dev *dev = vdk_eth_dev_get(port_id);

	return dev == NULL ? -ENODEV : dev->all_multicast;
}

int
vdk_eth_macaddr_get(uint16_t port_id, struct vdk_ether_addr *mac)
{
	struct vdk_eth_dev *dev = eth_dev_lookup(port_id, "MAC address get");

	if (dev == NULL)
		return -ENODEV;
	if (mac == NULL)
		return -EINVAL;
	*mac = dev->mac_addr;
	return 0;
}

int
vdk_eth_dev_default_mac_addr_set(uint16_t port_id, const struct vdk_ether_addr *mac)
{
	struct vdk_eth_dev *dev = eth_dev_lookup(port_id, "MAC address set");
	char buf[VDK_ETHER_ADDR_FMT_SIZE];
	int ret;

	if (dev == NULL)
		return -ENODEV;
	if (mac == NULL)
		return -EINVAL;
	if (!vdk_is_valid_assigned_ether_addr(mac)) {
		vdk_ether_format_addr(buf, sizeof(buf), mac);
		ETH_LOG(ERR, "port %u: %s cannot be a port's address (zero or group address)",
			port_id, buf);
		return -EINVAL;
	}
	if (dev->ops->mac_addr_set == NULL) {
		ETH_LOG(ERR, "port %u: driver %s cannot change the MAC address", port_id,
			dev->driver_name);
		return -ENOTSUP;
	}
	ret = dev->ops->mac_addr_set(dev, mac);
	if (ret != 0)
		return eth_driver_error(dev, "MAC address set", ret);
	dev->mac_addr = *mac;
	return 0;
}

int
vdk_eth_dev_get_mtu(uint16_t port_id, uint16_t *mtu)
{
	struct vdk_eth_dev *dev = eth_dev_lookup(port_id, "MTU get");

	if (dev == NULL)
		return -ENODEV;
	if (mtu == NULL)
		return -EINVAL;
	*mtu = dev->mtu;
	return 0;
}

int
vdk_eth_dev_set_mtu(uint16_t port_id, uint16_t mtu)
{
	struct vdk_eth_dev *dev = eth_dev_lookup(port_id, "MTU set");
	struct vdk_eth_dev_info info;
	int ret;

	if (dev == NULL)
		return -ENODEV;
	ret = eth_dev_info_get(dev, &info);
	if (ret != 0)
		return ret;
	if (mtu < info.min_mtu || mtu > info.max_mtu) {
		ETH_LOG(ERR, "port %u: MTU %u outside %u..%u", port_id, mtu, info.min_mtu,
			info.max_mtu);
		return -EINVAL;
	}
	if (dev->ops->mtu_set == NULL) {
		ETH_LOG(ERR, "port %u: driver %s cannot change the MTU", port_id,
			dev->driver_name);
		return -ENOTSUP;
	}
	ret = dev->ops->mtu_set(dev, mtu);
	if (ret != 0)
		return eth_driver_error(dev, "MTU set", ret);
	dev->mtu = mtu;
	return 0;
}
