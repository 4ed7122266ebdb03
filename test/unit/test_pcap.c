/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * net_pcap through ethdev, in process: a capture replayed to a tx_pcap file
 * through a pool far smaller than a burst (4 mbufs, one frame needing 3),
 * so that receive runs dry again and again; every frame must come out once,
 * in order, and the output file must hold them all. Then probe refusals.
 */
#include <errno.h>
#include <pcap/pcap.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "vdk_eal.h"
#include "vdk_ethdev.h"
#include "vdk_mbuf.h"
#include "vdk_mempool.h"
#include "vdk_vdev.h"

#include "test_eal_fixture.h"

#define NB_FRAMES 40
#define BIG_FRAME 17	/* this one spans 3 mbufs */
#define NB_MBUFS 4

static char dir[] = "/tmp/vdk-test-pcap-XXXXXX";
static char in_path[128], out_path[128];
static uint8_t frames[NB_FRAMES][5000];
static uint32_t lens[NB_FRAMES];

static void
make_frames(void)
{
	unsigned int i, k;

	for (i = 0; i < NB_FRAMES; i++) {
		lens[i] = i == BIG_FRAME ? 5000 : 60 + (i * 53) % 1400;
		for (k = 0; k < lens[i]; k++)
			frames[i][k] = (uint8_t)(i * 31 + k);
	}
}

/* The capture, written with libpcap: the reader the port uses is not the writer's. */
static int
write_capture(const char *path)
{
	pcap_t *dead = pcap_open_dead(DLT_EN10MB, 65535);
	struct pcap_pkthdr h = { 0 };
	pcap_dumper_t *d;
	unsigned int i;

	if (dead == NULL)
		return -1;
	d = pcap_dump_open(dead, path);
	if (d == NULL) {
		pcap_close(dead);
		return -1;
	}
	for (i = 0; i < NB_FRAMES; i++) {
		h.caplen = h.len = lens[i];
		h.ts.tv_sec = (time_t)i;
		pcap_dump((u_char *)d, &h, frames[i]);
	}
	pcap_dump_close(d);
	pcap_close(dead);
	return 0;
}

static int
setup(void **state)
{
	(void)state;
	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(in_path, sizeof(in_path), "%s/in.pcap", dir);
	snprintf(out_path, sizeof(out_path), "%s/out.pcap", dir);
	make_frames();
	if (write_capture(in_path) != 0)
		return -1;
	return eal_fixture_up("test_pcap", "0");
}

static int
teardown(void **state)
{
	(void)state;
	unlink(in_path);
	unlink(out_path);
	rmdir(dir);
	return vdk_eal_cleanup();
}

/* The mbuf chain @m holds frame @i exactly. */
static void
assert_frame(const struct vdk_mbuf *m, unsigned int i)
{
	static uint8_t flat[5000];
	const void *p;

	assert_int_equal(m->pkt_len, lens[i]);
	p = vdk_pktmbuf_read(m, 0, m->pkt_len, flat);
	assert_non_null(p);
	assert_memory_equal(p, frames[i], lens[i]);
}

static void
test_pcap_replay_through_a_dry_pool_loses_no_frame(void **state)
{
	char args[300];
	struct vdk_mempool *pool;
	struct vdk_mbuf *pkts[32];
	struct vdk_eth_stats st;
	struct pcap_pkthdr *h;
	const u_char *data;
	char err[PCAP_ERRBUF_SIZE];
	unsigned int next = 0, polls = 0, i;
	uint16_t port, nb, sent;
	pcap_t *rd;

	(void)state;
	pool = vdk_pktmbuf_pool_create("pcap_ut", NB_MBUFS, 0, 0, VDK_MBUF_DEFAULT_BUF_SIZE,
				       VDK_SOCKET_ID_ANY);
	assert_non_null(pool);
	snprintf(args, sizeof(args), "rx_pcap=%s,tx_pcap=%s", in_path, out_path);
	assert_int_equal(vdk_vdev_probe("net_pcap_ut", args), 0);
	assert_int_equal(vdk_eth_dev_get_port_by_name("net_pcap_ut", &port), 0);
	assert_int_equal(vdk_eth_dev_configure(port, 1, 1, NULL), 0);
	assert_int_equal(vdk_eth_rx_queue_setup(port, 0, 0, VDK_SOCKET_ID_ANY, NULL, pool), 0);
	assert_int_equal(vdk_eth_tx_queue_setup(port, 0, 0, VDK_SOCKET_ID_ANY, NULL), 0);
	assert_int_equal(vdk_eth_dev_start(port), 0);

	while (next < NB_FRAMES && polls++ < 10 * NB_FRAMES) {
		nb = vdk_eth_rx_burst(port, 0, pkts, 32);
		assert_true(nb <= NB_MBUFS);
		for (i = 0; i < nb; i++)
			assert_frame(pkts[i], next + i);
		next += nb;
		sent = vdk_eth_tx_burst(port, 0, pkts, nb);
		assert_int_equal(sent, nb);
	}
	assert_int_equal(next, NB_FRAMES);
	assert_int_equal(vdk_eth_rx_burst(port, 0, pkts, 32), 0);	/* the end of the file */
	assert_int_equal(vdk_mempool_avail_count(pool), NB_MBUFS);
	assert_int_equal(vdk_eth_stats_get(port, &st), 0);
	assert_int_equal(st.ipackets, NB_FRAMES);
	assert_int_equal(st.opackets, NB_FRAMES);
	assert_true(st.rx_nombuf > 0);	/* the pool did run dry */
	assert_int_equal(vdk_eth_dev_stop(port), 0);	/* flushes the output */

	rd = pcap_open_offline(out_path, err);
	assert_non_null(rd);
	for (i = 0; i < NB_FRAMES; i++) {
		assert_int_equal(pcap_next_ex(rd, &h, &data), 1);
		assert_int_equal(h->caplen, lens[i]);
		assert_int_equal(h->len, lens[i]);
		assert_memory_equal(data, frames[i], lens[i]);
	}
	assert_int_equal(pcap_next_ex(rd, &h, &data), PCAP_ERROR_BREAK);
	pcap_close(rd);
	assert_int_equal(vdk_vdev_remove("net_pcap_ut"), 0);
	vdk_mempool_free(pool);
}

static void
test_pcap_probe_refuses_bad_arguments(void **state)
{
	char args[300];

	(void)state;
	assert_int_equal(vdk_vdev_probe("net_pcap_bad", "infinite_rx=1"), -EINVAL);
	assert_int_equal(vdk_vdev_probe("net_pcap_bad", "rx_pcap=/nonexistent.pcap"), -EINVAL);
	snprintf(args, sizeof(args), "rx_pcap=%s,rx_iface=lo", in_path);
	assert_int_equal(vdk_vdev_probe("net_pcap_bad", args), -EINVAL);
	assert_int_equal(vdk_vdev_probe("net_pcap_bad", "rx_pcap="), -EINVAL);
	assert_int_equal(vdk_vdev_probe("net_pcap_bad", "size=64"), -EINVAL);
	snprintf(args, sizeof(args), "rx_pcap=%s,infinite_rx=2", in_path);
	assert_int_equal(vdk_vdev_probe("net_pcap_bad", args), -EINVAL);
	/* Nothing was left behind: the name is free. */
	assert_int_equal(vdk_eth_dev_count_avail(), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pcap_replay_through_a_dry_pool_loses_no_frame),
		cmocka_unit_test(test_pcap_probe_refuses_bad_arguments),
	};

	return cmocka_run_group_tests_name("pcap", tests, setup, teardown);
}
