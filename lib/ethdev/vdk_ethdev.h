/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Ethernet ports: the API packet applications and network drivers share.
 *
 * A driver (a PCI NIC driver, or a virtual device named with --vdev) gives
 * each port it finds a port id, 0 .. VDK_ETH_MAX_PORTS - 1. An application
 * then brings it up in this order:
 *
 * @code
 * struct vdk_eth_conf conf = { 0 };
 * vdk_eth_dev_configure(port, 1, 1, &conf);
 * vdk_eth_rx_queue_setup(port, 0, 1024, vdk_eth_dev_socket_id(port), NULL, pool);
 * vdk_eth_tx_queue_setup(port, 0, 1024, vdk_eth_dev_socket_id(port), NULL);
 * vdk_eth_dev_start(port);
 * for (;;) {
 *	uint16_t n = vdk_eth_rx_burst(port, 0, pkts, 32);
 *	...
 * }
 * vdk_eth_dev_stop(port);
 * vdk_eth_dev_close(port);
 * @endcode
 *
 * Thread safety: the control functions (everything but the bursts) may be
 * called from any thread, but not concurrently for the same port, and not
 * while an lcore is in a burst on that port for the calls that change its
 * queues or state (configure, queue setup, stop, close, reset). Each queue is
 * polled by one thread at a time. Errors are logged through vdk_log (type
 * "ethdev") with the port and the cause; a call that fails changes nothing.
 */
#ifndef VDK_ETHDEV_H
#define VDK_ETHDEV_H

#include <stdint.h>
#include <stdio.h>

#include "vdk_common.h"
#include "vdk_ether.h"

#ifdef __cplusplus
extern "C" {
#endif

/* What this header declares is libvdk's API: exported (lib/version.map). */
#pragma GCC visibility push(default)

struct vdk_mbuf;
struct vdk_mempool;

/** Most ports a process can have. */
#define VDK_ETH_MAX_PORTS 32
/** Most rx (and most tx) queues a port can have. */
#define VDK_ETH_MAX_QUEUES 64
/** Per-queue counters kept in struct vdk_eth_stats: the first queues only. */
#define VDK_ETH_QUEUE_STAT_CNTRS 16
/** Longest port name, NUL included. */
#define VDK_ETH_NAME_SIZE 64
/** Longest extended statistic name, NUL included. */
#define VDK_ETH_XSTATS_NAME_SIZE 64

/** @name Rx offloads (vdk_eth_conf.rxmode.offloads, dev_info.rx_offload_capa) */
/**@{*/
#define VDK_ETH_RX_OFFLOAD_IPV4_CKSUM (1ull << 0) /**< check IPv4 header checksums */
#define VDK_ETH_RX_OFFLOAD_UDP_CKSUM  (1ull << 1) /**< check UDP checksums */
#define VDK_ETH_RX_OFFLOAD_TCP_CKSUM  (1ull << 2) /**< check TCP checksums */
/** Move VLAN tags into vlan_tci, VDK_MBUF_F_RX_VLAN_STRIPPED. */
#define VDK_ETH_RX_OFFLOAD_VLAN_STRIP (1ull << 3)
#define VDK_ETH_RX_OFFLOAD_SCATTER    (1ull << 4) /**< frames over one mbuf become chains */
/**@}*/

/** @name Tx offloads (vdk_eth_conf.txmode.offloads, dev_info.tx_offload_capa) */
/**@{*/
#define VDK_ETH_TX_OFFLOAD_IPV4_CKSUM  (1ull << 0) /**< fill IPv4 header checksums */
/** Fill UDP checksums (VDK_MBUF_F_TX_UDP_CKSUM). */
#define VDK_ETH_TX_OFFLOAD_UDP_CKSUM   (1ull << 1)
/** Fill TCP checksums (VDK_MBUF_F_TX_TCP_CKSUM). */
#define VDK_ETH_TX_OFFLOAD_TCP_CKSUM   (1ull << 2)
/** Insert vlan_tci as a tag (VDK_MBUF_F_TX_VLAN). */
#define VDK_ETH_TX_OFFLOAD_VLAN_INSERT (1ull << 3)
#define VDK_ETH_TX_OFFLOAD_MULTI_SEGS  (1ull << 4) /**< sends mbuf chains */
/**@}*/

/** @name Link speeds in Mbit/s */
/**@{*/
#define VDK_ETH_SPEED_NUM_NONE 0       /**< no speed: the link is down */
#define VDK_ETH_SPEED_NUM_10M 10       /**< 10 Mbit/s */
#define VDK_ETH_SPEED_NUM_100M 100     /**< 100 Mbit/s */
#define VDK_ETH_SPEED_NUM_1G 1000      /**< 1 Gbit/s */
#define VDK_ETH_SPEED_NUM_10G 10000    /**< 10 Gbit/s; what most virtual ports report */
#define VDK_ETH_SPEED_NUM_25G 25000    /**< 25 Gbit/s */
#define VDK_ETH_SPEED_NUM_100G 100000  /**< 100 Gbit/s */
/** Up at a speed the driver cannot learn (af_packet, af_xdp: a kernel interface). */
#define VDK_ETH_SPEED_NUM_UNKNOWN UINT32_MAX
/**@}*/

/**
 * @name RSS flow types (vdk_eth_conf.rss, vdk_eth_rss_conf.rss_hf)
 * DPDK's names; the bits are VDK's own.
 */
/**@{*/
#define VDK_ETH_RSS_IPV4             (1ull << 0) /**< IPv4 addresses */
#define VDK_ETH_RSS_NONFRAG_IPV4_TCP (1ull << 1) /**< IPv4 addresses and TCP ports */
#define VDK_ETH_RSS_NONFRAG_IPV4_UDP (1ull << 2) /**< IPv4 addresses and UDP ports */
#define VDK_ETH_RSS_IPV6             (1ull << 3) /**< IPv6 addresses */
#define VDK_ETH_RSS_NONFRAG_IPV6_TCP (1ull << 4) /**< IPv6 addresses and TCP ports */
#define VDK_ETH_RSS_NONFRAG_IPV6_UDP (1ull << 5) /**< IPv6 addresses and UDP ports */
#define VDK_ETH_RSS_IPV6_EX          (1ull << 6) /**< IPv6 with extension header addresses */
#define VDK_ETH_RSS_IPV6_TCP_EX      (1ull << 7) /**< as IPV6_EX, and TCP ports */
/** testpmd's `--rss-ip`: addresses only. */
#define VDK_ETH_RSS_IP  (VDK_ETH_RSS_IPV4 | VDK_ETH_RSS_IPV6 | VDK_ETH_RSS_IPV6_EX)
/** TCP ports and addresses, IPv4 and IPv6: DPDK's RTE_ETH_RSS_TCP. */
#define VDK_ETH_RSS_TCP (VDK_ETH_RSS_NONFRAG_IPV4_TCP | VDK_ETH_RSS_NONFRAG_IPV6_TCP | \
			 VDK_ETH_RSS_IPV6_TCP_EX)
