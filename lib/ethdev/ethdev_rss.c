/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Receive side scaling through ethdev, in DPDK's shape: flow types
 * (rss_hf), the hash key, and the redirection table in groups of 64
 * entries with a mask. Every argument is checked here, so a driver's
 * vdk_eth_rss_ops see only what the port can do.
 */
#include <errno.h>
#include <string.h>

#include "ethdev_internal.h"

/* The RSS of each port id; cleared when a port takes the id. */
static const struct vdk_eth_rss_ops *rss_ops[VDK_ETH_MAX_PORTS];

void
vdk_eth_dev_rss_ops_set(struct vdk_eth_dev *dev, const struct vdk_eth_rss_ops *ops)
{
	rss_ops[dev->port_id] = ops;
}

void
eth_rss_ops_clear(uint16_t port_id)
{
	rss_ops[port_id] = NULL;
}

static void
capa_get(struct vdk_eth_dev *dev, struct vdk_eth_rss_capa *capa)
{
	memset(capa, 0, sizeof(*capa));
	if (rss_ops[dev->port_id] != NULL)
		rss_ops[dev->port_id]->capa_get(dev, capa);
}

int
eth_rss_check_flow_types(struct vdk_eth_dev *dev, uint64_t rss_hf)
{
	struct vdk_eth_rss_capa capa;

	capa_get(dev, &capa);
	if ((rss_hf & ~capa.flow_type_rss_offloads) == 0)
		return 0;
	if (capa.flow_type_rss_offloads == 0)
		ETH_LOG(ERR, "port %u: RSS asked for (flow types 0x%llx), but %s does not "
			"spread flows over queues: configure it without rss", dev->port_id,
			(unsigned long long)rss_hf, dev->driver_name);
	else
		ETH_LOG(ERR, "port %u: RSS flow types 0x%llx asked for; %s hashes only 0x%llx",
			dev->port_id, (unsigned long long)rss_hf, dev->driver_name,
			(unsigned long long)capa.flow_type_rss_offloads);
	return -EINVAL;
}

int
vdk_eth_dev_rss_capa_get(uint16_t port_id, struct vdk_eth_rss_capa *capa)
{
	struct vdk_eth_dev *dev = eth_dev_lookup(port_id, "rss capa get");

	if (dev == NULL)
		return -ENODEV;
	if (capa == NULL)
		return -EINVAL;
	capa_get(dev, capa);
	return 0;
}

/* The port @port_id with RSS, configured, and its capabilities; NULL after logging why. */
static struct vdk_eth_dev *
rss_dev(uint16_t port_id, const char *op, struct vdk_eth_rss_capa *capa, int *err)
{
	struct vdk_eth_dev *dev = eth_dev_lookup(port_id, op);

	*err = -ENODEV;
	if (dev == NULL)
		return NULL;
	*err = -ENOTSUP;
	if (rss_ops[port_id] == NULL) {
		ETH_LOG(ERR, "port %u: %s: %s has no receive side scaling", port_id, op,
			dev->driver_name);
		return NULL;
	}
	*err = -EINVAL;
	if (dev->state == VDK_ETH_DEV_ATTACHED) {
		ETH_LOG(ERR, "port %u: %s: configure the port first", port_id, op);
		return NULL;
	}
	capa_get(dev, capa);
	return dev;
}

/* The hash key of @conf: NULL, or exactly the port's key size. */
static int
check_key(const struct vdk_eth_dev *dev, const struct vdk_eth_rss_conf *conf,
	  const struct vdk_eth_rss_capa *capa)
{
	if (conf->rss_key == NULL || conf->rss_key_len == capa->hash_key_size)
		return 0;
	ETH_LOG(ERR, "port %u: RSS key of %u bytes; %s's is %u bytes", dev->port_id,
		conf->rss_key_len, dev->driver_name, capa->hash_key_size);
	return -EINVAL;
}

