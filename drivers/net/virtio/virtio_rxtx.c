/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * net_virtio datapath over split virtqueues (virtio 1.0 §2.4).
 *
 * Notifications (§2.4.7, §2.4.8.2): every queue sets
 * VRING_AVAIL_F_NO_INTERRUPT, since nothing waits for interrupts, and a
 * burst kicks the device only if the used ring's VRING_USED_F_NO_NOTIFY
 * is clear: the device sets it while it is busy with the queue anyway
 * (QEMU does, for rx while it has buffers and for tx while its transmit
 * handler runs), so a forwarding loop rarely writes the notify register.
 * The kicks are counted (xstats rx_kicks, tx_kicks).
 *
 * The header is always the 12-byte struct virtio_net_hdr: VERSION_1 is
 * required, and with it num_buffers is always there (§5.1.6.1).
 *
 * Receive (§5.1.6.3, §5.1.6.4): each buffer is one device-writable
 * descriptor over an mbuf, starting VIRTIO_HDR bytes before its data so the
 * virtio_net_hdr lands in the headroom. With MRG_RXBUF a packet may span
 * num_buffers buffers; the later ones carry data only.
 *
 * Transmit (§5.1.6.2): the header goes into the mbuf's headroom when it is
 * a one-segment mbuf's sole owner, making a one-descriptor packet;
 * otherwise a per-descriptor header slot heads the chain.
 *
 * The device is not trusted (doc/trust.md): the used ring, the lengths and
 * num_buffers it writes are checked as Linux's virtio_ring and virtio_net
 * check them: used->idx advances by at most the buffers in flight, each id
 * is below the ring size and names a buffer in flight, a length fits the
 * buffer, num_buffers fits the ring. A violation marks the queue broken
 * (logged once, counted in xstats rx_ring_broken / tx_ring_broken): its
 * bursts return 0 until the port is stopped and started, which resets the
 * device and the rings. Chain links are kept in driver memory, never read
 * back from the descriptor table the device can write.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "virtio_internal.h"
#include "vdk_dma.h"
#include "vdk_malloc.h"
#include "vdk_mbuf.h"

#define VIRTIO_HDR ((uint16_t)sizeof(struct virtio_net_hdr))

int
virtq_alloc(struct virtq *vq, uint16_t size, int socket_id)
{
	size_t avail_len = 4 + 2 * (size_t)size + 2, used_len = 4 + 8 * (size_t)size + 2;

	memset(vq, 0, sizeof(*vq));
	vq->size = size;
	vq->mask = (uint16_t)(size - 1);
	/* §2.4 alignment: desc 16, avail 2, used 4; used on its own cache line. */
	vq->avail_off = 16 * (size_t)size;
	vq->used_off = VDK_ALIGN_CEIL(vq->avail_off + avail_len, (size_t)VDK_CACHE_LINE_SIZE);
	vq->mem = vdk_dma_zmalloc_socket(vq->used_off + used_len, 4096, socket_id, &vq->iova);
	vq->free_ids = vdk_zmalloc_socket("virtq_free", size * sizeof(uint16_t), 0, socket_id);
	vq->next = vdk_zmalloc_socket("virtq_next", size * sizeof(uint16_t), 0, socket_id);
	if (vq->mem == NULL || vq->free_ids == NULL || vq->next == NULL) {
		virtq_free(vq);
		return -ENOMEM;
	}
	vq->desc = vq->mem;
	vq->avail = (void *)((uint8_t *)vq->mem + vq->avail_off);
	vq->used = (void *)((uint8_t *)vq->mem + vq->used_off);
	virtq_reset(vq);
	return 0;
}

void
virtq_free(struct virtq *vq)
{
	vdk_dma_free(vq->mem);
	vdk_free(vq->free_ids);
	vdk_free(vq->next);
	vq->mem = NULL;
	vq->free_ids = NULL;
	vq->next = NULL;
}

void
virtq_reset(struct virtq *vq)
{
	uint16_t i;

	memset(vq->mem, 0, vq->used_off + 4 + 8 * (size_t)vq->size + 2);
	/* Popped in id order: 0 first. */
	for (i = 0; i < vq->size; i++)
		vq->free_ids[i] = (uint16_t)(vq->size - 1 - i);
	vq->nb_free = vq->size;
	vq->avail_idx = 0;
	vq->used_last = 0;
	vq->broken = false;
	vq->avail->flags = VRING_AVAIL_F_NO_INTERRUPT;
}

