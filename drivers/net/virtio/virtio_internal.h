/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * net_virtio: split virtqueues (virtio 1.0 §2.4), the network device's
 * structures (§5.1), and what the control path (virtio_ethdev.c) and the
 * datapath (virtio_rxtx.c) share.
 */
#ifndef VIRTIO_INTERNAL_H
#define VIRTIO_INTERNAL_H

#include <assert.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "vdk_ethdev_driver.h"
#include "vdk_log.h"
#include "virtio_pci.h"

#define VIRTIO_LOG(level, fmt, ...) VDK_LOG(level, NET, "virtio: " fmt, ##__VA_ARGS__)

/* §2.4.5 The Virtqueue Descriptor Table */
struct vring_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};
static_assert(sizeof(struct vring_desc) == 16, "vring_desc is 16 bytes");
#define VRING_DESC_F_NEXT  1
#define VRING_DESC_F_WRITE 2

/* §2.4.6 The Virtqueue Available Ring (used_event follows ring[size]) */
struct vring_avail {
	uint16_t flags;
	uint16_t idx;
	uint16_t ring[];
};
#define VRING_AVAIL_F_NO_INTERRUPT 1

/* §2.4.8 The Virtqueue Used Ring (avail_event follows ring[size]) */
struct vring_used_elem {
	uint32_t id;
	uint32_t len;
};
struct vring_used {
	uint16_t flags;
	uint16_t idx;
	struct vring_used_elem ring[];
};
#define VRING_USED_F_NO_NOTIFY 1

/* §5.1.3 Feature bits */
#define VIRTIO_NET_F_MAC       5
#define VIRTIO_NET_F_MRG_RXBUF 15
#define VIRTIO_NET_F_STATUS    16
#define VIRTIO_NET_F_CTRL_VQ   17
#define VIRTIO_NET_F_CTRL_RX   18
#define VIRTIO_NET_F_MQ        22

/* §5.1.4 Device configuration layout */
#define VIRTIO_NET_CFG_MAC         0
#define VIRTIO_NET_CFG_STATUS      6
#define VIRTIO_NET_CFG_MAX_PAIRS   8
#define VIRTIO_NET_S_LINK_UP       1

/* §5.1.6 Device Operation: the header before every packet (VERSION_1: 12 bytes) */
struct virtio_net_hdr {
	uint8_t flags;
	uint8_t gso_type;
	uint16_t hdr_len;
	uint16_t gso_size;
	uint16_t csum_start;
	uint16_t csum_offset;
	uint16_t num_buffers;
};
static_assert(sizeof(struct virtio_net_hdr) == 12, "virtio_net_hdr is 12 bytes");

/* §5.1.6.5 Control Virtqueue */
#define VIRTIO_NET_CTRL_RX              0
#define VIRTIO_NET_CTRL_RX_PROMISC      0
#define VIRTIO_NET_CTRL_RX_ALLMULTI     1
#define VIRTIO_NET_CTRL_MQ              4
#define VIRTIO_NET_CTRL_MQ_VQ_PAIRS_SET 0
#define VIRTIO_NET_OK                   0
#define VIRTIO_NET_ERR                  1

/*
 * §5.1.6.5: a control command as it sits in DMA memory, in three parts
 * the driver chains: the header (class, command) and the data the device
 * reads, the ack byte it writes. Each part's place is its offsetof().
 */
#define VIRTIO_NET_CTRL_DATA_MAX 32     /* the largest command VDK sends */
struct virtio_net_ctrl {
	uint8_t class;
	uint8_t command;
	uint8_t data[VIRTIO_NET_CTRL_DATA_MAX];
	uint8_t ack;
};

#define VIRTIO_MIN_DESC 32
/*
 * Refill rx after every burst that took buffers; reclaim tx when fewer than
 * 32 descriptors are free (both measured best with test/bench/guest-nic).
 */
#define VIRTIO_DEFAULT_RX_FREE_THRESH 1
#define VIRTIO_DEFAULT_TX_FREE_THRESH 32
#define VIRTIO_MAX_PAIRS 16

/* One split virtqueue as the driver sees it. */
struct virtq {
	volatile struct vring_desc *desc;
	volatile struct vring_avail *avail;
	volatile struct vring_used *used;
	volatile uint16_t *notify;   /* write the queue index here to kick */
	uint16_t size;
	uint16_t mask;
	uint16_t avail_idx;          /* the driver's copy of avail->idx */
	uint16_t used_last;          /* next used entry to consume */
	uint16_t nb_free;            /* descriptors on the free stack */
	uint16_t qidx;               /* the virtqueue's number on the device */
	uint16_t *free_ids;          /* stack of free descriptor ids */
	/*
	 * The driver's own copy of each chain's links: the descriptor table
	 * is in memory the device may write, so its next fields are not
	 * read back (as Linux keeps desc_extra).
	 */
	uint16_t *next;
	/*
	 * The device broke the ring's rules (virtq_check_used()): nothing
	 * more is taken from it until the port restarts (virtq_reset()).
	 */
	bool broken;
	uint64_t nb_broken;          /* times it was marked broken: xstats *_ring_broken */
	void *mem;                   /* desc, avail and used in one DMA buffer */
	uint64_t iova;
	size_t avail_off;
	size_t used_off;
	uint64_t kicks;              /* notify writes: suppression at work shows here */
};

