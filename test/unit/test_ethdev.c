/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ethdev's port life cycle over net_ring ports and a fake driver whose ops
 * fail on demand: the order rules (configure, queue setup, start, stop,
 * close, reset), queue limits, the bursts of a stopped port, link state
 * with its callbacks, promiscuous and all-multicast modes, MAC and MTU, and
 * that every refused call leaves the port as it was. Runs the EAL on
 * --no-huge.
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
#include "eal_pci_internal.h"
#include "test_common.h"
#include "vdk_eal.h"
#include "vdk_eth_ring.h"
#include "vdk_ethdev.h"
#include "vdk_mbuf.h"
#include "vdk_vdev.h"

static struct vdk_mempool *pool;

/* Stop the capture, then check what the refused call logged. */
static void
log_expect(const char *needle)
{
	log_stop();
	assert_logged(needle);
}

/* ---- a fake driver whose ops fail when told to ---- */

struct fake_port {
	struct vdk_eth_dev eth;
	int fail;		/* errno the next op returns, 0 for success */
	int closed;
	int q[4];
};

static int fake_closed_count;

static struct fake_port *
to_fake(struct vdk_eth_dev *dev)
{
	return vdk_container_of(dev, struct fake_port, eth);
}

static int
fake_result(struct vdk_eth_dev *dev)
{
	return -to_fake(dev)->fail;
}

static int
fake_mac_set(struct vdk_eth_dev *dev, const struct vdk_ether_addr *mac)
{
	(void)mac;
	return fake_result(dev);
}

static int
fake_infos(struct vdk_eth_dev *dev, struct vdk_eth_dev_info *info)
{
	(void)dev;
	info->max_rx_queues = 2;
	info->max_tx_queues = 2;
	info->rx_desc_lim = (struct vdk_eth_desc_lim){ .nb_max = 512, .nb_min = 64,
						       .nb_align = 32 };
	info->tx_desc_lim = info->rx_desc_lim;
	info->min_mtu = 100;
	info->max_mtu = 2000;
	info->rx_offload_capa = VDK_ETH_RX_OFFLOAD_IPV4_CKSUM;
	return 0;
}

static int
fake_rxq_setup(struct vdk_eth_dev *dev, uint16_t qid, uint16_t nb_desc, int socket_id,
	       const struct vdk_eth_rxconf *conf, struct vdk_mempool *mp, void **q)
{
	(void)nb_desc;
	(void)socket_id;
	(void)conf;
	(void)mp;
	*q = &to_fake(dev)->q[qid];
	return fake_result(dev);
}

static int
fake_txq_setup(struct vdk_eth_dev *dev, uint16_t qid, uint16_t nb_desc, int socket_id,
	       const struct vdk_eth_txconf *conf, void **q)
{
	(void)nb_desc;
	(void)socket_id;
	(void)conf;
	*q = &to_fake(dev)->q[2 + qid];
	return fake_result(dev);
}

static void
fake_release(struct vdk_eth_dev *dev, void *q)
{
	(void)dev;
	(void)q;
}

static void
fake_close(struct vdk_eth_dev *dev)
{
	fake_closed_count++;
	free(to_fake(dev));
}

static int
fake_link_update(struct vdk_eth_dev *dev, int wait)
{
	struct vdk_eth_link l = { .link_speed = 1000, .link_duplex = 1,
				  .link_status = dev->state == VDK_ETH_DEV_STARTED };

	(void)wait;
	vdk_eth_dev_link_set(dev, &l);
	return 0;
}

static uint16_t
fake_burst(void *q, struct vdk_mbuf **pkts, uint16_t n)
{
	(void)q;
	(void)pkts;
	return n;	/* "moves" everything: tells a started port from a stopped one */
}

static const struct vdk_eth_dev_ops fake_ops = {
	.dev_infos_get = fake_infos,
	.dev_configure = fake_result,
	.dev_start = fake_result,
	.dev_stop = fake_result,
	.dev_close = fake_close,
	.rx_queue_setup = fake_rxq_setup,
	.rx_queue_release = fake_release,
	.tx_queue_setup = fake_txq_setup,
	.tx_queue_release = fake_release,
	.link_update = fake_link_update,
	.promiscuous_enable = fake_result,
	.promiscuous_disable = fake_result,
	.mac_addr_set = fake_mac_set,
};

static struct fake_port *
fake_new(const char *name, uint16_t *port)
{
	struct fake_port *f = calloc(1, sizeof(*f));
	int ret;

	assert_non_null(f);
	f->eth.ops = &fake_ops;
	f->eth.driver_name = "net_fake";
	f->eth.rx_burst = fake_burst;
	f->eth.tx_burst = fake_burst;
	f->eth.mac_addr = (struct vdk_ether_addr){ { 2, 0, 0, 0, 0, 9 } };
	ret = vdk_eth_dev_attach(&f->eth, name);
	assert_true(ret >= 0);
	*port = (uint16_t)ret;
	return f;
}

