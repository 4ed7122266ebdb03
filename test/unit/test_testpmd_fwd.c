/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * testpmd's forwarding engines on crafted packets through the crossed
 * net_ring ports of testpmd_fwd_fixture.c: what io, mac, macswap, csum,
 * rxonly and txonly do to each packet and count (icmpecho, 5tswap and
 * flowgen: test_testpmd_fwd_engines.c), and the burst sizes they record;
 * the RX-bursts/TX-bursts lines; and engine, burst, txpkts and burst-recording switches published
 * to a running lcore (liburcu QSBR) with no packet lost.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "testpmd_fwd_fixture.h"
#include "vdk_eth_ring.h"

static uint16_t
l4_cksum(struct vdk_mbuf *m)
{
	uint16_t c;
	uint8_t *l4 = vdk_pktmbuf_mtod_offset(m, uint8_t *, 34);

	if (ip_of(m)->next_proto_id == VDK_IPPROTO_UDP)
		memcpy(&c, l4 + 6, 2);
	else
		memcpy(&c, l4 + 16, 2);
	return c;
}

static void
set_l4_cksum(struct vdk_mbuf *m, uint16_t c)
{
	uint8_t *l4 = vdk_pktmbuf_mtod_offset(m, uint8_t *, 34);

	memcpy(l4 + (ip_of(m)->next_proto_id == VDK_IPPROTO_UDP ? 6 : 16), &c, 2);
}

/* 40 packets waiting on port A; port B's tx ring with room for only 10. */
static void
queue_40_with_tx_room_for_10(void)
{
	struct vdk_mbuf *in[40], *fill[64];
	unsigned int i, room = vdk_ring_free_count(ring_out);

	assert_true(room - 10 <= VDK_DIM(fill));
	assert_int_equal(vdk_pktmbuf_alloc_bulk(pool, fill, room - 10), 0);
	assert_int_equal(vdk_ring_enqueue_burst(ring_out, (void **)fill, room - 10, NULL),
			 room - 10);
	for (i = 0; i < 40; i++)
		in[i] = udp4_packet(VDK_IPPROTO_UDP);
	assert_int_equal(vdk_ring_enqueue_burst(ring_in, (void **)in, 40, NULL), 40);
}

static void
test_io_forwards_packets_unchanged(void **state)
{
	struct vdk_mbuf *in[4], *out[64];
	unsigned int i, n;

	(void)state;
	reset_stream();
	for (i = 0; i < 4; i++)
		in[i] = udp4_packet(VDK_IPPROTO_UDP);
	n = run_engine(&fwd_io_engine, in, 4, out);
	assert_int_equal(n, 4);
	for (i = 0; i < 4; i++) {
		assert_ptr_equal(out[i], in[i]);
		assert_true(vdk_is_same_ether_addr(
			&vdk_pktmbuf_mtod(out[i], struct vdk_ether_hdr *)->dst_addr, &mac1));
	}
	assert_int_equal(fs.rx_packets, 4);
	assert_int_equal(fs.tx_packets, 4);
	assert_int_equal(fs.fwd_dropped, 0);
	vdk_pktmbuf_free_bulk(out, n);
}

static void
test_io_counts_and_frees_what_tx_refuses(void **state)
{
	struct vdk_mbuf *out[64];
	unsigned int n;

	(void)state;
	reset_stream();
	/* Leave room for 10 in port B's tx ring. */
	queue_40_with_tx_room_for_10();
	fwd_io_engine.fwd(&fs, cfg);	/* burst 32: 10 sent, 22 dropped */
	assert_int_equal(fs.rx_packets, 32);
	assert_int_equal(fs.tx_packets, 10);
	assert_int_equal(fs.fwd_dropped, 22);
	while ((n = vdk_ring_dequeue_burst(ring_out, (void **)out, 64, NULL)) > 0)
		vdk_pktmbuf_free_bulk(out, n);
	while ((n = vdk_ring_dequeue_burst(ring_in, (void **)out, 64, NULL)) > 0)
		vdk_pktmbuf_free_bulk(out, n);
	assert_int_equal(vdk_mempool_in_use_count(pool), 0);
}

