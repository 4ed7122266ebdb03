/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ethdev statistics over net_ring and net_null ports: totals and per-queue
 * counters, the reset baseline, extended statistics by index and by name
 * (generic, per queue and the driver's own), and the refusals: NULL
 * arguments, short arrays, unknown names, a driver that counts nothing.
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

#include "vdk_ethdev_driver.h"
#include "vdk_eal.h"
#include "vdk_eth_ring.h"
#include "vdk_ethdev.h"
#include "vdk_mbuf.h"
#include "vdk_vdev.h"

static struct vdk_mempool *pool;

static uint16_t
port_up(const char *name, const char *args, uint16_t nq)
{
	uint16_t port, q;

	assert_int_equal(vdk_vdev_probe(name, args), 0);
	assert_int_equal(vdk_eth_dev_get_port_by_name(name, &port), 0);
	assert_int_equal(vdk_eth_dev_configure(port, nq, nq, NULL), 0);
	for (q = 0; q < nq; q++) {
		assert_int_equal(vdk_eth_rx_queue_setup(port, q, 0, VDK_SOCKET_ID_ANY, NULL, pool),
				 0);
		assert_int_equal(vdk_eth_tx_queue_setup(port, q, 0, VDK_SOCKET_ID_ANY, NULL), 0);
	}
	assert_int_equal(vdk_eth_dev_start(port), 0);
	return port;
}

/* Send @n packets of @len bytes on queue @q of a loopback port and take them back. */
static void
loop(uint16_t port, uint16_t q, unsigned int n, uint16_t len)
{
	struct vdk_mbuf *pkts[64];
	unsigned int i;

	assert_true(n <= 64);
	assert_int_equal(vdk_pktmbuf_alloc_bulk(pool, pkts, n), 0);
	for (i = 0; i < n; i++)
		assert_non_null(vdk_pktmbuf_append(pkts[i], len));
	assert_int_equal(vdk_eth_tx_burst(port, q, pkts, (uint16_t)n), n);
	assert_int_equal(vdk_eth_rx_burst(port, q, pkts, 64), n);
	vdk_pktmbuf_free_bulk(pkts, n);
}

static void
test_stats_count_per_queue_and_reset_to_zero(void **state)
{
	struct vdk_eth_stats st;
	uint16_t port;

	(void)state;
	port = port_up("net_ring_st", "queues=2", 2);
	loop(port, 0, 10, 100);
	loop(port, 1, 3, 60);
	assert_int_equal(vdk_eth_stats_get(port, &st), 0);
	assert_int_equal(st.ipackets, 13);
	assert_int_equal(st.opackets, 13);
	assert_int_equal(st.ibytes, 10 * 100 + 3 * 60);
	assert_int_equal(st.obytes, 10 * 100 + 3 * 60);
	assert_int_equal(st.q_ipackets[0], 10);
	assert_int_equal(st.q_ipackets[1], 3);
	assert_int_equal(st.q_obytes[1], 180);
	assert_int_equal(st.ierrors + st.oerrors + st.imissed + st.rx_nombuf, 0);

	assert_int_equal(vdk_eth_stats_reset(port), 0);
	assert_int_equal(vdk_eth_stats_get(port, &st), 0);
	assert_int_equal(st.ipackets + st.opackets + st.ibytes + st.q_ipackets[0], 0);
	loop(port, 1, 2, 70);
	assert_int_equal(vdk_eth_stats_get(port, &st), 0);
	assert_int_equal(st.ipackets, 2);
	assert_int_equal(st.q_ipackets[0], 0);
	assert_int_equal(st.q_ipackets[1], 2);
	assert_int_equal(st.q_ibytes[1], 140);
	assert_int_equal(vdk_eth_stats_get(port, NULL), -EINVAL);

	/* Configure starts the counters again, as do queues set up anew. */
	assert_int_equal(vdk_eth_dev_stop(port), 0);
	assert_int_equal(vdk_eth_dev_configure(port, 1, 1, NULL), 0);
	assert_int_equal(vdk_eth_rx_queue_setup(port, 0, 0, 0, NULL, pool), 0);
	assert_int_equal(vdk_eth_tx_queue_setup(port, 0, 0, 0, NULL), 0);
	assert_int_equal(vdk_eth_dev_start(port), 0);
	assert_int_equal(vdk_eth_stats_get(port, &st), 0);
	assert_int_equal(st.ipackets + st.opackets, 0);
	loop(port, 0, 1, 64);
	assert_int_equal(vdk_eth_stats_reset(port), 0);
	assert_int_equal(vdk_eth_dev_stop(port), 0);
	assert_int_equal(vdk_eth_rx_queue_setup(port, 0, 0, 0, NULL, pool), 0);
	assert_int_equal(vdk_eth_tx_queue_setup(port, 0, 0, 0, NULL), 0);
	assert_int_equal(vdk_eth_dev_start(port), 0);
	loop(port, 0, 4, 64);
	assert_int_equal(vdk_eth_stats_get(port, &st), 0);
	assert_int_equal(st.ipackets, 4);	/* queue setup cleared the counters */
	assert_int_equal(vdk_vdev_remove("net_ring_st"), 0);
}

static void
test_null_port_receives_packets_of_its_size(void **state)
{
	struct vdk_mbuf *pkts[32];
	struct vdk_eth_stats st;
	uint16_t port, n, i;

	(void)state;
	port = port_up("net_null_st", "size=128", 1);
	n = vdk_eth_rx_burst(port, 0, pkts, 32);
	assert_int_equal(n, 32);
	for (i = 0; i < n; i++) {
		assert_int_equal(pkts[i]->pkt_len, 128);
		assert_int_equal(pkts[i]->data_len, 128);
		assert_int_equal(pkts[i]->nb_segs, 1);
		assert_int_equal(pkts[i]->port, port);
		assert_null(vdk_mbuf_check(pkts[i], 1, NULL) == 0 ? NULL : pkts[i]);
	}
	assert_int_equal(vdk_eth_tx_burst(port, 0, pkts, n), n);
	assert_int_equal(vdk_mempool_in_use_count(pool), 0);
	assert_int_equal(vdk_eth_stats_get(port, &st), 0);
	assert_int_equal(st.ipackets, 32);
	assert_int_equal(st.ibytes, 32 * 128);
	assert_int_equal(st.opackets, 32);
	assert_int_equal(st.obytes, 32 * 128);
	assert_int_equal(vdk_vdev_remove("net_null_st"), 0);
}

static void
test_null_port_counts_empty_pool_as_rx_nombuf(void **state)
{
	struct vdk_mempool *tiny;
	struct vdk_mbuf *pkts[32];
	struct vdk_eth_stats st;
	uint64_t v;
	uint16_t port;

	(void)state;
	tiny = vdk_pktmbuf_pool_create("tiny", 16, 0, 0, VDK_MBUF_DEFAULT_BUF_SIZE,
				       VDK_SOCKET_ID_ANY);
	assert_non_null(tiny);
	assert_int_equal(vdk_vdev_probe("net_null_nb", NULL), 0);
	assert_int_equal(vdk_eth_dev_get_port_by_name("net_null_nb", &port), 0);
	assert_int_equal(vdk_eth_dev_configure(port, 1, 1, NULL), 0);
	assert_int_equal(vdk_eth_rx_queue_setup(port, 0, 0, 0, NULL, tiny), 0);
	assert_int_equal(vdk_eth_tx_queue_setup(port, 0, 0, 0, NULL), 0);
	assert_int_equal(vdk_eth_dev_start(port), 0);
	assert_int_equal(vdk_eth_rx_burst(port, 0, pkts, 32), 0);
	assert_int_equal(vdk_eth_stats_get(port, &st), 0);
	assert_int_equal(st.rx_nombuf, 32);
	assert_int_equal(vdk_eth_xstats_get_by_name(port, "rx_mbuf_allocation_errors", &v), 0);
	assert_int_equal(v, 32);
	assert_int_equal(vdk_vdev_remove("net_null_nb"), 0);
	vdk_mempool_free(tiny);
}

static int
find_name(const struct vdk_eth_xstat_name *names, int n, const char *name)
{
	int i;

	for (i = 0; i < n; i++)
		if (strcmp(names[i].name, name) == 0)
			return i;
	return -1;
}

static void
test_xstats_names_values_and_lookup_by_name(void **state)
{
	struct vdk_eth_xstat_name names[64];
	struct vdk_eth_xstat xs[64];
	uint64_t v;
	uint16_t port;
	int n, i;

	(void)state;
	port = port_up("net_ring_xs", "queues=2,size=8", 2);
	n = vdk_eth_xstats_get_names(port, NULL, 0);
	/* 8 generic, 3 per rx queue, 2 per tx queue, 1 of the driver. */
	assert_int_equal(n, 8 + 2 * 3 + 2 * 2 + 1);
	memset(names, 0, sizeof(names));
	assert_int_equal(vdk_eth_xstats_get_names(port, names, (unsigned int)n - 1), n);
	assert_string_equal(names[0].name, "");	/* too small: nothing written */
	assert_int_equal(vdk_eth_xstats_get_names(port, names, 64), n);
	assert_string_equal(names[0].name, "rx_good_packets");
	assert_true(find_name(names, n, "rx_q1_errors") >= 0);
	assert_true(find_name(names, n, "tx_q1_bytes") >= 0);
	assert_int_equal(find_name(names, n, "tx_ring_full"), n - 1);

	loop(port, 1, 5, 200);
	assert_int_equal(vdk_eth_xstats_get(port, NULL, 0), n);
	assert_int_equal(vdk_eth_xstats_get(port, xs, 64), n);
	for (i = 0; i < n; i++)
		assert_int_equal(xs[i].id, i);
	assert_int_equal(xs[find_name(names, n, "rx_q1_packets")].value, 5);
	assert_int_equal(xs[find_name(names, n, "tx_good_bytes")].value, 1000);
	assert_int_equal(xs[find_name(names, n, "rx_q0_packets")].value, 0);

	/* A ring of 8 takes 8 of 12: 4 refused, counted by the driver. */
	{
		struct vdk_mbuf *pkts[12];

		assert_int_equal(vdk_pktmbuf_alloc_bulk(pool, pkts, 12), 0);
		assert_int_equal(vdk_eth_tx_burst(port, 0, pkts, 12), 8);
		vdk_pktmbuf_free_bulk(pkts + 8, 4);
		assert_int_equal(vdk_eth_rx_burst(port, 0, pkts, 12), 8);
		vdk_pktmbuf_free_bulk(pkts, 8);
	}
	assert_int_equal(vdk_eth_xstats_get_by_name(port, "tx_ring_full", &v), 0);
	assert_int_equal(v, 4);
	assert_int_equal(vdk_eth_xstats_get_by_name(port, "rx_q0_packets", &v), 0);
	assert_int_equal(v, 8);
	assert_int_equal(vdk_eth_xstats_get_by_name(port, "no_such_stat", &v), -ENOENT);
	assert_int_equal(vdk_eth_xstats_get_by_name(port, NULL, &v), -EINVAL);
	assert_int_equal(vdk_eth_xstats_get_by_name(port, "rx_q0_packets", NULL), -EINVAL);
	assert_int_equal(vdk_eth_xstats_get_by_name(VDK_ETH_MAX_PORTS - 1, "x", &v), -ENODEV);

	/* xstats reset shares the baseline with stats reset. */
	assert_int_equal(vdk_eth_xstats_reset(port), 0);
	assert_int_equal(vdk_eth_xstats_get_by_name(port, "tx_ring_full", &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(vdk_eth_xstats_get_by_name(port, "rx_good_packets", &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(vdk_vdev_remove("net_ring_xs"), 0);
}

/* A driver that keeps no statistics at all. */
static int
mute_infos(struct vdk_eth_dev *dev, struct vdk_eth_dev_info *info)
{
	(void)dev;
	info->max_rx_queues = 1;
	info->max_tx_queues = 1;
	info->rx_desc_lim.nb_max = 16;
	info->tx_desc_lim.nb_max = 16;
	return 0;
}

static int
mute_ok(struct vdk_eth_dev *dev)
{
	(void)dev;
	return 0;
}

static int
mute_link(struct vdk_eth_dev *dev, int wait)
{
	(void)dev;
	(void)wait;
	return 0;
}

static void
mute_close(struct vdk_eth_dev *dev)
{
	(void)dev;
}

static uint16_t
mute_burst(void *q, struct vdk_mbuf **pkts, uint16_t n)
{
	(void)q;
	(void)pkts;
	(void)n;
	return 0;
}

static const struct vdk_eth_dev_ops mute_ops = {
	.dev_infos_get = mute_infos,
	.dev_configure = mute_ok,
	.dev_start = mute_ok,
	.dev_stop = mute_ok,
	.dev_close = mute_close,
	.link_update = mute_link,
};

static void
test_driver_without_counters_answers_enotsup(void **state)
{
	struct vdk_eth_dev mute = {
		.ops = &mute_ops, .driver_name = "net_mute",
		.rx_burst = mute_burst, .tx_burst = mute_burst,
	};
	struct vdk_eth_xstat_name names[16];
	struct vdk_eth_xstat xs[16];
	struct vdk_eth_stats st;
	int port;

	(void)state;
	port = vdk_eth_dev_attach(&mute, "mute");
	assert_true(port >= 0);
	assert_int_equal(vdk_eth_stats_get((uint16_t)port, &st), -ENOTSUP);
	assert_int_equal(vdk_eth_stats_reset((uint16_t)port), -ENOTSUP);
	/* The generic names still exist, with zero values. */
	assert_int_equal(vdk_eth_xstats_get_names((uint16_t)port, names, 16), 8);
	assert_int_equal(vdk_eth_xstats_get((uint16_t)port, xs, 16), 8);
	assert_int_equal(xs[0].value, 0);
	assert_int_equal(vdk_eth_dev_close((uint16_t)port), 0);
}

static int
setup(void **state)
{
	char *argv[] = { "test_ethdev_stats", "--no-huge", "-l", "0", "--no-pci", NULL };

	(void)state;
	if (vdk_eal_init(5, argv) < 0)
		return -1;
	pool = vdk_pktmbuf_pool_create("test_stats", 511, 0, 0, VDK_MBUF_DEFAULT_BUF_SIZE,
				       VDK_SOCKET_ID_ANY);
	return pool == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	(void)state;
	vdk_mempool_free(pool);
	return vdk_eal_cleanup();
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stats_count_per_queue_and_reset_to_zero),
		cmocka_unit_test(test_null_port_receives_packets_of_its_size),
		cmocka_unit_test(test_null_port_counts_empty_pool_as_rx_nombuf),
		cmocka_unit_test(test_xstats_names_values_and_lookup_by_name),
		cmocka_unit_test(test_driver_without_counters_answers_enotsup),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
