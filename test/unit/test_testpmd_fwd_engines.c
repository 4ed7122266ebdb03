/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * testpmd's engines that answer or generate traffic, on crafted packets
 * through the crossed net_ring ports of testpmd_fwd_fixture.c: icmpecho
 * (ARP and ICMP echo answered byte for byte as a kernel expects), 5tswap
 * (every layer swapped), flowgen (destinations cycled) and txonly's
 * --txonly-multi-flow sources.
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

#include "testpmd_fwd_fixture.h"

/*
 * icmpecho on frames written out byte by byte, as a kernel sends them, and
 * the answers written out the same way: ARP request to reply, echo request
 * to reply (checksum 0x0800 higher, the type having gone from 8 to 0), and
 * everything else freed unanswered.
 */
static void
test_icmpecho_answers_arp_and_echo_requests(void **state)
{
	/* who-has 198.51.100.2 tell 198.51.100.1, from 02:22:22:22:22:22 */
	static const uint8_t arp_req[42] = {
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0x22, 0x22, 0x22, 0x22, 0x22, 0x08, 0x06,
		0x00, 0x01, 0x08, 0x00, 6, 4, 0x00, 0x01,
		0x02, 0x22, 0x22, 0x22, 0x22, 0x22, 198, 51, 100, 1,
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 198, 51, 100, 2,
	};
	static const uint8_t arp_rep[42] = {
		0x02, 0x22, 0x22, 0x22, 0x22, 0x22, 0x02, 0x11, 0x11, 0x11, 0x11, 0x11, 0x08, 0x06,
		0x00, 0x01, 0x08, 0x00, 6, 4, 0x00, 0x02,
		0x02, 0x11, 0x11, 0x11, 0x11, 0x11, 198, 51, 100, 2,
		0x02, 0x22, 0x22, 0x22, 0x22, 0x22, 198, 51, 100, 1,
	};
	/* 198.51.100.1 -> .2 echo request id 0x1234 seq 1, 4 bytes of data */
	static const uint8_t echo_req[46] = {
		0x02, 0x11, 0x11, 0x11, 0x11, 0x11, 0x02, 0x22, 0x22, 0x22, 0x22, 0x22, 0x08, 0x00,
		0x45, 0x00, 0x00, 0x20, 0x00, 0x07, 0x40, 0x00, 0x40, 0x01, 0x00, 0x00,
		198, 51, 100, 1, 198, 51, 100, 2,
		0x08, 0x00, 0x00, 0x00, 0x12, 0x34, 0x00, 0x01, 'p', 'i', 'n', 'g',
	};
	uint8_t req[46], rep[46];
	struct vdk_ether_addr saved;
	struct vdk_mbuf *in[6], *out[64], *m;
	struct vdk_ipv4_hdr *ip;
	uint16_t c;
	unsigned int n;

	(void)state;
	reset_stream();
	memcpy(req, echo_req, sizeof(req));
	ip = (struct vdk_ipv4_hdr *)(req + 14);
	ip->hdr_checksum = vdk_ipv4_cksum(ip);
	c = (uint16_t)~vdk_cksum_fold(vdk_raw_cksum_add(req + 34, 12, 0));
	memcpy(req + 36, &c, 2);
	/* The reply: MACs and IPs swapped, type 0, and the checksums right for it. */
	memcpy(rep, req, sizeof(rep));
	memcpy(rep, req + 6, 6);
	memcpy(rep + 6, &mac1, 6);
	memcpy(rep + 26, req + 30, 4);
	memcpy(rep + 30, req + 26, 4);
	rep[34] = 0;
	c = (uint16_t)(vdk_be16(*(vdk_be16_t *)(req + 36)) + 0x0800);
	if (c < 0x0800)
		c++;	/* end-around carry */
	*(vdk_be16_t *)(rep + 36) = vdk_cpu_to_be16(c);
	assert_true(fwd_icmpecho_packet(m = packet_of(req, sizeof(req)), &mac1));
	assert_memory_equal(vdk_pktmbuf_mtod(m, uint8_t *), rep, sizeof(rep));
	/* The kernel accepts it: both checksums sum to all ones. */
	assert_int_equal(vdk_cksum_fold(vdk_raw_cksum_add(rep + 14, 20, 0)), 0xffff);
	assert_int_equal(vdk_cksum_fold(vdk_raw_cksum_add(rep + 34, 12, 0)), 0xffff);
	vdk_pktmbuf_free(m);
	assert_true(fwd_icmpecho_packet(m = packet_of(arp_req, sizeof(arp_req)), &mac1));
	assert_memory_equal(vdk_pktmbuf_mtod(m, uint8_t *), arp_rep, sizeof(arp_rep));
	vdk_pktmbuf_free(m);

	/* Through the engine: two answers out of six, in order; four freed. */
	saved = cfg->port_addr[port_b];
	cfg->port_addr[port_b] = mac1;	/* answers come from the tx port */
	in[0] = packet_of(arp_req, sizeof(arp_req));
	in[1] = packet_of(arp_rep, sizeof(arp_rep));		/* a reply: not answered */
	in[2] = packet_of(rep, sizeof(rep));			/* echo reply */
	in[3] = packet_of(req, 40);				/* cut short of its IP length */
	in[4] = udp4_packet(VDK_IPPROTO_UDP);
	in[5] = packet_of(req, sizeof(req));
	n = run_engine(&fwd_icmpecho_engine, in, 6, out);
	assert_int_equal(n, 2);
	assert_memory_equal(vdk_pktmbuf_mtod(out[0], uint8_t *), arp_rep, sizeof(arp_rep));
	assert_memory_equal(vdk_pktmbuf_mtod(out[1], uint8_t *), rep, sizeof(rep));
	assert_int_equal(fs.rx_packets, 6);
	assert_int_equal(fs.tx_packets, 2);
	assert_int_equal(fs.fwd_dropped, 0);
	vdk_pktmbuf_free_bulk(out, n);
	cfg->port_addr[port_b] = saved;
	/* What is not answered is left as it was. */
	m = packet_of(rep, sizeof(rep));
	assert_false(fwd_icmpecho_packet(m, &mac2));
	assert_memory_equal(vdk_pktmbuf_mtod(m, uint8_t *), rep, sizeof(rep));
	vdk_pktmbuf_free(m);
	assert_int_equal(vdk_mempool_in_use_count(pool), 0);
}

