/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * nic_test: the nic vm tests' program, on the public ethdev API only (plus
 * the PCI API where a test plays the cable or the hot-plug). One line a
 * check, then "N passed, N failed"; exit status 0 only if all passed.
 *
 *   nic_test [EAL options] -- pair BDF_A BDF_B
 *	both ports VDK's, wired back to back: counts both ways, promiscuous
 *	mode, link and its interrupt, stop/start and close/re-probe without
 *	leaking mbufs, bad ring sizes and queue counts, a refused feature
 *   nic_test [EAL options] -- send BDF COUNT DST_MAC
 *	send COUNT test frames to DST_MAC (a kernel checks what arrives)
 *   nic_test [EAL options] -- recv BDF COUNT SECONDS
 *	print "ready MAC", then count test frames until COUNT or SECONDS
 *   nic_test ksend IFNAME COUNT DST_MAC
 *	the kernel sends COUNT test frames through an AF_PACKET socket
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "nic_frame.h"
#include "nic_test.h"
#include "vdk_eal.h"
#include "vdk_ethdev.h"
#include "vdk_mbuf.h"
#include "vdk_pci.h"

unsigned int nic_passed, nic_failed;

void
nic_check(bool ok, const char *fmt, ...)
{
	va_list ap;

	printf("%s - ", ok ? "ok" : "FAIL");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	if (ok)
		nic_passed++;
	else
		nic_failed++;
}

double
nic_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