static void
test_rxonly_frees_everything(void **state)
{
	struct vdk_mbuf *in[8], *out[64];

	(void)state;
	reset_stream();
	for (unsigned int i = 0; i < 8; i++)
		in[i] = udp4_packet(VDK_IPPROTO_UDP);
	assert_int_equal(run_engine(&fwd_rxonly_engine, in, 8, out), 0);
	assert_int_equal(fs.rx_packets, 8);
	assert_int_equal(fs.tx_packets, 0);
	assert_int_equal(vdk_mempool_in_use_count(pool), 0);
}

static void
test_mac_rewrites_both_addresses_for_the_tx_port(void **state)
{
	struct vdk_mbuf *in[2], *out[64];
	struct vdk_ether_hdr *eth;
	struct vdk_ether_addr port_mac;
	unsigned int i;

	(void)state;
	reset_stream();
	in[0] = udp4_packet(VDK_IPPROTO_UDP);
	in[1] = udp4_packet(VDK_IPPROTO_TCP);
	assert_int_equal(run_engine(&fwd_mac_engine, in, 2, out), 2);
	vdk_eth_macaddr_get(port_b, &port_mac);
	for (i = 0; i < 2; i++) {
		eth = vdk_pktmbuf_mtod(out[i], struct vdk_ether_hdr *);
		assert_true(vdk_is_same_ether_addr(&eth->src_addr, &port_mac));
		assert_true(vdk_is_same_ether_addr(&eth->dst_addr, &cfg->peer_addr[port_b]));
		assert_int_equal(vdk_be16(eth->ether_type), VDK_ETHER_TYPE_IPV4);
	}
	assert_int_equal(cfg->peer_addr[port_b].addr_bytes[5], 0x42);	/* --eth-peer */
	vdk_pktmbuf_free_bulk(out, 2);
}

static void
test_macswap_swaps_source_and_destination(void **state)
{
	struct vdk_mbuf *in[1], *out[64];
	struct vdk_ether_hdr *eth;
	uint8_t before[64];

	(void)state;
	reset_stream();
	in[0] = udp4_packet(VDK_IPPROTO_UDP);
	memcpy(before, vdk_pktmbuf_mtod(in[0], uint8_t *), 64);
	assert_int_equal(run_engine(&fwd_macswap_engine, in, 1, out), 1);
	eth = vdk_pktmbuf_mtod(out[0], struct vdk_ether_hdr *);
	assert_true(vdk_is_same_ether_addr(&eth->dst_addr, &mac2));
	assert_true(vdk_is_same_ether_addr(&eth->src_addr, &mac1));
	/* Nothing after the addresses changed. */
	assert_memory_equal((uint8_t *)eth + 12, before + 12, 64 - 12);
	vdk_pktmbuf_free_bulk(out, 1);
}

static void
test_mac_engines_leave_runts_alone(void **state)
{
	struct vdk_mbuf *in[1], *out[64];

	(void)state;
	reset_stream();
	in[0] = vdk_pktmbuf_alloc(pool);
	memcpy(vdk_pktmbuf_append(in[0], 6), "\1\2\3\4\5\6", 6);
	assert_int_equal(run_engine(&fwd_macswap_engine, in, 1, out), 1);
	assert_memory_equal(vdk_pktmbuf_mtod(out[0], uint8_t *), "\1\2\3\4\5\6", 6);
	assert_int_equal(run_engine(&fwd_mac_engine, out, 1, in), 1);
	assert_memory_equal(vdk_pktmbuf_mtod(in[0], uint8_t *), "\1\2\3\4\5\6", 6);
	vdk_pktmbuf_free(in[0]);
}

