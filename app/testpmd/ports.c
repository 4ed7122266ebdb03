/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Ports in testpmd: the mbuf pool sized to the queues it feeds, bring-up
 * at start, the `port` commands and the `show port` displays in the
 * layout DPDK's users read.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "testpmd.h"
#include "vdk_cycles.h"
#include "vdk_eal.h"
#include "vdk_mbuf.h"

/* The port's configuration from the options and `port config`. */
static void
port_conf(struct testpmd *t, uint16_t port, struct vdk_eth_conf *conf)
{
	const struct tp_params *pr = &t->params;

	memset(conf, 0, sizeof(*conf));
	/* DPDK's overhead: Ethernet header and CRC. */
	if (pr->max_pkt_len != 0)
		conf->rxmode.mtu = pr->max_pkt_len - VDK_ETHER_HDR_LEN - 4;
	conf->rss = (uint32_t)tp_port_rss_hf(t, port);
	conf->lsc_intr = pr->lsc_interrupt;
}

uint16_t
tp_ring_size(uint16_t asked, uint16_t drv_default, const struct vdk_eth_desc_lim *lim)
{
	if (asked == 0)
		asked = drv_default != 0 ? drv_default : TP_DEFAULT_DESC;
	/* A driver with a smaller ring than asked gets its largest. */
	return VDK_MIN(asked, lim->nb_max);
}

int
tp_port_configure(struct testpmd *t, uint16_t p)
{
	const struct tp_params *pr = &t->params;
	struct vdk_eth_dev_info info;
	struct vdk_eth_conf conf;
	uint16_t q, nrxd, ntxd;
	int ret, socket = vdk_eth_dev_socket_id(p);

	ret = vdk_eth_dev_info_get(p, &info);
	if (ret != 0)
		return ret;
	fprintf(t->out, "Configuring Port %u (socket %d)\n", p, socket < 0 ? 0 : socket);
	port_conf(t, p, &conf);
	ret = vdk_eth_dev_configure(p, pr->nb_rxq, pr->nb_txq, &conf);
	if (ret != 0) {
		fprintf(t->out, "Fail to configure port %u: %s (it has at most %u rx and %u tx "
			"queues, MTU %u..%u)\n", p, strerror(-ret), info.max_rx_queues,
			info.max_tx_queues, info.min_mtu, info.max_mtu);
		return ret;
	}
	nrxd = tp_ring_size(pr->nb_rxd, info.default_rx_ring_size, &info.rx_desc_lim);
	ntxd = tp_ring_size(pr->nb_txd, info.default_tx_ring_size, &info.tx_desc_lim);
	for (q = 0; q < pr->nb_rxq; q++) {
		ret = vdk_eth_rx_queue_setup(p, q, nrxd, socket, NULL, t->pool);
		if (ret != 0) {
			fprintf(t->out, "Fail to set up rx queue %u of port %u: %s\n", q, p,
				strerror(-ret));
			return ret;
		}
	}
	for (q = 0; q < pr->nb_txq; q++) {
		ret = vdk_eth_tx_queue_setup(p, q, ntxd, socket, NULL);
		if (ret != 0) {
			fprintf(t->out, "Fail to set up tx queue %u of port %u: %s\n", q, p,
				strerror(-ret));
			return ret;
		}
	}
	t->ports[p].need_reconfig = false;
	t->ports[p].nb_rxd = nrxd;
	t->ports[p].nb_txd = ntxd;
	return 0;
}

int
tp_port_setup(struct testpmd *t, uint16_t p)
{
	struct vdk_ether_addr mac;
	char buf[VDK_ETHER_ADDR_FMT_SIZE];
	int ret;

	ret = tp_port_configure(t, p);
	if (ret != 0)
		return ret;
	ret = vdk_eth_dev_start(p);
	if (ret != 0) {
		fprintf(t->out, "Fail to start port %u: %s\n", p, strerror(-ret));
		return ret;
	}
	if (t->params.promisc && vdk_eth_promiscuous_enable(p) != 0)
		fprintf(t->out, "Port %u: cannot enable promiscuous mode\n", p);
	vdk_eth_macaddr_get(p, &mac);
	vdk_ether_format_addr(buf, sizeof(buf), &mac);
	fprintf(t->out, "Port %u: %s\n", p, buf);
	return 0;
}

