/* SPDX-License-Identifier: BSD-3-Clause */
/* MAC address text forms and the Internet checksum (RFC 1071). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "vdk_ether.h"

void
vdk_ether_format_addr(char *buf, size_t size, const struct vdk_ether_addr *a)
{
	const uint8_t *b = a->addr_bytes;

	snprintf(buf, size, "%02X:%02X:%02X:%02X:%02X:%02X", b[0], b[1], b[2], b[3], b[4],
		 b[5]);
}

static int
hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int
vdk_ether_unformat_addr(const char *s, struct vdk_ether_addr *a)
{
	struct vdk_ether_addr out;
	char sep = 0;
	int i, hi, lo;

	if (s == NULL || a == NULL || strlen(s) != 17)
		return -EINVAL;
	for (i = 0; i < VDK_ETHER_ADDR_LEN; i++) {
		hi = hex_digit(s[i * 3]);
		lo = hex_digit(s[i * 3 + 1]);
		if (hi < 0 || lo < 0)
			return -EINVAL;
		out.addr_bytes[i] = (uint8_t)(hi << 4 | lo);
		if (i == VDK_ETHER_ADDR_LEN - 1)
			break;
		/* One separator, ':' or '-', used throughout. */
		if (sep == 0)
			sep = s[i * 3 + 2];
		if ((sep != ':' && sep != '-') || s[i * 3 + 2] != sep)
			return -EINVAL;
	}
	*a = out;
	return 0;
}

void
vdk_ether_random_addr(struct vdk_ether_addr *a)
{
	if (getrandom(a->addr_bytes, sizeof(a->addr_bytes), 0) != sizeof(a->addr_bytes)) {
		unsigned int i;

		for (i = 0; i < sizeof(a->addr_bytes); i++)
			a->addr_bytes[i] = (uint8_t)random();
	}
	a->addr_bytes[0] &= 0xfe;	/* unicast */
	a->addr_bytes[0] |= 0x02;	/* locally administered */
}

uint32_t
vdk_raw_cksum_add(const void *buf, size_t len, uint32_t sum)
{
	const uint8_t *p = buf;
	uint64_t acc = sum;
	uint16_t w;

	/* 16-bit words in memory order: the sum is byte-order independent. */
	while (len >= 2) {
		memcpy(&w, p, 2);
		acc += w;
		p += 2;
		len -= 2;
	}
	if (len) {
		w = 0;
		memcpy(&w, p, 1);
		acc += w;
	}
	while (acc >> 32)
		acc = (acc & 0xffffffff) + (acc >> 32);
	return (uint32_t)acc;
}

uint16_t
vdk_ipv4_cksum(const struct vdk_ipv4_hdr *ip)
{
	unsigned int len = vdk_ipv4_hdr_len(ip);
	uint32_t sum;

	sum = vdk_raw_cksum_add(ip, offsetof(struct vdk_ipv4_hdr, hdr_checksum), 0);
	sum = vdk_raw_cksum_add((const char *)ip + offsetof(struct vdk_ipv4_hdr, src_addr),
				len - offsetof(struct vdk_ipv4_hdr, src_addr), sum);
	return (uint16_t)~vdk_cksum_fold(sum);
}

/* Sum of the L4 segment with its checksum field taken as zero. */
static uint32_t
l4_sum(const void *l4, size_t len, uint8_t proto, uint32_t sum)
{
	size_t off = proto == VDK_IPPROTO_UDP ? offsetof(struct vdk_udp_hdr, dgram_cksum)
					      : offsetof(struct vdk_tcp_hdr, cksum);

	sum = vdk_raw_cksum_add(l4, off, sum);
	return vdk_raw_cksum_add((const char *)l4 + off + 2, len - off - 2, sum);
}

static uint16_t
l4_final(uint32_t sum, uint8_t proto)
{
	uint16_t c = (uint16_t)~vdk_cksum_fold(sum);

	/* In UDP a zero checksum means "none": a real zero is sent as all ones. */
	if (c == 0 && proto == VDK_IPPROTO_UDP)
		c = 0xffff;
	return c;
}

uint16_t
vdk_ipv4_udptcp_cksum(const struct vdk_ipv4_hdr *ip, const void *l4)
{
	unsigned int hlen = vdk_ipv4_hdr_len(ip);
	size_t l4_len = vdk_be16(ip->total_length) - hlen;
	struct {
		vdk_be32_t src, dst;
		uint8_t zero, proto;
		vdk_be16_t len;
	} __attribute__((packed)) ph = {
		ip->src_addr, ip->dst_addr, 0, ip->next_proto_id,
		vdk_cpu_to_be16((uint16_t)l4_len),
	};
	uint32_t sum = vdk_raw_cksum_add(&ph, sizeof(ph), 0);

	return l4_final(l4_sum(l4, l4_len, ip->next_proto_id, sum), ip->next_proto_id);
}

uint16_t
vdk_ipv6_udptcp_cksum(const struct vdk_ipv6_hdr *ip, const void *l4)
{
	size_t l4_len = vdk_be16(ip->payload_len);
	struct {
		vdk_be32_t len;
		uint8_t zero[3], proto;
	} __attribute__((packed)) ph = {
		vdk_cpu_to_be32((uint32_t)l4_len), { 0, 0, 0 }, ip->proto,
	};
	uint32_t sum;

	sum = vdk_raw_cksum_add(ip->src_addr, 32, 0);
	sum = vdk_raw_cksum_add(&ph, sizeof(ph), sum);
	return l4_final(l4_sum(l4, l4_len, ip->proto, sum), ip->proto);
}
