/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * net_null's datapath: receive makes packets of the configured size out of
 * thin air (their content is whatever the buffers held), transmit frees.
 *
 * Both touch only the first cache line of each mbuf. A free mbuf already
 * has next NULL, nb_segs 1 and refcnt 1 (the pool's invariant), so receive
 * writes just the fields a packet changes on that line; transmit sees from
 * nb_segs and refcnt alone that a packet goes straight back to its pool.
 */
#include "null_internal.h"
#include "vdk_mbuf.h"

uint16_t
null_rx_burst(void *q, struct vdk_mbuf **pkts, uint16_t n)
{
	struct null_rxq *rxq = q;
	struct vdk_mbuf *m;
	uint16_t i;

	if (vdk_unlikely(vdk_mempool_get_bulk(rxq->vq.mp, (void **)pkts, n) != 0)) {
		vdk_eth_counter_add(&rxq->vq.nombuf, n);
		return 0;
	}
	for (i = 0; i < n; i++) {
		m = pkts[i];
		m->data_off = VDK_PKTMBUF_HEADROOM;
		m->port = rxq->vq.port_id;
		m->ol_flags = 0;
		m->packet_type = 0;
		m->pkt_len = rxq->pkt_size;
		m->data_len = (uint16_t)rxq->pkt_size;
		m->vlan_tci = 0;
	}
	vdk_eth_counter_add(&rxq->vq.pkts, n);
	vdk_eth_counter_add(&rxq->vq.bytes, (uint64_t)n * rxq->pkt_size);
	return n;
}

#define NULL_TX_BATCH 64

uint16_t
null_tx_burst(void *q, struct vdk_mbuf **pkts, uint16_t n)
{
	struct null_txq *txq = q;
	struct vdk_mempool *pool = NULL;
	void *batch[NULL_TX_BATCH];
	struct vdk_mbuf *m;
	uint64_t bytes = 0;
	unsigned int nb = 0;
	uint16_t i;

	for (i = 0; i < n; i++) {
		m = pkts[i];
		bytes += m->pkt_len;
		if (vdk_likely(m->nb_segs == 1 && vdk_mbuf_refcnt_read(m) == 1)) {
			if (m->pool != pool || nb == NULL_TX_BATCH) {
				if (nb)
					vdk_mempool_put_bulk(pool, batch, nb);
				pool = m->pool;
				nb = 0;
			}
			batch[nb++] = m;
		} else {
			vdk_pktmbuf_free(m);
		}
	}
	if (nb)
		vdk_mempool_put_bulk(pool, batch, nb);
	vdk_eth_counter_add(&txq->vq.pkts, n);
	vdk_eth_counter_add(&txq->vq.bytes, bytes);
	return n;
}
