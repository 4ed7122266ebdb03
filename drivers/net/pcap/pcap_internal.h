/* SPDX-License-Identifier: BSD-3-Clause */
/* net_pcap: what its control path and its datapath share. */
#ifndef PCAP_INTERNAL_H
#define PCAP_INTERNAL_H

#include <assert.h>
#include <pcap/pcap.h>
#include <stdbool.h>
#include <stdint.h>

#include "vdk_ethdev_driver.h"

/* The longest frame a port reads or writes: pcap's usual snapshot length. */
#define PCAP_PORT_SNAPLEN 65535

/* A capture preloaded for infinite_rx: frames back to back, replayed in a loop. */
struct pcap_replay {
	uint8_t *data;
	uint32_t *off;		/* where frame i starts in data */
	uint32_t *len;
	uint32_t nb;
	uint32_t next;		/* next frame to hand out */
};

/* The counters, pool and port id first: ethdev's part of a virtual queue. */
struct pcap_rxq {
	struct vdk_eth_vport_rxq vq;	/* errors: frames libpcap could not read */
	pcap_t *pcap;		/* a file or a live interface; NULL: nothing to receive */
	struct pcap_replay *replay;	/* infinite_rx: frames come from here instead */
	bool eof;		/* the file is read to its end */
	/*
	 * A frame read from libpcap that found the pool short: kept (libpcap's
	 * data stays valid until its next call) and handed out first next time.
	 */
	struct pcap_pkthdr *pending_h;
	const u_char *pending_data;
} vdk_cache_aligned;

struct pcap_txq {
	struct vdk_eth_vport_txq vq;	/* errors: too long, or refused by the interface */
	pcap_dumper_t *dumper;	/* tx_pcap: frames go to this file */
	pcap_t *live;		/* tx_iface: frames go out on this interface */
	uint8_t *linear;	/* a chained mbuf is copied here whole */
	uint64_t discarded;	/* no sink: taken and freed, as DPDK's net_pcap does */
} vdk_cache_aligned;

/* The cache lines a burst touches, as before the common part moved in. */
static_assert(sizeof(struct pcap_rxq) == 2 * VDK_CACHE_LINE_SIZE, "pcap_rxq is two cache lines");
static_assert(sizeof(struct pcap_txq) == VDK_CACHE_LINE_SIZE, "pcap_txq is one cache line");

uint16_t pcap_port_rx_burst(void *q, struct vdk_mbuf **pkts, uint16_t n);
uint16_t pcap_port_tx_burst(void *q, struct vdk_mbuf **pkts, uint16_t n);

#endif /* PCAP_INTERNAL_H */