void
virtq_mark_broken(struct virtq *vq, const char *what, unsigned int port, unsigned int qid,
		  const char *fmt, ...)
{
	char why[128];
	va_list ap;

	if (vq->broken)
		return;
	vq->broken = true;
	vdk_eth_counter_add(&vq->nb_broken, 1);
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	VIRTIO_LOG(ERR, "port %u %s queue %u: the device %s: queue stopped until the port is "
		   "restarted (dev_stop, dev_start)", port, what, qid, why);
}

int
virtq_used_pending(struct virtq *vq, const char *what, unsigned int port, unsigned int qid)
{
	/* Entries up to idx are valid once idx is read (§2.4.8). */
	uint16_t used_idx = __atomic_load_n(&vq->used->idx, __ATOMIC_ACQUIRE);
	uint16_t pending = (uint16_t)(used_idx - vq->used_last);
	uint16_t in_flight = (uint16_t)(vq->size - vq->nb_free);

	if (vdk_unlikely(pending > in_flight)) {
		virtq_mark_broken(vq, what, port, qid, "moved used->idx from %u to %u with %u "
				  "descriptors in flight", vq->used_last, used_idx, in_flight);
		return -EIO;
	}
	return pending;
}

void
virtq_publish(struct virtq *vq)
{
	/* §2.4.6.2: ring entries before the index that exposes them. */
	__atomic_store_n(&vq->avail->idx, vq->avail_idx, __ATOMIC_RELEASE);
	/* The index store must be visible before we read the device's flag. */
	vdk_mb();
	if (!(vq->used->flags & VRING_USED_F_NO_NOTIFY)) {
		*vq->notify = vq->qidx;
		vdk_eth_counter_add(&vq->kicks, 1);
	}
}

/* ---------------------------------------------------------------------- */
/* Receive */

int
virtio_rxq_create(struct virtio_port *p, uint16_t qid, uint16_t nb_desc, int socket_id,
		  const struct vdk_eth_rxconf *conf, struct vdk_mempool *mp,
		  struct virtio_rxq **out)
{
	struct virtio_rxq *q;
	int ret;

	q = vdk_zmalloc_socket("virtio_rxq", sizeof(*q), VDK_CACHE_LINE_SIZE, socket_id);
	if (q == NULL)
		return -ENOMEM;
	ret = virtq_alloc(&q->vq, nb_desc, socket_id);
	q->sw_ring = vdk_zmalloc_socket("virtio_rx_sw", nb_desc * sizeof(q->sw_ring[0]), 0,
					socket_id);
	if (ret != 0 || q->sw_ring == NULL) {
		virtio_rxq_free(q);
		return -ENOMEM;
	}
	q->vq.qidx = (uint16_t)(2 * qid);
	q->mp = mp;
	q->qid = qid;
	q->port_id = p->eth.port_id;
	q->mrg = virtio_has(p, VIRTIO_NET_F_MRG_RXBUF);
	q->buf_len = (uint32_t)(vdk_pktmbuf_data_room_size(mp) - VDK_PKTMBUF_HEADROOM +
				VIRTIO_HDR);
	q->free_thresh = conf->rx_free_thresh ? conf->rx_free_thresh
					      : VIRTIO_DEFAULT_RX_FREE_THRESH;
	*out = q;
	return 0;
}

/* Free the packet the bursts so far have only begun. */
static void
rx_drop_partial(struct virtio_rxq *q)
{
	if (q->pkt_first != NULL)
		vdk_pktmbuf_free(q->pkt_first);
	q->pkt_first = NULL;
	q->pkt_last = NULL;
	q->segs_left = 0;
}

void
virtio_rxq_drop_mbufs(struct virtio_rxq *q)
{
	uint16_t i;

	for (i = 0; i < q->vq.size; i++) {
		if (q->sw_ring[i] != NULL) {
			vdk_pktmbuf_free_seg(q->sw_ring[i]);
			q->sw_ring[i] = NULL;
		}
	}
	rx_drop_partial(q);
}

void
virtio_rxq_free(struct virtio_rxq *q)
{
	if (q == NULL)
		return;
	if (q->sw_ring != NULL)
		virtio_rxq_drop_mbufs(q);
	virtq_free(&q->vq);
	vdk_free(q->sw_ring);
	vdk_free(q);
}