/*
 * DPDK waits up to 9 s for every link to come up before the prompt; a
 * link still down then is reported, not an error.
 */
void
tp_ports_check_link(struct testpmd *t)
{
	struct vdk_eth_link link;
	unsigned int i;
	bool all_up = false;
	uint16_t p;

	fprintf(t->out, "Checking link statuses...\n");
	for (i = 0; i < 90 && !all_up && !t->quit; i++) {
		all_up = true;
		VDK_ETH_FOREACH_DEV(p)
			if (t->ports[p].fwd && vdk_eth_link_get_nowait(p, &link) == 0 &&
			    !link.link_status)
				all_up = false;
		if (!all_up)
			vdk_delay_us(100 * 1000);
	}
	VDK_ETH_FOREACH_DEV(p)
		if (t->ports[p].fwd && vdk_eth_link_get_nowait(p, &link) == 0 &&
		    !link.link_status)
			fprintf(t->out, "Port %u Link down\n", p);
	fprintf(t->out, "Done\n");
}

/*
 * Enough mbufs for every descriptor of every queue, the lcores' caches and
 * bursts in flight; not, as DPDK does, for the largest rings of the most
 * ports there could be.
 */
static unsigned int
pool_size(const struct testpmd *t)
{
	const struct tp_params *pr = &t->params;
	struct vdk_eth_dev_info info;
	unsigned int n = 0;
	uint16_t p;

	if (pr->total_mbufs)
		return pr->total_mbufs;
	VDK_ETH_FOREACH_DEV(p) {
		if (!t->ports[p].fwd)
			continue;
		if (vdk_eth_dev_info_get(p, &info) != 0)
			memset(&info, 0, sizeof(info));
		n += pr->nb_rxq * tp_ring_size(pr->nb_rxd, info.default_rx_ring_size,
					       &info.rx_desc_lim) +
		     pr->nb_txq * tp_ring_size(pr->nb_txd, info.default_tx_ring_size,
					       &info.tx_desc_lim);
	}
	n += (t->nb_workers + 1) * (pr->mbcache * 3 / 2 + 2 * TP_MAX_BURST);
	return n;
}

int
tp_ports_init(struct testpmd *t)
{
	unsigned int nb_ports = 0, n;
	uint16_t p;
	int ret;

	VDK_ETH_FOREACH_DEV(p) {
		t->ports[p].fwd = t->params.portmask == 0 || (t->params.portmask >> p) & 1;
		nb_ports += t->ports[p].fwd;
	}
	if (nb_ports == 0) {
		fprintf(t->out, "No ports to forward on: name some with --vdev (e.g. --vdev "
			"net_null0) or check --portmask\n");
		return -ENODEV;
	}
	n = pool_size(t);
	fprintf(t->out, "testpmd: create a new mbuf pool <mb_pool_0>: n=%u, size=%u, socket=0\n",
		n, t->params.mbuf_size);
	t->pool = vdk_pktmbuf_pool_create("mb_pool_0", n, t->params.mbcache, 0, t->params.mbuf_size,
					  VDK_SOCKET_ID_ANY);
	if (t->pool == NULL) {
		fprintf(t->out, "Creation of mbuf pool failed: %s\n", strerror(errno));
		return -errno;
	}
	VDK_ETH_FOREACH_DEV(p) {
		if (!t->ports[p].fwd)
			continue;
		ret = tp_port_setup(t, p);
		if (ret != 0)
			return ret;
	}
	return 0;
}

void
tp_ports_close_all(struct testpmd *t)
{
	uint16_t p;

	VDK_ETH_FOREACH_DEV(p) {
		fprintf(t->out, "Stopping port %u...\n", p);
		vdk_eth_dev_stop(p);
		fprintf(t->out, "Closing port %u...\n", p);
		vdk_eth_dev_close(p);
		fprintf(t->out, "Port %u is closed\n", p);
	}
}

