/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Mempool control path: laying out objects in EAL memory, the per-lcore
 * caches, lookup and teardown. get and put are inline in vdk_mempool.h.
 *
 * Memory: the pool structure, its private area, the caches and the ring
 * share one memzone ("MP_<name>", which is how lookup finds the pool). The
 * objects go into a second memzone ("MO_<name>") when one IOVA-contiguous
 * block that large exists; otherwise (IOVA mode PA with pages too small) into
 * smaller heap blocks, halving the block until it fits. EAL blocks are always
 * IOVA-contiguous, so no object ever straddles a discontiguous page, and an
 * object's IOVA is its block's plus its offset, recorded in its header.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vdk_lcore.h"
#include "vdk_log.h"
#include "vdk_malloc.h"
#include "vdk_memzone.h"
#include "vdk_mempool.h"
#include "vdk_ring.h"

#define MP_MZ_PREFIX "MP_"
#define MP_OBJ_MZ_PREFIX "MO_"
#define MP_KNOWN_FLAGS (VDK_MEMPOOL_F_SP_PUT | VDK_MEMPOOL_F_SC_GET)

/* Every object is cache aligned; the header sits just before it. */
#define MP_OBJ_ALIGN VDK_CACHE_LINE_SIZE
#define MP_HDR_SIZE sizeof(struct vdk_mempool_objhdr)

/* One IOVA-contiguous block of objects. */
struct mp_chunk {
	char *first;       /* first object */
	uint32_t nb_objs;
	int in_heap;       /* a vdk_malloc block, not the objects memzone */
	void *block;       /* what to free */
};

/*
 * What the pool structure cannot hold in shared memory: the chunk list,
 * which only the control path reads. Kept per pool in a process-local list.
 */
struct mp_chunks {
	struct vdk_mempool *mp;
	struct mp_chunk *chunk;
	unsigned int nb;
	struct mp_chunks *next;
};

static struct mp_chunks *chunk_lists;
static pthread_mutex_t chunk_lock = PTHREAD_MUTEX_INITIALIZER;

static struct mp_chunks *
chunks_of(const struct vdk_mempool *mp)
{
	struct mp_chunks *c;

	pthread_mutex_lock(&chunk_lock);
	for (c = chunk_lists; c != NULL; c = c->next)
		if (c->mp == mp)
			break;
	pthread_mutex_unlock(&chunk_lock);
	return c;
}

static int
chunk_add(struct mp_chunks *c, char *first, uint32_t nb_objs, int in_heap, void *block)
{
	struct mp_chunk *grown = realloc(c->chunk, (c->nb + 1) * sizeof(*grown));

	if (grown == NULL)
		return -ENOMEM;
	c->chunk = grown;
	c->chunk[c->nb++] = (struct mp_chunk){ first, nb_objs, in_heap, block };
	return 0;
}

static void
chunks_release(struct mp_chunks *c)
{
	unsigned int i;

	for (i = 0; i < c->nb; i++) {
		if (c->chunk[i].in_heap)
			vdk_free(c->chunk[i].block);
		else
			vdk_memzone_free(c->chunk[i].block);
	}
	free(c->chunk);
	c->chunk = NULL;
	c->nb = 0;
}

/* Bytes for @n objects laid end to end: the first header needs a line before. */
static size_t
chunk_bytes(const struct vdk_mempool *mp, uint32_t n)
{
	return MP_OBJ_ALIGN + (size_t)n * mp->total_elt_size;
}

/* Give every object of a chunk its header: pool and IOVA. */
static int
chunk_fill(struct vdk_mempool *mp, char *block, uint32_t n, struct mp_chunks *c,
	   int in_heap, void *to_free)
{
	uint64_t iova = vdk_malloc_virt2iova(block);
	char *first = block + MP_OBJ_ALIGN;
	uint32_t i;

	for (i = 0; i < n; i++) {
		char *obj = first + (size_t)i * mp->total_elt_size;
		struct vdk_mempool_objhdr *hdr = vdk_mempool_objhdr(obj);

		hdr->mp = mp;
		hdr->iova = iova == VDK_BAD_IOVA ? VDK_BAD_IOVA
						 : iova + (uint64_t)(obj - block);
	}
	if (c->nb == 0)
		mp->obj_base = first;
	return chunk_add(c, first, n, in_heap, to_free);
}