static void
test_csum_counts_bad_checksums_and_fixes_them(void **state)
{
	struct vdk_mbuf *in[4], *out[64];
	uint16_t good_ip, good_udp, good_tcp;
	unsigned int i;

	(void)state;
	reset_stream();
	in[0] = udp4_packet(VDK_IPPROTO_UDP);	/* all right */
	in[1] = udp4_packet(VDK_IPPROTO_UDP);	/* bad IP header checksum */
	in[2] = udp4_packet(VDK_IPPROTO_UDP);	/* bad UDP checksum */
	in[3] = udp4_packet(VDK_IPPROTO_TCP);	/* bad TCP checksum */
	good_ip = ip_of(in[1])->hdr_checksum;
	good_udp = l4_cksum(in[2]);
	good_tcp = l4_cksum(in[3]);
	ip_of(in[1])->hdr_checksum ^= 0x0101;
	set_l4_cksum(in[2], (uint16_t)(good_udp ^ 0x00ff));
	set_l4_cksum(in[3], (uint16_t)(good_tcp + 1));
	assert_int_equal(run_engine(&fwd_csum_engine, in, 4, out), 4);
	assert_int_equal(fs.rx_bad_ip_csum, 1);
	assert_int_equal(fs.rx_bad_l4_csum, 2);
	assert_int_equal(ip_of(out[1])->hdr_checksum, good_ip);
	assert_int_equal(l4_cksum(out[2]), good_udp);
	assert_int_equal(l4_cksum(out[3]), good_tcp);
	for (i = 0; i < 4; i++) {
		assert_int_equal(out[i]->l2_len, 14);
		assert_int_equal(out[i]->l3_len, 20);
		assert_true(out[i]->ol_flags & VDK_MBUF_F_TX_IPV4);
		assert_false(out[i]->ol_flags & VDK_MBUF_F_TX_IP_CKSUM);
	}
	vdk_pktmbuf_free_bulk(out, 4);
}

static void
test_csum_accepts_udp_without_checksum_and_vlan_tags(void **state)
{
	struct vdk_mbuf *m, *out[64];
	uint8_t *p;
	uint16_t want;

	(void)state;
	reset_stream();
	m = udp4_packet(VDK_IPPROTO_UDP);
	want = l4_cksum(m);
	set_l4_cksum(m, 0);
	/* Insert an 802.1Q tag after the addresses. */
	assert_non_null(vdk_pktmbuf_prepend(m, 4));
	p = vdk_pktmbuf_mtod(m, uint8_t *);
	memmove(p, p + 4, 12);
	p[12] = 0x81;
	p[13] = 0x00;
	p[14] = 0x00;
	p[15] = 0x05;
	fwd_csum_packet(&fs, m, 0);
	assert_int_equal(fs.rx_bad_ip_csum + fs.rx_bad_l4_csum, 0);
	assert_int_equal(m->l2_len, 18);
	memcpy(&want, p + 18 + 20 + 6, 2);
	assert_int_not_equal(want, 0);	/* filled in on the way out */
	vdk_pktmbuf_free(m);
	(void)out;
}

static void
test_csum_leaves_checksums_to_a_port_that_offloads_them(void **state)
{
	struct vdk_mbuf *m;
	uint64_t all = VDK_ETH_TX_OFFLOAD_IPV4_CKSUM | VDK_ETH_TX_OFFLOAD_UDP_CKSUM |
		       VDK_ETH_TX_OFFLOAD_TCP_CKSUM;

	(void)state;
	reset_stream();
	m = udp4_packet(VDK_IPPROTO_UDP);
	fwd_csum_packet(&fs, m, all);
	assert_int_equal(ip_of(m)->hdr_checksum, 0);
	assert_int_equal(l4_cksum(m), 0);
	assert_true(m->ol_flags & VDK_MBUF_F_TX_IP_CKSUM);
	assert_int_equal(m->ol_flags & VDK_MBUF_F_TX_L4_MASK, VDK_MBUF_F_TX_UDP_CKSUM);
	vdk_pktmbuf_free(m);
	m = udp4_packet(VDK_IPPROTO_TCP);
	m->ol_flags = VDK_MBUF_F_RX_L4_CKSUM_BAD | VDK_MBUF_F_RX_IP_CKSUM_GOOD;
	fwd_csum_packet(&fs, m, all);
	assert_int_equal(fs.rx_bad_l4_csum, 1);	/* the driver said so */
	assert_int_equal(fs.rx_bad_ip_csum, 0);
	assert_int_equal(m->ol_flags & VDK_MBUF_F_TX_L4_MASK, VDK_MBUF_F_TX_TCP_CKSUM);
	vdk_pktmbuf_free(m);
}