/* 5tswap: every layer's source and destination swapped, checksums still right. */
static void
test_5tswap_swaps_each_layer(void **state)
{
	struct vdk_mbuf *in[3], *out[64], *m;
	uint8_t before[80], *p;
	uint16_t len;
	unsigned int n, i;

	(void)state;
	reset_stream();
	for (i = 0; i < 3; i++)
		in[i] = udp4_packet(i == 1 ? VDK_IPPROTO_TCP : VDK_IPPROTO_UDP);
	/* The third behind a VLAN tag: the headers move 4 bytes on. */
	p = vdk_pktmbuf_mtod(in[2], uint8_t *);
	len = (uint16_t)in[2]->data_len;
	assert_non_null(vdk_pktmbuf_append(in[2], 4));
	memmove(p + 16, p + 12, len - 12);
	p[12] = 0x81;
	p[13] = 0x00;
	p[14] = 0x00;
	p[15] = 0x07;
	memcpy(before, vdk_pktmbuf_mtod(in[0], uint8_t *), 60);
	n = run_engine(&fwd_5tswap_engine, in, 3, out);
	assert_int_equal(n, 3);
	assert_int_equal(fs.tx_packets, 3);
	for (i = 0; i < 3; i++) {
		size_t l2 = i == 2 ? 18 : 14;
		struct vdk_ipv4_hdr *ip;

		p = vdk_pktmbuf_mtod(out[i], uint8_t *);
		ip = (struct vdk_ipv4_hdr *)(p + l2);
		assert_memory_equal(p, &mac2, 6);
		assert_memory_equal(p + 6, &mac1, 6);
		assert_int_equal(vdk_be32(ip->src_addr), 0x0a000002);
		assert_int_equal(vdk_be32(ip->dst_addr), 0x0a000001);
		assert_int_equal(vdk_be16(*(vdk_be16_t *)(p + l2 + 20)), i == 1 ? 0 : 2000);
		assert_int_equal(vdk_be16(*(vdk_be16_t *)(p + l2 + 22)), i == 1 ? 0 : 1000);
		assert_int_equal(vdk_ipv4_cksum(ip), ip->hdr_checksum);
		assert_int_equal(vdk_ipv4_udptcp_cksum(ip, p + l2 + 20),
				 i == 1 ? *(uint16_t *)(p + l2 + 36) : *(uint16_t *)(p + l2 + 26));
	}
	/* Swapped twice is the packet as it came. */
	fwd_5tswap_packet(out[0]);
	assert_memory_equal(vdk_pktmbuf_mtod(out[0], uint8_t *), before, 60);
	vdk_pktmbuf_free_bulk(out, n);
	/* A runt is left alone; a frame of another type gets its MACs swapped only. */
	m = udp4_packet(VDK_IPPROTO_UDP);
	p = vdk_pktmbuf_mtod(m, uint8_t *);
	p[12] = 0x08;
	p[13] = 0x06;
	memcpy(before, p, 60);
	fwd_5tswap_packet(m);
	assert_memory_equal(p, before + 6, 6);
	assert_memory_equal(p + 12, before + 12, 48);
	m->data_len = 13;
	memcpy(before, p, 13);
	fwd_5tswap_packet(m);
	assert_memory_equal(p, before, 13);
	vdk_pktmbuf_free(m);
	assert_int_equal(vdk_mempool_in_use_count(pool), 0);
}