static void
fake_up(uint16_t port)
{
	assert_int_equal(vdk_eth_dev_configure(port, 2, 2, NULL), 0);
	assert_int_equal(vdk_eth_rx_queue_setup(port, 0, 64, VDK_SOCKET_ID_ANY, NULL, pool), 0);
	assert_int_equal(vdk_eth_rx_queue_setup(port, 1, 64, VDK_SOCKET_ID_ANY, NULL, pool), 0);
	assert_int_equal(vdk_eth_tx_queue_setup(port, 0, 64, VDK_SOCKET_ID_ANY, NULL), 0);
	assert_int_equal(vdk_eth_tx_queue_setup(port, 1, 64, VDK_SOCKET_ID_ANY, NULL), 0);
}

/* ---- tests ---- */

static void
test_attach_rejects_missing_fields_and_duplicate_names(void **state)
{
	struct vdk_eth_dev bare = { 0 };
	struct fake_port *f;
	uint16_t port, found;

	(void)state;
	log_capture();
	assert_int_equal(vdk_eth_dev_attach(&bare, "bare"), -EINVAL);
	log_expect("left ops, driver_name or a burst unset");
	assert_int_equal(vdk_eth_dev_attach(NULL, "x"), -EINVAL);
	f = fake_new("fake_dup", &port);
	assert_int_equal(vdk_eth_dev_get_port_by_name("fake_dup", &found), 0);
	assert_int_equal(found, port);
	log_capture();
	assert_int_equal(vdk_eth_dev_attach(&bare, ""), -EINVAL);
	bare = f->eth;
	assert_int_equal(vdk_eth_dev_attach(&bare, "fake_dup"), -EEXIST);
	log_expect("already has that name");
	assert_int_equal(vdk_eth_dev_close(port), 0);
	assert_false(vdk_eth_dev_is_valid_port(port));
	assert_int_equal(vdk_eth_dev_get_port_by_name("fake_dup", &found), -ENODEV);
}

static void
test_attach_fails_when_every_port_is_taken(void **state)
{
	struct fake_port *f[VDK_ETH_MAX_PORTS + 1];
	uint16_t ports[VDK_ETH_MAX_PORTS];
	unsigned int n = 0, i;
	char name[32];
	uint16_t p;

	(void)state;
	while (vdk_eth_dev_count_avail() < VDK_ETH_MAX_PORTS) {
		snprintf(name, sizeof(name), "fill%u", n);
		f[n] = fake_new(name, &ports[n]);
		n++;
	}
	f[n] = calloc(1, sizeof(*f[n]));
	f[n]->eth = f[0]->eth;
	log_capture();
	assert_int_equal(vdk_eth_dev_attach(&f[n]->eth, "one_too_many"), -ENOSPC);
	log_expect("all 32 ports are in use");
	free(f[n]);
	for (i = 0; i < n; i++)
		assert_int_equal(vdk_eth_dev_close(ports[i]), 0);
	/* The ids come back: the lowest free one is handed out first. */
	f[0] = fake_new("again", &p);
	assert_int_equal(p, vdk_eth_find_next(0));
	assert_int_equal(vdk_eth_dev_close(p), 0);
}

/* A PCI driver's probe tail: node, device, driver_data and the log line, or nothing at all. */
static void
test_pci_attach_sets_the_device_and_says_so(void **state)
{
	struct pci_dev pci = { 0 };
	struct vdk_pci_device *pdev = &pci.pub;
	struct fake_port *f = calloc(1, sizeof(*f)), *g = calloc(1, sizeof(*g));
	int marker, port;

	(void)state;
	assert_non_null(f);
	assert_non_null(g);
	snprintf(pdev->name, sizeof(pdev->name), "0000:00:1f.6");
	pdev->numa_node = 1;
	f->eth.ops = &fake_ops;
	f->eth.driver_name = "net_fake";
	f->eth.rx_burst = fake_burst;
	f->eth.tx_burst = fake_burst;
	f->eth.mac_addr = (struct vdk_ether_addr){ { 2, 0, 0, 0, 0, 9 } };
	g->eth = f->eth;
	log_capture();
	port = vdk_eth_dev_pci_attach(&f->eth, pdev, &marker, "link %s", "up");
	assert_true(port >= 0);
	log_expect("net_fake: 0000:00:1f.6: port");
	log_expect("MAC 02:00:00:00:00:09, link up");
	assert_ptr_equal(vdk_eth_dev_get((uint16_t)port), &f->eth);
	assert_ptr_equal(pdev->driver_data, &marker);
	assert_ptr_equal(f->eth.device, pdev);
	assert_int_equal(f->eth.socket_id, 1);
	assert_string_equal(f->eth.name, "0000:00:1f.6");
	/* A second port for the same device is refused and the first keeps it. */
	log_capture();
	assert_int_equal(vdk_eth_dev_pci_attach(&g->eth, pdev, g, NULL), -EEXIST);
	log_release();
	assert_ptr_equal(pdev->driver_data, &marker);
	assert_int_equal(vdk_eth_dev_close((uint16_t)port), 0);
	/* No node known: any socket. */
	pdev->numa_node = -1;
	port = vdk_eth_dev_pci_attach(&g->eth, pdev, g, NULL);
	assert_true(port >= 0);
	assert_int_equal(g->eth.socket_id, VDK_SOCKET_ID_ANY);
	assert_int_equal(vdk_eth_dev_close((uint16_t)port), 0);
}