/** testpmd's `--rss-udp`: UDP ports too. */
#define VDK_ETH_RSS_UDP (VDK_ETH_RSS_NONFRAG_IPV4_UDP | VDK_ETH_RSS_NONFRAG_IPV6_UDP)
/**@}*/

/** Most bytes an RSS hash key has. */
#define VDK_ETH_RSS_KEY_MAX 64
/** Redirection table entries one struct vdk_eth_rss_reta_entry64 carries. */
#define VDK_ETH_RETA_GROUP_SIZE 64

/** What a port's receive side scaling can do (vdk_eth_dev_rss_capa_get()). */
struct vdk_eth_rss_capa {
	uint64_t flow_type_rss_offloads; /**< VDK_ETH_RSS_* it hashes; 0: no RSS */
	uint16_t reta_size;              /**< redirection table entries */
	uint8_t hash_key_size;           /**< bytes of its hash key */
};

/** The hash of a port's RSS, as DPDK's struct rte_eth_rss_conf. */
struct vdk_eth_rss_conf {
	/** The key: update: NULL keeps the port's; get: NULL does not ask for it. */
	uint8_t *rss_key;
	uint8_t rss_key_len; /**< bytes at rss_key: the port's hash_key_size */
	uint64_t rss_hf;     /**< VDK_ETH_RSS_* hashed; 0: RSS off */
};

/**
 * 64 entries of a redirection table, as DPDK's struct
 * rte_eth_rss_reta_entry64: entry i of the group is (re)written or read
 * when bit i of @p mask is set. A table of N entries takes N / 64 groups;
 * group g holds entries 64 g .. 64 g + 63.
 */
struct vdk_eth_rss_reta_entry64 {
	uint64_t mask;                          /**< bit i: entry i of reta is read or written */
	uint16_t reta[VDK_ETH_RETA_GROUP_SIZE]; /**< rx queue of each entry */
};

