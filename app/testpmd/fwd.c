/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Forwarding: streams, their lcores, the configuration the lcores read,
 * start and stop, and the statistics users expect at stop.
 *
 * The configuration is published with liburcu QSBR. A forwarding lcore
 * dereferences the pointer at the top of each poll loop, runs one burst on
 * each of its streams and then reports a quiescent state; the control
 * thread swaps in a new configuration and waits for a grace period (every
 * lcore has passed a quiescent state since), after which no lcore can hold
 * the old one and it is freed. Between two loops an lcore holds no packet,
 * so a switch loses none.
 */
#define _LGPL_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <urcu-qsbr.h>

#include "testpmd.h"
#include "vdk_eal.h"
#include "vdk_mbuf.h"

/* The app; forwarding lcores read only tp.cfg. */
struct testpmd tp;

/* Read by the lcores each loop: set to end forwarding. */
static volatile int fwd_stop_flag;

struct fwd_lcore_arg {
	unsigned int idx;	/* which of the configuration's lcores */
};

static struct fwd_lcore_arg lcore_args[VDK_MAX_LCORE];

static uint64_t
rd(const uint64_t *c)
{
	return __atomic_load_n(c, __ATOMIC_RELAXED);
}

static int
fwd_lcore_main(void *arg)
{
	const struct fwd_lcore_arg *la = arg;
	const struct fwd_config *cfg;
	const struct fwd_lcore_conf *lc;
	unsigned int i;

	rcu_register_thread();
	while (!__atomic_load_n(&fwd_stop_flag, __ATOMIC_RELAXED)) {
		cfg = rcu_dereference(tp.cfg);
		lc = &cfg->lcores[la->idx];
		for (i = 0; i < lc->nb; i++)
			cfg->engine->fwd(&cfg->streams[lc->first + i], cfg);
		rcu_quiescent_state();
	}
	rcu_unregister_thread();
	return 0;
}

/*
 * The ports that forward: selected by the portmask (or `set portlist`, in
 * its order) and still there.
 */
static unsigned int
fwd_ports(struct testpmd *t, uint16_t *ports)
{
	unsigned int n = 0, i;
	uint16_t p;

	if (t->nb_portlist > 0) {
		for (i = 0; i < t->nb_portlist; i++)
			if (vdk_eth_dev_is_valid_port(t->portlist[i]) && t->ports[t->portlist[i]].fwd)
				ports[n++] = t->portlist[i];
		return n;
	}
	VDK_ETH_FOREACH_DEV(p)
		if (t->ports[p].fwd)
			ports[n++] = p;
	return n;
}

/* The position of the port that the @i-th of @np forwarding ports sends to. */
static unsigned int
peer_of(enum tp_topology topo, unsigned int i, unsigned int np)
{
	switch (topo) {
	case TP_TOPO_CHAINED:
		return (i + 1) % np;
	case TP_TOPO_LOOP:
		return i;
	case TP_TOPO_PAIRED:
	default:
		return (i ^ 1) < np ? (i ^ 1) : i;
	}
}

/*
 * Ports forward to each other as --port-topology says (DPDK's paired by
 * default: 0-1, 2-3 ..., an odd last port to itself); one stream per rx
 * queue.
 */
static int
streams_build(struct testpmd *t, struct fwd_stream **out, unsigned int *nb)
{
	uint16_t ports[TP_MAX_PORTS];
	unsigned int np, i, q, s = 0;
	struct fwd_stream *fs;

	np = fwd_ports(t, ports);
	if (np == 0) {
		fprintf(t->out, "No forwarding ports: probe some with --vdev or -a\n");
		return -ENODEV;
	}
	/* Each stream on its own cache lines: lcores write their counters. */
	fs = aligned_alloc(VDK_CACHE_LINE_SIZE, (size_t)np * t->params.nb_rxq * sizeof(*fs));
	if (fs == NULL)
		return -ENOMEM;
	memset(fs, 0, (size_t)np * t->params.nb_rxq * sizeof(*fs));
	for (i = 0; i < np; i++) {
		uint16_t peer = ports[peer_of(t->params.topology, i, np)];

		for (q = 0; q < t->params.nb_rxq; q++) {
			fs[s].rx_port = ports[i];
			fs[s].rx_queue = (uint16_t)q;
			fs[s].tx_port = peer;
			fs[s].tx_queue = (uint16_t)(q % t->params.nb_txq);
			s++;
		}
	}
	*out = fs;
	*nb = s;
	return 0;
}

