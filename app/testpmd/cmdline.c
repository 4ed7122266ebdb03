/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The testpmd commands: one grammar table drives parsing, `help` and tab
 * completion. A command that does not parse is answered with a message
 * and changes nothing.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "testpmd.h"

#define MAX_TOKENS 8
#define TOKEN_SIZE 256	/* room for a path (load) */

/*
 * Words of a command; "<...>" are placeholders: <port> is "all" or a port
 * id, <n> a number, <mode> a forwarding engine, <onoff> on or off,
 * <segs> segment lengths "X[,Y]*", [n] an optional number, <pid> one port
 * id, <mac> XX:XX:XX:XX:XX:XX, <list> port ids "0,1" or "0-3", <qparam>
 * rxq, txq, rxd or txd, <rss> ip, udp or none, [key] an optional "key",
 * <file> a path.
 */
struct cmd_def {
	const char *words[6];
	const char *help;
};

static const struct cmd_def cmds[] = {
	{ { "start" }, "start packet forwarding" },
	{ { "start", "tx_first", "[n]" }, "send n bursts (default 1) on every stream, then start" },
	{ { "stop" }, "stop packet forwarding and print the forwarding statistics" },
	{ { "quit" }, "stop forwarding, close the ports and exit" },
	{ { "show", "port", "info", "<port>" }, "port information" },
	{ { "show", "port", "stats", "<port>" }, "port statistics and throughput" },
	{ { "show", "port", "xstats", "<port>" }, "extended statistics" },
	{ { "clear", "port", "stats", "<port>" }, "zero the port statistics" },
	{ { "show", "fwd", "stats", "all" }, "forwarding statistics since start" },
	{ { "show", "config", "fwd" }, "forwarding configuration: engine, lcores, streams" },
	{ { "show", "config", "rxtx" }, "burst, txonly packet, forwarding lcores and ports" },
	{ { "set", "fwd", "<mode>" }, "forwarding engine (may change while forwarding)" },
	{ { "set", "burst", "<n>" }, "packets per burst, 1..512 (may change while forwarding)" },
	{ { "set", "txpkts", "<segs>" }, "txonly segment lengths (may change while forwarding)" },
	{ { "set", "nbcore", "<n>" }, "number of forwarding lcores (forwarding stopped)" },
	{ { "set", "promisc", "<port>", "<onoff>" }, "promiscuous mode" },
	{ { "set", "record-burst-stats", "<onoff>" },
	  "rx/tx burst sizes in the forwarding statistics" },
	{ { "port", "start", "<port>" }, "start ports" },
	{ { "port", "stop", "<port>" }, "stop ports (forwarding stopped)" },
	{ { "port", "close", "<port>" }, "close ports (forwarding stopped)" },
	{ { "port", "attach", "<bdf>" }, "probe a PCI device (hot-added) as a new port" },
	{ { "port", "detach", "<port>" }, "close ports and release their devices" },
	{ { "port", "reset", "<port>" }, "reset stopped ports; port start sets them up again" },
	{ { "show", "port", "summary", "all" }, "one line a port: MAC, name, driver, link" },
	{ { "clear", "fwd", "stats", "all" }, "forwarding statistics count from now" },
	{ { "set", "link-up", "port", "<pid>" }, "bring the port's link up" },
	{ { "set", "link-down", "port", "<pid>" }, "take the port's link down (peer loses carrier)" },
	{ { "set", "allmulti", "<port>", "<onoff>" }, "all-multicast mode" },
	{ { "set", "eth-peer", "<pid>", "<mac>" }, "destination MAC of the port (forwarding stopped)" },
	{ { "set", "verbose", "<n>" }, "dump packets: 1 received, 2 sent, 3 both, 0 none" },
	{ { "set", "portlist", "<list>" }, "forwarding ports, in order (forwarding stopped)" },
	{ { "mac_addr", "set", "<pid>", "<mac>" }, "the port's own MAC address" },
	{ { "port", "config", "all", "<qparam>", "<n>" },
	  "queues or descriptors of every port (ports stopped; at port start)" },
	{ { "port", "config", "all", "rss", "<rss>" },
	  "RSS hash of every port: ip, udp or none (ports with more rx queues)" },
	{ { "show", "port", "<pid>", "rss-hash", "[key]" }, "RSS flow types (and key) of the port" },
	{ { "show", "port", "<pid>", "module_eeprom" }, "pluggable module EEPROM (no VDK port has one)" },
	{ { "port", "config", "mtu", "<pid>", "<n>" }, "the port's MTU" },
	{ { "port", "config", "<pid>", "mtu", "<n>" }, "the port's MTU" },
	{ { "load", "<file>" }, "run the commands of a file" },
	{ { "read", "reg", "<pid>", "<n>" }, "a 32-bit register of a PCI port (BAR 0 offset)" },
	{ { "write", "reg", "<pid>", "<n>", "<n>" }, "write a PCI port's register, show it again" },
	{ { "capture", "start", "<pid>", "<dir>", "<file>", "[count n]" },
	  "write what the port receives (rx), sends (tx) or both to a pcap file" },
	{ { "capture", "stop" }, "stop the capture, write the rest of it, show its counts" },
	{ { "show", "capture" }, "the running capture: file, packets written, dropped" },
	{ { "help" }, "this list" },
};

