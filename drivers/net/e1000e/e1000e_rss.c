/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * net_e1000e receive side scaling: the 82574L hashes each received IPv4
 * or IPv6 packet (addresses, and TCP ports if asked; never UDP ports) with
 * a Toeplitz key and sends it to the rx queue its 128-entry redirection
 * table names ("Receive-Side Scaling (RSS)", datasheet chapter 7; the
 * MRQC, RETA and RSSRK register descriptions). RSS needs the extended
 * receive descriptors (RFCTL.EXTEN), whose write-back carries the hash
 * instead of the packet checksum (RXCSUM.PCSD); QEMU's e1000e model
 * hashes only then too. The datapath is e1000e_rxtx.c's; only the
 * registers live here.
 */
#include <string.h>

#include "e1000e_internal.h"

/* What the 82574L hashes; UDP ports it does not. */
#define E1000E_RSS_CAPA (VDK_ETH_RSS_IPV4 | VDK_ETH_RSS_NONFRAG_IPV4_TCP | VDK_ETH_RSS_IPV6 | \
			 VDK_ETH_RSS_NONFRAG_IPV6_TCP | VDK_ETH_RSS_IPV6_TCP_EX | \
			 VDK_ETH_RSS_IPV6_EX)

/*
 * The key Microsoft's RSS specification verifies hashes with, which most
 * drivers (DPDK's among them) start from.
 */
static const uint8_t default_key[E1000E_RSS_KEY_SIZE] = {
	0x6d, 0x5a, 0x56, 0xda, 0x25, 0x5b, 0x0e, 0xc2, 0x41, 0x67,
	0x25, 0x3d, 0x43, 0xa3, 0x8f, 0xb0, 0xd0, 0xca, 0x2b, 0xcb,
	0xae, 0x7b, 0x30, 0xb4, 0x77, 0xcb, 0x2d, 0xa3, 0x80, 0x30,
	0xf2, 0x0c, 0x6a, 0x42, 0xb7, 0x3b, 0xbe, 0xac, 0x01, 0xfa,
};

/* MRQC for the flow types @hf: RSS on, and which headers are hashed. */
static uint32_t
mrqc_of(uint64_t hf)
{
	uint32_t mrqc = 0;

	if (hf == 0)
		return 0;
	if (hf & VDK_ETH_RSS_IPV4)
		mrqc |= E1000E_MRQC_IPV4;
	if (hf & VDK_ETH_RSS_NONFRAG_IPV4_TCP)
		mrqc |= E1000E_MRQC_TCPIPV4;
	if (hf & VDK_ETH_RSS_IPV6)
		mrqc |= E1000E_MRQC_IPV6;
	if (hf & VDK_ETH_RSS_IPV6_EX)
		mrqc |= E1000E_MRQC_IPV6EX;
	if (hf & (VDK_ETH_RSS_NONFRAG_IPV6_TCP | VDK_ETH_RSS_IPV6_TCP_EX))
		mrqc |= E1000E_MRQC_TCPIPV6;
	return mrqc | E1000E_MRQC_RSS_EN;
}

/* The key, byte 0 in the low byte of RSSRK0, and MRQC last: it turns RSS on. */
static void
hash_write(struct e1000e_port *p)
{
	const uint8_t *k = p->rss.key;
	unsigned int i;

	for (i = 0; i < E1000E_RSS_KEY_SIZE / 4; i++)
		e1000e_write(p, E1000E_RSSRK + 4 * i,
			     (uint32_t)k[4 * i] | (uint32_t)k[4 * i + 1] << 8 |
			     (uint32_t)k[4 * i + 2] << 16 | (uint32_t)k[4 * i + 3] << 24);
	e1000e_write(p, E1000E_MRQC, mrqc_of(p->rss.hf));
}