/** Rx side of struct vdk_eth_conf. */
struct vdk_eth_rxmode {
	uint32_t mtu;      /**< 0: keep the port's MTU (VDK_ETHER_MTU at first) */
	uint64_t offloads; /**< VDK_ETH_RX_OFFLOAD_*, each in dev_info.rx_offload_capa */
};

/** Tx side of struct vdk_eth_conf. */
struct vdk_eth_txmode {
	uint64_t offloads; /**< VDK_ETH_TX_OFFLOAD_*, each in dev_info.tx_offload_capa */
};

/** Port configuration; all zero is a valid default. */
struct vdk_eth_conf {
	struct vdk_eth_rxmode rxmode; /**< MTU and port-wide rx offloads */
	struct vdk_eth_txmode txmode; /**< port-wide tx offloads */
	/**
	 * Receive side scaling: the flow types (VDK_ETH_RSS_*) whose hash
	 * spreads received packets over the rx queues, as DPDK's rss_hf;
	 * 0: none. Each must be one vdk_eth_dev_rss_capa_get() lists.
	 */
	uint32_t rss;
	/** Ask the driver to report link changes as they happen (LSC events). */
	uint32_t lsc_intr;
};

/** Per-queue rx settings; NULL in setup means the driver's defaults. */
struct vdk_eth_rxconf {
	uint16_t rx_free_thresh; /**< refill descriptors in batches this big */
	uint8_t rx_drop_en;      /**< drop when no descriptor is free (else back-pressure) */
	uint64_t offloads;       /**< per-queue VDK_ETH_RX_OFFLOAD_* on top of the port's */
};

/** Per-queue tx settings; NULL in setup means the driver's defaults. */
struct vdk_eth_txconf {
	uint16_t tx_free_thresh; /**< reclaim sent descriptors in batches this big */
	uint16_t tx_rs_thresh;   /**< ask for completion reports every this many */
	uint64_t offloads;       /**< per-queue VDK_ETH_TX_OFFLOAD_* on top of the port's */
};

/** Descriptor count limits of a queue. */
struct vdk_eth_desc_lim {
	uint16_t nb_max;   /**< most descriptors */
	uint16_t nb_min;   /**< fewest descriptors */
	uint16_t nb_align; /**< the count must be a multiple of this */
};

/** What a port can do (vdk_eth_dev_info_get()). */
struct vdk_eth_dev_info {
	const char *driver_name;    /**< "net_null", "net_virtio" ... */
	const char *if_name;        /**< kernel interface behind the port, or NULL */
	int socket_id;              /**< NUMA node of the device, or VDK_SOCKET_ID_ANY */
	uint16_t max_rx_queues;     /**< most rx queues configure takes, <= VDK_ETH_MAX_QUEUES */
	uint16_t max_tx_queues;     /**< most tx queues configure takes, <= VDK_ETH_MAX_QUEUES */
	struct vdk_eth_desc_lim rx_desc_lim; /**< nb_desc an rx queue setup accepts */
	struct vdk_eth_desc_lim tx_desc_lim; /**< nb_desc a tx queue setup accepts */
	uint16_t default_rx_ring_size; /**< nb_desc 0 in queue setup means this */
	uint16_t default_tx_ring_size; /**< as default_rx_ring_size, for tx queues */
	uint16_t default_burst_size;   /**< burst the driver works best with */
	uint32_t min_rx_bufsize;    /**< smallest mbuf data room the rx side accepts */
	uint32_t max_rx_pktlen;     /**< longest frame it receives */
	/** Smallest MTU in bytes (L3 packet), 68 unless the driver says. */
	uint16_t min_mtu;
	uint16_t max_mtu;           /**< largest MTU in bytes, 65535 unless the driver says */
	uint64_t rx_offload_capa;   /**< VDK_ETH_RX_OFFLOAD_* it can do */
	uint64_t tx_offload_capa;   /**< VDK_ETH_TX_OFFLOAD_* it can do */
	uint32_t speed_capa;        /**< highest speed in Mbit/s, 0 if not a physical port */
};

/** Link state. Fits in 64 bits so that it is read and written atomically. */
struct vdk_eth_link {
	uint32_t link_speed;       /**< Mbit/s, VDK_ETH_SPEED_NUM_* */
	uint16_t link_duplex : 1;  /**< VDK_ETH_LINK_FULL_DUPLEX or HALF */
	uint16_t link_autoneg : 1; /**< autonegotiated */
	uint16_t link_status : 1;  /**< VDK_ETH_LINK_UP or DOWN */
} __attribute__((aligned(8)));

