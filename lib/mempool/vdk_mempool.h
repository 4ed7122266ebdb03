/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Mempools: a fixed number of fixed-size objects in EAL memory, handed out
 * and taken back without locks.
 *
 * The free objects sit in a ring. In front of it each EAL lcore has a cache
 * of its own, so that get and put usually touch nothing another core writes:
 * a put goes to the cache and, when the cache passes its flush threshold
 * (1.5 times its size), the cache is emptied into the ring; a get takes from
 * the cache and, when it runs short, refills it from the ring up to its size.
 * A thread that is not an EAL lcore, or a pool made with cache_size 0, goes
 * to the ring every time. Objects in one lcore's cache are not visible to
 * another lcore, so a get can fail while other caches hold objects.
 *
 * Every object is preceded by a small header that records its pool and its
 * IOVA, so a driver gets the device address of any object in constant time.
 * Objects are cache-line aligned and never cross a page boundary where the
 * memory under them is not IOVA-contiguous (physical-address mode).
 *
 * @code
 * struct vdk_mempool *mp = vdk_mempool_create("cmds", 1024, 64, 32, 0,
 *		NULL, NULL, NULL, NULL, VDK_SOCKET_ID_ANY, 0);
 * void *objs[8];
 * if (vdk_mempool_get_bulk(mp, objs, 8) == 0)
 *	vdk_mempool_put_bulk(mp, objs, 8);
 * @endcode
 */
#ifndef VDK_MEMPOOL_H
#define VDK_MEMPOOL_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "vdk_common.h"
#include "vdk_lcore.h"
#include "vdk_memzone.h"
#include "vdk_ring.h"

