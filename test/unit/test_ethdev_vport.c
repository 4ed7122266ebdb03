/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ethdev's virtual-port helpers (ethdev_vport.c) over a driver made here,
 * with 2 rx and 3 tx queues of its own layout: what describing the queue
 * arrays refuses, queue setup refusing an id past the array (a driver
 * that reports more queues than it has) and ethdev refusing more queues
 * than the port has, the counters of the queues set up summed into the
 * totals, the per-queue fields and xstats, and a reset or a queue set up
 * anew starting them from zero. Then the drivers that use them: their
 * queues each on cache lines of their own.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "test_eal_fixture.h"
#include "vdk_ethdev.h"
#include "vdk_ethdev_driver.h"
#include "vdk_mbuf.h"
#include "vdk_vdev.h"

#define VT_RXQ 2
#define VT_TXQ 3

struct vt_rxq {
	struct vdk_eth_vport_rxq vq;
	uint32_t marker;	/* the driver's own field: setup leaves it */
} vdk_cache_aligned;

struct vt_txq {
	struct vdk_eth_vport_txq vq;
	uint64_t drops;		/* a driver counter summed into an xstat */
} vdk_cache_aligned;

struct vt_port {
	struct vdk_eth_vport vp;
	uint16_t report_rxq;	/* what dev_infos_get claims: more is a driver bug */
	struct vt_rxq rxq[VT_RXQ];
	struct vt_txq txq[VT_TXQ];
};

static struct vdk_mempool *pool;

static struct vt_port *
to_vt(struct vdk_eth_dev *dev)
{
	return vdk_container_of(dev, struct vt_port, vp.eth);
}

static int
vt_infos_get(struct vdk_eth_dev *dev, struct vdk_eth_dev_info *info)
{
	struct vt_port *p = to_vt(dev);

	info->max_rx_queues = p->report_rxq;
	info->max_tx_queues = p->vp.nb_txq;
	info->rx_desc_lim = (struct vdk_eth_desc_lim){ .nb_max = 512, .nb_min = 1, .nb_align = 1 };
	info->tx_desc_lim = info->rx_desc_lim;
	return 0;
}

static void
vt_close(struct vdk_eth_dev *dev)
{
	free(to_vt(dev));
}

static int
vt_xstats_get_names(struct vdk_eth_dev *dev, struct vdk_eth_xstat_name *names, unsigned int n)
{
	(void)dev;
	if (names != NULL && n >= 1)
		strcpy(names[0].name, "tx_drops");
	return 1;
}

static int
vt_xstats_get(struct vdk_eth_dev *dev, uint64_t *values, unsigned int n)
{
	if (n >= 1)
		values[0] = vdk_eth_vport_txq_sum(dev, offsetof(struct vt_txq, drops));
	return 1;
}

static uint16_t
vt_burst(void *q, struct vdk_mbuf **pkts, uint16_t n)
{
	(void)q;
	(void)pkts;
	(void)n;
	return 0;
}

static const struct vdk_eth_dev_ops vt_ops = {
	.dev_infos_get = vt_infos_get,
	.dev_configure = vdk_eth_dev_op_accept,
	.dev_start = vdk_eth_dev_op_accept,
	.dev_stop = vdk_eth_dev_op_accept,
	.dev_close = vt_close,
	.rx_queue_setup = vdk_eth_vport_rx_queue_setup,
	.rx_queue_release = vdk_eth_dev_queue_release_none,
	.tx_queue_setup = vdk_eth_vport_tx_queue_setup,
	.tx_queue_release = vdk_eth_dev_queue_release_none,
	.link_update = vdk_eth_dev_link_update_virtual,
	.stats_get = vdk_eth_vport_stats_get,
	.xstats_get_names = vt_xstats_get_names,
	.xstats_get = vt_xstats_get,
};

