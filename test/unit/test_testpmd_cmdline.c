/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * testpmd's command line: every command on two net_null ports, unknown
 * commands and bad arguments answered with a message and no change of
 * state, the refusals that depend on forwarding running, and tab
 * completion.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "test_testpmd_fixture.h"
#include "vdk_eal.h"
#include "vdk_mbuf.h"
#include "vdk_vdev.h"

/* What a refused command must not change. */
struct snapshot {
	const struct fwd_engine *engine;
	uint16_t burst;
	unsigned int nb_txsegs;
	uint16_t txseg0;
	unsigned int nb_fwd_lcores;
	int promisc0, promisc1, started0, started1;
	uint16_t nb_ports;
	bool forwarding;
	bool record_burst_stats;
	/* What the DPDK-style commands (port config, mac_addr, set ...) change. */
	uint16_t mtu0;
	struct vdk_ether_addr mac0, peer0;
	int allmulti0;
	uint16_t nb_rxq, nb_txq, nb_rxd, nb_txd;
	uint8_t verbose;
	unsigned int nb_portlist;
	bool fwd0, fwd1, reconfig0;
	uint64_t rss;
};

static void
snap(struct snapshot *s)
{
	memset(s, 0, sizeof(*s));	/* padding too: compared with memcmp */
	s->engine = tp.engine;
	s->burst = tp.burst;
	s->nb_txsegs = tp.nb_txsegs;
	s->txseg0 = tp.txsegs[0];
	s->nb_fwd_lcores = tp.nb_fwd_lcores;
	s->promisc0 = vdk_eth_promiscuous_get(0);
	s->promisc1 = vdk_eth_promiscuous_get(1);
	s->started0 = vdk_eth_dev_is_started(0);
	s->started1 = vdk_eth_dev_is_started(1);
	s->nb_ports = vdk_eth_dev_count_avail();
	s->forwarding = tp.forwarding;
	s->record_burst_stats = tp.record_burst_stats;
	vdk_eth_dev_get_mtu(0, &s->mtu0);
	vdk_eth_macaddr_get(0, &s->mac0);
	s->peer0 = tp.params.peer[0];
	s->allmulti0 = vdk_eth_allmulticast_get(0);
	s->nb_rxq = tp.params.nb_rxq;
	s->nb_txq = tp.params.nb_txq;
	s->nb_rxd = tp.params.nb_rxd;
	s->nb_txd = tp.params.nb_txd;
	s->verbose = tp.verbose;
	s->nb_portlist = tp.nb_portlist;
	s->fwd0 = tp.ports[0].fwd;
	s->fwd1 = tp.ports[1].fwd;
	s->reconfig0 = tp.ports[0].need_reconfig;
	s->rss = tp.params.rss;
}

static void
assert_unchanged(const struct snapshot *a, const char *line)
{
	struct snapshot b;

	snap(&b);
	if (memcmp(a, &b, sizeof(b)) != 0)
		fail_msg("'%s' changed testpmd's state", line);
}

static void
test_unknown_commands_and_bad_arguments_change_nothing(void **state)
{
	static const struct {
		const char *line;
		const char *msg;
	} bad[] = {
		{ "frobnicate", "Command not found" },
		{ "starts", "Command not found" },
		{ "set burst 0", "Bad arguments" },
		{ "set burst abc", "Bad arguments" },
		{ "set burst 513", "Bad arguments" },
		{ "set burst -1", "Bad arguments" },
		{ "set burst", "Bad arguments" },
		{ "set fwd bogus", "Invalid forwarding mode" },
		{ "set fwd", "Bad arguments" },
		{ "set fwd io extra", "Bad arguments" },
		{ "set txpkts 10", "Bad arguments" },
		{ "set txpkts 64,,32", "Bad arguments" },
		{ "set txpkts 64,", "Bad arguments" },
		{ "set txpkts 64,1,1,1,1,1,1,1,1", "Bad arguments" },
		{ "set txpkts 4000", "does not fit an mbuf" },
		{ "set nbcore 0", "Invalid number of forwarding cores" },
		{ "set nbcore 9", "Invalid number of forwarding cores" },
		{ "set nbcore x", "Bad arguments" },
		{ "set promisc all maybe", "Bad arguments" },
		{ "set promisc 9 off", "Invalid port" },
		{ "set promisc x off", "Invalid port" },
		{ "set record-burst-stats", "Bad arguments: usage: set record-burst-stats on|off" },
		{ "set record-burst-stats maybe", "usage: set record-burst-stats on|off" },
		{ "set record-burst-stats ON", "usage: set record-burst-stats on|off" },
		{ "set record-burst-stats on off", "usage: set record-burst-stats on|off" },
		{ "set record-burst-stat on", "Bad arguments" },
		{ "set colour blue", "Bad arguments" },
		{ "set", "Bad arguments" },
		{ "port start 99", "Invalid port" },
		{ "port stop 1x", "Invalid port" },
		{ "port stop -1", "Invalid port" },
		{ "port reboot all", "Bad arguments" },
		{ "port close", "Bad arguments" },
		{ "show port info 7", "Invalid port" },
		{ "show port bogus 0", "Bad arguments" },
		{ "show port stats", "Bad arguments" },
		{ "show fwd stats", "Bad arguments" },
		{ "show fwd", "Bad arguments" },
		{ "show config", "Bad arguments" },
		{ "show", "Bad arguments" },
		{ "clear port stats x", "Invalid port" },
		{ "clear port", "Bad arguments" },
		{ "clear stats all", "Bad arguments" },
		{ "start tx_first 0", "Bad arguments" },
		{ "start tx_first x", "Bad arguments" },
		{ "start now", "Bad arguments" },
		{ "stop now", "Bad arguments" },
		{ "stop", "Packet forwarding not started" },
		{ "quit now", "Bad arguments" },
		{ "help me", "Bad arguments" },
		{ "a b c d e f g h i", "Command not found" },
	};
	struct snapshot s;
	unsigned int i;
	char longtok[100];

	(void)state;
	snap(&s);
	for (i = 0; i < VDK_DIM(bad); i++) {
		tp_expect_output(bad[i].line, -EINVAL, bad[i].msg);
		assert_unchanged(&s, bad[i].line);
	}
	memset(longtok, 'x', sizeof(longtok) - 1);
	longtok[sizeof(longtok) - 1] = '\0';
	tp_expect_output(longtok, -EINVAL, "Command not found");
	/* Blank lines and comments do nothing, silently. */
	assert_string_equal(tp_run("", 0), "");
	assert_string_equal(tp_run("   \t", 0), "");
	assert_string_equal(tp_run("# a comment", 0), "");
	assert_unchanged(&s, "blank");
}

