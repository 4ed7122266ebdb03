/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vdk-testpmd's own options, the ones after the EAL's "--", with DPDK
 * testpmd's names and meanings, plus --run-time for scripts.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "testpmd.h"
#include "vdk_mbuf.h"

void
tp_params_defaults(struct tp_params *p)
{
	memset(p, 0, sizeof(*p));
	snprintf(p->fwd_mode, sizeof(p->fwd_mode), "io");
	p->nb_cores = 1;
	p->nb_rxq = 1;
	p->nb_txq = 1;
	p->burst = TP_DEFAULT_BURST;
	p->txpkts[0] = TP_DEFAULT_TXPKT;
	p->nb_txpkts = 1;
	p->mbuf_size = VDK_MBUF_DEFAULT_BUF_SIZE;
	p->promisc = true;
	p->rss = VDK_ETH_RSS_IP;
	p->mbcache = TP_MBUF_CACHE;
	p->lsc_interrupt = true;
	p->link_check = true;
}

void
tp_usage(FILE *f, const char *prog)
{
	fprintf(f,
		"Usage: %s [EAL options] -- [testpmd options]\n"
		"\n"
		"  -i, --interactive          run the command prompt\n"
		"  -a, --auto-start           start forwarding at once (with -i)\n"
		"  --forward-mode=MODE        %s (default io)\n"
		"  --nb-cores=N               forwarding lcores (default 1)\n"
		"  --rxq=N, --txq=N           queues per port (default 1)\n"
		"  --rxd=N, --txd=N           descriptors per queue (default: the\n"
		"                             driver's, %u if it names none)\n"
		"  --burst=N                  packets per burst, 1..%u (default %u)\n"
		"  --txpkts=X[,Y]*            txonly segment lengths (default %u)\n"
		"  --stats-period=SECONDS     print port statistics this often (non-interactive)\n"
		"  --portmask=MASK            hexadecimal mask of the ports to forward on\n"
		"  --eth-peer=N,XX:XX:XX:XX:XX:XX  destination MAC of port N (mac, csum, txonly)\n"
		"  --run-time=SECONDS         forward this long, print the summary and exit\n"
		"  --total-num-mbufs=N        mbufs in the pool (default: sized to the queues)\n"
		"  --mbuf-size=N              mbuf data room, headroom included (default %u)\n"
		"  --no-promisc               leave promiscuous mode off\n"
		"  --record-burst-stats       count packets per rx/tx burst, shown with the\n"
		"                             forwarding statistics\n"
		"  --cmdline-file=FILE        run FILE's commands at start\n"
		"  --port-topology=paired|chained|loop  how ports forward to each other\n"
		"  --tx-first                 start with a burst of txonly packets a stream\n"
		"  --rss-ip, --rss-udp        spread flows over the rx queues by IP (and UDP)\n"
		"  --max-pkt-len=N            longest frame: sets the MTU to N - 18\n"
		"  --mbcache=N                mempool cache per lcore, 0..512 (default %u)\n"
		"  --no-lsc-interrupt         poll link state, ask no link change interrupts\n"
		"  --disable-link-check       do not wait for the links at start\n"
		"  --txonly-multi-flow        txonly varies the source IP packet by packet\n"
		"  --capture=PORT,rx|tx|both,FILE[,count=N]  write what PORT receives, sends or\n"
		"                             both to the pcap FILE from the start (as `capture start`)\n"
		"  -h, --help                 this text\n",
		prog, fwd_engine_names(), TP_DEFAULT_DESC, TP_MAX_BURST, TP_DEFAULT_BURST,
		TP_DEFAULT_TXPKT, VDK_MBUF_DEFAULT_BUF_SIZE, TP_MBUF_CACHE);
}

