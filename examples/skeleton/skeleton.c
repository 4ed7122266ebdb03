/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The smallest useful VDK packet program: forward everything port 0
 * receives to port 1 and back, on the main lcore, until interrupted or
 * until -n packets have gone through. Built against the installed libvdk
 * with pkg-config, as your own program would be (see the Makefile).
 *
 *   skeleton [EAL options] -- [-n PACKETS]
 *   skeleton -l 0 --no-huge --no-pci --vdev net_null0 --vdev net_null1 -- -n 1000000
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vdk_eal.h>
#include <vdk_ethdev.h>
#include <vdk_mbuf.h>

#define RX_DESC 1024
#define TX_DESC 1024
#define BURST 32
#define POOL_CACHE 250

static volatile sig_atomic_t quit;

static void
on_signal(int sig)
{
	(void)sig;
	quit = 1;
}

/* One rx and one tx queue, started, promiscuous. */
static int
port_init(uint16_t port, struct vdk_mempool *pool)
{
	struct vdk_eth_dev_info info;
	struct vdk_ether_addr mac;
	char buf[VDK_ETHER_ADDR_FMT_SIZE];
	int ret, socket = vdk_eth_dev_socket_id(port);
	uint16_t nb_rxd = RX_DESC, nb_txd = TX_DESC;

	/* Rings as large as asked, or as the device allows (virtio: 256). */
	ret = vdk_eth_dev_info_get(port, &info);
	if (ret == 0) {
		if (info.rx_desc_lim.nb_max != 0 && nb_rxd > info.rx_desc_lim.nb_max)
			nb_rxd = info.rx_desc_lim.nb_max;
		if (info.tx_desc_lim.nb_max != 0 && nb_txd > info.tx_desc_lim.nb_max)
			nb_txd = info.tx_desc_lim.nb_max;
		ret = vdk_eth_dev_configure(port, 1, 1, NULL);
	}
	if (ret == 0)
		ret = vdk_eth_rx_queue_setup(port, 0, nb_rxd, socket, NULL, pool);
	if (ret == 0)
		ret = vdk_eth_tx_queue_setup(port, 0, nb_txd, socket, NULL);
	if (ret == 0)
		ret = vdk_eth_dev_start(port);
	if (ret != 0) {
		fprintf(stderr, "skeleton: port %u: %s\n", port, strerror(-ret));
		return ret;
	}
	/* Not every port can; forwarding works without. */
	vdk_eth_promiscuous_enable(port);
	vdk_eth_macaddr_get(port, &mac);
	vdk_ether_format_addr(buf, sizeof(buf), &mac);
	printf("port %u: MAC %s\n", port, buf);
	return 0;
}

/* Forward port p to p ^ 1 until told to stop; @return packets forwarded. */
static uint64_t
forward(uint16_t nb_ports, uint64_t limit)
{
	struct vdk_mbuf *pkts[BURST];
	uint64_t total = 0;
	uint16_t p, n, sent;

	while (!quit && (limit == 0 || total < limit)) {
		for (p = 0; p < nb_ports; p++) {
			n = vdk_eth_rx_burst(p, 0, pkts, BURST);
			if (n == 0)
				continue;
			sent = vdk_eth_tx_burst(p ^ 1, 0, pkts, n);
			/* What the other port did not take is ours to free. */
			if (sent < n)
				vdk_pktmbuf_free_bulk(&pkts[sent], n - sent);
			total += sent;
		}
	}
	return total;
}

int
main(int argc, char **argv)
{
	struct vdk_mempool *pool;
	uint64_t limit = 0, total;
	uint16_t nb_ports, p;
	int ret;

	ret = vdk_eal_init(argc, argv);
	if (ret < 0)
		return ret == -ECANCELED ? 0 : 1;
	argc -= ret;
	argv += ret;
	if (argc == 3 && strcmp(argv[1], "-n") == 0)
		limit = strtoull(argv[2], NULL, 10);
	else if (argc != 1) {
		fprintf(stderr, "usage: skeleton [EAL options] -- [-n PACKETS]\n");
		vdk_eal_cleanup();
		return 1;
	}
	nb_ports = vdk_eth_dev_count_avail();
	if (nb_ports < 2 || nb_ports % 2 != 0) {
		fprintf(stderr, "skeleton: needs an even number of ports, has %u: add --vdev "
			"net_null0 --vdev net_null1, or two -a devices\n", nb_ports);
		vdk_eal_cleanup();
		return 1;
	}
	pool = vdk_pktmbuf_pool_create("skeleton", nb_ports * (RX_DESC + TX_DESC) + 2 * POOL_CACHE,
				       POOL_CACHE, 0, VDK_MBUF_DEFAULT_BUF_SIZE, vdk_socket_id());
	if (pool == NULL) {
		fprintf(stderr, "skeleton: no mbuf pool: %s\n", strerror(errno));
		vdk_eal_cleanup();
		return 1;
	}
	for (p = 0; p < nb_ports; p++)
		if (port_init(p, pool) != 0)
			goto out;
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	printf("forwarding on lcore %u between %u ports%s\n", vdk_lcore_id(), nb_ports,
	       limit ? "" : ": Ctrl-C to stop");
	total = forward(nb_ports, limit);
	printf("forwarded %" PRIu64 " packets\n", total);
	ret = total > 0 ? 0 : 1;
out:
	VDK_ETH_FOREACH_DEV(p) {
		vdk_eth_dev_stop(p);
		vdk_eth_dev_close(p);
	}
	vdk_mempool_free(pool);
	vdk_eal_cleanup();
	return ret == 0 ? 0 : 1;
}
