/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The driver side of ethdev: what a network driver implements and calls.
 * doc/ethdev.md walks through writing a driver with it.
 *
 * A driver embeds struct vdk_eth_dev in its own per-port structure, fills
 * in the ops table, the bursts and the MAC address, and attaches it:
 *
 * @code
 * struct mydrv_port {
 *	struct vdk_eth_dev eth;	// reached back with vdk_container_of()
 *	struct vdk_pci_device *pdev;
 *	...
 * };
 *
 * p->eth.ops = &mydrv_ops;	// const, designated initializers
 * p->eth.driver_name = "net_mydrv";
 * p->eth.rx_burst = mydrv_rx_burst;
 * p->eth.tx_burst = mydrv_tx_burst;
 * p->eth.mac_addr = mac_from_eeprom;
 * ret = vdk_eth_dev_attach(&p->eth, pci_name);	// the port id, or -errno
 * @endcode
 *
 * ethdev then checks every argument against dev_infos_get() and the port's
 * state before it calls an op, so an op sees only valid requests. After
 * vdk_eth_dev_close() detached the port, ethdev calls dev_close, which must
 * free everything, the embedding structure included.
 *
 * The datapath: rx_burst and tx_burst get the queue pointers that
 * rx_queue_setup and tx_queue_setup returned, and nothing else; they must
 * not lock, allocate from the heap, make system calls (unless the port is a
 * kernel-socket port such as af_packet) or log. Each queue counts its own
 * packets, bytes and errors; stats_get sums them. A virtual port (struct
 * vdk_eth_vport) leaves queue setup and that sum to ethdev.
 */
#ifndef VDK_ETHDEV_DRIVER_H
#define VDK_ETHDEV_DRIVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vdk_ethdev.h"
#include "vdk_mbuf.h"