#define VDK_ETH_LINK_HALF_DUPLEX 0 /**< link_duplex: half duplex (or down) */
#define VDK_ETH_LINK_FULL_DUPLEX 1 /**< link_duplex: full duplex */
#define VDK_ETH_LINK_DOWN 0        /**< link_status: no carrier */
#define VDK_ETH_LINK_UP 1          /**< link_status: the link is up */
/** Length vdk_eth_link_to_str() needs at most. */
#define VDK_ETH_LINK_MAX_STR_LEN 48

/**
 * Basic statistics since the port was configured or the counters were last
 * reset. Drivers fill what they count; the rest stays zero.
 */
struct vdk_eth_stats {
	uint64_t ipackets;  /**< packets received and handed to the app */
	uint64_t opackets;  /**< packets sent */
	uint64_t ibytes;    /**< bytes received (frames without FCS) */
	uint64_t obytes;    /**< bytes sent */
	uint64_t imissed;   /**< packets the device dropped: no rx descriptor free */
	uint64_t ierrors;   /**< bad packets received (CRC, length ...) */
	uint64_t oerrors;   /**< packets the device failed to send */
	uint64_t rx_nombuf; /**< rx refills that found the mempool empty */
	uint64_t q_ipackets[VDK_ETH_QUEUE_STAT_CNTRS]; /**< per rx queue */
	uint64_t q_opackets[VDK_ETH_QUEUE_STAT_CNTRS]; /**< per tx queue */
	uint64_t q_ibytes[VDK_ETH_QUEUE_STAT_CNTRS];   /**< per rx queue bytes */
	uint64_t q_obytes[VDK_ETH_QUEUE_STAT_CNTRS];   /**< per tx queue bytes */
	uint64_t q_errors[VDK_ETH_QUEUE_STAT_CNTRS];   /**< per rx queue errors */
};

/** One extended statistic: its index in the name list and its value. */
struct vdk_eth_xstat {
	uint64_t id;    /**< index into the names of vdk_eth_xstats_get_names() */
	uint64_t value; /**< the counter now */
};

/** Name of one extended statistic ("rx_good_packets", "rx_q0_bytes"). */
struct vdk_eth_xstat_name {
	char name[VDK_ETH_XSTATS_NAME_SIZE]; /**< NUL-terminated */
};

/** Events a port reports to callbacks. */
enum vdk_eth_event_type {
	VDK_ETH_EVENT_LINK_CHANGE = 0, /**< link went up or down */
	VDK_ETH_EVENT_INTR_RESET,      /**< the device needs vdk_eth_dev_reset() */
	VDK_ETH_EVENT_DESTROY,         /**< the port is being closed */
	/**
	 * The port's device was removed (unplugged, unbound): its bursts move
	 * nothing; close the port (and stop polling it). Runs on the EAL's
	 * interrupt thread: the callback may not close the port itself.
	 */
	VDK_ETH_EVENT_INTR_RMV,
	VDK_ETH_EVENT_MAX,
};

/**
 * An event callback. Runs on the thread that noticed the event (the one
 * that called vdk_eth_link_get(), a driver's interrupt thread): it must not
 * block, and must not close or register callbacks on the port.
 */
typedef void (*vdk_eth_event_cb_t)(uint16_t port_id, enum vdk_eth_event_type event,
				   void *cb_arg);

/** Register for every port, present and future, with this port id. */
#define VDK_ETH_ALL_PORTS UINT16_MAX

/* ---------------------------------------------------------------------- */
/* Ports */

/** Number of ports in use. */
uint16_t vdk_eth_dev_count_avail(void);

/**
 * The first port id >= @p port_id that is in use, or VDK_ETH_MAX_PORTS.
 */
uint16_t vdk_eth_find_next(uint16_t port_id);

/** Every port in use, in id order. */
#define VDK_ETH_FOREACH_DEV(p) \
	for ((p) = vdk_eth_find_next(0); (p) < VDK_ETH_MAX_PORTS; \
	     (p) = vdk_eth_find_next((uint16_t)((p) + 1)))

/** True if @p port_id is a port in use. */
int vdk_eth_dev_is_valid_port(uint16_t port_id);

/**
 * Port id of the port named @p name (its --vdev name or PCI address).
 * @return 0; -EINVAL for NULL arguments; -ENODEV if no port has that name.
 */
int vdk_eth_dev_get_port_by_name(const char *name, uint16_t *port_id);

/**
 * Copy the port's name into @p name (VDK_ETH_NAME_SIZE bytes).
 * @return 0; -ENODEV for a bad port; -EINVAL for NULL @p name.
 */
int vdk_eth_dev_get_name_by_port(uint16_t port_id, char *name);