static void
test_rx_frame_finish_clears_what_the_last_user_left(void **state)
{
	struct vdk_mbuf *m = vdk_pktmbuf_alloc(pool);

	(void)state;
	assert_non_null(m);
	m->ol_flags = ~0ull;
	m->packet_type = 0xdead;
	m->vlan_tci = 7;
	m->pkt_len = 1234;
	assert_int_equal(vdk_eth_rx_frame_finish(m, 5), 1234);
	assert_int_equal(m->port, 5);
	assert_int_equal(m->ol_flags, 0);
	assert_int_equal(m->packet_type, VDK_PTYPE_L2_ETHER);
	assert_int_equal(m->vlan_tci, 0);
	m->pkt_len = 0;
	vdk_pktmbuf_free(m);
}

static void
test_bad_port_is_refused_everywhere(void **state)
{
	struct vdk_eth_dev_info info;
	struct vdk_eth_stats st;
	struct vdk_eth_link link;
	struct vdk_ether_addr mac;
	char name[VDK_ETH_NAME_SIZE];
	uint16_t mtu, nrx, ntx;
	const uint16_t bad = VDK_ETH_MAX_PORTS - 1;

	(void)state;
	assert_false(vdk_eth_dev_is_valid_port(bad));
	assert_false(vdk_eth_dev_is_valid_port(VDK_ETH_MAX_PORTS + 5));
	log_capture();
	assert_int_equal(vdk_eth_dev_configure(bad, 1, 1, NULL), -ENODEV);
	log_expect("no such port");
	assert_int_equal(vdk_eth_dev_info_get(bad, &info), -ENODEV);
	assert_int_equal(vdk_eth_rx_queue_setup(bad, 0, 0, 0, NULL, pool), -ENODEV);
	assert_int_equal(vdk_eth_tx_queue_setup(bad, 0, 0, 0, NULL), -ENODEV);
	assert_int_equal(vdk_eth_dev_start(bad), -ENODEV);
	assert_int_equal(vdk_eth_dev_stop(bad), -ENODEV);
	assert_int_equal(vdk_eth_dev_close(bad), -ENODEV);
	assert_int_equal(vdk_eth_dev_reset(bad), -ENODEV);
	assert_int_equal(vdk_eth_stats_get(bad, &st), -ENODEV);
	assert_int_equal(vdk_eth_stats_reset(bad), -ENODEV);
	assert_int_equal(vdk_eth_xstats_get_names(bad, NULL, 0), -ENODEV);
	assert_int_equal(vdk_eth_xstats_get(bad, NULL, 0), -ENODEV);
	assert_int_equal(vdk_eth_link_get(bad, &link), -ENODEV);
	assert_int_equal(vdk_eth_link_get_nowait(bad, &link), -ENODEV);
	assert_int_equal(vdk_eth_promiscuous_enable(bad), -ENODEV);
	assert_int_equal(vdk_eth_promiscuous_get(bad), -ENODEV);
	assert_int_equal(vdk_eth_allmulticast_disable(bad), -ENODEV);
	assert_int_equal(vdk_eth_allmulticast_get(bad), -ENODEV);
	assert_int_equal(vdk_eth_macaddr_get(bad, &mac), -ENODEV);
	assert_int_equal(vdk_eth_dev_default_mac_addr_set(bad, &mac), -ENODEV);
	assert_int_equal(vdk_eth_dev_get_mtu(bad, &mtu), -ENODEV);
	assert_int_equal(vdk_eth_dev_set_mtu(bad, 1500), -ENODEV);
	assert_int_equal(vdk_eth_dev_get_name_by_port(bad, name), -ENODEV);
	assert_int_equal(vdk_eth_dev_get_nb_queues(bad, &nrx, &ntx), -ENODEV);
	assert_int_equal(vdk_eth_dev_socket_id(bad), -EINVAL);
	assert_false(vdk_eth_dev_is_started(bad));
}

