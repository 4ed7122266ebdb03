/* SPDX-License-Identifier: BSD-3-Clause */
/* net_e1000e: what its control path (e1000e_ethdev.c) and datapath (e1000e_rxtx.c) share. */
#ifndef E1000E_INTERNAL_H
#define E1000E_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "e1000e_regs.h"
#include "e1000e_rss.h"
#include "vdk_ethdev_driver.h"
#include "vdk_log.h"
#include "vdk_pci.h"

#define E1000E_LOG(level, fmt, ...) VDK_LOG(level, NET, "e1000e: " fmt, ##__VA_ARGS__)

/* Ring limits: RDLEN/TDLEN are multiples of 128 bytes (8 descriptors). */
#define E1000E_MIN_DESC 32
#define E1000E_MAX_DESC 4096
#define E1000E_DEFAULT_DESC 512
/*
 * Refill and move RDT once this many slots are empty (at most a quarter of
 * the ring): with 32-frame bursts that is every other burst, like DPDK's
 * ixgbe and i40e (rx_free_thresh 32, compared with >). Each RDT write is
 * an uncached MMIO write on hardware and a trip through the device model
 * in QEMU: in the guest, io forwarding went from 1.24-1.43 M to 1.57-1.68 M
 * frames in 5 s against a threshold of 1 (three interleaved pairs).
 */
#define E1000E_DEFAULT_FREE_THRESH 64
#define E1000E_DEFAULT_RS_THRESH 32
/* The smallest receive buffer RCTL.BSIZE can describe. */
#define E1000E_MIN_BUF 256
/*
 * The longest frame the receiver accepts with RCTL.LPE clear ("Receive
 * Control Register"): 1522 bytes, a VLAN-tagged 1500-byte payload with
 * its CRC. The CRC is stripped, so real frames are 4 bytes shorter, but
 * QEMU's model applies the limit to frames without one.
 */
#define E1000E_MAX_RX_FRAME 1522
/* Descriptors a receive burst takes (and replacement mbufs it gets) at a time. */
#define E1000E_RX_BATCH 32

/* Descriptors are written by the device and read by the lcore: volatile views. */
struct e1000e_rxq {
	volatile struct e1000e_rx_desc *ring;
	struct vdk_mbuf **sw_ring;   /* the mbuf behind each descriptor, or NULL */
	void *rdt;                   /* the tail doorbell in BAR0 */
	struct vdk_mempool *mp;
	uint16_t nb_desc;
	uint16_t next;               /* next descriptor to look at */
	uint16_t nb_hold;            /* taken and re-armed since RDT last moved */
	uint16_t free_thresh;        /* move RDT once this many are held */
	uint16_t port_id;
	uint16_t qid;
	uint16_t buf_size;           /* what RCTL.BSIZE promises the device */
	uint16_t max_segs;           /* descriptors an E1000E_MAX_RX_FRAME frame takes */
	bool discard;                /* dropping the rest of a frame until its EOP */
	struct vdk_mbuf *pkt_first;  /* a frame spanning descriptors, so far */
	struct vdk_mbuf *pkt_last;
	uint64_t ring_iova;
	/* Counters, written by the polling lcore only. */
	uint64_t pkts;
	uint64_t bytes;
	uint64_t errors;             /* frames the descriptor marked bad */
	uint64_t nombuf;             /* bursts the pool could not give every replacement */
	uint64_t bad_len;            /* frames dropped: a descriptor longer than its buffer */
	uint64_t oversize;           /* frames dropped: too many descriptors or bytes */
} vdk_cache_aligned;

struct e1000e_txq {
	volatile struct e1000e_tx_desc *ring;
	struct vdk_mbuf **sw_ring;   /* the segment each descriptor sends */
	void *tdt;
	uint16_t nb_desc;
	uint16_t tail;               /* next descriptor to fill */
	uint16_t clean;              /* oldest descriptor not yet reclaimed */
	uint16_t nb_free;
	uint16_t next_rs;            /* next descriptor to carry RS */
	uint16_t rs_thresh;          /* RS (report status) on every rs_thresh-th */
	uint16_t free_thresh;        /* reclaim when fewer are free */
	uint16_t qid;
	uint64_t ring_iova;
	uint64_t pkts;
	uint64_t bytes;
} vdk_cache_aligned;

/* Hardware statistics, kept as 64-bit totals since the registers clear on read. */
struct e1000e_hw_stat {
	const char *name;
	uint32_t reg;
	bool is64;                   /* low register, the high one follows it */
};

extern const struct e1000e_hw_stat e1000e_hw_stats[];
extern const unsigned int e1000e_nb_hw_stats;

struct e1000e_port {
	struct vdk_eth_dev eth;      /* reached back with vdk_container_of() */
	struct vdk_pci_device *pdev;
	void *bar0;
	struct e1000e_rxq *rxq;
	struct e1000e_txq *txq;
	uint32_t rctl;               /* what dev_start wrote, for the filters */
	struct e1000e_rss rss;
	bool intr_ok;                /* MSI-X vector 0 is ours */
	bool lsc_armed;
	/* Statistics: totals of clear-on-read registers, one reader at a time. */
	pthread_mutex_t stats_lock;
	uint64_t *hw_totals;
	uint64_t lsc_interrupts;
};

static inline struct e1000e_port *
e1000e_port(struct vdk_eth_dev *dev)
{
	return vdk_container_of(dev, struct e1000e_port, eth);
}

static inline uint32_t
e1000e_read(const struct e1000e_port *p, uint32_t reg)
{
	return vdk_reg_read32(p->bar0, reg);
}

static inline void
e1000e_write(struct e1000e_port *p, uint32_t reg, uint32_t val)
{
	vdk_reg_write32(p->bar0, reg, val);
}

/* e1000e_rxtx.c: queues and bursts */
int e1000e_rxq_create(struct e1000e_port *p, uint16_t qid, uint16_t nb_desc, int socket_id,
		      const struct vdk_eth_rxconf *conf, struct vdk_mempool *mp,
		      struct e1000e_rxq **out);
void e1000e_rxq_free(struct e1000e_rxq *q);
int e1000e_rxq_start(struct e1000e_port *p, struct e1000e_rxq *q);
void e1000e_rxq_stop(struct e1000e_rxq *q);
int e1000e_txq_create(struct e1000e_port *p, uint16_t qid, uint16_t nb_desc, int socket_id,
		      const struct vdk_eth_txconf *conf, struct e1000e_txq **out);
void e1000e_txq_free(struct e1000e_txq *q);
void e1000e_txq_start(struct e1000e_port *p, struct e1000e_txq *q);
void e1000e_txq_stop(struct e1000e_txq *q);
uint16_t e1000e_rx_burst(void *rxq, struct vdk_mbuf **pkts, uint16_t nb_pkts);
uint16_t e1000e_tx_burst(void *txq, struct vdk_mbuf **pkts, uint16_t nb_pkts);

#endif /* E1000E_INTERNAL_H */
