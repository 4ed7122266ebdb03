/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * net_pcap's datapath through libpcap. Receive copies each frame libpcap
 * hands over (from a file, from a preloaded capture, or from a live
 * interface) into an mbuf chain; transmit writes each frame to a capture
 * file stamped with the burst's time, or injects it on an interface.
 * Reading a file and writing one are buffered by libpcap (stdio), so a
 * burst makes a system call only when a buffer fills or drains.
 */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "pcap_internal.h"
#include "vdk_mbuf.h"

static struct vdk_mbuf *
frame_to_mbuf(struct pcap_rxq *q, const uint8_t *data, uint32_t len)
{
	struct vdk_mbuf *m = vdk_pktmbuf_alloc(q->vq.mp);

	if (vdk_unlikely(m == NULL))
		return NULL;
	m->port = q->vq.port_id;
	if (vdk_unlikely(vdk_pktmbuf_append_copy(m, q->vq.mp, data, len) != 0)) {
		vdk_pktmbuf_free(m);
		return NULL;
	}
	return m;
}

static uint16_t
replay_burst(struct pcap_rxq *q, struct vdk_mbuf **pkts, uint16_t n)
{
	struct pcap_replay *r = q->replay;
	uint64_t bytes = 0;
	uint16_t nb;

	for (nb = 0; nb < n; nb++) {
		pkts[nb] = frame_to_mbuf(q, r->data + r->off[r->next], r->len[r->next]);
		if (vdk_unlikely(pkts[nb] == NULL)) {
			vdk_eth_counter_add(&q->vq.nombuf, 1);
			break;
		}
		bytes += r->len[r->next];
		r->next = r->next + 1 == r->nb ? 0 : r->next + 1;
	}
	vdk_eth_counter_add(&q->vq.pkts, nb);
	vdk_eth_counter_add(&q->vq.bytes, bytes);
	return nb;
}

uint16_t
pcap_port_rx_burst(void *vq, struct vdk_mbuf **pkts, uint16_t n)
{
	struct pcap_rxq *q = vq;
	struct pcap_pkthdr *h;
	const u_char *data;
	uint64_t bytes = 0;
	uint16_t nb = 0;
	int ret;

	if (q->replay != NULL)
		return replay_burst(q, pkts, n);
	if (q->pcap == NULL || q->eof)
		return 0;
	while (nb < n) {
		if (q->pending_h != NULL) {
			h = q->pending_h;
			data = q->pending_data;
			q->pending_h = NULL;
		} else {
			ret = pcap_next_ex(q->pcap, &h, &data);
			if (ret != 1) {
				if (ret == PCAP_ERROR_BREAK)	/* the end of a file */
					q->eof = true;
				else if (ret != 0)	/* 0: a live interface has nothing now */
					vdk_eth_counter_add(&q->vq.errors, 1);
				break;
			}
		}
		/* A frame the capture cut short (caplen < len) is replayed as recorded. */
		pkts[nb] = frame_to_mbuf(q, data, h->caplen);
		if (vdk_unlikely(pkts[nb] == NULL)) {
			vdk_eth_counter_add(&q->vq.nombuf, 1);
			q->pending_h = h;
			q->pending_data = data;
			break;
		}
		bytes += h->caplen;
		nb++;
	}
	vdk_eth_counter_add(&q->vq.pkts, nb);
	vdk_eth_counter_add(&q->vq.bytes, bytes);
	return nb;
}

uint16_t
pcap_port_tx_burst(void *vq, struct vdk_mbuf **pkts, uint16_t n)
{
	struct pcap_txq *q = vq;
	struct pcap_pkthdr h;
	struct timespec now;
	const void *data;
	uint64_t bytes = 0, sent = 0;
	uint16_t i;

	if (q->dumper != NULL) {
		/* One stamp a burst; the file is nanosecond-resolution pcap. */
		clock_gettime(CLOCK_REALTIME, &now);
		h.ts.tv_sec = now.tv_sec;
		h.ts.tv_usec = now.tv_nsec;
	}
	for (i = 0; i < n; i++) {
		struct vdk_mbuf *m = pkts[i];

		if (q->dumper == NULL && q->live == NULL) {
			/* No sink: counted as sent and in tx_discarded, as DPDK's port does. */
			vdk_eth_counter_add(&q->discarded, 1);
			bytes += m->pkt_len;
			sent++;
			vdk_pktmbuf_free(m);
			continue;
		}
		if (vdk_unlikely(m->pkt_len > PCAP_PORT_SNAPLEN)) {
			q->vq.errors++;
			vdk_pktmbuf_free(m);
			continue;
		}
		data = vdk_pktmbuf_read(m, 0, m->pkt_len, q->linear);
		if (q->dumper != NULL) {
			h.caplen = h.len = m->pkt_len;
			pcap_dump((u_char *)q->dumper, &h, data);
		} else if (pcap_inject(q->live, data, m->pkt_len) < 0) {
			/* The interface's queue is full: the rest stays the caller's. */
			if (errno == EAGAIN || errno == ENOBUFS)
				break;
			q->vq.errors++;
			vdk_pktmbuf_free(m);
			continue;
		}
		bytes += m->pkt_len;
		sent++;
		vdk_pktmbuf_free(m);
	}
	vdk_eth_counter_add(&q->vq.pkts, sent);
	vdk_eth_counter_add(&q->vq.bytes, bytes);
	return i;
}
