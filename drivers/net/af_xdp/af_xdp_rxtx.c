/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * net_af_xdp's datapath over the AF_XDP rings
 * (Documentation/networking/af_xdp.rst). Receive takes descriptors off the
 * rx ring, copies each frame into an mbuf chain and gives the frames
 * straight back on the fill ring; transmit copies each mbuf into a free
 * UMEM frame, posts it on the tx ring, and reclaims sent frames from the
 * completion ring at the start of the next burst. With need_wakeup the
 * kernel says when it needs a system call; only then (and in copy mode's
 * transmit, which runs inside sendto()) does a burst make one.
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "af_xdp_internal.h"
#include "vdk_mbuf.h"

uint16_t
axdp_rx_burst(void *vq, struct vdk_mbuf **pkts, uint16_t n)
{
	struct axdp_rxq *q = vq;
	const struct xdp_desc *d;
	uint32_t idx_rx = 0, idx_fill = 0, got, i;
	uint64_t bytes = 0;
	uint16_t nb = 0;

	got = xsk_ring_cons__peek(&q->rx, n, &idx_rx);
	if (got == 0) {
		/* The kernel asks for a wakeup, or busy polling drives the driver from here. */
		if (xsk_ring_prod__needs_wakeup(&q->fill) || q->busy_poll)
			recvfrom(q->qp->fd, NULL, 0, MSG_DONTWAIT, NULL, NULL);
		return 0;
	}
	for (i = 0; i < got; i++) {
		d = xsk_ring_cons__rx_desc(&q->rx, idx_rx + i);
		pkts[nb] = vdk_pktmbuf_alloc(q->mp);
		if (vdk_unlikely(pkts[nb] == NULL))
			break;
		pkts[nb]->port = q->port_id;
		if (vdk_unlikely(vdk_pktmbuf_append_copy(pkts[nb], q->mp,
				xsk_umem__get_data(q->qp->umem_area, d->addr), d->len) != 0)) {
			vdk_pktmbuf_free(pkts[nb]);
			break;
		}
		bytes += d->len;
		nb++;
	}
	if (vdk_unlikely(nb < got)) {
		/* No mbuf: the rest stays on the rx ring for the next burst. */
		vdk_eth_counter_add(&q->nombuf, 1);
		xsk_ring_cons__cancel(&q->rx, got - nb);
	}
	if (nb == 0)
		return 0;
	/*
	 * Every rx frame is either on the fill ring or on the rx ring, and the
	 * fill ring holds them all: reserving nb slots cannot fail.
	 */
	xsk_ring_prod__reserve(&q->fill, nb, &idx_fill);
	for (i = 0; i < nb; i++) {
		d = xsk_ring_cons__rx_desc(&q->rx, idx_rx + i);
		*xsk_ring_prod__fill_addr(&q->fill, idx_fill + i) =
			d->addr - d->addr % AXDP_FRAME_SIZE;
	}
	xsk_ring_cons__release(&q->rx, nb);
	xsk_ring_prod__submit(&q->fill, nb);
	vdk_eth_counter_add(&q->pkts, nb);
	vdk_eth_counter_add(&q->bytes, bytes);
	return nb;
}

/* Take back the frames the kernel has sent. */
static void
tx_reclaim(struct axdp_txq *q)
{
	uint32_t idx = 0, done, i;

	done = xsk_ring_cons__peek(&q->comp, AXDP_RING_SIZE, &idx);
	for (i = 0; i < done; i++)
		q->free_frames[q->nb_free++] = *xsk_ring_cons__comp_addr(&q->comp, idx + i);
	xsk_ring_cons__release(&q->comp, done);
}

static void
tx_kick(struct axdp_txq *q)
{
	if (!q->kick_always && !xsk_ring_prod__needs_wakeup(&q->tx))
		return;
	/* EAGAIN/EBUSY: the kernel is still sending; the next kick carries on. */
	if (sendto(q->qp->fd, NULL, 0, MSG_DONTWAIT, NULL, 0) < 0 && errno != EAGAIN &&
	    errno != EBUSY && errno != ENOBUFS && errno != ENETDOWN)
		q->errors++;
}

uint16_t
axdp_tx_burst(void *vq, struct vdk_mbuf **pkts, uint16_t n)
{
	struct axdp_txq *q = vq;
	struct vdk_mbuf *m;
	struct xdp_desc *d;
	uint64_t bytes = 0, addr;
	uint32_t idx = 0, used = 0;
	const void *data;
	void *frame;
	uint16_t i;

	tx_reclaim(q);
	for (i = 0; i < n; i++) {
		m = pkts[i];
		if (vdk_unlikely(m->pkt_len > AXDP_FRAME_SIZE)) {
			q->errors++;
			vdk_pktmbuf_free(m);
			continue;
		}
		/*
		 * A tx frame is free or on the tx or completion ring, and each
		 * ring holds them all: with a frame free, a tx slot is too.
		 */
		if (q->nb_free == 0 || xsk_ring_prod__reserve(&q->tx, 1, &idx) != 1)
			break;	/* the rest stays the caller's */
		addr = q->free_frames[--q->nb_free];
		frame = xsk_umem__get_data(q->qp->umem_area, addr);
		data = vdk_pktmbuf_read(m, 0, m->pkt_len, frame);
		if (data != frame)	/* one segment: read gave a pointer, not a copy */
			memcpy(frame, data, m->pkt_len);
		d = xsk_ring_prod__tx_desc(&q->tx, idx);
		d->addr = addr;
		d->len = m->pkt_len;
		d->options = 0;
		used++;
		bytes += m->pkt_len;
		vdk_pktmbuf_free(m);
	}
	if (used > 0)
		xsk_ring_prod__submit(&q->tx, used);
	/* Also with nothing new while frames are out: the kernel may need the kick. */
	if (used > 0 || q->nb_free < AXDP_RING_SIZE)
		tx_kick(q);
	vdk_eth_counter_add(&q->pkts, used);
	vdk_eth_counter_add(&q->bytes, bytes);
	return i;
}