static int
tokenize(const char *line, char tok[MAX_TOKENS][TOKEN_SIZE])
{
	const char *p = line;
	size_t len;
	int n = 0;

	for (;;) {
		p += strspn(p, " \t\r\n");
		if (*p == '\0' || *p == '#')
			return n;
		len = strcspn(p, " \t\r\n");
		if (n == MAX_TOKENS || len >= TOKEN_SIZE)
			return -E2BIG;
		memcpy(tok[n], p, len);
		tok[n][len] = '\0';
		n++;
		p += len;
	}
}

static void
print_help(struct testpmd *t)
{
	char buf[128];
	size_t off;
	unsigned int i, w;

	fprintf(t->out, "Commands:\n");
	for (i = 0; i < VDK_DIM(cmds); i++) {
		off = 0;
		buf[0] = '\0';
		for (w = 0; w < VDK_DIM(cmds[i].words) && cmds[i].words[w]; w++)
			off += snprintf(buf + off, sizeof(buf) - off, "%s%s", w ? " " : "",
					strcmp(cmds[i].words[w], "<port>") == 0 ? "all|<port>" :
					strcmp(cmds[i].words[w], "<mode>") == 0 ? fwd_engine_names() :
					strcmp(cmds[i].words[w], "<onoff>") == 0 ? "on|off" :
					strcmp(cmds[i].words[w], "<qparam>") == 0 ? "rxq|txq|rxd|txd" :
					strcmp(cmds[i].words[w], "<dir>") == 0 ? "rx|tx|both" :
					strcmp(cmds[i].words[w], "<rss>") == 0 ? "ip|udp|none" :
					cmds[i].words[w]);
		fprintf(t->out, "  %-44s %s\n", buf, cmds[i].help);
	}
}

static int
not_found(struct testpmd *t, const char *line)
{
	fprintf(t->out, "Command not found: '%s'. Type 'help' for the list.\n", line);
	return -EINVAL;
}

static int
bad_args(struct testpmd *t, const char *usage)
{
	fprintf(t->out, "Bad arguments: usage: %s\n", usage);
	return -EINVAL;
}

static int
parse_num(const char *s, unsigned long max, unsigned long *v)
{
	char *end;

	if (*s == '\0' || *s == '-' || *s == '+')
		return -EINVAL;
	errno = 0;
	*v = strtoul(s, &end, 10);
	return errno == 0 && *end == '\0' && *v <= max ? 0 : -EINVAL;
}

/* A 32-bit number, decimal or 0x hexadecimal, as DPDK's command line takes it. */
static int
parse_u32(const char *s, uint32_t *v)
{
	unsigned long long x;
	char *end;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	x = strtoull(s, &end, 0);
	if (errno != 0 || *end != '\0' || x > UINT32_MAX)
		return -EINVAL;
	*v = (uint32_t)x;
	return 0;
}

/* One port id (not "all"). */
static int
parse_pid(struct testpmd *t, const char *s, uint16_t *port)
{
	uint16_t ports[TP_MAX_PORTS];

	if (strcmp(s, "all") == 0 || tp_parse_portlist(t, s, ports, false) != 1) {
		if (strcmp(s, "all") == 0)
			fprintf(t->out, "Invalid port 'all': this command takes one port id\n");
		return -EINVAL;
	}
	*port = ports[0];
	return 0;
}

