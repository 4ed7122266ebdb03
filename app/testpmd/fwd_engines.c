/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The simple forwarding engines: io (as received), rxonly (receive and
 * drop), mac (rewrite both addresses for the peer) and macswap (swap them).
 * One call is one burst of one stream, done completely, so an engine
 * switch between two calls loses nothing.
 */
#include <string.h>

#include "testpmd.h"
#include "vdk_mbuf.h"

void
fwd_drop_unsent(struct fwd_stream *fs, struct vdk_mbuf **pkts, uint16_t sent, uint16_t n)
{
	if (vdk_likely(sent == n))
		return;
	fs->fwd_dropped += n - sent;
	vdk_pktmbuf_free_bulk(&pkts[sent], n - sent);
}

static void
fwd_io(struct fwd_stream *fs, const struct fwd_config *cfg)
{
	struct vdk_mbuf *pkts[TP_MAX_BURST];
	uint16_t n;

	n = fwd_rx(fs, cfg, pkts);
	if (n == 0)
		return;
	fwd_tx(fs, cfg, pkts, n);
}

static void
fwd_rxonly(struct fwd_stream *fs, const struct fwd_config *cfg)
{
	struct vdk_mbuf *pkts[TP_MAX_BURST];
	uint16_t n;

	n = fwd_rx(fs, cfg, pkts);
	if (n == 0)
		return;
	vdk_pktmbuf_free_bulk(pkts, n);
}

static void
fwd_mac(struct fwd_stream *fs, const struct fwd_config *cfg)
{
	const struct vdk_ether_addr *dst = &cfg->peer_addr[fs->tx_port];
	const struct vdk_ether_addr *src = &cfg->port_addr[fs->tx_port];
	struct vdk_mbuf *pkts[TP_MAX_BURST];
	struct vdk_ether_hdr *eth;
	uint16_t n, i;

	n = fwd_rx(fs, cfg, pkts);
	if (n == 0)
		return;
	for (i = 0; i < n; i++) {
		if (vdk_unlikely(pkts[i]->data_len < VDK_ETHER_HDR_LEN))
			continue;	/* a runt: nothing to rewrite */
		eth = vdk_pktmbuf_mtod(pkts[i], struct vdk_ether_hdr *);
		vdk_ether_addr_copy(dst, &eth->dst_addr);
		vdk_ether_addr_copy(src, &eth->src_addr);
	}
	fwd_tx(fs, cfg, pkts, n);
}

static void
fwd_macswap(struct fwd_stream *fs, const struct fwd_config *cfg)
{
	struct vdk_mbuf *pkts[TP_MAX_BURST];
	struct vdk_ether_addr tmp;
	struct vdk_ether_hdr *eth;
	uint16_t n, i;

	n = fwd_rx(fs, cfg, pkts);
	if (n == 0)
		return;
	for (i = 0; i < n; i++) {
		if (vdk_unlikely(pkts[i]->data_len < VDK_ETHER_HDR_LEN))
			continue;
		eth = vdk_pktmbuf_mtod(pkts[i], struct vdk_ether_hdr *);
		vdk_ether_addr_copy(&eth->dst_addr, &tmp);
		vdk_ether_addr_copy(&eth->src_addr, &eth->dst_addr);
		vdk_ether_addr_copy(&tmp, &eth->src_addr);
	}
	fwd_tx(fs, cfg, pkts, n);
}

const struct fwd_engine fwd_io_engine = { .name = "io", .fwd = fwd_io };
const struct fwd_engine fwd_rxonly_engine = { .name = "rxonly", .fwd = fwd_rxonly };
const struct fwd_engine fwd_mac_engine = { .name = "mac", .fwd = fwd_mac };
const struct fwd_engine fwd_macswap_engine = { .name = "macswap", .fwd = fwd_macswap };

static const struct fwd_engine *const engines[] = {
	&fwd_io_engine, &fwd_mac_engine, &fwd_macswap_engine,
	&fwd_txonly_engine, &fwd_rxonly_engine, &fwd_csum_engine, &fwd_icmpecho_engine,
	&fwd_flowgen_engine, &fwd_5tswap_engine,
};

const struct fwd_engine *
fwd_engine_find(const char *name)
{
	unsigned int i;

	if (name == NULL)
		return NULL;
	for (i = 0; i < VDK_DIM(engines); i++)
		if (strcmp(engines[i]->name, name) == 0)
			return engines[i];
	return NULL;
}

const char *
fwd_engine_names(void)
{
	return "io|mac|macswap|txonly|rxonly|csum|icmpecho|flowgen|5tswap";
}
