/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * net_af_xdp's queue pairs: one AF_XDP socket each, open from start to
 * stop, with a UMEM over the memory of the rx queue's mbuf pool, as DPDK's
 * net_af_xdp lays it: the pool's one page-aligned area
 * (vdk_mempool_mem_area()) registered with XDP_UMEM_UNALIGNED_CHUNK_FLAG,
 * each mbuf a chunk that starts at its struct vdk_mbuf, the struct and its
 * private area the chunk's headroom. The kernel then receives into mbufs
 * and sends from them, and VDK copies no frame; stop closes the socket and
 * gives back to the pool every mbuf the kernel still held.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <xdp/libxdp.h>

#include "af_xdp_internal.h"
#include "vdk_log.h"

#define AXDP_LOG(level, fmt, ...) VDK_LOG(level, NET, "af_xdp: " fmt, ##__VA_ARGS__)

#ifndef SO_PREFER_BUSY_POLL
#define SO_PREFER_BUSY_POLL 69
#endif
#ifndef SO_BUSY_POLL_BUDGET
#define SO_BUSY_POLL_BUDGET 70
#endif
/* How long (µs) a busy-polling recvfrom() may spin in the driver. */
#define AXDP_BUSY_POLL_USEC 20

/* How long a start waits for the kernel to release a queue a stop closed: 2 s. */
#define AXDP_BIND_TRIES 200u
#define AXDP_BIND_WAIT_US 10000u

/* The kernel's smallest UMEM chunk (XDP_UMEM_MIN_CHUNK_SIZE, not in the uapi). */
#define AXDP_MIN_CHUNK 2048u

int
axdp_umem_map_init(const char *name, struct vdk_mempool *mp, struct axdp_umem_map *map)
{
	struct vdk_mempool_mem_area area;
	uint32_t headroom = (uint32_t)sizeof(struct vdk_mbuf) + vdk_pktmbuf_priv_size(mp);
	uint32_t page = (uint32_t)sysconf(_SC_PAGESIZE);
	uint32_t chunk = VDK_MIN(headroom + vdk_pktmbuf_data_room_size(mp), page);
	int ret;

	ret = vdk_mempool_mem_area(mp, &area);
	if (ret != 0) {
		AXDP_LOG(ERR, "%s: mbuf pool %s cannot back an AF_XDP UMEM: its mbufs are not in "
			 "one memory area (IOVA mode PA split them into blocks): use IOVA mode VA, "
			 "larger hugepages or a smaller pool", name, mp->name);
		return ret;
	}
	/* The kernel writes a frame XDP_PACKET_HEADROOM into the buffer. */
	if (chunk < AXDP_MIN_CHUNK || chunk < headroom + XDP_PACKET_HEADROOM + VDK_ETHER_HDR_LEN) {
		AXDP_LOG(ERR, "%s: mbuf pool %s cannot back an AF_XDP UMEM: its mbufs (%u bytes "
			 "from struct to buffer end) are smaller than a chunk (%u bytes): give "
			 "the pool a data room of at least %u", name, mp->name,
			 headroom + vdk_pktmbuf_data_room_size(mp), AXDP_MIN_CHUNK,
			 AXDP_MIN_CHUNK - headroom + VDK_ETHER_HDR_LEN);
		return -EINVAL;
	}
	*map = (struct axdp_umem_map){
		.base = area.addr,
		.len = area.len,
		.obj_base = mp->obj_base,
		.stride = mp->total_elt_size,
		.nb_objs = mp->size,
		.headroom = headroom,
		.chunk_size = chunk,
		.mp = mp,
	};
	return 0;
}

/* Every mbuf marked in @bits back to the pool: the kernel let go of them. */
static void
owned_release(const struct axdp_umem_map *map, uint64_t *bits)
{
	uint32_t w, b;

	if (bits == NULL)
		return;
	for (w = 0; w < (map->nb_objs + 63) / 64; w++)
		for (b = 0; bits[w] != 0 && b < 64; b++)
			if (bits[w] & (1ull << b)) {
				bits[w] &= ~(1ull << b);
				vdk_mempool_put(map->mp, map->obj_base + (size_t)(w * 64 + b) *
						map->stride);
			}
}

