/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * net_af_packet's datapath over the kernel's mmapped packet rings
 * (Documentation/networking/packet_mmap.rst).
 *
 * Receive reads TPACKET_V3 blocks: the kernel packs packets into a block
 * and hands it to user space whole (block_status TP_STATUS_USER); we copy
 * each packet into an mbuf chain and give the block back (TP_STATUS_KERNEL)
 * once every packet in it is read. Transmit fills fixed-size frames in
 * order, marks each TP_STATUS_SEND_REQUEST, and kicks the kernel with one
 * sendto() per burst; the kernel sets a frame back to available when the
 * packet has left.
 */
#include <errno.h>
#include <linux/if_packet.h>
#include <string.h>
#include <sys/socket.h>

#include "af_packet_internal.h"
#include "vdk_mbuf.h"

/* The packet @h as an mbuf chain, its VLAN tag put back if the kernel took it out. */
static struct vdk_mbuf *
packet_to_mbuf(struct afp_rxq *q, const struct tpacket3_hdr *h)
{
	const uint8_t *data = (const uint8_t *)h + h->tp_mac;
	struct vdk_mbuf *m;
	uint8_t tag[4];
	uint16_t tpid;

	m = vdk_pktmbuf_alloc(q->vq.mp);
	if (vdk_unlikely(m == NULL))
		return NULL;
	m->port = q->vq.port_id;
	if ((h->tp_status & TP_STATUS_VLAN_VALID) && h->tp_snaplen >= 12) {
		tpid = (h->tp_status & TP_STATUS_VLAN_TPID_VALID) ? h->hv1.tp_vlan_tpid : 0x8100;
		tag[0] = (uint8_t)(tpid >> 8);
		tag[1] = (uint8_t)tpid;
		tag[2] = (uint8_t)(h->hv1.tp_vlan_tci >> 8);
		tag[3] = (uint8_t)h->hv1.tp_vlan_tci;
		m->vlan_tci = (uint16_t)h->hv1.tp_vlan_tci;
		m->ol_flags |= VDK_MBUF_F_RX_VLAN;
		if (vdk_pktmbuf_append_copy(m, q->vq.mp, data, 12) ||
		    vdk_pktmbuf_append_copy(m, q->vq.mp, tag, 4) ||
		    vdk_pktmbuf_append_copy(m, q->vq.mp, data + 12, h->tp_snaplen - 12))
			goto fail;
	} else if (vdk_pktmbuf_append_copy(m, q->vq.mp, data, h->tp_snaplen)) {
		goto fail;
	}
	return m;
fail:
	vdk_pktmbuf_free(m);
	return NULL;
}

static inline struct tpacket_block_desc *
rx_block(const struct afp_rxq *q, uint32_t i)
{
	return (struct tpacket_block_desc *)(q->ring + (size_t)i * q->block_size);
}

static inline void
rx_block_release(struct afp_rxq *q)
{
	/* Our reads of the block are done before the kernel may refill it. */
	__atomic_store_n(&rx_block(q, q->block)->hdr.bh1.block_status, TP_STATUS_KERNEL,
			 __ATOMIC_RELEASE);
	q->block = q->block + 1 == q->nb_blocks ? 0 : q->block + 1;
}