/* A whole decimal number in min..max. */
static int
parse_uint(const char *s, unsigned long min, unsigned long max, unsigned long *out)
{
	char *end;
	unsigned long v;

	if (s == NULL || *s == '\0' || *s == '-')
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

int
tp_parse_txpkts(const char *s, uint16_t *segs, unsigned int max)
{
	char buf[128], *tok, *save = NULL;
	unsigned long v, total = 0;
	unsigned int n = 0;

	if (s == NULL || strlen(s) >= sizeof(buf) || *s == '\0')
		return -EINVAL;
	snprintf(buf, sizeof(buf), "%s", s);
	if (buf[strlen(buf) - 1] == ',' || strstr(buf, ",,") != NULL || buf[0] == ',')
		return -EINVAL;
	for (tok = strtok_r(buf, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
		if (n == max || parse_uint(tok, 1, UINT16_MAX, &v) != 0)
			return -EINVAL;
		segs[n++] = (uint16_t)v;
		total += v;
	}
	/* The first segment carries the headers txonly writes. */
	if (n == 0 || segs[0] < TP_TXONLY_HDR_LEN || total > UINT16_MAX)
		return -EINVAL;
	return (int)n;
}

int
tp_txpkts_fit(const uint16_t *segs, unsigned int n, unsigned int room, FILE *out,
	      const char *prefix)
{
	for (unsigned int i = 0; i < n; i++) {
		if (segs[i] > room) {
			fprintf(out, "%ssegment %u of %u bytes does not fit an mbuf (%u bytes): "
				"split it into shorter segments, or start with a larger "
				"--mbuf-size\n", prefix, i, segs[i], room);
			return -EINVAL;
		}
	}
	return 0;
}

static int
parse_peer(struct tp_params *p, const char *s)
{
	char buf[64], *comma;
	unsigned long port;

	if (strlen(s) >= sizeof(buf))
		return -EINVAL;
	snprintf(buf, sizeof(buf), "%s", s);
	comma = strchr(buf, ',');
	if (comma == NULL)
		return -EINVAL;
	*comma = '\0';
	if (parse_uint(buf, 0, TP_MAX_PORTS - 1, &port) != 0 ||
	    vdk_ether_unformat_addr(comma + 1, &p->peer[port]) != 0)
		return -EINVAL;
	p->peer_set[port] = true;
	return 0;
}

enum {
	OPT_FWD = 256, OPT_NBCORES, OPT_RXQ, OPT_TXQ, OPT_RXD, OPT_TXD, OPT_BURST, OPT_TXPKTS,
	OPT_STATS, OPT_PORTMASK, OPT_PEER, OPT_RUNTIME, OPT_NBMBUF, OPT_MBUFSZ, OPT_NOPROMISC,
	OPT_BURSTSTATS, OPT_CMDFILE, OPT_TOPO, OPT_TXFIRST, OPT_RSSIP, OPT_RSSUDP, OPT_MAXPKT,
	OPT_MBCACHE, OPT_NOLSC, OPT_NOLINKCHK, OPT_MULTIFLOW, OPT_CAPTURE,
};

static const struct option long_opts[] = {
	{ "interactive", no_argument, NULL, 'i' },
	{ "auto-start", no_argument, NULL, 'a' },
	{ "help", no_argument, NULL, 'h' },
	{ "forward-mode", required_argument, NULL, OPT_FWD },
	{ "nb-cores", required_argument, NULL, OPT_NBCORES },
	{ "rxq", required_argument, NULL, OPT_RXQ },
	{ "txq", required_argument, NULL, OPT_TXQ },
	{ "rxd", required_argument, NULL, OPT_RXD },
	{ "txd", required_argument, NULL, OPT_TXD },
	{ "burst", required_argument, NULL, OPT_BURST },
	{ "txpkts", required_argument, NULL, OPT_TXPKTS },
	{ "stats-period", required_argument, NULL, OPT_STATS },
	{ "portmask", required_argument, NULL, OPT_PORTMASK },
	{ "eth-peer", required_argument, NULL, OPT_PEER },
	{ "run-time", required_argument, NULL, OPT_RUNTIME },
	{ "total-num-mbufs", required_argument, NULL, OPT_NBMBUF },
	{ "mbuf-size", required_argument, NULL, OPT_MBUFSZ },
	{ "no-promisc", no_argument, NULL, OPT_NOPROMISC },
	{ "record-burst-stats", no_argument, NULL, OPT_BURSTSTATS },
	{ "cmdline-file", required_argument, NULL, OPT_CMDFILE },
	{ "port-topology", required_argument, NULL, OPT_TOPO },
	{ "tx-first", no_argument, NULL, OPT_TXFIRST },
	{ "rss-ip", no_argument, NULL, OPT_RSSIP },
	{ "rss-udp", no_argument, NULL, OPT_RSSUDP },
	{ "max-pkt-len", required_argument, NULL, OPT_MAXPKT },
	{ "mbcache", required_argument, NULL, OPT_MBCACHE },
	{ "no-lsc-interrupt", no_argument, NULL, OPT_NOLSC },
	{ "disable-link-check", no_argument, NULL, OPT_NOLINKCHK },
	{ "txonly-multi-flow", no_argument, NULL, OPT_MULTIFLOW },
	{ "capture", required_argument, NULL, OPT_CAPTURE },
	{ NULL, 0, NULL, 0 },
};

static int
bad(FILE *err, const char *opt, const char *val, const char *want)
{
	fprintf(err, "testpmd: invalid %s '%s': %s\n", opt, val ? val : "", want);
	return -EINVAL;
}

int
tp_params_parse(struct tp_params *p, int argc, char **argv, FILE *err)
{
	struct tp_params np = *p;
	const char *txpkts_arg = NULL;
	char prefix[192];
	unsigned long v;
	char *end;
	double d;
	int c, n;

	optind = 0;	/* full re-initialisation: the EAL used getopt before */
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":iah", long_opts, NULL)) != -1) {
		switch (c) {
		case 'i':
			np.interactive = true;
			break;
		case 'a':
			np.auto_start = true;
			break;
		case 'h':
			tp_usage(stdout, argv[0]);
			return 1;
		case OPT_FWD:
			if (fwd_engine_find(optarg) == NULL)
				return bad(err, "--forward-mode", optarg, fwd_engine_names());
			snprintf(np.fwd_mode, sizeof(np.fwd_mode), "%s", optarg);
			break;
		case OPT_NBCORES:
			if (parse_uint(optarg, 1, VDK_MAX_LCORE - 1, &v) != 0)
				return bad(err, "--nb-cores", optarg, "a number of lcores from 1");
			np.nb_cores = (unsigned int)v;
			break;
		case OPT_RXQ:
		case OPT_TXQ:
			if (parse_uint(optarg, 1, TP_MAX_QUEUES, &v) != 0)
				return bad(err, c == OPT_RXQ ? "--rxq" : "--txq", optarg, "1..64");
			if (c == OPT_RXQ)
				np.nb_rxq = (uint16_t)v;
			else
				np.nb_txq = (uint16_t)v;
			break;
		case OPT_RXD:
		case OPT_TXD:
			if (parse_uint(optarg, 1, UINT16_MAX, &v) != 0)
				return bad(err, c == OPT_RXD ? "--rxd" : "--txd", optarg, "1..65535");
			if (c == OPT_RXD)
				np.nb_rxd = (uint16_t)v;
			else
				np.nb_txd = (uint16_t)v;
			break;
		case OPT_BURST:
			if (parse_uint(optarg, 1, TP_MAX_BURST, &v) != 0)
				return bad(err, "--burst", optarg, "1..512");
			np.burst = (uint16_t)v;
			break;
		case OPT_TXPKTS:
			n = tp_parse_txpkts(optarg, np.txpkts, TP_MAX_TXSEGS);
			if (n < 0)
				return bad(err, "--txpkts", optarg,
					   "up to 8 comma-separated lengths, the first at least 42");
			np.nb_txpkts = (unsigned int)n;
			txpkts_arg = optarg;
			break;
		case OPT_STATS:
			if (parse_uint(optarg, 0, 86400, &v) != 0)
				return bad(err, "--stats-period", optarg, "seconds, 0..86400");
			np.stats_period = (unsigned int)v;
			break;
		case OPT_PORTMASK:
			errno = 0;
			np.portmask = strtoull(optarg, &end, 16);
			if (errno != 0 || *optarg == '\0' || *end != '\0' || np.portmask == 0 ||
			    (np.portmask >> TP_MAX_PORTS) != 0)
				return bad(err, "--portmask", optarg, "a non-zero hex mask of ports 0..31");
			break;
		case OPT_PEER:
			if (parse_peer(&np, optarg) != 0)
				return bad(err, "--eth-peer", optarg, "PORT,XX:XX:XX:XX:XX:XX");
			break;
		case OPT_RUNTIME:
			errno = 0;
			d = strtod(optarg, &end);
			if (errno != 0 || *optarg == '\0' || *end != '\0' || !(d > 0) || d > 1e7)
				return bad(err, "--run-time", optarg, "seconds above 0");
			np.run_time = d;
			break;
		case OPT_NBMBUF:
			if (parse_uint(optarg, 64, 1u << 24, &v) != 0)
				return bad(err, "--total-num-mbufs", optarg, "64..16777216");
			np.total_mbufs = (unsigned int)v;
			break;
		case OPT_MBUFSZ:
			if (parse_uint(optarg, VDK_PKTMBUF_HEADROOM + 64, UINT16_MAX, &v) != 0)
				return bad(err, "--mbuf-size", optarg, "192..65535");
			np.mbuf_size = (uint16_t)v;
			break;
		case OPT_NOPROMISC:
			np.promisc = false;
			break;
		case OPT_BURSTSTATS:
			np.record_burst_stats = true;
			break;
		case OPT_CMDFILE:
			if (*optarg == '\0')
				return bad(err, "--cmdline-file", optarg, "a file of commands");
			np.cmdline_file = optarg;
			break;
		case OPT_TOPO:
			if (strcmp(optarg, "paired") == 0)
				np.topology = TP_TOPO_PAIRED;
			else if (strcmp(optarg, "chained") == 0)
				np.topology = TP_TOPO_CHAINED;
			else if (strcmp(optarg, "loop") == 0)
				np.topology = TP_TOPO_LOOP;
			else
				return bad(err, "--port-topology", optarg, "paired, chained or loop");
			break;
		case OPT_TXFIRST:
			np.tx_first = true;
			break;
		case OPT_RSSIP:
			np.rss = VDK_ETH_RSS_IP;
			break;
		case OPT_RSSUDP:
			np.rss = VDK_ETH_RSS_UDP;
			break;
		case OPT_MAXPKT:
			/* Ethernet header and CRC on top of the MTU; DPDK's floor of 64. */
			if (parse_uint(optarg, 64, UINT16_MAX, &v) != 0)
				return bad(err, "--max-pkt-len", optarg, "64..65535 bytes");
			np.max_pkt_len = (uint32_t)v;
			break;
		case OPT_MBCACHE:
			if (parse_uint(optarg, 0, 512, &v) != 0)
				return bad(err, "--mbcache", optarg, "0..512");
			np.mbcache = (unsigned int)v;
			break;
		case OPT_NOLSC:
			np.lsc_interrupt = false;
			break;
		case OPT_NOLINKCHK:
			np.link_check = false;
			break;
		case OPT_MULTIFLOW:
			np.txonly_multi_flow = true;
			break;
		case OPT_CAPTURE:
			if (tp_capture_option(&np.capture_spec, optarg, err) != 0)
				return -EINVAL;
			np.capture = true;
			break;
		case ':':
			fprintf(err, "testpmd: option %s needs a value\n", argv[optind - 1]);
			return -EINVAL;
		default:
			fprintf(err, "testpmd: unknown option '%s': see --help\n", argv[optind - 1]);
			return -EINVAL;
		}
	}
	if (np.tx_first && np.interactive) {
		fprintf(err, "testpmd: --tx-first cannot be used with -i: use 'start tx_first'\n");
		return -EINVAL;
	}
	if (optind < argc) {
		fprintf(err, "testpmd: unexpected argument '%s': see --help\n", argv[optind]);
		return -EINVAL;
	}
	/* After every option: --mbuf-size may follow --txpkts. */
	snprintf(prefix, sizeof(prefix), "testpmd: invalid --txpkts '%.128s': ",
		 txpkts_arg != NULL ? txpkts_arg : "(default)");
	if (tp_txpkts_fit(np.txpkts, np.nb_txpkts, np.mbuf_size - VDK_PKTMBUF_HEADROOM, err,
			  prefix) != 0)
		return -EINVAL;
	*p = np;
	return 0;
}