/* Reserve the objects: one memzone if possible, else ever smaller heap blocks. */
static int
populate(struct vdk_mempool *mp, struct mp_chunks *c)
{
	char mz_name[VDK_MEMZONE_NAMESIZE];
	const struct vdk_memzone *mz;
	uint32_t left = mp->size, per_block;
	void *block;

	snprintf(mz_name, sizeof(mz_name), MP_OBJ_MZ_PREFIX "%s", mp->name);
	mz = vdk_memzone_reserve_aligned(mz_name, chunk_bytes(mp, mp->size), mp->socket_id,
					 0, MP_OBJ_ALIGN);
	if (mz != NULL) {
		int ret = chunk_fill(mp, mz->addr, mp->size, c, 0, (void *)(uintptr_t)mz);

		if (ret < 0)
			vdk_memzone_free(mz);
		else
			mp->obj_mz = mz;
		return ret;
	}
	if (errno != ENOMEM)
		return -errno;

	/*
	 * No contiguous block that large: in IOVA mode PA the heap only gives
	 * runs of physically contiguous pages. Take smaller blocks.
	 */
	VDK_LOG(INFO, MEMPOOL, "mempool %s: no single block for %" PRIu32
		" objects, using smaller blocks", mp->name, mp->size);
	per_block = mp->size / 2;
	while (left > 0) {
		if (per_block == 0) {
			VDK_LOG(ERR, MEMPOOL, "mempool %s: no memory for an object of %" PRIu32
				" bytes (%" PRIu32 " objects left to place): reserve more "
				"memory (-m) or hugepages", mp->name, mp->total_elt_size, left);
			return -ENOMEM;
		}
		per_block = VDK_MIN(per_block, left);
		block = vdk_malloc_socket("mempool", chunk_bytes(mp, per_block), MP_OBJ_ALIGN,
					  mp->socket_id);
		if (block == NULL) {
			per_block /= 2;
			continue;
		}
		if (chunk_fill(mp, block, per_block, c, 1, block) < 0) {
			vdk_free(block);
			return -ENOMEM;
		}
		left -= per_block;
	}
	return 0;
}

static int
check_args(const char *name, unsigned int n, unsigned int elt_size, unsigned int cache_size,
	   unsigned int flags)
{
	if (name == NULL || name[0] == '\0') {
		VDK_LOG(ERR, MEMPOOL, "mempool name is %s", name == NULL ? "NULL" : "empty");
		return -EINVAL;
	}
	if (strnlen(name, VDK_MEMPOOL_NAMESIZE) >= VDK_MEMPOOL_NAMESIZE) {
		VDK_LOG(ERR, MEMPOOL, "mempool name %.*s... is too long: at most %d characters",
			VDK_MEMPOOL_NAMESIZE - 1, name, VDK_MEMPOOL_NAMESIZE - 1);
		return -ENAMETOOLONG;
	}
	if (n == 0 || n > VDK_RING_SZ_MAX / 2) {
		VDK_LOG(ERR, MEMPOOL, "mempool %s: %u objects: need 1 to %u", name, n,
			VDK_RING_SZ_MAX / 2);
		return -EINVAL;
	}
	if (elt_size == 0 || elt_size > UINT32_MAX / 2) {
		VDK_LOG(ERR, MEMPOOL, "mempool %s: object size %u out of range", name, elt_size);
		return -EINVAL;
	}
	if (cache_size > VDK_MEMPOOL_CACHE_MAX_SIZE || (uint64_t)cache_size * 3 / 2 > n) {
		VDK_LOG(ERR, MEMPOOL, "mempool %s: cache size %u too big: at most %u and at "
			"most 2/3 of the %u objects", name, cache_size,
			VDK_MEMPOOL_CACHE_MAX_SIZE, n);
		return -EINVAL;
	}
	if (flags & ~MP_KNOWN_FLAGS) {
		VDK_LOG(ERR, MEMPOOL, "mempool %s: unknown flags 0x%x", name,
			flags & ~MP_KNOWN_FLAGS);
		return -EINVAL;
	}
	return 0;
}

