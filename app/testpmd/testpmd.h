/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vdk-testpmd: what its files share.
 *
 * The control thread (the main lcore: the prompt, signals, the stats
 * timer) owns struct testpmd. Forwarding lcores read only a struct
 * fwd_config, published with liburcu QSBR: they report a quiescent state
 * once per poll loop, and the control thread swaps the pointer and waits a
 * grace period before it frees the old one. So `set fwd`, `set burst`,
 * `set txpkts` and `set record-burst-stats` take effect between two bursts
 * of a running lcore: no burst is cut short and no lcore ever reads freed
 * memory. Each stream's counters are written by its one lcore and read by
 * the control thread.
 */
#ifndef TESTPMD_H
#define TESTPMD_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "vdk_ethdev.h"
#include "vdk_lcore.h"

#define TP_MAX_PORTS VDK_ETH_MAX_PORTS
#define TP_MAX_QUEUES 64
#define TP_MAX_BURST 512
#define TP_MAX_TXSEGS 8
#define TP_DEFAULT_BURST 32
/* Descriptors a queue when neither --rxd/--txd nor the driver names a count. */
#define TP_DEFAULT_DESC 1024
#define TP_DEFAULT_TXPKT 64
#define TP_MBUF_CACHE 250
/* Destinations flowgen cycles through, as DPDK's default. */
#define TP_FLOWGEN_FLOWS 1024
/* Ether + IPv4 + UDP: the headers txonly writes. */
#define TP_TXONLY_HDR_LEN (14 + 20 + 8)

struct vdk_mbuf;
struct vdk_mempool;
struct tp_capture;

/* What `capture start` and --capture name (capture.c). */
#define TP_CAPTURE_RX 1
#define TP_CAPTURE_TX 2
struct tp_capture_spec {
	uint16_t port;
	unsigned int dirs;	/* TP_CAPTURE_RX | TP_CAPTURE_TX */
	char path[4096];
	uint64_t count;		/* stop writing after this many frames; 0: never */
};

/* ---- options (parameters.c) ---- */

/* How streams pair ports (--port-topology), as DPDK names them. */
enum tp_topology {
	TP_TOPO_PAIRED,		/* 0<->1, 2<->3; an odd last port to itself */
	TP_TOPO_CHAINED,	/* 0->1->2 ... ->0 */
	TP_TOPO_LOOP,		/* each port to itself */
};

struct tp_params {
	bool interactive;
	bool auto_start;
	char fwd_mode[16];
	unsigned int nb_cores;		/* forwarding lcores; 0: all workers */
	uint16_t nb_rxq;
	uint16_t nb_txq;
	uint16_t nb_rxd;		/* descriptors a queue; 0: the driver's default */
	uint16_t nb_txd;
	uint16_t burst;
	uint16_t txpkts[TP_MAX_TXSEGS];
	unsigned int nb_txpkts;
	unsigned int stats_period;	/* seconds, 0: off */
	uint64_t portmask;		/* 0: every port */
	struct vdk_ether_addr peer[TP_MAX_PORTS];
	bool peer_set[TP_MAX_PORTS];
	double run_time;		/* seconds, 0: until told to stop */
	unsigned int total_mbufs;	/* 0: sized to the queues */
	uint16_t mbuf_size;		/* data room incl. headroom */
	bool promisc;			/* --no-promisc clears it */
	bool record_burst_stats;	/* --record-burst-stats */
	const char *cmdline_file;	/* --cmdline-file: run at start, NULL: none */
	enum tp_topology topology;	/* --port-topology */
	bool tx_first;			/* --tx-first: start as `start tx_first` */
	/*
	 * RSS flow types asked of ports with more than one rx queue
	 * (VDK_ETH_RSS_*: --rss-ip, the default as in DPDK, --rss-udp, `port
	 * config all rss`); each port hashes those it can.
	 */
	uint64_t rss;
	uint32_t max_pkt_len;		/* --max-pkt-len: 0, or the MTU plus 18 */
	unsigned int mbcache;		/* --mbcache: per-lcore mempool cache */
	bool lsc_interrupt;		/* --no-lsc-interrupt clears it */
	bool link_check;		/* --disable-link-check clears it */
	bool txonly_multi_flow;		/* --txonly-multi-flow */
	bool capture;			/* --capture: capture_spec is set */
	struct tp_capture_spec capture_spec;
};

/* Defaults as DPDK's testpmd has them. */
void tp_params_defaults(struct tp_params *p);

/*
 * Parse the app options (after the EAL's "--"). argv[0] is the program.
 * @return 0; 1 after --help (usage printed); -EINVAL with a message on @err.
 */
