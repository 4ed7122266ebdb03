/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Ethernet, IPv4, IPv6, UDP and TCP headers as they sit in a packet, with
 * the helpers forwarding code needs: MAC address tests and text forms,
 * byte order, and the Internet checksum.
 *
 * Multi-byte header fields are in network byte order; their types
 * (vdk_be16_t, vdk_be32_t) say so, and vdk_be16()/vdk_cpu_to_be16() convert.
 */
#ifndef VDK_ETHER_H
#define VDK_ETHER_H

#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "vdk_common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* What this header declares is libvdk's API: exported (lib/version.map). */
#pragma GCC visibility push(default)

/** A 16-bit value in network (big-endian) byte order. */
typedef uint16_t vdk_be16_t;
/** A 32-bit value in network (big-endian) byte order. */
typedef uint32_t vdk_be32_t;

/** Host to network byte order, 16 bits. */
static inline vdk_be16_t
vdk_cpu_to_be16(uint16_t v)
{
	return __builtin_bswap16(v);
}

/** Network to host byte order, 16 bits. */
static inline uint16_t
vdk_be16(vdk_be16_t v)
{
	return __builtin_bswap16(v);
}

/** Host to network byte order, 32 bits. */
static inline vdk_be32_t
vdk_cpu_to_be32(uint32_t v)
{
	return __builtin_bswap32(v);
}

/** Network to host byte order, 32 bits. */
static inline uint32_t
vdk_be32(vdk_be32_t v)
{
	return __builtin_bswap32(v);
}

/** Bytes in a MAC address. */
#define VDK_ETHER_ADDR_LEN 6
/** Bytes in an Ethernet header without VLAN tag. */
#define VDK_ETHER_HDR_LEN 14
/** Smallest frame on the wire, FCS included. */
#define VDK_ETHER_MIN_LEN 64
/** Bytes of the frame check sequence. */
#define VDK_ETHER_CRC_LEN 4
/** The standard MTU. */
#define VDK_ETHER_MTU 1500
/** Length of "xx:xx:xx:xx:xx:xx" with its NUL. */
#define VDK_ETHER_ADDR_FMT_SIZE 18

/** @name EtherTypes, in host order: compare with vdk_be16(ether_type).
 * @{ */
#define VDK_ETHER_TYPE_IPV4 0x0800 /**< IPv4 */
#define VDK_ETHER_TYPE_ARP  0x0806 /**< ARP */
#define VDK_ETHER_TYPE_VLAN 0x8100 /**< an 802.1Q VLAN tag follows */
#define VDK_ETHER_TYPE_IPV6 0x86DD /**< IPv6 */
#define VDK_ETHER_TYPE_QINQ 0x88A8 /**< an 802.1ad service (outer) tag follows */
/** @} */

/** @name IP protocol numbers: next_proto_id (IPv4), proto (IPv6).
 * @{ */
#define VDK_IPPROTO_TCP 6  /**< TCP */
#define VDK_IPPROTO_UDP 17 /**< UDP */
/** @} */

/** A MAC address, first byte first as on the wire. */
struct vdk_ether_addr {
	uint8_t addr_bytes[VDK_ETHER_ADDR_LEN]; /**< bit 0 of byte 0: group address */
} __attribute__((aligned(2)));

/** Ethernet II header. */
struct vdk_ether_hdr {
	struct vdk_ether_addr dst_addr; /**< destination MAC address */
	struct vdk_ether_addr src_addr; /**< source MAC address */
	vdk_be16_t ether_type;          /**< VDK_ETHER_TYPE_* of what follows */
} __attribute__((aligned(2)));

/** 802.1Q tag, after the source address; ether_type follows it. */
struct vdk_vlan_hdr {
	vdk_be16_t vlan_tci;  /**< priority (3 bits), DEI (1), VLAN ID (12) */
	vdk_be16_t eth_proto; /**< EtherType of what follows the tag */
} __attribute__((packed));

/** IPv4 header without options. */
struct vdk_ipv4_hdr {
	uint8_t version_ihl;       /**< version (4) in the high nibble, words of header in the low */
	uint8_t type_of_service;   /**< DSCP (high 6 bits) and ECN (low 2) */
	vdk_be16_t total_length;   /**< bytes of the packet, this header included */
	vdk_be16_t packet_id;      /**< identification, shared by a packet's fragments */
	/** Flags (DF 0x4000, MF 0x2000), then offset in 8-byte units. */
	vdk_be16_t fragment_offset;
	uint8_t time_to_live;      /**< hops left */
	uint8_t next_proto_id;     /**< VDK_IPPROTO_* of the payload */
	uint16_t hdr_checksum;     /**< as it sits in the packet: no byte swap needed */
	vdk_be32_t src_addr;       /**< source address */
	vdk_be32_t dst_addr;       /**< destination address */
} __attribute__((packed));

/** IPv6 fixed header. */
struct vdk_ipv6_hdr {
	vdk_be32_t vtc_flow;    /**< version (6, 4 bits), traffic class (8), flow label (20) */
	vdk_be16_t payload_len; /**< bytes after this 40-byte header, extension headers included */
	uint8_t proto;          /**< next header: VDK_IPPROTO_* or an extension header */
	uint8_t hop_limits;     /**< hops left */
	uint8_t src_addr[16];   /**< source address */
	uint8_t dst_addr[16];   /**< destination address */
} __attribute__((packed));

/** UDP header. */
struct vdk_udp_hdr {
	vdk_be16_t src_port;  /**< source port */
	vdk_be16_t dst_port;  /**< destination port */
	vdk_be16_t dgram_len; /**< bytes of this header and its payload */
	uint16_t dgram_cksum; /**< as it sits in the packet; 0: none (IPv4 only) */
} __attribute__((packed));