/* Caches go to lcore ids 0 .. highest enabled, so a lookup is one compare. */
static uint32_t
nb_caches_needed(unsigned int cache_size)
{
	unsigned int lcore, top = 0;

	if (cache_size == 0)
		return 0;
	VDK_LCORE_FOREACH(lcore)
		top = lcore + 1;
	return top;
}

struct vdk_mempool *
vdk_mempool_create(const char *name, unsigned int n, unsigned int elt_size,
		   unsigned int cache_size, unsigned int private_data_size,
		   vdk_mempool_ctor_t *mp_init, void *mp_init_arg,
		   vdk_mempool_obj_cb_t *obj_init, void *obj_init_arg,
		   int socket_id, unsigned int flags)
{
	char mz_name[VDK_MEMZONE_NAMESIZE];
	size_t priv_off, caches_off, ring_off, total;
	uint32_t nb_caches, cache_stride, i;
	unsigned int ring_flags = VDK_RING_F_EXACT_SZ;
	const struct vdk_memzone *mz;
	struct vdk_mempool *mp;
	struct mp_chunks *c;
	ssize_t ring_size;
	int ret;

	ret = check_args(name, n, elt_size, cache_size, flags);
	if (ret < 0) {
		errno = -ret;
		return NULL;
	}
	if (flags & VDK_MEMPOOL_F_SP_PUT)
		ring_flags |= VDK_RING_F_SP_ENQ;
	if (flags & VDK_MEMPOOL_F_SC_GET)
		ring_flags |= VDK_RING_F_SC_DEQ;
	ring_size = vdk_ring_get_memsize(n, ring_flags);

	nb_caches = nb_caches_needed(cache_size);
	/* A refill may take the cache to size + n with n <= size: 2 * size slots. */
	cache_stride = VDK_ALIGN_CEIL((uint32_t)(sizeof(struct vdk_mempool_cache) +
				      2 * cache_size * sizeof(void *)), VDK_CACHE_LINE_SIZE);
	priv_off = VDK_ALIGN_CEIL(sizeof(*mp), (size_t)VDK_CACHE_LINE_SIZE);
	caches_off = priv_off + VDK_ALIGN_CEIL((size_t)private_data_size,
					       (size_t)VDK_CACHE_LINE_SIZE);
	ring_off = VDK_ALIGN_CEIL(caches_off + (size_t)nb_caches * cache_stride, (size_t)128);
	total = ring_off + (size_t)ring_size;

	snprintf(mz_name, sizeof(mz_name), MP_MZ_PREFIX "%s", name);
	mz = vdk_memzone_reserve_aligned(mz_name, total, socket_id, 0, 128);
	if (mz == NULL) {
		ret = errno;
		if (ret == EEXIST)
			VDK_LOG(ERR, MEMPOOL, "mempool %s: the name is taken", name);
		else
			VDK_LOG(ERR, MEMPOOL, "mempool %s: cannot reserve %zu bytes on socket %d: %s",
				name, total, socket_id, strerror(ret));
		errno = ret;
		return NULL;
	}
	mp = mz->addr;
	memset(mp, 0, ring_off);
	snprintf(mp->name, sizeof(mp->name), "%s", name);
	mp->mz = mz;
	mp->size = n;
	mp->flags = flags;
	mp->socket_id = socket_id;
	mp->elt_size = elt_size;
	mp->total_elt_size = VDK_ALIGN_CEIL((uint32_t)(elt_size + MP_HDR_SIZE), MP_OBJ_ALIGN);
	mp->private_data_size = private_data_size;
	mp->priv = private_data_size ? (char *)mp + priv_off : NULL;
	mp->cache_size = cache_size;
	mp->nb_caches = nb_caches;
	mp->cache_stride = cache_stride;
	mp->caches = (char *)mp + caches_off;
	for (i = 0; i < nb_caches; i++) {
		struct vdk_mempool_cache *cache = vdk_mempool_default_cache(mp, i);

		cache->size = cache_size;
		cache->flushthresh = cache_size + cache_size / 2;
	}
	mp->ring = (struct vdk_ring *)((char *)mp + ring_off);
	ret = vdk_ring_init(mp->ring, name, n, ring_flags);
	if (ret < 0)
		goto free_zone;

	c = calloc(1, sizeof(*c));
	if (c == NULL) {
		ret = -ENOMEM;
		goto free_zone;
	}
	c->mp = mp;
	ret = populate(mp, c);
	if (ret < 0) {
		VDK_LOG(ERR, MEMPOOL, "mempool %s: cannot place %u objects of %u bytes: %s",
			name, n, elt_size, strerror(-ret));
		goto free_chunks;
	}

	if (mp_init != NULL)
		mp_init(mp, mp_init_arg);
	/* The ring gets the objects in address order: the first get is the lowest. */
	for (i = 0; i < c->nb; i++) {
		uint32_t k;

		for (k = 0; k < c->chunk[i].nb_objs; k++) {
			void *obj = c->chunk[i].first + (size_t)k * mp->total_elt_size;

			vdk_ring_enqueue(mp->ring, obj);
		}
	}
	pthread_mutex_lock(&chunk_lock);
	c->next = chunk_lists;
	chunk_lists = c;
	pthread_mutex_unlock(&chunk_lock);
	if (obj_init != NULL)
		vdk_mempool_obj_iter(mp, obj_init, obj_init_arg);
	return mp;

free_chunks:
	chunks_release(c);
	free(c);
free_zone:
	vdk_memzone_free(mz);
	errno = -ret;
	return NULL;
}

