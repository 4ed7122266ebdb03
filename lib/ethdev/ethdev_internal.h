/* SPDX-License-Identifier: BSD-3-Clause */
/* What the files of lib/ethdev share. */
#ifndef ETHDEV_INTERNAL_H
#define ETHDEV_INTERNAL_H

#include "vdk_ethdev_driver.h"
#include "vdk_log.h"

#define ETH_LOG(level, fmt, ...) VDK_LOG(level, ETHDEV, fmt, ##__VA_ARGS__)

/*
 * The port @port_id, or NULL after logging "port N: no such port" for the
 * operation @op, so every public call reports a bad port the same way.
 */
struct vdk_eth_dev *eth_dev_lookup(uint16_t port_id, const char *op);

/* ethdev_stats.c: forget the baselines (configure, reset, close). */
void eth_stats_base_clear(struct vdk_eth_dev *dev);
/* Take the driver's totals as the new baseline (stats reset, queue setup). */
int eth_stats_rebase(struct vdk_eth_dev *dev);

#endif /* ETHDEV_INTERNAL_H */
