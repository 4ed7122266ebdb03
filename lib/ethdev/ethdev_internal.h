/* SPDX-License-Identifier: BSD-3-Clause */
/* What the files of lib/ethdev share. */
#ifndef ETHDEV_INTERNAL_H
#define ETHDEV_INTERNAL_H

#include "vdk_ethdev_driver.h"
#include "vdk_log.h"
#include "vdk_pci.h"

#define ETH_LOG(level, fmt, ...) VDK_LOG(level, ETHDEV, fmt, ##__VA_ARGS__)

/*
 * The port @port_id, or NULL after logging "port N: no such port" for the
 * operation @op, so every public call reports a bad port the same way.
 */
struct vdk_eth_dev *eth_dev_lookup(uint16_t port_id, const char *op);

/* ethdev.c: the burst of a port that moves nothing (stopped, removed). */
uint16_t eth_dummy_burst(void *q, struct vdk_mbuf **pkts, uint16_t n);
/* The driver's dev_infos_get over ethdev's defaults. @return 0 or the driver's error. */
int eth_dev_info_get(struct vdk_eth_dev *dev, struct vdk_eth_dev_info *info);
/* Log that @op failed in the driver with @ret; @return it as a negative errno. */
int eth_driver_error(const struct vdk_eth_dev *dev, const char *op, int ret);

/* ethdev_event.c: forget a closed port's callbacks. */
void eth_callbacks_drop_port(uint16_t port_id);

/*
 * ethdev_remove.c: 0, or -EIO after logging that @op cannot run because
 * the port's device was removed.
 */
int eth_dev_removed_check(const struct vdk_eth_dev *dev, const char *op);
/*
 * True for a removed port, whose link is then recorded as down: the
 * driver's link_update would read registers that read all ones.
 */
bool eth_dev_link_removed(struct vdk_eth_dev *dev);
/* The PCI bus's removal event, as ethdev handles it (tests call it). */
void eth_on_pci_event(struct vdk_pci_device *pdev, enum vdk_pci_event event, void *arg);

/* ethdev_stats.c: forget the baselines (configure, reset, close). */
void eth_stats_base_clear(struct vdk_eth_dev *dev);
/* Take the driver's totals as the new baseline (stats reset, queue setup). */
int eth_stats_rebase(struct vdk_eth_dev *dev);

/* ethdev_rss.c: a port id taken anew has no RSS until its driver says so. */
void eth_rss_ops_clear(uint16_t port_id);
/* 0 if the port hashes every flow type of @rss_hf; -EINVAL after logging what it can. */
int eth_rss_check_flow_types(struct vdk_eth_dev *dev, uint64_t rss_hf);

#endif /* ETHDEV_INTERNAL_H */