/* A port named @name whose dev_infos_get reports @report_rxq rx queues. */
static struct vt_port *
vt_attach(const char *name, uint16_t report_rxq, uint16_t *port)
{
	struct vt_port *p = vdk_eth_dev_zalloc(sizeof(*p));
	int ret;

	assert_non_null(p);
	p->vp.eth.ops = &vt_ops;
	p->vp.eth.driver_name = "net_vtest";
	p->vp.eth.rx_burst = vt_burst;
	p->vp.eth.tx_burst = vt_burst;
	p->vp.eth.socket_id = VDK_SOCKET_ID_ANY;
	p->report_rxq = report_rxq;
	assert_int_equal(vdk_eth_vport_queues_set(&p->vp, p->rxq, sizeof(p->rxq[0]), VT_RXQ,
						  p->txq, sizeof(p->txq[0]), VT_TXQ), 0);
	ret = vdk_eth_dev_attach(&p->vp.eth, name);
	assert_true(ret >= 0);
	*port = (uint16_t)ret;
	return p;
}

static void
test_vport_queues_set_refuses_too_many_or_missing_queues(void **state)
{
	struct vt_port p;
	struct vt_rxq rxq[1];

	(void)state;
	memset(&p, 0, sizeof(p));
	p.vp.eth.driver_name = "net_vtest";
	log_capture();
	assert_int_equal(vdk_eth_vport_queues_set(&p.vp, p.rxq, sizeof(p.rxq[0]),
						  VDK_ETH_MAX_QUEUES + 1, p.txq,
						  sizeof(p.txq[0]), 1), -EINVAL);
	log_expect("net_vtest: 65 rx and 1 tx queues: ethdev takes at most 64 a direction");
	log_capture();
	assert_int_equal(vdk_eth_vport_queues_set(&p.vp, p.rxq, sizeof(p.rxq[0]), 1, p.txq,
						  sizeof(p.txq[0]), VDK_ETH_MAX_QUEUES + 1),
			 -EINVAL);
	assert_int_equal(vdk_eth_vport_queues_set(&p.vp, NULL, sizeof(p.rxq[0]), 1, p.txq,
						  sizeof(p.txq[0]), 1), -EINVAL);
	assert_int_equal(vdk_eth_vport_queues_set(&p.vp, p.rxq, sizeof(p.rxq[0]), 1, NULL,
						  sizeof(p.txq[0]), 1), -EINVAL);
	/* Queues smaller than the common part cannot hold it. */
	assert_int_equal(vdk_eth_vport_queues_set(&p.vp, p.rxq, sizeof(struct vdk_eth_vport_rxq) - 1,
						  1, p.txq, sizeof(p.txq[0]), 1), -EINVAL);
	assert_int_equal(vdk_eth_vport_queues_set(&p.vp, p.rxq, sizeof(p.rxq[0]), 1, p.txq,
						  sizeof(struct vdk_eth_vport_txq) - 1, 1), -EINVAL);
	log_expect("net_vtest: queue arrays must be given, of structs that begin with "
		   "struct vdk_eth_vport_rxq/txq");
	assert_int_equal(p.vp.nb_rxq + p.vp.nb_txq, 0);	/* nothing taken from a refusal */
	/* No queues in a direction need no array; the most ethdev takes pass. */
	assert_int_equal(vdk_eth_vport_queues_set(&p.vp, rxq, sizeof(rxq[0]), 1, NULL, 0, 0), 0);
	assert_int_equal(vdk_eth_vport_queues_set(&p.vp, p.rxq, sizeof(p.rxq[0]),
						  VDK_ETH_MAX_QUEUES, p.txq, sizeof(p.txq[0]),
						  VDK_ETH_MAX_QUEUES), 0);
	assert_ptr_equal(p.vp.rxq, p.rxq);
	assert_int_equal(p.vp.rxq_size, sizeof(struct vt_rxq));
	assert_int_equal(p.vp.nb_txq, VDK_ETH_MAX_QUEUES);
}

