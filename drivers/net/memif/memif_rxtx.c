/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * net_memif's datapath: copy mode, both roles, and the client's zero-copy
 * mode (memif_proto.h has the ring rules). What the peer wrote into shared memory is input: a count of
 * slots beyond the ring, a descriptor naming memory outside the regions
 * it gave us, or a length beyond its buffer marks the queue broken (the
 * control thread then disconnects) instead of being followed. Descriptor
 * fields are read once into locals, so the peer cannot change them
 * between the check and the use.
 */
#include <stdlib.h>
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

/* Both directions count errors in the field rx and tx share (memif_internal.h). */
_Static_assert(offsetof(struct vdk_eth_vport_rxq, errors) ==
	       offsetof(struct vdk_eth_vport_txq, errors), "rx and tx errors at one place");

/* The peer broke the ring's rules: stop using it and have it disconnected. */
static void
queue_broken(struct memif_queue *q)
{
	vdk_eth_counter_add(&q->vq.rx.errors, 1);
	if (__atomic_exchange_n(&q->broken, 1, __ATOMIC_RELAXED) == 0)
		memif_ctl_wake();
}

/*
 * After a burst moved head or tail: signal the peer if it receives by
 * interrupt (it has not masked them), as DPDK's and libmemif's tx do; a
 * peer that polls (MASK_INT, VDK's and DPDK's rx) costs no system call.
 * The fence keeps the flags load after the head or tail store: a peer
 * that unmasks, then looks at the ring once more before it sleeps, either
 * sees the packets or is seen unmasked. Without it the store can wait in
 * the store buffer while we read the old mask, and the peer sleeps on
 * packets that are there (a lock-prefixed no-op, once a burst).
 */