int
vdk_eth_dev_rss_hash_update(uint16_t port_id, struct vdk_eth_rss_conf *rss_conf)
{
	struct vdk_eth_rss_capa capa;
	struct vdk_eth_dev *dev;
	int ret;

	dev = rss_dev(port_id, "rss hash update", &capa, &ret);
	if (dev == NULL)
		return ret;
	if (rss_conf == NULL)
		return -EINVAL;
	ret = eth_rss_check_flow_types(dev, rss_conf->rss_hf);
	if (ret == 0)
		ret = check_key(dev, rss_conf, &capa);
	if (ret != 0)
		return ret;
	ret = rss_ops[port_id]->hash_update(dev, rss_conf);
	if (ret != 0) {
		ETH_LOG(ERR, "port %u: rss hash update: %s failed: %s", port_id, dev->driver_name,
			strerror(-ret));
		return ret;
	}
	dev->conf.rss = (uint32_t)rss_conf->rss_hf;
	return 0;
}

int
vdk_eth_dev_rss_hash_conf_get(uint16_t port_id, struct vdk_eth_rss_conf *rss_conf)
{
	struct vdk_eth_rss_capa capa;
	struct vdk_eth_dev *dev;
	int ret;

	dev = rss_dev(port_id, "rss hash conf get", &capa, &ret);
	if (dev == NULL)
		return ret;
	if (rss_conf == NULL)
		return -EINVAL;
	ret = check_key(dev, rss_conf, &capa);
	if (ret != 0)
		return ret;
	return rss_ops[port_id]->hash_conf_get(dev, rss_conf);
}

/* @reta_conf and @reta_size for a table of the port's size; entries within the rx queues. */
static int
check_reta(const struct vdk_eth_dev *dev, const struct vdk_eth_rss_reta_entry64 *reta_conf,
	   uint16_t reta_size, const struct vdk_eth_rss_capa *capa, bool entries)
{
	unsigned int i;

	if (reta_conf == NULL)
		return -EINVAL;
	if (reta_size != capa->reta_size) {
		ETH_LOG(ERR, "port %u: redirection table of %u entries; %s's has %u",
			dev->port_id, reta_size, dev->driver_name, capa->reta_size);
		return -EINVAL;
	}
	for (i = 0; entries && i < reta_size; i++) {
		const struct vdk_eth_rss_reta_entry64 *g = &reta_conf[i / VDK_ETH_RETA_GROUP_SIZE];
		unsigned int j = i % VDK_ETH_RETA_GROUP_SIZE;

		if (((g->mask >> j) & 1) && g->reta[j] >= dev->nb_rx_queues) {
			ETH_LOG(ERR, "port %u: redirection table entry %u names rx queue %u; the "
				"port has %u", dev->port_id, i, g->reta[j], dev->nb_rx_queues);
			return -EINVAL;
		}
	}
	return 0;
}

int
vdk_eth_dev_rss_reta_update(uint16_t port_id, struct vdk_eth_rss_reta_entry64 *reta_conf,
			    uint16_t reta_size)
{
	struct vdk_eth_rss_capa capa;
	struct vdk_eth_dev *dev;
	int ret;

	dev = rss_dev(port_id, "rss reta update", &capa, &ret);
	if (dev == NULL)
		return ret;
	ret = check_reta(dev, reta_conf, reta_size, &capa, true);
	if (ret != 0)
		return ret;
	return rss_ops[port_id]->reta_update(dev, reta_conf, reta_size);
}

int
vdk_eth_dev_rss_reta_query(uint16_t port_id, struct vdk_eth_rss_reta_entry64 *reta_conf,
			   uint16_t reta_size)
{
	struct vdk_eth_rss_capa capa;
	struct vdk_eth_dev *dev;
	int ret;

	dev = rss_dev(port_id, "rss reta query", &capa, &ret);
	if (dev == NULL)
		return ret;
	ret = check_reta(dev, reta_conf, reta_size, &capa, false);
	if (ret != 0)
		return ret;
	return rss_ops[port_id]->reta_query(dev, reta_conf, reta_size);
}