int tp_params_parse(struct tp_params *p, int argc, char **argv, FILE *err);

void tp_usage(FILE *f, const char *prog);

/* Parse "64" or "64,128" into segment lengths. @return count, or -EINVAL. */
int tp_parse_txpkts(const char *s, uint16_t *segs, unsigned int max);

/*
 * txonly fills one mbuf a segment: one longer than the data room @room
 * (headroom taken off) would send the memory after the buffer. Shared by
 * --txpkts and `set txpkts`. @return 0, or -EINVAL with a message on @out
 * after @prefix.
 */
int tp_txpkts_fit(const uint16_t *segs, unsigned int n, unsigned int room, FILE *out,
		  const char *prefix);

/* ---- forwarding (fwd.c, fwd_*.c) ---- */

/* One rx queue to one tx queue, polled by one lcore. */
struct fwd_stream {
	uint16_t rx_port;
	uint16_t rx_queue;
	uint16_t tx_port;
	uint16_t tx_queue;
	unsigned int lcore;	/* index into the forwarding lcores */
	uint32_t next_flow;	/* flowgen, --txonly-multi-flow: the next packet's flow */
	/* Written only by the owning lcore. */
	uint64_t rx_packets;
	uint64_t tx_packets;
	uint64_t fwd_dropped;
	uint64_t rx_bad_ip_csum;
	uint64_t rx_bad_l4_csum;
	/*
	 * `set record-burst-stats on`: how many rx_burst and tx_burst calls
	 * returned each count of packets, 0..TP_MAX_BURST. After the counters
	 * above so that the first cache line, the one every burst writes, stays
	 * as it was; these lines are touched only while recording.
	 */
	uint64_t rx_bursts[TP_MAX_BURST + 1];
	uint64_t tx_bursts[TP_MAX_BURST + 1];
} __attribute__((aligned(64)));

struct fwd_config;

/* A forwarding engine: one call handles one burst of one stream. */
struct fwd_engine {
	const char *name;
	void (*fwd)(struct fwd_stream *fs, const struct fwd_config *cfg);
};

extern const struct fwd_engine fwd_io_engine;
extern const struct fwd_engine fwd_mac_engine;
extern const struct fwd_engine fwd_macswap_engine;
extern const struct fwd_engine fwd_txonly_engine;
extern const struct fwd_engine fwd_rxonly_engine;
extern const struct fwd_engine fwd_csum_engine;
extern const struct fwd_engine fwd_icmpecho_engine;
extern const struct fwd_engine fwd_flowgen_engine;
extern const struct fwd_engine fwd_5tswap_engine;

/* The engine called @name, or NULL. */
const struct fwd_engine *fwd_engine_find(const char *name);
/* "io|mac|macswap|txonly|rxonly|csum|icmpecho|flowgen|5tswap" */
const char *fwd_engine_names(void);

/* The streams of one forwarding lcore. */
struct fwd_lcore_conf {
	unsigned int lcore_id;	/* EAL lcore it runs on */
	unsigned int first;	/* its streams: streams[first .. first + nb - 1] */
	unsigned int nb;
};

/* Everything a forwarding lcore reads; immutable once published. */
struct fwd_config {
	const struct fwd_engine *engine;
	struct tp_capture *capture;		/* `capture start`: NULL when off */
	uint16_t burst;
	/* Beside burst, which each call reads already: the test costs no cache miss. */
	bool record_burst_stats;
	uint8_t verbose;			/* `set verbose`: 1 rx, 2 tx, 3 both dumped */
	bool txonly_multi_flow;
	uint16_t nb_txsegs;
	uint16_t txsegs[TP_MAX_TXSEGS];
	uint32_t txpkt_len;
	struct vdk_mempool *pool;		/* for txonly */
	struct vdk_ether_addr port_addr[TP_MAX_PORTS];
	struct vdk_ether_addr peer_addr[TP_MAX_PORTS];
	uint64_t tx_offloads[TP_MAX_PORTS];	/* csum engine: what the tx port fills in */
	/* Whole txonly headers for each tx port: one copy a packet. */
	uint8_t txonly_hdr[TP_MAX_PORTS][TP_TXONLY_HDR_LEN];
	struct fwd_stream *streams;		/* owned by struct testpmd */
	unsigned int nb_streams;
	unsigned int nb_lcores;
	struct fwd_lcore_conf lcores[VDK_MAX_LCORE];
};

/* Build the txonly headers of @cfg for its txpkt_len. */
void fwd_txonly_template(struct fwd_config *cfg);

