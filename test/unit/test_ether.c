/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Ethernet helpers: MAC address text forms and tests, byte order, and the
 * Internet checksum against packets whose checksums are known.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "vdk_ether.h"

static void
test_mac_format_and_parse_round_trip(void **state)
{
	struct vdk_ether_addr a = { { 0x02, 0xab, 0x00, 0x10, 0xfe, 0x7 } }, b;
	char buf[VDK_ETHER_ADDR_FMT_SIZE];

	(void)state;
	vdk_ether_format_addr(buf, sizeof(buf), &a);
	assert_string_equal(buf, "02:AB:00:10:FE:07");
	assert_int_equal(vdk_ether_unformat_addr("02:ab:00:10:fe:07", &b), 0);
	assert_true(vdk_is_same_ether_addr(&a, &b));
	assert_int_equal(vdk_ether_unformat_addr("02-AB-00-10-FE-07", &b), 0);
	assert_true(vdk_is_same_ether_addr(&a, &b));
}

static void
test_mac_parse_rejects_malformed_text_and_keeps_old_value(void **state)
{
	static const char *const bad[] = {
		"", "02:ab:00:10:fe", "02:ab:00:10:fe:07:00", "02:ab:00:10:fe:0g",
		"02:ab-00:10:fe:07", "02.ab.00.10.fe.07", "2:ab:00:10:fe:07:",
	};
	struct vdk_ether_addr b = { { 1, 2, 3, 4, 5, 6 } }, orig = b;
	unsigned int i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(vdk_ether_unformat_addr(bad[i], &b), -EINVAL);
	assert_int_equal(vdk_ether_unformat_addr(NULL, &b), -EINVAL);
	assert_true(vdk_is_same_ether_addr(&b, &orig));
}

static void
test_mac_classes(void **state)
{
	struct vdk_ether_addr zero = { { 0 } }, bc = { { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff } };
	struct vdk_ether_addr mc = { { 0x01, 0x00, 0x5e, 0, 0, 1 } }, uc = { { 0x02, 0, 0, 0, 0, 1 } };
	struct vdk_ether_addr r, copy;
	int i;

	(void)state;
	assert_true(vdk_is_zero_ether_addr(&zero));
	assert_true(vdk_is_broadcast_ether_addr(&bc));
	assert_true(vdk_is_multicast_ether_addr(&bc));
	assert_true(vdk_is_multicast_ether_addr(&mc));
	assert_false(vdk_is_valid_assigned_ether_addr(&mc));
	assert_false(vdk_is_valid_assigned_ether_addr(&zero));
	assert_true(vdk_is_valid_assigned_ether_addr(&uc));
	for (i = 0; i < 16; i++) {
		vdk_ether_random_addr(&r);
		assert_true(vdk_is_valid_assigned_ether_addr(&r));
		assert_true(r.addr_bytes[0] & 0x02);
	}
	vdk_ether_addr_copy(&uc, &copy);
	assert_true(vdk_is_same_ether_addr(&uc, &copy));
}

static void
test_byte_order_helpers(void **state)
{
	(void)state;
	assert_int_equal(vdk_cpu_to_be16(0x0800), 0x0008);
	assert_int_equal(vdk_be16(vdk_cpu_to_be16(0x1234)), 0x1234);
	assert_int_equal(vdk_cpu_to_be32(0x0a000001), 0x0100000a);
	assert_int_equal(vdk_be32(vdk_cpu_to_be32(0xdeadbeef)), 0xdeadbeef);
}

/* A textbook UDP datagram header; its checksum field holds b8 61. */
static const uint8_t ip_example[20] = {
	0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11,
	0xb8, 0x61, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7,
};

static void
test_ipv4_header_checksum_matches_known_value(void **state)
{
	struct vdk_ipv4_hdr ip;
	uint16_t c;

	(void)state;
	memcpy(&ip, ip_example, sizeof(ip));
	c = vdk_ipv4_cksum(&ip);
	assert_int_equal(((uint8_t *)&c)[0], 0xb8);
	assert_int_equal(((uint8_t *)&c)[1], 0x61);
	/* The stored value does not enter the computation. */
	ip.hdr_checksum = 0x1234;
	assert_int_equal(vdk_ipv4_cksum(&ip), c);
	/* A header with its right checksum sums to all ones. */
	ip.hdr_checksum = c;
	assert_int_equal(vdk_cksum_fold(vdk_raw_cksum_add(&ip, sizeof(ip), 0)), 0xffff);
}