static void
test_vport_refuses_queue_ids_past_its_arrays(void **state)
{
	struct vdk_eth_dev *dev;
	struct vt_port *p;
	uint16_t port;

	(void)state;
	/*
	 * Right counts: ethdev refuses more queues than the arrays hold, and
	 * ids past them, with the messages it gives every port.
	 */
	vt_attach("vt_ok", VT_RXQ, &port);
	log_capture();
	assert_int_equal(vdk_eth_dev_configure(port, VT_RXQ + 1, 1, NULL), -EINVAL);
	assert_logged("3 rx and 1 tx queues asked, net_vtest has at most 2 and 3");
	assert_int_equal(vdk_eth_dev_configure(port, 1, VT_TXQ + 1, NULL), -EINVAL);
	assert_int_equal(vdk_eth_dev_configure(port, VT_RXQ, VT_TXQ, NULL), 0);
	assert_int_equal(vdk_eth_rx_queue_setup(port, VT_RXQ, 0, 0, NULL, pool), -EINVAL);
	assert_logged("rx queue 2: only 2 configured");
	assert_int_equal(vdk_eth_tx_queue_setup(port, VT_TXQ, 0, 0, NULL), -EINVAL);
	log_expect("tx queue 3: only 3 configured");
	assert_int_equal(vdk_eth_dev_close(port), 0);

	/*
	 * A driver that reports 4 rx queues and has 2: ethdev lets queue 2
	 * through, the helper must refuse it rather than index past the array.
	 */
	p = vt_attach("vt_liar", 4, &port);
	assert_int_equal(vdk_eth_dev_configure(port, 4, 1, NULL), 0);
	assert_int_equal(vdk_eth_rx_queue_setup(port, 1, 0, 0, NULL, pool), 0);
	log_capture();
	assert_int_equal(vdk_eth_rx_queue_setup(port, 2, 0, 0, NULL, pool), -EINVAL);
	log_expect("rx queue 2: net_vtest has 2 rx queues (its dev_infos_get must report "
		   "the vport's count)");
	assert_int_equal(vdk_eth_rx_queue_setup(port, 3, 0, 0, NULL, pool), -EINVAL);
	dev = vdk_eth_dev_get(port);
	assert_ptr_equal(dev->rx_queues[1], &p->rxq[1]);
	assert_null(dev->rx_queues[2]);
	assert_null(dev->rx_queues[3]);
	/* Called as an op with an id past the tx array, the same. */
	{
		void *q = NULL;

		assert_int_equal(vdk_eth_vport_tx_queue_setup(dev, VT_TXQ, 1, 0, NULL, &q),
				 -EINVAL);
		assert_null(q);
	}
	assert_int_equal(vdk_eth_dev_close(port), 0);
}

/* Counters as a datapath would leave them. */
static void
count_rx(struct vt_rxq *q, uint64_t pkts, uint64_t bytes, uint64_t errors, uint64_t nombuf)
{
	vdk_eth_counter_add(&q->vq.pkts, pkts);
	vdk_eth_counter_add(&q->vq.bytes, bytes);
	vdk_eth_counter_add(&q->vq.errors, errors);
	vdk_eth_counter_add(&q->vq.nombuf, nombuf);
}

static void
count_tx(struct vt_txq *q, uint64_t pkts, uint64_t bytes, uint64_t errors, uint64_t drops)
{
	vdk_eth_counter_add(&q->vq.pkts, pkts);
	vdk_eth_counter_add(&q->vq.bytes, bytes);
	vdk_eth_counter_add(&q->vq.errors, errors);
	vdk_eth_counter_add(&q->drops, drops);
}

/*
 * rx queues 0 and 1 and tx queues 0 and 2 set up; tx queue 1 configured
 * but not, so the port stays stopped (start wants every queue): the
 * counters are written here, not by bursts.
 */
static struct vt_port *
vt_up(const char *name, uint16_t *port)
{
	struct vt_port *p = vt_attach(name, VT_RXQ, port);

	p->rxq[0].marker = p->rxq[1].marker = 0x5a5a;
	assert_int_equal(vdk_eth_dev_configure(*port, VT_RXQ, VT_TXQ, NULL), 0);
	assert_int_equal(vdk_eth_rx_queue_setup(*port, 0, 0, 0, NULL, pool), 0);
	assert_int_equal(vdk_eth_rx_queue_setup(*port, 1, 0, 0, NULL, pool), 0);
	assert_int_equal(vdk_eth_tx_queue_setup(*port, 0, 0, 0, NULL), 0);
	assert_int_equal(vdk_eth_tx_queue_setup(*port, 2, 0, 0, NULL), 0);
	return p;
}