/*
 * Count one rx_burst or tx_burst call that returned @n packets in @hist
 * (the stream's rx_bursts or tx_bursts), when `set record-burst-stats` is
 * on. Called after every call, empty polls included; when off it costs
 * one well-predicted branch on a line the engine has read already. @n
 * never exceeds the burst asked for.
 */
static inline void
fwd_record_burst(const struct fwd_config *cfg, uint64_t *hist, uint16_t n)
{
	if (vdk_unlikely(cfg->record_burst_stats))
		hist[n]++;
}

/* `set verbose`: print one burst of @n packets (fwd_verbose.c). */
void fwd_dump_packets(uint16_t port, uint16_t queue, struct vdk_mbuf **pkts, uint16_t n,
		      bool rx);

/* The burst just received (@rx) or about to be sent, if `set verbose` asks. */
static inline void
fwd_dump(const struct fwd_config *cfg, uint16_t port, uint16_t queue, struct vdk_mbuf **pkts,
	 uint16_t n, bool rx)
{
	if (vdk_unlikely(cfg->verbose & (rx ? 1 : 2)))
		fwd_dump_packets(port, queue, pkts, n, rx);
}

/*
 * icmpecho: turn @m into the answer to the ARP request or ICMP echo
 * request it holds, from @mine. @return false (and @m untouched) for
 * anything else.
 */
bool fwd_icmpecho_packet(struct vdk_mbuf *m, const struct vdk_ether_addr *mine);

/*
 * 5tswap: swap the source and destination of each layer @m has (MAC; IPv4
 * or IPv6 address; UDP or TCP port), behind up to two VLAN tags.
 */
void fwd_5tswap_packet(struct vdk_mbuf *m);

/* Free the unsent tail pkts[sent..n-1] and count it dropped. */
void fwd_drop_unsent(struct fwd_stream *fs, struct vdk_mbuf **pkts, uint16_t sent,
		     uint16_t n);

/*
 * capture.c's datapath: copies of what a stream receives (after rx_burst)
 * or sends (staged before tx_burst, published for the @sent it took) on
 * the captured port, into the calling lcore's ring; never waits.
 */
void tp_capture_rx(struct tp_capture *c, uint16_t port, struct vdk_mbuf **pkts, uint16_t n);
uint16_t tp_capture_tx_stage(struct tp_capture *c, uint16_t port, struct vdk_mbuf **pkts,
			     uint16_t n);
void tp_capture_tx_commit(struct tp_capture *c, uint16_t port, uint16_t staged, uint16_t sent);

/*
 * The receive half every engine shares: one rx_burst of up to the burst
 * size on the stream's rx queue, recorded, counted, dumped and captured.
 * @return the packets received.
 */
static inline uint16_t
fwd_rx(struct fwd_stream *fs, const struct fwd_config *cfg, struct vdk_mbuf **pkts)
{
	uint16_t n = vdk_eth_rx_burst(fs->rx_port, fs->rx_queue, pkts, cfg->burst);

	fwd_record_burst(cfg, fs->rx_bursts, n);
	if (n > 0) {
		fs->rx_packets += n;
		fwd_dump(cfg, fs->rx_port, fs->rx_queue, pkts, n, true);
		if (vdk_unlikely(cfg->capture != NULL))
			tp_capture_rx(cfg->capture, fs->rx_port, pkts, n);
	}
	return n;
}

/* The send half: @n packets on the stream's tx queue; what it refuses is freed and counted. */
static inline void
fwd_tx(struct fwd_stream *fs, const struct fwd_config *cfg, struct vdk_mbuf **pkts, uint16_t n)
{
	uint16_t sent, staged = 0;

	fwd_dump(cfg, fs->tx_port, fs->tx_queue, pkts, n, false);
	if (vdk_unlikely(cfg->capture != NULL))
		staged = tp_capture_tx_stage(cfg->capture, fs->tx_port, pkts, n);
	sent = vdk_eth_tx_burst(fs->tx_port, fs->tx_queue, pkts, n);
	if (vdk_unlikely(cfg->capture != NULL))
		tp_capture_tx_commit(cfg->capture, fs->tx_port, staged, sent);
	fwd_record_burst(cfg, fs->tx_bursts, sent);
	fs->tx_packets += sent;
	fwd_drop_unsent(fs, pkts, sent, n);
}

/* Csum engine helper for tests: check and fix one packet. */
void fwd_csum_packet(struct fwd_stream *fs, struct vdk_mbuf *m, uint64_t tx_offloads);

/* ---- the app (testpmd.c, ports.c) ---- */

