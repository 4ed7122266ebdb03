/* SPDX-License-Identifier: BSD-3-Clause */
/* net_ring: what its control path and its datapath share. */
#ifndef RING_INTERNAL_H
#define RING_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "vdk_ethdev_driver.h"
#include "vdk_eth_ring.h"

struct ring_rxq {
	struct vdk_ring *ring;
	uint16_t port_id;
	uint64_t pkts;
	uint64_t bytes;
} vdk_cache_aligned;

struct ring_txq {
	struct vdk_ring *ring;
	uint64_t pkts;
	uint64_t bytes;
	uint64_t full;	/* packets refused because the ring was full */
} vdk_cache_aligned;

struct ring_port {
	struct vdk_eth_dev eth;
	unsigned int nb_rx_rings;
	unsigned int nb_tx_rings;
	struct vdk_ring *rx_rings[VDK_ETH_RING_MAX_QUEUES];
	struct vdk_ring *tx_rings[VDK_ETH_RING_MAX_QUEUES];
	/* Loopback ports made from --vdev own their rings (rx ring q == tx ring q). */
	bool own_rings;
	struct ring_rxq rxq[VDK_ETH_RING_MAX_QUEUES];
	struct ring_txq txq[VDK_ETH_RING_MAX_QUEUES];
};

uint16_t ring_rx_burst(void *q, struct vdk_mbuf **pkts, uint16_t n);
uint16_t ring_tx_burst(void *q, struct vdk_mbuf **pkts, uint16_t n);

#endif /* RING_INTERNAL_H */