static void
test_configure_checks_queues_mtu_and_offloads(void **state)
{
	struct vdk_eth_conf conf = { 0 };
	struct fake_port *f;
	uint16_t port, nrx = 9, ntx = 9;

	(void)state;
	f = fake_new("fake_cfg", &port);
	log_capture();
	assert_int_equal(vdk_eth_dev_configure(port, 0, 0, NULL), -EINVAL);
	log_expect("at least one rx or tx queue");
	log_capture();
	assert_int_equal(vdk_eth_dev_configure(port, 3, 1, NULL), -EINVAL);
	log_expect("has at most 2 and 2");
	conf.rxmode.mtu = 50;
	log_capture();
	assert_int_equal(vdk_eth_dev_configure(port, 1, 1, &conf), -EINVAL);
	log_expect("MTU 50 outside 100..2000");
	conf.rxmode.mtu = 0;
	conf.rxmode.offloads = VDK_ETH_RX_OFFLOAD_TCP_CKSUM;
	log_capture();
	assert_int_equal(vdk_eth_dev_configure(port, 1, 1, &conf), -EINVAL);
	log_expect("rx offloads 0x4 not supported");
	conf.rxmode.offloads = 0;
	conf.txmode.offloads = VDK_ETH_TX_OFFLOAD_IPV4_CKSUM;
	assert_int_equal(vdk_eth_dev_configure(port, 1, 1, &conf), -EINVAL);
	/* Nothing was configured by the refused calls. */
	assert_int_equal(vdk_eth_dev_get_nb_queues(port, &nrx, &ntx), 0);
	assert_int_equal(nrx, 0);
	assert_int_equal(ntx, 0);
	assert_int_equal(vdk_eth_dev_get_nb_queues(port, NULL, &ntx), -EINVAL);

	conf.txmode.offloads = 0;
	conf.rxmode.offloads = VDK_ETH_RX_OFFLOAD_IPV4_CKSUM;
	conf.rxmode.mtu = 1800;
	assert_int_equal(vdk_eth_dev_configure(port, 2, 1, &conf), 0);
	assert_int_equal(vdk_eth_dev_get_nb_queues(port, &nrx, &ntx), 0);
	assert_int_equal(nrx, 2);
	assert_int_equal(ntx, 1);
	assert_int_equal(vdk_eth_dev_get_mtu(port, &nrx), 0);
	assert_int_equal(nrx, 1800);

	/* The driver refuses: the old configuration stays. */
	f->fail = EIO;
	log_capture();
	assert_int_equal(vdk_eth_dev_configure(port, 1, 2, NULL), -EIO);
	log_expect("configure failed in driver net_fake");
	assert_int_equal(vdk_eth_dev_get_nb_queues(port, &nrx, &ntx), 0);
	assert_int_equal(nrx, 2);
	assert_int_equal(ntx, 1);
	assert_int_equal(vdk_eth_dev_close(port), 0);
}

static void
test_queue_setup_needs_configure_and_checks_limits(void **state)
{
	struct vdk_eth_rxconf rxc = { .offloads = VDK_ETH_RX_OFFLOAD_UDP_CKSUM };
	struct vdk_eth_txconf txc = { .offloads = VDK_ETH_TX_OFFLOAD_MULTI_SEGS };
	struct fake_port *f;
	uint16_t port;

	(void)state;
	f = fake_new("fake_q", &port);
	log_capture();
	assert_int_equal(vdk_eth_rx_queue_setup(port, 0, 64, 0, NULL, pool), -EINVAL);
	log_expect("configure the port before setting up rx queues");
	assert_int_equal(vdk_eth_tx_queue_setup(port, 0, 64, 0, NULL), -EINVAL);
	assert_int_equal(vdk_eth_dev_configure(port, 1, 1, NULL), 0);
	log_capture();
	assert_int_equal(vdk_eth_rx_queue_setup(port, 1, 64, 0, NULL, pool), -EINVAL);
	log_expect("rx queue 1: only 1 configured");
	log_capture();
	assert_int_equal(vdk_eth_rx_queue_setup(port, 0, 1024, 0, NULL, pool), -EINVAL);
	log_expect("1024 descriptors; net_fake takes 64..512 in steps of 32");
	assert_int_equal(vdk_eth_rx_queue_setup(port, 0, 32, 0, NULL, pool), -EINVAL);
	assert_int_equal(vdk_eth_rx_queue_setup(port, 0, 80, 0, NULL, pool), -EINVAL);
	assert_int_equal(vdk_eth_tx_queue_setup(port, 0, 513, 0, NULL), -EINVAL);
	log_capture();
	assert_int_equal(vdk_eth_rx_queue_setup(port, 0, 64, 0, NULL, NULL), -EINVAL);
	log_expect("needs a mempool");
	assert_int_equal(vdk_eth_rx_queue_setup(port, 0, 64, 0, &rxc, pool), -EINVAL);
	assert_int_equal(vdk_eth_tx_queue_setup(port, 0, 64, 0, &txc), -EINVAL);
	f->fail = ENOMEM;
	assert_int_equal(vdk_eth_rx_queue_setup(port, 0, 64, 0, NULL, pool), -ENOMEM);
	assert_int_equal(vdk_eth_tx_queue_setup(port, 0, 64, 0, NULL), -ENOMEM);
	f->fail = 0;
	/* 0 descriptors: the driver's default (here its maximum). */
	assert_int_equal(vdk_eth_rx_queue_setup(port, 0, 0, 0, NULL, pool), 0);
	assert_int_equal(vdk_eth_tx_queue_setup(port, 0, 512, 0, NULL), 0);
	/* Set up again: replaced. */
	assert_int_equal(vdk_eth_rx_queue_setup(port, 0, 96, 0, NULL, pool), 0);
	assert_ptr_equal(vdk_eth_dev_get(port)->rx_queues[0], &f->q[0]);
	assert_int_equal(vdk_eth_dev_close(port), 0);
}