/*
 * The DPDK-style commands refused: a message each, the return DPDK's
 * testpmd would fail with, and nothing changed, even by the commands that
 * name two ports or several settings.
 */
static void
test_dpdk_commands_refused_change_nothing(void **state)
{
	static const struct {
		const char *line;
		int ret;
		const char *msg;
	} bad[] = {
		{ "show port summary", -EINVAL, "Bad arguments" },
		{ "show port summary 0", -EINVAL, "usage: show port summary all" },
		{ "clear fwd stats", -EINVAL, "Bad arguments" },
		{ "clear fwd stats 0", -EINVAL, "Bad arguments" },
		{ "set link-down 0", -EINVAL, "usage: set link-up|link-down port" },
		{ "set link-down port", -EINVAL, "Bad arguments" },
		{ "set link-down port all", -EINVAL, "Invalid port 'all'" },
		{ "set link-up port 9", -EINVAL, "Invalid port" },
		{ "set link-down port 0", -ENOTSUP, "Set link down fail." },
		{ "set link-up port 1", -ENOTSUP, "Set link up fail." },
		{ "set allmulti 0", -EINVAL, "Bad arguments" },
		{ "set allmulti 0 yes", -EINVAL, "usage: set allmulti all|<port> on|off" },
		{ "set allmulti 4 on", -EINVAL, "Invalid port" },
		{ "set eth-peer 0", -EINVAL, "Bad arguments" },
		{ "set eth-peer 0 02:00:00:00:00", -EINVAL, "usage: set eth-peer" },
		{ "set eth-peer 0 02:00:00:00:00:0g", -EINVAL, "usage: set eth-peer" },
		{ "set eth-peer 7 02:00:00:00:00:01", -EINVAL, "Invalid port" },
		{ "set eth-peer all 02:00:00:00:00:01", -EINVAL, "Invalid port 'all'" },
		{ "set verbose", -EINVAL, "usage: set verbose" },
		{ "set verbose 256", -EINVAL, "usage: set verbose" },
		{ "set verbose -1", -EINVAL, "usage: set verbose" },
		{ "set portlist", -EINVAL, "usage: set portlist" },
		{ "set portlist 0,", -EINVAL, "usage: set portlist" },
		{ "set portlist ,1", -EINVAL, "usage: set portlist" },
		{ "set portlist 1-0", -EINVAL, "usage: set portlist" },
		{ "set portlist 0,0", -EINVAL, "usage: set portlist" },
		{ "set portlist 0-", -EINVAL, "usage: set portlist" },
		{ "set portlist 0,40", -EINVAL, "usage: set portlist" },
		{ "set portlist 0,5", -EINVAL, "Invalid port 5" },
		{ "mac_addr set 0", -EINVAL, "usage: mac_addr set" },
		{ "mac_addr add 0 02:00:00:00:00:01", -EINVAL, "usage: mac_addr set" },
		{ "mac_addr set 0 01:00:5e:00:00:01", -EINVAL, "mac_addr_cmd error" },
		{ "mac_addr set 0 00:00:00:00:00:00", -EINVAL, "mac_addr_cmd error" },
		{ "mac_addr set 3 02:00:00:00:00:01", -EINVAL, "Invalid port" },
		{ "port config all rxq 2", -EBUSY, "Please stop all ports first" },
		{ "port config all rxq", -EINVAL, "usage: port config all" },
		{ "port config all rxs 2", -EINVAL, "usage: port config all" },
		{ "port config all rxq x", -EINVAL, "usage: port config all" },
		{ "port config mtu 0", -EINVAL, "usage: port config" },
		{ "port config mtu 0 x", -EINVAL, "usage: port config" },
		{ "port config mtu 9 1500", -EINVAL, "Invalid port" },
		{ "port config 0 mtu 10", -EINVAL, "Set MTU failed. diag=-22" },
		{ "port config 0 mtu 70000", -EINVAL, "usage: port config" },
		{ "port config 0 speed 10", -EINVAL, "usage: port config" },
		{ "load", -EINVAL, "usage: load <file>" },
		{ "read reg 0 0", -ENOTSUP, "Port 0: not a PCI port" },
		{ "write reg 1 0x10 5", -ENOTSUP, "Port 1: not a PCI port" },
		{ "read reg 0", -EINVAL, "usage: read reg <port> <offset>" },
		{ "read reg 0 x", -EINVAL, "usage: read reg" },
		{ "read reg 0 -4", -EINVAL, "usage: read reg" },
		{ "read reg 0 0x100000000", -EINVAL, "usage: read reg" },
		{ "read mem 0 0", -EINVAL, "usage: read reg" },
		{ "read reg 7 0", -EINVAL, "Invalid port" },
		{ "write reg 0 0", -EINVAL, "usage: write reg <port> <offset> <value>" },
		{ "write reg 0 0 -1", -EINVAL, "usage: write reg" },
		{ "write reg all 0 1", -EINVAL, "Invalid port 'all'" },
		{ "load /nonexistent/vdk-cmds", -ENOENT, "Cannot open command file" },
		{ "port config all rss ipv4", -EINVAL, "usage: port config all rss ip|udp|none" },
		{ "port config all rss", -EINVAL, "usage: port config all" },
		{ "port config all rss udp", -EIO, "Configuration of RSS hash at ethernet port 0 "
		  "failed with error (95): Operation not supported." },
		{ "show port 0 rss-hash", -ENOTSUP, "operation not supported by device" },
		{ "show port 1 rss-hash key", -ENOTSUP, "operation not supported by device" },
		{ "show port 0 rss-hash keys", -EINVAL, "usage: show port <port> rss-hash [key]" },
		{ "show port all rss-hash", -EINVAL, "Invalid port 'all'" },
		{ "show port 9 rss-hash", -EINVAL, "Invalid port" },
		{ "show port 0 module_eeprom", -ENOTSUP, "operation not supported by device" },
		{ "show port 0 module_eeprom 1", -EINVAL, "usage: show port" },
	};
	struct snapshot s;
	unsigned int i;

	(void)state;
	snap(&s);
	for (i = 0; i < VDK_DIM(bad); i++) {
		tp_expect_output(bad[i].line, bad[i].ret, bad[i].msg);
		assert_unchanged(&s, bad[i].line);
	}
	/* With the ports stopped: the limits of the ports are checked. */
	tp_run("port stop all", 0);
	snap(&s);
	tp_expect_output("port config all rxq 17", -EINVAL, "Fail: input rxq (17) can't be greater "
		      "than max_rx_queues (16) of port 0");
	tp_expect_output("port config all rxd 0", -EINVAL, "Invalid rxd 0");
	tp_expect_output("port config all txq 65", -EINVAL, "Invalid txq 65");
	assert_unchanged(&s, "port config all, out of limits");
	tp_run("port start all", 0);
}