uint16_t
afp_rx_burst(void *vq, struct vdk_mbuf **pkts, uint16_t n)
{
	struct afp_rxq *q = vq;
	struct tpacket_block_desc *bd;
	const struct tpacket3_hdr *h;
	struct vdk_mbuf *m;
	uint64_t bytes = 0;
	uint16_t nb = 0;

	/*
	 * Frames the kernel could not take at the last tx burst's kick are
	 * sent by the next one; if traffic stopped, this poll sends them.
	 */
	if (vdk_unlikely(__atomic_load_n(&q->txq->kick_pending, __ATOMIC_RELAXED))) {
		__atomic_store_n(&q->txq->kick_pending, 0, __ATOMIC_RELAXED);
		if (sendto(q->txq->fd, NULL, 0, MSG_DONTWAIT, NULL, 0) < 0)
			__atomic_store_n(&q->txq->kick_pending, 1, __ATOMIC_RELAXED);
	}
	while (nb < n) {
		if (q->left == 0) {
			bd = rx_block(q, q->block);
			/* Acquire: the packets are written before the status says so. */
			if (!(__atomic_load_n(&bd->hdr.bh1.block_status, __ATOMIC_ACQUIRE) &
			      TP_STATUS_USER))
				break;
			q->left = bd->hdr.bh1.num_pkts;
			q->next_pkt = (uint8_t *)bd + bd->hdr.bh1.offset_to_first_pkt;
			if (q->left == 0) {
				rx_block_release(q);
				continue;
			}
		}
		h = (const struct tpacket3_hdr *)q->next_pkt;
		if (vdk_unlikely(h->tp_snaplen < h->tp_len)) {
			q->vq.errors++;	/* cut short by the ring: not the packet sent */
			m = NULL;
		} else {
			m = packet_to_mbuf(q, h);
			if (vdk_unlikely(m == NULL)) {
				/* Leave the packet for the next burst. */
				vdk_eth_counter_add(&q->vq.nombuf, 1);
				break;
			}
			pkts[nb++] = m;
			bytes += m->pkt_len;
		}
		q->next_pkt += h->tp_next_offset;
		if (--q->left == 0)
			rx_block_release(q);
	}
	vdk_eth_counter_add(&q->vq.pkts, nb);
	vdk_eth_counter_add(&q->vq.bytes, bytes);
	return nb;
}

static inline struct tpacket3_hdr *
tx_frame(const struct afp_txq *q, uint32_t i)
{
	return (struct tpacket3_hdr *)(q->ring + (size_t)(i / q->frames_per_block) * q->block_size +
				       (size_t)(i % q->frames_per_block) * q->frame_size);
}

uint16_t
afp_tx_burst(void *vq, struct vdk_mbuf **pkts, uint16_t n)
{
	struct afp_txq *q = vq;
	struct tpacket3_hdr *h;
	struct vdk_mbuf *m, *s;
	uint32_t status, off;
	uint64_t bytes = 0, queued = 0;
	uint16_t i;

	for (i = 0; i < n; i++) {
		h = tx_frame(q, q->frame);
		status = __atomic_load_n(&h->tp_status, __ATOMIC_ACQUIRE);
		if (status & (TP_STATUS_SEND_REQUEST | TP_STATUS_SENDING))
			break;	/* the ring is full: the rest stays the caller's */
		if (vdk_unlikely(status & TP_STATUS_WRONG_FORMAT))
			q->vq.errors++;	/* the kernel refused what this frame held last */
		m = pkts[i];
		if (vdk_unlikely(m->pkt_len > q->frame_size - AFP_TX_DATA_OFF)) {
			q->vq.errors++;
			vdk_pktmbuf_free(m);
			continue;
		}
		off = 0;
		for (s = m; s != NULL; s = s->next) {
			memcpy((uint8_t *)h + AFP_TX_DATA_OFF + off, vdk_pktmbuf_mtod(s, void *),
			       s->data_len);
			off += s->data_len;
		}
		h->tp_len = m->pkt_len;
		h->tp_snaplen = m->pkt_len;
		h->tp_next_offset = 0;
		/* The frame's content before the status that hands it over. */
		__atomic_store_n(&h->tp_status, TP_STATUS_SEND_REQUEST, __ATOMIC_RELEASE);
		q->frame = q->frame + 1 == q->nb_frames ? 0 : q->frame + 1;
		bytes += m->pkt_len;
		queued++;
		vdk_pktmbuf_free(m);
	}
	/* Frames the kernel cannot take now stay requested: the next kick sends them. */
	if (queued > 0 && sendto(q->fd, NULL, 0, MSG_DONTWAIT, NULL, 0) < 0) {
		if (errno == EAGAIN || errno == ENOBUFS || errno == EWOULDBLOCK)
			__atomic_store_n(&q->kick_pending, 1, __ATOMIC_RELAXED);
		else
			q->vq.errors++;
	}
	vdk_eth_counter_add(&q->vq.pkts, queued);
	vdk_eth_counter_add(&q->vq.bytes, bytes);
	return i;
}