static void
test_start_stop_order_and_stopped_bursts(void **state)
{
	struct vdk_mbuf *pkts[4] = { 0 };
	struct fake_port *f;
	uint16_t port;

	(void)state;
	f = fake_new("fake_ss", &port);
	log_capture();
	assert_int_equal(vdk_eth_dev_start(port), -EINVAL);
	log_expect("configure it and set up its queues before starting");
	assert_int_equal(vdk_eth_dev_configure(port, 2, 2, NULL), 0);
	assert_int_equal(vdk_eth_rx_queue_setup(port, 0, 64, 0, NULL, pool), 0);
	log_capture();
	assert_int_equal(vdk_eth_dev_start(port), -EINVAL);
	log_expect("rx queue 1 is not set up");
	fake_up(port);
	assert_int_equal(vdk_eth_tx_burst(port, 0, pkts, 4), 0);

	f->fail = EIO;
	assert_int_equal(vdk_eth_dev_start(port), -EIO);
	assert_false(vdk_eth_dev_is_started(port));
	f->fail = 0;
	assert_int_equal(vdk_eth_dev_start(port), 0);
	assert_true(vdk_eth_dev_is_started(port));
	assert_int_equal(vdk_eth_dev_start(port), 0);
	assert_int_equal(vdk_eth_rx_burst(port, 1, pkts, 4), 4);
	assert_int_equal(vdk_eth_tx_burst(port, 1, pkts, 3), 3);

	log_capture();
	assert_int_equal(vdk_eth_dev_configure(port, 1, 1, NULL), -EBUSY);
	log_expect("stop the port first");
	assert_int_equal(vdk_eth_rx_queue_setup(port, 0, 64, 0, NULL, pool), -EBUSY);
	assert_int_equal(vdk_eth_tx_queue_setup(port, 0, 64, 0, NULL), -EBUSY);

	/* A stop the driver refuses leaves the port running. */
	f->fail = EIO;
	assert_int_equal(vdk_eth_dev_stop(port), -EIO);
	assert_true(vdk_eth_dev_is_started(port));
	assert_int_equal(vdk_eth_rx_burst(port, 0, pkts, 4), 4);
	f->fail = 0;
	assert_int_equal(vdk_eth_dev_stop(port), 0);
	assert_int_equal(vdk_eth_dev_stop(port), 0);
	assert_int_equal(vdk_eth_rx_burst(port, 0, pkts, 4), 0);
	assert_int_equal(vdk_eth_tx_burst(port, 0, pkts, 4), 0);
	/* Queues survive a stop: start again without setup. */
	assert_int_equal(vdk_eth_dev_start(port), 0);
	assert_int_equal(vdk_eth_rx_burst(port, 0, pkts, 2), 2);
	/* Close stops first. */
	fake_closed_count = 0;
	assert_int_equal(vdk_eth_dev_close(port), 0);
	assert_int_equal(fake_closed_count, 1);
	assert_int_equal(vdk_eth_rx_burst(port, 0, pkts, 2), 0);
}