#ifdef __cplusplus
extern "C" {
#endif

/* What this header declares is libvdk's API: exported (lib/version.map). */
#pragma GCC visibility push(default)

struct vdk_eth_dev;

/**
 * Operations of a driver. Required: dev_infos_get, dev_configure,
 * dev_start, dev_stop, dev_close, rx_queue_setup, rx_queue_release,
 * tx_queue_setup, tx_queue_release, link_update. The others may be NULL:
 * ethdev then answers -ENOTSUP (or, for stats, zeros).
 */
struct vdk_eth_dev_ops {
	/** Fill @p info; ethdev zeroed it and set driver_name and socket_id. */
	int (*dev_infos_get)(struct vdk_eth_dev *dev, struct vdk_eth_dev_info *info);
	/** dev->conf, nb_rx_queues and nb_tx_queues hold the new, checked setup. */
	int (*dev_configure)(struct vdk_eth_dev *dev);
	/** Every configured queue is set up. */
	int (*dev_start)(struct vdk_eth_dev *dev);
	/** No lcore is in a burst on the port. */
	int (*dev_stop)(struct vdk_eth_dev *dev);
	/**
	 * The port is stopped, its queues released and its id detached: free
	 * the device and the structure embedding @p dev.
	 */
	void (*dev_close)(struct vdk_eth_dev *dev);
	/** Reset the device; queues were released. NULL: -ENOTSUP. */
	int (*dev_reset)(struct vdk_eth_dev *dev);

	/** Make rx queue @p qid; return it through @p rxq. Checked arguments. */
	int (*rx_queue_setup)(struct vdk_eth_dev *dev, uint16_t qid, uint16_t nb_desc,
			      int socket_id, const struct vdk_eth_rxconf *conf,
			      struct vdk_mempool *mp, void **rxq);
	/** Free an rx queue (mbufs it holds go back to their pool). */
	void (*rx_queue_release)(struct vdk_eth_dev *dev, void *rxq);
	/** Make tx queue @p qid; return it through @p txq. */
	int (*tx_queue_setup)(struct vdk_eth_dev *dev, uint16_t qid, uint16_t nb_desc,
			      int socket_id, const struct vdk_eth_txconf *conf, void **txq);
	/** Free a tx queue (mbufs still queued are freed). */
	void (*tx_queue_release)(struct vdk_eth_dev *dev, void *txq);

	/**
	 * Find the link state (waiting for it if @p wait) and report it with
	 * vdk_eth_dev_link_set().
	 */
	int (*link_update)(struct vdk_eth_dev *dev, int wait);

	/**
	 * Totals since the queues were made: counters only grow (ethdev keeps
	 * the baseline that reset subtracts). @p stats is zeroed.
	 */
	int (*stats_get)(struct vdk_eth_dev *dev, struct vdk_eth_stats *stats);
	/**
	 * The driver's own extended statistics: names into @p names (n entries)
	 * if not NULL; return the count.
	 */
	int (*xstats_get_names)(struct vdk_eth_dev *dev, struct vdk_eth_xstat_name *names,
				unsigned int n);
	/** Values in the order of the names, @p n of them; return the count. */
	int (*xstats_get)(struct vdk_eth_dev *dev, uint64_t *values, unsigned int n);

	/** Receive every unicast frame; ethdev sets dev->promiscuous after. */
	int (*promiscuous_enable)(struct vdk_eth_dev *dev);
	/** Receive unicast for mac_addr only; ethdev clears dev->promiscuous after. */
	int (*promiscuous_disable)(struct vdk_eth_dev *dev);
	/** Receive every multicast frame; ethdev sets dev->all_multicast after. */
	int (*allmulticast_enable)(struct vdk_eth_dev *dev);
	/** Stop receiving every multicast frame; ethdev clears dev->all_multicast after. */
	int (*allmulticast_disable)(struct vdk_eth_dev *dev);
	/** A checked unicast address; ethdev stores it in dev->mac_addr after. */
	int (*mac_addr_set)(struct vdk_eth_dev *dev, const struct vdk_ether_addr *mac);
	/** A checked MTU; ethdev stores it in dev->mtu after. */
	int (*mtu_set)(struct vdk_eth_dev *dev, uint16_t mtu);
};

/** Life of a port, as ethdev tracks it. */
enum vdk_eth_dev_state {
	VDK_ETH_DEV_UNUSED = 0, /**< no port (slot free) */
	VDK_ETH_DEV_ATTACHED,   /**< probed, not configured */
	VDK_ETH_DEV_CONFIGURED, /**< configured, stopped */
	VDK_ETH_DEV_STARTED,    /**< started: the bursts run */
};

/**
 * A port. The driver sets the fields above the line before
 * vdk_eth_dev_attach(); ethdev owns the rest, which drivers may read.
 */
struct vdk_eth_dev {
	const struct vdk_eth_dev_ops *ops; /**< the driver's operations, in static storage */
	const char *driver_name;      /**< static string: "net_null" */
	vdk_eth_rx_burst_t rx_burst;  /**< what vdk_eth_rx_burst() calls while started */
	vdk_eth_tx_burst_t tx_burst;  /**< what vdk_eth_tx_burst() calls while started */
	/** The port's address; ethdev updates it after mac_addr_set. */
	struct vdk_ether_addr mac_addr;
	int socket_id;                /**< NUMA node, VDK_SOCKET_ID_ANY if unknown */
	uint16_t mtu;                 /**< 0: VDK_ETHER_MTU */
	void *device;                 /**< the bus device (a PCI device), or NULL */

	/* ---- ethdev's ---- */
	char name[VDK_ETH_NAME_SIZE]; /**< as given to vdk_eth_dev_attach() */
	uint16_t port_id;             /**< 0..VDK_ETH_MAX_PORTS - 1, from attach */
	enum vdk_eth_dev_state state; /**< moved by attach, configure, start, stop, reset, close */
	/** From configure (the new one while dev_configure runs); zero before, and after reset. */
	struct vdk_eth_conf conf;
	uint16_t nb_rx_queues;        /**< rx queues configured */
	uint16_t nb_tx_queues;        /**< tx queues configured */
	void **rx_queues;            /**< vdk_eth_fp_ops[port_id].rxq */
	void **tx_queues;            /**< vdk_eth_fp_ops[port_id].txq */
	struct vdk_mempool *rx_mempool[VDK_ETH_MAX_QUEUES]; /**< per rx queue */
	bool promiscuous;            /**< as the last enable/disable that succeeded left it */
	bool all_multicast;          /**< as the last enable/disable that succeeded left it */
	uint64_t link;               /**< struct vdk_eth_link, read and written atomically */
	struct vdk_eth_stats stats_base; /**< subtracted from the driver's totals */
	uint64_t *xstats_base;       /**< the same for the extended statistics */
	unsigned int nb_xstats_base; /**< entries at xstats_base; 0 when there is none */
	/**
	 * The device went away (vdk_eth_dev_is_removed()): set once, read
	 * atomically. The driver's stop and close still run; they must not
	 * wait for the hardware, whose registers read all ones.
	 */
	bool removed;
};

/**
 * Receive side scaling of a driver that has it, set with
 * vdk_eth_dev_rss_ops_set(). Apart from the ops table so that ports without
 * RSS and drivers built against an older header stay as they are. ethdev
 * checks every argument first: the port is configured, flow types are in
 * the capabilities, key and table sizes are the driver's, table entries
 * name configured rx queues. The driver keeps the state and applies it at
 * dev_start (and at once if started); dev_configure starts it over from
 * dev->conf.rss, the driver's default key and entry i on queue i modulo
 * the rx queues.
 */
struct vdk_eth_rss_ops {
	/** What the port can hash; required. */
	void (*capa_get)(struct vdk_eth_dev *dev, struct vdk_eth_rss_capa *capa);
	/** rss_hf, and the key if rss_key is not NULL. */
	int (*hash_update)(struct vdk_eth_dev *dev, const struct vdk_eth_rss_conf *conf);
	/** rss_hf, and the key into rss_key if not NULL. */
	int (*hash_conf_get)(struct vdk_eth_dev *dev, struct vdk_eth_rss_conf *conf);
	/** The entries the masks select, of a table of @p size entries. */
	int (*reta_update)(struct vdk_eth_dev *dev, const struct vdk_eth_rss_reta_entry64 *reta,
			   uint16_t size);
	/** Read the entries the masks select, of a table of @p size entries. */
	int (*reta_query)(struct vdk_eth_dev *dev, struct vdk_eth_rss_reta_entry64 *reta,
			  uint16_t size);
};

/**
 * Give the attached port @p dev RSS through @p ops (static storage), or
 * take it away (NULL). Attaching a port clears it: call after
 * vdk_eth_dev_attach().
 */
void vdk_eth_dev_rss_ops_set(struct vdk_eth_dev *dev, const struct vdk_eth_rss_ops *ops);

/**
 * Give @p dev a port id under @p name (its --vdev name or PCI address).
 * ops, driver_name, rx_burst, tx_burst and mac_addr must be set.
 * @return the port id (>= 0); -EINVAL for a missing field or a bad name;
 *   -EEXIST if a port has that name; -ENOSPC if VDK_ETH_MAX_PORTS are in use.
 */
int vdk_eth_dev_attach(struct vdk_eth_dev *dev, const char *name);

struct vdk_pci_device;

/**
 * The end of a PCI NIC driver's probe, the same for every such driver:
 * put @p dev (ops, driver_name, bursts and MAC address set) on @p pdev's
 * NUMA node, attach it under the device's name, make @p priv the
 * device's driver_data (what the driver's remove hook reads), and log the
 * port with its MAC address and what @p fmt adds (NULL: nothing), e.g.
 * "net_e1000e: 0000:00:03.0: port 0, MAC 52:54:00:12:34:56, link up".
 * @return the port id (>= 0), or what vdk_eth_dev_attach() returns;
 *   nothing is changed in @p pdev then.
 */
int vdk_eth_dev_pci_attach(struct vdk_eth_dev *dev, struct vdk_pci_device *pdev, void *priv,
			   const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/** The port @p port_id, or NULL if not in use. For drivers and tests. */
struct vdk_eth_dev *vdk_eth_dev_get(uint16_t port_id);

/**
 * An op with nothing to do on a port without hardware (a virtual port):
 * dev_configure, dev_start, dev_stop, dev_reset, and
 * promiscuous_enable/disable and allmulticast_enable/disable, whose modes
 * ethdev records itself.
 * @return 0.
 */
int vdk_eth_dev_op_accept(struct vdk_eth_dev *dev);
/** As vdk_eth_dev_op_accept(), for mac_addr_set: ethdev records the address. @return 0. */
int vdk_eth_dev_mac_addr_accept(struct vdk_eth_dev *dev, const struct vdk_ether_addr *mac);
/** As vdk_eth_dev_op_accept(), for mtu_set: ethdev records the MTU. @return 0. */
int vdk_eth_dev_mtu_accept(struct vdk_eth_dev *dev, uint16_t mtu);

/**
 * rx_queue_release/tx_queue_release for queues that live inside the port's
 * own structure and hold nothing of their own.
 */
void vdk_eth_dev_queue_release_none(struct vdk_eth_dev *dev, void *q);

/**
 * link_update for a virtual port: 10 Gb/s full duplex, up while the port
 * is started, recorded through vdk_eth_dev_link_set(). @return 0.
 */
int vdk_eth_dev_link_update_virtual(struct vdk_eth_dev *dev, int wait);

/**
 * What every rx queue of a virtual port begins with: the counters its
 * datapath adds to (vdk_eth_counter_add()) and what queue setup gives it.
 * A driver's rx queue struct has it as its first member, so that the
 * queue pointer ethdev keeps is also a pointer to it.
 */
struct vdk_eth_vport_rxq {
	uint64_t pkts;		/**< frames handed up */
	uint64_t bytes;		/**< their bytes */
	uint64_t errors;	/**< frames received but dropped */
	uint64_t nombuf;	/**< frames the mempool had no mbuf for */
	struct vdk_mempool *mp;	/**< the pool queue setup gave */
	uint16_t port_id;	/**< for the mbufs' port field */
};

/** What every tx queue of a virtual port begins with: its counters. */
struct vdk_eth_vport_txq {
	uint64_t pkts;		/**< frames taken and sent */
	uint64_t bytes;		/**< their bytes */
	uint64_t errors;	/**< frames taken but not sent */
};

/**
 * A virtual port: a port whose queues are structs in arrays the driver
 * owns. The driver embeds it in place of struct vdk_eth_dev, describes its
 * arrays with vdk_eth_vport_queues_set() before vdk_eth_dev_attach(), and
 * puts vdk_eth_vport_rx_queue_setup(), vdk_eth_vport_tx_queue_setup() and
 * vdk_eth_vport_stats_get() in its ops table (or calls them from its own).
 */
struct vdk_eth_vport {
	struct vdk_eth_dev eth;	/**< reached back with vdk_container_of() */
	void *rxq;		/**< rx queue 0; each begins with struct vdk_eth_vport_rxq */
	size_t rxq_size;	/**< bytes from one rx queue to the next */
	void *txq;		/**< tx queue 0; each begins with struct vdk_eth_vport_txq */
	size_t txq_size;	/**< bytes from one tx queue to the next */
	uint16_t nb_rxq;	/**< rx queues in the array: report it as max_rx_queues */
	uint16_t nb_txq;	/**< tx queues in the array: report it as max_tx_queues */
};

/**
 * A zeroed port structure of @p size bytes on a cache-line boundary, for
 * a driver whose queues inside it are vdk_cache_aligned: calloc() aligns
 * to 16 bytes only, which would put each queue across two lines and
 * neighbouring queues, polled by different lcores, on a shared one.
 * free() frees it.
 * @return the structure, or NULL (errno ENOMEM).
 */
void *vdk_eth_dev_zalloc(size_t size);

/**
 * Describe the queue arrays of @p vp: @p nb_rxq rx queues of @p rxq_size
 * bytes from @p rxq on, and the same for tx. The queues stay the driver's
 * (their other fields, their alignment); their setup and counters become
 * ethdev's.
 * @return 0; -EINVAL for more than VDK_ETH_MAX_QUEUES queues a direction,
 *   a NULL array with queues, or a size smaller than the common part.
 */
int vdk_eth_vport_queues_set(struct vdk_eth_vport *vp, void *rxq, size_t rxq_size,
			     uint16_t nb_rxq, void *txq, size_t txq_size, uint16_t nb_txq);

/**
 * rx_queue_setup of a virtual port: rx queue @p qid of the array,
 * its counters zeroed, @p mp and the port id recorded. Descriptor counts,
 * socket and conf are ethdev's checks only: a virtual queue holds none.
 * @return 0; -EINVAL if @p qid is past the array (the driver reported more
 *   queues than it has).
 */
int vdk_eth_vport_rx_queue_setup(struct vdk_eth_dev *dev, uint16_t qid, uint16_t nb_desc,
				 int socket_id, const struct vdk_eth_rxconf *conf,
				 struct vdk_mempool *mp, void **rxq);

/** As vdk_eth_vport_rx_queue_setup(), for tx_queue_setup. */
int vdk_eth_vport_tx_queue_setup(struct vdk_eth_dev *dev, uint16_t qid, uint16_t nb_desc,
				 int socket_id, const struct vdk_eth_txconf *conf, void **txq);

/**
 * stats_get of a port whose queues begin with struct vdk_eth_vport_rxq and
 * struct vdk_eth_vport_txq (a virtual port, or any driver that lays its
 * queues out so): the counters of every queue set up, summed into the
 * totals and copied into the per-queue fields (which the per-queue
 * extended statistics come from). Adds to @p stats, so a driver may call
 * it from its own stats_get and add what its kernel counts.
 * @return 0.
 */
int vdk_eth_vport_stats_get(struct vdk_eth_dev *dev, struct vdk_eth_stats *stats);

/**
 * The sum over the tx queues set up of a driver's own counter, the
 * uint64_t at @p offset in its tx queue struct: for its xstats_get.
 */
uint64_t vdk_eth_vport_txq_sum(const struct vdk_eth_dev *dev, size_t offset);

/**
 * The remove hook of a vdev driver that makes one port a device, named as
 * the device: closes that port.
 * @return 0; -ENODEV if no port has the name @p name; or what
 *   vdk_eth_dev_close() returns.
 */
int vdk_eth_dev_vdev_remove(const char *name);

/**
 * Record the link state: called from link_update, or when a driver learns
 * of a change by itself (then from any thread). Runs link-change callbacks
 * if the status changed.
 * @return 1 if the state changed, 0 if not.
 */
int vdk_eth_dev_link_set(struct vdk_eth_dev *dev, const struct vdk_eth_link *link);

/** The last recorded link state. */
void vdk_eth_dev_link_read(const struct vdk_eth_dev *dev, struct vdk_eth_link *link);

/**
 * The port's device went away: its bursts move nothing from now on, its
 * counters stop, start and reset fail with -EIO, and the callbacks of
 * VDK_ETH_EVENT_INTR_RMV run. ethdev calls this itself for a PCI device
 * the kernel took back; a driver calls it when it finds its device gone
 * some other way. Any thread; a second call does nothing.
 * @return 1 if the port was marked now, 0 if it was already.
 */
int vdk_eth_dev_mark_removed(struct vdk_eth_dev *dev);

/** Run the callbacks registered for @p event on the port. */
void vdk_eth_dev_event_notify(struct vdk_eth_dev *dev, enum vdk_eth_event_type event);

/**
 * Copy the queue counters a driver keeps into the per-queue stats fields
 * and add them to the totals: a helper for stats_get.
 */
static inline void
vdk_eth_stats_add_rxq(struct vdk_eth_stats *s, uint16_t qid, uint64_t pkts,
		      uint64_t bytes, uint64_t errors)
{
	s->ipackets += pkts;
	s->ibytes += bytes;
	s->ierrors += errors;
	if (qid < VDK_ETH_QUEUE_STAT_CNTRS) {
		s->q_ipackets[qid] = pkts;
		s->q_ibytes[qid] = bytes;
		s->q_errors[qid] = errors;
	}
}

/** As vdk_eth_stats_add_rxq() for a tx queue. */
static inline void
vdk_eth_stats_add_txq(struct vdk_eth_stats *s, uint16_t qid, uint64_t pkts,
		      uint64_t bytes, uint64_t errors)
{
	s->opackets += pkts;
	s->obytes += bytes;
	s->oerrors += errors;
	if (qid < VDK_ETH_QUEUE_STAT_CNTRS) {
		s->q_opackets[qid] = pkts;
		s->q_obytes[qid] = bytes;
	}
}

/**
 * A received frame is whole: @p m, the first segment of its chain, has
 * pkt_len and nb_segs set. Fill in what a driver without receive offloads
 * reports for every frame, in one place for every driver.
 * @return the frame's length, for the queue's byte counter.
 */
static inline uint32_t
vdk_eth_rx_frame_finish(struct vdk_mbuf *m, uint16_t port_id)
{
	m->port = port_id;
	m->ol_flags = 0;
	m->packet_type = VDK_PTYPE_L2_ETHER;
	m->vlan_tci = 0;
	return m->pkt_len;
}

/**
 * Read a counter the datapath of another thread increments. Counters are
 * single-writer 64-bit words, which x86-64 reads whole; the atomic load
 * keeps the compiler from tearing or caching it.
 */
static inline uint64_t
vdk_eth_counter_read(const uint64_t *c)
{
	return __atomic_load_n(c, __ATOMIC_RELAXED);
}

/** Add to a counter on the datapath: single writer, so no locked instruction. */
static inline void
vdk_eth_counter_add(uint64_t *c, uint64_t v)
{
	__atomic_store_n(c, __atomic_load_n(c, __ATOMIC_RELAXED) + v, __ATOMIC_RELAXED);
}

#pragma GCC visibility pop

#ifdef __cplusplus
}
#endif

#endif /* VDK_ETHDEV_DRIVER_H */