static void
test_csum_checks_ipv6_udp(void **state)
{
	struct vdk_mbuf *m = vdk_pktmbuf_alloc(pool);
	uint8_t *p;
	struct vdk_ipv6_hdr *ip6;
	struct vdk_udp_hdr *u;
	uint16_t good, got;

	(void)state;
	reset_stream();
	assert_non_null(vdk_pktmbuf_append(m, 14 + 40 + 8 + 4));
	p = vdk_pktmbuf_mtod(m, uint8_t *);
	memset(p, 0, 66);
	((struct vdk_ether_hdr *)p)->ether_type = vdk_cpu_to_be16(VDK_ETHER_TYPE_IPV6);
	ip6 = (struct vdk_ipv6_hdr *)(p + 14);
	ip6->vtc_flow = vdk_cpu_to_be32(6u << 28);
	ip6->payload_len = vdk_cpu_to_be16(12);
	ip6->proto = VDK_IPPROTO_UDP;
	ip6->hop_limits = 64;
	ip6->src_addr[15] = 1;
	ip6->dst_addr[15] = 2;
	u = (struct vdk_udp_hdr *)(p + 54);
	u->dgram_len = vdk_cpu_to_be16(12);
	good = vdk_ipv6_udptcp_cksum(ip6, u);
	u->dgram_cksum = (uint16_t)(good + 3);
	fwd_csum_packet(&fs, m, 0);
	assert_int_equal(fs.rx_bad_l4_csum, 1);
	memcpy(&got, p + 54 + 6, 2);
	assert_int_equal(got, good);
	assert_true(m->ol_flags & VDK_MBUF_F_TX_IPV6);
	assert_int_equal(m->l3_len, 40);
	vdk_pktmbuf_free(m);
}


static void
test_txonly_builds_udp_packets_of_txpkts_length(void **state)
{
	struct vdk_mbuf *out[64];
	struct vdk_ether_hdr *eth;
	struct vdk_ipv4_hdr *ip;
	struct vdk_udp_hdr *u;
	unsigned int n, i;

	(void)state;
	reset_stream();
	cfg->nb_txsegs = 1;
	cfg->txsegs[0] = 100;
	cfg->txpkt_len = 100;
	cfg->burst = 8;
	fwd_txonly_template(cfg);
	cfg->engine = &fwd_txonly_engine;
	fwd_txonly_engine.fwd(&fs, cfg);
	n = vdk_ring_dequeue_burst(ring_out, (void **)out, 64, NULL);
	assert_int_equal(n, 8);
	assert_int_equal(fs.tx_packets, 8);
	for (i = 0; i < n; i++) {
		assert_int_equal(out[i]->pkt_len, 100);
		assert_int_equal(out[i]->nb_segs, 1);
		assert_int_equal(vdk_mbuf_check(out[i], 1, NULL), 0);
		eth = vdk_pktmbuf_mtod(out[i], struct vdk_ether_hdr *);
		assert_true(vdk_is_same_ether_addr(&eth->dst_addr, &cfg->peer_addr[port_b]));
		assert_true(vdk_is_same_ether_addr(&eth->src_addr, &cfg->port_addr[port_b]));
		ip = (struct vdk_ipv4_hdr *)(eth + 1);
		assert_int_equal(vdk_be16(ip->total_length), 86);
		assert_int_equal(ip->next_proto_id, VDK_IPPROTO_UDP);
		assert_int_equal(vdk_cksum_fold(vdk_raw_cksum_add(ip, 20, 0)), 0xffff);
		u = (struct vdk_udp_hdr *)(ip + 1);
		assert_int_equal(vdk_be16(u->dgram_len), 66);
	}
	vdk_pktmbuf_free_bulk(out, n);

	/* Two segments: 64 + 36. */
	cfg->nb_txsegs = 2;
	cfg->txsegs[0] = 64;
	cfg->txsegs[1] = 36;
	fwd_txonly_engine.fwd(&fs, cfg);
	n = vdk_ring_dequeue_burst(ring_out, (void **)out, 64, NULL);
	assert_int_equal(n, 8);
	for (i = 0; i < n; i++) {
		assert_int_equal(out[i]->nb_segs, 2);
		assert_int_equal(out[i]->pkt_len, 100);
		assert_int_equal(out[i]->data_len, 64);
		assert_int_equal(out[i]->next->data_len, 36);
		assert_int_equal(vdk_mbuf_check(out[i], 1, NULL), 0);
	}
	vdk_pktmbuf_free_bulk(out, n);
	cfg->nb_txsegs = 1;
	cfg->txsegs[0] = 64;
	cfg->txpkt_len = 64;
	cfg->burst = 32;
	assert_int_equal(vdk_mempool_in_use_count(pool), 0);
}