struct fwd_config *
tp_fwd_config_make(struct testpmd *t)
{
	struct fwd_config *cfg = calloc(1, sizeof(*cfg));
	struct vdk_eth_dev_info info;
	unsigned int i, nl, per, extra, first = 0;
	uint16_t p;

	if (cfg == NULL)
		return NULL;
	cfg->engine = t->engine;
	cfg->capture = t->capture;
	cfg->burst = t->burst;
	cfg->record_burst_stats = t->record_burst_stats;
	cfg->verbose = t->verbose;
	cfg->txonly_multi_flow = t->params.txonly_multi_flow;
	cfg->nb_txsegs = (uint16_t)t->nb_txsegs;
	cfg->txpkt_len = 0;
	for (i = 0; i < t->nb_txsegs; i++) {
		cfg->txsegs[i] = t->txsegs[i];
		cfg->txpkt_len += t->txsegs[i];
	}
	cfg->pool = t->pool;
	for (p = 0; p < TP_MAX_PORTS; p++) {
		if (t->params.peer_set[p])
			cfg->peer_addr[p] = t->params.peer[p];
		else
			cfg->peer_addr[p] = (struct vdk_ether_addr){ { 2, 0, 0, 0, 0, (uint8_t)p } };
		if (vdk_eth_dev_is_valid_port(p)) {
			vdk_eth_macaddr_get(p, &cfg->port_addr[p]);
			if (vdk_eth_dev_info_get(p, &info) == 0)
				cfg->tx_offloads[p] = info.tx_offload_capa &
						      (VDK_ETH_TX_OFFLOAD_IPV4_CKSUM |
						       VDK_ETH_TX_OFFLOAD_UDP_CKSUM |
						       VDK_ETH_TX_OFFLOAD_TCP_CKSUM);
		}
	}
	fwd_txonly_template(cfg);
	cfg->streams = t->streams;
	cfg->nb_streams = t->nb_streams;
	/* Contiguous blocks of streams, the first lcores taking one more. */
	nl = VDK_MIN(t->nb_fwd_lcores, VDK_MAX(t->nb_streams, 1u));
	cfg->nb_lcores = nl;
	per = t->nb_streams / nl;
	extra = t->nb_streams % nl;
	for (i = 0; i < nl; i++) {
		cfg->lcores[i].lcore_id = t->worker_lcores[i];
		cfg->lcores[i].first = first;
		cfg->lcores[i].nb = per + (i < extra);
		first += cfg->lcores[i].nb;
	}
	return cfg;
}

int
tp_fwd_publish(struct testpmd *t)
{
	struct fwd_config *cfg = tp_fwd_config_make(t), *old;

	if (cfg == NULL) {
		fprintf(t->out, "Out of memory for the forwarding configuration\n");
		return -ENOMEM;
	}
	old = rcu_xchg_pointer(&t->cfg, cfg);
	/* Every lcore has finished the loop that might have read @old. */
	synchronize_rcu();
	free(old);
	return 0;
}

void
tp_fwd_quiesce(void)
{
	synchronize_rcu();
}

static void
stats_snapshot(struct testpmd *t)
{
	uint16_t p;

	VDK_ETH_FOREACH_DEV(p)
		if (vdk_eth_stats_get(p, &t->ports[p].start_stats) != 0)
			memset(&t->ports[p].start_stats, 0, sizeof(t->ports[p].start_stats));
}