struct virtio_rxq {
	struct virtq vq;
	struct vdk_mbuf **sw_ring;   /* by descriptor id */
	struct vdk_mempool *mp;
	struct vdk_mbuf *pkt_first;  /* a merged packet, so far */
	struct vdk_mbuf *pkt_last;
	uint16_t segs_left;          /* buffers the packet still spans */
	uint16_t port_id;
	uint16_t qid;
	uint16_t free_thresh;
	uint32_t buf_len;            /* what each descriptor offers the device */
	bool mrg;
	uint64_t pkts;
	uint64_t bytes;
	uint64_t errors;
	uint64_t nombuf;
} vdk_cache_aligned;

struct virtio_txq {
	struct virtq vq;
	struct vdk_mbuf **sw_ring;   /* by head descriptor id */
	uint16_t *ndescs;            /* descriptors of the chain at each head */
	struct virtio_net_hdr *hdrs; /* one header a descriptor, when the headroom is short */
	uint64_t hdrs_iova;
	uint16_t free_thresh;
	uint16_t port_id;
	uint16_t qid;
	uint64_t pkts;
	uint64_t bytes;
} vdk_cache_aligned;

struct virtio_port {
	struct vdk_eth_dev eth;      /* reached back with vdk_container_of() */
	struct virtio_pci vp;
	uint64_t offered;            /* the device's features */
	uint64_t features;           /* negotiated */
	uint64_t features_off;       /* devargs: features not to ask for */
	uint16_t max_pairs;
	uint16_t queue_max;          /* the device's largest rx/tx queue */
	bool running;                /* DRIVER_OK set, queues live */
	/*
	 * The last reset did not complete: the device may still read and
	 * write every ring and buffer it was given, so none of them goes
	 * back to a pool or the heap until a reset completes.
	 */
	bool reset_stuck;
	uint64_t reset_leaked_mbufs; /* mbufs left to a stuck device for good: an xstat */
	bool intr_ok;                /* MSI-X vector 0 for configuration changes */
	/* The control queue: one command at a time. */
	pthread_mutex_t ctrl_lock;
	struct virtq cvq;
	struct virtio_net_ctrl *ctrl;   /* the command in flight, in DMA memory */
	uint64_t ctrl_iova;
	uint64_t ctrl_cmds;
	uint64_t config_interrupts;  /* MSI-X vector 0, from the interrupt thread */
};

static inline struct virtio_port *
virtio_port(struct vdk_eth_dev *dev)
{
	return vdk_container_of(dev, struct virtio_port, eth);
}

static inline bool
virtio_has(const struct virtio_port *p, unsigned int bit)
{
	return (p->features >> bit) & 1;
}

/* virtio_rxtx.c: virtqueue memory, queues and bursts */
int virtq_alloc(struct virtq *vq, uint16_t size, int socket_id);
void virtq_free(struct virtq *vq);
/* Empty the rings, every descriptor free: before the device sees the queue. */
void virtq_reset(struct virtq *vq);
/* Make the avail entries visible; kick the device unless it asked not to be. */
void virtq_publish(struct virtq *vq);
/*
 * How many used entries the device offers past used_last, checked
 * against the descriptors in flight (virtio 1.0 §2.4.8: the device adds
 * only buffers it took). Returns that count, or -EIO after marking the
 * queue broken (@what names the queue in the one message).
 */
int virtq_used_pending(struct virtq *vq, const char *what, unsigned int port, unsigned int qid);
/* Mark @vq broken, once, saying why: the device reported @fmt. */
void virtq_mark_broken(struct virtq *vq, const char *what, unsigned int port, unsigned int qid,
		       const char *fmt, ...) __attribute__((format(printf, 5, 6), cold));

int virtio_rxq_create(struct virtio_port *p, uint16_t qid, uint16_t nb_desc, int socket_id,
		      const struct vdk_eth_rxconf *conf, struct vdk_mempool *mp,
		      struct virtio_rxq **out);
void virtio_rxq_free(struct virtio_rxq *q);
int virtio_rxq_fill(struct virtio_rxq *q);
void virtio_rxq_drop_mbufs(struct virtio_rxq *q);
int virtio_txq_create(struct virtio_port *p, uint16_t qid, uint16_t nb_desc, int socket_id,
		      const struct vdk_eth_txconf *conf, struct virtio_txq **out);
void virtio_txq_free(struct virtio_txq *q);
void virtio_txq_drop_mbufs(struct virtio_txq *q);
uint16_t virtio_rx_burst(void *rxq, struct vdk_mbuf **pkts, uint16_t nb_pkts);
uint16_t virtio_tx_burst(void *txq, struct vdk_mbuf **pkts, uint16_t nb_pkts);

#endif /* VIRTIO_INTERNAL_H */