/*
 * Hand the device up to @n buffers from the free stack, straight out of
 * the pool; returns how many (short when the pool is). A bulk get is all
 * or nothing: on a short pool ask for half as many until it gives, so the
 * device gets what the pool has rather than nothing (asking for the whole
 * refill at once starved the ring while the pool still held mbufs).
 */
static inline uint16_t
rx_post(struct virtio_rxq *q, uint16_t n)
{
	struct virtq *vq = &q->vq;
	struct vdk_mbuf *bufs[64];
	uint16_t i, id, done = 0;

	while (done < n) {
		uint16_t k = VDK_MIN((uint16_t)(n - done), (uint16_t)VDK_DIM(bufs));

		while (vdk_unlikely(vdk_mempool_get_bulk(q->mp, (void **)bufs, k) != 0))
			if ((k >>= 1) == 0)
				return done;
		for (i = 0; i < k; i++) {
			id = vq->free_ids[--vq->nb_free];
			bufs[i]->data_off = VDK_PKTMBUF_HEADROOM;
			q->sw_ring[id] = bufs[i];
			/* len and flags were set once, at fill time. */
			vq->desc[id].addr = bufs[i]->buf_iova + VDK_PKTMBUF_HEADROOM - VIRTIO_HDR;
			vq->avail->ring[vq->avail_idx++ & vq->mask] = id;
		}
		done = (uint16_t)(done + k);
	}
	return done;
}

/* Fill every descriptor, before DRIVER_OK; the caller publishes. */
int
virtio_rxq_fill(struct virtio_rxq *q)
{
	struct virtq *vq = &q->vq;
	uint16_t i;

	virtio_rxq_drop_mbufs(q);
	virtq_reset(vq);
	for (i = 0; i < vq->size; i++) {
		vq->desc[i].len = q->buf_len;
		vq->desc[i].flags = VRING_DESC_F_WRITE;
	}
	if (rx_post(q, vq->size) != vq->size) {
		virtio_rxq_drop_mbufs(q);
		virtq_reset(vq);
		return -ENOMEM;
	}
	return 0;
}

uint16_t
virtio_rx_burst(void *rxq, struct vdk_mbuf **pkts, uint16_t nb_pkts)
{
	struct virtio_rxq *q = rxq;
	struct virtq *vq = &q->vq;
	struct vdk_mbuf *m, *first = q->pkt_first, *last = q->pkt_last;
	uint16_t nb_rx = 0, segs_left = q->segs_left, num_buffers;
	const struct virtio_net_hdr *hdr;
	uint64_t bytes = 0, errors = 0;
	uint32_t id, len;
	int pending;

	if (vdk_unlikely(vq->broken))
		return 0;
	pending = virtq_used_pending(vq, "rx", q->port_id, q->qid);
	while (pending > 0 && nb_rx < nb_pkts) {
		const volatile struct vring_used_elem *e = &vq->used->ring[vq->used_last & vq->mask];

		/* Read once: the device may change the entry while we look. */
		id = e->id;
		len = e->len;
		if (vdk_unlikely(id >= vq->size || q->sw_ring[id] == NULL)) {
			virtq_mark_broken(vq, "rx", q->port_id, q->qid, "returned buffer id %u, %s",
					  id, id >= vq->size ? "beyond the ring"
							     : "which was not in flight");
			break;
		}
		if (vdk_unlikely(len > q->buf_len)) {
			virtq_mark_broken(vq, "rx", q->port_id, q->qid, "wrote %u bytes into a "
					  "%u-byte buffer (id %u)", len, q->buf_len, id);
			break;
		}
		pending--;
		vq->used_last++;
		m = q->sw_ring[id];
		q->sw_ring[id] = NULL;
		vq->free_ids[vq->nb_free++] = (uint16_t)id;

		if (first == NULL) {
			if (vdk_unlikely(len < VIRTIO_HDR)) {
				errors++;
				vdk_pktmbuf_free_seg(m);
				continue;
			}
			hdr = vdk_pktmbuf_mtod_offset(m, const struct virtio_net_hdr *,
						      -(int)VIRTIO_HDR);
			num_buffers = hdr->num_buffers;
			/* §5.1.6.4: one packet in at most every buffer of the ring. */
			if (q->mrg && vdk_unlikely(num_buffers == 0 || num_buffers > vq->size)) {
				vdk_pktmbuf_free_seg(m);
				virtq_mark_broken(vq, "rx", q->port_id, q->qid, "gave num_buffers %u "
						  "(ring of %u)", num_buffers, vq->size);
				break;
			}
			segs_left = q->mrg ? (uint16_t)(num_buffers - 1) : 0;
			/* nb_segs is 1 and next NULL: the mbuf is fresh from the pool. */
			m->data_len = (uint16_t)(len - VIRTIO_HDR);
			m->pkt_len = m->data_len;
			first = m;
		} else {
			/* Later buffers of a merged packet have no header. */
			m->data_off = (uint16_t)(m->data_off - VIRTIO_HDR);
			m->data_len = (uint16_t)len;
			first->pkt_len += len;
			first->nb_segs++;
			last->next = m;
			segs_left--;
		}
		last = m;
		if (segs_left != 0)
			continue;
		bytes += vdk_eth_rx_frame_finish(first, q->port_id);
		pkts[nb_rx++] = first;
		first = NULL;
	}
	q->pkt_first = first;
	q->pkt_last = last;
	q->segs_left = segs_left;
	if (vdk_unlikely(vq->broken)) {
		/* What the device holds stays until the reset; the packet in the making goes. */
		rx_drop_partial(q);
	} else if (vq->nb_free >= q->free_thresh) {
		if (rx_post(q, vq->nb_free) != 0)
			virtq_publish(vq);
		if (vdk_unlikely(vq->nb_free >= q->free_thresh))
			vdk_eth_counter_add(&q->nombuf, vq->nb_free);
	}
	if (nb_rx != 0) {
		vdk_eth_counter_add(&q->pkts, nb_rx);
		vdk_eth_counter_add(&q->bytes, bytes);
	}
	if (vdk_unlikely(errors != 0))
		vdk_eth_counter_add(&q->errors, errors);
	return nb_rx;
}