/* The histogram holds only zeros. */
static bool
spread_empty(const uint64_t *spread)
{
	for (unsigned int s = 0; s <= TP_MAX_BURST; s++)
		if (spread[s] != 0)
			return false;
	return true;
}

/* Sum of size * count: the packets the recorded bursts carried. */
static uint64_t
spread_packets(const uint64_t *spread)
{
	uint64_t n = 0;

	for (unsigned int s = 0; s <= TP_MAX_BURST; s++)
		n += s * spread[s];
	return n;
}

static uint64_t
spread_bursts(const uint64_t *spread)
{
	uint64_t n = 0;

	for (unsigned int s = 0; s <= TP_MAX_BURST; s++)
		n += spread[s];
	return n;
}

static void
test_engines_record_nothing_while_recording_is_off(void **state)
{
	struct vdk_mbuf *in[4], *out[64];
	unsigned int i;

	(void)state;
	reset_stream();
	cfg->record_burst_stats = false;
	for (i = 0; i < 4; i++)
		in[i] = udp4_packet(VDK_IPPROTO_UDP);
	assert_int_equal(run_engine(&fwd_io_engine, in, 4, out), 4);
	assert_int_equal(run_engine(&fwd_io_engine, in, 0, out + 4), 0);	/* an empty poll */
	assert_int_equal(fs.rx_packets, 4);
	assert_true(spread_empty(fs.rx_bursts));
	assert_true(spread_empty(fs.tx_bursts));
	vdk_pktmbuf_free_bulk(out, 4);
}

/* Every engine that calls rx_burst or tx_burst counts each call by what it returned. */
static void
test_engines_record_each_burst_by_size(void **state)
{
	static const struct fwd_engine *const both[] = {
		&fwd_io_engine, &fwd_mac_engine, &fwd_macswap_engine, &fwd_csum_engine,
	};
	struct vdk_mbuf *in[40], *out[64];
	unsigned int e, i, n;

	(void)state;
	cfg->record_burst_stats = true;
	for (e = 0; e < VDK_DIM(both); e++) {
		reset_stream();
		for (i = 0; i < 3; i++)
			in[i] = udp4_packet(VDK_IPPROTO_UDP);
		assert_int_equal(run_engine(both[e], in, 3, out), 3);
		vdk_pktmbuf_free_bulk(out, 3);
		assert_int_equal(run_engine(both[e], in, 0, out), 0);
		assert_int_equal(run_engine(both[e], in, 0, out), 0);
		/* Empty polls count as rx bursts of 0 and send nothing. */
		assert_int_equal(fs.rx_bursts[0], 2);
		assert_int_equal(fs.rx_bursts[3], 1);
		assert_int_equal(spread_bursts(fs.rx_bursts), 3);
		assert_int_equal(fs.tx_bursts[3], 1);
		assert_int_equal(spread_bursts(fs.tx_bursts), 1);
	}

	/* io through a tx queue with room for 10: rx 32, tx 10. */
	reset_stream();
	queue_40_with_tx_room_for_10();
	fwd_io_engine.fwd(&fs, cfg);
	assert_int_equal(fs.rx_bursts[32], 1);
	assert_int_equal(fs.tx_bursts[10], 1);
	/* The queue is full now: a burst of 8 in, none out. */
	fwd_io_engine.fwd(&fs, cfg);
	assert_int_equal(fs.rx_bursts[8], 1);
	assert_int_equal(fs.tx_bursts[0], 1);
	assert_int_equal(spread_packets(fs.rx_bursts), fs.rx_packets);
	assert_int_equal(spread_packets(fs.tx_bursts), fs.tx_packets);
	while ((n = vdk_ring_dequeue_burst(ring_out, (void **)out, 64, NULL)) > 0)
		vdk_pktmbuf_free_bulk(out, n);

	/* rxonly: receive only. */
	reset_stream();
	for (i = 0; i < 5; i++)
		in[i] = udp4_packet(VDK_IPPROTO_UDP);
	assert_int_equal(run_engine(&fwd_rxonly_engine, in, 5, out), 0);
	assert_int_equal(fs.rx_bursts[5], 1);
	assert_true(spread_empty(fs.tx_bursts));

	/* txonly: send only, a whole burst. */
	reset_stream();
	cfg->burst = 8;
	fwd_txonly_engine.fwd(&fs, cfg);
	assert_int_equal(vdk_ring_dequeue_burst(ring_out, (void **)out, 64, NULL), 8);
	vdk_pktmbuf_free_bulk(out, 8);
	assert_int_equal(fs.tx_bursts[8], 1);
	assert_int_equal(spread_bursts(fs.tx_bursts), 1);
	assert_true(spread_empty(fs.rx_bursts));
	cfg->burst = 32;
	cfg->record_burst_stats = false;
	assert_int_equal(vdk_mempool_in_use_count(pool), 0);
}

