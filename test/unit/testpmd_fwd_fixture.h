/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The forwarding engine tests' fixture (testpmd_fwd_fixture.c): port A
 * receives from ring_in and sends into ring_back, port B receives from
 * ring_back and sends into ring_out; the stream fs runs from A to B with
 * the configuration cfg, which a test changes and puts back.
 */
#ifndef TESTPMD_FWD_FIXTURE_H
#define TESTPMD_FWD_FIXTURE_H

#include <stdint.h>

#include "testpmd.h"
#include "vdk_mbuf.h"
#include "vdk_ring.h"

extern struct vdk_mempool *pool;
extern struct vdk_ring *ring_in, *ring_out, *ring_back;
extern uint16_t port_a, port_b;
extern struct fwd_config *cfg;
extern struct fwd_stream fs;
extern const struct vdk_ether_addr mac1, mac2;

/* Ether/IPv4/UDP (or TCP) packet with right checksums and an 18-byte payload. */
struct vdk_mbuf *udp4_packet(uint8_t proto);
/* The IPv4 header of a packet udp4_packet() made. */
struct vdk_ipv4_hdr *ip_of(struct vdk_mbuf *m);
/* A packet of @len bytes copied from @bytes. */
struct vdk_mbuf *packet_of(const uint8_t *bytes, uint16_t len);
/* Put @n packets on port A's rx side, run the engine once, take what B sent. */
unsigned int run_engine(const struct fwd_engine *e, struct vdk_mbuf **in, unsigned int n,
			struct vdk_mbuf **out);
/* fs back to a fresh stream from A to B. */
void reset_stream(void);

/* cmocka group setup and teardown: the EAL, the pool, the rings and ports, cfg. */
int fwd_fixture_setup(void **state);
int fwd_fixture_teardown(void **state);

#endif /* TESTPMD_FWD_FIXTURE_H */