/* read reg <port> <offset>, write reg <port> <offset> <value> */
static int
cmd_reg(struct testpmd *t, char tok[][TOKEN_SIZE], int n)
{
	bool wr = strcmp(tok[0], "write") == 0;
	uint32_t off, v = 0;
	uint16_t port;

	if (n != (wr ? 5 : 4) || strcmp(tok[1], "reg") != 0 || parse_u32(tok[3], &off) != 0 ||
	    (wr && parse_u32(tok[4], &v) != 0))
		return bad_args(t, wr ? "write reg <port> <offset> <value>" :
					"read reg <port> <offset>");
	if (parse_pid(t, tok[2], &port) != 0)
		return -EINVAL;
	return wr ? tp_write_reg(t, port, off, v) : tp_read_reg(t, port, off);
}

/* "0,1" or "0-3,5": port ids (checked later), at most @max. @return count or -EINVAL. */
static int
parse_port_ids(const char *s, uint16_t *ports, unsigned int max)
{
	unsigned long a, b, i;
	unsigned int n = 0;
	char *end;

	for (;;) {
		if (*s < '0' || *s > '9')
			return -EINVAL;
		a = strtoul(s, &end, 10);
		b = a;
		if (*end == '-') {
			s = end + 1;
			if (*s < '0' || *s > '9')
				return -EINVAL;
			b = strtoul(s, &end, 10);
		}
		if (a > b || b >= TP_MAX_PORTS || n + (b - a + 1) > max)
			return -EINVAL;
		for (i = a; i <= b; i++) {
			for (unsigned int k = 0; k < n; k++)
				if (ports[k] == i)
					return -EINVAL;	/* a port twice */
			ports[n++] = (uint16_t)i;
		}
		if (*end == '\0')
			return (int)n;
		if (*end != ',')
			return -EINVAL;
		s = end + 1;
	}
}

/* Run @fn on every port @arg names. */
static int
for_ports(struct testpmd *t, const char *arg, int (*fn)(struct testpmd *, uint16_t))
{
	uint16_t ports[TP_MAX_PORTS];
	int n, i, ret = 0, r;

	n = tp_parse_portlist(t, arg, ports, false);
	if (n < 0)
		return n;
	for (i = 0; i < n; i++) {
		r = fn(t, ports[i]);
		if (r != 0 && ret == 0)
			ret = r;
	}
	return ret;
}

static int
show_info(struct testpmd *t, uint16_t p)
{
	tp_show_port_info(t, p);
	return 0;
}

static int
show_stats(struct testpmd *t, uint16_t p)
{
	tp_show_port_stats(t, p);
	return 0;
}

static int
show_xstats(struct testpmd *t, uint16_t p)
{
	tp_show_port_xstats(t, p);
	return 0;
}

static int
clear_stats(struct testpmd *t, uint16_t p)
{
	tp_clear_port_stats(t, p);
	return 0;
}

static int
cmd_start(struct testpmd *t, char tok[][TOKEN_SIZE], int n)
{
	unsigned long v = 1;

	if (n == 1)
		return tp_fwd_start(t, 0);
	if (strcmp(tok[1], "tx_first") != 0 || n > 3 ||
	    (n == 3 && (parse_num(tok[2], 1000000, &v) != 0 || v == 0)))
		return bad_args(t, "start [tx_first [n]]  (n from 1)");
	return tp_fwd_start(t, (unsigned int)v);
}