/* Each DPDK-style command does what it says, in DPDK's words. */
static void
test_dpdk_commands_change_what_they_say(void **state)
{
	struct vdk_ether_addr mac, want = { { 0x02, 0x11, 0x22, 0x33, 0x44, 0x55 } };
	unsigned int i;
	uint16_t mtu;
	const char *o;

	(void)state;
	o = tp_run("show port summary all", 0);
	assert_string_equal(o, "Number of available ports: 2\n"
			       "Port MAC Address       Name         Driver         Status   Link\n"
			       "0    02:76:64:6B:00:00 net_null0    net_null       up       10 Gbps\n"
			       "1    02:76:64:6B:00:01 net_null1    net_null       up       10 Gbps\n");
	assert_string_equal(tp_run("mac_addr set 1 02:11:22:33:44:55", 0), "");
	vdk_eth_macaddr_get(1, &mac);
	assert_memory_equal(&mac, &want, sizeof(mac));
	tp_expect_output("show port summary all", 0, "1    02:11:22:33:44:55 net_null1");
	tp_run("mac_addr set 1 02:76:64:6B:00:01", 0);
	assert_string_equal(tp_run("set allmulti all on", 0), "");
	assert_int_equal(vdk_eth_allmulticast_get(0), 1);
	assert_int_equal(vdk_eth_allmulticast_get(1), 1);
	tp_run("set allmulti 1 off", 0);
	assert_int_equal(vdk_eth_allmulticast_get(1), 0);
	tp_run("set allmulti 0 off", 0);
	assert_string_equal(tp_run("port config mtu 0 1400", 0), "");
	vdk_eth_dev_get_mtu(0, &mtu);
	assert_int_equal(mtu, 1400);
	tp_run("port config 0 mtu 1500", 0);
	vdk_eth_dev_get_mtu(0, &mtu);
	assert_int_equal(mtu, 1500);
	assert_string_equal(tp_run("set eth-peer 0 02:00:00:00:00:09", 0), "");
	tp_expect_output("show config fwd", 0, "TX P=0/Q=0 (socket 0) peer=02:00:00:00:00:09");
	tp_run("set eth-peer 0 02:00:00:00:00:00", 0);
	assert_string_equal(tp_run("set verbose 1", 0), "Change verbose level from 0 to 1\n");
	assert_string_equal(tp_run("set verbose 0", 0), "Change verbose level from 1 to 0\n");
	/* The port list orders the streams: 1 first, pairs by position. */
	assert_string_equal(tp_run("set portlist 1,0", 0), "");
	o = tp_run("show config fwd", 0);
	assert_non_null(strstr(o, "  RX P=1/Q=0 (socket 0) -> TX P=0/Q=0"));
	assert_true(strstr(o, "RX P=1/Q=0") < strstr(o, "RX P=0/Q=0"));
	tp_run("set portlist 1", 0);
	tp_expect_output("show config fwd", 0, "RX P=1/Q=0 (socket 0) -> TX P=1/Q=0");
	assert_false(tp.ports[0].fwd);
	tp_run("set portlist 0-1", 0);
	tp_expect_output("show config fwd", 0, "RX P=0/Q=0 (socket 0) -> TX P=1/Q=0");
	/* --port-topology: loop sends back on the rx port; chained on the next one, round. */
	tp.params.topology = TP_TOPO_LOOP;
	o = tp_run("show config fwd", 0);
	assert_non_null(strstr(o, "RX P=0/Q=0 (socket 0) -> TX P=0/Q=0"));
	assert_non_null(strstr(o, "RX P=1/Q=0 (socket 0) -> TX P=1/Q=0"));
	tp.params.topology = TP_TOPO_CHAINED;
	tp_run("set portlist 1,0", 0);
	o = tp_run("show config fwd", 0);
	assert_non_null(strstr(o, "RX P=1/Q=0 (socket 0) -> TX P=0/Q=0"));
	assert_non_null(strstr(o, "RX P=0/Q=0 (socket 0) -> TX P=1/Q=0"));
	tp_run("set portlist 0", 0);
	tp_expect_output("show config fwd", 0, "RX P=0/Q=0 (socket 0) -> TX P=0/Q=0");
	tp.params.topology = TP_TOPO_PAIRED;
	tp_run("set portlist 0-1", 0);
	/* Two rx queues a port, set up anew at port start. */
	tp_run("port stop all", 0);
	assert_string_equal(tp_run("port config all rxq 2", 0), "");
	assert_string_equal(tp_run("port config all txq 2", 0), "");
	assert_true(tp.ports[0].need_reconfig);
	tp_run("port start all", 0);
	assert_false(tp.ports[0].need_reconfig);
	o = tp_run("show port info 0", 0);
	assert_non_null(strstr(o, "Current number of RX queues: 2"));
	tp_expect_output("show config fwd", 0, "streams=4");
	/* Each queue's counters, once forwarding moved packets on both. */
	tp_run("clear port stats all", 0);
	tp_run("start", 0);
	for (i = 0; i < 5000; i++) {
		struct vdk_eth_stats st;

		vdk_eth_stats_get(0, &st);
		if (st.q_ipackets[0] > 0 && st.q_ipackets[1] > 0 && st.q_opackets[1] > 0)
			break;
		nanosleep(&(struct timespec){ 0, 1000 * 1000 }, NULL);
	}
	tp_run("stop", 0);
	o = tp_run("show port stats 0", 0);
	assert_non_null(strstr(o, "  Stats reg  1 RX-packets: "));
	assert_non_null(strstr(o, "  Stats reg  1 TX-packets: "));
	assert_null(strstr(o, "  Stats reg  2 "));
	assert_null(strstr(o, "  Stats reg  1 RX-packets:              0 "));
	assert_null(strstr(o, "  Stats reg  1 TX-packets:              0 "));
	tp_run("port stop all", 0);
	tp_run("port config all rxq 1", 0);
	tp_run("port config all txq 1", 0);
	tp_run("port start all", 0);
	tp_expect_output("show port info 1", 0, "Current number of TX queues: 1");
	assert_null(strstr(tp_run("show port stats 1", 0), "Stats reg"));	/* one queue: none */
}