/* A histogram given as (size, count) pairs, and the line it must print. */
struct burst_case {
	const char *dir;
	struct {
		unsigned int size;
		uint64_t count;
	} spread[6];	/* up to the first zero count */
	const char *want;
};

static void
check_burst_lines(const struct burst_case *cases, unsigned int n)
{
	uint64_t sp[TP_MAX_BURST + 1];
	unsigned int i, k;
	char *buf;
	size_t len;
	FILE *f;

	for (i = 0; i < n; i++) {
		memset(sp, 0, sizeof(sp));
		for (k = 0; k < VDK_DIM(cases[i].spread) && cases[i].spread[k].count; k++)
			sp[cases[i].spread[k].size] = cases[i].spread[k].count;
		buf = NULL;
		f = open_memstream(&buf, &len);
		assert_non_null(f);
		tp_burst_stats_print(f, cases[i].dir, sp);
		fclose(f);
		if (strcmp(buf, cases[i].want) != 0)
			fail_msg("case %u printed \"%s\", not \"%s\"", i, buf, cases[i].want);
		free(buf);
	}
}

static void
test_burst_line_has_dpdks_layout(void **state)
{
	static const struct burst_case cases[] = {
		/* No burst at all: no line (recording was off, or nothing polled). */
		{ "RX", { { 0, 0 } }, "" },
		/* Empty bursts first, always; the last share shown is what is left. */
		{ "RX", { { 0, 1434 }, { 32, 19042 } },
		  "  RX-bursts : 20476 [7% of 0 pkts + 93% of 32 pkts]\n" },
		{ "TX", { { 32, 20484 } },
		  "  TX-bursts : 20484 [0% of 0 pkts + 100% of 32 pkts]\n" },
		{ "RX", { { 0, 10 } }, "  RX-bursts : 10 [100% of 0 pkts]\n" },
		/* Two sizes besides 0 cover everything: no "other". */
		{ "RX", { { 0, 1 }, { 1, 1 }, { TP_MAX_BURST, 1 } },
		  "  RX-bursts : 3 [33% of 0 pkts + 33% of 1 pkts + 34% of 512 pkts]\n" },
		/* More sizes: the two most frequent, by count, then all the rest. */
		{ "TX", { { 0, 10 }, { 5, 7 }, { 16, 30 }, { 32, 50 }, { 512, 3 } },
		  "  TX-bursts : 100 [10% of 0 pkts + 50% of 32 pkts + 30% of 16 pkts + "
		  "10% of other]\n" },
		/* Empty bursts are no candidate for the top two, however many. */
		{ "RX", { { 0, 60 }, { 1, 3 }, { 2, 30 }, { 9, 7 } },
		  "  RX-bursts : 100 [60% of 0 pkts + 30% of 2 pkts + 7% of 9 pkts + "
		  "3% of other]\n" },
		/* Shares round down; "other" takes the remainder. */
		{ "RX", { { 0, 2 }, { 1, 2 }, { 2, 2 }, { 3, 1 } },
		  "  RX-bursts : 7 [28% of 0 pkts + 28% of 1 pkts + 28% of 2 pkts + "
		  "16% of other]\n" },
	};

	(void)state;
	check_burst_lines(cases, VDK_DIM(cases));
}

