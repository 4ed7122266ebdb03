/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the forwarding engine tests share (test_testpmd_fwd.c and
 * test_testpmd_fwd_engines.c): two crossed net_ring ports, a pool, one
 * stream from port A to port B, a published-shape configuration, and
 * crafted packets.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "test_testpmd_fixture.h"
#include "testpmd_fwd_fixture.h"
#include "vdk_eal.h"
#include "vdk_eth_ring.h"

struct vdk_mempool *pool;
struct vdk_ring *ring_in, *ring_out, *ring_back;
uint16_t port_a, port_b;
struct fwd_config *cfg;
struct fwd_stream fs;

const struct vdk_ether_addr mac1 = { { 0x02, 0x11, 0x11, 0x11, 0x11, 0x11 } };
const struct vdk_ether_addr mac2 = { { 0x02, 0x22, 0x22, 0x22, 0x22, 0x22 } };

/* Ether/IPv4/UDP (or TCP) packet with right checksums and an 18-byte payload. */
struct vdk_mbuf *
udp4_packet(uint8_t proto)
{
	struct vdk_mbuf *m = vdk_pktmbuf_alloc(pool);
	size_t l4 = proto == VDK_IPPROTO_UDP ? sizeof(struct vdk_udp_hdr)
					     : sizeof(struct vdk_tcp_hdr);
	uint16_t len = (uint16_t)(14 + 20 + l4 + 18);
	uint8_t *p;
	struct vdk_ether_hdr *eth;
	struct vdk_ipv4_hdr *ip;

	assert_non_null(m);
	assert_non_null(vdk_pktmbuf_append(m, len));
	p = vdk_pktmbuf_mtod(m, uint8_t *);
	memset(p, 0, len);
	eth = (struct vdk_ether_hdr *)p;
	eth->dst_addr = mac1;
	eth->src_addr = mac2;
	eth->ether_type = vdk_cpu_to_be16(VDK_ETHER_TYPE_IPV4);
	ip = (struct vdk_ipv4_hdr *)(p + 14);
	ip->version_ihl = 0x45;
	ip->total_length = vdk_cpu_to_be16((uint16_t)(len - 14));
	ip->time_to_live = 64;
	ip->next_proto_id = proto;
	ip->src_addr = vdk_cpu_to_be32(0x0a000001);
	ip->dst_addr = vdk_cpu_to_be32(0x0a000002);
	ip->hdr_checksum = vdk_ipv4_cksum(ip);
	memcpy(p + 14 + 20 + l4, "abcdefghijklmnopqr", 18);
	if (proto == VDK_IPPROTO_UDP) {
		struct vdk_udp_hdr *u = (struct vdk_udp_hdr *)(p + 34);

		u->src_port = vdk_cpu_to_be16(1000);
		u->dst_port = vdk_cpu_to_be16(2000);
		u->dgram_len = vdk_cpu_to_be16((uint16_t)(l4 + 18));
		u->dgram_cksum = vdk_ipv4_udptcp_cksum(ip, u);
	} else {
		struct vdk_tcp_hdr *tc = (struct vdk_tcp_hdr *)(p + 34);

		tc->data_off = 5 << 4;
		tc->cksum = vdk_ipv4_udptcp_cksum(ip, tc);
	}
	return m;
}

struct vdk_ipv4_hdr *
ip_of(struct vdk_mbuf *m)
{
	return vdk_pktmbuf_mtod_offset(m, struct vdk_ipv4_hdr *, 14);
}

/* Put @n packets on port A's rx side, run the engine once, take what B sent. */
unsigned int
run_engine(const struct fwd_engine *e, struct vdk_mbuf **in, unsigned int n,
	   struct vdk_mbuf **out)
{
	assert_int_equal(vdk_ring_enqueue_burst(ring_in, (void **)in, n, NULL), n);
	cfg->engine = e;
	e->fwd(&fs, cfg);
	return vdk_ring_dequeue_burst(ring_out, (void **)out, 64, NULL);
}

void
reset_stream(void)
{
	memset(&fs, 0, sizeof(fs));
	fs.rx_port = port_a;
	fs.tx_port = port_b;
}

/* A packet of @len bytes copied from @bytes. */
struct vdk_mbuf *
packet_of(const uint8_t *bytes, uint16_t len)
{
	struct vdk_mbuf *m = vdk_pktmbuf_alloc(pool);

	assert_non_null(m);
	assert_non_null(vdk_pktmbuf_append(m, len));
	memcpy(vdk_pktmbuf_mtod(m, uint8_t *), bytes, len);
	return m;
}

int
fwd_fixture_setup(void **state)
{
	char *argv[] = { "test_testpmd_fwd", "--no-huge", "-l", "0-1", "--no-pci", NULL };
	int pa, pb;

	(void)state;
	if (vdk_eal_init(5, argv) < 0)
		return -1;
	pool = vdk_pktmbuf_pool_create("t_fwd", 1023, 0, 0, VDK_MBUF_DEFAULT_BUF_SIZE,
				       VDK_SOCKET_ID_ANY);
	ring_in = vdk_ring_create("t_in", 64, VDK_SOCKET_ID_ANY, 0);
	ring_out = vdk_ring_create("t_out", 64, VDK_SOCKET_ID_ANY, 0);
	ring_back = vdk_ring_create("t_back", 64, VDK_SOCKET_ID_ANY, 0);
	if (pool == NULL || ring_in == NULL || ring_out == NULL || ring_back == NULL)
		return -1;
	/* A receives from ring_in; B sends into ring_out. */
	pa = vdk_eth_from_rings("fwd_a", &ring_in, 1, &ring_back, 1, VDK_SOCKET_ID_ANY);
	pb = vdk_eth_from_rings("fwd_b", &ring_back, 1, &ring_out, 1, VDK_SOCKET_ID_ANY);
	if (pa < 0 || pb < 0)
		return -1;
	port_a = (uint16_t)pa;
	port_b = (uint16_t)pb;
	for (int i = 0; i < 2; i++) {
		uint16_t p = i ? port_b : port_a;

		if (vdk_eth_dev_configure(p, 1, 1, NULL) != 0 ||
		    vdk_eth_rx_queue_setup(p, 0, 0, 0, NULL, pool) != 0 ||
		    vdk_eth_tx_queue_setup(p, 0, 0, 0, NULL) != 0 || vdk_eth_dev_start(p) != 0)
			return -1;
	}
	tp_fixture_state();
	tp.params.peer[port_b] = (struct vdk_ether_addr){ { 0x02, 0, 0, 0, 0, 0x42 } };
	tp.params.peer_set[port_b] = true;
	tp.pool = pool;
	cfg = tp_fwd_config_make(&tp);
	return cfg == NULL ? -1 : 0;
}

int
fwd_fixture_teardown(void **state)
{
	(void)state;
	free(cfg);
	vdk_eth_dev_close(port_a);
	vdk_eth_dev_close(port_b);
	vdk_ring_free(ring_in);
	vdk_ring_free(ring_out);
	vdk_ring_free(ring_back);
	vdk_mempool_free(pool);
	fclose(tp.out);
	return vdk_eal_cleanup();
}