/** NUMA node of the port's device, VDK_SOCKET_ID_ANY if unknown, -EINVAL for a bad port. */
int vdk_eth_dev_socket_id(uint16_t port_id);

/**
 * What the port can do.
 * @return 0; -ENODEV for a bad port; -EINVAL for NULL @p info; a driver's
 *   negative errno.
 */
int vdk_eth_dev_info_get(uint16_t port_id, struct vdk_eth_dev_info *info);

/* ---------------------------------------------------------------------- */
/* Bring-up and shutdown */

/**
 * Set the number of queues and the port-wide settings. Needed before queue
 * setup; may be called again while the port is stopped, which drops every
 * queue set up before. Clears the statistics.
 * @param conf NULL for all defaults.
 * @return 0; -ENODEV for a bad port; -EBUSY if the port is started;
 *   -EINVAL for 0 rx and 0 tx queues, more than the driver supports, an MTU
 *   outside its limits, or an offload it cannot do; a driver's negative errno.
 */
int vdk_eth_dev_configure(uint16_t port_id, uint16_t nb_rx_queue, uint16_t nb_tx_queue,
			  const struct vdk_eth_conf *conf);

/**
 * Set up rx queue @p queue_id with @p nb_desc descriptors (0: the driver's
 * default) on NUMA node @p socket_id, filling it from @p mp. Setting up a
 * queue again replaces it. Clears the port's statistics.
 * @return 0; -ENODEV for a bad port; -EBUSY if the port is started;
 *   -EINVAL if the port is not configured, @p queue_id is not below the
 *   configured count, @p nb_desc is outside dev_info.rx_desc_lim or not a
 *   multiple of its nb_align, @p mp is NULL, its buffers are smaller than
 *   min_rx_bufsize, or @p conf asks for an offload the port cannot do;
 *   -ENOMEM; a driver's negative errno.
 */
int vdk_eth_rx_queue_setup(uint16_t port_id, uint16_t queue_id, uint16_t nb_desc,
			   int socket_id, const struct vdk_eth_rxconf *conf,
			   struct vdk_mempool *mp);

/**
 * Set up tx queue @p queue_id. As vdk_eth_rx_queue_setup() without a pool.
 * @return as vdk_eth_rx_queue_setup().
 */
int vdk_eth_tx_queue_setup(uint16_t port_id, uint16_t queue_id, uint16_t nb_desc,
			   int socket_id, const struct vdk_eth_txconf *conf);

/**
 * Start the port: its bursts move packets from now on.
 * @return 0 (also if already started); -ENODEV for a bad port; -EINVAL if
 *   it is not configured or a configured queue is not set up; a driver's
 *   negative errno (the port stays stopped).
 */
int vdk_eth_dev_start(uint16_t port_id);

/**
 * Stop the port: its bursts return 0 from now on. Queues, settings and
 * statistics are kept, so vdk_eth_dev_start() resumes. No lcore may be in a
 * burst on the port during the call.
 * @return 0 (also if already stopped); -ENODEV for a bad port; a driver's
 *   negative errno.
 */
int vdk_eth_dev_stop(uint16_t port_id);

/**
 * Stop (if needed) and release the port: its queues, its device and its
 * port id, which a later probe may reuse. Callbacks for
 * VDK_ETH_EVENT_DESTROY run first.
 * @return 0; -ENODEV for a bad port.
 */
int vdk_eth_dev_close(uint16_t port_id);

/**
 * Stop the port, reset its device, drop its queues and configuration: the
 * port is as just probed and must be configured again. For a device that
 * reported VDK_ETH_EVENT_INTR_RESET, or to recover from an error.
 * @return 0; -ENODEV for a bad port; -ENOTSUP if the driver cannot reset;
 *   a driver's negative errno (the port is then unusable until closed).
 */
int vdk_eth_dev_reset(uint16_t port_id);

/** True if the port is started, 0 if not or if @p port_id is bad. */
int vdk_eth_dev_is_started(uint16_t port_id);

/**
 * True once the port's device was removed (VDK_ETH_EVENT_INTR_RMV was
 * reported): the port moves nothing and only close works. 0 if not or if
 * @p port_id is bad.
 */
int vdk_eth_dev_is_removed(uint16_t port_id);

/**
 * Configured queue counts.
 * @return 0; -ENODEV for a bad port; -EINVAL for NULL pointers.
 */
int vdk_eth_dev_get_nb_queues(uint16_t port_id, uint16_t *nb_rx, uint16_t *nb_tx);

/* ---------------------------------------------------------------------- */
/* Statistics */

