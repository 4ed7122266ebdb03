/* SPDX-License-Identifier: BSD-3-Clause */
/* net_ring's datapath: a burst is one ring enqueue or dequeue. */
#include "ring_internal.h"
#include "vdk_mbuf.h"

uint16_t
ring_rx_burst(void *q, struct vdk_mbuf **pkts, uint16_t n)
{
	struct ring_rxq *rxq = q;
	uint64_t bytes = 0;
	unsigned int i, nb;

	nb = vdk_ring_dequeue_burst(rxq->ring, (void **)pkts, n, NULL);
	for (i = 0; i < nb; i++) {
		pkts[i]->port = rxq->vq.port_id;
		bytes += pkts[i]->pkt_len;
	}
	vdk_eth_counter_add(&rxq->vq.pkts, nb);
	vdk_eth_counter_add(&rxq->vq.bytes, bytes);
	return (uint16_t)nb;
}

uint16_t
ring_tx_burst(void *q, struct vdk_mbuf **pkts, uint16_t n)
{
	struct ring_txq *txq = q;
	uint64_t bytes = 0;
	unsigned int i, nb;

	/* Read lengths first: once enqueued, the consumer may free them. */
	for (i = 0; i < n; i++)
		bytes += pkts[i]->pkt_len;
	nb = vdk_ring_enqueue_burst(txq->ring, (void **)pkts, n, NULL);
	if (vdk_unlikely(nb < n)) {
		for (i = nb; i < n; i++)
			bytes -= pkts[i]->pkt_len;
		vdk_eth_counter_add(&txq->full, n - nb);
	}
	vdk_eth_counter_add(&txq->vq.pkts, nb);
	vdk_eth_counter_add(&txq->vq.bytes, bytes);
	return (uint16_t)nb;
}
