/* SPDX-License-Identifier: BSD-3-Clause */
/* net_null: what its control path and its datapath share. */
#ifndef NULL_INTERNAL_H
#define NULL_INTERNAL_H

#include <stdint.h>

#include "vdk_ethdev_driver.h"

#define NULL_MAX_QUEUES 16

/* Each queue on its own cache line: queues are polled by different lcores. */
struct null_rxq {
	struct vdk_mempool *mp;
	uint32_t pkt_size;
	uint16_t port_id;
	uint16_t qid;
	uint64_t pkts;
	uint64_t bytes;
	uint64_t nombuf;
} vdk_cache_aligned;

struct null_txq {
	uint16_t qid;
	uint64_t pkts;
	uint64_t bytes;
} vdk_cache_aligned;

struct null_port {
	struct vdk_eth_dev eth;
	uint32_t pkt_size;
	struct null_rxq rxq[NULL_MAX_QUEUES];
	struct null_txq txq[NULL_MAX_QUEUES];
};

uint16_t null_rx_burst(void *q, struct vdk_mbuf **pkts, uint16_t n);
uint16_t null_tx_burst(void *q, struct vdk_mbuf **pkts, uint16_t n);

#endif /* NULL_INTERNAL_H */
