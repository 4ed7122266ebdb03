/* SPDX-License-Identifier: BSD-3-Clause */
/* net_memif: what its control path, its control thread and its datapath share. */
#ifndef MEMIF_INTERNAL_H
#define MEMIF_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/un.h>

#include "memif_proto.h"
#include "vdk_ethdev_driver.h"

#define MEMIF_LOG(level, fmt, ...) VDK_LOG(level, NET, "memif: " fmt, ##__VA_ARGS__)

#define MEMIF_MAX_QUEUES 16
#define MEMIF_MAX_REGIONS 16		/* a peer's regions we map */
#define MEMIF_MAX_LOG2_RING 14
#define MEMIF_DEFAULT_LOG2_RING 10
#define MEMIF_DEFAULT_BSIZE 2048
#define MEMIF_DEFAULT_SOCKET "/run/memif.sock"

/* A shared-memory region as this process maps it. */
struct memif_region {
	uint8_t *base;
	uint64_t size;
	int fd;
	bool eal_seg;		/* an EAL segment a zero-copy client exports: not ours to unmap */
};

/*
 * One queue: an rx or a tx queue of the port, bound to a ring while
 * connected. It begins with ethdev's part (vdk_eth_vport_rxq on rx,
 * vdk_eth_vport_txq on tx: counters, and on rx the pool and port id queue
 * setup records). Code that serves both directions counts errors through
 * vq.rx.errors: the two share it as part of their common initial fields. The control thread publishes ring (NULL: not connected) and
 * the fields it needs before it; a burst marks itself busy first, so the
 * control thread can take a ring away and wait until no burst uses it
 * (memif_queue_unpublish()).
 */
struct memif_queue {
	union {
		struct vdk_eth_vport_rxq rx;
		struct vdk_eth_vport_txq tx;
	} vq;
	struct memif_ring *ring;
	uint32_t busy;
	uint16_t mask;			/* slots - 1 */
	uint16_t last;			/* next slot we read (rx) or fill (tx) */
	uint16_t head;			/* client: the head we wrote last */
	bool client;
	uint32_t bsize;			/* client: bytes a buffer */
	uint8_t *bufs;			/* client: this ring's buffers, slot after slot */
	uint32_t buf_off;		/* client: their offset in region 0 */
	const struct memif_region *regions;	/* server: the peer's; zero-copy client: ours */
	uint16_t nb_regions;
	bool zc;			/* client, zero-copy: descriptors point at mbufs */
	uint16_t zc_hint;		/* zero-copy: region of the last mbuf found */
	uint32_t zc_epoch;		/* zero-copy: memif_mem_epoch when regions were made */
	struct vdk_mbuf **mbufs;	/* zero-copy: each slot's mbuf (low bit: copy slot) */
	int kick_fd;			/* eventfd to signal the peer with, or -1 */
	struct memif_port *port;
	uint64_t copies;		/* zero-copy: packets copied all the same */
	uint32_t broken;		/* the peer broke the ring: disconnect */
} vdk_cache_aligned;

enum memif_role { MEMIF_ROLE_SERVER, MEMIF_ROLE_CLIENT };

struct memif_listener;
struct memif_channel;

/* Allocated with vdk_eth_dev_zalloc(): its queues are cache-aligned. */
struct memif_port {
	struct vdk_eth_vport vp;
	char name[VDK_ETH_NAME_SIZE];
	enum memif_role role;
	uint32_t id;
	char socket[sizeof(((struct sockaddr_un *)0)->sun_path)];
	bool abstract;
	uint32_t bsize;
	uint8_t log2_ring;
	bool zc;			/* zero-copy=yes (client) */
	char secret[MEMIF_SECRET_SIZE + 1];

	/* ---- owned by the control thread ---- */
	bool started;
	bool connected;
	struct memif_listener *listener;	/* server */
	struct memif_channel *cc;		/* the connection, if any */
	uint64_t retry_at_ns;			/* client: next connect attempt, 0: none */
	struct memif_region regions[MEMIF_MAX_REGIONS];
	uint16_t nb_regions;
	uint16_t nb_c2s, nb_s2c;		/* rings of the connection */
	uint8_t run_log2;
	char peer_name[MEMIF_NAME_SIZE + 1];
	char peer_if[MEMIF_NAME_SIZE + 1];
	char disc_reason[MEMIF_REASON_SIZE + 1];	/* why the last connection ended */
	uint64_t connects;			/* connections made, for xstats */

	struct memif_queue rxq[MEMIF_MAX_QUEUES];
	struct memif_queue txq[MEMIF_MAX_QUEUES];
};

/* memif_rxtx.c */
uint16_t memif_rx_burst(void *q, struct vdk_mbuf **pkts, uint16_t n);
uint16_t memif_tx_burst(void *q, struct vdk_mbuf **pkts, uint16_t n);
/* Zero-copy client, before its S2C ring is published: post an mbuf in every slot. */
void memif_zc_post(struct memif_queue *q, struct memif_ring *r);
/* Zero-copy client, after its ring is unpublished: free the mbufs its slots hold. */
void memif_zc_release(struct memif_queue *q);

/*
 * memif_ethdev.c: bumped whenever an EAL segment goes. A zero-copy client
 * exported the segments that existed when it connected; once one goes,
 * its address range may hold another segment the peer has not mapped, so
 * the datapath copies until the next connection.
 */
extern uint32_t memif_mem_epoch;

/* memif_socket.c: the control thread (memif_conn.c the protocol it runs). */
int memif_ctl_attach(struct memif_port *p);
void memif_ctl_detach(struct memif_port *p);
int memif_ctl_start(struct memif_port *p);
void memif_ctl_stop(struct memif_port *p);
/* A burst found the ring broken: have the control thread disconnect. */
void memif_ctl_wake(void);

/* memif_msg.c: messages on the wire. */
int memif_msg_send(int fd, const struct memif_msg *m, int afd);
int memif_msg_recv(int fd, struct memif_msg *m, int *afd);
int memif_msg_check(const struct memif_msg *m, int afd, const char **why);
const char *memif_msg_name(uint16_t type);

#endif /* MEMIF_INTERNAL_H */
