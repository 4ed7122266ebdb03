/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * 5tswap: send each packet back as its answer would come: source and
 * destination swapped at every layer it has (Ethernet; IPv4 or IPv6; UDP
 * or TCP), as DPDK's engine does. A swap leaves every checksum right, so
 * none is touched. Headers must sit in the first segment; a layer cut
 * short, a later IPv4 fragment or an unknown protocol ends the swapping
 * there.
 */
#include <string.h>

#include "testpmd.h"
#include "vdk_mbuf.h"

static void
swap_bytes(uint8_t *a, uint8_t *b, size_t n)
{
	uint8_t tmp[16];

	memcpy(tmp, a, n);
	memcpy(a, b, n);
	memcpy(b, tmp, n);
}

void
fwd_5tswap_packet(struct vdk_mbuf *m)
{
	uint8_t *p = vdk_pktmbuf_mtod(m, uint8_t *);
	size_t len = m->data_len, off = 2 * VDK_ETHER_ADDR_LEN, l4 = 0;
	uint16_t type;
	uint8_t proto;
	int tags;

	if (len < VDK_ETHER_HDR_LEN)
		return;
	swap_bytes(p, p + VDK_ETHER_ADDR_LEN, VDK_ETHER_ADDR_LEN);
	type = (uint16_t)(p[off] << 8 | p[off + 1]);
	for (tags = 0; tags < 2 && (type == VDK_ETHER_TYPE_VLAN || type == VDK_ETHER_TYPE_QINQ);
	     tags++) {
		off += 4;
		if (off + 2 > len)
			return;
		type = (uint16_t)(p[off] << 8 | p[off + 1]);
	}
	off += 2;
	if (type == VDK_ETHER_TYPE_IPV4) {
		struct vdk_ipv4_hdr *ip = (struct vdk_ipv4_hdr *)(p + off);
		size_t ihl;

		if (off + sizeof(*ip) > len)
			return;
		ihl = (size_t)(ip->version_ihl & 0xf) * 4;
		swap_bytes((uint8_t *)&ip->src_addr, (uint8_t *)&ip->dst_addr, 4);
		if (ihl < sizeof(*ip) || (vdk_be16(ip->fragment_offset) & 0x1fff) != 0)
			return;
		proto = ip->next_proto_id;
		l4 = off + ihl;
	} else if (type == VDK_ETHER_TYPE_IPV6) {
		struct vdk_ipv6_hdr *ip6 = (struct vdk_ipv6_hdr *)(p + off);

		if (off + sizeof(*ip6) > len)
			return;
		swap_bytes(ip6->src_addr, ip6->dst_addr, sizeof(ip6->src_addr));
		proto = ip6->proto;
		l4 = off + sizeof(*ip6);
	} else {
		return;
	}
	/* Both ports lead UDP and TCP headers alike. */
	if ((proto == VDK_IPPROTO_UDP || proto == VDK_IPPROTO_TCP) && l4 + 4 <= len)
		swap_bytes(p + l4, p + l4 + 2, 2);
}

static void
fwd_5tswap(struct fwd_stream *fs, const struct fwd_config *cfg)
{
	struct vdk_mbuf *pkts[TP_MAX_BURST];
	uint16_t n, i;

	n = fwd_rx(fs, cfg, pkts);
	if (n == 0)
		return;
	for (i = 0; i < n; i++)
		fwd_5tswap_packet(pkts[i]);
	fwd_tx(fs, cfg, pkts, n);
}

const struct fwd_engine fwd_5tswap_engine = { .name = "5tswap", .fwd = fwd_5tswap };