/* A command file runs silently, ends at its quit (the file only), and can load another. */
static void
test_load_runs_a_command_file(void **state)
{
	char dir[] = "/tmp/tp_loadXXXXXX", a[64], b[64], line[128];
	const char *o;
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(a, sizeof(a), "%s/a", dir);
	snprintf(b, sizeof(b), "%s/b", dir);
	f = fopen(b, "w");
	assert_non_null(f);
	fprintf(f, "set burst 16\n# a comment\n\nset bogus\nset fwd rxonly\nquit\nset burst 4\n");
	fclose(f);
	f = fopen(a, "w");
	assert_non_null(f);
	fprintf(f, "set verbose 2\nload %s\nquit\nset burst 8\n", b);
	fclose(f);
	snprintf(line, sizeof(line), "load %s", a);
	o = tp_run(line, 0);	/* a quit in a file ends that file, not the session */
	assert_non_null(strstr(o, "Change verbose level from 0 to 2\n"));
	assert_non_null(strstr(o, "Bad arguments"));	/* a bad line is answered, then on */
	assert_null(strstr(o, "set burst 16"));		/* no echo */
	assert_int_equal(tp.burst, 16);			/* neither 4 nor 8: each file's quit */
	assert_non_null(strstr(o, "Read CLI commands from /tmp/tp_load"));
	assert_true(strstr(o, "/b\n") < strstr(o, "/a\n"));	/* inner file first */
	assert_ptr_equal(tp.engine, &fwd_rxonly_engine);
	assert_true(strstr(o, "Read CLI commands from /tmp/tp_load") != NULL);
	/* A file that loads itself stops at the nesting limit. */
	f = fopen(a, "w");
	assert_non_null(f);
	fprintf(f, "load %s\n", a);
	fclose(f);
	o = tp_run(line, 0);
	assert_non_null(strstr(o, "nested 8 deep"));
	tp_run("set verbose 0", 0);
	tp_run("set burst 32", 0);
	tp_run("set fwd io", 0);
	unlink(a);
	unlink(b);
	rmdir(dir);
}