/* ---------------------------------------------------------------------- */
/* Transmit */

int
virtio_txq_create(struct virtio_port *p, uint16_t qid, uint16_t nb_desc, int socket_id,
		  const struct vdk_eth_txconf *conf, struct virtio_txq **out)
{
	struct virtio_txq *q;
	int ret;

	q = vdk_zmalloc_socket("virtio_txq", sizeof(*q), VDK_CACHE_LINE_SIZE, socket_id);
	if (q == NULL)
		return -ENOMEM;
	ret = virtq_alloc(&q->vq, nb_desc, socket_id);
	q->sw_ring = vdk_zmalloc_socket("virtio_tx_sw", nb_desc * sizeof(q->sw_ring[0]), 0,
					socket_id);
	q->ndescs = vdk_zmalloc_socket("virtio_tx_nd", nb_desc * sizeof(q->ndescs[0]), 0,
				       socket_id);
	q->hdrs = vdk_dma_zmalloc_socket(nb_desc * sizeof(struct virtio_net_hdr), 0, socket_id,
					 &q->hdrs_iova);
	if (ret != 0 || q->sw_ring == NULL || q->ndescs == NULL || q->hdrs == NULL) {
		virtio_txq_free(q);
		return -ENOMEM;
	}
	q->vq.qidx = (uint16_t)(2 * qid + 1);
	q->qid = qid;
	q->port_id = p->eth.port_id;
	q->free_thresh = conf->tx_free_thresh ? conf->tx_free_thresh
					      : VIRTIO_DEFAULT_TX_FREE_THRESH;
	*out = q;
	return 0;
}

void
virtio_txq_drop_mbufs(struct virtio_txq *q)
{
	uint16_t i;

	for (i = 0; i < q->vq.size; i++) {
		if (q->sw_ring[i] != NULL) {
			vdk_pktmbuf_free(q->sw_ring[i]);
			q->sw_ring[i] = NULL;
		}
	}
	virtq_reset(&q->vq);
}

void
virtio_txq_free(struct virtio_txq *q)
{
	if (q == NULL)
		return;
	if (q->sw_ring != NULL && q->vq.mem != NULL)
		virtio_txq_drop_mbufs(q);
	virtq_free(&q->vq);
	vdk_free(q->sw_ring);
	vdk_free(q->ndescs);
	vdk_dma_free(q->hdrs);
	vdk_free(q);
}