static void
test_vport_stats_sum_the_queues_set_up(void **state)
{
	struct vdk_eth_stats st;
	struct vt_port *p;
	uint16_t port;
	uint64_t v;

	(void)state;
	p = vt_up("vt_sum", &port);
	/* Setup gave the common part its pool and port, and left the rest. */
	assert_ptr_equal(p->rxq[1].vq.mp, pool);
	assert_int_equal(p->rxq[1].vq.port_id, port);
	assert_int_equal(p->rxq[1].marker, 0x5a5a);

	count_rx(&p->rxq[0], 10, 640, 1, 2);
	count_rx(&p->rxq[1], 5, 300, 0, 3);
	count_tx(&p->txq[0], 7, 448, 1, 5);
	count_tx(&p->txq[1], 100, 6400, 9, 50);	/* not set up: not the port's */
	count_tx(&p->txq[2], 4, 256, 2, 6);
	assert_int_equal(vdk_eth_stats_get(port, &st), 0);
	assert_int_equal(st.ipackets, 15);
	assert_int_equal(st.ibytes, 940);
	assert_int_equal(st.ierrors, 1);
	assert_int_equal(st.rx_nombuf, 5);
	assert_int_equal(st.opackets, 11);
	assert_int_equal(st.obytes, 704);
	assert_int_equal(st.oerrors, 3);
	assert_int_equal(st.imissed, 0);
	assert_int_equal(st.q_ipackets[0], 10);
	assert_int_equal(st.q_ibytes[1], 300);
	assert_int_equal(st.q_errors[0], 1);
	assert_int_equal(st.q_opackets[1], 0);
	assert_int_equal(st.q_opackets[2], 4);
	assert_int_equal(st.q_obytes[2], 256);
	/* The per-queue xstats come from the same fields; the driver's own sums. */
	assert_int_equal(vdk_eth_xstats_get_by_name(port, "rx_q1_packets", &v), 0);
	assert_int_equal(v, 5);
	assert_int_equal(vdk_eth_xstats_get_by_name(port, "tx_q2_bytes", &v), 0);
	assert_int_equal(v, 256);
	assert_int_equal(vdk_eth_xstats_get_by_name(port, "rx_mbuf_allocation_errors", &v), 0);
	assert_int_equal(v, 5);
	assert_int_equal(vdk_eth_xstats_get_by_name(port, "tx_drops", &v), 0);
	assert_int_equal(v, 11);
	assert_int_equal(vdk_eth_dev_close(port), 0);
}

static void
test_vport_reset_and_setup_anew_start_from_zero(void **state)
{
	struct vdk_eth_stats st;
	struct vt_port *p;
	uint16_t port;
	uint64_t v;

	(void)state;
	p = vt_up("vt_reset", &port);
	count_rx(&p->rxq[0], 10, 640, 1, 2);
	count_tx(&p->txq[2], 4, 256, 2, 6);
	assert_int_equal(vdk_eth_stats_reset(port), 0);
	assert_int_equal(vdk_eth_stats_get(port, &st), 0);
	assert_int_equal(st.ipackets + st.ibytes + st.ierrors + st.rx_nombuf, 0);
	assert_int_equal(st.opackets + st.obytes + st.oerrors + st.q_opackets[2], 0);
	assert_int_equal(vdk_eth_xstats_get_by_name(port, "tx_drops", &v), 0);
	assert_int_equal(v, 0);
	count_rx(&p->rxq[0], 3, 192, 0, 0);
	assert_int_equal(vdk_eth_stats_get(port, &st), 0);
	assert_int_equal(st.ipackets, 3);
	assert_int_equal(st.q_ibytes[0], 192);

	/* A queue set up anew starts its own counters over; the others go on. */
	count_rx(&p->rxq[1], 2, 128, 0, 0);
	assert_int_equal(vdk_eth_rx_queue_setup(port, 0, 0, 0, NULL, pool), 0);
	assert_int_equal(p->rxq[0].vq.pkts + p->rxq[0].vq.bytes + p->rxq[0].vq.errors +
			 p->rxq[0].vq.nombuf, 0);
	assert_int_equal(p->rxq[1].vq.pkts, 2);
	assert_int_equal(vdk_eth_tx_queue_setup(port, 2, 0, 0, NULL), 0);
	assert_int_equal(p->txq[2].vq.pkts + p->txq[2].vq.bytes + p->txq[2].vq.errors, 0);
	count_rx(&p->rxq[0], 1, 64, 0, 0);
	count_rx(&p->rxq[1], 1, 64, 0, 0);
	assert_int_equal(vdk_eth_stats_get(port, &st), 0);
	assert_int_equal(st.q_ipackets[0], 1);
	assert_int_equal(st.q_ipackets[1], 1);
	assert_int_equal(st.ipackets, 2);
	assert_int_equal(vdk_eth_dev_close(port), 0);
}

