/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * csum: check the IPv4 header and the UDP/TCP checksums of each received
 * packet (counting the bad ones), put right checksums in, rewrite the MAC
 * addresses as the mac engine does, and send. A checksum the tx port can
 * fill in (its tx offloads) is left to it: the mbuf asks for it instead.
 * Headers must sit in the first segment; the L4 checksum of a chained
 * packet is left alone.
 */
#include <stddef.h>
#include <string.h>

#include "testpmd.h"
#include "vdk_mbuf.h"

/* True if checksum @stored equals @want in one's complement (0 and ffff alike). */
static bool
cksum_ok(uint16_t stored, uint16_t want)
{
	return vdk_cksum_fold((uint32_t)(uint16_t)~want + stored) == 0xffff;
}

static void
csum_l4(struct fwd_stream *fs, struct vdk_mbuf *m, uint8_t proto, uint8_t *l4, size_t l4_len,
	uint16_t want, uint64_t tx_offloads)
{
	uint64_t offload, flag;
	uint16_t stored;
	uint8_t *field;
	bool check;

	if (proto == VDK_IPPROTO_UDP && l4_len >= sizeof(struct vdk_udp_hdr)) {
		field = l4 + offsetof(struct vdk_udp_hdr, dgram_cksum);
		offload = VDK_ETH_TX_OFFLOAD_UDP_CKSUM;
		flag = VDK_MBUF_F_TX_UDP_CKSUM;
	} else if (proto == VDK_IPPROTO_TCP && l4_len >= sizeof(struct vdk_tcp_hdr)) {
		field = l4 + offsetof(struct vdk_tcp_hdr, cksum);
		offload = VDK_ETH_TX_OFFLOAD_TCP_CKSUM;
		flag = VDK_MBUF_F_TX_TCP_CKSUM;
	} else {
		return;
	}
	/* The field may sit at any alignment the packet gives it. */
	memcpy(&stored, field, sizeof(stored));
	/* A zero UDP checksum means the sender computed none: not an error. */
	check = !(proto == VDK_IPPROTO_UDP && stored == 0) &&
		!(m->ol_flags & VDK_MBUF_F_RX_L4_CKSUM_GOOD);
	if (check && ((m->ol_flags & VDK_MBUF_F_RX_L4_CKSUM_BAD) || !cksum_ok(stored, want)))
		fs->rx_bad_l4_csum++;
	if (tx_offloads & offload) {
		stored = 0;
		m->ol_flags |= flag;
	} else {
		stored = want;
	}
	memcpy(field, &stored, sizeof(stored));
}

void
fwd_csum_packet(struct fwd_stream *fs, struct vdk_mbuf *m, uint64_t tx_offloads)
{
	uint8_t *p = vdk_pktmbuf_mtod(m, uint8_t *);
	uint32_t len = m->data_len, off = VDK_ETHER_HDR_LEN;
	struct vdk_ether_hdr *eth = (struct vdk_ether_hdr *)p;
	uint16_t type, want;
	int tags = 0;

	if (len < VDK_ETHER_HDR_LEN)
		return;
	type = vdk_be16(eth->ether_type);
	while ((type == VDK_ETHER_TYPE_VLAN || type == VDK_ETHER_TYPE_QINQ) && tags < 2 &&
	       off + sizeof(struct vdk_vlan_hdr) <= len) {
		type = vdk_be16(((struct vdk_vlan_hdr *)(p + off))->eth_proto);
		off += sizeof(struct vdk_vlan_hdr);
		tags++;
	}
	m->ol_flags &= ~(VDK_MBUF_F_TX_L4_MASK | VDK_MBUF_F_TX_IP_CKSUM | VDK_MBUF_F_TX_IPV4 |
			 VDK_MBUF_F_TX_IPV6);
	m->l2_len = off;
	if (type == VDK_ETHER_TYPE_IPV4 && off + sizeof(struct vdk_ipv4_hdr) <= len) {
		struct vdk_ipv4_hdr *ip = (struct vdk_ipv4_hdr *)(p + off);
		unsigned int hlen = vdk_ipv4_hdr_len(ip);
		uint32_t tot = vdk_be16(ip->total_length);

		if (hlen < sizeof(*ip) || off + hlen > len || tot < hlen || off + tot > m->pkt_len)
			return;
		want = vdk_ipv4_cksum(ip);
		if (!(m->ol_flags & VDK_MBUF_F_RX_IP_CKSUM_GOOD) &&
		    ((m->ol_flags & VDK_MBUF_F_RX_IP_CKSUM_BAD) || !cksum_ok(ip->hdr_checksum, want)))
			fs->rx_bad_ip_csum++;
		m->l3_len = hlen;
		m->ol_flags |= VDK_MBUF_F_TX_IPV4;
		if (tx_offloads & VDK_ETH_TX_OFFLOAD_IPV4_CKSUM) {
			ip->hdr_checksum = 0;
			m->ol_flags |= VDK_MBUF_F_TX_IP_CKSUM;
		} else {
			ip->hdr_checksum = want;
		}
		/* Fragments carry no whole L4 header to check. */
		if ((vdk_be16(ip->fragment_offset) & 0x3fff) != 0 || m->nb_segs > 1 ||
		    off + tot > len)
			return;
		csum_l4(fs, m, ip->next_proto_id, (uint8_t *)ip + hlen, tot - hlen,
			ip->next_proto_id == VDK_IPPROTO_UDP ||
					ip->next_proto_id == VDK_IPPROTO_TCP ?
				vdk_ipv4_udptcp_cksum(ip, (uint8_t *)ip + hlen) : 0,
			tx_offloads);
	} else if (type == VDK_ETHER_TYPE_IPV6 && off + sizeof(struct vdk_ipv6_hdr) <= len) {
		struct vdk_ipv6_hdr *ip6 = (struct vdk_ipv6_hdr *)(p + off);
		uint32_t pl = vdk_be16(ip6->payload_len);

		m->l3_len = sizeof(*ip6);
		m->ol_flags |= VDK_MBUF_F_TX_IPV6;
		if (m->nb_segs > 1 || off + sizeof(*ip6) + pl > len)
			return;
		csum_l4(fs, m, ip6->proto, (uint8_t *)(ip6 + 1), pl,
			ip6->proto == VDK_IPPROTO_UDP || ip6->proto == VDK_IPPROTO_TCP ?
				vdk_ipv6_udptcp_cksum(ip6, ip6 + 1) : 0,
			tx_offloads);
	}
}

static void
fwd_csum(struct fwd_stream *fs, const struct fwd_config *cfg)
{
	const struct vdk_ether_addr *dst = &cfg->peer_addr[fs->tx_port];
	const struct vdk_ether_addr *src = &cfg->port_addr[fs->tx_port];
	uint64_t tx_offloads = cfg->tx_offloads[fs->tx_port];
	struct vdk_mbuf *pkts[TP_MAX_BURST];
	struct vdk_ether_hdr *eth;
	uint16_t n, i;

	n = fwd_rx(fs, cfg, pkts);
	if (n == 0)
		return;
	for (i = 0; i < n; i++) {
		fwd_csum_packet(fs, pkts[i], tx_offloads);
		if (pkts[i]->data_len < VDK_ETHER_HDR_LEN)
			continue;
		eth = vdk_pktmbuf_mtod(pkts[i], struct vdk_ether_hdr *);
		vdk_ether_addr_copy(dst, &eth->dst_addr);
		vdk_ether_addr_copy(src, &eth->src_addr);
	}
	fwd_tx(fs, cfg, pkts, n);
}

const struct fwd_engine fwd_csum_engine = { .name = "csum", .fwd = fwd_csum };