static void
streams_clear(struct testpmd *t)
{
	unsigned int i;

	for (i = 0; i < t->nb_streams; i++) {
		t->streams[i].rx_packets = 0;
		t->streams[i].tx_packets = 0;
		t->streams[i].fwd_dropped = 0;
		t->streams[i].rx_bad_ip_csum = 0;
		t->streams[i].rx_bad_l4_csum = 0;
		memset(t->streams[i].rx_bursts, 0, sizeof(t->streams[i].rx_bursts));
		memset(t->streams[i].tx_bursts, 0, sizeof(t->streams[i].tx_bursts));
	}
}

int
tp_fwd_start(struct testpmd *t, unsigned int tx_first_bursts)
{
	uint16_t ports[TP_MAX_PORTS];
	unsigned int np, i, b, nfs;
	struct fwd_stream *fs;
	int ret;

	if (t->forwarding) {
		fprintf(t->out, "Packet forwarding already started\n");
		return -EBUSY;
	}
	if (t->nb_workers == 0) {
		fprintf(t->out, "No lcore to forward on: give the EAL at least two (-l 0-1)\n");
		return -EINVAL;
	}
	np = fwd_ports(t, ports);
	for (i = 0; i < np; i++) {
		if (!vdk_eth_dev_is_started(ports[i])) {
			fprintf(t->out, "Port %u is not started: 'port start %u' first\n", ports[i],
				ports[i]);
			return -EINVAL;
		}
	}
	ret = streams_build(t, &fs, &nfs);
	if (ret != 0)
		return ret;
	/* No lcore runs: the old streams have no reader left. */
	free(t->streams);
	t->streams = fs;
	t->nb_streams = nfs;
	ret = tp_fwd_publish(t);
	if (ret != 0)
		return ret;
	stats_snapshot(t);
	streams_clear(t);
	tp_show_config_fwd(t);
	tp_show_config_rxtx(t);
	if (tx_first_bursts > 0) {
		/* Prime the ports from this thread before the lcores start. */
		for (b = 0; b < tx_first_bursts; b++)
			for (i = 0; i < t->nb_streams; i++)
				fwd_txonly_engine.fwd(&t->streams[i], t->cfg);
	}
	__atomic_store_n(&fwd_stop_flag, 0, __ATOMIC_RELEASE);
	for (i = 0; i < t->cfg->nb_lcores; i++) {
		lcore_args[i].idx = i;
		ret = vdk_eal_remote_launch(fwd_lcore_main, &lcore_args[i],
					    t->cfg->lcores[i].lcore_id);
		if (ret != 0) {
			fprintf(t->out, "Cannot launch lcore %u: %s\n", t->cfg->lcores[i].lcore_id,
				strerror(-ret));
			__atomic_store_n(&fwd_stop_flag, 1, __ATOMIC_RELEASE);
			while (i-- > 0)
				vdk_eal_wait_lcore(t->cfg->lcores[i].lcore_id);
			return ret;
		}
	}
	t->forwarding = true;
	return 0;
}

static void
print_line(FILE *f, const char *label1, uint64_t v1, const char *label2, uint64_t v2,
	   const char *label3, uint64_t v3)
{
	/* DPDK's: no space after the second value's field, whose width alone parts them. */
	fprintf(f, "  %s %-14" PRIu64 " %s %-14" PRIu64 "%s %" PRIu64 "\n", label1, v1,
		label2, v2, label3, v3);
}

