/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * net_e1000e datapath: the 82574L's descriptor rings, up to two each way.
 *
 * Receive ("Receive Descriptor Queue Structure" in the datasheet): the
 * device owns the descriptors from RDH up to RDT and writes each back with
 * DD set, in the extended format (RSS needs it; e1000e_rss.c), whose write-
 * back replaces the buffer address with the RSS type and hash. Every slot
 * always holds an mbuf: a burst takes a replacement from the pool before it
 * takes a done descriptor (as DPDK's em driver does), re-arms the slot with
 * it and clears its status at once, so no slot is ever empty or left with a
 * stale DD. Once free_thresh slots are re-armed RDT moves behind the next
 * slot to look at; one slot always stays outside the device's part, or a
 * full ring (RDH == RDT) would read as an empty one.
 *
 * The device is not trusted: a burst never looks past what it handed the
 * device, a length longer than the buffer or a frame longer than
 * E1000E_MAX_RX_FRAME (in bytes or descriptors) drops that frame and is
 * counted; it never costs memory (doc/trust.md).
 *
 * Transmit: one descriptor per segment, RS (report status) only on every
 * rs_thresh-th descriptor, so the device writes back one status in
 * rs_thresh and reclaim frees rs_thresh segments per DD it sees. TDT moves
 * once per burst.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "e1000e_internal.h"
#include "vdk_dma.h"
#include "vdk_malloc.h"
#include "vdk_mbuf.h"

/* RCTL.BSIZE for the largest buffer (2048, 1024, 512, 256 bytes) that fits. */
static uint16_t
rx_buf_size(uint16_t room)
{
	uint16_t size = 2048;

	while (size > E1000E_MIN_BUF && size > room)
		size >>= 1;
	return size;
}

/*
 * One queue's memory: the zeroed queue struct of @size bytes, the mbuf
 * behind each descriptor, and the descriptor ring in DMA memory, 128-byte
 * aligned (the low bits of RDBAL and TDBAL are reserved). NULL, having
 * said why, if any of it is missing.
 */
static void *
queue_alloc(struct e1000e_port *p, const char *dir, uint16_t qid, uint16_t nb_desc,
	    int socket_id, size_t size, size_t desc_size, struct vdk_mbuf ***sw_ring,
	    void **ring, uint64_t *ring_iova)
{
	void *q = vdk_zmalloc_socket("e1000e_queue", size, VDK_CACHE_LINE_SIZE, socket_id);

	*sw_ring = vdk_zmalloc_socket("e1000e_sw_ring", nb_desc * sizeof(**sw_ring),
				      VDK_CACHE_LINE_SIZE, socket_id);
	*ring = vdk_dma_zmalloc_socket(nb_desc * desc_size, 128, socket_id, ring_iova);
	if (q == NULL || *sw_ring == NULL || *ring == NULL) {
		vdk_dma_free(*ring);
		vdk_free(*sw_ring);
		vdk_free(q);
		E1000E_LOG(ERR, "%s: %s queue %u: no memory for %u descriptors on socket %d",
			   p->pdev->name, dir, qid, nb_desc, socket_id);
		return NULL;
	}
	return q;
}

int
e1000e_rxq_create(struct e1000e_port *p, uint16_t qid, uint16_t nb_desc, int socket_id,
		  const struct vdk_eth_rxconf *conf, struct vdk_mempool *mp,
		  struct e1000e_rxq **out)
{
	uint16_t room = (uint16_t)(vdk_pktmbuf_data_room_size(mp) - VDK_PKTMBUF_HEADROOM);
	struct vdk_mbuf **sw_ring;
	struct e1000e_rxq *q;
	uint64_t iova;
	void *ring;

	q = queue_alloc(p, "rx", qid, nb_desc, socket_id, sizeof(*q),
			sizeof(struct e1000e_rx_desc), &sw_ring, &ring, &iova);
	if (q == NULL)
		return -ENOMEM;
	q->sw_ring = sw_ring;
	q->ring = ring;
	q->ring_iova = iova;
	q->nb_desc = nb_desc;
	q->mp = mp;
	q->qid = qid;
	q->port_id = p->eth.port_id;
	q->rdt = (char *)p->bar0 + E1000E_QREG(E1000E_RDT, qid);
	q->buf_size = rx_buf_size(room);
	q->max_segs = (uint16_t)((E1000E_MAX_RX_FRAME + q->buf_size - 1) / q->buf_size);
	q->free_thresh = conf->rx_free_thresh;
	if (q->free_thresh == 0)
		q->free_thresh = VDK_MAX(VDK_MIN(E1000E_DEFAULT_FREE_THRESH, nb_desc / 4), 1);
	if (q->free_thresh >= nb_desc)
		q->free_thresh = (uint16_t)(nb_desc / 2);
	*out = q;
	return 0;
}

/* Give every mbuf back: after the device stopped receiving into them. */
void
e1000e_rxq_stop(struct e1000e_rxq *q)
{
	uint16_t i;

	for (i = 0; i < q->nb_desc; i++) {
		if (q->sw_ring[i] != NULL) {
			vdk_pktmbuf_free_seg(q->sw_ring[i]);
			q->sw_ring[i] = NULL;
		}
	}
	if (q->pkt_first != NULL) {
		vdk_pktmbuf_free(q->pkt_first);
		q->pkt_first = NULL;
		q->pkt_last = NULL;
	}
	q->discard = false;
}

void
e1000e_rxq_free(struct e1000e_rxq *q)
{
	if (q == NULL)
		return;
	e1000e_rxq_stop(q);
	vdk_dma_free((void *)q->ring);
	vdk_free(q->sw_ring);
	vdk_free(q);
}

/*
 * Put @m behind descriptor @idx, in the read format: its address, then a
 * zero quadword (DD clear): the slot is the device's again.
 */
static inline void
rx_desc_arm(struct e1000e_rxq *q, uint16_t idx, struct vdk_mbuf *m)
{
	m->data_off = VDK_PKTMBUF_HEADROOM;
	q->sw_ring[idx] = m;
	q->ring[idx].addr = m->buf_iova + VDK_PKTMBUF_HEADROOM;
	q->ring[idx].upper = 0;
}

/*
 * Fill every slot, and program the ring ("Receive Initialization": base,
 * length, head and tail, in that order, before RCTL.EN). RDT stops one
 * short of the ring, so the device gets every slot but the last.
 */
int
e1000e_rxq_start(struct e1000e_port *p, struct e1000e_rxq *q)
{
	uint16_t i;

	e1000e_rxq_stop(q);
	memset((void *)q->ring, 0, q->nb_desc * sizeof(struct e1000e_rx_desc));
	if (vdk_mempool_get_bulk(q->mp, (void **)q->sw_ring, q->nb_desc) != 0) {
		E1000E_LOG(ERR, "%s: rx queue %u: pool %s has fewer than the %u mbufs the ring "
			   "needs: make the pool larger", p->pdev->name, q->qid, q->mp->name,
			   q->nb_desc);
		return -ENOMEM;
	}
	for (i = 0; i < q->nb_desc; i++)
		rx_desc_arm(q, i, q->sw_ring[i]);
	q->next = 0;
	q->nb_hold = 0;

	e1000e_write(p, E1000E_QREG(E1000E_RDBAL, q->qid), (uint32_t)q->ring_iova);
	e1000e_write(p, E1000E_QREG(E1000E_RDBAH, q->qid), (uint32_t)(q->ring_iova >> 32));
	e1000e_write(p, E1000E_QREG(E1000E_RDLEN, q->qid),
		     q->nb_desc * (uint32_t)sizeof(struct e1000e_rx_desc));
	e1000e_write(p, E1000E_QREG(E1000E_RDH, q->qid), 0);
	vdk_io_wmb();
	e1000e_write(p, E1000E_QREG(E1000E_RDT, q->qid), (uint32_t)(q->nb_desc - 1));
	return 0;
}

/*
 * How many of the next @want descriptors from @idx on the device has
 * written back, and as many replacement mbufs in @repl: fewer if the pool
 * is short (then *short_pool is set), 0 if it is empty.
 */
static inline uint16_t
rx_take(struct e1000e_rxq *q, uint16_t idx, uint16_t want, struct vdk_mbuf **repl,
	bool *short_pool)
{
	uint16_t n, got;

	for (n = 0; n < want; n++) {
		if (!(q->ring[idx].status & E1000E_RXD_STAT_DD))
			break;
		if (++idx == q->nb_desc)
			idx = 0;
	}
	if (n == 0)
		return 0;
	/* The rest of a descriptor is valid only once its DD is seen. */
	vdk_io_rmb();
	for (got = n; got != 0; got >>= 1)
		if (vdk_likely(vdk_mempool_get_bulk(q->mp, (void **)repl, got) == 0))
			break;
	*short_pool = got < n;
	return got;
}

/* Drop a frame: the segments chained so far (@first, may be NULL) and @m. */
static inline void
rx_drop(struct vdk_mbuf *first, struct vdk_mbuf *m)
{
	vdk_pktmbuf_free_seg(m);
	if (first != NULL)
		vdk_pktmbuf_free(first);
}

uint16_t
e1000e_rx_burst(void *rxq, struct vdk_mbuf **pkts, uint16_t nb_pkts)
{
	struct e1000e_rxq *q = rxq;
	volatile struct e1000e_rx_desc *d;
	struct vdk_mbuf *repl[E1000E_RX_BATCH];
	struct vdk_mbuf *m, *first = q->pkt_first, *last = q->pkt_last;
	/* What the device was given: every slot but RDT's and those re-armed since. */
	uint16_t owned = (uint16_t)(q->nb_desc - 1 - q->nb_hold);
	uint16_t idx = q->next, nb_rx = 0, n, i, len;
	uint64_t bytes = 0, errors = 0, bad_len = 0, oversize = 0;
	bool discard = q->discard, short_pool = false;
	uint8_t status, err;
	uint64_t rss;		/* the write-back's MRQ (low half) and hash (high half) */

	while (nb_rx < nb_pkts && !short_pool) {
		/* A frame takes a descriptor at least: never more than are wanted. */
		n = VDK_MIN(VDK_MIN((uint16_t)(nb_pkts - nb_rx), owned), E1000E_RX_BATCH);
		n = rx_take(q, idx, n, repl, &short_pool);
		if (n == 0)
			break;
		owned = (uint16_t)(owned - n);
		q->nb_hold = (uint16_t)(q->nb_hold + n);
		for (i = 0; i < n; i++) {
			d = &q->ring[idx];
			status = d->status;
			len = d->length;
			err = d->errors;
			rss = d->addr;
			m = q->sw_ring[idx];
			rx_desc_arm(q, idx, repl[i]);
			if (++idx == q->nb_desc)
				idx = 0;

			if (vdk_unlikely(discard)) {
				vdk_pktmbuf_free_seg(m);
				discard = !(status & E1000E_RXD_STAT_EOP);
				continue;
			}
			if (vdk_unlikely(len > q->buf_size)) {
				bad_len++;
				goto drop;
			}
			m->data_len = len;
			if (first == NULL) {
				/* nb_segs is 1 and next NULL: the mbuf is fresh from the pool. */
				first = m;
				m->pkt_len = len;
			} else {
				if (vdk_unlikely(first->nb_segs == q->max_segs)) {
					oversize++;
					goto drop;
				}
				first->pkt_len += len;
				first->nb_segs++;
				last->next = m;
			}
			last = m;
			if (!(status & E1000E_RXD_STAT_EOP))
				continue;
			if (vdk_unlikely(first->pkt_len > E1000E_MAX_RX_FRAME)) {
				oversize++;
				vdk_pktmbuf_free(first);
				first = NULL;
				continue;
			}
			if (vdk_unlikely(err & E1000E_RXD_ERR_FRAME)) {
				errors++;
				vdk_pktmbuf_free(first);
				first = NULL;
				continue;
			}
			bytes += vdk_eth_rx_frame_finish(first, q->port_id);
			/* The hash of the frame's last descriptor, if the device made one. */
			if (rss & E1000E_RXD_MRQ_RSS_TYPE) {
				first->hash.rss = (uint32_t)(rss >> 32);
				first->ol_flags = VDK_MBUF_F_RX_RSS_HASH;
			}
			pkts[nb_rx++] = first;
			first = NULL;
			continue;
drop:
			/* The frame is lost; the rest of it, up to its EOP, follows it. */
			rx_drop(first, m);
			first = NULL;
			discard = !(status & E1000E_RXD_STAT_EOP);
		}
	}
	q->next = idx;
	q->pkt_first = first;
	q->pkt_last = last;
	q->discard = discard;
	if (q->nb_hold >= q->free_thresh) {
		/* The re-armed descriptors are in memory before the device may fetch them. */
		vdk_io_wmb();
		vdk_reg_write32(q->rdt, 0, idx == 0 ? q->nb_desc - 1u : idx - 1u);
		q->nb_hold = 0;
	}
	if (vdk_unlikely(short_pool))
		vdk_eth_counter_add(&q->nombuf, 1);
	if (nb_rx != 0) {
		vdk_eth_counter_add(&q->pkts, nb_rx);
		vdk_eth_counter_add(&q->bytes, bytes);
	}
	if (vdk_unlikely(errors + bad_len + oversize != 0)) {
		vdk_eth_counter_add(&q->errors, errors);
		vdk_eth_counter_add(&q->bad_len, bad_len);
		vdk_eth_counter_add(&q->oversize, oversize);
	}
	return nb_rx;
}

int
e1000e_txq_create(struct e1000e_port *p, uint16_t qid, uint16_t nb_desc, int socket_id,
		  const struct vdk_eth_txconf *conf, struct e1000e_txq **out)
{
	/* The lowest set bit of nb_desc: rs_thresh must divide the ring. */
	uint16_t max_rs = (uint16_t)(nb_desc & -nb_desc);
	uint16_t rs = conf->tx_rs_thresh ? conf->tx_rs_thresh
					 : VDK_MIN(E1000E_DEFAULT_RS_THRESH, max_rs);
	struct vdk_mbuf **sw_ring;
	struct e1000e_txq *q;
	uint64_t iova;
	void *ring;

	if (nb_desc % rs != 0 || rs >= nb_desc) {
		E1000E_LOG(ERR, "%s: tx queue %u: tx_rs_thresh %u must divide the ring size %u "
			   "and be smaller", p->pdev->name, qid, rs, nb_desc);
		return -EINVAL;
	}
	q = queue_alloc(p, "tx", qid, nb_desc, socket_id, sizeof(*q),
			sizeof(struct e1000e_tx_desc), &sw_ring, &ring, &iova);
	if (q == NULL)
		return -ENOMEM;
	q->sw_ring = sw_ring;
	q->ring = ring;
	q->ring_iova = iova;
	q->nb_desc = nb_desc;
	q->qid = qid;
	q->tdt = (char *)p->bar0 + E1000E_QREG(E1000E_TDT, qid);
	q->rs_thresh = rs;
	q->free_thresh = conf->tx_free_thresh ? conf->tx_free_thresh : rs;
	if (q->free_thresh >= nb_desc)
		q->free_thresh = rs;
	*out = q;
	return 0;
}

/* Free what the ring still holds: after the device stopped sending. */
void
e1000e_txq_stop(struct e1000e_txq *q)
{
	uint16_t i;

	for (i = 0; i < q->nb_desc; i++) {
		if (q->sw_ring[i] != NULL) {
			vdk_pktmbuf_free_seg(q->sw_ring[i]);
			q->sw_ring[i] = NULL;
		}
	}
}

void
e1000e_txq_free(struct e1000e_txq *q)
{
	if (q == NULL)
		return;
	e1000e_txq_stop(q);
	vdk_dma_free((void *)q->ring);
	vdk_free(q->sw_ring);
	vdk_free(q);
}

/* "Transmit Initialization": base, length, head and tail before TCTL.EN. */
void
e1000e_txq_start(struct e1000e_port *p, struct e1000e_txq *q)
{
	e1000e_txq_stop(q);
	memset((void *)q->ring, 0, q->nb_desc * sizeof(struct e1000e_tx_desc));
	q->next_rs = (uint16_t)(q->rs_thresh - 1);
	q->tail = 0;
	q->clean = 0;
	q->nb_free = (uint16_t)(q->nb_desc - 1);
	e1000e_write(p, E1000E_QREG(E1000E_TDBAL, q->qid), (uint32_t)q->ring_iova);
	e1000e_write(p, E1000E_QREG(E1000E_TDBAH, q->qid), (uint32_t)(q->ring_iova >> 32));
	e1000e_write(p, E1000E_QREG(E1000E_TDLEN, q->qid),
		     q->nb_desc * (uint32_t)sizeof(struct e1000e_tx_desc));
	e1000e_write(p, E1000E_QREG(E1000E_TDH, q->qid), 0);
	e1000e_write(p, E1000E_QREG(E1000E_TDT, q->qid), 0);
}

/*
 * Reclaim one group of rs_thresh descriptors if the device reported its
 * last one done. Segments that share a pool go back in one put.
 */
static inline int
tx_reclaim(struct e1000e_txq *q)
{
	uint16_t last = (uint16_t)(q->clean + q->rs_thresh - 1), i, n = 0;
	struct vdk_mbuf *m, *batch[E1000E_DEFAULT_RS_THRESH * 4];
	struct vdk_mempool *mp = NULL;

	if (!(q->ring[last].status & E1000E_TXD_STAT_DD))
		return 0;
	for (i = q->clean; i <= last; i++) {
		m = q->sw_ring[i];
		if (m == NULL)
			continue;
		q->sw_ring[i] = NULL;
		m = vdk_pktmbuf_prefree_seg(m);
		if (m == NULL)
			continue;
		if (m->pool != mp || n == VDK_DIM(batch)) {
			if (n != 0)
				vdk_mempool_put_bulk(mp, (void **)batch, n);
			n = 0;
			mp = m->pool;
		}
		batch[n++] = m;
	}
	if (n != 0)
		vdk_mempool_put_bulk(mp, (void **)batch, n);
	/* DD clear, so the next lap cannot mistake it for done. */
	q->ring[last].status = 0;
	q->clean = (uint16_t)(last + 1 == q->nb_desc ? 0 : last + 1);
	q->nb_free = (uint16_t)(q->nb_free + q->rs_thresh);
	return 1;
}

uint16_t
e1000e_tx_burst(void *txq, struct vdk_mbuf **pkts, uint16_t nb_pkts)
{
	struct e1000e_txq *q = txq;
	volatile struct e1000e_tx_desc *d;
	struct vdk_mbuf *m, *seg;
	uint16_t idx = q->tail, nb_tx;
	uint64_t bytes = 0;
	uint8_t cmd;

	if (q->nb_free < q->free_thresh || q->nb_free < nb_pkts)
		while (q->nb_free < q->nb_desc - q->rs_thresh && tx_reclaim(q))
			;
	for (nb_tx = 0; nb_tx < nb_pkts; nb_tx++) {
		m = pkts[nb_tx];
		if (vdk_unlikely(m->nb_segs > q->nb_free))
			break;
		for (seg = m; seg != NULL; seg = seg->next) {
			d = &q->ring[idx];
			cmd = E1000E_TXD_CMD_IFCS;
			if (seg->next == NULL)
				cmd |= E1000E_TXD_CMD_EOP;
			/* The last of each aligned group of rs_thresh reports status. */
			if (idx == q->next_rs) {
				cmd |= E1000E_TXD_CMD_RS;
				q->next_rs = (uint16_t)(idx + q->rs_thresh);
				if (q->next_rs >= q->nb_desc)
					q->next_rs = (uint16_t)(q->next_rs - q->nb_desc);
			}
			/* Two 8-byte stores: address; length, cmd and a clear status. */
			d->addr = vdk_pktmbuf_iova(seg);
			d->upper = (uint64_t)seg->data_len | (uint64_t)cmd << E1000E_TXD_CMD_SHIFT;
			q->sw_ring[idx] = seg;
			if (++idx == q->nb_desc)
				idx = 0;
		}
		q->nb_free = (uint16_t)(q->nb_free - m->nb_segs);
		bytes += m->pkt_len;
	}
	if (nb_tx == 0)
		return 0;
	q->tail = idx;
	/* Descriptors reach memory before the device sees the new tail. */
	vdk_io_wmb();
	vdk_reg_write32(q->tdt, 0, idx);
	vdk_eth_counter_add(&q->pkts, nb_tx);
	vdk_eth_counter_add(&q->bytes, bytes);
	return nb_tx;
}