int
tp_parse_portlist(struct testpmd *t, const char *arg, uint16_t *ports, bool fwd_only)
{
	unsigned long v;
	unsigned int n = 0;
	char *end;
	uint16_t p;

	if (arg == NULL)
		return -EINVAL;
	if (strcmp(arg, "all") == 0) {
		VDK_ETH_FOREACH_DEV(p)
			if (!fwd_only || t->ports[p].fwd)
				ports[n++] = p;
		return (int)n;
	}
	errno = 0;
	v = strtoul(arg, &end, 10);
	if (errno != 0 || *arg == '\0' || *arg == '-' || *end != '\0' || v >= TP_MAX_PORTS ||
	    !vdk_eth_dev_is_valid_port((uint16_t)v)) {
		fprintf(t->out, "Invalid port '%s': give 'all' or a port id (%u in use)\n", arg,
			vdk_eth_dev_count_avail());
		return -EINVAL;
	}
	ports[0] = (uint16_t)v;
	return 1;
}

int
tp_port_start(struct testpmd *t, uint16_t port)
{
	int ret;

	if (vdk_eth_dev_is_started(port)) {
		fprintf(t->out, "Port %u is already started\n", port);
		return 0;
	}
	/* `port config` changed queues or descriptors: set them up anew. */
	if (t->ports[port].need_reconfig) {
		ret = tp_port_configure(t, port);
		if (ret != 0)
			return ret;
	}
	ret = vdk_eth_dev_start(port);
	if (ret != 0) {
		fprintf(t->out, "Fail to start port %u: %s\n", port, strerror(-ret));
		return ret;
	}
	fprintf(t->out, "Port %u started\n", port);
	return 0;
}

int
tp_port_stop(struct testpmd *t, uint16_t port)
{
	int ret;

	if (t->forwarding && t->ports[port].fwd) {
		fprintf(t->out, "Please stop forwarding first\n");
		return -EBUSY;
	}
	if (!vdk_eth_dev_is_started(port)) {
		fprintf(t->out, "Port %u is already stopped\n", port);
		return 0;
	}
	ret = vdk_eth_dev_stop(port);
	if (ret != 0) {
		fprintf(t->out, "Fail to stop port %u: %s\n", port, strerror(-ret));
		return ret;
	}
	fprintf(t->out, "Stopping ports...\nPort %u stopped\n", port);
	return 0;
}

int
tp_port_close(struct testpmd *t, uint16_t port)
{
	int ret;

	/* A removed port's bursts move nothing already: lcores may poll it on. */
	if (t->forwarding && t->ports[port].fwd && !vdk_eth_dev_is_removed(port)) {
		fprintf(t->out, "Please stop forwarding first\n");
		return -EBUSY;
	}
	ret = vdk_eth_dev_close(port);
	if (ret != 0) {
		fprintf(t->out, "Fail to close port %u: %s\n", port, strerror(-ret));
		return ret;
	}
	t->ports[port].fwd = false;
	fprintf(t->out, "Closing ports...\nPort %u is closed\n", port);
	return 0;
}

int
tp_set_promisc(struct testpmd *t, uint16_t port, bool on)
{
	int ret = on ? vdk_eth_promiscuous_enable(port) : vdk_eth_promiscuous_disable(port);

	if (ret != 0)
		fprintf(t->out, "Port %u: cannot %s promiscuous mode: %s\n", port,
			on ? "enable" : "disable", strerror(-ret));
	return ret;
}

static const char *
on_off(int v)
{
	return v > 0 ? "enabled" : "disabled";
}