static int
cmd_show(struct testpmd *t, char tok[][TOKEN_SIZE], int n)
{
	uint16_t port;

	/* show port <pid> rss-hash [key] | module_eeprom */
	if (n >= 4 && strcmp(tok[1], "port") == 0 &&
	    (strcmp(tok[3], "rss-hash") == 0 || strcmp(tok[3], "module_eeprom") == 0)) {
		if ((tok[3][0] == 'r' && n == 5 && strcmp(tok[4], "key") != 0) ||
		    n > (tok[3][0] == 'r' ? 5 : 4))
			return bad_args(t, "show port <port> rss-hash [key] | show port <port> "
					"module_eeprom");
		if (parse_pid(t, tok[2], &port) != 0)
			return -EINVAL;
		if (tok[3][0] == 'm')
			return tp_show_module_eeprom(t, port);
		return tp_show_rss_hash(t, port, n == 5);
	}
	if (n == 4 && strcmp(tok[1], "port") == 0 && strcmp(tok[2], "summary") == 0) {
		if (strcmp(tok[3], "all") != 0)
			return bad_args(t, "show port summary all");
		tp_show_port_summary(t);
		return 0;
	}
	if (n == 4 && strcmp(tok[1], "port") == 0) {
		if (strcmp(tok[2], "info") == 0)
			return for_ports(t, tok[3], show_info);
		if (strcmp(tok[2], "stats") == 0)
			return for_ports(t, tok[3], show_stats);
		if (strcmp(tok[2], "xstats") == 0)
			return for_ports(t, tok[3], show_xstats);
		return bad_args(t, "show port info|stats|xstats all|<port> | show port summary all");
	}
	if (n >= 2 && strcmp(tok[1], "port") == 0)
		return bad_args(t, "show port info|stats|xstats all|<port> | show port summary all");
	if (n == 4 && strcmp(tok[1], "fwd") == 0 && strcmp(tok[2], "stats") == 0 &&
	    strcmp(tok[3], "all") == 0) {
		tp_show_fwd_stats(t);
		return 0;
	}
	if (n >= 2 && strcmp(tok[1], "fwd") == 0)
		return bad_args(t, "show fwd stats all");
	if (n == 3 && strcmp(tok[1], "config") == 0 && strcmp(tok[2], "fwd") == 0) {
		tp_show_config_fwd(t);
		return 0;
	}
	if (n == 3 && strcmp(tok[1], "config") == 0 && strcmp(tok[2], "rxtx") == 0) {
		tp_show_config_rxtx(t);
		return 0;
	}
	if (n >= 2 && strcmp(tok[1], "config") == 0)
		return bad_args(t, "show config fwd|rxtx");
	if (n == 2 && strcmp(tok[1], "capture") == 0) {
		tp_capture_show(t);
		return 0;
	}
	return bad_args(t, "show port ... | show fwd stats all | show config fwd|rxtx");
}