static void
test_udp_checksum_verifies_and_zero_becomes_ones(void **state)
{
	struct {
		struct vdk_ipv4_hdr ip;
		struct vdk_udp_hdr udp;
		uint8_t payload[5];
	} __attribute__((packed)) pkt;
	uint16_t c;
	uint32_t sum;

	(void)state;
	memset(&pkt, 0, sizeof(pkt));
	pkt.ip.version_ihl = 0x45;
	pkt.ip.total_length = vdk_cpu_to_be16(sizeof(pkt));
	pkt.ip.time_to_live = 64;
	pkt.ip.next_proto_id = VDK_IPPROTO_UDP;
	pkt.ip.src_addr = vdk_cpu_to_be32(0xc0a80001);
	pkt.ip.dst_addr = vdk_cpu_to_be32(0xc0a80002);
	pkt.udp.src_port = vdk_cpu_to_be16(1234);
	pkt.udp.dst_port = vdk_cpu_to_be16(5678);
	pkt.udp.dgram_len = vdk_cpu_to_be16(sizeof(pkt) - sizeof(pkt.ip));
	memcpy(pkt.payload, "hello", 5);
	c = vdk_ipv4_udptcp_cksum(&pkt.ip, &pkt.udp);
	pkt.udp.dgram_cksum = c;
	/* Receiver's check: pseudo-header plus segment sums to all ones. */
	{
		struct {
			vdk_be32_t s, d;
			uint8_t z, p;
			vdk_be16_t l;
		} __attribute__((packed)) ph = { pkt.ip.src_addr, pkt.ip.dst_addr, 0, 17,
						 pkt.udp.dgram_len };

		sum = vdk_raw_cksum_add(&ph, sizeof(ph), 0);
		sum = vdk_raw_cksum_add(&pkt.udp, sizeof(pkt) - sizeof(pkt.ip), sum);
		assert_int_equal(vdk_cksum_fold(sum), 0xffff);
	}
	/* Odd payload length is padded with a zero byte. */
	assert_int_equal(vdk_raw_cksum_add("\x01", 1, 0), vdk_raw_cksum_add("\x01\x00", 2, 0));
}

static void
test_ipv6_tcp_checksum_verifies(void **state)
{
	struct {
		struct vdk_ipv6_hdr ip;
		struct vdk_tcp_hdr tcp;
		uint8_t payload[3];
	} __attribute__((packed)) pkt;
	uint32_t sum;
	vdk_be32_t len;
	uint8_t nh[4] = { 0, 0, 0, VDK_IPPROTO_TCP };

	(void)state;
	memset(&pkt, 0, sizeof(pkt));
	pkt.ip.vtc_flow = vdk_cpu_to_be32(6u << 28);
	pkt.ip.payload_len = vdk_cpu_to_be16(sizeof(pkt.tcp) + 3);
	pkt.ip.proto = VDK_IPPROTO_TCP;
	pkt.ip.src_addr[15] = 1;
	pkt.ip.dst_addr[15] = 2;
	pkt.tcp.data_off = 5 << 4;
	memcpy(pkt.payload, "abc", 3);
	pkt.tcp.cksum = vdk_ipv6_udptcp_cksum(&pkt.ip, &pkt.tcp);
	len = vdk_cpu_to_be32(sizeof(pkt.tcp) + 3);
	sum = vdk_raw_cksum_add(pkt.ip.src_addr, 32, 0);
	sum = vdk_raw_cksum_add(&len, 4, sum);
	sum = vdk_raw_cksum_add(nh, 4, sum);
	sum = vdk_raw_cksum_add(&pkt.tcp, sizeof(pkt.tcp) + 3, sum);
	assert_int_equal(vdk_cksum_fold(sum), 0xffff);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mac_format_and_parse_round_trip),
		cmocka_unit_test(test_mac_parse_rejects_malformed_text_and_keeps_old_value),
		cmocka_unit_test(test_mac_classes),
		cmocka_unit_test(test_byte_order_helpers),
		cmocka_unit_test(test_ipv4_header_checksum_matches_known_value),
		cmocka_unit_test(test_udp_checksum_verifies_and_zero_becomes_ones),
		cmocka_unit_test(test_ipv6_tcp_checksum_verifies),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