void
tp_show_port_info(struct testpmd *t, uint16_t p)
{
	struct vdk_eth_dev_info info;
	struct vdk_eth_link link;
	struct vdk_ether_addr mac;
	char name[VDK_ETH_NAME_SIZE], buf[VDK_ETHER_ADDR_FMT_SIZE];
	uint16_t mtu, nrx = 0, ntx = 0;
	FILE *f = t->out;
	int socket = vdk_eth_dev_socket_id(p);

	if (vdk_eth_dev_info_get(p, &info) != 0)
		return;
	vdk_eth_macaddr_get(p, &mac);
	vdk_ether_format_addr(buf, sizeof(buf), &mac);
	vdk_eth_dev_get_name_by_port(p, name);
	vdk_eth_link_get_nowait(p, &link);
	vdk_eth_dev_get_mtu(p, &mtu);
	vdk_eth_dev_get_nb_queues(p, &nrx, &ntx);
	fprintf(f, "\n********************* Infos for port %-2u  *********************\n", p);
	fprintf(f, "MAC address: %s\n", buf);
	fprintf(f, "Device name: %s\n", name);
	fprintf(f, "Driver name: %s\n", info.driver_name);
	if (info.if_name != NULL)
		fprintf(f, "Kernel interface: %s\n", info.if_name);
	fprintf(f, "Connect to socket: %d\n", socket < 0 ? 0 : socket);
	fprintf(f, "Link status: %s\n", link.link_status ? "up" : "down");
	if (link.link_speed == VDK_ETH_SPEED_NUM_UNKNOWN || link.link_speed == 0)
		fprintf(f, "Link speed: Unknown\n");
	else if (link.link_speed >= 1000)
		fprintf(f, "Link speed: %u Gbps\n", link.link_speed / 1000);
	else
		fprintf(f, "Link speed: %u Mbps\n", link.link_speed);
	fprintf(f, "Link duplex: %s\n", link.link_duplex ? "full-duplex" : "half-duplex");
	fprintf(f, "Autoneg status: %s\n", link.link_autoneg ? "On" : "Off");
	fprintf(f, "MTU: %u\n", mtu);
	fprintf(f, "Promiscuous mode: %s\n", on_off(vdk_eth_promiscuous_get(p)));
	fprintf(f, "Allmulticast mode: %s\n", on_off(vdk_eth_allmulticast_get(p)));
	fprintf(f, "Port state: %s\n", vdk_eth_dev_is_started(p) ? "started" : "stopped");
	fprintf(f, "Min possible MTU: %u\nMax possible MTU: %u\n", info.min_mtu, info.max_mtu);
	fprintf(f, "Max possible RX queues: %u\n", info.max_rx_queues);
	fprintf(f, "Max possible number of RXDs per queue: %u\n", info.rx_desc_lim.nb_max);
	fprintf(f, "Min possible number of RXDs per queue: %u\n", info.rx_desc_lim.nb_min);
	fprintf(f, "RXDs number alignment: %u\n", info.rx_desc_lim.nb_align);
	fprintf(f, "Current number of RX queues: %u\n", nrx);
	fprintf(f, "Max possible TX queues: %u\n", info.max_tx_queues);
	fprintf(f, "Max possible number of TXDs per queue: %u\n", info.tx_desc_lim.nb_max);
	fprintf(f, "Min possible number of TXDs per queue: %u\n", info.tx_desc_lim.nb_min);
	fprintf(f, "TXDs number alignment: %u\n", info.tx_desc_lim.nb_align);
	fprintf(f, "Current number of TX queues: %u\n", ntx);
	fprintf(f, "Rx offload capabilities: 0x%" PRIx64 "\n", info.rx_offload_capa);
	fprintf(f, "Tx offload capabilities: 0x%" PRIx64 "\n", info.tx_offload_capa);
}

/*
 * A port with more than one queue: each queue's counters, in the lines
 * DPDK's testpmd printed for its stats registers, without `set stat_qmap`
 * (VDK counts every queue, up to VDK_ETH_QUEUE_STAT_CNTRS).
 */
static void
queue_stats_print(FILE *f, uint16_t p, const struct vdk_eth_stats *st)
{
	uint16_t nrx = 0, ntx = 0, q;

	if (vdk_eth_dev_get_nb_queues(p, &nrx, &ntx) != 0 || (nrx <= 1 && ntx <= 1))
		return;
	fprintf(f, "\n");
	for (q = 0; q < VDK_MIN(nrx, VDK_ETH_QUEUE_STAT_CNTRS); q++)
		fprintf(f, "  Stats reg %2u RX-packets: %14" PRIu64 "    RX-errors: %14" PRIu64
			"    RX-bytes: %14" PRIu64 "\n", q, st->q_ipackets[q], st->q_errors[q],
			st->q_ibytes[q]);
	fprintf(f, "\n");
	for (q = 0; q < VDK_MIN(ntx, VDK_ETH_QUEUE_STAT_CNTRS); q++)
		fprintf(f, "  Stats reg %2u TX-packets: %14" PRIu64 "                             "
			"TX-bytes: %14" PRIu64 "\n", q, st->q_opackets[q], st->q_obytes[q]);
}

