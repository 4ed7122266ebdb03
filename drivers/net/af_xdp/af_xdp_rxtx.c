/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * net_af_xdp's datapath over the AF_XDP rings
 * (Documentation/networking/af_xdp.rst), with the UMEM over the rx pool's
 * memory so that no frame is copied here. Receive takes descriptors off the
 * rx ring and hands the mbufs the kernel wrote into straight to the caller,
 * posting as many fresh mbufs from the pool on the fill ring (taken before
 * a descriptor is consumed, so the fill ring never runs short through us).
 * Transmit posts an mbuf of the pool as it is and frees it when the
 * completion ring gives it back; an mbuf of another pool, a chain or a
 * shared one is first copied into a fresh mbuf of the pool. With
 * need_wakeup the kernel says when it needs a system call; only then (and
 * in copy mode's transmit, which runs inside sendto()) does a burst make one.
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "af_xdp_internal.h"

/* The mbuf an rx or completion descriptor names, or NULL if this queue did not post it. */
static inline struct vdk_mbuf *
desc_mbuf(const struct axdp_umem_map *map, uint64_t *owned, uint64_t addr)
{
	struct vdk_mbuf *m = (struct vdk_mbuf *)(map->base + xsk_umem__extract_addr(addr));
	uint32_t idx;

	if (vdk_unlikely(!axdp_mbuf_index(map, m, &idx) || !axdp_unmark(owned, idx)))
		return NULL;
	return m;
}

uint16_t
axdp_rx_burst(void *vq, struct vdk_mbuf **pkts, uint16_t n)
{
	struct axdp_rxq *q = vq;
	struct vdk_mbuf *fresh[AXDP_RX_BURST_MAX], *m;
	const struct xdp_desc *d;
	uint32_t idx_rx = 0, idx_fill = 0, got, i;
	uint64_t bytes = 0;
	uint16_t nb = 0;

	got = xsk_ring_cons__peek(&q->rx, VDK_MIN((uint32_t)n, AXDP_RX_BURST_MAX), &idx_rx);
	if (got == 0) {
		/* The kernel asks for a wakeup, or busy polling drives the driver from here. */
		if (xsk_ring_prod__needs_wakeup(&q->fill) || q->busy_poll)
			recvfrom(q->qp->fd, NULL, 0, MSG_DONTWAIT, NULL, NULL);
		return 0;
	}
	if (vdk_unlikely(vdk_pktmbuf_alloc_bulk(q->map.mp, fresh, got) != 0)) {
		/* No replacements: the frames wait on the rx ring for the next burst. */
		vdk_eth_counter_add(&q->vq.nombuf, 1);
		xsk_ring_cons__cancel(&q->rx, got);
		return 0;
	}
	for (i = 0; i < got; i++) {
		d = xsk_ring_cons__rx_desc(&q->rx, idx_rx + i);
		m = desc_mbuf(&q->map, q->owned, d->addr);
		if (vdk_unlikely(m == NULL)) {
			q->vq.errors++;
			continue;
		}
		/* The offset counts from the chunk, which starts at the struct. */
		m->data_off = (uint16_t)(xsk_umem__extract_offset(d->addr) - q->map.headroom);
		m->data_len = (uint16_t)d->len;
		m->pkt_len = d->len;
		m->port = q->vq.port_id;
		pkts[nb++] = m;
		bytes += d->len;
	}
	/* A descriptor naming no mbuf of ours took none from the kernel: no replacement. */
	if (vdk_unlikely(nb < got))
		vdk_mempool_put_bulk(q->map.mp, (void **)(fresh + nb), got - nb);
	/*
	 * The fill ring holds every mbuf this queue gave the kernel, and each
	 * received one gives its slot to its replacement: reserving cannot fail.
	 */
	xsk_ring_prod__reserve(&q->fill, nb, &idx_fill);
	for (i = 0; i < nb; i++) {
		axdp_mark(&q->map, q->owned, fresh[i]);
		*xsk_ring_prod__fill_addr(&q->fill, idx_fill + i) = axdp_mbuf_addr(&q->map, fresh[i]);
	}
	xsk_ring_cons__release(&q->rx, got);
	xsk_ring_prod__submit(&q->fill, nb);
	vdk_eth_counter_add(&q->vq.pkts, nb);
	vdk_eth_counter_add(&q->vq.bytes, bytes);
	return nb;
}

/* Take back the mbufs the kernel has sent, in bursts to the pool. */
static void
tx_reclaim(struct axdp_txq *q)
{
	void *done[64];
	uint32_t idx = 0, got, i, nb = 0;
	struct vdk_mbuf *m;

	got = xsk_ring_cons__peek(&q->comp, q->size, &idx);
	for (i = 0; i < got; i++) {
		m = desc_mbuf(&q->map, q->owned, *xsk_ring_cons__comp_addr(&q->comp, idx + i));
		if (vdk_unlikely(m == NULL)) {
			q->vq.errors++;
			continue;
		}
		/* Sent as it was: one segment, one reference, its pool's free state. */
		done[nb++] = m;
		if (nb == VDK_DIM(done)) {
			vdk_mempool_put_bulk(q->map.mp, done, nb);
			q->inflight -= nb;
			nb = 0;
		}
	}
	if (nb > 0)
		vdk_mempool_put_bulk(q->map.mp, done, nb);
	q->inflight -= nb;
	xsk_ring_cons__release(&q->comp, got);
}

static void
tx_kick(struct axdp_txq *q)
{
	if (!q->kick_always && !xsk_ring_prod__needs_wakeup(&q->tx))
		return;
	/* EAGAIN/EBUSY: the kernel is still sending; the next kick carries on. */
	if (sendto(q->qp->fd, NULL, 0, MSG_DONTWAIT, NULL, 0) < 0 && errno != EAGAIN &&
	    errno != EBUSY && errno != ENOBUFS && errno != ENETDOWN)
		q->vq.errors++;
}

/*
 * @m as an mbuf that lies in the UMEM: itself if it does, else a copy in a
 * fresh mbuf of the pool (and @m freed); NULL if the pool has none.
 */
static struct vdk_mbuf *
tx_umem_mbuf(struct axdp_txq *q, struct vdk_mbuf *m)
{
	struct vdk_mbuf *c;
	const void *data;
	char *dst;

	if (vdk_likely(m->pool == q->map.mp && m->nb_segs == 1 && vdk_mbuf_refcnt_read(m) == 1))
		return m;
	c = vdk_pktmbuf_alloc(q->map.mp);
	if (c == NULL)
		return NULL;
	dst = vdk_pktmbuf_append(c, (uint16_t)m->pkt_len);
	data = vdk_pktmbuf_read(m, 0, m->pkt_len, dst);
	if (data != dst)	/* one segment: read gave a pointer, not a copy */
		memcpy(dst, data, m->pkt_len);
	vdk_eth_counter_add(&q->copied, 1);
	vdk_pktmbuf_free(m);
	return c;
}

uint16_t
axdp_tx_burst(void *vq, struct vdk_mbuf **pkts, uint16_t n)
{
	struct axdp_txq *q = vq;
	struct vdk_mbuf *m;
	struct xdp_desc *d;
	uint64_t bytes = 0;
	uint32_t idx = 0, used = 0;
	uint16_t i;

	tx_reclaim(q);
	for (i = 0; i < n; i++) {
		m = pkts[i];
		/* Beyond a chunk, or beyond the buffer of a copy: the kernel would refuse it. */
		if (vdk_unlikely(m->pkt_len > q->map.chunk_size - q->map.headroom -
				 VDK_PKTMBUF_HEADROOM)) {
			q->vq.errors++;
			vdk_pktmbuf_free(m);
			continue;
		}
		if (q->inflight == q->size)
			break;	/* the rest stays the caller's */
		m = tx_umem_mbuf(q, m);
		if (vdk_unlikely(m == NULL))
			break;
		/* The tx ring holds only owned mbufs, fewer than its size: this cannot fail. */
		if (vdk_unlikely(xsk_ring_prod__reserve(&q->tx, 1, &idx) != 1)) {
			q->vq.errors++;
			vdk_pktmbuf_free(m);
			i++;
			break;
		}
		axdp_mark(&q->map, q->owned, m);
		q->inflight++;
		d = xsk_ring_prod__tx_desc(&q->tx, idx);
		d->addr = axdp_mbuf_addr(&q->map, m) |
			  ((uint64_t)(q->map.headroom + m->data_off) << XSK_UNALIGNED_BUF_OFFSET_SHIFT);
		d->len = m->pkt_len;
		d->options = 0;
		used++;
		bytes += m->pkt_len;
	}
	if (used > 0)
		xsk_ring_prod__submit(&q->tx, used);
	/* Also with nothing new while mbufs are out: the kernel may need the kick. */
	if (used > 0 || q->inflight > 0)
		tx_kick(q);
	vdk_eth_counter_add(&q->vq.pkts, used);
	vdk_eth_counter_add(&q->vq.bytes, bytes);
	return i;
}
