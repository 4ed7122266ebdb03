/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * net_memif's datapath: copy mode, both roles (memif_proto.h has the ring
 * rules). What the peer wrote into shared memory is input: a count of
 * slots beyond the ring, a descriptor naming memory outside the regions
 * it gave us, or a length beyond its buffer marks the queue broken (the
 * control thread then disconnects) instead of being followed. Descriptor
 * fields are read once into locals, so the peer cannot change them
 * between the check and the use.
 */
#include <string.h>
#include <unistd.h>

#include "memif_internal.h"
#include "vdk_mbuf.h"

/* Slots one packet may take on the server's transmit side. */
#define MEMIF_MAX_CHAIN 64

/* Take the queue's ring for one burst: NULL while it is not connected. */
static inline struct memif_ring *
queue_enter(struct memif_queue *q)
{
	/*
	 * Dekker with memif_queue_unpublish(): our busy store is ordered
	 * before our ring load, its NULL store before its busy load, so
	 * either it sees us busy or we see NULL.
	 */
	__atomic_store_n(&q->busy, 1, __ATOMIC_SEQ_CST);
	if (vdk_unlikely(__atomic_load_n(&q->broken, __ATOMIC_RELAXED)))
		return NULL;
	return __atomic_load_n(&q->ring, __ATOMIC_SEQ_CST);
}

static inline void
queue_leave(struct memif_queue *q)
{
	__atomic_store_n(&q->busy, 0, __ATOMIC_RELEASE);
}

/* The peer broke the ring's rules: stop using it and have it disconnected. */
static void
queue_broken(struct memif_queue *q)
{
	vdk_eth_counter_add(&q->errors, 1);
	if (__atomic_exchange_n(&q->broken, 1, __ATOMIC_RELAXED) == 0)
		memif_ctl_wake();
}

/* Signal the peer if it receives by interrupt (it has not masked them). */
static inline void
queue_kick(struct memif_queue *q, const struct memif_ring *r)
{
	uint64_t one = 1;

	if (!(__atomic_load_n(&r->flags, __ATOMIC_RELAXED) & MEMIF_RING_FLAG_MASK_INT) &&
	    q->kick_fd >= 0 && write(q->kick_fd, &one, sizeof(one)) < 0)
		vdk_eth_counter_add(&q->errors, 1);
}

/* Append @len bytes at @src to the packet @m (its first segment may be empty). */
static inline int
mbuf_put(struct vdk_mbuf *m, struct vdk_mempool *mp, const void *src, uint32_t len)
{
	if (m->nb_segs == 1 && len <= vdk_pktmbuf_tailroom(m)) {
		memcpy(vdk_pktmbuf_mtod_offset(m, uint8_t *, m->data_len), src, len);
		m->data_len = (uint16_t)(m->data_len + len);
		m->pkt_len += len;
		return 0;
	}
	return vdk_pktmbuf_append_copy(m, mp, src, len);
}

static inline uint8_t *
client_buf(const struct memif_queue *q, uint16_t slot)
{
	return q->bufs + (size_t)(slot & q->mask) * q->bsize;
}

static inline void
client_desc(const struct memif_queue *q, struct memif_ring *r, uint16_t slot,
	    uint16_t flags, uint32_t len)
{
	struct memif_desc *d = &r->desc[slot & q->mask];

	d->flags = flags;
	d->region = 0;
	d->length = len;
	d->offset = q->buf_off + (uint32_t)(slot & q->mask) * q->bsize;
	d->metadata = 0;
}

/* Client, C2S ring: fill our own buffers, then move head. */
static uint16_t
tx_client(struct memif_queue *q, struct memif_ring *r, struct vdk_mbuf **pkts, uint16_t n)
{
	const uint32_t bsize = q->bsize;
	uint16_t size = (uint16_t)(q->mask + 1u);
	uint16_t head = q->head, used, room, slot;
	const struct vdk_mbuf *s;
	struct vdk_mbuf *m;
	uint64_t bytes = 0;
	uint32_t need, off, len, c;
	const uint8_t *src;
	uint8_t *dst;
	uint16_t i;

	used = (uint16_t)(head - __atomic_load_n(&r->tail, __ATOMIC_ACQUIRE));
	if (vdk_unlikely(used > size)) {
		queue_broken(q);
		return 0;
	}
	room = (uint16_t)(size - used);
	for (i = 0; i < n; i++) {
		m = pkts[i];
		need = m->pkt_len <= bsize ? 1 : (m->pkt_len + bsize - 1) / bsize;
		if (need > room)
			break;
		slot = head;
		dst = client_buf(q, slot);
		off = 0;
		for (s = m; s != NULL; s = s->next) {
			src = vdk_pktmbuf_mtod(s, const uint8_t *);
			len = s->data_len;
			while (len > 0) {
				if (off == bsize) {
					/* Only a chain longer than its pkt_len gets here: cut it. */
					if (vdk_unlikely((uint16_t)(slot - head) + 1u == need))
						goto last_slot;
					client_desc(q, r, slot, MEMIF_DESC_FLAG_NEXT, bsize);
					slot++;
					dst = client_buf(q, slot);
					off = 0;
				}
				c = VDK_MIN(len, bsize - off);
				memcpy(dst + off, src, c);
				off += c;
				src += c;
				len -= c;
			}
		}
last_slot:
		client_desc(q, r, slot, 0, off);
		slot++;
		room = (uint16_t)(room - (uint16_t)(slot - head));
		head = slot;
		bytes += m->pkt_len;
		vdk_pktmbuf_free(m);
	}
	if (i > 0) {
		/* The buffers and descriptors before the head that hands them over. */
		__atomic_store_n(&r->head, head, __ATOMIC_RELEASE);
		q->head = head;
		queue_kick(q, r);
	}
	vdk_eth_counter_add(&q->pkts, i);
	vdk_eth_counter_add(&q->bytes, bytes);
	return i;
}