void
tp_show_port_stats(struct testpmd *t, uint16_t p)
{
	struct port_state *ps = &t->ports[p];
	struct vdk_eth_stats st;
	uint64_t now = vdk_rdtsc(), dt, rx_pps = 0, tx_pps = 0, rx_bps = 0, tx_bps = 0;
	FILE *f = t->out;
	int ret;

	ret = vdk_eth_stats_get(p, &st);
	if (ret != 0) {
		fprintf(f, "Port %u: no statistics: %s\n", p, strerror(-ret));
		return;
	}
	dt = ps->last_tsc ? now - ps->last_tsc : 0;
	if (dt > 0) {
		double s = (double)dt / (double)vdk_get_tsc_hz();

		rx_pps = (uint64_t)((double)(st.ipackets - ps->last_stats.ipackets) / s);
		tx_pps = (uint64_t)((double)(st.opackets - ps->last_stats.opackets) / s);
		rx_bps = (uint64_t)((double)(st.ibytes - ps->last_stats.ibytes) * 8 / s);
		tx_bps = (uint64_t)((double)(st.obytes - ps->last_stats.obytes) * 8 / s);
	}
	ps->last_stats = st;
	ps->last_tsc = now;
	fprintf(f, "\n  ######################## NIC statistics for port %-2u "
		"########################\n", p);
	fprintf(f, "  RX-packets: %-10" PRIu64 " RX-missed: %-10" PRIu64 " RX-bytes:  %" PRIu64
		"\n", st.ipackets, st.imissed, st.ibytes);
	fprintf(f, "  RX-errors: %" PRIu64 "\n", st.ierrors);
	fprintf(f, "  RX-nombuf:  %-10" PRIu64 "\n", st.rx_nombuf);
	fprintf(f, "  TX-packets: %-10" PRIu64 " TX-errors: %-10" PRIu64 " TX-bytes:  %" PRIu64
		"\n", st.opackets, st.oerrors, st.obytes);
	queue_stats_print(f, p, &st);
	fprintf(f, "\n  Throughput (since last show)\n");
	fprintf(f, "  Rx-pps: %12" PRIu64 "          Rx-bps: %12" PRIu64 "\n", rx_pps, rx_bps);
	fprintf(f, "  Tx-pps: %12" PRIu64 "          Tx-bps: %12" PRIu64 "\n", tx_pps, tx_bps);
	fprintf(f, "  ##########################################################"
		"##################\n");
}

void
tp_show_port_xstats(struct testpmd *t, uint16_t p)
{
	struct vdk_eth_xstat_name *names = NULL;
	struct vdk_eth_xstat *xs = NULL;
	int n, i;

	n = vdk_eth_xstats_get_names(p, NULL, 0);
	if (n <= 0)
		return;
	names = calloc(n, sizeof(*names));
	xs = calloc(n, sizeof(*xs));
	if (names != NULL && xs != NULL && vdk_eth_xstats_get_names(p, names, n) == n &&
	    vdk_eth_xstats_get(p, xs, n) == n) {
		fprintf(t->out, "###### NIC extended statistics for port %-2u\n", p);
		for (i = 0; i < n; i++)
			fprintf(t->out, "%s: %" PRIu64 "\n", names[i].name, xs[i].value);
	} else {
		fprintf(t->out, "Port %u: cannot read extended statistics\n", p);
	}
	free(names);
	free(xs);
}

void
tp_clear_port_stats(struct testpmd *t, uint16_t p)
{
	int ret = vdk_eth_stats_reset(p);

	if (ret != 0) {
		fprintf(t->out, "Port %u: cannot clear statistics: %s\n", p, strerror(-ret));
		return;
	}
	/* The summary at stop counts from the cleared values on. */
	memset(&t->ports[p].start_stats, 0, sizeof(t->ports[p].start_stats));
	memset(&t->ports[p].last_stats, 0, sizeof(t->ports[p].last_stats));
	t->ports[p].last_tsc = 0;
	fprintf(t->out, "\n  NIC statistics for port %u cleared\n", p);
}
