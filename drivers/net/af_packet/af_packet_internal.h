/* SPDX-License-Identifier: BSD-3-Clause */
/* net_af_packet: what its control path and its datapath share. */
#ifndef AF_PACKET_INTERNAL_H
#define AF_PACKET_INTERNAL_H

#include <assert.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "vdk_ethdev_driver.h"

#define AFP_MAX_QPAIRS 16

struct afp_txq;

/* The receive ring: TPACKET_V3 blocks the kernel fills and hands over whole. */
struct afp_rxq {
	/* First: ethdev's part (errors: dropped, no room even in a chain). */
	struct vdk_eth_vport_rxq vq;
	int fd;
	struct afp_txq *txq;	/* the pair's tx ring: a pending kick goes to its socket */
	uint8_t *ring;		/* first byte of the mmapped rx ring */
	uint32_t block_size;
	uint32_t nb_blocks;
	uint32_t block;		/* block being read */
	uint32_t left;		/* packets of that block not yet read */
	uint8_t *next_pkt;	/* next packet in that block */
} vdk_cache_aligned;

/* The transmit ring: fixed-size frames, filled in order. */
struct afp_txq {
	/* First: ethdev's part (errors: too long, or refused by the kernel). */
	struct vdk_eth_vport_txq vq;
	int fd;
	uint8_t *ring;		/* first byte of the mmapped tx ring */
	uint32_t frame_size;
	uint32_t frames_per_block;
	uint32_t block_size;
	uint32_t nb_frames;
	uint32_t frame;		/* next frame to fill */
	uint32_t kick_pending;	/* frames requested that the last kick could not send */
} vdk_cache_aligned;

/* The cache lines a burst touches, as before the common part moved in. */
static_assert(sizeof(struct afp_rxq) == 2 * VDK_CACHE_LINE_SIZE, "afp_rxq is two cache lines");
static_assert(sizeof(struct afp_txq) == VDK_CACHE_LINE_SIZE, "afp_txq is one cache line");

/*
 * A packet socket of a queue pair and the rings it carries: both of the
 * pair's, or one of them when the tx ring has a socket apart (tx_apart()).
 */
struct afp_sock {
	struct afp_port *port;
	int fd;
	unsigned int qpair;
	bool rx, tx;		/* the rings it carries */
	void *map;		/* its rings in one mapping, rx first */
	size_t map_len;
	bool fanout_pending;	/* joins the fanout group at start (sock_rings()) */
	pthread_t thread;	/* making its rings, when not the rings thread itself */
	bool threaded;
	int ret;		/* making its rings: 0 or a negative errno */
};

struct afp_port {
	struct vdk_eth_vport vp;
	char iface[IF_NAMESIZE];
	int ifindex;
	unsigned int qpairs;
	uint32_t block_size;
	uint32_t frame_size;
	uint32_t frame_count;
	bool qdisc_bypass;
	int ctl_fd;			/* for the interface ioctls */
	unsigned int old_flags;		/* interface flags at probe, restored at close */
	struct afp_rxq rxq[AFP_MAX_QPAIRS];
	struct afp_txq txq[AFP_MAX_QPAIRS];
	struct afp_sock sock[2 * AFP_MAX_QPAIRS];
	unsigned int nb_socks;
	uint64_t kernel_drops[AFP_MAX_QPAIRS];	/* PACKET_STATISTICS, accumulated */
	/*
	 * The rings are made by a thread of their own, started at probe and
	 * joined by the first op that needs them (afp_rings_wait()): each
	 * ring costs the kernel an RCU grace period, which then passes while
	 * the application builds its pools. It gives every socket but one a
	 * thread of its own, so that the sockets' grace periods overlap.
	 */
	pthread_t rings_thread;
	pthread_mutex_t rings_lock;	/* joins it once: ops may come from two threads */
	bool rings_pending;	/* the thread is not joined yet */
	int rings_ret;		/* its result: 0 or a negative errno */
	uint32_t fanout;	/* PACKET_FANOUT group argument, 0 for none */
};

/* Where packet data starts in a tx frame, as the kernel expects it without TX_HAS_OFF. */
#define AFP_TX_DATA_OFF TPACKET_ALIGN(sizeof(struct tpacket3_hdr))

uint16_t afp_rx_burst(void *q, struct vdk_mbuf **pkts, uint16_t n);
uint16_t afp_tx_burst(void *q, struct vdk_mbuf **pkts, uint16_t n);

#endif /* AF_PACKET_INTERNAL_H */