void
tp_burst_stats_print(FILE *f, const char *dir, const uint64_t *spread)
{
	/* [0]: the empty bursts, always shown; [1], [2]: the two most frequent other sizes. */
	uint64_t count[3] = { spread[0], 0, 0 }, total = spread[0], shown = 0, pct, pct_sum = 0;
	unsigned int size[3] = { 0, 0, 0 }, s, i;

	for (s = 1; s <= TP_MAX_BURST; s++) {
		total += spread[s];
		/* Only a strictly larger count moves up: on a tie the smaller size stays first. */
		if (spread[s] > count[1]) {
			count[2] = count[1];
			size[2] = size[1];
			count[1] = spread[s];
			size[1] = s;
		} else if (spread[s] > count[2]) {
			count[2] = spread[s];
			size[2] = s;
		}
	}
	if (total == 0)
		return;	/* nothing recorded: no line, as DPDK */
	fprintf(f, "  %s-bursts : %" PRIu64 " [", dir, total);
	for (i = 0; i < VDK_DIM(count); i++) {
		shown += count[i];
		/* The last share shown is what the others leave, so that they add up to 100. */
		if (shown == total) {
			fprintf(f, "%" PRIu64 "%% of %u pkts]\n", 100 - pct_sum, size[i]);
			return;
		}
		/* Integer percent, rounded down; 100 * count overflows past 1.8e17 bursts. */
		pct = count[i] * 100 / total;
		fprintf(f, "%" PRIu64 "%% of %u pkts + ", pct, size[i]);
		pct_sum += pct;
	}
	fprintf(f, "%" PRIu64 "%% of other]\n", 100 - pct_sum);
}

/* Sum the rx (@rx) or tx histograms of the streams that receive or send on @port. */
static void
burst_spread_sum(struct testpmd *t, uint16_t port, bool rx, uint64_t *sum)
{
	unsigned int i, s;

	memset(sum, 0, (TP_MAX_BURST + 1) * sizeof(*sum));
	for (i = 0; i < t->nb_streams; i++) {
		const struct fwd_stream *fs = &t->streams[i];

		if ((rx ? fs->rx_port : fs->tx_port) != port)
			continue;
		for (s = 0; s <= TP_MAX_BURST; s++)
			sum[s] += rd(rx ? &fs->rx_bursts[s] : &fs->tx_bursts[s]);
	}
}

/*
 * A copy of one stream's histogram read with the lcore's stores in mind
 * (`show fwd stats all` runs while forwarding).
 */
static void
burst_spread_read(const uint64_t *from, uint64_t *to)
{
	unsigned int s;

	for (s = 0; s <= TP_MAX_BURST; s++)
		to[s] = rd(&from[s]);
}