struct port_state {
	bool fwd;				/* selected by the portmask */
	struct vdk_eth_stats start_stats;	/* at `start`, for the summary */
	struct vdk_eth_stats last_stats;	/* at the last `show port stats` */
	uint64_t last_tsc;
	bool need_reconfig;			/* `port config` since it was set up */
	uint16_t nb_rxd, nb_txd;		/* descriptors its queues were set up with */
};

struct testpmd {
	struct tp_params params;
	FILE *out;
	struct vdk_mempool *pool;
	struct port_state ports[TP_MAX_PORTS];
	unsigned int nb_fwd_lcores;		/* `set nbcore` */
	unsigned int worker_lcores[VDK_MAX_LCORE];
	unsigned int nb_workers;
	/* Forwarding. */
	bool forwarding;
	struct fwd_stream *streams;
	unsigned int nb_streams;
	/* The published configuration (RCU-protected pointer). */
	struct fwd_config *cfg;
	/* What the next published configuration is made from. */
	const struct fwd_engine *engine;
	uint16_t burst;
	uint16_t txsegs[TP_MAX_TXSEGS];
	unsigned int nb_txsegs;
	bool record_burst_stats;		/* `set record-burst-stats` */
	uint8_t verbose;			/* `set verbose` */
	struct tp_capture *capture;		/* `capture start`, published in cfg */
	/* `set portlist`: the forwarding ports in this order; 0: by id. */
	uint16_t portlist[TP_MAX_PORTS];
	unsigned int nb_portlist;
	volatile bool quit;
};

extern struct testpmd tp;

/* ports.c */
int tp_ports_init(struct testpmd *t);
/* Configure @port and set up its queues from the options (stopped port). */
int tp_port_configure(struct testpmd *t, uint16_t port);
/*
 * Descriptors a queue gets: @asked (--rxd/--txd, `port config all rxd`)
 * up to the driver's maximum, or when 0 the driver's default ring size,
 * or TP_DEFAULT_DESC if it names none, as DPDK's testpmd.
 */
uint16_t tp_ring_size(uint16_t asked, uint16_t drv_default, const struct vdk_eth_desc_lim *lim);
/* Wait, as DPDK does, up to 9 s for the forwarding ports' links. */
void tp_ports_check_link(struct testpmd *t);
void tp_ports_close_all(struct testpmd *t);
/* Ports the command names: "all" or a number. @return count, -EINVAL if bad. */
int tp_parse_portlist(struct testpmd *t, const char *arg, uint16_t *ports, bool fwd_only);
int tp_port_start(struct testpmd *t, uint16_t port);
int tp_port_stop(struct testpmd *t, uint16_t port);
int tp_port_close(struct testpmd *t, uint16_t port);
/* Configure, set up and start a port as at start-up. */
int tp_port_setup(struct testpmd *t, uint16_t port);

/* hotplug.c: removal events, `port attach BDF`, `port detach N`. */
int tp_hotplug_init(struct testpmd *t);
int tp_port_attach(struct testpmd *t, const char *bdf);
int tp_port_detach(struct testpmd *t, uint16_t port);
/* port_reset.c: `port reset N`; the port is set up again at `port start`. */
int tp_port_reset(struct testpmd *t, uint16_t port);
void tp_show_port_info(struct testpmd *t, uint16_t port);
void tp_show_port_stats(struct testpmd *t, uint16_t port);
void tp_show_port_xstats(struct testpmd *t, uint16_t port);
void tp_clear_port_stats(struct testpmd *t, uint16_t port);
int tp_set_promisc(struct testpmd *t, uint16_t port, bool on);

/* port_config.c: each prints DPDK's message on failure and changes nothing. */
int tp_set_link(struct testpmd *t, uint16_t port, bool up);
int tp_set_allmulti(struct testpmd *t, uint16_t port, bool on);
int tp_set_mac(struct testpmd *t, uint16_t port, const struct vdk_ether_addr *mac);
int tp_port_config_mtu(struct testpmd *t, uint16_t port, unsigned int mtu);
/* @what: rxq, txq, rxd or txd; every port stopped; applied at `port start`. */
int tp_port_config_all(struct testpmd *t, const char *what, unsigned int n);
void tp_show_port_summary(struct testpmd *t);
/* `read reg`, `write reg`: a 32-bit register of a PCI port's BAR 0. */
int tp_read_reg(struct testpmd *t, uint16_t port, uint32_t off);