static bool
line_aligned(const void *q)
{
	return (uintptr_t)q % VDK_CACHE_LINE_SIZE == 0;
}

static void
test_vport_zalloc_gives_zeroed_cache_aligned_memory(void **state)
{
	unsigned char *m[4];
	size_t i, k;

	(void)state;
	/* Several, so that one landing on a line by chance proves nothing. */
	for (k = 0; k < VDK_DIM(m); k++) {
		m[k] = vdk_eth_dev_zalloc(200 + 48 * k);
		assert_non_null(m[k]);
		assert_true(line_aligned(m[k]));
		for (i = 0; i < 200 + 48 * k; i++)
			assert_int_equal(m[k][i], 0);
	}
	for (k = 0; k < VDK_DIM(m); k++)
		free(m[k]);
}

/*
 * A queue of the virtual ports in the tree starts a cache line: two lcores
 * polling neighbouring queues never write the same line.
 */
static void
test_vport_drivers_keep_each_queue_on_its_own_lines(void **state)
{
	static const char *const ports[][2] = {
		{ "net_null_al0", NULL }, { "net_null_al1", "size=128" },
		{ "net_ring_al0", "queues=2" }, { "net_ring_al1", "queues=2" },
		{ "net_memif_al0", "socket=vdk-test-vport-al0" },
		{ "net_memif_al1", "socket=vdk-test-vport-al1,id=1" },
	};
	struct vdk_eth_dev *dev;
	uint16_t port, q;
	size_t i;

	(void)state;
	for (i = 0; i < VDK_DIM(ports); i++) {
		assert_int_equal(vdk_vdev_probe(ports[i][0], ports[i][1]), 0);
		assert_int_equal(vdk_eth_dev_get_port_by_name(ports[i][0], &port), 0);
		assert_int_equal(vdk_eth_dev_configure(port, 2, 2, NULL), 0);
		dev = vdk_eth_dev_get(port);
		for (q = 0; q < 2; q++) {
			assert_int_equal(vdk_eth_rx_queue_setup(port, q, 0, 0, NULL, pool), 0);
			assert_int_equal(vdk_eth_tx_queue_setup(port, q, 0, 0, NULL), 0);
			if (!line_aligned(dev->rx_queues[q]) || !line_aligned(dev->tx_queues[q]))
				fail_msg("%s: queue %u at %p/%p: not on a cache line", ports[i][0],
					 q, dev->rx_queues[q], dev->tx_queues[q]);
		}
	}
	for (i = 0; i < VDK_DIM(ports); i++)
		assert_int_equal(vdk_vdev_remove(ports[i][0]), 0);
}

static int
setup(void **state)
{
	(void)state;
	if (eal_fixture_up("test_ethdev_vport", "0") != 0)
		return -1;
	pool = vdk_pktmbuf_pool_create("test_vport", 255, 0, 0, VDK_MBUF_DEFAULT_BUF_SIZE,
				       VDK_SOCKET_ID_ANY);
	return pool == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	vdk_mempool_free(pool);
	log_release();
	return eal_fixture_down(state);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vport_queues_set_refuses_too_many_or_missing_queues),
		cmocka_unit_test(test_vport_refuses_queue_ids_past_its_arrays),
		cmocka_unit_test(test_vport_stats_sum_the_queues_set_up),
		cmocka_unit_test(test_vport_reset_and_setup_anew_start_from_zero),
		cmocka_unit_test(test_vport_zalloc_gives_zeroed_cache_aligned_memory),
		cmocka_unit_test(test_vport_drivers_keep_each_queue_on_its_own_lines),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