#ifdef __cplusplus
extern "C" {
#endif

/* What this header declares is libvdk's API: exported (lib/version.map). */
#pragma GCC visibility push(default)

/** Longest pool name, NUL included ("MP_" + name names its memzone). */
#define VDK_MEMPOOL_NAMESIZE (VDK_MEMZONE_NAMESIZE - 3)

/** Largest per-lcore cache size. */
#define VDK_MEMPOOL_CACHE_MAX_SIZE 512

/** Only one thread at a time puts objects straight into the ring. */
#define VDK_MEMPOOL_F_SP_PUT 0x0004u
/** Only one thread at a time gets objects straight from the ring. */
#define VDK_MEMPOOL_F_SC_GET 0x0008u

/** A per-lcore cache. Only its own lcore touches it. */
struct vdk_mempool_cache {
	uint32_t size;        /**< objects a refill leaves in it */
	uint32_t flushthresh; /**< past this many, a put empties it into the ring */
	uint32_t len;         /**< objects in it now */
	uint32_t reserved;    /**< unused, 0 */
	void *objs[];         /**< 2 * size slots; the newest object is last */
};

/** What precedes every object in memory. */
struct vdk_mempool_objhdr {
	struct vdk_mempool *mp; /**< the pool the object belongs to */
	uint64_t iova;          /**< device address of the object's first byte */
};

/**
 * A pool. The first cache line holds everything get and put read; the rest
 * is read-only after creation.
 */
struct vdk_mempool {
	struct vdk_ring *ring;     /**< free objects not in any cache */
	char *caches;              /**< nb_caches caches, cache_stride bytes apart */
	/** Bytes per cache: header and 2 * cache_size slots, cache aligned. */
	uint32_t cache_stride;
	uint32_t nb_caches;        /**< lcore ids below this have a cache; 0: none */
	uint32_t cache_size;       /**< as given at creation, 0..VDK_MEMPOOL_CACHE_MAX_SIZE */
	uint32_t size;             /**< objects in the pool */
	unsigned int flags;        /**< VDK_MEMPOOL_F_* */
	int socket_id;             /**< NUMA node asked for at creation, or VDK_SOCKET_ID_ANY */
	uint32_t elt_size;         /**< object size asked for */
	uint32_t total_elt_size;   /**< distance between objects: header, object, padding */
	uint32_t private_data_size; /**< bytes at priv, as given at creation */
	uint32_t objs_per_page;    /**< objects laid per page_sz, 0: laid end to end */
	uint64_t page_sz;          /**< page the objects were laid on, when objs_per_page */

	/** As given at creation: vdk_mempool_lookup() key and log name. */
	char name[VDK_MEMPOOL_NAMESIZE] vdk_cache_aligned;
	const struct vdk_memzone *mz;     /**< this structure, private data, caches, ring */
	const struct vdk_memzone *obj_mz; /**< the objects */
	char *obj_base;                   /**< first object */
	void *priv;                       /**< private data area, cache aligned */
};

/** Called once for the pool at creation, after the private area is zeroed. */
typedef void (vdk_mempool_ctor_t)(struct vdk_mempool *mp, void *arg);

/** Called for an object at creation (obj_init) or by vdk_mempool_obj_iter(). */
typedef void (vdk_mempool_obj_cb_t)(struct vdk_mempool *mp, void *arg, void *obj,
				    unsigned int obj_idx);

/**
 * Create a pool of @p n objects of @p elt_size bytes in EAL memory on NUMA
 * node @p socket_id (VDK_SOCKET_ID_ANY: any).
 *
 * @param cache_size objects each lcore's cache refills to; 0 for no caches.
 *   At most VDK_MEMPOOL_CACHE_MAX_SIZE and at most @p n / 1.5, so that the
 *   caches cannot hold most of the pool.
 * @param private_data_size bytes of a per-pool area for the user
 *   (vdk_mempool_get_priv()), zeroed.
 * @param mp_init if not NULL, called once on the pool before the objects
 *   are initialised (to fill the private area the object callback reads).
 * @param obj_init if not NULL, called on every object, in order.
 * @param flags VDK_MEMPOOL_F_SP_PUT, VDK_MEMPOOL_F_SC_GET.
 * @return the pool, or NULL with errno: EINVAL (NULL or empty name, n or
 *   elt_size 0, cache_size too big, unknown flags, an object larger than a
 *   page where pages are not IOVA-contiguous), ENAMETOOLONG, EEXIST (a
 *   pool of that name exists), ENOMEM. Nothing is left behind on failure.
 *   Thread-safe.
 */
struct vdk_mempool *vdk_mempool_create(const char *name, unsigned int n,
				       unsigned int elt_size, unsigned int cache_size,
				       unsigned int private_data_size,
				       vdk_mempool_ctor_t *mp_init, void *mp_init_arg,
				       vdk_mempool_obj_cb_t *obj_init, void *obj_init_arg,
				       int socket_id, unsigned int flags);

/**
 * Free a pool and its memory. No object may be in use any more.
 * @return 0 (also for NULL).
 */
int vdk_mempool_free(struct vdk_mempool *mp);

/**
 * The pool named @p name. Thread-safe.
 * @return the pool, or NULL with errno ENOENT (none) or EINVAL (NULL name).
 */
struct vdk_mempool *vdk_mempool_lookup(const char *name);

/**
 * Call @p cb on every pool of this process, newest first, stopping
 * at the first nonzero return. A pool is not freed while its callback
 * runs; the callback must not create or free pools. Not for lcores: it
 * takes the lock that pool creation takes.
 * @return the first nonzero value @p cb returned, or 0.
 */
int vdk_mempool_walk(int (*cb)(const struct vdk_mempool *mp, void *arg), void *arg);

/**
 * Call @p cb on every object of the pool, free or not, in order.
 * @return the number of objects, or 0 if @p mp or @p cb is NULL.
 */
uint32_t vdk_mempool_obj_iter(struct vdk_mempool *mp, vdk_mempool_obj_cb_t *cb, void *arg);

/**
 * Free objects: those in the ring plus those in every cache. A snapshot,
 * exact only while no thread gets or puts.
 */
unsigned int vdk_mempool_avail_count(const struct vdk_mempool *mp);

/** Objects handed out: the pool size minus vdk_mempool_avail_count(). */
unsigned int vdk_mempool_in_use_count(const struct vdk_mempool *mp);

/** The memory under a pool's objects as one area (vdk_mempool_mem_area()). */
struct vdk_mempool_mem_area {
	void *addr;       /**< first byte, aligned to page_sz */
	size_t len;       /**< bytes, a multiple of page_sz */
	uint64_t page_sz; /**< page size of the memory under it */
};

/**
 * The one virtually contiguous, page-aligned area that holds every object
 * of @p mp, headers included, for a kernel interface that registers a
 * pool's memory as a whole (an AF_XDP UMEM). Its first and last pages may
 * also hold other EAL memory: it is rounded out to whole pages.
 * @return 0 with @p area filled; -EINVAL (NULL argument); -ENOTSUP if the
 *   objects lie in several blocks (IOVA mode PA where no IOVA-contiguous
 *   block held them all: a smaller pool, larger hugepages or IOVA mode VA
 *   gives one area). Thread-safe.
 */
int vdk_mempool_mem_area(const struct vdk_mempool *mp, struct vdk_mempool_mem_area *area);

/** Print the pool's geometry and counts to @p f, for debugging. */
void vdk_mempool_dump(FILE *f, const struct vdk_mempool *mp);

/** The pool's private area (private_data_size bytes), or NULL if it has none. */
static inline void *
vdk_mempool_get_priv(const struct vdk_mempool *mp)
{
	return mp->priv;
}

/** @cond internal */
static vdk_always_inline struct vdk_mempool_objhdr *
vdk_mempool_objhdr(const void *obj)
{
	return (struct vdk_mempool_objhdr *)(uintptr_t)obj - 1;
}

/* Slow paths of the cache, out of line to keep get and put small. */
int vdk_mempool_cache_refill(struct vdk_mempool *mp, struct vdk_mempool_cache *cache,
			     unsigned int n);
int vdk_mempool_cache_get_large(struct vdk_mempool *mp, struct vdk_mempool_cache *cache,
				void **objs, unsigned int n);
/** @endcond */

/** The pool @p obj belongs to. */
static inline struct vdk_mempool *
vdk_mempool_from_obj(const void *obj)
{
	return vdk_mempool_objhdr(obj)->mp;
}

/** Device address (IOVA) of the first byte of @p obj, an object of a pool. */
static inline uint64_t
vdk_mempool_virt2iova(const void *obj)
{
	return vdk_mempool_objhdr(obj)->iova;
}

/**
 * The cache of lcore @p lcore_id, or NULL if the pool has no caches or the
 * id has none (VDK_LCORE_ID_ANY, a disabled lcore).
 */
static inline struct vdk_mempool_cache *
vdk_mempool_default_cache(const struct vdk_mempool *mp, unsigned int lcore_id)
{
	if (lcore_id >= mp->nb_caches)
		return NULL;
	return (struct vdk_mempool_cache *)(mp->caches + (size_t)lcore_id * mp->cache_stride);
}

/**
 * Empty @p cache into the pool's ring, for a thread that stops using the
 * pool. Not thread-safe with the cache's own lcore.
 */
void vdk_mempool_cache_flush(struct vdk_mempool *mp, struct vdk_mempool_cache *cache);

/**
 * Put @p n objects back through @p cache (NULL: straight into the ring).
 * @p cache must belong to the calling thread.
 */
static vdk_always_inline void
vdk_mempool_generic_put(struct vdk_mempool *mp, void * const *objs, unsigned int n,
			struct vdk_mempool_cache *cache)
{
	void **dst;
	unsigned int i;

	if (vdk_unlikely(cache == NULL || n > cache->size)) {
		/* The ring has room for the whole pool: this cannot fail. */
		vdk_ring_enqueue_bulk(mp->ring, objs, n, NULL);
		return;
	}
	if (vdk_unlikely(cache->len + n > cache->flushthresh)) {
		/* The oldest objects are the coldest: they go to the ring. */
		vdk_ring_enqueue_bulk(mp->ring, cache->objs, cache->len, NULL);
		cache->len = 0;
	}
	dst = &cache->objs[cache->len];
	for (i = 0; i < n; i++)
		dst[i] = objs[i];
	cache->len += n;
}

/**
 * Get @p n objects through @p cache (NULL: straight from the ring), all or
 * none. @p cache must belong to the calling thread.
 * @return 0, or -ENOENT if the cache and the ring do not hold @p n.
 */
static vdk_always_inline int
vdk_mempool_generic_get(struct vdk_mempool *mp, void **objs, unsigned int n,
			struct vdk_mempool_cache *cache)
{
	void **src;
	unsigned int i;

	if (vdk_unlikely(cache == NULL))
		return vdk_ring_dequeue_bulk(mp->ring, objs, n, NULL) == n ? 0 : -ENOENT;
	if (vdk_unlikely(n > cache->size))
		return vdk_mempool_cache_get_large(mp, cache, objs, n);
	if (vdk_unlikely(cache->len < n) && vdk_mempool_cache_refill(mp, cache, n) < 0)
		return -ENOENT;
	/* Newest first: it is the most likely to be in this core's cache. */
	src = &cache->objs[cache->len - 1];
	for (i = 0; i < n; i++)
		objs[i] = src[-(int)i];
	cache->len -= n;
	return 0;
}

/**
 * Put @p n objects back, through the calling lcore's cache.
 * Thread-safe unless the pool has VDK_MEMPOOL_F_SP_PUT.
 */
static inline void
vdk_mempool_put_bulk(struct vdk_mempool *mp, void * const *objs, unsigned int n)
{
	vdk_mempool_generic_put(mp, objs, n, vdk_mempool_default_cache(mp, vdk_lcore_id()));
}

/**
 * Get @p n objects, all or none, through the calling lcore's cache.
 * Thread-safe unless the pool has VDK_MEMPOOL_F_SC_GET.
 * @return 0, or -ENOENT if there are not @p n free objects this lcore can reach.
 */
static inline int
vdk_mempool_get_bulk(struct vdk_mempool *mp, void **objs, unsigned int n)
{
	return vdk_mempool_generic_get(mp, objs, n,
				       vdk_mempool_default_cache(mp, vdk_lcore_id()));
}

/** Put one object back. As vdk_mempool_put_bulk(). */
static inline void
vdk_mempool_put(struct vdk_mempool *mp, void *obj)
{
	vdk_mempool_put_bulk(mp, &obj, 1);
}

/** Get one object. As vdk_mempool_get_bulk(). @return 0, or -ENOENT. */
static inline int
vdk_mempool_get(struct vdk_mempool *mp, void **obj)
{
	return vdk_mempool_get_bulk(mp, obj, 1);
}

#pragma GCC visibility pop

#ifdef __cplusplus
}
#endif

#endif /* VDK_MEMPOOL_H */