static void
test_reset_returns_port_to_unconfigured(void **state)
{
	struct vdk_eth_dev_ops ops_reset;
	struct fake_port *f;
	uint16_t port;
	uint16_t nrx, ntx;

	(void)state;
	f = fake_new("fake_reset", &port);
	fake_up(port);
	assert_int_equal(vdk_eth_dev_start(port), 0);
	log_capture();
	assert_int_equal(vdk_eth_dev_reset(port), -ENOTSUP);
	log_expect("cannot reset");
	assert_true(vdk_eth_dev_is_started(port));

	ops_reset = fake_ops;
	ops_reset.dev_reset = fake_result;
	f->eth.ops = &ops_reset;
	assert_int_equal(vdk_eth_dev_reset(port), 0);
	assert_false(vdk_eth_dev_is_started(port));
	assert_int_equal(vdk_eth_dev_get_nb_queues(port, &nrx, &ntx), 0);
	assert_int_equal(nrx + ntx, 0);
	assert_int_equal(vdk_eth_dev_start(port), -EINVAL);
	fake_up(port);
	f->fail = EIO;
	assert_int_equal(vdk_eth_dev_reset(port), -EIO);
	f->fail = 0;
	f->eth.ops = &fake_ops;
	assert_int_equal(vdk_eth_dev_close(port), 0);
}

static int link_events;
static int last_status;

static void
on_link(uint16_t port_id, enum vdk_eth_event_type ev, void *arg)
{
	struct vdk_eth_link l;

	assert_int_equal(ev, VDK_ETH_EVENT_LINK_CHANGE);
	assert_ptr_equal(arg, &link_events);
	vdk_eth_dev_link_read(vdk_eth_dev_get(port_id), &l);
	last_status = l.link_status;
	link_events++;
}

static int destroy_events;

static void
on_destroy(uint16_t port_id, enum vdk_eth_event_type ev, void *arg)
{
	(void)port_id;
	(void)ev;
	(void)arg;
	destroy_events++;
}

static void
test_link_changes_run_callbacks(void **state)
{
	struct vdk_eth_link link;
	char buf[VDK_ETH_LINK_MAX_STR_LEN];
	uint16_t port;

	(void)state;
	fake_new("fake_link", &port);
	fake_up(port);
	assert_int_equal(vdk_eth_dev_callback_register(port, VDK_ETH_EVENT_MAX, on_link, NULL),
			 -EINVAL);
	assert_int_equal(vdk_eth_dev_callback_register(port, VDK_ETH_EVENT_LINK_CHANGE, NULL,
						       NULL), -EINVAL);
	assert_int_equal(vdk_eth_dev_callback_register(VDK_ETH_MAX_PORTS - 1,
						       VDK_ETH_EVENT_LINK_CHANGE, on_link,
						       &link_events), -ENODEV);
	assert_int_equal(vdk_eth_dev_callback_register(port, VDK_ETH_EVENT_LINK_CHANGE, on_link,
						       &link_events), 0);
	/* Registered twice, runs once. */
	assert_int_equal(vdk_eth_dev_callback_register(port, VDK_ETH_EVENT_LINK_CHANGE, on_link,
						       &link_events), 0);
	assert_int_equal(vdk_eth_dev_callback_register(VDK_ETH_ALL_PORTS,
						       VDK_ETH_EVENT_DESTROY, on_destroy, NULL),
			 0);
	link_events = 0;
	assert_int_equal(vdk_eth_link_get_nowait(port, &link), 0);
	assert_int_equal(link.link_status, VDK_ETH_LINK_DOWN);
	assert_int_equal(vdk_eth_dev_start(port), 0);
	assert_int_equal(link_events, 1);
	assert_int_equal(last_status, VDK_ETH_LINK_UP);
	assert_int_equal(vdk_eth_link_get(port, &link), 0);
	assert_int_equal(link.link_status, VDK_ETH_LINK_UP);
	assert_int_equal(link_events, 1);	/* no change, no event */
	assert_int_equal(vdk_eth_link_to_str(buf, sizeof(buf), &link) > 0, 1);
	assert_string_equal(buf, "Link up at 1 Gbps, full duplex, fixed");
	assert_int_equal(vdk_eth_link_get(port, NULL), -EINVAL);
	assert_int_equal(vdk_eth_link_to_str(NULL, 0, &link), -EINVAL);
	assert_int_equal(vdk_eth_dev_stop(port), 0);
	assert_int_equal(link_events, 2);
	assert_int_equal(last_status, VDK_ETH_LINK_DOWN);
	vdk_eth_link_get_nowait(port, &link);
	vdk_eth_link_to_str(buf, sizeof(buf), &link);
	assert_string_equal(buf, "Link down");

	assert_int_equal(vdk_eth_dev_callback_unregister(port, VDK_ETH_EVENT_LINK_CHANGE,
							 on_link, &link_events), 0);
	assert_int_equal(vdk_eth_dev_callback_unregister(port, VDK_ETH_EVENT_LINK_CHANGE,
							 on_link, &link_events), -ENOENT);
	assert_int_equal(vdk_eth_dev_callback_unregister(port, VDK_ETH_EVENT_LINK_CHANGE,
							 NULL, NULL), -EINVAL);
	assert_int_equal(vdk_eth_dev_start(port), 0);
	assert_int_equal(link_events, 2);
	destroy_events = 0;
	assert_int_equal(vdk_eth_dev_close(port), 0);
	assert_int_equal(destroy_events, 1);
	assert_int_equal(vdk_eth_dev_callback_unregister(VDK_ETH_ALL_PORTS,
							 VDK_ETH_EVENT_DESTROY, on_destroy,
							 NULL), 0);
}

