/* SPDX-License-Identifier: BSD-3-Clause */
/* net_af_xdp: what its control path and its datapath share. */
#ifndef AF_XDP_INTERNAL_H
#define AF_XDP_INTERNAL_H

#include <assert.h>
#include <linux/if_xdp.h>
#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>
#include <xdp/xsk.h>

#include "vdk_ethdev_driver.h"
#include "vdk_mbuf.h"

#define AXDP_MAX_QPAIRS 16
/* Ring sizes when the application asks for none (the kernel wants powers of two). */
#define AXDP_RING_SIZE 2048u
/* Replacement mbufs an rx burst takes at most: a longer burst returns this many. */
#define AXDP_RX_BURST_MAX 64u

/*
 * Where the mbufs of the pool a UMEM lies over sit in it. The UMEM is the
 * pool's memory area (vdk_mempool_mem_area()), registered in unaligned
 * chunk mode: each mbuf is a chunk that starts at its struct vdk_mbuf, the
 * chunk's headroom is the struct and its private area, so the kernel writes
 * a frame XDP_PACKET_HEADROOM into the mbuf's buffer. UMEM address a is
 * base + a; an mbuf's index in the pool is its offset from obj_base over
 * stride.
 */
struct axdp_umem_map {
	char *base;
	uint64_t len;
	char *obj_base;
	uint32_t stride;
	uint32_t nb_objs;
	uint32_t headroom;	/* struct vdk_mbuf and its private area: to buf_addr */
	uint32_t chunk_size;	/* headroom and buffer, at most a page (the kernel's limit) */
	struct vdk_mempool *mp;
};

/*
 * Bitmaps over the pool's mbufs, one bit a mbuf, say which the kernel
 * holds: the rx queue's those it posted to the fill ring and has not taken
 * off the rx ring, the tx queue's those on the tx or completion ring. Each
 * is written by its own queue's lcore only. At stop every marked mbuf goes
 * back to the pool, wherever in the kernel it was (a copy-mode socket also
 * keeps fill buffers on a list of its own).
 */
static inline bool
axdp_mbuf_index(const struct axdp_umem_map *map, const void *m, uint32_t *idx)
{
	uintptr_t off = (uintptr_t)m - (uintptr_t)map->obj_base;

	if (off >= (uintptr_t)map->nb_objs * map->stride || off % map->stride != 0)
		return false;
	*idx = (uint32_t)(off / map->stride);
	return true;
}

/* Mark @m, an mbuf of the map's pool, as the kernel's. */
static inline void
axdp_mark(const struct axdp_umem_map *map, uint64_t *bits, const struct vdk_mbuf *m)
{
	uint32_t idx = (uint32_t)(((uintptr_t)m - (uintptr_t)map->obj_base) / map->stride);

	bits[idx / 64] |= 1ull << (idx % 64);
}

/* Clear @idx's bit; false if it was not set (not an mbuf this queue gave the kernel). */
static inline bool
axdp_unmark(uint64_t *bits, uint32_t idx)
{
	uint64_t bit = 1ull << (idx % 64);

	if (!(bits[idx / 64] & bit))
		return false;
	bits[idx / 64] &= ~bit;
	return true;
}

/* The UMEM address of @m's chunk. */
static inline uint64_t
axdp_mbuf_addr(const struct axdp_umem_map *map, const struct vdk_mbuf *m)
{
	return (uint64_t)((const char *)m - map->base);
}

struct axdp_qpair;

/*
 * The queues begin with ethdev's part (vdk_eth_vport_rxq/txq): its
 * counters, summed by vdk_eth_vport_stats_get(), and for rx the pool and
 * port id queue setup records. errors counts descriptors that named no
 * mbuf this queue posted (rx) or sent (tx completions), and on tx frames
 * too long for a chunk or a kick that failed.
 */
struct axdp_rxq {
	struct vdk_eth_vport_rxq vq;
	struct axdp_qpair *qp;
	struct xsk_ring_cons rx;
	struct xsk_ring_prod fill;
	struct axdp_umem_map map;
	uint64_t *owned;	/* on the fill ring, in the kernel or on the rx ring */
	bool busy_poll;		/* drive the driver's NAPI from rx when the ring is empty */
} vdk_cache_aligned;

struct axdp_txq {
	struct vdk_eth_vport_txq vq;
	struct axdp_qpair *qp;
	struct xsk_ring_prod tx;
	struct xsk_ring_cons comp;
	struct axdp_umem_map map;
	uint64_t *owned;	/* on the tx ring, in the kernel or on the completion ring */
	uint32_t size;		/* of the tx and completion rings */
	uint32_t inflight;	/* mbufs owned: at most size, so a completion always has room */
	bool kick_always;	/* copy mode: the kernel sends only from sendto() */
	uint64_t copied;	/* from another pool, chained or shared: copied into a UMEM mbuf */
} vdk_cache_aligned;

/* The cache lines a burst touches, as before the common part moved in. */
static_assert(sizeof(struct axdp_rxq) == 4 * VDK_CACHE_LINE_SIZE, "axdp_rxq is four lines");
static_assert(sizeof(struct axdp_txq) == 4 * VDK_CACHE_LINE_SIZE, "axdp_txq is four lines");

/* One socket and its UMEM, open from start to stop. */
struct axdp_qpair {
	int fd;
	struct xsk_umem *umem;
	struct xsk_socket *xsk;
	uint16_t nb_rx_desc;
	uint16_t nb_tx_desc;
	struct xdp_statistics closed;	/* the kernel's counters of sockets stop closed */
	struct axdp_rxq rxq;
	struct axdp_txq txq;
};

/*
 * The queue pairs are an array in the port (allocated with
 * vdk_eth_dev_zalloc(), so each queue starts a cache line): its rx queues
 * and its tx queues are the vport's two arrays, sizeof(struct axdp_qpair)
 * apart.
 */
struct axdp_port {
	struct vdk_eth_vport vp;
	char iface[IF_NAMESIZE];
	int ifindex;
	uint32_t start_queue;
	uint32_t qpairs;
	uint32_t busy_budget;
	bool force_copy;
	int ctl_fd;
	unsigned int old_flags;
	struct axdp_qpair qp[AXDP_MAX_QPAIRS];
};

/*
 * Whether mbuf pool @mp can back a UMEM (its mbufs in one area, each at
 * least a chunk), and if so where they lie in it.
 * @return 0, or -ENOTSUP / -EINVAL with the reason logged for port @name.
 */
int axdp_umem_map_init(const char *name, struct vdk_mempool *mp, struct axdp_umem_map *map);
/* Open queue pair @qi's UMEM and socket and fill its fill ring. @return 0 or -errno, logged. */
int axdp_qpair_open(struct axdp_port *p, unsigned int qi);
/* Close its socket and UMEM and give every mbuf the kernel held back to the pool. */
void axdp_qpair_close(struct axdp_qpair *qp);
/* Log why an AF_XDP socket could not be made (@err a negative errno). */
void axdp_socket_error(const char *name, int err);
/* The attach mode of the interface's XDP program, for the log. */
const char *axdp_attach_mode_name(struct axdp_port *p);

uint16_t axdp_rx_burst(void *q, struct vdk_mbuf **pkts, uint16_t n);
uint16_t axdp_tx_burst(void *q, struct vdk_mbuf **pkts, uint16_t n);

#endif /* AF_XDP_INTERNAL_H */