static void
test_burst_line_ties_go_to_the_smaller_size(void **state)
{
	static const struct burst_case cases[] = {
		{ "RX", { { 4, 10 }, { 8, 10 }, { 12, 10 } },
		  "  RX-bursts : 30 [0% of 0 pkts + 33% of 4 pkts + 33% of 8 pkts + "
		  "34% of other]\n" },
		/* A later, larger count takes first place and pushes the earlier one down. */
		{ "RX", { { 3, 5 }, { 5, 10 }, { 7, 10 } },
		  "  RX-bursts : 25 [0% of 0 pkts + 40% of 5 pkts + 40% of 7 pkts + "
		  "20% of other]\n" },
		{ "TX", { { 7, 4 }, { 300, 4 }, { 2, 4 } },
		  "  TX-bursts : 12 [0% of 0 pkts + 33% of 2 pkts + 33% of 7 pkts + "
		  "34% of other]\n" },
	};

	(void)state;
	check_burst_lines(cases, VDK_DIM(cases));
}

static void
test_engine_names_resolve(void **state)
{
	(void)state;
	assert_ptr_equal(fwd_engine_find("io"), &fwd_io_engine);
	assert_ptr_equal(fwd_engine_find("csum"), &fwd_csum_engine);
	assert_null(fwd_engine_find("iox"));
	assert_null(fwd_engine_find(""));
	assert_null(fwd_engine_find(NULL));
}

/*
 * A loop: port B's tx ring feeds port B's rx (ring_back), and the lcore
 * forwards B to B. Packets circulate while the control thread switches
 * engine, burst and txpkts; afterwards every packet is still there.
 */