static void
test_modes_mac_and_mtu(void **state)
{
	struct vdk_ether_addr mac, mcast = { { 0x01, 0, 0x5e, 0, 0, 1 } }, zero = { { 0 } };
	struct vdk_ether_addr good = { { 0x02, 0x11, 0x22, 0x33, 0x44, 0x55 } };
	struct fake_port *f;
	uint16_t port, mtu;

	(void)state;
	f = fake_new("fake_modes", &port);
	assert_int_equal(vdk_eth_promiscuous_get(port), 0);
	assert_int_equal(vdk_eth_promiscuous_enable(port), 0);
	assert_int_equal(vdk_eth_promiscuous_get(port), 1);
	f->fail = EIO;
	assert_int_equal(vdk_eth_promiscuous_disable(port), -EIO);
	assert_int_equal(vdk_eth_promiscuous_get(port), 1);
	f->fail = 0;
	assert_int_equal(vdk_eth_promiscuous_disable(port), 0);
	assert_int_equal(vdk_eth_promiscuous_get(port), 0);
	log_capture();
	assert_int_equal(vdk_eth_allmulticast_enable(port), -ENOTSUP);
	log_expect("cannot enable all-multicast mode");
	assert_int_equal(vdk_eth_allmulticast_get(port), 0);

	assert_int_equal(vdk_eth_macaddr_get(port, NULL), -EINVAL);
	log_capture();
	assert_int_equal(vdk_eth_dev_default_mac_addr_set(port, &mcast), -EINVAL);
	log_expect("01:00:5E:00:00:01 cannot be a port's address");
	assert_int_equal(vdk_eth_dev_default_mac_addr_set(port, &zero), -EINVAL);
	assert_int_equal(vdk_eth_dev_default_mac_addr_set(port, NULL), -EINVAL);
	f->fail = EPERM;
	assert_int_equal(vdk_eth_dev_default_mac_addr_set(port, &good), -EPERM);
	assert_int_equal(vdk_eth_macaddr_get(port, &mac), 0);
	assert_int_equal(mac.addr_bytes[5], 9);
	f->fail = 0;
	assert_int_equal(vdk_eth_dev_default_mac_addr_set(port, &good), 0);
	assert_int_equal(vdk_eth_macaddr_get(port, &mac), 0);
	assert_true(vdk_is_same_ether_addr(&mac, &good));

	assert_int_equal(vdk_eth_dev_get_mtu(port, &mtu), 0);
	assert_int_equal(mtu, VDK_ETHER_MTU);
	assert_int_equal(vdk_eth_dev_get_mtu(port, NULL), -EINVAL);
	log_capture();
	assert_int_equal(vdk_eth_dev_set_mtu(port, 2001), -EINVAL);
	log_expect("MTU 2001 outside 100..2000");
	log_capture();
	assert_int_equal(vdk_eth_dev_set_mtu(port, 1000), -ENOTSUP);
	log_expect("cannot change the MTU");
	assert_int_equal(vdk_eth_dev_close(port), 0);
}