/* Per stream (when there are more streams than ports), per port, all ports. */
static void
fwd_stats_print(struct testpmd *t)
{
	uint64_t rx[TP_MAX_PORTS] = { 0 }, tx[TP_MAX_PORTS] = { 0 }, miss[TP_MAX_PORTS] = { 0 };
	uint64_t drop[TP_MAX_PORTS] = { 0 }, bad_ip[TP_MAX_PORTS] = { 0 };
	uint64_t bad_l4[TP_MAX_PORTS] = { 0 };
	uint64_t trx = 0, ttx = 0, tmiss = 0, tdrop = 0;
	uint64_t spread[TP_MAX_BURST + 1];
	uint16_t ports[TP_MAX_PORTS];
	struct vdk_eth_stats st;
	unsigned int np, i;
	FILE *f = t->out;
	bool csum = t->cfg != NULL && t->cfg->engine == &fwd_csum_engine;

	np = fwd_ports(t, ports);
	for (i = 0; i < t->nb_streams; i++) {
		struct fwd_stream *fs = &t->streams[i];

		drop[fs->tx_port] += rd(&fs->fwd_dropped);
		bad_ip[fs->rx_port] += rd(&fs->rx_bad_ip_csum);
		bad_l4[fs->rx_port] += rd(&fs->rx_bad_l4_csum);
		if (t->nb_streams <= np)
			continue;
		fprintf(f, "\n  ------- Forward Stats for RX Port=%2u/Queue=%2u -> "
			"TX Port=%2u/Queue=%2u -------\n", fs->rx_port, fs->rx_queue,
			fs->tx_port, fs->tx_queue);
		fprintf(f, "  RX-packets: %-14" PRIu64 " TX-packets: %-14" PRIu64
			" TX-dropped: %-14" PRIu64 "\n", rd(&fs->rx_packets), rd(&fs->tx_packets),
			rd(&fs->fwd_dropped));
		if (csum)
			fprintf(f, "  RX- bad IP checksum: %-14" PRIu64 "  Rx- bad L4 checksum: %-14"
				PRIu64 "\n", rd(&fs->rx_bad_ip_csum), rd(&fs->rx_bad_l4_csum));
		if (t->record_burst_stats) {
			burst_spread_read(fs->rx_bursts, spread);
			tp_burst_stats_print(f, "RX", spread);
			burst_spread_read(fs->tx_bursts, spread);
			tp_burst_stats_print(f, "TX", spread);
		}
	}
	for (i = 0; i < np; i++) {
		uint16_t p = ports[i];
		const struct vdk_eth_stats *b = &t->ports[p].start_stats;

		if (vdk_eth_stats_get(p, &st) != 0)
			memset(&st, 0, sizeof(st));
		rx[p] = st.ipackets >= b->ipackets ? st.ipackets - b->ipackets : st.ipackets;
		tx[p] = st.opackets >= b->opackets ? st.opackets - b->opackets : st.opackets;
		miss[p] = st.imissed >= b->imissed ? st.imissed - b->imissed : st.imissed;
		fprintf(f, "\n  ---------------------- Forward statistics for port %-2u"
			" ----------------------\n", p);
		print_line(f, "RX-packets:", rx[p], "RX-dropped:", miss[p], "RX-total:",
			   rx[p] + miss[p]);
		if (csum)
			fprintf(f, "  Bad-ipcsum: %-14" PRIu64 " Bad-l4csum: %-14" PRIu64 "\n",
				bad_ip[p], bad_l4[p]);
		print_line(f, "TX-packets:", tx[p], "TX-dropped:", drop[p], "TX-total:",
			   tx[p] + drop[p]);
		if (t->record_burst_stats) {
			/* All the port's queues together: DPDK shows its one stream. */
			burst_spread_sum(t, p, true, spread);
			tp_burst_stats_print(f, "RX", spread);
			burst_spread_sum(t, p, false, spread);
			tp_burst_stats_print(f, "TX", spread);
		}
		fprintf(f, "  ------------------------------------------------------------"
			"----------------\n");
		trx += rx[p];
		ttx += tx[p];
		tmiss += miss[p];
		tdrop += drop[p];
	}
	fprintf(f, "\n  +++++++++++++++ Accumulated forward statistics for all ports"
		"+++++++++++++++\n");
	print_line(f, "RX-packets:", trx, "RX-dropped:", tmiss, "RX-total:", trx + tmiss);
	print_line(f, "TX-packets:", ttx, "TX-dropped:", tdrop, "TX-total:", ttx + tdrop);
	fprintf(f, "  ++++++++++++++++++++++++++++++++++++++++++++++++++++++++++++"
		"++++++++++++++++\n");
}

int
tp_fwd_stop(struct testpmd *t)
{
	unsigned int i;

	if (!t->forwarding) {
		fprintf(t->out, "Packet forwarding not started\n");
		return -EINVAL;
	}
	fprintf(t->out, "Telling cores to stop...\n");
	__atomic_store_n(&fwd_stop_flag, 1, __ATOMIC_RELEASE);
	fprintf(t->out, "Waiting for lcores to finish...\n");
	for (i = 0; i < t->cfg->nb_lcores; i++)
		vdk_eal_wait_lcore(t->cfg->lcores[i].lcore_id);
	t->forwarding = false;
	fwd_stats_print(t);
	fprintf(t->out, "\nDone.\n");
	return 0;
}

void
tp_clear_fwd_stats(struct testpmd *t)
{
	/* Safe while forwarding: a counter the lcore bumps after is just counted. */
	stats_snapshot(t);
	streams_clear(t);
}

void
tp_show_fwd_stats(struct testpmd *t)
{
	/* Before the first start: zeros for every forwarding port, as DPDK shows. */
	fwd_stats_print(t);
}

/*
 * The configuration `start` would publish (or has): built from the current
 * settings, the streams of the running forwarding or, stopped, of what
 * `start` would make. NULL if there is nothing to show (message printed).
 */