void
axdp_qpair_close(struct axdp_qpair *qp)
{
	struct xdp_statistics xs;
	socklen_t len = sizeof(xs);

	if (qp->xsk != NULL) {
		/* The next socket's counters start from zero: keep these. */
		if (getsockopt(qp->fd, SOL_XDP, XDP_STATISTICS, &xs, &len) == 0) {
			qp->closed.rx_dropped += xs.rx_dropped;
			qp->closed.rx_invalid_descs += xs.rx_invalid_descs;
			qp->closed.tx_invalid_descs += xs.tx_invalid_descs;
			qp->closed.rx_ring_full += xs.rx_ring_full;
			qp->closed.rx_fill_ring_empty_descs += xs.rx_fill_ring_empty_descs;
			qp->closed.tx_ring_empty_descs += xs.tx_ring_empty_descs;
		}
		xsk_socket__delete(qp->xsk);
		qp->xsk = NULL;
		qp->fd = -1;
	}
	/* Closing the UMEM's descriptor unbinds it: the kernel writes no more to it. */
	if (qp->umem != NULL) {
		xsk_umem__delete(qp->umem);
		qp->umem = NULL;
	}
	owned_release(&qp->rxq.map, qp->rxq.owned);
	owned_release(&qp->txq.map, qp->txq.owned);
	free(qp->rxq.owned);
	free(qp->txq.owned);
	qp->rxq.owned = NULL;
	qp->txq.owned = NULL;
	qp->txq.inflight = 0;
}

void
axdp_socket_error(const char *name, int err)
{
	AXDP_LOG(ERR, "%s: cannot make an AF_XDP socket: %s%s", name, strerror(-err),
		 err == -EPERM || err == -EACCES ? " (needs CAP_NET_RAW and CAP_BPF, or root)" :
		 err == -EAFNOSUPPORT ? " (the kernel has no AF_XDP: CONFIG_XDP_SOCKETS)" : "");
}

static uint32_t
ring_size(uint16_t nb_desc)
{
	uint32_t n = 1;

	while (n < nb_desc)
		n <<= 1;
	return nb_desc == 0 ? AXDP_RING_SIZE : n;
}

/* @nb fresh mbufs of the pool onto the fill ring, each marked as the kernel's. */
static int
fill_post(struct axdp_rxq *q, uint32_t nb)
{
	struct vdk_mbuf **m;
	uint32_t idx = 0, i;

	if (nb == 0)
		return 0;
	m = malloc(nb * sizeof(*m));
	if (m == NULL)
		return -ENOMEM;
	if (vdk_pktmbuf_alloc_bulk(q->map.mp, m, nb) != 0) {
		free(m);
		return -ENOBUFS;
	}
	xsk_ring_prod__reserve(&q->fill, nb, &idx);
	for (i = 0; i < nb; i++) {
		axdp_mark(&q->map, q->owned, m[i]);
		*xsk_ring_prod__fill_addr(&q->fill, idx + i) = axdp_mbuf_addr(&q->map, m[i]);
	}
	xsk_ring_prod__submit(&q->fill, nb);
	free(m);
	return 0;
}

static void
busy_poll_setup(struct axdp_port *p, struct axdp_qpair *qp, uint32_t qid)
{
	int v = 1;

	if (p->busy_budget == 0)
		return;
	if (setsockopt(qp->fd, SOL_SOCKET, SO_PREFER_BUSY_POLL, &v, sizeof(v)) == 0 &&
	    setsockopt(qp->fd, SOL_SOCKET, SO_BUSY_POLL, &(int){ AXDP_BUSY_POLL_USEC },
		       sizeof(int)) == 0 &&
	    setsockopt(qp->fd, SOL_SOCKET, SO_BUSY_POLL_BUDGET, &(int){ (int)p->busy_budget },
		       sizeof(int)) == 0)
		qp->rxq.busy_poll = true;
	else
		AXDP_LOG(INFO, "%s: queue %u: no busy polling (%s): interrupts drive rx",
			 p->vp.eth.name, qid, strerror(errno));
}

/*
 * The UMEM and the socket bound to @qid. The kernel lets go of a closed
 * socket's queue in a work item of its own (xp_release_deferred()), so a
 * start right after a stop may find the queue still bound: retry a bind
 * that fails with EBUSY for a while, each time on a new UMEM (a failed
 * bind leaves the old one's descriptor half set up).
 */