/* port_rss.c: receive side scaling and what ports cannot show. */
/* The flow types @port is configured with: tp.params.rss it can hash, 0 with one rx queue. */
uint64_t tp_port_rss_hf(struct testpmd *t, uint16_t port);
/* `port config all rss ip|udp|none`: every port, started or not. */
int tp_port_config_rss(struct testpmd *t, const char *type);
/* `show port N rss-hash [key]` */
int tp_show_rss_hash(struct testpmd *t, uint16_t port, bool key);
/* `show port N module_eeprom`: no VDK port has a module EEPROM to read. */
int tp_show_module_eeprom(struct testpmd *t, uint16_t port);
int tp_write_reg(struct testpmd *t, uint16_t port, uint32_t off, uint32_t v);

/* fwd.c */
int tp_fwd_start(struct testpmd *t, unsigned int tx_first_bursts);
int tp_fwd_stop(struct testpmd *t);
/* Publish a configuration made from t->engine/burst/txsegs. @return 0 or -errno. */
int tp_fwd_publish(struct testpmd *t);
/* Wait until every forwarding lcore has finished the poll loop it was in. */
void tp_fwd_quiesce(void);
int tp_set_fwd(struct testpmd *t, const char *mode);
int tp_set_burst(struct testpmd *t, unsigned int burst);
int tp_set_txpkts(struct testpmd *t, const uint16_t *segs, unsigned int n);
int tp_set_nbcore(struct testpmd *t, unsigned int n);
int tp_set_record_burst_stats(struct testpmd *t, bool on);
/*
 * Print one "  RX-bursts : ..." line (@dir "RX" or "TX") in DPDK testpmd's
 * layout from @spread, the count of bursts of each size 0..TP_MAX_BURST:
 * the number of bursts, then the integer percent of empty ones (always),
 * of the two most frequent other sizes (a tie goes to the smaller size)
 * and of all the rest ("of other"); the last share printed is 100 less the
 * ones before it. Prints nothing when there was no burst at all.
 */
void tp_burst_stats_print(FILE *f, const char *dir, const uint64_t *spread);
void tp_show_fwd_stats(struct testpmd *t);
/* `clear fwd stats all`: the forwarding statistics count from now. */
void tp_clear_fwd_stats(struct testpmd *t);
int tp_set_verbose(struct testpmd *t, unsigned int level);
/* Forwarding stopped; @port valid. */
int tp_set_eth_peer(struct testpmd *t, uint16_t port, const struct vdk_ether_addr *mac);
/* Forward on @ports, in this order (pairs by position); forwarding stopped. */
int tp_set_portlist(struct testpmd *t, const uint16_t *ports, unsigned int n);
void tp_show_config_fwd(struct testpmd *t);
void tp_show_config_rxtx(struct testpmd *t);
/* Build a configuration (not published) for tests and tp_fwd_publish(). */
struct fwd_config *tp_fwd_config_make(struct testpmd *t);
void tp_fwd_cleanup(struct testpmd *t);

/* cmdline.c: run one command line. @return 0, 1 for quit, -EINVAL if refused. */
int tp_cmd_exec(struct testpmd *t, const char *line);
/* Completions of the last word of @line, for the prompt. */
unsigned int tp_cmd_complete(const char *line, const char **out, unsigned int max);

/* cli.c */
int tp_cli_run(struct testpmd *t);
/*
 * Run the commands of the file @path (--cmdline-file, `load`), without
 * echo, up to its end or a `quit` (which ends the file only, as in DPDK),
 * then print "Read CLI commands from @path". @return 0; -errno if the file
 * cannot be read.
 */
int tp_cli_load(struct testpmd *t, const char *path);

/* capture.c: `capture start|stop`, `show capture`, --capture. */
/* "<port> rx|tx|both <file> [count <n>]" as @argc words. @return 0 or -EINVAL (message on @err). */
int tp_capture_parse(struct tp_capture_spec *s, int argc, const char *const argv[], FILE *err);
/* --capture=PORT,rx|tx|both,FILE[,count=N]. @return 0 or -EINVAL (message on @err). */
int tp_capture_option(struct tp_capture_spec *s, const char *arg, FILE *err);
/* @return 0; -EBUSY if one runs, -ENODEV, -EACCES (file), -ENOMEM. */
int tp_capture_start(struct testpmd *t, const struct tp_capture_spec *s);
/* Stop, write what the rings hold, print the summary. @return 0, -EINVAL if none, -errno of the file. */
int tp_capture_stop(struct testpmd *t);
void tp_capture_show(struct testpmd *t);
/* The `capture ...` command, @argv[0] being "capture". */
int tp_capture_cmd(struct testpmd *t, int argc, const char *const argv[]);

#endif /* TESTPMD_H */
