/* SPDX-License-Identifier: BSD-3-Clause */
/* The test frames of nic_frame.h. */
#include "nic_frame.h"

void
nic_frame_build(void *buf, const struct vdk_ether_addr *src, const struct vdk_ether_addr *dst,
		uint32_t seq)
{
	struct nic_frame *f = buf;
	uint16_t l3_len = NIC_FRAME_LEN - sizeof(struct vdk_ether_hdr);

	memset(buf, 0, NIC_FRAME_LEN);
	f->eth.dst_addr = *dst;
	f->eth.src_addr = *src;
	f->eth.ether_type = vdk_cpu_to_be16(VDK_ETHER_TYPE_IPV4);
	f->ip.version_ihl = 0x45;
	f->ip.total_length = vdk_cpu_to_be16(l3_len);
	f->ip.time_to_live = 64;
	f->ip.next_proto_id = VDK_IPPROTO_UDP;
	f->ip.src_addr = vdk_cpu_to_be32(0xc6120001); /* 198.18.0.1, benchmarking range */
	f->ip.dst_addr = vdk_cpu_to_be32(0xc6120002);
	f->udp.src_port = vdk_cpu_to_be16(9);
	f->udp.dst_port = vdk_cpu_to_be16(9);
	f->udp.dgram_len = vdk_cpu_to_be16((uint16_t)(l3_len - sizeof(struct vdk_ipv4_hdr)));
	memcpy(f->magic, NIC_MAGIC, sizeof(f->magic));
	f->seq = seq;
	f->ip.hdr_checksum = vdk_ipv4_cksum(&f->ip);
	f->udp.dgram_cksum = vdk_ipv4_udptcp_cksum(&f->ip, &f->udp);
}

int
nic_frame_is_ours(const void *buf, uint32_t len)
{
	const struct nic_frame *f = buf;

	return len >= sizeof(*f) && f->eth.ether_type == vdk_cpu_to_be16(VDK_ETHER_TYPE_IPV4) &&
	       memcmp(f->magic, NIC_MAGIC, sizeof(f->magic)) == 0;
}
