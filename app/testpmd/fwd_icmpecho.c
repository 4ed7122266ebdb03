/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * icmpecho: answer ARP requests and ICMP echo requests, as DPDK's engine
 * does, so that a kernel on the other side of the wire can `ping` through
 * a VDK port: ping then checks our receive and transmit paths with code we
 * did not write. Every ARP request is answered with the port's MAC,
 * whatever address it asks for; every IPv4 echo request becomes its reply
 * in place. Anything else is freed. Replies go out of the stream's tx port
 * (the rx port itself when it has no pair). Headers must sit in the first
 * segment.
 */
#include <stddef.h>
#include <string.h>

#include "testpmd.h"
#include "vdk_mbuf.h"

#define ARP_HRD_ETHER 1
#define ARP_OP_REQUEST 1
#define ARP_OP_REPLY 2
#define IPPROTO_ICMP_ 1
#define ICMP_ECHO_REPLY 0
#define ICMP_ECHO_REQUEST 8

/* ARP for IPv4 over Ethernet (RFC 826). */
struct arp_ipv4 {
	vdk_be16_t hrd;
	vdk_be16_t pro;
	uint8_t hln;
	uint8_t pln;
	vdk_be16_t op;
	struct vdk_ether_addr sha;
	uint8_t spa[4];
	struct vdk_ether_addr tha;
	uint8_t tpa[4];
} __attribute__((packed, aligned(2)));	/* after a 14-byte Ethernet header: 2-aligned */

struct icmp_hdr {
	uint8_t type;
	uint8_t code;
	uint16_t cksum;
	vdk_be16_t id;
	vdk_be16_t seq;
} __attribute__((packed));

static bool
arp_reply(struct vdk_mbuf *m, struct vdk_ether_hdr *eth, const struct vdk_ether_addr *mine)
{
	struct arp_ipv4 *arp = (struct arp_ipv4 *)(eth + 1);
	uint8_t ip[4];

	if (m->data_len < VDK_ETHER_HDR_LEN + sizeof(*arp) ||
	    vdk_be16(arp->hrd) != ARP_HRD_ETHER || vdk_be16(arp->pro) != VDK_ETHER_TYPE_IPV4 ||
	    arp->hln != VDK_ETHER_ADDR_LEN || arp->pln != 4 || vdk_be16(arp->op) != ARP_OP_REQUEST)
		return false;
	arp->op = vdk_cpu_to_be16(ARP_OP_REPLY);
	arp->tha = arp->sha;
	arp->sha = *mine;
	memcpy(ip, arp->tpa, sizeof(ip));
	memcpy(arp->tpa, arp->spa, sizeof(ip));
	memcpy(arp->spa, ip, sizeof(ip));
	eth->dst_addr = arp->tha;
	eth->src_addr = *mine;
	return true;
}

static bool
echo_reply(struct vdk_mbuf *m, struct vdk_ether_hdr *eth, const struct vdk_ether_addr *mine)
{
	struct vdk_ipv4_hdr *ip = (struct vdk_ipv4_hdr *)(eth + 1);
	struct icmp_hdr *icmp;
	size_t ihl, ip_len;
	vdk_be32_t a;

	if (m->data_len < VDK_ETHER_HDR_LEN + sizeof(*ip))
		return false;
	ihl = (size_t)(ip->version_ihl & 0xf) * 4;
	ip_len = vdk_be16(ip->total_length);
	if ((ip->version_ihl >> 4) != 4 || ihl < sizeof(*ip) || ip->next_proto_id != IPPROTO_ICMP_ ||
	    (vdk_be16(ip->fragment_offset) & 0x3fff) != 0 || ip_len < ihl + sizeof(*icmp) ||
	    VDK_ETHER_HDR_LEN + ip_len > m->data_len)
		return false;
	icmp = (struct icmp_hdr *)((uint8_t *)ip + ihl);
	if (icmp->type != ICMP_ECHO_REQUEST || icmp->code != 0)
		return false;
	/* The whole message is summed afresh: a bad request gets a bad reply, not a fixed one. */
	icmp->type = ICMP_ECHO_REPLY;
	icmp->cksum = 0;
	icmp->cksum = (uint16_t)~vdk_cksum_fold(vdk_raw_cksum_add(icmp, ip_len - ihl, 0));
	a = ip->src_addr;
	ip->src_addr = ip->dst_addr;
	ip->dst_addr = a;
	ip->hdr_checksum = 0;
	ip->hdr_checksum = vdk_ipv4_cksum(ip);
	eth->dst_addr = eth->src_addr;
	eth->src_addr = *mine;
	return true;
}

bool
fwd_icmpecho_packet(struct vdk_mbuf *m, const struct vdk_ether_addr *mine)
{
	struct vdk_ether_hdr *eth;

	if (m->data_len < VDK_ETHER_HDR_LEN)
		return false;
	eth = vdk_pktmbuf_mtod(m, struct vdk_ether_hdr *);
	switch (vdk_be16(eth->ether_type)) {
	case VDK_ETHER_TYPE_ARP:
		return arp_reply(m, eth, mine);
	case VDK_ETHER_TYPE_IPV4:
		return echo_reply(m, eth, mine);
	default:
		return false;
	}
}

static void
fwd_icmpecho(struct fwd_stream *fs, const struct fwd_config *cfg)
{
	const struct vdk_ether_addr *mine = &cfg->port_addr[fs->tx_port];
	struct vdk_mbuf *pkts[TP_MAX_BURST];
	uint16_t n, nr = 0, i;

	n = fwd_rx(fs, cfg, pkts);
	if (n == 0)
		return;
	/* Replies to the front, in order; the rest freed. */
	for (i = 0; i < n; i++) {
		if (fwd_icmpecho_packet(pkts[i], mine))
			pkts[nr++] = pkts[i];
		else
			vdk_pktmbuf_free(pkts[i]);
	}
	if (nr == 0)
		return;
	fwd_tx(fs, cfg, pkts, nr);
}

const struct fwd_engine fwd_icmpecho_engine = { .name = "icmpecho", .fwd = fwd_icmpecho };
