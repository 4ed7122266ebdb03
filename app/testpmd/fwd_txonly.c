/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * txonly: send UDP/IPv4 packets of the --txpkts length (198.18.0.1:9 to
 * 198.18.0.2:9, the benchmarking range of RFC 2544), from the tx port's
 * MAC address to its peer's, in as many segments as --txpkts lists. With
 * --txonly-multi-flow the source address walks 198.18.0.1 .. 198.18.0.255,
 * a packet each, so that a receiver's RSS has flows to spread.
 *
 * flowgen: the same packets to TP_FLOWGEN_FLOWS destinations, 198.18.0.2
 * upwards, one flow a packet in turn; what it receives it frees.
 */
#include <string.h>

#include "testpmd.h"
#include "vdk_mbuf.h"

#define TXONLY_SRC_IP 0xc6120001u	/* 198.18.0.1 */
#define TXONLY_DST_IP 0xc6120002u	/* 198.18.0.2 */
#define TXONLY_PORT 9			/* discard */

void
fwd_txonly_template(struct fwd_config *cfg)
{
	struct vdk_ipv4_hdr ip = { 0 };
	struct vdk_udp_hdr udp = { 0 };
	uint16_t l3_len = (uint16_t)(cfg->txpkt_len - VDK_ETHER_HDR_LEN);
	uint16_t p;

	ip.version_ihl = 0x45;
	ip.total_length = vdk_cpu_to_be16(l3_len);
	ip.time_to_live = 64;
	ip.next_proto_id = VDK_IPPROTO_UDP;
	ip.src_addr = vdk_cpu_to_be32(TXONLY_SRC_IP);
	ip.dst_addr = vdk_cpu_to_be32(TXONLY_DST_IP);
	ip.hdr_checksum = vdk_ipv4_cksum(&ip);
	udp.src_port = vdk_cpu_to_be16(TXONLY_PORT);
	udp.dst_port = vdk_cpu_to_be16(TXONLY_PORT);
	udp.dgram_len = vdk_cpu_to_be16((uint16_t)(l3_len - sizeof(ip)));
	udp.dgram_cksum = 0;	/* "no checksum": the payload is whatever the buffer held */
	for (p = 0; p < TP_MAX_PORTS; p++) {
		struct vdk_ether_hdr eth = {
			.dst_addr = cfg->peer_addr[p],
			.src_addr = cfg->port_addr[p],
			.ether_type = vdk_cpu_to_be16(VDK_ETHER_TYPE_IPV4),
		};

		memcpy(cfg->txonly_hdr[p], &eth, sizeof(eth));
		memcpy(cfg->txonly_hdr[p] + sizeof(eth), &ip, sizeof(ip));
		memcpy(cfg->txonly_hdr[p] + sizeof(eth) + sizeof(ip), &udp, sizeof(udp));
	}
}

/* A fresh mbuf from the pool has next NULL, nb_segs 1, refcnt 1. */
static inline void
seg_init(struct vdk_mbuf *m, uint16_t len)
{
	m->data_off = VDK_PKTMBUF_HEADROOM;
	m->data_len = len;
	m->pkt_len = len;
	m->ol_flags = 0;
	m->packet_type = 0;
	m->vlan_tci = 0;
	m->port = VDK_MBUF_PORT_INVALID;
}

/* Add the segments after the first; on a short pool, give up the packet. */
static int
add_segments(struct vdk_mbuf *m, const struct fwd_config *cfg)
{
	struct vdk_mbuf *seg, *last = m;
	uint16_t s;

	for (s = 1; s < cfg->nb_txsegs; s++) {
		seg = vdk_pktmbuf_alloc(cfg->pool);
		if (seg == NULL)
			return -1;
		seg->data_len = cfg->txsegs[s];
		last->next = seg;
		last = seg;
		m->nb_segs++;
	}
	m->pkt_len = cfg->txpkt_len;
	return 0;
}

/* Give the packet's IPv4 header the address @off after the template's, and its checksum. */
static inline void
set_flow(struct vdk_mbuf *m, bool dst, uint32_t base, uint32_t off)
{
	struct vdk_ipv4_hdr *ip = vdk_pktmbuf_mtod_offset(m, struct vdk_ipv4_hdr *,
							  VDK_ETHER_HDR_LEN);

	if (dst)
		ip->dst_addr = vdk_cpu_to_be32(base + off);
	else
		ip->src_addr = vdk_cpu_to_be32(base + off);
	ip->hdr_checksum = 0;
	ip->hdr_checksum = vdk_ipv4_cksum(ip);
}

/* Send one burst of template packets; @flowgen: a destination each, else --txonly-multi-flow. */
static void
send_burst(struct fwd_stream *fs, const struct fwd_config *cfg, bool flowgen)
{
	const uint8_t *hdr = cfg->txonly_hdr[fs->tx_port];
	struct vdk_mbuf *pkts[TP_MAX_BURST];
	uint16_t n = cfg->burst, i;

	if (vdk_unlikely(vdk_mempool_get_bulk(cfg->pool, (void **)pkts, n) != 0))
		return;
	for (i = 0; i < n; i++) {
		seg_init(pkts[i], cfg->txsegs[0]);
		if (vdk_unlikely(cfg->nb_txsegs > 1) && add_segments(pkts[i], cfg) != 0) {
			vdk_pktmbuf_free_bulk(&pkts[i], n - i);
			n = i;
			break;
		}
		memcpy(vdk_pktmbuf_mtod(pkts[i], uint8_t *), hdr, TP_TXONLY_HDR_LEN);
		if (flowgen) {
			set_flow(pkts[i], true, TXONLY_DST_IP, fs->next_flow);
			fs->next_flow = (fs->next_flow + 1) % TP_FLOWGEN_FLOWS;
		} else if (vdk_unlikely(cfg->txonly_multi_flow)) {
			set_flow(pkts[i], false, TXONLY_SRC_IP, fs->next_flow);
			fs->next_flow = (fs->next_flow + 1) % 255;
		}
	}
	if (n == 0)
		return;
	fwd_tx(fs, cfg, pkts, n);
}

static void
fwd_txonly(struct fwd_stream *fs, const struct fwd_config *cfg)
{
	send_burst(fs, cfg, false);
}

static void
fwd_flowgen(struct fwd_stream *fs, const struct fwd_config *cfg)
{
	struct vdk_mbuf *pkts[TP_MAX_BURST];
	uint16_t n;

	n = fwd_rx(fs, cfg, pkts);
	if (n > 0)
		vdk_pktmbuf_free_bulk(pkts, n);
	send_burst(fs, cfg, true);
}

const struct fwd_engine fwd_txonly_engine = { .name = "txonly", .fwd = fwd_txonly };
const struct fwd_engine fwd_flowgen_engine = { .name = "flowgen", .fwd = fwd_flowgen };