static int
socket_open(struct axdp_port *p, struct axdp_qpair *qp, uint32_t qid,
	    const struct axdp_umem_map *map, const struct xsk_umem_config *ucfg,
	    const struct xsk_socket_config *scfg)
{
	const char *name = p->vp.eth.name;
	unsigned int tries;
	int ret;

	for (tries = 0;; tries++) {
		ret = xsk_umem__create(&qp->umem, map->base, map->len, &qp->rxq.fill,
				       &qp->txq.comp, ucfg);
		if (ret != 0) {
			qp->umem = NULL;
			axdp_socket_error(name, ret);
			return ret;
		}
		ret = xsk_socket__create(&qp->xsk, p->iface, qid, qp->umem, &qp->rxq.rx,
					 &qp->txq.tx, scfg);
		if (ret == 0)
			return 0;
		qp->xsk = NULL;
		xsk_umem__delete(qp->umem);
		qp->umem = NULL;
		if (ret != -EBUSY || tries == AXDP_BIND_TRIES)
			break;
		usleep(AXDP_BIND_WAIT_US);
	}
	AXDP_LOG(ERR, "%s: cannot bind an AF_XDP socket to %s queue %u: %s%s", name,
		 p->iface, qid, strerror(-ret),
		 ret == -EBUSY ? " (another socket or program holds that queue)" :
		 ret == -EPERM ? " (needs CAP_NET_ADMIN, CAP_BPF and CAP_NET_RAW: run as root)" :
		 "");
	return ret;
}

int
axdp_qpair_open(struct axdp_port *p, unsigned int qi)
{
	struct axdp_qpair *qp = &p->qp[qi];
	/* A pair without an rx queue sends from queue 0's pool and posts no fill buffer. */
	struct vdk_mempool *mp = qp->rxq.vq.mp != NULL ? qp->rxq.vq.mp : p->qp[0].rxq.vq.mp;
	uint32_t qid = p->start_queue + qi, rx_size = ring_size(qp->nb_rx_desc);
	uint32_t tx_size = ring_size(qp->nb_tx_desc), words;
	const char *name = p->vp.eth.name;
	struct xsk_umem_config ucfg;
	struct xsk_socket_config scfg = {
		.rx_size = rx_size,
		.tx_size = tx_size,
		.bind_flags = XDP_USE_NEED_WAKEUP | (p->force_copy ? XDP_COPY : 0),
	};
	struct xdp_options opts = { 0 };
	socklen_t len = sizeof(opts);
	struct axdp_umem_map map;
	int ret;

	if (mp == NULL) {
		AXDP_LOG(ERR, "%s: queue %u: no rx queue is set up, so no mbuf pool for the UMEM",
			 name, qid);
		return -EINVAL;
	}
	ret = axdp_umem_map_init(name, mp, &map);
	if (ret != 0)
		return ret;
	qp->rxq.map = map;
	qp->txq.map = map;
	qp->txq.size = tx_size;
	words = (map.nb_objs + 63) / 64;
	qp->rxq.owned = calloc(words, sizeof(uint64_t));
	qp->txq.owned = calloc(words, sizeof(uint64_t));
	if (qp->rxq.owned == NULL || qp->txq.owned == NULL) {
		ret = -ENOMEM;
		goto close;
	}
	ucfg = (struct xsk_umem_config){
		.fill_size = rx_size,
		.comp_size = tx_size,
		.frame_size = map.chunk_size,
		.frame_headroom = map.headroom,
		.flags = XDP_UMEM_UNALIGNED_CHUNK_FLAG,
	};
	ret = socket_open(p, qp, qid, &map, &ucfg, &scfg);
	if (ret != 0)
		goto close;
	qp->fd = xsk_socket__fd(qp->xsk);
	ret = fill_post(&qp->rxq, qp->rxq.vq.mp != NULL ? qp->nb_rx_desc : 0);
	if (ret == -ENOBUFS)
		AXDP_LOG(ERR, "%s: queue %u: mbuf pool %s has %u free mbufs, the fill ring needs "
			 "%u: make the pool larger", name, qid, mp->name,
			 vdk_mempool_avail_count(mp), qp->nb_rx_desc);
	if (ret != 0)
		goto close;
	qp->txq.kick_always = getsockopt(qp->fd, SOL_XDP, XDP_OPTIONS, &opts, &len) == 0 &&
			      !(opts.flags & XDP_OPTIONS_ZEROCOPY);
	busy_poll_setup(p, qp, qid);
	AXDP_LOG(INFO, "%s: %s queue %u: %s mode (%s), UMEM over mbuf pool %s: no copy in VDK, "
		 "XDP program %s%s", name, p->iface, qid,
		 qp->txq.kick_always ? "copy" : "zero-copy",
		 !qp->txq.kick_always ? "the driver moves frames in and out of the mbufs" :
		 p->force_copy ? "force_copy=1: the kernel copies frames in and out of the mbufs" :
		 "the driver has no zero-copy: the kernel copies frames in and out of the mbufs",
		 mp->name, axdp_attach_mode_name(p), qp->rxq.busy_poll ? ", busy polling" : "");
	return 0;
close:
	axdp_qpair_close(qp);
	return ret;
}