/* flowgen: one destination a packet, 198.18.0.2 upwards, wrapping after 1024. */
static void
test_flowgen_cycles_destinations_and_frees_what_it_receives(void **state)
{
	struct vdk_mbuf *in[4], *out[64];
	struct vdk_ipv4_hdr *ip;
	unsigned int n, i;

	(void)state;
	reset_stream();
	cfg->burst = 8;
	for (i = 0; i < 4; i++)
		in[i] = udp4_packet(VDK_IPPROTO_UDP);
	n = run_engine(&fwd_flowgen_engine, in, 4, out);
	assert_int_equal(n, 8);
	assert_int_equal(fs.rx_packets, 4);	/* received, counted, freed */
	assert_int_equal(fs.tx_packets, 8);
	for (i = 0; i < n; i++) {
		ip = ip_of(out[i]);
		assert_int_equal(vdk_be32(ip->dst_addr), 0xc6120002u + i);
		assert_int_equal(vdk_be32(ip->src_addr), 0xc6120001u);
		assert_int_equal(vdk_ipv4_cksum(ip), ip->hdr_checksum);
	}
	vdk_pktmbuf_free_bulk(out, n);
	fs.next_flow = TP_FLOWGEN_FLOWS - 1;
	n = run_engine(&fwd_flowgen_engine, in, 0, out);
	assert_int_equal(vdk_be32(ip_of(out[0])->dst_addr), 0xc6120002u + TP_FLOWGEN_FLOWS - 1);
	assert_int_equal(vdk_be32(ip_of(out[1])->dst_addr), 0xc6120002u);
	vdk_pktmbuf_free_bulk(out, n);
	/* txonly keeps one flow, unless --txonly-multi-flow: then the source walks. */
	reset_stream();
	n = run_engine(&fwd_txonly_engine, in, 0, out);
	assert_int_equal(vdk_be32(ip_of(out[7])->src_addr), 0xc6120001u);
	vdk_pktmbuf_free_bulk(out, n);
	cfg->txonly_multi_flow = true;
	n = run_engine(&fwd_txonly_engine, in, 0, out);
	for (i = 0; i < n; i++) {
		assert_int_equal(vdk_be32(ip_of(out[i])->src_addr), 0xc6120001u + i);
		assert_int_equal(vdk_ipv4_cksum(ip_of(out[i])), ip_of(out[i])->hdr_checksum);
	}
	vdk_pktmbuf_free_bulk(out, n);
	cfg->txonly_multi_flow = false;
	cfg->burst = 32;
	assert_int_equal(vdk_mempool_in_use_count(pool), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_icmpecho_answers_arp_and_echo_requests),
		cmocka_unit_test(test_5tswap_swaps_each_layer),
		cmocka_unit_test(test_flowgen_cycles_destinations_and_frees_what_it_receives),
	};

	return cmocka_run_group_tests(tests, fwd_fixture_setup, fwd_fixture_teardown);
}