static int
cmd_set(struct testpmd *t, char tok[][TOKEN_SIZE], int n)
{
	uint16_t segs[TP_MAX_TXSEGS], ports[TP_MAX_PORTS];
	unsigned long v;
	int i, np, ret = 0;

	if (n >= 2 && strcmp(tok[1], "fwd") == 0) {
		if (n != 3)
			return bad_args(t, "set fwd io|mac|macswap|txonly|rxonly|csum|icmpecho|flowgen|5tswap");
		return tp_set_fwd(t, tok[2]);
	}
	if (n >= 2 && strcmp(tok[1], "burst") == 0) {
		if (n != 3 || parse_num(tok[2], TP_MAX_BURST, &v) != 0 || v == 0)
			return bad_args(t, "set burst <1..512>");
		return tp_set_burst(t, (unsigned int)v);
	}
	if (n >= 2 && strcmp(tok[1], "txpkts") == 0) {
		if (n != 3 || (np = tp_parse_txpkts(tok[2], segs, TP_MAX_TXSEGS)) < 0)
			return bad_args(t, "set txpkts X[,Y]*  (up to 8 lengths, the first at least 42)");
		return tp_set_txpkts(t, segs, (unsigned int)np);
	}
	if (n >= 2 && strcmp(tok[1], "nbcore") == 0) {
		if (n != 3 || parse_num(tok[2], VDK_MAX_LCORE, &v) != 0)
			return bad_args(t, "set nbcore <n>");
		return tp_set_nbcore(t, (unsigned int)v);
	}
	if (n >= 2 && strcmp(tok[1], "promisc") == 0) {
		if (n != 4 || (strcmp(tok[3], "on") != 0 && strcmp(tok[3], "off") != 0))
			return bad_args(t, "set promisc all|<port> on|off");
		np = tp_parse_portlist(t, tok[2], ports, false);
		if (np < 0)
			return np;
		for (i = 0; i < np; i++)
			if (tp_set_promisc(t, ports[i], strcmp(tok[3], "on") == 0) != 0)
				ret = -EIO;
		return ret;
	}
	if (n >= 2 && strcmp(tok[1], "record-burst-stats") == 0) {
		if (n != 3 || (strcmp(tok[2], "on") != 0 && strcmp(tok[2], "off") != 0))
			return bad_args(t, "set record-burst-stats on|off");
		return tp_set_record_burst_stats(t, strcmp(tok[2], "on") == 0);
	}
	if (n >= 2 && (strcmp(tok[1], "link-up") == 0 || strcmp(tok[1], "link-down") == 0)) {
		if (n != 4 || strcmp(tok[2], "port") != 0)
			return bad_args(t, "set link-up|link-down port <port>");
		if (parse_pid(t, tok[3], &ports[0]) != 0)
			return -EINVAL;
		return tp_set_link(t, ports[0], strcmp(tok[1], "link-up") == 0);
	}
	if (n >= 2 && strcmp(tok[1], "allmulti") == 0) {
		if (n != 4 || (strcmp(tok[3], "on") != 0 && strcmp(tok[3], "off") != 0))
			return bad_args(t, "set allmulti all|<port> on|off");
		np = tp_parse_portlist(t, tok[2], ports, false);
		if (np < 0)
			return np;
		for (i = 0; i < np; i++)
			if (tp_set_allmulti(t, ports[i], strcmp(tok[3], "on") == 0) != 0)
				ret = -EIO;
		return ret;
	}
	if (n >= 2 && strcmp(tok[1], "eth-peer") == 0) {
		struct vdk_ether_addr mac;

		if (n != 4 || vdk_ether_unformat_addr(tok[3], &mac) != 0)
			return bad_args(t, "set eth-peer <port> XX:XX:XX:XX:XX:XX");
		if (parse_pid(t, tok[2], &ports[0]) != 0)
			return -EINVAL;
		return tp_set_eth_peer(t, ports[0], &mac);
	}
	if (n >= 2 && strcmp(tok[1], "verbose") == 0) {
		if (n != 3 || parse_num(tok[2], 255, &v) != 0)
			return bad_args(t, "set verbose <0..255>  (1 rx, 2 tx, 3 both)");
		return tp_set_verbose(t, (unsigned int)v);
	}
	if (n >= 2 && strcmp(tok[1], "portlist") == 0) {
		if (n != 3 || (np = parse_port_ids(tok[2], ports, TP_MAX_PORTS)) <= 0)
			return bad_args(t, "set portlist <port>[,<port>|<first>-<last>]*");
		return tp_set_portlist(t, ports, (unsigned int)np);
	}
	return bad_args(t, "set fwd|burst|txpkts|nbcore|promisc|record-burst-stats|link-up|"
			"link-down|allmulti|eth-peer|verbose|portlist ...");
}

static int
cmd_mac_addr(struct testpmd *t, char tok[][TOKEN_SIZE], int n)
{
	struct vdk_ether_addr mac;
	uint16_t port;

	if (n != 4 || strcmp(tok[1], "set") != 0 || vdk_ether_unformat_addr(tok[3], &mac) != 0)
		return bad_args(t, "mac_addr set <port> XX:XX:XX:XX:XX:XX");
	if (parse_pid(t, tok[2], &port) != 0)
		return -EINVAL;
	return tp_set_mac(t, port, &mac);
}