static struct fwd_config *
config_to_show(struct testpmd *t, struct fwd_stream **tmp)
{
	struct fwd_stream *saved = t->streams;
	unsigned int saved_nb = t->nb_streams;
	struct fwd_config *cfg;

	*tmp = NULL;
	if (!t->forwarding) {
		/* Show what `start` would do, keeping the last run's counters. */
		if (streams_build(t, tmp, &t->nb_streams) != 0)
			return NULL;
		t->streams = *tmp;
	}
	cfg = tp_fwd_config_make(t);
	t->streams = saved;
	t->nb_streams = saved_nb;
	if (cfg == NULL) {
		free(*tmp);
		*tmp = NULL;
	}
	return cfg;
}

/* DPDK's `show config fwd`: engine, lcores and their streams, then a blank line. */
void
tp_show_config_fwd(struct testpmd *t)
{
	char mac[VDK_ETHER_ADDR_FMT_SIZE];
	uint16_t ports[TP_MAX_PORTS];
	struct fwd_stream *tmp;
	struct fwd_config *cfg = config_to_show(t, &tmp);
	unsigned int i, s;

	if (cfg == NULL)
		return;
	fprintf(t->out, "%s packet forwarding - ports=%u - cores=%u - streams=%u - "
		"NUMA support enabled, MP allocation mode: native\n", cfg->engine->name,
		fwd_ports(t, ports), cfg->nb_lcores, cfg->nb_streams);
	for (i = 0; i < cfg->nb_lcores; i++) {
		const struct fwd_lcore_conf *lc = &cfg->lcores[i];

		fprintf(t->out, "Logical Core %u (socket %d) forwards packets on %u streams:\n",
			lc->lcore_id, vdk_lcore_to_socket_id(lc->lcore_id), lc->nb);
		for (s = lc->first; s < lc->first + lc->nb; s++) {
			const struct fwd_stream *fs = &cfg->streams[s];

			vdk_ether_format_addr(mac, sizeof(mac), &cfg->peer_addr[fs->tx_port]);
			fprintf(t->out, "  RX P=%u/Q=%u (socket %d) -> TX P=%u/Q=%u (socket %d) "
				"peer=%s\n", fs->rx_port, fs->rx_queue,
				vdk_eth_dev_socket_id(fs->rx_port) < 0 ? 0 :
					vdk_eth_dev_socket_id(fs->rx_port),
				fs->tx_port, fs->tx_queue,
				vdk_eth_dev_socket_id(fs->tx_port) < 0 ? 0 :
					vdk_eth_dev_socket_id(fs->tx_port), mac);
		}
	}
	fprintf(t->out, "\n");
	free(cfg);
	free(tmp);
}

/*
 * DPDK's `show config rxtx`, without its per-queue register lines: burst,
 * lcores, ports and the descriptors their queues were set up with.
 */
void
tp_show_config_rxtx(struct testpmd *t)
{
	uint16_t ports[TP_MAX_PORTS];
	unsigned int i, np;
	struct fwd_stream *tmp;
	struct fwd_config *cfg = config_to_show(t, &tmp);

	if (cfg == NULL)
		return;
	fprintf(t->out, "  %s packet forwarding packets/burst=%u\n", cfg->engine->name,
		cfg->burst);
	if (cfg->engine == &fwd_txonly_engine)
		fprintf(t->out, "  packet len=%u - nb packet segments=%u\n", cfg->txpkt_len,
			cfg->nb_txsegs);
	np = fwd_ports(t, ports);
	fprintf(t->out, "  nb forwarding cores=%u - nb forwarding ports=%u\n", cfg->nb_lcores, np);
	for (i = 0; i < np; i++)
		fprintf(t->out, "  port %u: RX queue number: %u Tx queue number: %u\n"
			"    RX desc=%u - TX desc=%u\n", ports[i], t->params.nb_rxq,
			t->params.nb_txq, t->ports[ports[i]].nb_rxd, t->ports[ports[i]].nb_txd);
	free(cfg);
	free(tmp);
}

/* ---- settings that may change while forwarding runs ---- */

