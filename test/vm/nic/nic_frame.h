/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The test frames of the nic vm tests: well-formed UDP/IPv4 to the discard
 * port, 64 bytes on the wire, with a marker and a sequence number after
 * the UDP header so a receiver counts only what the test sent, whatever
 * else a kernel puts on the wire.
 * Compiled once (its .c), linked by the programs that use it.
 */
#ifndef NIC_FRAME_H
#define NIC_FRAME_H

#include <stdint.h>
#include <string.h>

#include "vdk_ether.h"

#define NIC_FRAME_LEN 60 /* without the FCS the device adds */
#define NIC_MAGIC "VDKNIC01"

struct nic_frame {
	struct vdk_ether_hdr eth;
	struct vdk_ipv4_hdr ip;
	struct vdk_udp_hdr udp;
	char magic[8];
	uint32_t seq;
} __attribute__((packed, aligned(2)));

_Static_assert(sizeof(struct nic_frame) <= NIC_FRAME_LEN, "test frame fits 60 bytes");

/* Write a test frame of NIC_FRAME_LEN bytes into @buf. */
void nic_frame_build(void *buf, const struct vdk_ether_addr *src,
		     const struct vdk_ether_addr *dst, uint32_t seq);

/* True if the @len bytes at @buf are a test frame. */
int nic_frame_is_ours(const void *buf, uint32_t len);

#endif /* NIC_FRAME_H */