/**
 * Basic counters since configure, the last queue setup or the last
 * vdk_eth_stats_reset().
 * Safe while lcores forward (counters are read, not locked).
 * @return 0; -ENODEV for a bad port; -EINVAL for NULL @p stats; -ENOTSUP if
 *   the driver counts nothing.
 */
int vdk_eth_stats_get(uint16_t port_id, struct vdk_eth_stats *stats);

/**
 * Start the basic and extended counters from zero again. Safe while lcores
 * forward: nothing the datapath writes is touched.
 * @return 0; -ENODEV for a bad port; -ENOTSUP if the driver counts nothing.
 */
int vdk_eth_stats_reset(uint16_t port_id);

/**
 * Names of the extended statistics: first the ones every port has (from
 * the basic counters, per queue for the configured queues), then the
 * driver's own.
 * @param names array of @p size entries, or NULL to ask for the count.
 * @return the number of statistics (if above @p size, nothing is written);
 *   -ENODEV for a bad port.
 */
int vdk_eth_xstats_get_names(uint16_t port_id, struct vdk_eth_xstat_name *names,
			     unsigned int size);

/**
 * Values of the extended statistics, in the order of their names.
 * @param xstats array of @p n entries, or NULL to ask for the count.
 * @return the number of statistics (if above @p n, nothing is written);
 *   -ENODEV for a bad port; a driver's negative errno.
 */
int vdk_eth_xstats_get(uint16_t port_id, struct vdk_eth_xstat *xstats, unsigned int n);

/**
 * The value of the extended statistic named @p name.
 * @return 0; -ENODEV for a bad port; -EINVAL for NULL arguments; -ENOENT if
 *   the port has no statistic of that name.
 */
int vdk_eth_xstats_get_by_name(uint16_t port_id, const char *name, uint64_t *value);

/** As vdk_eth_stats_reset(): the two share one baseline. */
int vdk_eth_xstats_reset(uint16_t port_id);

/* ---------------------------------------------------------------------- */
/* Link */

/**
 * Link state, asking the driver; may wait up to a few seconds for
 * autonegotiation on physical ports. Runs link-change callbacks if the
 * state changed since last known.
 * @return 0; -ENODEV for a bad port; -EINVAL for NULL @p link.
 */
int vdk_eth_link_get(uint16_t port_id, struct vdk_eth_link *link);

/** As vdk_eth_link_get() without waiting. */
int vdk_eth_link_get_nowait(uint16_t port_id, struct vdk_eth_link *link);

/**
 * "Link up at 10 Gbps, full duplex, autoneg" or "Link down" into @p buf.
 * @return characters written (as snprintf); -EINVAL for NULL arguments.
 */
int vdk_eth_link_to_str(char *buf, size_t len, const struct vdk_eth_link *link);

/**
 * Call @p cb when @p event happens on @p port_id (VDK_ETH_ALL_PORTS: any
 * port). The same cb and arg registered twice run once.
 * @return 0; -EINVAL for NULL @p cb or a bad event; -ENODEV for a bad port;
 *   -ENOMEM.
 */
int vdk_eth_dev_callback_register(uint16_t port_id, enum vdk_eth_event_type event,
				  vdk_eth_event_cb_t cb, void *cb_arg);

/**
 * Remove a callback registered with the same arguments.
 * @return 0; -EINVAL for NULL @p cb or a bad event; -ENOENT if none matches.
 */
int vdk_eth_dev_callback_unregister(uint16_t port_id, enum vdk_eth_event_type event,
				    vdk_eth_event_cb_t cb, void *cb_arg);

/* ---------------------------------------------------------------------- */
/* Addresses and filters */

/** Receive every unicast frame. @return 0; -ENODEV; -ENOTSUP; driver errno. */
int vdk_eth_promiscuous_enable(uint16_t port_id);
/** Receive only frames for the port's own addresses. @return as enable. */
int vdk_eth_promiscuous_disable(uint16_t port_id);
/** 1 if promiscuous, 0 if not, -ENODEV for a bad port. */
int vdk_eth_promiscuous_get(uint16_t port_id);

/** Receive every multicast frame. @return 0; -ENODEV; -ENOTSUP; driver errno. */
int vdk_eth_allmulticast_enable(uint16_t port_id);
/** Receive only joined multicast groups. @return as enable. */
int vdk_eth_allmulticast_disable(uint16_t port_id);
/** 1 if all-multicast, 0 if not, -ENODEV for a bad port. */
int vdk_eth_allmulticast_get(uint16_t port_id);