/*
 * Take back what the device has sent: its descriptors and its mbufs.
 * Returns -EIO once the device broke the ring's rules.
 */
static inline int
tx_reclaim(struct virtio_txq *q)
{
	struct virtq *vq = &q->vq;
	struct vdk_mbuf *done[64];
	uint16_t d, k, n = 0;
	uint32_t id;
	int pending;

	pending = virtq_used_pending(vq, "tx", q->port_id, q->qid);
	for (; pending > 0; pending--) {
		id = vq->used->ring[vq->used_last & vq->mask].id;
		/* A head in flight has its mbuf; any other id is not ours to free. */
		if (vdk_unlikely(id >= vq->size || q->sw_ring[id] == NULL)) {
			virtq_mark_broken(vq, "tx", q->port_id, q->qid, "returned chain id %u, %s",
					  id, id >= vq->size ? "beyond the ring"
							     : "which was not in flight");
			break;
		}
		vq->used_last++;
		d = (uint16_t)id;
		for (k = 0; k < q->ndescs[id]; k++) {
			vq->free_ids[vq->nb_free++] = d;
			d = vq->next[d];
		}
		done[n++] = q->sw_ring[id];
		q->sw_ring[id] = NULL;
		if (n == VDK_DIM(done)) {
			vdk_pktmbuf_free_bulk(done, n);
			n = 0;
		}
	}
	if (n != 0)
		vdk_pktmbuf_free_bulk(done, n);
	return vq->broken ? -EIO : 0;
}

uint16_t
virtio_tx_burst(void *txq, struct vdk_mbuf **pkts, uint16_t nb_pkts)
{
	struct virtio_txq *q = txq;
	struct virtq *vq = &q->vq;
	volatile struct vring_desc *d;
	struct vdk_mbuf *m, *seg;
	uint16_t nb_tx, head, id, need;
	uint64_t bytes = 0;

	if (vdk_unlikely(vq->broken))
		return 0;
	if ((vq->nb_free < q->free_thresh || vq->nb_free < nb_pkts) && tx_reclaim(q) != 0)
		return 0;
	for (nb_tx = 0; nb_tx < nb_pkts; nb_tx++) {
		m = pkts[nb_tx];
		if (vdk_likely(m->nb_segs == 1 && vdk_mbuf_refcnt_read(m) == 1 &&
			       vdk_pktmbuf_headroom(m) >= VIRTIO_HDR)) {
			/* The header in the headroom: one descriptor. */
			if (vdk_unlikely(vq->nb_free == 0))
				break;
			id = vq->free_ids[--vq->nb_free];
			*vdk_pktmbuf_mtod_offset(m, struct virtio_net_hdr *, -(int)VIRTIO_HDR) =
				(struct virtio_net_hdr){ 0 };
			d = &vq->desc[id];
			d->addr = vdk_pktmbuf_iova(m) - VIRTIO_HDR;
			d->len = (uint32_t)(m->data_len + VIRTIO_HDR);
			d->flags = 0;
			q->ndescs[id] = 1;
		} else {
			/* A header slot of our own heads the chain. */
			need = (uint16_t)(m->nb_segs + 1);
			if (vdk_unlikely(need > vq->nb_free))
				break;
			id = vq->free_ids[--vq->nb_free];
			head = id;
			memset(&q->hdrs[id], 0, sizeof(q->hdrs[id]));
			d = &vq->desc[id];
			d->addr = q->hdrs_iova + id * sizeof(struct virtio_net_hdr);
			d->len = VIRTIO_HDR;
			for (seg = m; seg != NULL; seg = seg->next) {
				vq->next[id] = vq->free_ids[--vq->nb_free];
				id = vq->next[id];
				d->flags = VRING_DESC_F_NEXT;
				d->next = id;
				d = &vq->desc[id];
				d->addr = vdk_pktmbuf_iova(seg);
				d->len = seg->data_len;
			}
			d->flags = 0;
			id = head;
			q->ndescs[id] = need;
		}
		q->sw_ring[id] = m;
		vq->avail->ring[vq->avail_idx++ & vq->mask] = id;
		bytes += m->pkt_len;
	}
	if (nb_tx == 0)
		return 0;
	virtq_publish(vq);
	vdk_eth_counter_add(&q->pkts, nb_tx);
	vdk_eth_counter_add(&q->bytes, bytes);
	return nb_tx;
}