static void
test_ring_ports_carry_packets_between_each_other(void **state)
{
	struct vdk_ring *ab, *ba;
	struct vdk_mbuf *tx[8], *rx[16];
	uint16_t a, b;
	int pa, pb, i;

	(void)state;
	ab = vdk_ring_create("t_ab", 64, VDK_SOCKET_ID_ANY, 0);
	ba = vdk_ring_create("t_ba", 64, VDK_SOCKET_ID_ANY, 0);
	assert_non_null(ab);
	assert_non_null(ba);
	pa = vdk_eth_from_rings("ring_a", &ba, 1, &ab, 1, VDK_SOCKET_ID_ANY);
	pb = vdk_eth_from_rings("ring_b", &ab, 1, &ba, 1, VDK_SOCKET_ID_ANY);
	assert_true(pa >= 0 && pb >= 0);
	a = (uint16_t)pa;
	b = (uint16_t)pb;
	assert_int_equal(vdk_eth_from_rings("ring_a", &ba, 1, &ab, 1, 0), -EEXIST);
	assert_int_equal(vdk_eth_from_rings("ring_c", NULL, 1, &ab, 1, 0), -EINVAL);
	assert_int_equal(vdk_eth_from_rings("ring_c", &ba, 0, &ab, 0, 0), -EINVAL);
	assert_int_equal(vdk_eth_from_rings("", &ba, 1, &ab, 1, 0), -EINVAL);
	for (i = 0; i < 2; i++) {
		uint16_t p = i ? b : a;

		assert_int_equal(vdk_eth_dev_configure(p, 1, 1, NULL), 0);
		assert_int_equal(vdk_eth_rx_queue_setup(p, 0, 0, VDK_SOCKET_ID_ANY, NULL, pool), 0);
		assert_int_equal(vdk_eth_tx_queue_setup(p, 0, 0, VDK_SOCKET_ID_ANY, NULL), 0);
		assert_int_equal(vdk_eth_dev_start(p), 0);
	}
	assert_int_equal(vdk_pktmbuf_alloc_bulk(pool, tx, 8), 0);
	for (i = 0; i < 8; i++) {
		assert_non_null(vdk_pktmbuf_append(tx[i], (uint16_t)(60 + i)));
		*vdk_pktmbuf_mtod(tx[i], uint8_t *) = (uint8_t)i;
	}
	assert_int_equal(vdk_eth_tx_burst(a, 0, tx, 8), 8);
	assert_int_equal(vdk_eth_rx_burst(a, 0, rx, 16), 0);
	assert_int_equal(vdk_eth_rx_burst(b, 0, rx, 16), 8);
	for (i = 0; i < 8; i++) {
		assert_int_equal(*vdk_pktmbuf_mtod(rx[i], uint8_t *), i);
		assert_int_equal(rx[i]->port, b);
	}
	assert_int_equal(vdk_eth_tx_burst(b, 0, rx, 8), 8);
	assert_int_equal(vdk_eth_rx_burst(a, 0, rx, 16), 8);
	vdk_pktmbuf_free_bulk(rx, 8);
	assert_int_equal(vdk_mempool_in_use_count(pool), 0);
	assert_int_equal(vdk_eth_dev_close(a), 0);
	assert_int_equal(vdk_eth_dev_close(b), 0);
	/* The rings were the caller's: still there. */
	assert_ptr_equal(vdk_ring_lookup("t_ab"), ab);
	vdk_ring_free(ab);
	vdk_ring_free(ba);
}

static void
test_info_and_names(void **state)
{
	struct vdk_eth_dev_info info;
	char name[VDK_ETH_NAME_SIZE];
	uint16_t port;

	(void)state;
	fake_new("fake_info", &port);
	assert_int_equal(vdk_eth_dev_info_get(port, NULL), -EINVAL);
	assert_int_equal(vdk_eth_dev_info_get(port, &info), 0);
	assert_string_equal(info.driver_name, "net_fake");
	assert_int_equal(info.max_rx_queues, 2);
	assert_int_equal(info.rx_desc_lim.nb_align, 32);
	assert_int_equal(vdk_eth_dev_get_name_by_port(port, name), 0);
	assert_string_equal(name, "fake_info");
	assert_int_equal(vdk_eth_dev_get_name_by_port(port, NULL), -EINVAL);
	assert_int_equal(vdk_eth_dev_get_port_by_name(NULL, &port), -EINVAL);
	assert_int_equal(vdk_eth_dev_socket_id(port), 0);
	assert_int_equal(vdk_eth_dev_close(port), 0);
}

static int
setup(void **state)
{
	char *argv[] = { "test_ethdev", "--no-huge", "-l", "0", "--no-pci", NULL };

	(void)state;
	if (vdk_eal_init(5, argv) < 0)
		return -1;
	pool = vdk_pktmbuf_pool_create("test_ethdev", 511, 0, 0, VDK_MBUF_DEFAULT_BUF_SIZE,
				       VDK_SOCKET_ID_ANY);
	return pool == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	(void)state;
	vdk_mempool_free(pool);
	log_release();
	return vdk_eal_cleanup();
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_attach_rejects_missing_fields_and_duplicate_names),
		cmocka_unit_test(test_attach_fails_when_every_port_is_taken),
		cmocka_unit_test(test_pci_attach_sets_the_device_and_says_so),
		cmocka_unit_test(test_rx_frame_finish_clears_what_the_last_user_left),
		cmocka_unit_test(test_bad_port_is_refused_everywhere),
		cmocka_unit_test(test_configure_checks_queues_mtu_and_offloads),
		cmocka_unit_test(test_queue_setup_needs_configure_and_checks_limits),
		cmocka_unit_test(test_start_stop_order_and_stopped_bursts),
		cmocka_unit_test(test_reset_returns_port_to_unconfigured),
		cmocka_unit_test(test_link_changes_run_callbacks),
		cmocka_unit_test(test_modes_mac_and_mtu),
		cmocka_unit_test(test_ring_ports_carry_packets_between_each_other),
		cmocka_unit_test(test_info_and_names),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