/* Four entries a register, entry 4i in the low byte; bit 7 picks queue 1. */
static void
reta_write(struct e1000e_port *p)
{
	unsigned int i, j;
	uint32_t v;

	for (i = 0; i < E1000E_RETA_SIZE / 4; i++) {
		v = 0;
		for (j = 0; j < 4; j++)
			if (p->rss.reta[4 * i + j] != 0)
				v |= E1000E_RETA_QUEUE1 << (8 * j);
		e1000e_write(p, E1000E_RETA + 4 * i, v);
	}
}

void
e1000e_rss_reset(struct e1000e_port *p)
{
	uint16_t nb_rxq = VDK_MAX(p->eth.nb_rx_queues, 1);
	unsigned int i;

	p->rss.hf = p->eth.conf.rss;
	memcpy(p->rss.key, default_key, sizeof(p->rss.key));
	for (i = 0; i < E1000E_RETA_SIZE; i++)
		p->rss.reta[i] = (uint8_t)(i % nb_rxq);
}

void
e1000e_rss_start(struct e1000e_port *p)
{
	e1000e_write(p, E1000E_RFCTL, E1000E_RFCTL_EXTEN);
	e1000e_write(p, E1000E_RXCSUM, E1000E_RXCSUM_PCSD);
	reta_write(p);
	hash_write(p);
}

static void
e1000e_rss_capa_get(struct vdk_eth_dev *dev, struct vdk_eth_rss_capa *capa)
{
	(void)dev;
	capa->flow_type_rss_offloads = E1000E_RSS_CAPA;
	capa->reta_size = E1000E_RETA_SIZE;
	capa->hash_key_size = E1000E_RSS_KEY_SIZE;
}

/* ethdev checked the flow types and the key; the registers take them at once. */
static int
e1000e_rss_hash_update(struct vdk_eth_dev *dev, const struct vdk_eth_rss_conf *conf)
{
	struct e1000e_port *p = e1000e_port(dev);

	p->rss.hf = conf->rss_hf;
	if (conf->rss_key != NULL)
		memcpy(p->rss.key, conf->rss_key, sizeof(p->rss.key));
	hash_write(p);
	return 0;
}

static int
e1000e_rss_hash_conf_get(struct vdk_eth_dev *dev, struct vdk_eth_rss_conf *conf)
{
	struct e1000e_port *p = e1000e_port(dev);

	conf->rss_hf = p->rss.hf;
	if (conf->rss_key != NULL)
		memcpy(conf->rss_key, p->rss.key, sizeof(p->rss.key));
	return 0;
}

static int
e1000e_rss_reta_update(struct vdk_eth_dev *dev, const struct vdk_eth_rss_reta_entry64 *reta,
		       uint16_t size)
{
	struct e1000e_port *p = e1000e_port(dev);
	unsigned int i, j;

	for (i = 0; i < size; i++) {
		j = i % VDK_ETH_RETA_GROUP_SIZE;
		if ((reta[i / VDK_ETH_RETA_GROUP_SIZE].mask >> j) & 1)
			p->rss.reta[i] = (uint8_t)reta[i / VDK_ETH_RETA_GROUP_SIZE].reta[j];
	}
	reta_write(p);
	return 0;
}

static int
e1000e_rss_reta_query(struct vdk_eth_dev *dev, struct vdk_eth_rss_reta_entry64 *reta,
		      uint16_t size)
{
	struct e1000e_port *p = e1000e_port(dev);
	unsigned int i, j;

	for (i = 0; i < size; i++) {
		j = i % VDK_ETH_RETA_GROUP_SIZE;
		if ((reta[i / VDK_ETH_RETA_GROUP_SIZE].mask >> j) & 1)
			reta[i / VDK_ETH_RETA_GROUP_SIZE].reta[j] = p->rss.reta[i];
	}
	return 0;
}

const struct vdk_eth_rss_ops e1000e_rss_ops = {
	.capa_get = e1000e_rss_capa_get,
	.hash_update = e1000e_rss_hash_update,
	.hash_conf_get = e1000e_rss_hash_conf_get,
	.reta_update = e1000e_rss_reta_update,
	.reta_query = e1000e_rss_reta_query,
};