/*
 * Random lines, 20,000 from a fixed seed (a failure replays): half are a
 * command's own words with each slot filled from a pool of good and bad
 * values, some with a word dropped, doubled or replaced; half are 1 to 6
 * words of all of that at random. Whatever a line does, a refused one
 * (negative return) prints why and changes nothing. The commands that end
 * the session, close ports, read files or start lcores are left out (tested
 * above).
 */
static void
test_random_lines_refused_change_nothing(void **state)
{
	static const char *const templates[] = {
		"show port summary P", "show port info P", "show port stats P", "show fwd stats P",
		"clear fwd stats P", "clear port stats P", "show config W", "set link-up port P",
		"set link-down port P", "set allmulti P B", "set promisc P B", "set eth-peer P M",
		"set verbose N", "set portlist L", "mac_addr set P M", "port config all Q N",
		"port config mtu P N", "port config P mtu N", "set burst N", "set txpkts L",
		"set nbcore N", "set fwd W", "set record-burst-stats B", "port stop P",
		"read reg P N", "write reg P N N",
		"port start P", "stop",
	};
	static const char *const values[] = {
		"all", "0", "1", "2", "31", "32", "-1", "0x1", "1,0", "0-1", "1-0", "0,0", "0,",
		"64,64", "02:00:00:00:00:01", "01:00:00:00:00:01", "02:00:00:00:00",
		"zz:00:00:00:00:01", "1500", "68", "9", "65535", "65536", "rxq", "txq", "rxd",
		"txd", "rxs", "on", "off", "io", "mac", "5tswap", "fwd", "rxtx", "x", "#", "",
	};
	static const char *const words[] = {
		"show", "clear", "set", "port", "mac_addr", "help", "stop", "stats", "config",
		"summary", "mtu", "eth-peer", "portlist", "verbose", "allmulti", "link-down",
		"start",
	};
	char line[256], tmpl[64], *save, *w;
	struct snapshot s;
	unsigned int i, k, nw, refused = 0;
	int ret;

	(void)state;
	srand(21);
	for (i = 0; i < 20000; i++) {
		size_t off = 0;

		line[0] = '\0';
		if (i % 2 == 0) {
			snprintf(tmpl, sizeof(tmpl), "%s",
				 templates[(unsigned int)rand() % VDK_DIM(templates)]);
			for (w = strtok_r(tmpl, " ", &save); w != NULL; w = strtok_r(NULL, " ", &save)) {
				unsigned int r = (unsigned int)rand() % 40;

				if (r == 0)
					continue;	/* dropped */
				if (strlen(w) == 1 && w[0] >= 'A' && w[0] <= 'Z')
					w = (char *)values[(unsigned int)rand() % VDK_DIM(values)];
				else if (r == 1)
					w = (char *)values[(unsigned int)rand() % VDK_DIM(values)];
				off += (size_t)snprintf(line + off, sizeof(line) - off, "%s%s",
							off ? " " : "", w);
				if (r == 2)	/* doubled */
					off += (size_t)snprintf(line + off, sizeof(line) - off, " %s", w);
			}
		} else {
			nw = 1 + (unsigned int)rand() % 6;
			for (k = 0; k < nw; k++) {
				unsigned int r = (unsigned int)rand();
				const char *x = r % 2 ? words[r / 2 % VDK_DIM(words)] :
							values[r / 2 % VDK_DIM(values)];

				off += (size_t)snprintf(line + off, sizeof(line) - off, "%s%s",
							k ? " " : "", x);
			}
		}
		/* Never the command that launches lcores. */
		if (strncmp(line, "start", 5) == 0)
			continue;
	snap(&s);
		tp_out_open();
		ret = tp_cmd_exec(&tp, line);
		fflush(tp.out);
		assert_true(ret <= 0);
		if (ret < 0) {
			refused++;
			if (tp_out_len == 0)
				fail_msg("'%s' was refused without a word", line);
			assert_unchanged(&s, line);
		}
	}
	/* Put back what accepted lines changed. */
	tp_run("stop", -EINVAL);
	assert_false(tp.forwarding);
	tp_run("port stop all", 0);
	tp_run("port config all rxq 1", 0);
	tp_run("port config all txq 1", 0);
	tp_run("port config all rxd 1024", 0);
	tp_run("port config all txd 1024", 0);
	tp_run("port start all", 0);
	tp_run("set portlist 0,1", 0);
	tp_run("set fwd io", 0);
	tp_run("set burst 32", 0);
	tp_run("set txpkts 64", 0);
	tp_run("set verbose 0", 0);
	tp_run("set promisc all on", 0);
	tp_run("set allmulti all off", 0);
	tp_run("port config 0 mtu 1500", 0);
	tp_run("port config 1 mtu 1500", 0);
	tp_run("mac_addr set 0 02:76:64:6B:00:00", 0);
	tp_run("mac_addr set 1 02:76:64:6B:00:01", 0);
	tp_run("set eth-peer 0 02:00:00:00:00:00", 0);
	tp_run("set eth-peer 1 02:00:00:00:00:01", 0);
	tp_run("set record-burst-stats off", 0);
	tp.params.peer_set[0] = tp.params.peer_set[1] = false;
	/* The vocabulary reaches far enough that most lines are refused, but not all. */
	print_message("%u of 20000 random lines refused\n", refused);
	assert_true(refused > 10000 && refused < 20000);
}

