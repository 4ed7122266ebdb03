/* SPDX-License-Identifier: BSD-3-Clause */
/* net_ring: what its control path and its datapath share. */
#ifndef RING_INTERNAL_H
#define RING_INTERNAL_H

#include <assert.h>
#include <stdbool.h>
#include <stdint.h>

#include "vdk_ethdev_driver.h"
#include "vdk_eth_ring.h"

/* The counters, pool and port id first: ethdev's part of a virtual queue. */
struct ring_rxq {
	struct vdk_eth_vport_rxq vq;
	struct vdk_ring *ring;
} vdk_cache_aligned;

struct ring_txq {
	struct vdk_eth_vport_txq vq;
	struct vdk_ring *ring;
	uint64_t full;	/* packets refused because the ring was full */
} vdk_cache_aligned;

/* A burst touches one line of its queue: keep it so. */
static_assert(sizeof(struct ring_rxq) == VDK_CACHE_LINE_SIZE, "ring_rxq is one cache line");
static_assert(sizeof(struct ring_txq) == VDK_CACHE_LINE_SIZE, "ring_txq is one cache line");

struct ring_port {
	struct vdk_eth_vport vp;
	/* Loopback ports made from --vdev own their rings (rx ring q == tx ring q). */
	bool own_rings;
	struct ring_rxq rxq[VDK_ETH_RING_MAX_QUEUES];
	struct ring_txq txq[VDK_ETH_RING_MAX_QUEUES];
};

uint16_t ring_rx_burst(void *q, struct vdk_mbuf **pkts, uint16_t n);
uint16_t ring_tx_burst(void *q, struct vdk_mbuf **pkts, uint16_t n);

#endif /* RING_INTERNAL_H */