/* port config all rxq|txq|rxd|txd N, port config mtu P M, port config P mtu M */
static int
cmd_port_config(struct testpmd *t, char tok[][TOKEN_SIZE], int n)
{
	static const char usage[] = "port config all rxq|txq|rxd|txd <n> | port config all rss "
				    "ip|udp|none | port config mtu <port> <mtu> | port config "
				    "<port> mtu <mtu>";
	const char *pid = NULL;
	unsigned long v;
	uint16_t port;

	if (n != 5)
		return bad_args(t, usage);
	if (strcmp(tok[2], "all") == 0 && strcmp(tok[3], "rss") == 0) {
		if (strcmp(tok[4], "ip") != 0 && strcmp(tok[4], "udp") != 0 &&
		    strcmp(tok[4], "none") != 0)
			return bad_args(t, "port config all rss ip|udp|none");
		return tp_port_config_rss(t, tok[4]);
	}
	if (strcmp(tok[2], "all") == 0) {
		if (parse_num(tok[4], UINT16_MAX, &v) != 0)
			return bad_args(t, usage);
		return tp_port_config_all(t, tok[3], (unsigned int)v);
	}
	if (strcmp(tok[2], "mtu") == 0)
		pid = tok[3];
	else if (strcmp(tok[3], "mtu") == 0)
		pid = tok[2];
	if (pid == NULL || parse_num(tok[4], UINT16_MAX, &v) != 0)
		return bad_args(t, usage);
	if (parse_pid(t, pid, &port) != 0)
		return -EINVAL;
	return tp_port_config_mtu(t, port, (unsigned int)v);
}

static int
cmd_port(struct testpmd *t, char tok[][TOKEN_SIZE], int n)
{
	if (n >= 2 && strcmp(tok[1], "config") == 0)
		return cmd_port_config(t, tok, n);
	if (n != 3)
		return bad_args(t, "port start|stop|close|detach|reset all|<port>, port attach <bdf>");
	if (strcmp(tok[1], "start") == 0)
		return for_ports(t, tok[2], tp_port_start);
	if (strcmp(tok[1], "stop") == 0)
		return for_ports(t, tok[2], tp_port_stop);
	if (strcmp(tok[1], "close") == 0)
		return for_ports(t, tok[2], tp_port_close);
	if (strcmp(tok[1], "attach") == 0)
		return tp_port_attach(t, tok[2]);
	if (strcmp(tok[1], "detach") == 0)
		return for_ports(t, tok[2], tp_port_detach);
	if (strcmp(tok[1], "reset") == 0)
		return for_ports(t, tok[2], tp_port_reset);
	return bad_args(t, "port start|stop|close|detach|reset all|<port>, port attach <bdf>");
}

int
tp_cmd_exec(struct testpmd *t, const char *line)
{
	char tok[MAX_TOKENS][TOKEN_SIZE];
	int n = tokenize(line, tok);

	if (n == 0)
		return 0;
	if (n < 0)
		return not_found(t, line);
	if (strcmp(tok[0], "help") == 0) {
		if (n != 1)
			return bad_args(t, "help");
		print_help(t);
		return 0;
	}
	if (strcmp(tok[0], "quit") == 0) {
		if (n != 1)
			return bad_args(t, "quit");
		return 1;
	}
	if (strcmp(tok[0], "start") == 0)
		return cmd_start(t, tok, n);
	if (strcmp(tok[0], "stop") == 0) {
		if (n != 1)
			return bad_args(t, "stop");
		return tp_fwd_stop(t);
	}
	if (strcmp(tok[0], "show") == 0)
		return cmd_show(t, tok, n);
	if (strcmp(tok[0], "clear") == 0) {
		if (n == 4 && strcmp(tok[1], "fwd") == 0 && strcmp(tok[2], "stats") == 0 &&
		    strcmp(tok[3], "all") == 0) {
			tp_clear_fwd_stats(t);
			return 0;
		}
		if (n != 4 || strcmp(tok[1], "port") != 0 || strcmp(tok[2], "stats") != 0)
			return bad_args(t, "clear port stats all|<port> | clear fwd stats all");
		return for_ports(t, tok[3], clear_stats);
	}
	if (strcmp(tok[0], "mac_addr") == 0)
		return cmd_mac_addr(t, tok, n);
	if (strcmp(tok[0], "read") == 0 || strcmp(tok[0], "write") == 0)
		return cmd_reg(t, tok, n);
	if (strcmp(tok[0], "load") == 0) {
		if (n != 2)
			return bad_args(t, "load <file>");
		return tp_cli_load(t, tok[1]);
	}
	if (strcmp(tok[0], "set") == 0)
		return cmd_set(t, tok, n);
	if (strcmp(tok[0], "port") == 0)
		return cmd_port(t, tok, n);
	if (strcmp(tok[0], "capture") == 0) {
		const char *argv[MAX_TOKENS];

		for (int i = 0; i < n; i++)
			argv[i] = tok[i];
		return tp_capture_cmd(t, n, argv);
	}
	return not_found(t, line);
}