/* Refusals leave recording on as well as off. */
static void
test_record_burst_stats_refusals_keep_it_on(void **state)
{
	static const char *const bad[] = {
		"set record-burst-stats", "set record-burst-stats off now",
		"set record-burst-stats 0", "set record-burst-stats no",
	};
	unsigned int i;

	(void)state;
	tp_expect_output("set record-burst-stats on", 0, "burst statistics set to on");
	assert_true(tp.record_burst_stats);
	for (i = 0; i < VDK_DIM(bad); i++) {
		tp_expect_output(bad[i], -EINVAL, "usage: set record-burst-stats on|off");
		assert_true(tp.record_burst_stats);
	}
	tp_expect_output("set record-burst-stats off", 0, "burst statistics set to off");
	assert_false(tp.record_burst_stats);
}

static void
test_settings_commands_change_what_they_say(void **state)
{
	(void)state;
	tp_expect_output("set fwd macswap", 0, "Set macswap packet forwarding mode");
	assert_ptr_equal(tp.engine, &fwd_macswap_engine);
	tp_expect_output("set burst 64", 0, "Number of packets per burst set to 64");
	assert_int_equal(tp.burst, 64);
	tp_run("set txpkts 64,32", 0);
	assert_int_equal(tp.nb_txsegs, 2);
	assert_int_equal(tp.txsegs[1], 32);
	tp_expect_output("set nbcore 1", 0, "Number of forwarding cores set to 1");
	tp_run("set promisc all off", 0);
	assert_int_equal(vdk_eth_promiscuous_get(0), 0);
	assert_int_equal(vdk_eth_promiscuous_get(1), 0);
	tp_run("set promisc 1 on", 0);
	assert_int_equal(vdk_eth_promiscuous_get(1), 1);
	tp_expect_output("show config fwd", 0, "macswap packet forwarding - ports=2 - cores=1 - streams=2");
	tp_expect_output("show config fwd", 0, "RX P=0/Q=0 (socket 0) -> TX P=1/Q=0");
	tp_run("set fwd io", 0);
	tp_run("set burst 32", 0);
	tp_run("set txpkts 64", 0);
}

static void
test_show_and_clear_commands_print_port_data(void **state)
{
	const char *o;

	(void)state;
	o = tp_run("show port info all", 0);
	assert_non_null(strstr(o, "Infos for port 0"));
	assert_non_null(strstr(o, "Infos for port 1"));
	assert_non_null(strstr(o, "Driver name: net_null"));
	assert_non_null(strstr(o, "Link status: up"));
	tp_expect_output("show port stats 0", 0, "NIC statistics for port 0");
	tp_expect_output("show port xstats 1", 0, "rx_good_packets: ");
	tp_expect_output("clear port stats all", 0, "NIC statistics for port 1 cleared");
	/* Before any start: zeros for each port, as DPDK prints them. */
	o = tp_run("show fwd stats all", 0);
	assert_non_null(strstr(o, "Forward statistics for port 1"));
	assert_non_null(strstr(o, "  RX-packets: 0              RX-dropped: 0             "
				  "RX-total: 0\n"));
	o = tp_run("help", 0);
	assert_non_null(strstr(o, "set fwd io|mac|macswap|txonly|rxonly|csum"));
	assert_non_null(strstr(o, "set record-burst-stats on|off"));
	assert_non_null(strstr(o, "port start all|<port>"));
}