/* Where a descriptor the client wrote points, if inside its regions: NULL if not. */
static inline uint8_t *
server_buf(const struct memif_queue *q, uint16_t region, uint32_t offset, uint32_t len)
{
	if (vdk_unlikely(region >= q->nb_regions ||
			 (uint64_t)offset + len > q->regions[region].size))
		return NULL;
	return q->regions[region].base + offset;
}

/*
 * The bytes of received slot @slot, its flags and length. A client's
 * buffers are its own, one a slot (a length beyond one is the server's
 * fault: the packet is dropped, *@bad); a server finds them through the
 * client's descriptor. NULL: the descriptor points outside the peer's
 * regions.
 */
static vdk_always_inline const uint8_t *
rx_slot(const struct memif_queue *q, const struct memif_ring *r, uint16_t slot, bool client,
	uint16_t *flags, uint32_t *len, bool *bad)
{
	struct memif_desc d;

	if (client) {
		*flags = __atomic_load_n(&r->desc[slot & q->mask].flags, __ATOMIC_RELAXED);
		*len = __atomic_load_n(&r->desc[slot & q->mask].length, __ATOMIC_RELAXED);
		if (vdk_unlikely(*len > q->bsize))
			*bad = true;
		return client_buf(q, slot);
	}
	memcpy(&d, &r->desc[slot & q->mask], sizeof(d));
	*flags = d.flags;
	*len = d.length;
	return server_buf(q, d.region, d.offset, d.length);
}

/*
 * Receive, copying: the client reads the S2C slots the server filled up
 * to tail, then posts them again with head; the server reads the C2S
 * slots the client filled up to head, then gives them back with tail.
 * Written once for both, @client constant in each caller.
 */
static vdk_always_inline uint16_t
rx_copy(struct memif_queue *q, struct memif_ring *r, struct vdk_mbuf **pkts, uint16_t n,
	bool client)
{
	uint16_t size = (uint16_t)(q->mask + 1u);
	uint16_t last = q->last, avail, slot, flags, head;
	const uint8_t *src;
	uint64_t bytes = 0;
	struct vdk_mbuf *m;
	uint32_t len;
	uint16_t nb = 0;
	bool bad;

	avail = (uint16_t)(__atomic_load_n(client ? &r->tail : &r->head, __ATOMIC_ACQUIRE) - last);
	if (vdk_unlikely(avail > size)) {
		queue_broken(q);
		return 0;
	}
	while (nb < n && avail > 0) {
		m = vdk_pktmbuf_alloc(q->mp);
		if (vdk_unlikely(m == NULL)) {
			vdk_eth_counter_add(&q->nombuf, 1);
			break;
		}
		m->port = q->port_id;
		bad = false;
		slot = last;
		do {
			if (vdk_unlikely((uint16_t)(slot - last) == avail)) {
				/* The rest of the chain is not there yet; a whole ring of it never will be. */
				vdk_pktmbuf_free(m);
				if (avail == size)
					queue_broken(q);
				goto out;
			}
			src = rx_slot(q, r, slot, client, &flags, &len, &bad);
			if (vdk_unlikely(src == NULL)) {
				vdk_pktmbuf_free(m);
				queue_broken(q);
				goto out;
			}
			if (!bad && vdk_unlikely(mbuf_put(m, q->mp, src, len) != 0))
				bad = true;
			slot++;
		} while (flags & MEMIF_DESC_FLAG_NEXT);
		avail = (uint16_t)(avail - (uint16_t)(slot - last));
		last = slot;
		if (vdk_unlikely(bad)) {
			/* Too long for its buffer, or no mbufs for a long chain: dropped. */
			vdk_pktmbuf_free(m);
			vdk_eth_counter_add(&q->errors, 1);
			continue;
		}
		bytes += m->pkt_len;
		pkts[nb++] = m;
	}
out:
	if (client) {
		q->last = last;
		/* Give every read slot back, empty, for the server to fill. */
		head = q->head;
		if (head != (uint16_t)(last + size)) {
			for (; head != (uint16_t)(last + size); head++)
				client_desc(q, r, head, 0, q->bsize);
			__atomic_store_n(&r->head, head, __ATOMIC_RELEASE);
			q->head = head;
		}
	} else if (last != q->last) {
		/* Our reads of the buffers are done before the client may refill them. */
		__atomic_store_n(&r->tail, last, __ATOMIC_RELEASE);
		q->last = last;
	}
	vdk_eth_counter_add(&q->pkts, nb);
	vdk_eth_counter_add(&q->bytes, bytes);
	return nb;
}