/**
 * The port's MAC address.
 * @return 0; -ENODEV for a bad port; -EINVAL for NULL @p mac.
 */
int vdk_eth_macaddr_get(uint16_t port_id, struct vdk_ether_addr *mac);

/**
 * Give the port a new MAC address.
 * @return 0; -ENODEV for a bad port; -EINVAL for NULL, zero or group
 *   addresses; -ENOTSUP if the driver cannot change it; driver errno.
 */
int vdk_eth_dev_default_mac_addr_set(uint16_t port_id, const struct vdk_ether_addr *mac);

/** The MTU in @p mtu. @return 0; -ENODEV; -EINVAL for NULL @p mtu. */
int vdk_eth_dev_get_mtu(uint16_t port_id, uint16_t *mtu);

/**
 * Set the MTU (frame payload, without Ethernet header and FCS).
 * @return 0; -ENODEV for a bad port; -EINVAL outside dev_info's
 *   min_mtu..max_mtu; -ENOTSUP if the driver cannot change it; driver errno.
 */
int vdk_eth_dev_set_mtu(uint16_t port_id, uint16_t mtu);

/**
 * Bring the port's link up again after vdk_eth_dev_set_link_down(); the
 * port keeps its configuration and queues. Ports on a kernel interface
 * (dev_info's if_name: af_packet) can: the interface's IFF_UP.
 * @return 0; -ENODEV for a bad port; -ENOTSUP for other ports; the
 *   kernel's errno (-EPERM without CAP_NET_ADMIN).
 */
int vdk_eth_dev_set_link_up(uint16_t port_id);

/**
 * Take the port's link down, so that the peer loses carrier; the port
 * keeps its configuration and queues, and vdk_eth_dev_set_link_up()
 * brings it back. Ports on a kernel interface (dev_info's if_name:
 * af_packet) can: the interface's IFF_UP.
 * @return 0; -ENODEV for a bad port; -ENOTSUP for other ports; the
 *   kernel's errno (-EPERM without CAP_NET_ADMIN).
 */
int vdk_eth_dev_set_link_down(uint16_t port_id);

/**
 * Read the 32-bit register at byte offset @p off of a PCI port's BAR 0
 * into @p val, as DPDK's `read reg` does: a debugging aid that goes
 * around the driver (through VFIO's pread, so any BAR 0 works).
 * @return 0; -ENODEV for a bad port; -ENOTSUP if the port is no PCI
 *   device or its BAR 0 is not implemented; -EINVAL if @p off is not a
 *   multiple of 4 or the register does not lie inside BAR 0 (the log says
 *   the BAR's length); the bus's errno.
 */
int vdk_eth_dev_reg_read(uint16_t port_id, uint32_t off, uint32_t *val);

/**
 * Write @p val to the 32-bit register at byte offset @p off of a PCI
 * port's BAR 0, as DPDK's `write reg` does: a debugging aid that goes
 * around the driver (through VFIO's pwrite), so the driver does not know.
 * @return 0; -ENODEV for a bad port; -ENOTSUP if the port is no PCI
 *   device or its BAR 0 is not implemented; -EINVAL if @p off is not a
 *   multiple of 4 or the register does not lie inside BAR 0 (the log says
 *   the BAR's length); the bus's errno.
 */
int vdk_eth_dev_reg_write(uint16_t port_id, uint32_t off, uint32_t val);

/* ---------------------------------------------------------------------- */
/* Receive side scaling */

/**
 * What the port's RSS can do; all zero for a port without RSS.
 * @return 0; -ENODEV for a bad port; -EINVAL for NULL @p capa.
 */
int vdk_eth_dev_rss_capa_get(uint16_t port_id, struct vdk_eth_rss_capa *capa);

/**
 * Change the hashed flow types and, if @p rss_conf->rss_key is not NULL,
 * the key; started or not (a started port hashes with them from its next
 * frame). The flow types stay the port's configuration (vdk_eth_conf.rss)
 * across stop and start.
 * @return 0; -ENODEV for a bad port; -EINVAL if the port is not configured,
 *   @p rss_conf is NULL, a flow type is not in the port's capabilities or
 *   the key length is not its hash_key_size; -ENOTSUP for a port without
 *   RSS; a driver's negative errno.
 */
int vdk_eth_dev_rss_hash_update(uint16_t port_id, struct vdk_eth_rss_conf *rss_conf);

/**
 * The hashed flow types, and the key into @p rss_conf->rss_key (if not
 * NULL; rss_key_len must be the port's hash_key_size).
 * @return as vdk_eth_dev_rss_hash_update().
 */
