/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Packet buffers (mbufs), laid out as DPDK users know them.
 *
 * An mbuf is a mempool object: the 128-byte struct vdk_mbuf, then priv_size
 * bytes for the application, then the data buffer (buf_addr, buf_len bytes,
 * at device address buf_iova). Packet data starts data_off bytes into the
 * buffer, VDK_PKTMBUF_HEADROOM after a reset, so headers can be prepended.
 * A packet larger than one buffer is a chain of segments linked by next; the
 * first segment carries pkt_len (the sum of data_len over the chain) and
 * nb_segs.
 *
 * A free mbuf in its pool has refcnt 1, next NULL and nb_segs 1, so
 * allocation only resets the fields a packet changes. The first cache line
 * holds everything receive and transmit touch.
 *
 * The datapath functions are inline and thread-safe as the mempool is; one
 * mbuf belongs to one thread at a time, except for its reference count.
 */
#ifndef VDK_MBUF_H
#define VDK_MBUF_H

#include <assert.h>
#include <errno.h>
#include <stddef.h>
#include <stdint.h>

#include "vdk_common.h"
#include "vdk_mempool.h"

#ifdef __cplusplus
extern "C" {
#endif

/* What this header declares is libvdk's API: exported (lib/version.map). */
#pragma GCC visibility push(default)

/** Room left in front of the packet data after a reset, for prepending headers. */
#define VDK_PKTMBUF_HEADROOM 128

/** Data room of a buffer that holds a standard Ethernet frame after the headroom. */
#define VDK_MBUF_DEFAULT_DATAROOM 2048
/** data_room_size for vdk_pktmbuf_pool_create() with the default room. */
#define VDK_MBUF_DEFAULT_BUF_SIZE (VDK_MBUF_DEFAULT_DATAROOM + VDK_PKTMBUF_HEADROOM)

/** Port number of an mbuf that came from no port. */
#define VDK_MBUF_PORT_INVALID UINT16_MAX

/** Most segments in a chain (nb_segs is 16 bits). */
#define VDK_MBUF_MAX_NB_SEGS UINT16_MAX

/** @name Receive offload flags (ol_flags), set by drivers.
 * @{ */
#define VDK_MBUF_F_RX_VLAN          (1ULL << 0)  /**< vlan_tci holds the stripped or seen VLAN tag */
#define VDK_MBUF_F_RX_RSS_HASH      (1ULL << 1)  /**< hash.rss is valid */
#define VDK_MBUF_F_RX_IP_CKSUM_BAD  (1ULL << 4)  /**< IPv4 header checksum wrong */
#define VDK_MBUF_F_RX_IP_CKSUM_GOOD (1ULL << 7)  /**< IPv4 header checksum checked, right */
#define VDK_MBUF_F_RX_L4_CKSUM_BAD  (1ULL << 3)  /**< TCP/UDP checksum wrong */
#define VDK_MBUF_F_RX_L4_CKSUM_GOOD (1ULL << 8)  /**< TCP/UDP checksum checked, right */
#define VDK_MBUF_F_RX_VLAN_STRIPPED (1ULL << 6)  /**< the VLAN tag was removed from the data */
/** @} */

/** @name Transmit offload flags (ol_flags), set by the application.
 * @{ */
#define VDK_MBUF_F_TX_TCP_CKSUM (1ULL << 52) /**< device computes the TCP checksum */
#define VDK_MBUF_F_TX_UDP_CKSUM (3ULL << 52) /**< device computes the UDP checksum */
#define VDK_MBUF_F_TX_L4_MASK   (3ULL << 52) /**< the L4 checksum request field */
#define VDK_MBUF_F_TX_IP_CKSUM  (1ULL << 54) /**< device computes the IPv4 header checksum */
#define VDK_MBUF_F_TX_IPV4      (1ULL << 55) /**< the packet is IPv4 (for checksum offloads) */
#define VDK_MBUF_F_TX_IPV6      (1ULL << 56) /**< the packet is IPv6 (for checksum offloads) */
#define VDK_MBUF_F_TX_VLAN      (1ULL << 57) /**< device inserts vlan_tci as a VLAN tag */
/** @} */

/** @name Packet types (packet_type): one value per layer, ORed together.
 * Set by the driver on receive (vdk_eth_rx_frame_finish() reports
 * VDK_PTYPE_L2_ETHER only); the values are DPDK's RTE_PTYPE_* ones.
 * @{ */
#define VDK_PTYPE_UNKNOWN     0x00000000u /**< nothing recognised at any layer */
#define VDK_PTYPE_L2_ETHER    0x00000001u /**< Ethernet frame */
#define VDK_PTYPE_L2_ETHER_VLAN 0x00000006u /**< Ethernet frame with an 802.1Q tag */
#define VDK_PTYPE_L2_ETHER_ARP  0x00000003u /**< Ethernet frame carrying ARP */
#define VDK_PTYPE_L2_MASK     0x0000000fu /**< the L2 field: compare (packet_type & this) */
#define VDK_PTYPE_L3_IPV4     0x00000010u /**< IPv4, header without options */
#define VDK_PTYPE_L3_IPV6     0x00000040u /**< IPv6, no extension header */
#define VDK_PTYPE_L3_MASK     0x000000f0u /**< the L3 field: compare (packet_type & this) */
#define VDK_PTYPE_L4_TCP      0x00000100u /**< TCP */
#define VDK_PTYPE_L4_UDP      0x00000200u /**< UDP */
#define VDK_PTYPE_L4_ICMP     0x00000500u /**< ICMP (or ICMPv6) */
#define VDK_PTYPE_L4_MASK     0x00000f00u /**< the L4 field: compare (packet_type & this) */
/** @} */

/** A packet buffer, or one segment of a chained packet. */
struct vdk_mbuf {
	/* First cache line: what rx and tx touch. */
	void *buf_addr;           /**< start of the buffer (headroom included) */
	uint64_t buf_iova;        /**< device address of buf_addr */
	uint16_t data_off;        /**< packet data starts at buf_addr + data_off */
	uint16_t refcnt;          /**< references; update with vdk_mbuf_refcnt_update() */
	uint16_t nb_segs;         /**< segments in the chain (first segment only) */
	uint16_t port;            /**< input port, VDK_MBUF_PORT_INVALID if none */
	uint64_t ol_flags;        /**< VDK_MBUF_F_* */
	uint32_t packet_type;     /**< VDK_PTYPE_* */
	uint32_t pkt_len;         /**< bytes in the whole chain (first segment only) */
	uint16_t data_len;        /**< bytes of data in this segment */
	uint16_t vlan_tci;        /**< VLAN tag (VDK_MBUF_F_RX_VLAN / TX_VLAN) */
	/** A 32-bit hash of the packet: rss when the driver set VDK_MBUF_F_RX_RSS_HASH. */
	union {
		uint32_t rss;     /**< RSS hash (VDK_MBUF_F_RX_RSS_HASH) */
		uint32_t usr;     /**< free for the application otherwise */
	} hash;
	uint16_t vlan_tci_outer;  /**< outer VLAN tag (QinQ) */
	uint16_t buf_len;         /**< bytes in the buffer */
	uint32_t reserved0;       /**< unused: the padding before pool, named; room for a field */
	struct vdk_mempool *pool; /**< pool the mbuf returns to */

	/* Second cache line: chains, offload lengths, application data. */
	struct vdk_mbuf *next vdk_cache_aligned; /**< next segment, NULL for the last */
	union {
		uint64_t tx_offload;  /**< all the lengths below at once */
		struct {
			uint64_t l2_len:7;    /**< L2 header bytes */
			uint64_t l3_len:9;    /**< L3 header bytes */
			uint64_t l4_len:8;    /**< L4 header bytes */
			uint64_t tso_segsz:16;/**< TCP segment size for TSO */
			uint64_t reserved:24; /**< unused */
		};
	};
	uint16_t priv_size;       /**< bytes of application area after this struct */
	uint16_t reserved1[3];    /**< unused: the padding before udata64, named; room for fields */
	uint64_t udata64;         /**< free for the application */
	uint64_t dynfield[4];     /**< free for drivers and libraries */
};

static_assert(sizeof(struct vdk_mbuf) == 2 * VDK_CACHE_LINE_SIZE,
	      "struct vdk_mbuf must be two cache lines");
static_assert(offsetof(struct vdk_mbuf, pool) < VDK_CACHE_LINE_SIZE,
	      "the rx/tx fields must sit in the first cache line");

/** Private data of a packet mbuf pool, in its mempool private area. */
struct vdk_pktmbuf_pool_private {
	uint16_t mbuf_data_room_size; /**< buf_len of each mbuf */
	uint16_t mbuf_priv_size;      /**< application bytes after each struct vdk_mbuf */
	uint32_t flags;               /**< none defined: 0 */
};

/** Pointer to the packet data of @p m (its data_off), cast to type @p t. */
#define vdk_pktmbuf_mtod(m, t) ((t)((char *)(m)->buf_addr + (m)->data_off))

/** As vdk_pktmbuf_mtod(), @p o bytes further. */
#define vdk_pktmbuf_mtod_offset(m, t, o) \
	((t)((char *)(m)->buf_addr + (m)->data_off + (o)))

/** Device address of the packet data of @p m. */
#define vdk_pktmbuf_iova(m) ((m)->buf_iova + (m)->data_off)

/** Device address @p o bytes into the packet data of @p m. */
#define vdk_pktmbuf_iova_offset(m, o) ((m)->buf_iova + (m)->data_off + (o))

/** Bytes in the whole packet (first segment's pkt_len). */
#define vdk_pktmbuf_pkt_len(m) ((m)->pkt_len)

/** Bytes in this segment. */
#define vdk_pktmbuf_data_len(m) ((m)->data_len)

/**
 * Create a pool of @p n packet mbufs, each with a buffer of
 * @p data_room_size bytes (VDK_MBUF_DEFAULT_BUF_SIZE for standard frames;
 * VDK_PKTMBUF_HEADROOM of it is headroom) and @p priv_size bytes of
 * application area (a multiple of 8).
 * @param cache_size as vdk_mempool_create().
 * @return the pool, or NULL with errno as vdk_mempool_create(), and EINVAL
 *   for a @p priv_size that is not a multiple of 8 or a buffer above 64 KiB.
 */
struct vdk_mempool *vdk_pktmbuf_pool_create(const char *name, unsigned int n,
					    unsigned int cache_size, uint16_t priv_size,
					    uint16_t data_room_size, int socket_id);

/** buf_len of the mbufs of pool @p mp. */
static inline uint16_t
vdk_pktmbuf_data_room_size(const struct vdk_mempool *mp)
{
	return ((const struct vdk_pktmbuf_pool_private *)vdk_mempool_get_priv(mp))
		->mbuf_data_room_size;
}

/** Application bytes after each mbuf of pool @p mp. */
static inline uint16_t
vdk_pktmbuf_priv_size(const struct vdk_mempool *mp)
{
	return ((const struct vdk_pktmbuf_pool_private *)vdk_mempool_get_priv(mp))
		->mbuf_priv_size;
}

/** The application area of @p m (priv_size bytes after the struct). */
static inline void *
vdk_mbuf_to_priv(struct vdk_mbuf *m)
{
	return m + 1;
}

/** Read the reference count. */
static inline uint16_t
vdk_mbuf_refcnt_read(const struct vdk_mbuf *m)
{
	return __atomic_load_n(&m->refcnt, __ATOMIC_RELAXED);
}

/** Set the reference count (the caller must own every reference). */
static inline void
vdk_mbuf_refcnt_set(struct vdk_mbuf *m, uint16_t v)
{
	__atomic_store_n(&m->refcnt, v, __ATOMIC_RELAXED);
}

/**
 * Add @p v (may be negative) to the reference count, atomically.
 * @return the new count.
 */
static inline uint16_t
vdk_mbuf_refcnt_update(struct vdk_mbuf *m, int16_t v)
{
	/*
	 * Sole owner: no other thread can see the count change, skip the
	 * locked instruction.
	 */
	if (vdk_likely(vdk_mbuf_refcnt_read(m) == 1)) {
		uint16_t nv = (uint16_t)(1 + v);

		vdk_mbuf_refcnt_set(m, nv);
		return nv;
	}
	/*
	 * Acq_rel: a thread that drops the last reference must see every
	 * write the other holders made before theirs (it is about to reuse
	 * the buffer), and its own writes must precede its decrement.
	 */
	return __atomic_add_fetch(&m->refcnt, (uint16_t)v, __ATOMIC_ACQ_REL);
}

/** Bytes free in front of the data of segment @p m. */
static inline uint16_t
vdk_pktmbuf_headroom(const struct vdk_mbuf *m)
{
	return m->data_off;
}

/** Bytes free after the data of segment @p m. */
static inline uint16_t
vdk_pktmbuf_tailroom(const struct vdk_mbuf *m)
{
	return (uint16_t)(m->buf_len - m->data_off - m->data_len);
}

/** The last segment of the chain that starts at @p m. */
static inline struct vdk_mbuf *
vdk_pktmbuf_lastseg(struct vdk_mbuf *m)
{
	while (m->next != NULL)
		m = m->next;
	return m;
}

/** True if the packet is one segment. */
static inline int
vdk_pktmbuf_is_contiguous(const struct vdk_mbuf *m)
{
	return m->nb_segs == 1;
}

/** Reset the headroom of segment @p m to VDK_PKTMBUF_HEADROOM (or buf_len). */
static inline void
vdk_pktmbuf_reset_headroom(struct vdk_mbuf *m)
{
	m->data_off = (uint16_t)VDK_MIN((uint16_t)VDK_PKTMBUF_HEADROOM, m->buf_len);
}

/**
 * Make @p m an empty one-segment packet: no data, default headroom, no
 * flags, no port. The reference count is left alone.
 */
static inline void
vdk_pktmbuf_reset(struct vdk_mbuf *m)
{
	m->next = NULL;
	m->pkt_len = 0;
	m->tx_offload = 0;
	m->vlan_tci = 0;
	m->vlan_tci_outer = 0;
	m->nb_segs = 1;
	m->port = VDK_MBUF_PORT_INVALID;
	m->ol_flags = 0;
	m->packet_type = 0;
	vdk_pktmbuf_reset_headroom(m);
	m->data_len = 0;
}

/**
 * Allocate an mbuf from @p mp, reset.
 * @return the mbuf, or NULL if the pool is empty for this lcore (no errno:
 *   this is the datapath).
 */
static inline struct vdk_mbuf *
vdk_pktmbuf_alloc(struct vdk_mempool *mp)
{
	void *obj;

	if (vdk_unlikely(vdk_mempool_get(mp, &obj) < 0))
		return NULL;
	vdk_pktmbuf_reset((struct vdk_mbuf *)obj);
	return (struct vdk_mbuf *)obj;
}

/**
 * Allocate @p n mbufs from @p mp into @p mbufs, all or none, reset.
 * @return 0, or -ENOENT if the pool does not have @p n for this lcore.
 */
static inline int
vdk_pktmbuf_alloc_bulk(struct vdk_mempool *mp, struct vdk_mbuf **mbufs, unsigned int n)
{
	unsigned int i;
	int ret;

	ret = vdk_mempool_get_bulk(mp, (void **)mbufs, n);
	if (vdk_unlikely(ret < 0))
		return ret;
	for (i = 0; i < n; i++)
		vdk_pktmbuf_reset(mbufs[i]);
	return 0;
}

/**
 * Drop one reference to segment @p m, ignoring its chain.
 * @return @p m, ready to go back to its pool (refcnt 1, next NULL, nb_segs
 *   1), if that was the last reference; otherwise NULL. Every mbuf in a
 *   pool is in that state: receive paths that take mbufs straight from the
 *   pool rely on it and do not write those fields for a one-segment packet.
 */
static inline struct vdk_mbuf *
vdk_pktmbuf_prefree_seg(struct vdk_mbuf *m)
{
	if (vdk_likely(vdk_mbuf_refcnt_read(m) == 1)) {
		/* Only the fields a packet may have changed from the free state. */
		if (m->next != NULL)
			m->next = NULL;
		if (m->nb_segs != 1)
			m->nb_segs = 1;
		return m;
	}
	if (vdk_mbuf_refcnt_update(m, -1) == 0) {
		vdk_mbuf_refcnt_set(m, 1);
		m->next = NULL;
		m->nb_segs = 1;
		return m;
	}
	return NULL;
}

/** Free segment @p m alone (not the rest of its chain): drop a reference. */
static inline void
vdk_pktmbuf_free_seg(struct vdk_mbuf *m)
{
	m = vdk_pktmbuf_prefree_seg(m);
	if (m != NULL)
		vdk_mempool_put(m->pool, m);
}

/** Free the packet @p m, every segment of its chain. NULL is ignored. */
static inline void
vdk_pktmbuf_free(struct vdk_mbuf *m)
{
	struct vdk_mbuf *next;

	while (m != NULL) {
		next = m->next;
		vdk_pktmbuf_free_seg(m);
		m = next;
	}
}

/**
 * Free @p n packets (each with its chain). NULL entries are skipped.
 * Segments going back to the same pool are put in bursts.
 */
void vdk_pktmbuf_free_bulk(struct vdk_mbuf **mbufs, unsigned int n);

/**
 * Add @p len bytes of room in front of the data of the first segment.
 * @return the new start of data, or NULL (nothing changed) if the headroom
 *   is short.
 */
static inline char *
vdk_pktmbuf_prepend(struct vdk_mbuf *m, uint16_t len)
{
	if (vdk_unlikely(len > m->data_off))
		return NULL;
	m->data_off = (uint16_t)(m->data_off - len);
	m->data_len = (uint16_t)(m->data_len + len);
	m->pkt_len += len;
	return vdk_pktmbuf_mtod(m, char *);
}

/**
 * Add @p len bytes at the end of the packet (in its last segment).
 * @return where the new bytes go, or NULL (nothing changed) if the last
 *   segment's tailroom is short.
 */
static inline char *
vdk_pktmbuf_append(struct vdk_mbuf *m, uint16_t len)
{
	struct vdk_mbuf *last = vdk_pktmbuf_lastseg(m);
	char *tail;

	if (vdk_unlikely(len > vdk_pktmbuf_tailroom(last)))
		return NULL;
	tail = vdk_pktmbuf_mtod_offset(last, char *, last->data_len);
	last->data_len = (uint16_t)(last->data_len + len);
	m->pkt_len += len;
	return tail;
}

/**
 * Remove @p len bytes from the front of the packet (from its first segment).
 * @return the new start of data, or NULL (nothing changed) if the first
 *   segment holds fewer than @p len bytes.
 */
static inline char *
vdk_pktmbuf_adj(struct vdk_mbuf *m, uint16_t len)
{
	if (vdk_unlikely(len > m->data_len))
		return NULL;
	m->data_off = (uint16_t)(m->data_off + len);
	m->data_len = (uint16_t)(m->data_len - len);
	m->pkt_len -= len;
	return vdk_pktmbuf_mtod(m, char *);
}

/**
 * Remove @p len bytes from the end of the packet (from its last segment).
 * @return 0, or -EINVAL (nothing changed) if the last segment holds fewer
 *   than @p len bytes.
 */
static inline int
vdk_pktmbuf_trim(struct vdk_mbuf *m, uint16_t len)
{
	struct vdk_mbuf *last = vdk_pktmbuf_lastseg(m);

	if (vdk_unlikely(len > last->data_len))
		return -EINVAL;
	last->data_len = (uint16_t)(last->data_len - len);
	m->pkt_len -= len;
	return 0;
}

/**
 * Append the packet @p tail (with its chain) to the packet @p head, whose
 * pkt_len and nb_segs grow by tail's. @p tail must not be used as a packet
 * of its own afterwards.
 * @return 0, or -EOVERFLOW (nothing changed) if the chain would pass
 *   VDK_MBUF_MAX_NB_SEGS segments.
 */
static inline int
vdk_pktmbuf_chain(struct vdk_mbuf *head, struct vdk_mbuf *tail)
{
	if (vdk_unlikely((unsigned int)head->nb_segs + tail->nb_segs > VDK_MBUF_MAX_NB_SEGS))
		return -EOVERFLOW;
	vdk_pktmbuf_lastseg(head)->next = tail;
	head->nb_segs = (uint16_t)(head->nb_segs + tail->nb_segs);
	head->pkt_len += tail->pkt_len;
	/* Only the first segment carries packet-wide fields. */
	tail->pkt_len = tail->data_len;
	tail->nb_segs = 1;
	return 0;
}

/**
 * Check that @p m is a sane packet (first segment) or segment: lengths
 * within the buffer, pkt_len the sum of the chain's data_len, nb_segs its
 * length, refcnt not 0.
 * @return 0, or -EINVAL with @p reason (if not NULL) set to what is wrong.
 */
int vdk_mbuf_check(const struct vdk_mbuf *m, int is_header, const char **reason);

/**
 * Copy @p len bytes from offset @p off of the packet @p m, across segments,
 * into @p buf; or, if they are in one segment, return a pointer to them
 * without copying.
 * @return a pointer to the bytes, or NULL if the packet is shorter than
 *   @p off + @p len.
 */
const void *vdk_pktmbuf_read(const struct vdk_mbuf *m, uint32_t off, uint32_t len,
			     void *buf);

/**
 * Copy @p len bytes from @p src to the end of the packet @p m, filling its
 * last segment and chaining new segments from @p mp as needed: how a port
 * that copies frames (af_packet, pcap, af_xdp in copy mode) turns one into
 * an mbuf chain. Datapath-safe: no locks beyond the pool's, no syscalls.
 * @return 0; -ENOBUFS if @p mp ran out (the bytes that fitted stay
 *   appended: free the packet); -EOVERFLOW past VDK_MBUF_MAX_NB_SEGS.
 */
int vdk_pktmbuf_append_copy(struct vdk_mbuf *m, struct vdk_mempool *mp, const void *src,
			    uint32_t len);

#pragma GCC visibility pop

#ifdef __cplusplus
}
#endif

#endif /* VDK_MBUF_H */