static inline void
queue_kick(struct memif_queue *q, const struct memif_ring *r)
{
	uint64_t one = 1;

	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (!(__atomic_load_n(&r->flags, __ATOMIC_RELAXED) & MEMIF_RING_FLAG_MASK_INT) &&
	    q->kick_fd >= 0 && write(q->kick_fd, &one, sizeof(one)) < 0)
		vdk_eth_counter_add(&q->vq.rx.errors, 1);
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

/*
 * Client: copy @m into our own buffers from slot @head on, chained by the
 * NEXT flag. @return the slots it took, 0 if it needs more than @room.
 */
static vdk_always_inline uint16_t
client_copy(const struct memif_queue *q, struct memif_ring *r, const struct vdk_mbuf *m,
	    uint16_t head, uint16_t room)
{
	const uint32_t bsize = q->bsize;
	const struct vdk_mbuf *s;
	uint32_t need, off, len, c;
	const uint8_t *src;
	uint16_t slot;
	uint8_t *dst;

	need = m->pkt_len <= bsize ? 1 : (m->pkt_len + bsize - 1) / bsize;
	if (need > room)
		return 0;
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
	return (uint16_t)(slot + 1 - head);
}

/* Client, C2S ring: fill our own buffers, then move head. */
static uint16_t
tx_client(struct memif_queue *q, struct memif_ring *r, struct vdk_mbuf **pkts, uint16_t n)
{
	uint16_t size = (uint16_t)(q->mask + 1u);
	uint16_t head = q->head, used, room;
	uint64_t bytes = 0;
	uint16_t i;

	used = (uint16_t)(head - __atomic_load_n(&r->tail, __ATOMIC_ACQUIRE));
	if (vdk_unlikely(used > size)) {
		queue_broken(q);
		return 0;
	}
	room = (uint16_t)(size - used);
	for (i = 0; i < n; i++) {
		used = client_copy(q, r, pkts[i], head, room);
		if (used == 0)
			break;
		room = (uint16_t)(room - used);
		head = (uint16_t)(head + used);
		bytes += pkts[i]->pkt_len;
		vdk_pktmbuf_free(pkts[i]);
	}
	if (i > 0) {
		/* The buffers and descriptors before the head that hands them over. */
		__atomic_store_n(&r->head, head, __ATOMIC_RELEASE);
		q->head = head;
		queue_kick(q, r);
	}
	vdk_eth_counter_add(&q->vq.tx.pkts, i);
	vdk_eth_counter_add(&q->vq.tx.bytes, bytes);
	return i;
}

/* ------------------------------------------------------------- zero-copy */

/* A slot of a zero-copy S2C ring posted with our own buffer, its mbuf kept for the copy. */
#define ZC_COPY_SLOT ((uintptr_t)1)

/*
 * The region and offset of @len bytes at @addr if a segment we exported
 * holds them all; false if none does (memory the EAL got after we
 * connected, or from elsewhere), or if a segment went since (the range
 * may be another segment now, which the peer never mapped).
 */
static inline bool
zc_find(struct memif_queue *q, const void *addr, uint32_t len, uint16_t *region, uint32_t *off)
{
	const struct memif_region *rg;
	uintptr_t a = (uintptr_t)addr;
	uint16_t i = q->zc_hint;

	if (vdk_unlikely(__atomic_load_n(&memif_mem_epoch, __ATOMIC_ACQUIRE) != q->zc_epoch))
		return false;
	rg = &q->regions[i];
	if (vdk_likely(a - (uintptr_t)rg->base < rg->size &&
		       a - (uintptr_t)rg->base + len <= rg->size))
		goto found;
	for (i = 1; i < q->nb_regions; i++) {
		rg = &q->regions[i];
		if (a - (uintptr_t)rg->base < rg->size &&
		    a - (uintptr_t)rg->base + len <= rg->size) {
			q->zc_hint = i;
			goto found;
		}
	}
	return false;
found:
	*region = i;
	*off = (uint32_t)(a - (uintptr_t)rg->base);
	return true;
}

/*
 * Zero-copy, S2C ring: an empty mbuf in every slot up to a ring ahead of
 * what we read, each descriptor pointing at its buffer, then move head.
 * An mbuf no exported region holds gets the slot's own buffer instead (a
 * copy slot), so the ring fills whatever the pool's memory.
 */
void
memif_zc_post(struct memif_queue *q, struct memif_ring *r)
{
	uint16_t head = q->head, end = (uint16_t)(q->last + q->mask + 1u), region, k, i;
	struct vdk_mbuf *mb[32], *m;
	struct memif_desc *d;
	uint32_t room, off;

	while (head != end) {
		k = (uint16_t)VDK_MIN((uint16_t)(end - head), VDK_DIM(mb));
		if (vdk_unlikely(vdk_pktmbuf_alloc_bulk(q->vq.rx.mp, mb, k) != 0)) {
			vdk_eth_counter_add(&q->vq.rx.nombuf, 1);
			break;
		}
		for (i = 0; i < k; i++, head++) {
			m = mb[i];
			room = vdk_pktmbuf_tailroom(m);
			d = &r->desc[head & q->mask];
			if (vdk_likely(zc_find(q, vdk_pktmbuf_mtod(m, void *), room, &region, &off))) {
				d->flags = 0;
				d->region = region;
				d->length = room;
				d->offset = off;
				q->mbufs[head & q->mask] = m;
			} else {
				client_desc(q, r, head, 0, VDK_MIN(room, q->bsize));
				q->mbufs[head & q->mask] = (struct vdk_mbuf *)((uintptr_t)m | ZC_COPY_SLOT);
			}
		}
	}
	if (head != q->head) {
		/* The descriptors before the head that posts them. */
		__atomic_store_n(&r->head, head, __ATOMIC_RELEASE);
		q->head = head;
	}
}

void
memif_zc_release(struct memif_queue *q)
{
	unsigned int i;

	if (q->mbufs == NULL)
		return;
	for (i = 0; i <= q->mask; i++)
		if (q->mbufs[i] != NULL)
			vdk_pktmbuf_free((struct vdk_mbuf *)((uintptr_t)q->mbufs[i] & ~ZC_COPY_SLOT));
	free(q->mbufs);
	q->mbufs = NULL;
}

/*
 * Zero-copy client, S2C ring: the server wrote straight into the mbufs we
 * posted; take them up to tail (one mbuf a slot, chained by the NEXT
 * flag), post new ones. Only the lengths and flags are the server's: the
 * mbufs are found from our own record of the slots, never from a
 * descriptor's region and offset, and a length beyond what we posted
 * drops the packet.
 */
static uint16_t
rx_zc(struct memif_queue *q, struct memif_ring *r, struct vdk_mbuf **pkts, uint16_t n)
{
	uint16_t last = q->last, posted = (uint16_t)(q->head - last), avail, k, j, s, flags;
	struct vdk_mbuf *m, *head, *prev;
	uint64_t bytes = 0, copies = 0;
	uint32_t len, cap;
	uint16_t nb = 0;
	uintptr_t t;
	bool bad;

	avail = (uint16_t)(__atomic_load_n(&r->tail, __ATOMIC_ACQUIRE) - last);
	if (vdk_unlikely(avail > posted)) {
		queue_broken(q);
		return 0;
	}
	while (nb < n && avail > 0) {
		/* The packet's slots, from flags read once. */
		k = 0;
		do {
			if (vdk_unlikely(k == avail)) {
				/* The rest is not there yet; a chain through all we posted never ends. */
				if (avail == q->mask + 1u)
					queue_broken(q);
				goto out;
			}
			flags = __atomic_load_n(&r->desc[(uint16_t)(last + k) & q->mask].flags,
						__ATOMIC_RELAXED);
			k++;
		} while (flags & MEMIF_DESC_FLAG_NEXT);
		head = prev = NULL;
		bad = false;
		for (j = 0; j < k; j++) {
			s = (uint16_t)(last + j) & q->mask;
			t = (uintptr_t)q->mbufs[s];
			q->mbufs[s] = NULL;
			m = (struct vdk_mbuf *)(t & ~ZC_COPY_SLOT);
			len = __atomic_load_n(&r->desc[s].length, __ATOMIC_RELAXED);
			cap = vdk_pktmbuf_tailroom(m);
			if (t & ZC_COPY_SLOT)
				cap = VDK_MIN(cap, q->bsize);
			if (vdk_unlikely(len > cap))
				bad = true;
			else if (vdk_unlikely(t & ZC_COPY_SLOT))
				memcpy(vdk_pktmbuf_mtod(m, void *), client_buf(q, s), len);
			copies += (t & ZC_COPY_SLOT) && j == 0;
			m->data_len = (uint16_t)(bad ? 0 : len);
			if (head == NULL) {
				head = m;
				head->pkt_len = m->data_len;
			} else {
				prev->next = m;
				head->nb_segs++;
				head->pkt_len += m->data_len;
			}
			prev = m;
		}
		avail = (uint16_t)(avail - k);
		last = (uint16_t)(last + k);
		if (vdk_unlikely(bad)) {
			vdk_pktmbuf_free(head);
			vdk_eth_counter_add(&q->vq.rx.errors, 1);
			continue;
		}
		head->port = q->vq.rx.port_id;
		bytes += head->pkt_len;
		pkts[nb++] = head;
	}
out:
	q->last = last;
	memif_zc_post(q, r);
	vdk_eth_counter_add(&q->vq.rx.pkts, nb);
	vdk_eth_counter_add(&q->vq.rx.bytes, bytes);
	if (copies != 0)
		vdk_eth_counter_add(&q->copies, copies);
	return nb;
}

/*
 * Zero-copy client, C2S ring: each segment of a packet takes a slot whose
 * descriptor points at the segment's data; the mbuf stays in the ring
 * until the server moves tail past it. A packet with a segment outside
 * what we exported is copied into our own buffers instead.
 */
static uint16_t
tx_zc(struct memif_queue *q, struct memif_ring *r, struct vdk_mbuf **pkts, uint16_t n)
{
	uint16_t size = (uint16_t)(q->mask + 1u);
	uint16_t head = q->head, last = q->last, tail, room, slot, region, used;
	struct memif_desc *d;
	struct vdk_mbuf *m, *s;
	uint64_t bytes = 0, copies = 0;
	uint32_t off;
	uint16_t i;

	tail = __atomic_load_n(&r->tail, __ATOMIC_ACQUIRE);
	if (vdk_unlikely((uint16_t)(tail - last) > (uint16_t)(head - last))) {
		queue_broken(q);
		return 0;
	}
	/* What the server has read is ours again. */
	for (; last != tail; last++) {
		m = q->mbufs[last & q->mask];
		if (m != NULL) {
			q->mbufs[last & q->mask] = NULL;
			vdk_pktmbuf_free(m);
		}
	}
	q->last = last;
	room = (uint16_t)(size - (uint16_t)(head - tail));
	for (i = 0; i < n; i++) {
		m = pkts[i];
		if (m->nb_segs > room)
			break;
		slot = head;
		for (s = m; s != NULL && (uint16_t)(slot - head) < room; s = s->next, slot++) {
			if (vdk_unlikely(!zc_find(q, vdk_pktmbuf_mtod(s, void *), s->data_len, &region,
						  &off)))
				break;
			d = &r->desc[slot & q->mask];
			d->flags = s->next != NULL ? MEMIF_DESC_FLAG_NEXT : 0;
			d->region = region;
			d->length = s->data_len;
			d->offset = off;
		}
		if (vdk_likely(s == NULL)) {
			/* The last slot holds the packet: freeing it frees the chain. */
			used = (uint16_t)(slot - head);
			q->mbufs[(uint16_t)(slot - 1) & q->mask] = m;
		} else {
			used = client_copy(q, r, m, head, room);
			if (used == 0)
				break;
			copies++;
			vdk_pktmbuf_free(m);
		}
		room = (uint16_t)(room - used);
		head = (uint16_t)(head + used);
		bytes += m->pkt_len;
	}
	if (i > 0) {
		__atomic_store_n(&r->head, head, __ATOMIC_RELEASE);
		q->head = head;
		queue_kick(q, r);
	}
	vdk_eth_counter_add(&q->vq.tx.pkts, i);
	vdk_eth_counter_add(&q->vq.tx.bytes, bytes);
	if (copies != 0)
		vdk_eth_counter_add(&q->copies, copies);
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
		m = vdk_pktmbuf_alloc(q->vq.rx.mp);
		if (vdk_unlikely(m == NULL)) {
			vdk_eth_counter_add(&q->vq.rx.nombuf, 1);
			break;
		}
		m->port = q->vq.rx.port_id;
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
			if (!bad && vdk_unlikely(mbuf_put(m, q->vq.rx.mp, src, len) != 0))
				bad = true;
			slot++;
		} while (flags & MEMIF_DESC_FLAG_NEXT);
		avail = (uint16_t)(avail - (uint16_t)(slot - last));
		last = slot;
		if (vdk_unlikely(bad)) {
			/* Too long for its buffer, or no mbufs for a long chain: dropped. */
			vdk_pktmbuf_free(m);
			vdk_eth_counter_add(&q->vq.rx.errors, 1);
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
	vdk_eth_counter_add(&q->vq.rx.pkts, nb);
	vdk_eth_counter_add(&q->vq.rx.bytes, bytes);
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
			vdk_eth_counter_add(&q->vq.tx.errors, 1);
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
	vdk_eth_counter_add(&q->vq.tx.pkts, i);
	vdk_eth_counter_add(&q->vq.tx.bytes, bytes);
	return i;
}

uint16_t
memif_rx_burst(void *vq, struct vdk_mbuf **pkts, uint16_t n)
{
	struct memif_queue *q = vq;
	struct memif_ring *r = queue_enter(q);
	uint16_t nb = 0;

	if (vdk_likely(r != NULL))
		nb = !q->client ? rx_copy(q, r, pkts, n, false)
				: q->zc ? rx_zc(q, r, pkts, n) : rx_copy(q, r, pkts, n, true);
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
		nb = !q->client ? tx_server(q, r, pkts, n)
				: q->zc ? tx_zc(q, r, pkts, n) : tx_client(q, r, pkts, n);
	queue_leave(q);
	return nb;
}