int vdk_eth_dev_rss_hash_conf_get(uint16_t port_id, struct vdk_eth_rss_conf *rss_conf);

/**
 * Rewrite the redirection table entries that @p reta_conf's masks select
 * (@p reta_size entries: the port's reta_size, in reta_size / 64 groups).
 * The table is the port's until it is configured again, which resets it to
 * entry i on queue i modulo the rx queues.
 * @return 0; -ENODEV for a bad port; -EINVAL if the port is not configured,
 *   @p reta_conf is NULL, @p reta_size is not the port's or an entry names
 *   a queue at or past the configured rx queues; -ENOTSUP for a port
 *   without RSS; a driver's negative errno.
 */
int vdk_eth_dev_rss_reta_update(uint16_t port_id, struct vdk_eth_rss_reta_entry64 *reta_conf,
				uint16_t reta_size);

/**
 * Read the redirection table entries the masks select.
 * @return as vdk_eth_dev_rss_reta_update().
 */
int vdk_eth_dev_rss_reta_query(uint16_t port_id, struct vdk_eth_rss_reta_entry64 *reta_conf,
			       uint16_t reta_size);

/* ---------------------------------------------------------------------- */
/* Datapath */

/** A driver's receive burst: see vdk_eth_rx_burst(). */
typedef uint16_t (*vdk_eth_rx_burst_t)(void *rxq, struct vdk_mbuf **pkts, uint16_t nb_pkts);
/** A driver's transmit burst: see vdk_eth_tx_burst(). */
typedef uint16_t (*vdk_eth_tx_burst_t)(void *txq, struct vdk_mbuf **pkts, uint16_t nb_pkts);

/**
 * @cond internal
 * What the bursts of one port need, in one place: the datapath reads one
 * entry of this array and nothing else of ethdev. A stopped port's entry
 * points at functions that move nothing.
 */
struct vdk_eth_fp_ops {
	vdk_eth_rx_burst_t rx_burst;
	vdk_eth_tx_burst_t tx_burst;
	void *rxq[VDK_ETH_MAX_QUEUES];
	void *txq[VDK_ETH_MAX_QUEUES];
} vdk_cache_aligned;

extern struct vdk_eth_fp_ops vdk_eth_fp_ops[VDK_ETH_MAX_PORTS];
/** @endcond */

/**
 * Receive up to @p nb_pkts packets from rx queue @p queue_id into @p pkts.
 * The mbufs are the caller's to free or send. A stopped port returns 0.
 *
 * Unchecked for speed: @p port_id must be a valid port and @p queue_id a
 * configured queue (build with -DVDK_ETHDEV_DEBUG to check). One thread
 * per queue.
 * @return packets received, 0 .. @p nb_pkts. Never an error.
 */
static vdk_always_inline uint16_t
vdk_eth_rx_burst(uint16_t port_id, uint16_t queue_id, struct vdk_mbuf **pkts,
		 uint16_t nb_pkts)
{
	struct vdk_eth_fp_ops *fp = &vdk_eth_fp_ops[port_id];

#ifdef VDK_ETHDEV_DEBUG
	if (port_id >= VDK_ETH_MAX_PORTS || queue_id >= VDK_ETH_MAX_QUEUES ||
	    fp->rxq[queue_id] == NULL)
		return 0;
#endif
	return fp->rx_burst(fp->rxq[queue_id], pkts, nb_pkts);
}

/**
 * Send up to @p nb_pkts packets from @p pkts on tx queue @p queue_id. The
 * driver owns (and eventually frees) the mbufs it accepted; the rest stay
 * the caller's, at pkts[ret] onwards. A stopped port accepts none.
 * Unchecked as vdk_eth_rx_burst(). One thread per queue.
 * @return packets accepted, 0 .. @p nb_pkts.
 */
static vdk_always_inline uint16_t
vdk_eth_tx_burst(uint16_t port_id, uint16_t queue_id, struct vdk_mbuf **pkts,
		 uint16_t nb_pkts)
{
	struct vdk_eth_fp_ops *fp = &vdk_eth_fp_ops[port_id];

#ifdef VDK_ETHDEV_DEBUG
	if (port_id >= VDK_ETH_MAX_PORTS || queue_id >= VDK_ETH_MAX_QUEUES ||
	    fp->txq[queue_id] == NULL)
		return 0;
#endif
	return fp->tx_burst(fp->txq[queue_id], pkts, nb_pkts);
}

#pragma GCC visibility pop

#ifdef __cplusplus
}
#endif

#endif /* VDK_ETHDEV_H */
