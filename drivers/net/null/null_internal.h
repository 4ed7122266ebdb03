/* SPDX-License-Identifier: BSD-3-Clause */
/* net_null: what its control path and its datapath share. */
#ifndef NULL_INTERNAL_H
#define NULL_INTERNAL_H

#include <assert.h>
#include <stdint.h>

#include "vdk_ethdev_driver.h"

#define NULL_MAX_QUEUES 16

/*
 * Each queue on its own cache line: queues are polled by different lcores.
 * The counters, pool and port id are ethdev's common part, first.
 */
struct null_rxq {
	struct vdk_eth_vport_rxq vq;
	uint32_t pkt_size;
} vdk_cache_aligned;

struct null_txq {
	struct vdk_eth_vport_txq vq;
} vdk_cache_aligned;

/* A burst touches one line of its queue: keep it so. */
static_assert(sizeof(struct null_rxq) == VDK_CACHE_LINE_SIZE, "null_rxq is one cache line");
static_assert(sizeof(struct null_txq) == VDK_CACHE_LINE_SIZE, "null_txq is one cache line");

struct null_port {
	struct vdk_eth_vport vp;
	uint32_t pkt_size;
	struct null_rxq rxq[NULL_MAX_QUEUES];
	struct null_txq txq[NULL_MAX_QUEUES];
};

uint16_t null_rx_burst(void *q, struct vdk_mbuf **pkts, uint16_t n);
uint16_t null_tx_burst(void *q, struct vdk_mbuf **pkts, uint16_t n);

#endif /* NULL_INTERNAL_H */