static void
test_start_stop_and_refusals_while_forwarding(void **state)
{
	struct snapshot s;
	const char *o;

	(void)state;
	o = tp_run("start", 0);
	assert_non_null(strstr(o, "io packet forwarding"));
	assert_true(tp.forwarding);
	snap(&s);
	tp_expect_output("start", -EBUSY, "already started");
	tp_expect_output("port stop 0", -EBUSY, "Please stop forwarding first");
	tp_expect_output("port close all", -EBUSY, "Please stop forwarding first");
	tp_expect_output("set nbcore 1", -EBUSY, "Please stop forwarding first");
	assert_unchanged(&s, "refusals while forwarding");
	/* These apply to the running lcores. */
	tp_run("set fwd macswap", 0);
	tp_run("set burst 16", 0);
	tp_expect_output("show fwd stats all", 0, "Forward statistics for port 0");
	o = tp_run("stop", 0);
	assert_non_null(strstr(o, "Telling cores to stop"));
	assert_non_null(strstr(o, "Accumulated forward statistics for all ports"));
	assert_false(tp.forwarding);
	assert_int_equal(tp.cfg->burst, 16);
	tp_run("set fwd io", 0);
	tp_run("set burst 32", 0);
	o = tp_run("start tx_first 2", 0);
	assert_true(tp.forwarding);
	o = tp_run("stop", 0);
	assert_null(strstr(o, "-bursts :"));	/* not asked for */
}

/* Wait up to 5 s for the lcore to have forwarded on every stream. */
static void
wait_forwarded(void)
{
	unsigned int i, s;

	for (i = 0; i < 5000; i++) {
		for (s = 0; s < tp.nb_streams; s++)
			if (__atomic_load_n(&tp.streams[s].tx_packets, __ATOMIC_RELAXED) == 0)
				break;
		if (s == tp.nb_streams)
			return;
		nanosleep(&(struct timespec){ 0, 1000 * 1000 }, NULL);
	}
	fail_msg("the lcore forwarded nothing in 5 s");
}

/*
 * net_null receives a full burst on every poll and takes every packet
 * sent: each port's RX and TX bursts are all of 32.
 */
static void
test_record_burst_stats_prints_burst_lines_per_port(void **state)
{
	const char *o;

	(void)state;
	tp_run("set record-burst-stats on", 0);
	assert_true(tp.record_burst_stats);
	tp_run("start", 0);
	wait_forwarded();
	o = tp_run("show fwd stats all", 0);
	assert_non_null(strstr(o, "Forward statistics for port 1"));
	assert_non_null(strstr(o, " pkts + 100% of 32 pkts]\n"));
	o = tp_run("stop", 0);
	assert_non_null(strstr(o, "Forward statistics for port 0"));
	if (strstr(o, "RX-bursts : ") == NULL || strstr(o, "TX-bursts : ") == NULL ||
	    strstr(strstr(o, "for port 1"), "RX-bursts : ") == NULL ||
	    strstr(strstr(o, "for port 1"), "TX-bursts : ") == NULL ||
	    strstr(o, "[0% of 0 pkts + 100% of 32 pkts]\n") == NULL)
		fail_msg("no RX/TX-bursts lines of 32 in each port's block: %s", o);
	/* Under each port's RX and TX lines, inside its block. */
	assert_true(strstr(o, "RX-bursts : ") > strstr(o, "TX-packets: "));
	assert_true(strstr(o, "RX-bursts : ") < strstr(o, "-------------------------------\n"));
	/* Off: no lines, though the last run's counts are still there. */
	tp_run("set record-burst-stats off", 0);
	o = tp_run("show fwd stats all", 0);
	assert_null(strstr(o, "-bursts :"));
	/* A new start counts afresh: fewer bursts than forwarded before. */
	tp_run("set record-burst-stats on", 0);
	assert_true(tp.streams[0].rx_bursts[32] > 0);
	tp_run("set burst 16", 0);
	tp_run("start", 0);
	wait_forwarded();
	o = tp_run("stop", 0);
	assert_non_null(strstr(o, "[0% of 0 pkts + 100% of 16 pkts]\n"));
	assert_null(strstr(o, "of 32 pkts"));
	tp_run("set burst 32", 0);
	tp_run("set record-burst-stats off", 0);
}