/* Server, S2C ring: fill the buffers the client posted up to head, then move tail. */
static uint16_t
tx_server(struct memif_queue *q, struct memif_ring *r, struct vdk_mbuf **pkts, uint16_t n)
{
	struct { uint8_t *p; uint32_t cap; } buf[MEMIF_MAX_CHAIN];
	uint16_t size = (uint16_t)(q->mask + 1u);
	uint16_t tail = q->last, avail, k, j;
	const struct vdk_mbuf *s;
	struct memif_desc d;
	uint32_t have, off, len, c;
	struct vdk_mbuf *m;
	uint64_t bytes = 0;
	const uint8_t *src;
	uint16_t i;

	avail = (uint16_t)(__atomic_load_n(&r->head, __ATOMIC_ACQUIRE) - tail);
	if (vdk_unlikely(avail > size)) {
		queue_broken(q);
		return 0;
	}
	for (i = 0; i < n; i++) {
		m = pkts[i];
		/* Which posted buffers the packet takes, checked before a byte is written. */
		have = 0;
		k = 0;
		do {
			if (k == avail)
				goto out;	/* no room: the rest stays the caller's */
			if (vdk_unlikely(k == MEMIF_MAX_CHAIN))
				break;
			memcpy(&d, &r->desc[(uint16_t)(tail + k) & q->mask], sizeof(d));
			buf[k].p = server_buf(q, d.region, d.offset, d.length);
			if (vdk_unlikely(buf[k].p == NULL)) {
				queue_broken(q);
				goto out;
			}
			buf[k].cap = d.length;
			have += d.length;
			k++;
		} while (have < m->pkt_len);
		if (vdk_unlikely(have < m->pkt_len)) {
			/* The client's buffers are too small for it: dropped. */
			vdk_eth_counter_add(&q->errors, 1);
			vdk_pktmbuf_free(m);
			continue;
		}
		j = 0;
		off = 0;
		for (s = m; s != NULL; s = s->next) {
			src = vdk_pktmbuf_mtod(s, const uint8_t *);
			len = s->data_len;
			while (len > 0) {
				while (off == buf[j].cap) {
					/* Only a chain longer than its pkt_len gets here: cut it. */
					if (vdk_unlikely(j + 1u == k))
						goto last_slot;
					r->desc[(uint16_t)(tail + j) & q->mask].length = off;
					r->desc[(uint16_t)(tail + j) & q->mask].flags = MEMIF_DESC_FLAG_NEXT;
					j++;
					off = 0;
				}
				c = VDK_MIN(len, buf[j].cap - off);
				memcpy(buf[j].p + off, src, c);
				off += c;
				src += c;
				len -= c;
			}
		}
last_slot:
		/* The packet ends in its last slot. */
		r->desc[(uint16_t)(tail + j) & q->mask].length = off;
		r->desc[(uint16_t)(tail + j) & q->mask].flags = 0;
		tail = (uint16_t)(tail + j + 1);
		avail = (uint16_t)(avail - j - 1);
		bytes += m->pkt_len;
		vdk_pktmbuf_free(m);
	}
out:
	if (tail != q->last) {
		__atomic_store_n(&r->tail, tail, __ATOMIC_RELEASE);
		q->last = tail;
		queue_kick(q, r);
	}
	vdk_eth_counter_add(&q->pkts, i);
	vdk_eth_counter_add(&q->bytes, bytes);
	return i;
}

uint16_t
memif_rx_burst(void *vq, struct vdk_mbuf **pkts, uint16_t n)
{
	struct memif_queue *q = vq;
	struct memif_ring *r = queue_enter(q);
	uint16_t nb = 0;

	if (vdk_likely(r != NULL))
		nb = q->client ? rx_copy(q, r, pkts, n, true) : rx_copy(q, r, pkts, n, false);
	queue_leave(q);
	return nb;
}

uint16_t
memif_tx_burst(void *vq, struct vdk_mbuf **pkts, uint16_t n)
{
	struct memif_queue *q = vq;
	struct memif_ring *r = queue_enter(q);
	uint16_t nb = 0;

	if (vdk_likely(r != NULL))
		nb = q->client ? tx_client(q, r, pkts, n) : tx_server(q, r, pkts, n);
	queue_leave(q);
	return nb;
}