/* ---- completion ---- */

static const char *const engine_words[] = { "io", "mac", "macswap", "txonly", "rxonly",
					    "csum", "icmpecho", "flowgen", "5tswap" };
static const char *const onoff_words[] = { "on", "off" };
static const char *const qparam_words[] = { "rxq", "txq", "rxd", "txd" };
static const char *const rss_words[] = { "ip", "udp", "none" };
static char port_words[TP_MAX_PORTS + 1][4];

static bool
word_accepts(const char *w, const char *tok)
{
	unsigned int i;

	if (strcmp(w, "<mode>") == 0)
		return fwd_engine_find(tok) != NULL;
	if (strcmp(w, "<onoff>") == 0)
		return strcmp(tok, "on") == 0 || strcmp(tok, "off") == 0;
	if (strcmp(w, "<qparam>") == 0) {
		for (i = 0; i < VDK_DIM(qparam_words); i++)
			if (strcmp(tok, qparam_words[i]) == 0)
				return true;
		return false;
	}
	if (strcmp(w, "<pid>") == 0)
		return strcmp(tok, "all") != 0;
	if (w[0] == '<' || w[0] == '[')
		return true;	/* anything may be typed there */
	return strcmp(w, tok) == 0;
}

static unsigned int
add(const char **out, unsigned int n, unsigned int max, const char *cand, const char *prefix)
{
	unsigned int i;

	if (n == max || strncmp(cand, prefix, strlen(prefix)) != 0)
		return n;
	for (i = 0; i < n; i++)
		if (strcmp(out[i], cand) == 0)
			return n;
	out[n] = cand;
	return n + 1;
}

unsigned int
tp_cmd_complete(const char *line, const char **out, unsigned int max)
{
	char tok[MAX_TOKENS][TOKEN_SIZE];
	const char *prefix = "";
	unsigned int i, k, n = 0, np = 0;
	int nt;
	size_t len = strlen(line);
	uint16_t p;

	nt = tokenize(line, tok);
	if (nt < 0)
		return 0;
	/* A last word not followed by a space is the one being completed. */
	if (nt > 0 && len > 0 && line[len - 1] != ' ' && line[len - 1] != '\t')
		prefix = tok[--nt];
	for (i = 0; i < VDK_DIM(cmds); i++) {
		const char *const *w = cmds[i].words;

		for (k = 0; k < (unsigned int)nt; k++)
			if (k >= VDK_DIM(cmds[i].words) || w[k] == NULL || !word_accepts(w[k], tok[k]))
				break;
		if (k != (unsigned int)nt || k >= VDK_DIM(cmds[i].words) || w[k] == NULL)
			continue;
		if (strcmp(w[k], "<mode>") == 0) {
			for (p = 0; p < VDK_DIM(engine_words); p++)
				n = add(out, n, max, engine_words[p], prefix);
		} else if (strcmp(w[k], "<onoff>") == 0) {
			n = add(out, n, max, onoff_words[0], prefix);
			n = add(out, n, max, onoff_words[1], prefix);
		} else if (strcmp(w[k], "<qparam>") == 0) {
			for (p = 0; p < VDK_DIM(qparam_words); p++)
				n = add(out, n, max, qparam_words[p], prefix);
		} else if (strcmp(w[k], "<rss>") == 0) {
			for (p = 0; p < VDK_DIM(rss_words); p++)
				n = add(out, n, max, rss_words[p], prefix);
		} else if (strcmp(w[k], "[key]") == 0) {
			n = add(out, n, max, "key", prefix);
		} else if (strcmp(w[k], "<port>") == 0 || strcmp(w[k], "<pid>") == 0) {
			if (strcmp(w[k], "<port>") == 0)
				n = add(out, n, max, "all", prefix);
			if (np == 0) {
				VDK_ETH_FOREACH_DEV(p) {
					snprintf(port_words[np], sizeof(port_words[np]), "%u", p);
					np++;
				}
			}
			for (p = 0; p < np; p++)
				n = add(out, n, max, port_words[p], prefix);
		} else if (w[k][0] != '<' && w[k][0] != '[') {
			n = add(out, n, max, w[k], prefix);
		}
	}
	return n;
}