static void
test_switches_while_forwarding_lose_no_packet(void **state)
{
	static const char *const modes[] = { "macswap", "mac", "io", "csum", "io" };
	struct vdk_mbuf *pkts[64];
	struct timespec ms = { 0, 2 * 1000 * 1000 };
	uint16_t loop_port;
	struct vdk_ring *lr;
	unsigned int i, n, total = 0, round;
	uint16_t segs[2] = { 64, 64 };
	int p;

	(void)state;
	lr = vdk_ring_create("t_loop", 256, VDK_SOCKET_ID_ANY, 0);
	assert_non_null(lr);
	p = vdk_eth_from_rings("loop", &lr, 1, &lr, 1, VDK_SOCKET_ID_ANY);
	assert_true(p >= 0);
	loop_port = (uint16_t)p;
	assert_int_equal(vdk_eth_dev_configure(loop_port, 1, 1, NULL), 0);
	assert_int_equal(vdk_eth_rx_queue_setup(loop_port, 0, 0, 0, NULL, pool), 0);
	assert_int_equal(vdk_eth_tx_queue_setup(loop_port, 0, 0, 0, NULL), 0);
	assert_int_equal(vdk_eth_dev_start(loop_port), 0);
	memset(tp.ports, 0, sizeof(tp.ports));
	tp.ports[loop_port].fwd = true;
	tp.engine = &fwd_io_engine;
	for (i = 0; i < 100; i++)
		assert_int_equal(vdk_ring_enqueue(lr, udp4_packet(VDK_IPPROTO_UDP)), 0);

	assert_int_equal(tp_set_record_burst_stats(&tp, true), 0);
	assert_int_equal(tp_fwd_start(&tp, 0), 0);
	assert_true(tp.forwarding);
	for (round = 0; round < 20; round++) {
		nanosleep(&ms, NULL);
		assert_int_equal(tp_set_fwd(&tp, modes[round % VDK_DIM(modes)]), 0);
		assert_int_equal(tp_set_burst(&tp, 1 + (round * 7) % 64), 0);
		assert_int_equal(tp_set_txpkts(&tp, segs, 1 + round % 2), 0);
	}
	/*
	 * On a loaded machine the lcore may not have run much yet: give it up
	 * to 5 s to move more packets than were put in before stopping.
	 */
	for (i = 0; i < 5000 && __atomic_load_n(&tp.streams[0].rx_packets,
						 __ATOMIC_RELAXED) <= 100; i++)
		nanosleep(&(struct timespec){ 0, 1000 * 1000 }, NULL);
	assert_int_equal(tp_fwd_stop(&tp), 0);
	assert_false(tp.forwarding);
	assert_int_equal(tp.nb_streams, 1);
	assert_true(tp.streams[0].rx_packets > 100);
	assert_int_equal(tp.streams[0].fwd_dropped, 0);
	assert_int_equal(tp.streams[0].rx_packets, tp.streams[0].tx_packets);
	/* Every burst of every engine and burst size was recorded, and only those. */
	assert_int_equal(spread_packets(tp.streams[0].rx_bursts), tp.streams[0].rx_packets);
	assert_int_equal(spread_packets(tp.streams[0].tx_bursts), tp.streams[0].tx_packets);
	assert_true(spread_bursts(tp.streams[0].rx_bursts) >=
		    spread_bursts(tp.streams[0].tx_bursts));
	/* The last configuration is what was asked last. */
	assert_ptr_equal(tp.cfg->engine, fwd_engine_find(modes[19 % VDK_DIM(modes)]));
	assert_int_equal(tp.cfg->burst, 1 + (19 * 7) % 64);
	while ((n = vdk_ring_dequeue_burst(lr, (void **)pkts, 64, NULL)) > 0) {
		total += n;
		vdk_pktmbuf_free_bulk(pkts, n);
	}
	assert_int_equal(total, 100);
	assert_int_equal(vdk_mempool_in_use_count(pool), 0);

	/*
	 * Off at start: the last run's histograms are gone and nothing is
	 * recorded. Switched on while running: the lcore takes it up at its
	 * next loop, and counts the empty polls of the now empty ring.
	 */
	assert_int_equal(tp_set_record_burst_stats(&tp, false), 0);
	assert_int_equal(tp_fwd_start(&tp, 0), 0);
	nanosleep(&ms, NULL);
	assert_true(spread_empty(tp.streams[0].rx_bursts));
	assert_int_equal(tp_set_record_burst_stats(&tp, true), 0);
	assert_true(tp.cfg->record_burst_stats);
	for (i = 0; i < 5000 && __atomic_load_n(&tp.streams[0].rx_bursts[0],
						 __ATOMIC_RELAXED) == 0; i++)
		nanosleep(&(struct timespec){ 0, 1000 * 1000 }, NULL);
	assert_int_equal(tp_fwd_stop(&tp), 0);
	assert_true(tp.streams[0].rx_bursts[0] > 0);
	assert_int_equal(spread_bursts(tp.streams[0].rx_bursts), tp.streams[0].rx_bursts[0]);
	assert_true(spread_empty(tp.streams[0].tx_bursts));
	assert_int_equal(tp_set_record_burst_stats(&tp, false), 0);
	/* Refusals while stopped and running. */
	assert_int_equal(tp_fwd_stop(&tp), -EINVAL);
	assert_int_equal(tp_set_fwd(&tp, "bogus"), -EINVAL);
	assert_int_equal(tp_set_burst(&tp, 0), -EINVAL);
	assert_int_equal(tp_set_burst(&tp, 513), -EINVAL);
	segs[0] = 4000;
	assert_int_equal(tp_set_txpkts(&tp, segs, 1), -EINVAL);
	assert_int_equal(tp_set_nbcore(&tp, 2), -EINVAL);
	assert_int_equal(tp_set_nbcore(&tp, 1), 0);
	tp_fwd_cleanup(&tp);
	assert_int_equal(vdk_eth_dev_close(loop_port), 0);
	vdk_ring_free(lr);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_io_forwards_packets_unchanged),
		cmocka_unit_test(test_io_counts_and_frees_what_tx_refuses),
		cmocka_unit_test(test_rxonly_frees_everything),
		cmocka_unit_test(test_mac_rewrites_both_addresses_for_the_tx_port),
		cmocka_unit_test(test_macswap_swaps_source_and_destination),
		cmocka_unit_test(test_mac_engines_leave_runts_alone),
		cmocka_unit_test(test_csum_counts_bad_checksums_and_fixes_them),
		cmocka_unit_test(test_csum_accepts_udp_without_checksum_and_vlan_tags),
		cmocka_unit_test(test_csum_leaves_checksums_to_a_port_that_offloads_them),
		cmocka_unit_test(test_csum_checks_ipv6_udp),
		cmocka_unit_test(test_txonly_builds_udp_packets_of_txpkts_length),
		cmocka_unit_test(test_engines_record_nothing_while_recording_is_off),
		cmocka_unit_test(test_engines_record_each_burst_by_size),
		cmocka_unit_test(test_burst_line_has_dpdks_layout),
		cmocka_unit_test(test_burst_line_ties_go_to_the_smaller_size),
		cmocka_unit_test(test_engine_names_resolve),
		cmocka_unit_test(test_switches_while_forwarding_lose_no_packet),
	};

	return cmocka_run_group_tests(tests, fwd_fixture_setup, fwd_fixture_teardown);
}
