/* SPDX-License-Identifier: BSD-3-Clause */
/* net_af_xdp: what its control path and its datapath share. */
#ifndef AF_XDP_INTERNAL_H
#define AF_XDP_INTERNAL_H

#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>
#include <xdp/xsk.h>

#include "vdk_ethdev_driver.h"

#define AXDP_MAX_QPAIRS 16
/*
 * The UMEM of a queue pair: 2 KiB frames (aligned mode), half of them
 * posted to the fill ring for receive, half for transmit. 8 MiB a pair.
 */
#define AXDP_FRAME_SIZE 2048u
#define AXDP_RING_SIZE 2048u
#define AXDP_NB_FRAMES (2 * AXDP_RING_SIZE)

struct axdp_qpair;

struct axdp_rxq {
	struct axdp_qpair *qp;
	struct xsk_ring_cons rx;
	struct xsk_ring_prod fill;
	struct vdk_mempool *mp;
	uint16_t port_id;
	bool busy_poll;		/* drive the driver's NAPI from rx when the ring is empty */
	uint64_t pkts;
	uint64_t bytes;
	uint64_t nombuf;
} vdk_cache_aligned;

struct axdp_txq {
	struct axdp_qpair *qp;
	struct xsk_ring_prod tx;
	struct xsk_ring_cons comp;
	uint64_t *free_frames;	/* UMEM addresses of tx frames not in flight */
	uint32_t nb_free;
	bool kick_always;	/* copy mode: the kernel sends only from sendto() */
	uint64_t pkts;
	uint64_t bytes;
	uint64_t errors;	/* too long for a frame, or the kick failed */
} vdk_cache_aligned;

struct axdp_qpair {
	int fd;
	void *umem_area;
	struct xsk_umem *umem;
	struct xsk_socket *xsk;
	struct axdp_rxq rxq;
	struct axdp_txq txq;
	uint64_t tx_frames[AXDP_RING_SIZE];
};

uint16_t axdp_rx_burst(void *q, struct vdk_mbuf **pkts, uint16_t n);
uint16_t axdp_tx_burst(void *q, struct vdk_mbuf **pkts, uint16_t n);

#endif /* AF_XDP_INTERNAL_H */
