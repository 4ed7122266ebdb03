/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * `set verbose`: the forwarding lcore prints each burst it receives
 * (level bit 1) or sends (bit 2), one line a packet, in the shape of DPDK
 * testpmd's dump: port and queue, then the addresses, EtherType, length
 * and segments of each packet. It is for a few packets at a time: the
 * lcore writes to the terminal at the speed of the terminal.
 */
#include <inttypes.h>

#include "testpmd.h"
#include "vdk_mbuf.h"

void
fwd_dump_packets(uint16_t port, uint16_t queue, struct vdk_mbuf **pkts, uint16_t n, bool rx)
{
	char src[VDK_ETHER_ADDR_FMT_SIZE], dst[VDK_ETHER_ADDR_FMT_SIZE];
	const struct vdk_ether_hdr *eth;
	FILE *f = tp.out;
	uint16_t i;

	flockfile(f);
	fprintf(f, "port %u/queue %u: %s %u packets\n", port, queue, rx ? "received" : "sent", n);
	for (i = 0; i < n; i++) {
		const struct vdk_mbuf *m = pkts[i];

		if (m->data_len < VDK_ETHER_HDR_LEN) {
			fprintf(f, "  length=%" PRIu32 " - nb_segs=%u - runt\n", m->pkt_len,
				m->nb_segs);
			continue;
		}
		eth = vdk_pktmbuf_mtod(m, const struct vdk_ether_hdr *);
		vdk_ether_format_addr(src, sizeof(src), &eth->src_addr);
		vdk_ether_format_addr(dst, sizeof(dst), &eth->dst_addr);
		fprintf(f, "  src=%s - dst=%s - pool=%s - type=0x%04x - length=%" PRIu32
			" - nb_segs=%u - %s queue=0x%x\n", src, dst, m->pool->name,
			vdk_be16(eth->ether_type), m->pkt_len, m->nb_segs,
			rx ? "Receive" : "Send", queue);
	}
	funlockfile(f);
}