void
nic_sleep_ms(unsigned int ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

int
nic_port_up(uint16_t port, struct vdk_mempool *pool, uint16_t nb_desc, bool lsc)
{
	struct vdk_eth_conf conf = { .lsc_intr = lsc };
	int ret;

	ret = vdk_eth_dev_configure(port, 1, 1, &conf);
	if (ret == 0)
		ret = vdk_eth_rx_queue_setup(port, 0, nb_desc, VDK_SOCKET_ID_ANY, NULL, pool);
	if (ret == 0)
		ret = vdk_eth_tx_queue_setup(port, 0, nb_desc, VDK_SOCKET_ID_ANY, NULL);
	if (ret == 0)
		ret = vdk_eth_dev_start(port);
	return ret;
}

unsigned int
nic_rx_count(uint16_t port, unsigned int *other)
{
	struct vdk_mbuf *pkts[32];
	unsigned int ours = 0;
	uint16_t n, i;

	n = vdk_eth_rx_burst(port, 0, pkts, 32);
	for (i = 0; i < n; i++) {
		if (nic_frame_is_ours(vdk_pktmbuf_mtod(pkts[i], void *), pkts[i]->pkt_len))
			ours++;
		else if (other != NULL)
			(*other)++;
	}
	vdk_pktmbuf_free_bulk(pkts, n);
	return ours;
}

unsigned int
nic_drain(uint16_t port, unsigned int want, double seconds)
{
	double end = nic_now() + seconds;
	unsigned int got = 0;

	while (got < want && nic_now() < end)
		got += nic_rx_count(port, NULL);
	return got;
}

unsigned int
nic_send(uint16_t tx, uint16_t rx, unsigned int n, const struct vdk_ether_addr *dst,
	 struct vdk_mempool *pool, unsigned int *received)
{
	struct vdk_mbuf *pkts[32];
	struct vdk_ether_addr src;
	unsigned int sent = 0, i, burst;
	double now = nic_now(), end = now + 10.0, progress = now;
	uint16_t acc;

	vdk_eth_macaddr_get(tx, &src);
	/* Until all are accepted, or the port takes none for a second. */
	while (sent < n && now < end && now - progress < 1.0) {
		burst = VDK_MIN(32u, n - sent);
		if (vdk_pktmbuf_alloc_bulk(pool, pkts, burst) != 0)
			break;
		for (i = 0; i < burst; i++) {
			char *d = vdk_pktmbuf_append(pkts[i], NIC_FRAME_LEN);

			nic_frame_build(d, &src, dst, sent + i);
		}
		acc = vdk_eth_tx_burst(tx, 0, pkts, (uint16_t)burst);
		vdk_pktmbuf_free_bulk(&pkts[acc], burst - acc);
		sent += acc;
		if (rx != UINT16_MAX && received != NULL)
			*received += nic_rx_count(rx, NULL);
		now = nic_now();
		if (acc != 0)
			progress = now;
	}
	return sent;
}

static int
port_by_bdf(const char *bdf, uint16_t *port)
{
	struct vdk_pci_addr a;
	char name[VDK_PCI_NAME_LEN];

	if (vdk_pci_addr_parse(bdf, &a) != 0 || vdk_pci_addr_format(&a, name, sizeof(name)) != 0)
		return -EINVAL;
	return vdk_eth_dev_get_port_by_name(name, port);
}

static int
cmd_send(char **argv)
{
	struct vdk_ether_addr dst;
	struct vdk_eth_stats st;
	struct vdk_mempool *pool;
	unsigned long n = strtoul(argv[1], NULL, 0);
	unsigned int sent;
	uint16_t port;

	if (port_by_bdf(argv[0], &port) != 0 || vdk_ether_unformat_addr(argv[2], &dst) != 0) {
		fprintf(stderr, "send: no port at %s or bad MAC %s\n", argv[0], argv[2]);
		return 2;
	}
	pool = vdk_pktmbuf_pool_create("nic_send", 2047, 32, 0, VDK_MBUF_DEFAULT_BUF_SIZE,
				       VDK_SOCKET_ID_ANY);
	nic_check(pool != NULL && nic_port_up(port, pool, 0, false) == 0,
		  "port %u at %s is up", port, argv[0]);
	if (nic_failed)
		return 1;
	nic_sleep_ms(200);
	sent = nic_send(port, UINT16_MAX, (unsigned int)n, &dst, pool, NULL);
	/* Queued frames leave before the counters are read and the port stops. */
	nic_sleep_ms(500);
	vdk_eth_stats_get(port, &st);
	nic_check(sent == n, "the port accepted %u of %lu frames", sent, n);
	nic_check(st.opackets == n, "its tx counter says %llu", (unsigned long long)st.opackets);
	printf("sent %u\n", sent);
	vdk_eth_dev_close(port);
	return 0;
}

static int
cmd_recv(char **argv)
{
	struct vdk_eth_stats st;
	struct vdk_mempool *pool;
	unsigned long n = strtoul(argv[1], NULL, 0);
	double secs = strtod(argv[2], NULL), end, last = 0;
	unsigned int got = 0, other = 0;
	char macstr[VDK_ETHER_ADDR_FMT_SIZE];
	struct vdk_ether_addr mac;
	uint16_t port;

	if (port_by_bdf(argv[0], &port) != 0) {
		fprintf(stderr, "recv: no port at %s\n", argv[0]);
		return 2;
	}
	pool = vdk_pktmbuf_pool_create("nic_recv", 2047, 32, 0, VDK_MBUF_DEFAULT_BUF_SIZE,
				       VDK_SOCKET_ID_ANY);
	nic_check(pool != NULL && nic_port_up(port, pool, 0, false) == 0,
		  "port %u at %s is up", port, argv[0]);
	if (nic_failed)
		return 1;
	vdk_eth_macaddr_get(port, &mac);
	vdk_ether_format_addr(macstr, sizeof(macstr), &mac);
	printf("ready %s\n", macstr);
	fflush(stdout);
	end = nic_now() + secs;
	while (got < n && nic_now() < end) {
		got += nic_rx_count(port, &other);
		if (got != 0 && last == 0)
			last = nic_now();
	}
	/* Anything beyond the count would be a duplicate: look a little longer. */
	end = nic_now() + 0.3;
	while (nic_now() < end)
		got += nic_rx_count(port, &other);
	vdk_eth_stats_get(port, &st);
	nic_check(got == n, "received %u of %lu test frames (and %u others)", got, n, other);
	nic_check(st.ierrors == 0, "no rx errors (%llu)", (unsigned long long)st.ierrors);
	printf("received %u\n", got);
	vdk_eth_dev_close(port);
	return 0;
}

/* The kernel as the sender: no EAL, one AF_PACKET socket. */
static int
cmd_ksend(char **argv)
{
	unsigned long n = strtoul(argv[1], NULL, 0), i;
	struct vdk_ether_addr dst, src = { { 0x02, 0, 0, 0, 0, 0x01 } };
	struct sockaddr_ll sll = { .sll_family = AF_PACKET };
	uint8_t frame[NIC_FRAME_LEN];
	int fd, ok = 0;

	if (vdk_ether_unformat_addr(argv[2], &dst) != 0) {
		fprintf(stderr, "ksend: bad MAC %s\n", argv[2]);
		return 2;
	}
	fd = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));
	sll.sll_ifindex = (int)if_nametoindex(argv[0]);
	if (fd < 0 || sll.sll_ifindex == 0) {
		fprintf(stderr, "ksend: %s: %s\n", argv[0], strerror(errno));
		return 2;
	}
	sll.sll_halen = 6;
	memcpy(sll.sll_addr, dst.addr_bytes, 6);
	for (i = 0; i < n; i++) {
		nic_frame_build(frame, &src, &dst, (uint32_t)i);
		/* A full qdisc says ENOBUFS: wait and retry rather than lose one. */
		while (sendto(fd, frame, sizeof(frame), 0, (struct sockaddr *)&sll,
			      sizeof(sll)) < 0) {
			if (errno != ENOBUFS && errno != EAGAIN) {
				fprintf(stderr, "ksend: sendto: %s\n", strerror(errno));
				close(fd);
				return 1;
			}
			nic_sleep_ms(1);
		}
		ok++;
	}
	close(fd);
	printf("ksent %d\n", ok);
	return 0;
}

int
main(int argc, char **argv)
{
	int consumed, ret;

	if (argc >= 5 && strcmp(argv[1], "ksend") == 0)
		return cmd_ksend(argv + 2);
	consumed = vdk_eal_init(argc, argv);
	if (consumed < 0) {
		fprintf(stderr, "nic_test: EAL init failed: %s\n", strerror(-consumed));
		return 2;
	}
	argc -= consumed;
	argv += consumed;
	if (argc >= 2 && strcmp(argv[1], "--") == 0) {
		argc--;
		argv++;
	}
	if (argc >= 4 && strcmp(argv[1], "pair") == 0)
		ret = nic_pair(argv[2], argv[3]);
	else if (argc >= 5 && strcmp(argv[1], "send") == 0)
		ret = cmd_send(argv + 2);
	else if (argc >= 5 && strcmp(argv[1], "recv") == 0)
		ret = cmd_recv(argv + 2);
	else {
		fprintf(stderr, "usage: nic_test [EAL options] -- pair BDF_A BDF_B | send BDF N MAC |"
			" recv BDF N SECONDS\n       nic_test ksend IFNAME N MAC\n");
		ret = 2;
	}
	if (ret == 0 || ret == 1) {
		printf("%u passed, %u failed\n", nic_passed, nic_failed);
		ret = nic_failed ? 1 : 0;
	}
	vdk_eal_cleanup();
	return ret;
}