int
tp_set_fwd(struct testpmd *t, const char *mode)
{
	const struct fwd_engine *e = fwd_engine_find(mode);

	if (e == NULL) {
		fprintf(t->out, "Invalid forwarding mode '%s': choose %s\n", mode ? mode : "",
			fwd_engine_names());
		return -EINVAL;
	}
	t->engine = e;
	fprintf(t->out, "Set %s packet forwarding mode\n", e->name);
	return t->forwarding ? tp_fwd_publish(t) : 0;
}

int
tp_set_burst(struct testpmd *t, unsigned int burst)
{
	if (burst < 1 || burst > TP_MAX_BURST) {
		fprintf(t->out, "Invalid burst %u: 1..%u\n", burst, TP_MAX_BURST);
		return -EINVAL;
	}
	t->burst = (uint16_t)burst;
	fprintf(t->out, "Number of packets per burst set to %u\n", burst);
	return t->forwarding ? tp_fwd_publish(t) : 0;
}

int
tp_set_txpkts(struct testpmd *t, const uint16_t *segs, unsigned int n)
{
	uint32_t room = vdk_pktmbuf_data_room_size(t->pool) - VDK_PKTMBUF_HEADROOM;

	if (tp_txpkts_fit(segs, n, room, t->out, "") != 0)
		return -EINVAL;
	memcpy(t->txsegs, segs, n * sizeof(segs[0]));
	t->nb_txsegs = n;
	return t->forwarding ? tp_fwd_publish(t) : 0;
}

int
tp_set_nbcore(struct testpmd *t, unsigned int n)
{
	if (t->forwarding) {
		fprintf(t->out, "Please stop forwarding first\n");
		return -EBUSY;
	}
	if (n < 1 || n > t->nb_workers) {
		fprintf(t->out, "Invalid number of forwarding cores %u: 1..%u (lcores given to the EAL, "
			"less the main one)\n", n, t->nb_workers);
		return -EINVAL;
	}
	t->nb_fwd_lcores = n;
	fprintf(t->out, "Number of forwarding cores set to %u\n", n);
	return 0;
}

int
tp_set_record_burst_stats(struct testpmd *t, bool on)
{
	t->record_burst_stats = on;
	fprintf(t->out, "Recording of rx/tx burst statistics set to %s\n", on ? "on" : "off");
	return t->forwarding ? tp_fwd_publish(t) : 0;
}

int
tp_set_verbose(struct testpmd *t, unsigned int level)
{
	fprintf(t->out, "Change verbose level from %u to %u\n", t->verbose, level);
	t->verbose = (uint8_t)level;
	return t->forwarding ? tp_fwd_publish(t) : 0;
}

int
tp_set_eth_peer(struct testpmd *t, uint16_t port, const struct vdk_ether_addr *mac)
{
	if (t->forwarding) {
		fprintf(t->out, "Please stop forwarding first\n");
		return -EBUSY;
	}
	t->params.peer[port] = *mac;
	t->params.peer_set[port] = true;
	return 0;
}

int
tp_set_portlist(struct testpmd *t, const uint16_t *ports, unsigned int n)
{
	unsigned int i;
	uint16_t p;

	if (t->forwarding) {
		fprintf(t->out, "Please stop forwarding first\n");
		return -EBUSY;
	}
	for (i = 0; i < n; i++) {
		if (!vdk_eth_dev_is_valid_port(ports[i])) {
			fprintf(t->out, "Invalid port %u: %u ports in use\n", ports[i],
				vdk_eth_dev_count_avail());
			return -EINVAL;
		}
	}
	VDK_ETH_FOREACH_DEV(p)
		t->ports[p].fwd = false;
	for (i = 0; i < n; i++) {
		t->portlist[i] = ports[i];
		t->ports[ports[i]].fwd = true;
	}
	t->nb_portlist = n;
	return 0;
}

void
tp_fwd_cleanup(struct testpmd *t)
{
	if (t->forwarding)
		tp_fwd_stop(t);
	free(t->cfg);
	t->cfg = NULL;
	free(t->streams);
	t->streams = NULL;
	t->nb_streams = 0;
}