/** TCP header without options. */
struct vdk_tcp_hdr {
	vdk_be16_t src_port; /**< source port */
	vdk_be16_t dst_port; /**< destination port */
	vdk_be32_t sent_seq; /**< sequence number of the first payload byte */
	vdk_be32_t recv_ack; /**< next sequence number expected (with ACK) */
	uint8_t data_off;    /**< header length in 32-bit words, in the high nibble */
	uint8_t tcp_flags;   /**< CWR ECE URG ACK PSH RST SYN FIN, high bit to low */
	vdk_be16_t rx_win;   /**< receive window, bytes (before window scaling) */
	uint16_t cksum;      /**< as it sits in the packet: no byte swap needed */
	vdk_be16_t tcp_urp;  /**< urgent pointer (with URG) */
} __attribute__((packed));

static_assert(sizeof(struct vdk_ether_hdr) == VDK_ETHER_HDR_LEN, "ether header");
static_assert(sizeof(struct vdk_vlan_hdr) == 4, "vlan header");
static_assert(sizeof(struct vdk_ipv4_hdr) == 20, "ipv4 header");
static_assert(sizeof(struct vdk_ipv6_hdr) == 40, "ipv6 header");
static_assert(sizeof(struct vdk_udp_hdr) == 8, "udp header");
static_assert(sizeof(struct vdk_tcp_hdr) == 20, "tcp header");

/** Bytes of an IPv4 header, options included. */
static inline unsigned int
vdk_ipv4_hdr_len(const struct vdk_ipv4_hdr *ip)
{
	return (ip->version_ihl & 0x0f) * 4u;
}

/** True if every byte of @p a is zero. */
static inline int
vdk_is_zero_ether_addr(const struct vdk_ether_addr *a)
{
	static const struct vdk_ether_addr zero = { { 0 } };

	return memcmp(a, &zero, sizeof(zero)) == 0;
}

/** True for a group (multicast or broadcast) address: the I/G bit is set. */
static inline int
vdk_is_multicast_ether_addr(const struct vdk_ether_addr *a)
{
	return a->addr_bytes[0] & 0x01;
}

/** True for ff:ff:ff:ff:ff:ff. */
static inline int
vdk_is_broadcast_ether_addr(const struct vdk_ether_addr *a)
{
	static const struct vdk_ether_addr bcast = {
		{ 0xff, 0xff, 0xff, 0xff, 0xff, 0xff }
	};

	return memcmp(a, &bcast, sizeof(bcast)) == 0;
}

/** True for an address a port can own: not zero and not a group address. */
static inline int
vdk_is_valid_assigned_ether_addr(const struct vdk_ether_addr *a)
{
	return !vdk_is_zero_ether_addr(a) && !vdk_is_multicast_ether_addr(a);
}

/** True if @p a and @p b are the same address. */
static inline int
vdk_is_same_ether_addr(const struct vdk_ether_addr *a, const struct vdk_ether_addr *b)
{
	return memcmp(a, b, sizeof(*a)) == 0;
}

/** Copy a MAC address; cheaper than memcpy for the datapath. */
static inline void
vdk_ether_addr_copy(const struct vdk_ether_addr *from, struct vdk_ether_addr *to)
{
	const uint16_t *f = (const uint16_t *)from;
	uint16_t *t = (uint16_t *)to;

	t[0] = f[0];
	t[1] = f[1];
	t[2] = f[2];
}

/**
 * Write @p a as "xx:xx:xx:xx:xx:xx" (upper case hex, as testpmd users
 * expect) into @p buf of @p size bytes (VDK_ETHER_ADDR_FMT_SIZE fits).
 */
void vdk_ether_format_addr(char *buf, size_t size, const struct vdk_ether_addr *a);

/**
 * Parse "xx:xx:xx:xx:xx:xx" (also with '-' separators) into @p a.
 * @return 0, or -EINVAL for anything else (then @p a is untouched).
 */
int vdk_ether_unformat_addr(const char *s, struct vdk_ether_addr *a);

/** A random locally administered unicast address. */
void vdk_ether_random_addr(struct vdk_ether_addr *a);

/**
 * One's complement sum of @p len bytes at @p buf added to @p sum, not yet
 * folded or inverted: the building block of every Internet checksum.
 */
uint32_t vdk_raw_cksum_add(const void *buf, size_t len, uint32_t sum);

/** Fold a 32-bit one's complement sum to 16 bits. */
static inline uint16_t
vdk_cksum_fold(uint32_t sum)
{
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

/**
 * The header checksum of @p ip, options included, as it belongs in
 * hdr_checksum (computed with the field taken as zero).
 */
uint16_t vdk_ipv4_cksum(const struct vdk_ipv4_hdr *ip);

/**
 * The UDP or TCP checksum of the segment at @p l4 (header and payload up to
 * the end of the IPv4 datagram) over the pseudo-header of @p ip, as it
 * belongs in the checksum field (computed with the field taken as zero).
 * UDP's "no checksum" zero is returned as 0xffff.
 */
uint16_t vdk_ipv4_udptcp_cksum(const struct vdk_ipv4_hdr *ip, const void *l4);

/** As vdk_ipv4_udptcp_cksum() for an IPv6 packet without extension headers. */
uint16_t vdk_ipv6_udptcp_cksum(const struct vdk_ipv6_hdr *ip, const void *l4);

#pragma GCC visibility pop

#ifdef __cplusplus
}
#endif

#endif /* VDK_ETHER_H */