int
vdk_mempool_free(struct vdk_mempool *mp)
{
	struct mp_chunks **pp, *c = NULL;

	if (mp == NULL)
		return 0;
	pthread_mutex_lock(&chunk_lock);
	for (pp = &chunk_lists; *pp != NULL; pp = &(*pp)->next) {
		if ((*pp)->mp == mp) {
			c = *pp;
			*pp = c->next;
			break;
		}
	}
	pthread_mutex_unlock(&chunk_lock);
	if (c == NULL) {
		VDK_LOG(ERR, MEMPOOL, "mempool at %p: not a pool (freed already?)", (void *)mp);
		return -EINVAL;
	}
	chunks_release(c);
	free(c);
	return vdk_memzone_free(mp->mz);
}

struct vdk_mempool *
vdk_mempool_lookup(const char *name)
{
	char mz_name[VDK_MEMZONE_NAMESIZE];
	const struct vdk_memzone *mz;

	if (name == NULL) {
		errno = EINVAL;
		return NULL;
	}
	if (strnlen(name, VDK_MEMPOOL_NAMESIZE) >= VDK_MEMPOOL_NAMESIZE) {
		errno = ENOENT;
		return NULL;
	}
	snprintf(mz_name, sizeof(mz_name), MP_MZ_PREFIX "%s", name);
	mz = vdk_memzone_lookup(mz_name);
	if (mz == NULL) {
		errno = ENOENT;
		return NULL;
	}
	return mz->addr;
}

int
vdk_mempool_walk(int (*cb)(const struct vdk_mempool *mp, void *arg), void *arg)
{
	struct mp_chunks *c;
	int ret = 0;

	pthread_mutex_lock(&chunk_lock);
	for (c = chunk_lists; c != NULL && ret == 0; c = c->next)
		ret = cb(c->mp, arg);
	pthread_mutex_unlock(&chunk_lock);
	return ret;
}

uint32_t
vdk_mempool_obj_iter(struct vdk_mempool *mp, vdk_mempool_obj_cb_t *cb, void *arg)
{
	struct mp_chunks *c;
	uint32_t idx = 0, i, k;

	if (mp == NULL || cb == NULL)
		return 0;
	c = chunks_of(mp);
	if (c == NULL)
		return 0;
	for (i = 0; i < c->nb; i++)
		for (k = 0; k < c->chunk[i].nb_objs; k++, idx++)
			cb(mp, arg, c->chunk[i].first + (size_t)k * mp->total_elt_size, idx);
	return idx;
}

