/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Receive side scaling in testpmd, as DPDK's testpmd has it: ports with
 * more than one rx queue hash the flow types of --rss-ip (the default),
 * --rss-udp or `port config all rss`, each those it can (the rest is said
 * and dropped); `show port N rss-hash [key]` shows them. And `show port N
 * module_eeprom`, which no VDK port can answer (no driver reads a
 * pluggable module's EEPROM), refused in DPDK's words.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "testpmd.h"

/* The flow types ports may hash: what a port cannot do is dropped with DPDK's message. */
static uint64_t
supported_hf(struct testpmd *t, uint16_t port, uint64_t want)
{
	struct vdk_eth_rss_capa capa;
	uint64_t hf;

	if (vdk_eth_dev_rss_capa_get(port, &capa) != 0)
		return 0;
	hf = want & capa.flow_type_rss_offloads;
	if (hf != want)
		fprintf(t->out, "Port %u modified RSS hash function based on hardware support,"
			"requested:%#" PRIx64 " configured:%#" PRIx64 "\n", port, want, hf);
	return hf;
}

uint64_t
tp_port_rss_hf(struct testpmd *t, uint16_t port)
{
	/* DPDK hashes only when there are queues to spread over. */
	if (t->params.nb_rxq <= 1 || t->params.rss == 0)
		return 0;
	return supported_hf(t, port, t->params.rss);
}

int
tp_port_config_rss(struct testpmd *t, const char *type)
{
	struct vdk_eth_rss_conf conf = { 0 };
	uint64_t want;
	bool all = true;
	uint16_t p;
	int ret;

	if (strcmp(type, "ip") == 0)
		want = VDK_ETH_RSS_IP;
	else if (strcmp(type, "udp") == 0)
		want = VDK_ETH_RSS_UDP;
	else if (strcmp(type, "none") == 0)
		want = 0;
	else
		return -EINVAL;
	VDK_ETH_FOREACH_DEV(p) {
		conf.rss_hf = supported_hf(t, p, want);
		ret = vdk_eth_dev_rss_hash_update(p, &conf);
		if (ret != 0) {
			all = false;
			fprintf(t->out, "Configuration of RSS hash at ethernet port %u failed with "
				"error (%d): %s.\n", p, -ret, strerror(-ret));
		}
	}
	/* As DPDK: once every port took it, ports configured later take it too. */
	if (!all)
		return -EIO;
	t->params.rss = want;
	return 0;
}

/* DPDK's names, the groups first (printed when every bit of theirs is set). */
static const struct {
	const char *name;
	uint64_t hf;
} rss_names[] = {
	{ "ip", VDK_ETH_RSS_IP },
	{ "udp", VDK_ETH_RSS_UDP },
	{ "tcp", VDK_ETH_RSS_TCP },
	{ "ipv4", VDK_ETH_RSS_IPV4 },
	{ "ipv4-tcp", VDK_ETH_RSS_NONFRAG_IPV4_TCP },
	{ "ipv4-udp", VDK_ETH_RSS_NONFRAG_IPV4_UDP },
	{ "ipv6", VDK_ETH_RSS_IPV6 },
	{ "ipv6-tcp", VDK_ETH_RSS_NONFRAG_IPV6_TCP },
	{ "ipv6-udp", VDK_ETH_RSS_NONFRAG_IPV6_UDP },
	{ "ipv6-ex", VDK_ETH_RSS_IPV6_EX },
	{ "ipv6-tcp-ex", VDK_ETH_RSS_IPV6_TCP_EX },
};

/* DPDK's answers to a failed query. */
static void
query_error(struct testpmd *t, int ret)
{
	if (ret == -ENOTSUP)
		fprintf(t->out, "operation not supported by device\n");
	else
		fprintf(t->out, "operation failed - diag=%d\n", ret);
}

int
tp_show_rss_hash(struct testpmd *t, uint16_t port, bool key)
{
	uint8_t k[VDK_ETH_RSS_KEY_MAX];
	struct vdk_eth_rss_conf conf = { 0 };
	struct vdk_eth_rss_capa capa;
	unsigned int i;
	int ret;

	ret = vdk_eth_dev_rss_capa_get(port, &capa);
	if (ret == 0 && key) {
		conf.rss_key = k;
		conf.rss_key_len = capa.hash_key_size;
	}
	if (ret == 0)
		ret = vdk_eth_dev_rss_hash_conf_get(port, &conf);
	if (ret != 0) {
		query_error(t, ret);
		return ret;
	}
	if (conf.rss_hf == 0) {
		fprintf(t->out, "RSS disabled\n");
		return 0;
	}
	fprintf(t->out, "RSS functions:\n");
	for (i = 0; i < VDK_DIM(rss_names); i++)
		if ((conf.rss_hf & rss_names[i].hf) == rss_names[i].hf)
			fprintf(t->out, "  %s", rss_names[i].name);
	fprintf(t->out, "\n");
	if (key) {
		fprintf(t->out, "RSS key:\n");
		for (i = 0; i < conf.rss_key_len; i++)
			fprintf(t->out, "%02X", k[i]);
		fprintf(t->out, "\n");
	}
	return 0;
}

int
tp_show_module_eeprom(struct testpmd *t, uint16_t port)
{
	(void)port;
	query_error(t, -ENOTSUP);
	return -ENOTSUP;
}