static void
test_port_commands_stop_start_and_close(void **state)
{
	(void)state;
	tp_expect_output("port stop 1", 0, "Port 1 stopped");
	assert_false(vdk_eth_dev_is_started(1));
	tp_expect_output("port stop 1", 0, "already stopped");
	tp_expect_output("start", -EINVAL, "Port 1 is not started");
	assert_false(tp.forwarding);
	tp_expect_output("port start all", 0, "Port 1 started");
	assert_true(vdk_eth_dev_is_started(1));
	tp_expect_output("port start 0", 0, "already started");
	tp_expect_output("port close 1", 0, "Port 1 is closed");
	assert_false(vdk_eth_dev_is_valid_port(1));
	tp_expect_output("port start 1", -EINVAL, "Invalid port");
	/* Forwarding goes on with the one port left, to itself. */
	tp_expect_output("show config fwd", 0, "RX P=0/Q=0 (socket 0) -> TX P=0/Q=0");
	assert_int_equal(tp_cmd_exec(&tp, "quit"), 1);
}

static void
test_completion_offers_the_next_words(void **state)
{
	const char *c[32];
	unsigned int n, i;
	bool saw_mac = false, saw_macswap = false;

	(void)state;
	n = tp_cmd_complete("", c, 32);
	assert_int_equal(n, 13);	/* start stop quit show clear set port mac_addr load read write capture help */
	n = tp_cmd_complete("se", c, 32);
	assert_int_equal(n, 1);
	assert_string_equal(c[0], "set");
	n = tp_cmd_complete("set f", c, 32);
	assert_int_equal(n, 1);
	assert_string_equal(c[0], "fwd");
	n = tp_cmd_complete("set fwd m", c, 32);
	for (i = 0; i < n; i++) {
		saw_mac |= strcmp(c[i], "mac") == 0;
		saw_macswap |= strcmp(c[i], "macswap") == 0;
	}
	assert_int_equal(n, 2);
	assert_true(saw_mac && saw_macswap);
	n = tp_cmd_complete("show port ", c, 32);
	assert_int_equal(n, 5);	/* info stats xstats summary, and port 0 (rss-hash, module_eeprom) */
	n = tp_cmd_complete("show port 0 ", c, 32);
	assert_int_equal(n, 2);
	assert_string_equal(c[0], "rss-hash");
	assert_string_equal(c[1], "module_eeprom");
	n = tp_cmd_complete("show port 0 rss-hash ", c, 32);
	assert_int_equal(n, 1);
	assert_string_equal(c[0], "key");
	n = tp_cmd_complete("port config all ", c, 32);
	assert_int_equal(n, 5);
	assert_string_equal(c[0], "rxq");
	assert_string_equal(c[3], "txd");
	assert_string_equal(c[4], "rss");
	n = tp_cmd_complete("port config all rss ", c, 32);
	assert_int_equal(n, 3);
	assert_string_equal(c[0], "ip");
	assert_string_equal(c[2], "none");
	n = tp_cmd_complete("set link-down port ", c, 32);
	assert_true(n >= 1);
	assert_string_equal(c[0], "0");	/* one port id: no "all" */
	n = tp_cmd_complete("show port info ", c, 32);
	assert_true(n >= 2);
	assert_string_equal(c[0], "all");
	assert_string_equal(c[1], "0");
	n = tp_cmd_complete("set promisc 0 o", c, 32);
	assert_int_equal(n, 2);
	n = tp_cmd_complete("set rec", c, 32);
	assert_int_equal(n, 1);
	assert_string_equal(c[0], "record-burst-stats");
	n = tp_cmd_complete("set record-burst-stats ", c, 32);
	assert_int_equal(n, 2);
	assert_string_equal(c[0], "on");
	assert_string_equal(c[1], "off");
	assert_int_equal(tp_cmd_complete("set record-burst-stats on ", c, 32), 0);
	n = tp_cmd_complete("start ", c, 32);
	assert_int_equal(n, 1);
	assert_string_equal(c[0], "tx_first");
	assert_int_equal(tp_cmd_complete("bogus ", c, 32), 0);
	assert_int_equal(tp_cmd_complete("set fwd bogus ", c, 32), 0);
	assert_int_equal(tp_cmd_complete("set", c, 1), 1);
}

static int
setup(void **state)
{
	(void)state;
	return tp_fixture_up("test_testpmd_cmdline", 2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unknown_commands_and_bad_arguments_change_nothing),
		cmocka_unit_test(test_settings_commands_change_what_they_say),
		cmocka_unit_test(test_show_and_clear_commands_print_port_data),
		cmocka_unit_test(test_record_burst_stats_refusals_keep_it_on),
		cmocka_unit_test(test_dpdk_commands_refused_change_nothing),
		cmocka_unit_test(test_dpdk_commands_change_what_they_say),
		cmocka_unit_test(test_load_runs_a_command_file),
		cmocka_unit_test(test_random_lines_refused_change_nothing),
		cmocka_unit_test(test_start_stop_and_refusals_while_forwarding),
		cmocka_unit_test(test_record_burst_stats_prints_burst_lines_per_port),
		cmocka_unit_test(test_port_commands_stop_start_and_close),
		cmocka_unit_test(test_completion_offers_the_next_words),

	};

	return cmocka_run_group_tests(tests, setup, tp_fixture_down);
}