int
vdk_mempool_mem_area(const struct vdk_mempool *mp, struct vdk_mempool_mem_area *area)
{
	uintptr_t start, end;

	if (mp == NULL || area == NULL)
		return -EINVAL;
	/* Only the objects memzone is one area; heap blocks lie anywhere. */
	if (mp->obj_mz == NULL)
		return -ENOTSUP;
	start = VDK_ALIGN_FLOOR((uintptr_t)mp->obj_mz->addr, (uintptr_t)mp->obj_mz->page_sz);
	end = VDK_ALIGN_CEIL((uintptr_t)mp->obj_mz->addr + mp->obj_mz->len,
			     (uintptr_t)mp->obj_mz->page_sz);
	area->addr = (void *)start;
	area->len = end - start;
	area->page_sz = mp->obj_mz->page_sz;
	return 0;
}

unsigned int
vdk_mempool_avail_count(const struct vdk_mempool *mp)
{
	unsigned int count = vdk_ring_count(mp->ring);
	uint32_t i;

	for (i = 0; i < mp->nb_caches; i++)
		count += __atomic_load_n(&vdk_mempool_default_cache(mp, i)->len,
					 __ATOMIC_RELAXED);
	/* Caches are read racily: never report more than the pool holds. */
	return count > mp->size ? mp->size : count;
}

unsigned int
vdk_mempool_in_use_count(const struct vdk_mempool *mp)
{
	return mp->size - vdk_mempool_avail_count(mp);
}

int
vdk_mempool_cache_refill(struct vdk_mempool *mp, struct vdk_mempool_cache *cache,
			 unsigned int n)
{
	/* Enough for this get and a full cache after it. */
	unsigned int want = cache->size + n - cache->len;

	cache->len += vdk_ring_dequeue_burst(mp->ring, &cache->objs[cache->len], want, NULL);
	/* Short: what came stays in the cache, still free, still counted. */
	return cache->len >= n ? 0 : -ENOENT;
}

int
vdk_mempool_cache_get_large(struct vdk_mempool *mp, struct vdk_mempool_cache *cache,
			    void **objs, unsigned int n)
{
	unsigned int take, i;

	/* Too many to stage in the cache: straight from the ring if there. */
	if (vdk_ring_dequeue_bulk(mp->ring, objs, n, NULL) == n)
		return 0;
	/* Else the ring tops up what this lcore's cache holds. */
	take = VDK_MIN(cache->len, n);
	if (take < n && vdk_ring_dequeue_bulk(mp->ring, objs + take, n - take, NULL) == 0)
		return -ENOENT;
	for (i = 0; i < take; i++)
		objs[i] = cache->objs[cache->len - 1 - i];
	cache->len -= take;
	return 0;
}

void
vdk_mempool_cache_flush(struct vdk_mempool *mp, struct vdk_mempool_cache *cache)
{
	if (cache == NULL || cache->len == 0)
		return;
	vdk_ring_enqueue_bulk(mp->ring, cache->objs, cache->len, NULL);
	cache->len = 0;
}

void
vdk_mempool_dump(FILE *f, const struct vdk_mempool *mp)
{
	struct mp_chunks *c = chunks_of(mp);
	uint32_t i;

	fprintf(f, "mempool %s@%p: %" PRIu32 " objects of %" PRIu32 " bytes (stride %" PRIu32
		") in %u blocks, flags 0x%x\n"
		"  avail %u in use %u, in ring %u\n"
		"  cache size %" PRIu32 " for %" PRIu32 " lcores:",
		mp->name, (const void *)mp, mp->size, mp->elt_size, mp->total_elt_size,
		c != NULL ? c->nb : 0, mp->flags,
		vdk_mempool_avail_count(mp), vdk_mempool_in_use_count(mp),
		vdk_ring_count(mp->ring), mp->cache_size, mp->nb_caches);
	for (i = 0; i < mp->nb_caches; i++)
		fprintf(f, " %" PRIu32, vdk_mempool_default_cache(mp, i)->len);
	fprintf(f, "\n");
}
